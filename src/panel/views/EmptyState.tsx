import type { SessionSource, SourceState } from '../data/source';

export type EmptyKind = 'loading' | 'recording-off' | 'hook-off' | 'no-client' | 'no-emits';

export function whichEmpty(s: SourceState): EmptyKind | null {
  if (s.ops.length > 0) return null;
  if (s.status === 'loading') return 'loading';
  // Only trust the switches once the worker has told us its state.
  if (s.control?.connected && s.control.hookDisabled) return 'hook-off';
  if (s.control?.connected && !s.control.recording) return 'recording-off';
  if (!s.session || !s.meta || s.meta.sockets.length === 0) return 'no-client';
  return 'no-emits';
}

export function EmptyState({ kind, source, state }: { kind: EmptyKind; source: SessionSource; state: SourceState }) {
  const sockets = state.meta?.sockets ?? [];
  return (
    <div className="empty" data-empty={kind}>
      <div className="empty-card" role="status">
        {kind === 'loading' && <h2>Loading session…</h2>}
        {kind === 'recording-off' && (
          <>
            <h2>Recording is off for this tab</h2>
            <p>
              AckScope records Socket.IO emits, retries, acks and timeouts only while recording. Turn it on, then use the page:
              every <code>emit</code> / <code>emitWithAck</code> appears here with its attempts.
            </p>
            <button className="tb-btn" onClick={() => source.setRecording?.(true)}>
              <span className="rec-dot on" /> Start recording
            </button>
          </>
        )}
        {kind === 'hook-off' && (
          <>
            <h2>AckScope is switched off for {state.control?.origin ?? 'this site'}</h2>
            <p>The page hook does not instrument Socket.IO here. Switch it back on and reload the page.</p>
            <button className="tb-btn" onClick={() => source.setHookDisabled?.(false)}>
              Hook this site again
            </button>
          </>
        )}
        {kind === 'no-client' && (
          <>
            <h2>No Socket.IO client on this page yet</h2>
            <p>AckScope shows every emit of a socket.io-client 4.x socket: attempts, retries, acks, timeouts, and which operations reached the server more than once.</p>
            <ol>
              <li>Reload the page with DevTools open (the hook must run before the page creates its socket).</li>
              <li>
                Make the app emit something, e.g. <code>socket.emitWithAck('order:create', {'{ id }'})</code>.
              </li>
              <li>
                Sockets created with <code>retries</code> and <code>ackTimeout</code> deliver at least once: duplicates show up in red.
              </li>
            </ol>
          </>
        )}
        {kind === 'no-emits' && (
          <>
            <h2>
              Socket.IO client found — no emits yet
            </h2>
            <p>
              {sockets.map((s) => (
                <span key={s.client}>
                  <code>{s.socket}</code> → {s.url}
                  {s.opts.retries !== undefined ? ` · retries ${s.opts.retries}` : ''}
                  {s.opts.ackTimeout !== undefined ? ` · ackTimeout ${s.opts.ackTimeout} ms` : ''}
                  <br />
                </span>
              ))}
            </p>
            <p>Use the page (or call <code>socket.emitWithAck(…)</code> in the Console): operations appear here as they happen.</p>
          </>
        )}
      </div>
    </div>
  );
}
