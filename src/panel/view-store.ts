/** View state only (selection, filter, sort, zoom). Data comes from the SessionSource. */
import { createContext, useContext } from 'react';
import { createStore, useStore, type StoreApi } from 'zustand';

export type SortKey = 'time' | 'socket' | 'event' | 'key' | 'attempts' | 'outcome' | 'duplicate' | 'latency';
export type Tab = 'operations' | 'findings';

export interface ViewState {
  tab: Tab;
  filter: string;
  selected: string | null;
  detailOpen: boolean;
  sort: { key: SortKey; dir: 1 | -1 };
  /** Visible time window of the timeline (ms epoch); null = whole session. */
  window: [number, number] | null;
  follow: boolean;
  showConfig: boolean;
  set(patch: Partial<Omit<ViewState, 'set'>>): void;
}

export function createViewStore(init: Partial<ViewState> = {}): StoreApi<ViewState> {
  return createStore<ViewState>((set) => ({
    tab: 'operations',
    filter: '',
    selected: null,
    detailOpen: false,
    sort: { key: 'time', dir: 1 },
    window: null,
    follow: true,
    showConfig: false,
    ...init,
    set: (patch) => set(patch),
  }));
}

export const ViewContext = createContext<StoreApi<ViewState> | null>(null);

export function useView<T>(sel: (s: ViewState) => T): T {
  const store = useContext(ViewContext);
  if (!store) throw new Error('ViewContext missing');
  return useStore(store, sel);
}
export function useViewApi(): StoreApi<ViewState> {
  const store = useContext(ViewContext);
  if (!store) throw new Error('ViewContext missing');
  return store;
}
