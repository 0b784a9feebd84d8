/**
 * Live SessionSource: reads the worker's per-operation summaries and session snapshot from
 * the extension's IndexedDB (never the raw chunks) and talks to the worker over the
 * "ackscope-panel" port. All chrome.* use of the panel lives here.
 *
 * Large sessions: the latest screenful is read first through [session+firstSend] (first
 * paint), then every summary is read in pages and kept as OpLite (a few fields) for the
 * filter, sort and timeline. While recording, changed rows are re-read from a short tail
 * window, throttled: ops change only while they are recent (attempts, acks, late acks).
 */
import { liveQuery, type Subscription } from 'dexie';
import { openDb, type AckScopeDB, type SessionRow, type SessionMetaRow, type OpRow } from '../../storage/db';
import type { AnalysisConfig } from '../../core/analysis/types';
import { PANEL_PORT, type PanelToWorker, type WorkerToPanel } from '../../core/messages';
import { toLite, byFirstSend } from './lite';
import { StateBox, type ControlState, type OpLite, type SessionInfo, type SessionSource, type MetaInfo } from './source';

export { PANEL_PORT };
const FIRST_SCREEN = 200;
const PAGE = 4000;
const TAIL_MS = 1500;
const TAIL_SLICE = 300;

interface PortLike {
  postMessage(m: PanelToWorker): void;
  onMessage: { addListener(f: (m: WorkerToPanel) => void): void };
  onDisconnect: { addListener(f: () => void): void };
  disconnect(): void;
}

export interface LiveOptions {
  /** Inspected tab; null lists every stored session (panel opened as a page). */
  tabId: number | null;
  /** Show this session first (URL parameter / tests). */
  session?: string | null;
  db?: AckScopeDB;
  /** Port to the worker; omitted when there is no chrome.runtime. */
  connect?: () => PortLike;
  openResource?: (url: string, line: number, col: number) => void;
  inspectedOrigin?: () => Promise<string | null>;
}

function sessionInfo(r: SessionRow): SessionInfo {
  return {
    id: r.id,
    url: r.url,
    startedAt: r.startedAt,
    lastAt: r.lastAt,
    endedAt: r.endedAt,
    records: r.records,
    imported: r.imported,
    warnings: r.warnings ?? [],
    libVersion: r.libVersion,
    analysisConfig: r.analysisConfig,
  };
}

function metaInfo(m: SessionMetaRow): MetaInfo {
  return {
    findings: m.findings ?? [],
    sockets: m.sockets ?? [],
    stats: m.stats ?? null,
    recommended: m.recommended ?? null,
    counts: m.counts ?? { error: 0, warning: 0, info: 0 },
    diagnostics: m.diagnostics ?? [],
    opCount: m.opCount ?? 0,
    incoming: (m as SessionMetaRow & { incoming?: MetaInfo['incoming'] }).incoming,
  };
}

export class LiveSource implements SessionSource {
  readonly kind = 'live' as const;
  readonly capabilities;
  private box = new StateBox();
  private db: AckScopeDB;
  private subs: Subscription[] = [];
  private sessionSubs: Subscription[] = [];
  private port: PortLike | null = null;
  private disposed = false;
  private current: string | null = null;
  private workerSession: string | null = null;
  private userPicked = false;
  private control: ControlState = { connected: false, recording: false, hookDisabled: false, preserveLog: false, origin: null };
  // Loaded operations of the current session.
  private map = new Map<string, OpLite>();
  private sorted: OpLite[] = [];
  private open = new Set<string>();
  private loadGen = 0;
  private fullyLoaded = false;
  private tailTimer: ReturnType<typeof setTimeout> | null = null;
  private tailBusy = false;
  private tailDirty = false;
  private lastTailCost = 0;

  constructor(private opts: LiveOptions) {
    this.db = opts.db ?? openDb();
    this.capabilities = {
      recording: !!opts.connect && opts.tabId !== null,
      clear: !!opts.connect,
      preserveLog: !!opts.connect && opts.tabId !== null,
      hookSwitch: !!opts.connect,
      sessionPicker: true,
      analysisConfig: !!opts.connect,
      openResource: !!opts.openResource,
    };
    this.box.set({ control: opts.connect ? this.control : null });
    this.watchSessions();
    if (opts.connect) this.connect();
    if (opts.session) {
      this.userPicked = true;
      this.show(opts.session);
    }
    void opts.inspectedOrigin?.().then((o) => {
      if (o && !this.control.origin) this.setControl({ origin: o });
    });
  }

