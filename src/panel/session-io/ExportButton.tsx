/**
 * "Export session" toolbar button, its dialog (file type, sessions, redaction with a preview of
 * what is removed) and the Ctrl/Cmd+S shortcut of the panel.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import type { SessionSource, SourceState } from '../data/source';
import { openDb, type AckScopeDB } from '../../storage/db';
import {
  buildSessionFile,
  compilePolicy,
  sessionFileName,
  DEFAULT_REDACT_KEYS,
  type RedactionItem,
  type RedactionPolicy,
  type SessionInput,
} from '../../core/session-file';
import { exportSessionFile, loadSessionInputs, saveBlob } from './export-data';

export type LoadSessions = (sessionIds: string[]) => Promise<SessionInput[]>;
export type SaveFile = (blob: Blob, fileName: string) => void | Promise<void>;

export interface ExportButtonProps {
  source: SessionSource;
  /** Where records come from; default: the extension's IndexedDB (live sessions). */
  load?: LoadSessions;
  /** How the file is saved; default: a download link. */
  save?: SaveFile;
  /** Listen for Ctrl/Cmd+S in this page (default true). */
  shortcut?: boolean;
}

let sharedDb: AckScopeDB | null = null;
const dexieLoad: LoadSessions = (ids) => loadSessionInputs((sharedDb ??= openDb()), ids);

const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

