import { useEffect, useState } from 'react';
import type { SessionSource, SourceState } from '../data/source';
import type { AnalysisConfig } from '../../core/analysis/types';
import { DEFAULT_ANALYSIS_CONFIG } from '../../core/analysis';

/** "event = path, path" per line <-> keyPaths. */
export function formatKeyPaths(k: Record<string, string[]>): string {
  return Object.entries(k)
    .map(([ev, paths]) => `${ev} = ${paths.join(', ')}`)
    .join('\n');
}
export function parseKeyPaths(text: string): { keyPaths: Record<string, string[]>; errors: string[] } {
  const keyPaths: Record<string, string[]> = {};
  const errors: string[] = [];
  text.split('\n').forEach((line, i) => {
    const l = line.trim();
    if (!l || l.startsWith('#')) return;
    const eq = l.lastIndexOf('=');
    if (eq <= 0) return void errors.push(`Line ${i + 1}: expected "event = key.path"`);
    const ev = l.slice(0, eq).trim();
    const paths = l
      .slice(eq + 1)
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    if (!ev || !paths.length) return void errors.push(`Line ${i + 1}: expected "event = key.path"`);
    if (paths.some((p) => !/^[\w$-]+(\.[\w$-]+|\[\d+\])*$/.test(p))) return void errors.push(`Line ${i + 1}: bad key path`);
    keyPaths[ev] = [...(keyPaths[ev] ?? []), ...paths];
  });
  return { keyPaths, errors };
}

export function KeyConfig({ source, state, onClose }: { source: SessionSource; state: SourceState; onClose(): void }) {
  const cfg: AnalysisConfig = { ...DEFAULT_ANALYSIS_CONFIG, ...(state.session?.analysisConfig ?? {}) };
  const [text, setText] = useState(() => formatKeyPaths(cfg.keyPaths));
  const [auto, setAuto] = useState(cfg.autoKeyPaths);
  const parsed = parseKeyPaths(text);
  useEffect(() => {
    const h = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', h);
    return () => window.removeEventListener('keydown', h);
  }, [onClose]);
  return (
    <div className="popover config" role="dialog" aria-label="Idempotency key paths" style={{ top: 24, left: 0 }}>
      <p className="dim" style={{ margin: '2px 0 6px', lineHeight: 1.4 }}>
        Where each event carries its idempotency key. Emits with the same key are one operation: a second delivery is then a
        confirmed duplicate. One line per event, <code>*</code> for all events:
      </p>
      <textarea
        aria-label="Key paths, one line per event"
        className="mono"
        spellCheck={false}
        placeholder={'order:create = order.ref\n* = requestId'}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <label className="tb-check" style={{ padding: 0, marginTop: 4 }}>
        <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} />
        Also detect common keys automatically (id, eventId, requestId, …)
      </label>
      {parsed.errors.length > 0 && <div className="filter-error">{parsed.errors[0]}</div>}
      <div className="row">
        <button className="btn" onClick={onClose}>
          Cancel
        </button>
        <button
          className="btn primary"
          disabled={parsed.errors.length > 0}
          onClick={() => {
            source.setAnalysisConfig?.({ ...cfg, keyPaths: parsed.keyPaths, autoKeyPaths: auto });
            onClose();
          }}
        >
          Re-analyse
        </button>
      </div>
    </div>
  );
}
