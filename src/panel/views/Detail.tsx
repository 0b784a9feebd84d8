import { useEffect, useState } from 'react';
import type { Operation, AttemptInfo } from '../../core/analysis/types';
import type { SessionSource } from '../data/source';
import { useViewApi } from '../view-store';
import { fmtMs, fmtOffset, OUTCOME_LABEL, VERDICT_LABEL } from '../format';
import { JsonBox } from './JsonBox';

function endText(a: AttemptInfo): string {
  const e = a.end;
  switch (e.kind) {
    case 'ack':
      return `ack after ${fmtMs(e.latency)}${e.dedupMarker ? ' (server: duplicate)' : ''}`;
    case 'timeout':
      return `timed out${e.message ? ` — ${e.message}` : ''}`;
    case 'disconnect':
      return `disconnected${e.message ? ` — ${e.message}` : ''}`;
    case 'error':
      return `error${e.message ? ` — ${e.message}` : ''}`;
    case 'pending':
      return 'waiting for ack';
    case 'none':
      return 'no ack requested';
  }
}

/** Pane with everything about one operation, fetched in full from the source. */
export function Detail({ source, id, origin }: { source: SessionSource; id: string; origin: number }) {
  const api = useViewApi();
  const [op, setOp] = useState<Operation | null | undefined>(undefined);
  // Re-read when the (live) summary changes.
  const version = source.getState().ops.find((o) => o.id === id)?.lastActivity;
  useEffect(() => {
    let live = true;
    source.getOperation(id).then((o) => live && setOp(o ?? null));
    return () => {
      live = false;
    };
  }, [source, id, version]);

  return (
    <div className="detail pane-border-l" role="region" aria-label="Operation detail" data-testid="detail">
      <div className="detail-head">
        <span className="title">{op ? `${op.event}` : id}</span>
        {op && op.duplicate !== 'none' && <span className={`badge b-${op.duplicate}`}>{VERDICT_LABEL[op.duplicate]}</span>}
        <span style={{ flex: 1 }} />
        <button className="tb-btn" aria-label="Close detail (Esc)" title="Close (Esc)" onClick={() => api.getState().set({ detailOpen: false })}>
          ✕
        </button>
      </div>
      <div className="detail-body">
        {op === undefined && <div className="faint">Loading…</div>}
        {op === null && <div className="faint">This operation is no longer stored.</div>}
        {op && <DetailBody op={op} origin={origin} source={source} />}
      </div>
    </div>
  );
}

function DetailBody({ op, origin, source }: { op: Operation; origin: number; source: SessionSource }) {
  const site = op.stack?.find((s) => s.url && !/socket\.io/.test(s.url)) ?? op.stack?.[0];
  return (
    <>
      <div className="section">What happened</div>
      <p className="explain" data-testid="explanation">
        {op.explanation}
      </p>
      <dl className="kv">
        <dt>Outcome</dt>
        <dd className={`o-${op.outcome}`}>
          {OUTCOME_LABEL[op.outcome]}
          {op.reason ? ` — ${op.reason}` : ''}
        </dd>
        <dt>Socket</dt>
        <dd>{op.socket}</dd>
        {op.key !== null && (
          <>
            <dt>Key</dt>
            <dd className="mono">
              {op.key} <span className="faint">({op.keyPath})</span>
            </dd>
          </>
        )}
        <dt>socket.id</dt>
        <dd className="mono">{op.sid ?? <span className="faint">not connected</span>}</dd>
        <dt>engine sid</dt>
        <dd className="mono">{op.engineSid ?? <span className="faint">—</span>}</dd>
        {op.flags?.timeout !== undefined && (
          <>
            <dt>timeout()</dt>
            <dd>{op.flags.timeout} ms</dd>
          </>
        )}
        <dt>Emitted at</dt>
        <dd>
          {site ? (
            source.capabilities.openResource ? (
              <button
                className="link mono"
                title="Open in the Sources panel"
                onClick={() => source.openResource?.(site.url, site.line, site.col)}
              >
                {site.fn ? `${site.fn} ` : ''}
                {site.url.split('/').pop()}:{site.line}:{site.col}
              </button>
            ) : (
              <span className="mono">
                {site.fn ? `${site.fn} ` : ''}
                {site.url}:{site.line}:{site.col}
              </span>
            )
          ) : (
            <span className="faint">no stack recorded</span>
          )}
        </dd>
      </dl>
      <div className="section">
        Attempts <span className="faint">({op.attempts})</span>
      </div>
      <table className="chain" aria-label="Attempt chain">
        <thead>
          <tr>
            <th>Try</th>
            <th>Wire id</th>
            <th>Sent</th>
            <th>Result</th>
          </tr>
        </thead>
        <tbody>
          {op.chain.map((a, i) => (
            <tr key={i} data-testid="attempt">
              <td>
                #{a.try}
                {op.emits.length > 1 ? <span className="faint"> ({op.emits.indexOf(a.emit) + 1}. emit)</span> : ''}
              </td>
              <td className="mono">{a.ackId ?? '—'}</td>
              <td className="mono">
                {fmtOffset(a.sentAt, origin)}
                {a.buffered ? ' (buffered)' : ''}
                {a.flushed ? ' (flushed)' : ''}
              </td>
              <td>
                <span className={a.end.kind === 'ack' ? 'o-acked' : a.end.kind === 'timeout' ? 'o-timed-out' : a.end.kind === 'pending' ? 'dim' : 'o-failed'}>
                  {endText(a)}
                </span>
                {a.lateAcks.map((l, j) => (
                  <div key={j} style={{ color: 'var(--c-late)' }} data-testid="late-ack">
                    late ack after {fmtMs(l.latency)} — the server ran this attempt{l.dedupMarker ? ' (and answered "duplicate")' : ''}
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {op.evidence.length > 0 && (
        <>
          <div className="section">Evidence</div>
          <ul style={{ margin: '2px 0', paddingLeft: 18, lineHeight: 1.45 }}>
            {op.evidence.map((e, i) => (
              <li key={i}>{e.note}</li>
            ))}
          </ul>
        </>
      )}
      <div className="section">Payload</div>
      <JsonBox preview={op.args} label="payload" />
      <div className="section">Ack</div>
      <JsonBox preview={op.ackArgs} label="ack" />
      <div className="faint" style={{ marginTop: 8 }}>
        op {op.id}
        {op.emits.length > 1 ? ` · ${op.emits.length} emits linked by ${op.linkedBy}` : ''}
      </div>
    </>
  );
}