export function ExportButton({ source, load, save = saveBlob, shortcut = true }: ExportButtonProps) {
  const loader = load ?? (source.kind === 'live' ? dexieLoad : undefined);
  const [open, setOpen] = useState(false);
  const btn = useRef<HTMLButtonElement>(null);
  const [state, setState] = useState<SourceState>(source.getState);
  useEffect(() => {
    setState(source.getState());
    return source.subscribe(() => setState(source.getState()));
  }, [source]);
  const enabled = !!loader && !!state.session;

  useEffect(() => {
    if (!shortcut) return;
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 's') {
        // Always swallow it: Chrome's "Save page" would save the panel's HTML.
        e.preventDefault();
        if (enabled) setOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [shortcut, enabled]);

  if (!loader) return null;
  return (
    <span style={{ position: 'relative' }}>
      <button
        ref={btn}
        className="tb-btn"
        data-testid="export-session"
        disabled={!enabled}
        aria-haspopup="dialog"
        aria-expanded={open}
        title="Export this session to a file (Ctrl+S / ⌘S)"
        onClick={() => setOpen((o) => !o)}
      >
        Export session
      </button>
      {open &&
        state.session &&
        // A portal: toolbars clip their overflow, the dialog must not be cut.
        createPortal(
          <ExportDialog state={state} load={loader} save={save} onClose={() => setOpen(false)} anchor={btn.current?.getBoundingClientRect()} />,
          document.body,
        )}
    </span>
  );
}

interface DialogProps {
  anchor?: { left: number; bottom: number };
  state: SourceState;
  load: LoadSessions;
  save: SaveFile;
  onClose(): void;
}

export function ExportDialog({ state, load, save, onClose, anchor }: DialogProps) {
  const current = state.session!;
  const siblings = state.sessions.length > 1 ? state.sessions : [];
  const [gzip, setGzip] = useState(false);
  const [all, setAll] = useState(false);
  const [defaults, setDefaults] = useState(true);
  const [extraKeys, setExtraKeys] = useState('');
  const [paths, setPaths] = useState('');
  const [patterns, setPatterns] = useState('');
  // Loaded inputs are tagged with the session ids they are for: after a change of the
  // selection, stale ones never reach the export (not even for the render before the reload).
  const [loaded, setLoaded] = useState<{ key: string; inputs: SessionInput[] } | null>(null);
  const [busy, setBusy] = useState<string | null>('Reading records…');
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLDivElement>(null);

  // A string key: the session list is a new array on every source update.
  const idsKey = all ? state.sessions.map((s) => s.id).join('\n') : current.id;
  const inputs = loaded && loaded.key === idsKey ? loaded.inputs : null;
  useEffect(() => {
    let live = true;
    setBusy('Reading records…');
    load(idsKey.split('\n')).then(
      (x) => live && (setLoaded({ key: idsKey, inputs: x }), setBusy(null), setError(null)),
      (e: Error) => live && (setBusy(null), setError(e.message)),
    );
    return () => {
      live = false;
    };
  }, [load, idsKey]);

  useEffect(() => {
    // preventScroll: the panel's containers clip overflow, and focusing would scroll them.
    ref.current?.querySelector<HTMLElement>('button, input')?.focus({ preventScroll: true });
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const policy: RedactionPolicy = useMemo(
    () => ({
      keys: [...(defaults ? DEFAULT_REDACT_KEYS : []), ...extraKeys.split(',').map((k) => k.trim()).filter(Boolean)],
      keyPaths: lines(paths),
      patterns: lines(patterns),
    }),
    [defaults, extraKeys, paths, patterns],
  );
  const policyError = useMemo(() => {
    try {
      compilePolicy(policy);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  }, [policy]);

  // The preview is what the export itself computes (same build + redact code). It walks every
  // record, so it follows typing with a short delay instead of on each key.
  const [deferredPolicy, setDeferredPolicy] = useState(policy);
  useEffect(() => {
    const t = setTimeout(() => setDeferredPolicy(policy), 200);
    return () => clearTimeout(t);
  }, [policy]);
  const preview: RedactionItem[] | null = useMemo(() => {
    if (!inputs || policyError) return null;
    try {
      return buildSessionFile(inputs, { redaction: deferredPolicy }).redacted;
    } catch {
      return null;
    }
  }, [inputs, deferredPolicy, policyError]);

  const fileName = sessionFileName(current.url, new Date(), gzip);
  const records = inputs?.reduce((n, s) => n + s.records.length, 0);

  const doExport = useCallback(async () => {
    if (!inputs) return;
    setBusy('Writing file…');
    setError(null);
    try {
      const r = await exportSessionFile(inputs, { policy, gzip });
      await save(r.blob, r.fileName);
      onClose();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  }, [inputs, policy, gzip, save, onClose]);

  return (
    <div
      className="popover sio-dialog"
      role="dialog"
      aria-label="Export session"
      ref={ref}
      style={{ position: 'fixed', top: (anchor?.bottom ?? 26) + 2, left: Math.max(4, Math.min(anchor?.left ?? 4, window.innerWidth - 450)) }}
    >
      <div className="sio-title">Export session</div>
      <div className="dim sio-row" data-testid="export-filename">
        {fileName}
        {records !== undefined && ` · ${records.toLocaleString('en-US')} records`}
      </div>
      <label className="sio-check">
        <input type="checkbox" data-testid="export-gzip" checked={gzip} onChange={(e) => setGzip(e.target.checked)} /> Compress (.json.gz)
      </label>
      {siblings.length > 1 && (
        <label className="sio-check">
          <input type="checkbox" data-testid="export-all-sessions" checked={all} onChange={(e) => setAll(e.target.checked)} /> Include all {siblings.length} sessions of this
          tab (reloads)
        </label>
      )}
      <fieldset className="sio-fieldset">
        <legend>Redaction</legend>
        <label className="sio-check">
          <input type="checkbox" checked={defaults} onChange={(e) => setDefaults(e.target.checked)} /> Redact password, token, secret,
          authorization, cookie, apiKey… keys
        </label>
        <label className="sio-label">
          <span>More key names (comma-separated)</span>
          <input aria-label="More key names" className="mono" value={extraKeys} onChange={(e) => setExtraKeys(e.target.value)} placeholder="email, phone" />
        </label>
        <label className="sio-label">
          <span>
            Key paths in the arguments, one per line (<code>*</code> = any segment)
          </span>
          <textarea aria-label="Key paths to redact" className="mono" spellCheck={false} value={paths} onChange={(e) => setPaths(e.target.value)} placeholder="*.card.number" />
        </label>
        <label className="sio-label">
          <span>Regular expressions, one per line</span>
          <textarea aria-label="Patterns to redact" className="mono" spellCheck={false} value={patterns} onChange={(e) => setPatterns(e.target.value)} placeholder={'/\\b\\d{16}\\b/'} />
        </label>
        {policyError && (
          <div className="filter-error" role="alert">
            {policyError}
          </div>
        )}
        {preview && (
          <div className="sio-preview" data-testid="redaction-preview">
            <div>
              {preview.length === 0 ? 'Nothing will be redacted.' : `${preview.length} value${preview.length === 1 ? '' : 's'} will be redacted:`}
            </div>
            {preview.length > 0 && (
              <ul>
                {preview.slice(0, 200).map((it, i) => (
                  <li key={i} className="mono">
                    {it.kind} {it.record} · {it.field}
                    {it.path ? `.${it.path}` : ''} · {it.rule} · <span className="sio-sample">{it.sample}</span>
                  </li>
                ))}
                {preview.length > 200 && <li className="dim">…and {preview.length - 200} more</li>}
              </ul>
            )}
          </div>
        )}
      </fieldset>
      {busy && <div className="dim">{busy}</div>}
      {error && (
        <div className="banner err" role="alert">
          {error}
        </div>
      )}
      <div className="row">
        <button className="btn" onClick={onClose}>
          Cancel
        </button>
        <button className="btn primary" data-testid="export-confirm" disabled={!inputs || !!busy || !!policyError} onClick={doExport}>
          Export
        </button>
      </div>
    </div>
  );
}
