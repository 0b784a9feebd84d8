/**
 * The panel root with session import/export wired in: renders App over the live source, or
 * over an in-memory source after "Open session…"/drop (read-only, analysed like a live one),
 * with "Back to live". main.tsx renders this instead of App to get the whole feature:
 *   <PanelWithSessionIo live={source} theme={theme} />
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { App } from '../App';
import { MemorySource } from '../data/memory';
import type { SessionSource } from '../data/source';
import { SessionIo } from './SessionIo';
import { sessionInputsOf, type ImportedFile } from './import-data';
import type { LoadSessions } from './ExportButton';

export function PanelWithSessionIo({ live, theme }: { live: SessionSource; theme?: 'light' | 'dark' }) {
  const [imported, setImported] = useState<{ f: ImportedFile; index: number } | null>(null);
  const source = useMemo(
    () => (imported ? new MemorySource(imported.f.inputs[imported.index] ?? imported.f.inputs[0]) : live),
    [imported, live],
  );
  useEffect(() => {
    // Same read-only inspection hook main.tsx exposes for the live source (tests, benchmark).
    (globalThis as { __ackscopeSource?: unknown }).__ackscopeSource = source;
  }, [source]);

  // An imported session re-exports from its file (live ones read the extension's database).
  const file = imported?.f.file;
  const loadImported: LoadSessions = useCallback(async () => (file ? sessionInputsOf(file) : []), [file]);

  const extra = (
    <>
      <SessionIo source={source} onOpen={(f) => setImported({ f, index: 0 })} load={file ? loadImported : undefined} />
      {imported && imported.f.inputs.length > 1 && (
        <select
          className="tb-select"
          aria-label="Session in file"
          value={imported.index}
          onChange={(e) => setImported({ ...imported, index: Number(e.target.value) })}
        >
          {imported.f.file.sessions.map((s, i) => (
            <option key={i} value={i}>
              {i + 1}. {s.createdAt.replace('T', ' ').slice(0, 19)} · {s.url}
            </option>
          ))}
        </select>
      )}
      {imported && (
        <button className="tb-btn" data-testid="back-to-live" title={`Close ${imported.f.name} and show this tab again`} onClick={() => setImported(null)}>
          Back to live
        </button>
      )}
    </>
  );
  // key: a fresh view state (selection, filter) per source.
  return <App key={imported ? `${imported.f.name}:${imported.index}:${imported.f.file.createdAt}` : 'live'} source={source} theme={theme} toolbarExtra={extra} />;
}
