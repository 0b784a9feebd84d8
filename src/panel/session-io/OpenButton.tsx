/**
 * "Open session…" button and drag-and-drop of a session file onto the page. The file is read
 * and parsed here, streaming (never via extension messaging); errors are shown in one line.
 */
import { useEffect, useRef, useState } from 'react';
import { openSessionFile, type ImportedFile } from './import-data';

export interface OpenProps {
  onOpen(imported: ImportedFile): void;
  /** Decompressed size limit (default 1 GiB). */
  maxBytes?: number;
  /** Also accept files dropped anywhere on the page (default true). */
  drop?: boolean;
  label?: string;
  /** Button class (the toolbar's flat button by default). */
  className?: string;
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;

/** Shared by the button and the drop target: parse with progress, report one error line. */
function useOpener(onOpen: OpenProps['onOpen'], maxBytes?: number) {
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);
  const openFile = async (f: File) => {
    abort.current?.abort();
    const ac = (abort.current = new AbortController());
    setError(null);
    setStatus(`Reading ${f.name}…`);
    let shownMb = -1;
    try {
      const imported = await openSessionFile(f, {
        maxBytes,
        signal: ac.signal,
        onProgress: (read, total) => {
          // One re-render per MB read, not per chunk.
          const m = Math.floor(read / (1024 * 1024));
          if (m === shownMb) return;
          shownMb = m;
          setStatus(`Reading ${f.name}… ${mb(read)}${total ? ` of ${mb(total)}` : ''}`);
        },
      });
      if (ac.signal.aborted) return;
      setStatus(null);
      onOpen(imported);
    } catch (e) {
      if (ac.signal.aborted) return;
      setStatus(null);
      setError(`Cannot open ${f.name}: ${(e as Error).message}`);
    }
  };
  return { status, error, openFile, dismiss: () => setError(null) };
}

export function OpenSessionButton({ onOpen, maxBytes, drop = true, label = 'Open session…', className = 'tb-btn' }: OpenProps) {
  const input = useRef<HTMLInputElement>(null);
  const { status, error, openFile, dismiss } = useOpener(onOpen, maxBytes);
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    if (!drop) return;
    let depth = 0;
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault(); // allow dropping
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      if (--depth <= 0) (depth = 0), setDragging(false);
    };
    const onDrop = (e: DragEvent) => {
      const f = e.dataTransfer?.files?.[0];
      depth = 0;
      setDragging(false);
      if (!f) return;
      e.preventDefault(); // never let the browser navigate to the file
      void openFile(f);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', onDrop);
    };
    // openFile is recreated per render but only reads refs/state setters.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [drop]);

  return (
    <>
      <button className={className} data-testid="open-session" title="Open an AckScope session file (.json or .json.gz)" onClick={() => input.current?.click()}>
        {label}
      </button>
      <input
        ref={input}
        type="file"
        accept=".json,.gz,application/json,application/gzip"
        data-testid="open-session-input"
        style={{ display: 'none' }}
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = ''; // the same file can be picked again
          if (f) void openFile(f);
        }}
      />
      {status && (
        <span className="dim" role="status" data-testid="open-status">
          {status}
        </span>
      )}
      {error && (
        <span className="sio-error" role="alert" data-testid="open-error">
          {error}
          <button className="sio-x" aria-label="Dismiss" onClick={dismiss}>
            ×
          </button>
        </span>
      )}
      {dragging && (
        <div className="sio-drop" data-testid="drop-overlay">
          Drop an AckScope session file (.json / .json.gz) to open it
        </div>
      )}
    </>
  );
}
