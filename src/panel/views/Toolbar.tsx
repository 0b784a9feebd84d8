import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { SessionSource, SourceState } from '../data/source';
import { useView, useViewApi } from '../view-store';
import { fmtClock, fmtCount } from '../format';
import { KeyConfig } from './KeyConfig';

export function Toolbar({ source, state, extra }: { source: SessionSource; state: SourceState; extra?: ReactNode }) {
  const caps = source.capabilities;
  const ctl = state.control;
  const api = useViewApi();
  const showConfig = useView((s) => s.showConfig);
  const [clearOpen, setClearOpen] = useState(false);
  const counts = state.meta?.counts ?? { error: 0, warning: 0, info: 0 };
  const sessions = state.sessions;
  return (
    <div className="toolbar" role="toolbar" aria-label="AckScope toolbar">
      {caps.recording && ctl && (
        <button
          className="tb-btn"
          aria-pressed={ctl.recording}
          title={ctl.recording ? 'Stop recording this tab' : 'Record Socket.IO traffic of this tab'}
          aria-label={ctl.recording ? 'Stop recording' : 'Record'}
          data-testid="record"
          onClick={() => source.setRecording?.(!ctl.recording)}
        >
          <span className={`rec-dot${ctl.recording ? ' on' : ''}`} />
        </button>
      )}
      {source.setPaused && (
        <button
          className="tb-btn"
          aria-pressed={!!state.paused}
          aria-label={state.paused ? 'Resume live updates' : 'Pause live updates'}
          title={state.paused ? 'Resume live updates (recording went on meanwhile)' : 'Pause live updates of the view; recording goes on'}
          data-testid="pause"
          onClick={() => source.setPaused?.(!state.paused)}
        >
          {state.paused ? (
            <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true"><path d="M3 1.5v9l7-4.5z" fill="currentColor" /></svg>
          ) : (
            <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true"><rect x="2.5" y="2" width="2.5" height="8" fill="currentColor" /><rect x="7" y="2" width="2.5" height="8" fill="currentColor" /></svg>
          )}
        </button>
      )}
      {caps.clear && (
        <span style={{ position: 'relative' }}>
          <button
            className="tb-btn"
            title="Clear…"
            aria-label="Clear"
            aria-haspopup="menu"
            aria-expanded={clearOpen}
            data-testid="clear"
            onClick={() => setClearOpen((o) => !o)}
          >
            <svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">
              <circle cx="7" cy="7" r="5.5" fill="none" stroke="currentColor" strokeWidth="1.4" />
              <line x1="3.2" y1="10.8" x2="10.8" y2="3.2" stroke="currentColor" strokeWidth="1.4" />
            </svg>
          </button>
          {clearOpen && (
            <ClearMenu
              onClose={() => setClearOpen(false)}
              onSession={() => source.clearSession?.()}
              onAll={() => source.clearAll?.()}
            />
          )}
        </span>
      )}
      {(caps.recording || caps.clear) && <span className="sep" />}
      {caps.preserveLog && ctl && (
        <label className="tb-check" title="Keep this tab's session across reloads and navigations">
          <input type="checkbox" checked={ctl.preserveLog} onChange={(e) => source.setPreserveLog?.(e.target.checked)} />
          Preserve log
        </label>
      )}
      {caps.hookSwitch && ctl && (
        <label className="tb-check" title={ctl.origin ? `Instrument Socket.IO on ${ctl.origin} (takes effect on reload)` : 'Site unknown'}>
          <input
            type="checkbox"
            checked={!ctl.hookDisabled}
            disabled={!ctl.origin}
            onChange={(e) => source.setHookDisabled?.(!e.target.checked)}
          />
          Hook this site
        </label>
      )}
      {caps.sessionPicker && sessions.length > 0 && (
        <>
          <span className="sep" />
          <select
            className="tb-select"
            aria-label="Session"
            title="Sessions recorded for this tab"
            value={state.session?.id ?? ''}
            onChange={(e) => source.selectSession?.(e.target.value)}
          >
            {!state.session && <option value="">—</option>}
            {sessions.map((s) => (
              <option key={s.id} value={s.id}>
                {fmtClock(s.startedAt)} · {shortUrl(s.url)} · {fmtCount(s.records)} records
              </option>
            ))}
          </select>
        </>
      )}
      {source.kind === 'memory' && state.session && (
        <span className="dim" title={state.session.url}>
          Imported session · {shortUrl(state.session.url)}
        </span>
      )}
      {caps.analysisConfig && (
        <span style={{ position: 'relative' }}>
          <button
            className="tb-btn"
            aria-pressed={showConfig}
            title="Idempotency key paths per event (feeds the duplicate analysis)"
            onClick={() => api.getState().set({ showConfig: !showConfig })}
          >
            Key paths…
          </button>
          {showConfig && <KeyConfig source={source} state={state} onClose={() => api.getState().set({ showConfig: false })} />}
        </span>
      )}
      {extra}
      <span className="spacer" />
      <button
        className="tb-btn counts"
        title="Findings: errors, warnings, info"
        aria-label={`${counts.error} errors, ${counts.warning} warnings, ${counts.info} info findings`}
        data-testid="finding-counts"
        onClick={() => api.getState().set({ tab: 'findings' })}
      >
        <span className="count">
          <span className="icon-err">!</span>
          {counts.error}
        </span>
        <span className="count">
          <span className="icon-warn">!</span>
          {counts.warning}
        </span>
        <span className="count">
          <span className="icon-info">i</span>
          {counts.info}
        </span>
      </button>
    </div>
  );
}

function shortUrl(u: string): string {
  try {
    const x = new URL(u);
    return x.host + x.pathname;
  } catch {
    return u;
  }
}

function ClearMenu({ onClose, onSession, onAll }: { onClose(): void; onSession(): void; onAll(): void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>('button')?.focus();
    const away = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) onClose();
    };
    window.addEventListener('mousedown', away);
    return () => window.removeEventListener('mousedown', away);
  }, [onClose]);
  return (
    <div
      className="popover"
      role="menu"
      ref={ref}
      style={{ top: 24, left: 0, minWidth: 200 }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <button role="menuitem" className="menu-item" onClick={() => (onSession(), onClose())}>
        Clear this session
      </button>
      <button role="menuitem" className="menu-item" onClick={() => (onAll(), onClose())}>
        Clear all stored data
      </button>
    </div>
  );
}
