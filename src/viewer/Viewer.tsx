/**
 * Standalone viewer: the panel's UI (App) over an in-memory source built from a session file,
 * without the extension or any chrome.* API. Built into one self-contained HTML file.
 */
import { useCallback, useMemo, useState } from 'react';
import { App } from '../panel/App';
import { MemorySource } from '../panel/data/memory';
import { ExportButton, OpenSessionButton, sessionInputsOf, type ImportedFile, type LoadSessions } from '../panel/session-io';

export function Viewer({ theme, initial }: { theme: 'light' | 'dark'; initial?: ImportedFile }) {
  const [imported, setImported] = useState<ImportedFile | null>(initial ?? null);
  const [index, setIndex] = useState(0);
  const open = useCallback((f: ImportedFile) => {
    setIndex(0);
    setImported(f);
  }, []);
  const source = useMemo(() => {
    if (!imported) return null;
    const s = new MemorySource(imported.inputs[index] ?? imported.inputs[0]);
    (globalThis as { __ackscopeSource?: unknown }).__ackscopeSource = s;
    return s;
  }, [imported, index]);

  // Re-export from the opened file (e.g. to add redaction before attaching it to a bug).
  const load: LoadSessions = useCallback(async () => (imported ? sessionInputsOf(imported.file) : []), [imported]);

  if (!imported || !source) {
    return (
      <div className="viewer-landing" data-testid="viewer-landing">
        <h1>AckScope viewer</h1>
        <p className="dim">
          Open a session file exported from the AckScope DevTools panel or written by <code>ackscope record</code>. The file is read in this
          page only; nothing is uploaded.
        </p>
        <div className="toolbar">
          <OpenSessionButton onOpen={open} className="btn primary" label="Open session file…" />
        </div>
        <p className="dim">…or drop the file anywhere on this page.</p>
      </div>
    );
  }
  const extra = (
    <>
      <span className="sep" />
      {imported.inputs.length > 1 && (
        <select className="tb-select" aria-label="Session in file" value={index} onChange={(e) => setIndex(Number(e.target.value))}>
          {imported.file.sessions.map((s, i) => (
            <option key={i} value={i}>
              {i + 1}. {s.createdAt.replace('T', ' ').slice(0, 19)} · {s.url}
            </option>
          ))}
        </select>
      )}
      <span className="dim" title={imported.name} data-testid="viewer-file">
        {imported.name}
      </span>
      <ExportButton source={source} load={load} />
      <OpenSessionButton onOpen={open} />
    </>
  );
  return <App key={`${imported.name}:${index}:${imported.file.createdAt}`} source={source} theme={theme} toolbarExtra={extra} />;
}