  getState = () => this.box.get();
  subscribe = (l: () => void) => this.box.subscribe(l);

  private setControl(patch: Partial<ControlState>) {
    this.control = { ...this.control, ...patch };
    if (this.opts.connect) this.box.set({ control: this.control });
  }

  private connect() {
    if (this.disposed || !this.opts.connect) return;
    let port: PortLike;
    try {
      port = this.opts.connect();
    } catch (e) {
      this.box.set({ error: `Cannot reach the AckScope service worker: ${(e as Error).message}` });
      return;
    }
    this.port = port;
    port.onMessage.addListener((m) => this.onWorker(m));
    port.onDisconnect.addListener(() => {
      this.port = null;
      this.setControl({ connected: false });
      // The worker was stopped or updated: reconnect (this wakes it up again).
      if (!this.disposed) setTimeout(() => this.connect(), 500);
    });
    if (this.opts.tabId !== null) port.postMessage({ type: 'panel-hello', tabId: this.opts.tabId });
  }

  private onWorker(m: WorkerToPanel) {
    if (!m || typeof m !== 'object') return;
    if (m.type === 'status') {
      this.setControl({ connected: true, recording: !!m.recording, hookDisabled: !!m.hookDisabled, preserveLog: !!m.preserveLog });
    } else if (m.type === 'session') {
      this.setControl({ connected: true });
      this.workerSession = m.session;
      // A new live session (reload without preserve log) follows the page unless the user is looking at an older one.
      if (m.session && (!this.userPicked || m.session !== this.current)) {
        this.userPicked = false;
        this.show(m.session);
      }
    } else if (m.type === 'error') {
      this.box.set({ error: m.message });
    }
  }

  private send(m: PanelToWorker) {
    if (!this.port) {
      this.box.set({ error: 'Not connected to the AckScope service worker.' });
      return;
    }
    this.port.postMessage(m);
  }

  /** The session list (picker) and the fallback choice when the worker has not told us one. */
  private watchSessions() {
    const tabId = this.opts.tabId;
    const q = liveQuery(() =>
      tabId === null ? this.db.sessions.orderBy('startedAt').toArray() : this.db.sessions.where('tabId').equals(tabId).sortBy('startedAt'),
    );
    this.subs.push(
      q.subscribe({
        next: (rows: SessionRow[]) => {
          const sessions = rows.map(sessionInfo).reverse();
          this.box.set({ sessions });
          if (!this.current && !this.workerSession && sessions.length) this.show(sessions[0].id);
          if (!sessions.length && !this.current && this.box.get().status === 'loading') this.box.set({ status: 'ready' });
          // The live session the worker just announced (page reload) may have no row yet: it
          // is written with its first records. Only a session that is not live was cleared.
          if (this.current && this.current !== this.workerSession && !rows.some((r) => r.id === this.current)) {
            // Cleared: fall back to the newest remaining one (or nothing).
            this.current = null;
            this.resetOps();
            this.box.set({ session: null, meta: null });
            if (sessions.length) this.show(sessions[0].id);
          }
        },
        error: (e) => this.box.set({ error: String(e) }),
      }),
    );
  }

  private resetOps() {
    this.loadGen++;
    this.map = new Map();
    this.sorted = [];
    this.open = new Set();
    this.fullyLoaded = false;
    this.box.set({ ops: [], opsLoaded: 0, opsTotal: 0 });
  }

  private show(session: string) {
    if (this.current === session) return;
    this.current = session;
    for (const s of this.sessionSubs) s.unsubscribe();
    this.sessionSubs = [];
    this.resetOps();
    this.box.set({ status: 'loading', meta: null, session: null });
    const gen = this.loadGen;
    this.sessionSubs.push(
      liveQuery(() => this.db.sessions.get(session)).subscribe({
        next: (row) => {
          if (gen !== this.loadGen) return;
          if (row) {
            this.box.set({ session: sessionInfo(row) });
            if (!this.control.origin) {
              try {
                this.setControl({ origin: new URL(row.url).origin });
              } catch {
                /* not a URL */
              }
            }
          }
          this.scheduleTail();
        },
        error: (e) => this.box.set({ error: String(e) }),
      }),
      // Operation rows are written in their own transactions: watch the newest one (reads a
      // single key; counting a large session would hold up the first paint).
      liveQuery(() => this.range(session).reverse().limit(1).primaryKeys()).subscribe({
        next: () => {
          if (gen === this.loadGen) this.scheduleTail();
        },
        error: () => {},
      }),
      liveQuery(() => this.db.meta.get(session)).subscribe({
        next: (m) => {
          if (gen !== this.loadGen) return;
          this.box.set({ meta: m ? metaInfo(m) : null, opsTotal: Math.max(m?.opCount ?? 0, this.map.size) });
          this.scheduleTail();
        },
        error: (e) => this.box.set({ error: String(e) }),
      }),
    );
    void this.loadAll(session, gen);
  }

