import { useRef, useEffect } from 'react';
import type { ParsedFilter } from '../filter';
import { FILTER_HELP } from '../filter';
import { useView, useViewApi } from '../view-store';
import { fmtCount } from '../format';

const CHIPS: Array<{ label: string; term: string }> = [
  { label: 'Duplicates', term: 'is:duplicate' },
  { label: 'Retried', term: 'is:retried' },
  { label: 'Timed out', term: 'outcome:timed-out' },
  { label: 'Late acks', term: 'is:late' },
];

export function FilterBar({ parsed, shown, total, loaded, expected }: { parsed: ParsedFilter; shown: number; total: number; loaded: number; expected: number }) {
  const filter = useView((s) => s.filter);
  const api = useViewApi();
  const input = useRef<HTMLInputElement>(null);
  // Ctrl/Cmd+F focuses the filter, as in the Network panel.
  useEffect(() => {
    const h = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f') {
        e.preventDefault();
        input.current?.focus();
        input.current?.select();
      }
    };
    window.addEventListener('keydown', h);
    return () => window.removeEventListener('keydown', h);
  }, []);
  const words = filter.split(/\s+/).filter(Boolean);
  const toggle = (term: string) => {
    const next = words.includes(term) ? words.filter((w) => w !== term) : [...words, term];
    api.getState().set({ filter: next.join(' ') });
  };
  return (
    <div className="filterbar" role="search">
      <input
        ref={input}
        className={`filter-input${parsed.errors.length ? ' bad' : ''}`}
        type="search"
        placeholder="Filter  (event:order  is:duplicate  -event:ping  /regex/)"
        title={FILTER_HELP}
        aria-label="Filter operations"
        aria-invalid={parsed.errors.length > 0}
        spellCheck={false}
        value={filter}
        onChange={(e) => api.getState().set({ filter: e.target.value })}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && filter) {
            e.stopPropagation();
            api.getState().set({ filter: '' });
          }
        }}
      />
      <button className="chip" aria-pressed={words.length === 0} onClick={() => api.getState().set({ filter: '' })}>
        All
      </button>
      {CHIPS.map((c) => (
        <button key={c.term} className="chip" aria-pressed={words.includes(c.term)} onClick={() => toggle(c.term)}>
          {c.label}
        </button>
      ))}
      {parsed.errors.length > 0 && (
        <span className="filter-error" role="status" title={parsed.errors.join('\n')}>
          {parsed.errors[0]}
        </span>
      )}
      <span className="spacer" style={{ flex: 1 }} />
      <span className="filter-status" role="status" aria-live="polite" data-testid="op-count">
        {shown === total ? `${fmtCount(total)} operations` : `${fmtCount(shown)} / ${fmtCount(total)} operations`}
        {loaded < expected ? ` · loading ${Math.floor((loaded / Math.max(1, expected)) * 100)}%` : ''}
      </span>
    </div>
  );
}
