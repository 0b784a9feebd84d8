/**
 * Service worker logic (issue 3): the only writer of the database.
 *
 * - Relay ports ("ackscope-relay"): hello binds the port to the tab's current page load
 *   (a top frame with a new hook frame id starts a new session; iframes join the tab's
 *   session), record batches are validated, deduplicated and stored, then confirmed.
 * - Recording policy: DevTools open on the tab (devtools page / panel port), or settings
 *   (recordAll, recordOrigins) in chrome.storage.local, or a per-tab switch from the panel.
 * - In-memory state is rebuilt after Chrome stops the worker: tab/page-load bindings and
 *   DevTools tabs live in chrome.storage.session, analyzer state is rebuilt from chunks.
 */
import * as v from 'valibot';
import type { Rec, DiagRecord } from '../core/protocol';
import {
  SETTINGS_KEY,
  DEVTOOLS_OPEN_KEY,
  RELAY_PORT,
  PANEL_PORT,
  DEVTOOLS_PORT,
  type Settings,
  type HookConfig,
  type WorkerToRelay,
  type WorkerToPanel,
} from '../core/messages';
import { RecordSchema, RelayToWorkerSchema } from '../core/record-schema';
import { fastRecordOk } from '../core/record-fast';
import { createAnalyzer } from '../core/analysis';
import { canonicalHash } from '../core/hash';
import { chunkRecords, openDb } from '../storage/db';
import { Ingestor, QuotaError, type SessionInit } from '../storage/ingest';
import { hookConfig, originOf, readSettings } from './policy';

const TABS_KEY = 'ackscope.tabs';
/** Largest batch a relay may send (its own batches are 4,000 records). */
const MAX_BATCH = 20_000;
/** Pending operation summaries above which they are written even while batches wait. */
const DERIVED_BACKLOG_MAX = 100_000;

interface TabState {
  /** Current page load's session id. */
  session: string;
  startedAt: number;
  /** Hook frame id of the top document (null until the top frame says hello). */
  topFrame: string | null;
  url: string;
  /** DevTools open on this tab (count of connected devtools/panel ports). */
  devtools: number;
  /** Panel switch for this tab. */
  override?: boolean;
  preserve?: boolean;
}

interface RelayPortState {
  tabId: number;
  frameId: number;
  frame: string | null;
  session: string | null;
  bad: number;
}

type Prepared =
  | { type: 'bad' }
  | { type: 'hello'; frame: string; url: string; top: boolean }
  | { type: 'records'; batch: number; records: Rec[]; bad: number; oversized: number };

const PanelToWorkerSchema = v.variant('type', [
  v.object({ type: v.literal('panel-hello'), tabId: v.number() }),
  v.object({
    type: v.literal('set-recording'),
    scope: v.picklist(['tab', 'site', 'all']),
    tabId: v.optional(v.number()),
    origin: v.optional(v.string()),
    on: v.boolean(),
  }),
  v.object({ type: v.literal('set-hook-disabled'), origin: v.string(), disabled: v.boolean() }),
  v.object({ type: v.literal('set-preserve-log'), tabId: v.number(), on: v.boolean() }),
  v.object({ type: v.literal('clear-session'), session: v.string() }),
  v.object({ type: v.literal('clear-all') }),
  v.object({ type: v.literal('set-analysis-config'), session: v.string(), config: v.looseObject({}) }),
]);
const DevtoolsHelloSchema = v.object({ type: v.literal('devtools-hello'), tabId: v.number() });

