/**
 * Root of the AckScope panel. Renders from a SessionSource only, so the same component runs
 * in the DevTools panel (live source), for imported files and in the standalone viewer
 * (in-memory source) without chrome.*.
 */
import { useDeferredValue, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { SessionSource, OpLite } from './data/source';
import { compileFilter, narrows, parseFilter, textCandidates, type ParsedFilter } from './filter';
import { createViewStore, ViewContext, useView, useViewApi, type SortKey } from './view-store';
import { Toolbar } from './views/Toolbar';
import { FilterBar } from './views/FilterBar';
import { Timeline } from './views/Timeline';
import { OpsTable } from './views/OpsTable';
import { Detail } from './views/Detail';
import { Findings } from './views/Findings';
import { EmptyState, whichEmpty } from './views/EmptyState';
import { SplitV } from './views/Split';
import './styles.css';

export interface AppProps {
  source: SessionSource;
  /** 'light' | 'dark'; the DevTools panel passes chrome.devtools.panels.themeName. */
  theme?: 'light' | 'dark';
  /** Extra toolbar items (session export / open from the session-file module). */
  toolbarExtra?: ReactNode;
}

export function App({ source, theme, toolbarExtra }: AppProps) {
  const [store] = useState(() => createViewStore());
  useEffect(() => {
    if (theme) document.documentElement.dataset.theme = theme;
  }, [theme]);
  return (
    <ViewContext.Provider value={store}>
      <Shell source={source} toolbarExtra={toolbarExtra} />
    </ViewContext.Provider>
  );
}

function cmp(key: SortKey): (a: OpLite, b: OpLite) => number {
  const str = (x: string | null) => x ?? '\uffff';
  const num = (x: number | null) => (x === null ? Infinity : x);
  switch (key) {
    case 'time':
      return (a, b) => a.firstSend - b.firstSend;
    case 'socket':
      return (a, b) => a.socket.localeCompare(b.socket);
    case 'event':
      return (a, b) => a.event.localeCompare(b.event);
    case 'key':
      return (a, b) => str(a.key).localeCompare(str(b.key));
    case 'attempts':
      return (a, b) => a.attempts - b.attempts;
    case 'outcome':
      return (a, b) => a.outcome.localeCompare(b.outcome);
    case 'duplicate': {
      const rank = { confirmed: 0, possible: 1, 'server-deduplicated': 2, none: 3 } as const;
      return (a, b) => rank[a.duplicate] - rank[b.duplicate];
    }
    case 'latency':
      return (a, b) => num(a.latency) - num(b.latency);
  }
}

function Shell({ source, toolbarExtra }: { source: SessionSource; toolbarExtra?: ReactNode }) {
  const state = useSyncExternalStore(source.subscribe, source.getState, source.getState);
  const filterText = useView((s) => s.filter);
  const deferredFilter = useDeferredValue(filterText);
  const sort = useView((s) => s.sort);
  const tab = useView((s) => s.tab);
  const detailOpen = useView((s) => s.detailOpen);
  const selected = useView((s) => s.selected);
  const api = useViewApi();

  const parsed = useMemo(() => parseFilter(deferredFilter), [deferredFilter]);
  const pred = useMemo(() => compileFilter(parsed), [parsed]);
  // Typing usually narrows the filter: then only the previous result is scanned.
  const last = useRef<{ ops: readonly OpLite[]; parsed: ParsedFilter; result: readonly OpLite[] } | null>(null);
  const filtered = useMemo(() => {
    if (!pred) return state.ops as OpLite[];
    const prev = last.current;
    const narrowed = prev && prev.ops === state.ops && narrows(prev.parsed, parsed);
    const base = narrowed ? prev.result : state.ops;
    // A fresh scan of the whole session starts from a text search over one joined string.
    const candidates = narrowed ? null : textCandidates(state.ops, parsed);
    let result: readonly OpLite[] = (candidates ?? base).filter(pred);
    // Nothing filtered out: keep the same array so the timeline's lanes are not rebuilt.
    if (result.length === base.length) result = base;
    last.current = { ops: state.ops, parsed, result };
    return result as OpLite[];
  }, [state.ops, pred, parsed]);
  const rows = useMemo(() => {
    if (sort.key === 'time' && sort.dir === 1) return filtered;
    const c = cmp(sort.key);
    const stable = (a: OpLite, b: OpLite) => c(a, b) * sort.dir || a.firstSend - b.firstSend;
    return [...filtered].sort(stable);
  }, [filtered, sort]);

  // A selection that the filter hides is dropped (detail closes with it).
  useEffect(() => {
    if (selected && !state.ops.some((o) => o.id === selected) && state.status === 'ready' && state.opsLoaded >= state.opsTotal)
      api.getState().set({ selected: null, detailOpen: false });
  }, [state.ops, selected, state.status, state.opsLoaded, state.opsTotal, api]);

  const empty = whichEmpty(state);
  const origin = state.session?.startedAt ?? state.ops[0]?.firstSend ?? 0;

  return (
    <div className="app" data-status={state.status}>
      <Toolbar source={source} state={state} extra={toolbarExtra} />
      {state.error && (
        <div className="banner err" role="alert">
          {state.error}
        </div>
      )}
      {state.session?.warnings?.map((w) => (
        <div className="banner" role="status" key={w}>
          {w}
        </div>
      ))}
      {empty ? (
        <EmptyState kind={empty} source={source} state={state} />
      ) : (
        <>
          <div className="tabs" role="tablist" aria-label="AckScope views">
            <TabButton id="operations" label="Operations" count={state.ops.length} />
            <TabButton id="findings" label="Findings" count={state.meta?.findings.length ?? 0} />
          </div>
          {tab === 'findings' ? (
            <div className="main" role="tabpanel" aria-label="Findings">
              <Findings meta={state.meta} ops={state.ops} />
            </div>
          ) : (
            <div className="main" role="tabpanel" aria-label="Operations" data-filter-applied={deferredFilter}>
              <FilterBar parsed={parsed} shown={rows.length} total={state.ops.length} loaded={state.opsLoaded} expected={state.opsTotal} />
              <SplitV
                storageKey="ackscope.timelineHeight"
                initial={0.42}
                top={<Timeline ops={filtered} meta={state.meta} origin={origin} />}
                bottom={
                  <div className="split-h">
                    <OpsTable rows={rows} origin={origin} />
                    {detailOpen && selected && <Detail source={source} id={selected} origin={origin} />}
                  </div>
                }
              />
            </div>
          )}
        </>
      )}
    </div>
  );
}

function TabButton({ id, label, count }: { id: 'operations' | 'findings'; label: string; count: number }) {
  const tab = useView((s) => s.tab);
  const api = useViewApi();
  return (
    <button
      className="tab"
      role="tab"
      id={`tab-${id}`}
      aria-selected={tab === id}
      onClick={() => api.getState().set({ tab: id })}
    >
      {label}
      <span className="faint">{count.toLocaleString('en-US')}</span>
    </button>
  );
}