  private range(session: string, from = -Infinity) {
    return this.db.ops.where('[session+firstSend]').between([session, from], [session, Infinity], true, true);
  }

  private paused = false;
  setPaused(paused: boolean) {
    this.paused = paused;
    this.box.set({ paused });
    if (!paused) this.publish();
  }

  private publish() {
    if (this.paused) return;
    this.box.set({ ops: this.sorted, opsLoaded: this.map.size, opsTotal: Math.max(this.box.get().opsTotal, this.map.size) });
  }

  private async loadAll(session: string, gen: number) {
    try {
      // First paint: the latest screenful only.
      const latest = await this.range(session).reverse().limit(FIRST_SCREEN).toArray();
      if (gen !== this.loadGen) return;
      this.merge(latest);
      this.box.set({ status: 'ready' });
      this.publish();
      // Then everything, oldest first, in pages (yielding between pages keeps typing smooth).
      let from = -Infinity;
      let published = performance.now();
      for (;;) {
        const rows: OpRow[] = await this.range(session, from).limit(PAGE).toArray();
        if (gen !== this.loadGen) return;
        this.merge(rows);
        // Re-rendering every view per page would cost O(n) each: publish progress twice a second.
        if (performance.now() - published > 500) {
          this.publish();
          published = performance.now();
        }
        if (rows.length < PAGE) break;
        const last = rows[rows.length - 1].firstSend;
        // Rows at the page boundary with the same firstSend are re-read and merged by id.
        from = last === from ? last + 1e-6 : last;
        await new Promise((r) => setTimeout(r, 0));
      }
      this.fullyLoaded = true;
      this.publish();
      if (this.tailDirty) this.scheduleTail();
    } catch (e) {
      if (gen === this.loadGen) this.box.set({ status: 'ready', error: `Could not read operations: ${(e as Error).message}` });
    }
  }

  /**
   * Merge rows read from one [session+firstSend] range (in index order) into the loaded set.
   * `complete`: the rows are everything from rows[0].firstSend (or `from`) to the end, so ops
   * missing from them were removed (merged into another operation). The sorted list is
   * spliced, never re-sorted: large sessions would pay O(n log n) per live update.
   */
  private merge(rows: OpRow[], complete = false, from?: number) {
    const lites = rows.map(toLite);
    for (const l of lites) {
      this.map.set(l.id, l);
      if (l.outcome === 'pending' || l.outcome === 'sent') this.open.add(l.id);
      else this.open.delete(l.id);
    }
    if (!lites.length && !complete) return;
    lites.sort(byFirstSend); // ties within a firstSend come back in id order from the index already
    const lo = from ?? lites[0].firstSend;
    const hi = complete || !lites.length ? Infinity : lites[lites.length - 1].firstSend;
    const s = this.sorted;
    const lower = (t: number) => {
      let a = 0;
      let b = s.length;
      while (a < b) {
        const m = (a + b) >> 1;
        if (s[m].firstSend < t) a = m + 1;
        else b = m;
      }
      return a;
    };
    const upper = (t: number) => {
      let a = 0;
      let b = s.length;
      while (a < b) {
        const m = (a + b) >> 1;
        if (s[m].firstSend <= t) a = m + 1;
        else b = m;
      }
      return a;
    };
    const i = lower(lo);
    const j = hi === Infinity ? s.length : upper(hi);
    const fresh = new Set(lites.map((l) => l.id));
    if (complete) {
      for (let k = i; k < j; k++) if (!fresh.has(s[k].id)) {
        this.map.delete(s[k].id);
        this.open.delete(s[k].id);
      }
    }
    // Ops in [lo, hi] that this read did not return (a page cut inside a run of equal times) stay.
    const kept = complete ? [] : s.slice(i, j).filter((o) => !fresh.has(o.id) && this.map.get(o.id) === o);
    const mid = kept.length ? [...lites, ...kept].sort(byFirstSend) : lites;
    this.sorted = s.slice(0, i).concat(mid, s.slice(j).filter((o) => !fresh.has(o.id)));
  }