export class CaptureWorker {
  readonly db = openDb();
  /** Records of a chunk row (tests and the CLI read chunks inside the worker). */
  readonly chunkRecords = chunkRecords;
  readonly ingest: Ingestor;
  settings: Settings = readSettings(undefined);
  private tabs = new Map<number, TabState>();
  private relayPorts = new Map<chrome.runtime.Port, RelayPortState>();
  private panelPorts = new Map<chrome.runtime.Port, number | null>();
  /** Batches are stored one after another (dedup high-water marks rely on the order). */
  private chain: Promise<unknown> = Promise.resolve();
  private ready: Promise<void>;
  private derivedTimer: ReturnType<typeof setTimeout> | null = null;
  /** Relay messages received and not yet processed. */
  private pendingRelay = 0;
  private lastRelayAt = 0;
  private diagFrame = `worker-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  private diagSeq = 0;
  private batchesSinceRetention = 0;
  /** When this worker instance started (tests tell restarts apart with it). */
  readonly startedAt = Date.now();
  readonly stats = { batches: 0, stored: 0, duplicates: 0, rejected: 0, badMessages: 0, lastStoredAt: 0, firstBatchAt: 0, busyMs: 0, validateMs: 0 };

  constructor() {
    this.ingest = new Ingestor(this.db, {
      createAnalyzer: (config) => createAnalyzer(config),
      isLive: (s) => this.isLive(s),
    });
    this.ready = this.load();
  }

  private async load(): Promise<void> {
    try {
      const [local, session] = await Promise.all([
        chrome.storage.local.get(SETTINGS_KEY),
        chrome.storage.session.get(TABS_KEY),
      ]);
      this.settings = readSettings(local[SETTINGS_KEY]);
      const saved = session[TABS_KEY] as Record<string, TabState> | undefined;
      if (saved && typeof saved === 'object')
        // DevTools ports died with the previous worker; open devtools pages reconnect and
        // count themselves again (keeping old counts would record forever after DevTools closes).
        for (const [k, t] of Object.entries(saved)) if (t && typeof t.session === 'string') this.tabs.set(Number(k), { ...t, devtools: 0 });
    } catch (e) {
      console.warn('[ackscope] could not load state', e);
    }
  }

  private saveTabs(): void {
    const obj: Record<string, TabState> = {};
    let devtools = 0;
    for (const [k, t] of this.tabs) {
      obj[k] = t;
      if (t.devtools > 0) devtools++;
    }
    chrome.storage.session.set({ [TABS_KEY]: obj, [DEVTOOLS_OPEN_KEY]: devtools }).catch(() => {});
  }

  private isLive(session: string): boolean {
    for (const t of this.tabs.values()) if (t.session === session) return true;
    return false;
  }

  private newSession(tabId: number, url: string, topFrame: string | null, prev?: TabState): TabState {
    const startedAt = Date.now();
    return {
      session: `${tabId}:${startedAt}`,
      startedAt,
      topFrame,
      url,
      devtools: prev?.devtools ?? 0,
      override: prev?.override,
      preserve: prev?.preserve,
    };
  }

  configFor(tabId: number): HookConfig {
    const t = this.tabs.get(tabId);
    return hookConfig(this.settings, { devtoolsOpen: (t?.devtools ?? 0) > 0, tabOverride: t?.override, url: t?.url });
  }

  // ---------------------------------------------------------------- relay ports

  onConnect(port: chrome.runtime.Port): void {
    // Only our own content scripts and pages may talk to us.
    if (port.sender?.id !== chrome.runtime.id) return port.disconnect();
    if (port.name === RELAY_PORT) return this.onRelayConnect(port);
    if (port.name === PANEL_PORT || port.name === DEVTOOLS_PORT) return this.onPanelConnect(port);
    port.disconnect();
  }

  private onRelayConnect(port: chrome.runtime.Port): void {
    const tabId = port.sender?.tab?.id;
    if (tabId === undefined || tabId < 0) return port.disconnect();
    const st: RelayPortState = { tabId, frameId: port.sender?.frameId ?? 0, frame: null, session: null, bad: 0 };
    this.relayPorts.set(port, st);
    port.onDisconnect.addListener(() => {
      void chrome.runtime.lastError;
      this.relayPorts.delete(port);
    });
    port.onMessage.addListener((msg) => {
      // Queue behind the state load and earlier batches; never throw out of a listener.
      // Validate now, while the previous batch's transaction is in IndexedDB's hands.
      const t0 = performance.now();
      const prepared = this.prepare(msg);
      this.stats.validateMs += performance.now() - t0;
      this.pendingRelay++;
      this.lastRelayAt = Date.now();
      if (!this.stats.firstBatchAt) this.stats.firstBatchAt = this.lastRelayAt;
      this.chain = this.chain
        .then(() => this.ready)
        .then(async () => {
          const t0 = performance.now();
          await this.onRelayMessage(port, st, prepared);
          this.stats.busyMs += performance.now() - t0;
        })
        .catch((e) => console.warn('[ackscope] relay message failed', e))
        .finally(() => {
          this.pendingRelay--;
          this.kickDerived();
        });
    });
  }

  private post(port: chrome.runtime.Port, msg: WorkerToRelay | WorkerToPanel): void {
    try {
      port.postMessage(msg);
    } catch {
      /* port closed meanwhile */
    }
  }

  /** Check a relay message against the schemas and hash emits (synchronous, never throws). */
  private prepare(raw: unknown): Prepared {
    try {
      const parsed = v.safeParse(RelayToWorkerSchema, raw);
      if (!parsed.success) return { type: 'bad' };
      const msg = parsed.output;
      if (msg.type === 'hello') return msg;
      if (msg.records.length > MAX_BATCH) return { type: 'records', batch: msg.batch, records: [], bad: 0, oversized: msg.records.length };
      const records: Rec[] = [];
      let bad = 0;
      for (const r of msg.records) {
        let rec: Rec;
        // The common kinds in plain code (at least as strict); the schema decides the rest.
        if (fastRecordOk(r)) rec = r as Rec;
        else {
          const ok = v.safeParse(RecordSchema, r);
          if (!ok.success) {
            bad++;
            continue;
          }
          rec = ok.output as Rec;
        }
        // Hashing happens here, off the page's main thread (the relay hashes only previews it cuts).
        if (rec.kind === 'emit' && rec.hash === undefined && rec.args) rec.hash = canonicalHash(rec.args.json);
        records.push(rec);
      }
      return { type: 'records', batch: msg.batch, records, bad, oversized: 0 };
    } catch {
      return { type: 'bad' };
    }
  }

  private async onRelayMessage(port: chrome.runtime.Port, st: RelayPortState, msg: Prepared): Promise<void> {
    if (msg.type === 'bad') {
      st.bad++;
      this.stats.badMessages++;
      return this.storeDiag(st, 'malformed-relay-message', 'worker dropped a malformed relay message');
    }
    if (msg.type === 'hello') {
      st.frame = msg.frame;
      const top = st.frameId === 0;
      const url = port.sender?.url ?? msg.url;
      let t = this.tabs.get(st.tabId);
      if (top) {
        if (!t) t = this.newSession(st.tabId, url, msg.frame);
        else if (t.topFrame === null) t = { ...t, topFrame: msg.frame, url };
        else if (t.topFrame !== msg.frame) {
          // A new document in the tab (reload / navigation): a new session.
          const old = t;
          t = this.newSession(st.tabId, url, msg.frame, old);
          void this.ingest.endSession(old.session, Date.now()).catch(() => {});
        }
      } else if (!t) {
        t = this.newSession(st.tabId, url, null);
        t.url = '';
      }
      this.tabs.set(st.tabId, t);
      this.saveTabs();
      st.session = t.session;
      this.post(port, { type: 'config', config: this.configFor(st.tabId) });
      this.notifyPanels(st.tabId);
      return;
    }
    // records
    if (!st.session) {
      st.bad++;
      return;
    }
    const config = this.configFor(st.tabId);
    if (!config.recording) {
      // Not stored, not confirmed: the relay keeps them until recording starts.
      this.post(port, { type: 'config', config });
      return;
    }
    if (msg.oversized) {
      st.bad++;
      this.stats.badMessages++;
      this.post(port, { type: 'stored', batch: msg.batch });
      return this.storeDiag(st, 'oversized-batch', `worker dropped a batch of ${msg.oversized} records (limit ${MAX_BATCH})`);
    }
    const { records, bad } = msg;
    try {
      const res = await this.storeInto(st, records);
      this.stats.batches++;
      this.stats.stored += res.stored;
      this.stats.duplicates += res.duplicates;
      this.stats.lastStoredAt = Date.now();
      this.post(port, { type: 'stored', batch: msg.batch });
      if (bad) await this.storeDiag(st, 'malformed-record', `worker dropped ${bad} malformed record(s) in a batch`, bad);
    } catch (e) {
      this.stats.rejected++;
      this.post(port, { type: 'error', batch: msg.batch, message: e instanceof QuotaError ? 'quota' : String((e as Error)?.message ?? e) });
    }
  }

  private sessionInit(st: RelayPortState): SessionInit {
    const t = this.tabs.get(st.tabId);
    const id = st.session!;
    const startedAt = Number(id.split(':')[1]) || Date.now();
    return { id, tabId: st.tabId, url: t && t.session === id ? t.url : '', startedAt, extVersion: chrome.runtime.getManifest().version };
  }

  private async storeInto(st: RelayPortState, records: Rec[]) {
    const init = this.sessionInit(st);
    const isNew = !(await this.db.sessions.get(init.id));
    const res = await this.ingest.store(init, records);
    if (isNew) {
      const t = this.tabs.get(st.tabId);
      if (t?.preserve) await this.db.sessions.update(init.id, { pinned: true });
    }
    if (isNew || ++this.batchesSinceRetention >= 200) {
      this.batchesSinceRetention = 0;
      await this.ingest.enforceRetention(this.settings.retention, init.id).catch(() => {});
    }
    return res;
  }

  /** Problems seen by the worker become records of the session (never silent). */
  private async storeDiag(st: RelayPortState, code: string, message: string, count = 1): Promise<void> {
    if (!st.session) return;
    const d: DiagRecord = { v: 1, kind: 'diag', frame: this.diagFrame, seq: this.diagSeq++, t: Date.now(), code, message, count };
    try {
      await this.ingest.store(this.sessionInit(st), [d]);
    } catch {
      /* diagnostics are best effort */
    }
  }

  /** Record batches are waiting or arrived a moment ago (more are likely on their way). */
  private relayBusy(): boolean {
    return this.pendingRelay > 0 || Date.now() - this.lastRelayAt < 100;
  }

  /**
   * Operation summaries and snapshots are written between record batches, never ahead of
   * them (records first: they are what must not be lost), unless the backlog grows large.
   */
  private kickDerived(): void {
    if (this.derivedTimer) return;
    const busy = this.relayBusy() && this.ingest.backlog < DERIVED_BACKLOG_MAX;
    if (!this.ingest.backlog && !this.ingest.dirtySessions().length) return;
    this.derivedTimer = setTimeout(
      () => {
        this.derivedTimer = null;
        this.chain = this.chain
          .then(async () => {
            if (this.relayBusy() && this.ingest.backlog < DERIVED_BACKLOG_MAX) return;
            await this.ingest.flushDerived(1000);
          })
          .catch((e) => console.warn('[ackscope] summaries failed', e))
          .finally(() => this.kickDerived());
      },
      busy ? 50 : this.ingest.backlog ? 0 : 400,
    );
  }

  // ---------------------------------------------------------------- devtools / panel

  private onPanelConnect(port: chrome.runtime.Port): void {
    this.panelPorts.set(port, null);
    port.onDisconnect.addListener(() => {
      void chrome.runtime.lastError;
      const tabId = this.panelPorts.get(port);
      this.panelPorts.delete(port);
      if (tabId != null) void this.ready.then(() => this.setDevtools(tabId, -1));
    });
    port.onMessage.addListener((msg) => {
      void this.ready
        .then(() => this.onPanelMessage(port, msg))
        .catch((e) => this.post(port, { type: 'error', message: String((e as Error)?.message ?? e) }));
    });
  }

  private async onPanelMessage(port: chrome.runtime.Port, raw: unknown): Promise<void> {
    const hello = v.safeParse(DevtoolsHelloSchema, raw);
    if (hello.success) {
      if (this.panelPorts.get(port) == null) {
        this.panelPorts.set(port, hello.output.tabId);
        await this.setDevtools(hello.output.tabId, +1);
      }
      return;
    }
    const r = v.safeParse(PanelToWorkerSchema, raw);
    if (!r.success) return this.post(port, { type: 'error', message: 'malformed message' });
    const msg = r.output;
    switch (msg.type) {
      case 'panel-hello':
        if (this.panelPorts.get(port) == null) {
          this.panelPorts.set(port, msg.tabId);
          await this.setDevtools(msg.tabId, +1);
        }
        this.sendStatus(port, msg.tabId);
        return;
      case 'set-recording': {
        if (msg.scope === 'tab' && msg.tabId !== undefined) {
          const t = this.tabs.get(msg.tabId);
          if (t) {
            t.override = msg.on;
            this.saveTabs();
            await this.pushConfig(msg.tabId);
          }
        } else if (msg.scope === 'site' && msg.origin) {
          const set = new Set(this.settings.recordOrigins);
          if (msg.on) set.add(msg.origin);
          else set.delete(msg.origin);
          await this.saveSettings({ recordOrigins: [...set] });
        } else if (msg.scope === 'all') await this.saveSettings({ recordAll: msg.on });
        return;
      }
      case 'set-hook-disabled': {
        const set = new Set(this.settings.disabledOrigins);
        if (msg.disabled) set.add(msg.origin);
        else set.delete(msg.origin);
        await this.saveSettings({ disabledOrigins: [...set] });
        return;
      }
      case 'set-preserve-log': {
        const t = this.tabs.get(msg.tabId);
        if (t) {
          t.preserve = msg.on;
          this.saveTabs();
          await this.db.sessions.update(t.session, { pinned: msg.on });
        }
        this.notifyPanels(msg.tabId);
        return;
      }
      case 'clear-session':
        await (this.chain = this.chain.then(() => this.ingest.deleteSession(msg.session)).catch(() => {}));
        return;
      case 'clear-all':
        await (this.chain = this.chain.then(() => this.ingest.clearAll()).catch(() => {}));
        return;
      case 'set-analysis-config':
        await (this.chain = this.chain
          .then(() => this.ingest.setAnalysisConfig(msg.session, msg.config as never))
          .catch((e) => this.post(port, { type: 'error', message: String((e as Error)?.message ?? e) })));
        return;
    }
  }

  private sendStatus(port: chrome.runtime.Port, tabId: number): void {
    const t = this.tabs.get(tabId);
    const c = this.configFor(tabId);
    this.post(port, { type: 'session', tabId, session: t?.session ?? null });
    this.post(port, { type: 'status', recording: c.recording, hookDisabled: c.disabled, preserveLog: !!t?.preserve });
  }

  private notifyPanels(tabId: number): void {
    for (const [port, t] of this.panelPorts) if (t === tabId && port.name === PANEL_PORT) this.sendStatus(port, tabId);
  }

  private async setDevtools(tabId: number, delta: number): Promise<void> {
    let t = this.tabs.get(tabId);
    if (!t) {
      t = this.newSession(tabId, '', null);
      t.url = '';
    }
    const before = this.configFor(tabId).recording;
    t.devtools = Math.max(0, t.devtools + delta);
    this.tabs.set(tabId, t);
    this.saveTabs();
    if (this.configFor(tabId).recording !== before) await this.pushConfig(tabId);
  }

  private async saveSettings(patch: Partial<Settings>): Promise<void> {
    const cur = (await chrome.storage.local.get(SETTINGS_KEY))[SETTINGS_KEY] ?? {};
    await chrome.storage.local.set({ [SETTINGS_KEY]: { ...cur, ...patch } });
    // onSettingsChanged follows from chrome.storage.onChanged.
  }

  async onSettingsChanged(raw: unknown): Promise<void> {
    await this.ready;
    this.settings = readSettings(raw);
    const ids = new Set<number>(this.tabs.keys());
    try {
      for (const tab of await chrome.tabs.query({})) if (tab.id !== undefined) ids.add(tab.id);
    } catch {
      /* no tabs API in this context */
    }
    await Promise.all([...ids].map((id) => this.pushConfig(id)));
  }

  /** Tell every relay of a tab its config: open ports directly, sleeping relays via tabs.sendMessage. */
  private async pushConfig(tabId: number): Promise<void> {
    const config = this.configFor(tabId);
    const msg: WorkerToRelay = { type: 'config', config };
    for (const [port, st] of this.relayPorts) if (st.tabId === tabId) this.post(port, msg);
    try {
      await chrome.tabs.sendMessage(tabId, msg);
    } catch {
      /* no relay in that tab */
    }
    this.notifyPanels(tabId);
  }

  async onTabRemoved(tabId: number): Promise<void> {
    await this.ready;
    const t = this.tabs.get(tabId);
    if (!t) return;
    this.tabs.delete(tabId);
    this.saveTabs();
    await (this.chain = this.chain.then(() => this.ingest.endSession(t.session, Date.now())).catch(() => {}));
  }

  /** Test hook: wait until everything received so far is stored, summaries included. */
  async idle(): Promise<void> {
    let c: Promise<unknown>;
    do {
      c = this.chain;
      await c;
      if (c === this.chain && (this.ingest.backlog || this.ingest.dirtySessions().length))
        this.chain = this.chain.then(() => this.ingest.drain()).catch(() => {});
    } while (c !== this.chain);
  }

  tabState(tabId: number): TabState | undefined {
    return this.tabs.get(tabId);
  }

  originOf = originOf;
}