  private scheduleTail() {
    if (!this.fullyLoaded) {
      this.tailDirty = true;
      return;
    }
    if (this.tailTimer || this.tailBusy) {
      this.tailDirty = true;
      return;
    }
    const wait = Math.max(250, this.lastTailCost * 2);
    this.tailTimer = setTimeout(() => {
      this.tailTimer = null;
      void this.refreshTail();
    }, wait);
  }

  private async refreshTail() {
    const session = this.current;
    if (!session) return;
    const gen = this.loadGen;
    this.tailBusy = true;
    this.tailDirty = false;
    const t0 = performance.now();
    try {
      const maxFS = this.sorted.length ? this.sorted[this.sorted.length - 1].firstSend : -Infinity;
      let from = maxFS - TAIL_MS;
      for (const id of this.open) {
        const op = this.map.get(id);
        if (!op) continue;
        if (op.firstSend < maxFS - 60_000) this.open.delete(id); // stuck: refreshed on the next full load
        else if (op.firstSend < from) from = op.firstSend;
      }
      // Read the window in slices, yielding between them: row values are deserialized on
      // this thread, and one big read would be a long task (dropped frames) while recording.
      const rows: OpRow[] = [];
      const ids = new Set<string>();
      let cursor = from;
      for (;;) {
        const page: OpRow[] = await this.range(session, cursor).limit(TAIL_SLICE).toArray();
        if (gen !== this.loadGen) return;
        for (const r of page) if (!ids.has(r.id)) {
          ids.add(r.id);
          rows.push(r);
        }
        if (page.length < TAIL_SLICE) break;
        const last = page[page.length - 1].firstSend;
        cursor = last === cursor ? last + 1e-6 : last;
        await new Promise((r) => setTimeout(r, 0));
      }
      this.merge(rows, true, from);
      this.publish();
    } finally {
      this.tailBusy = false;
      this.lastTailCost = performance.now() - t0;
      if (this.tailDirty && gen === this.loadGen) this.scheduleTail();
    }
  }

  async getOperation(id: string) {
    if (!this.current) return undefined;
    return (await (this.db.ops as unknown as { get(k: [string, string]): Promise<OpRow | undefined> }).get([this.current, id])) ?? undefined;
  }

  setRecording(on: boolean) {
    if (this.opts.tabId === null) return;
    this.setControl({ recording: on });
    this.send({ type: 'set-recording', scope: 'tab', tabId: this.opts.tabId, on });
  }
  setPreserveLog(on: boolean) {
    if (this.opts.tabId === null) return;
    this.setControl({ preserveLog: on });
    this.send({ type: 'set-preserve-log', tabId: this.opts.tabId, on });
  }
  setHookDisabled(disabled: boolean) {
    const origin = this.control.origin;
    if (!origin) return;
    this.setControl({ hookDisabled: disabled });
    this.send({ type: 'set-hook-disabled', origin, disabled });
  }
  clearSession() {
    if (this.current) this.send({ type: 'clear-session', session: this.current });
  }
  clearAll() {
    this.send({ type: 'clear-all' });
  }
  selectSession(id: string) {
    this.userPicked = id !== this.workerSession;
    this.show(id);
  }
  setAnalysisConfig(config: AnalysisConfig) {
    if (this.current) this.send({ type: 'set-analysis-config', session: this.current, config });
  }
  openResource(url: string, line: number, col: number) {
    this.opts.openResource?.(url, line, col);
  }
  dispose() {
    this.disposed = true;
    for (const s of [...this.subs, ...this.sessionSubs]) s.unsubscribe();
    if (this.tailTimer) clearTimeout(this.tailTimer);
    this.port?.disconnect();
  }
}

/** Build the live source from chrome.* (only called where chrome.runtime exists). */
export function liveSourceFromChrome(params: URLSearchParams): LiveSource {
  const dt = typeof chrome !== 'undefined' ? chrome.devtools : undefined;
  const tabParam = params.get('tabId');
  const tabId = dt?.inspectedWindow ? dt.inspectedWindow.tabId : tabParam !== null ? Number(tabParam) : null;
  return new LiveSource({
    tabId,
    session: params.get('session'),
    connect: chrome.runtime?.connect ? () => chrome.runtime.connect({ name: PANEL_PORT }) as unknown as PortLike : undefined,
    openResource: dt?.panels?.openResource
      ? (url, line, col) => void dt.panels.openResource(url, Math.max(0, line - 1), Math.max(0, col - 1))
      : undefined,
    inspectedOrigin: dt?.inspectedWindow
      ? () =>
          new Promise((res) => dt.inspectedWindow.eval('location.origin', (r: unknown, ex: unknown) => res(ex ? null : (r as string))))
      : undefined,
  });
}
