/**
 * Relay logic (ISOLATED world), independent of `window`/`chrome` so it runs in Node tests.
 *
 * Records from the page hook are checked (./validate), queued, and sent to the service
 * worker in batches over a runtime port. A batch stays here until the worker answers
 * `stored`; when the port drops (worker stopped by Chrome, extension updated) unconfirmed
 * batches go back to the front of the queue and are sent again on the next port: the
 * worker stores each (frame, seq) once. The queue is bounded: when full, the oldest unsent
 * records are dropped and replaced by one gap record saying how many and when.
 */
import type { Rec, GapRecord, DiagRecord } from '../core/protocol';
import type { HookConfig, RelayToPage, RelayToWorker } from '../core/messages';
import { DEFAULT_SETTINGS } from '../core/messages';
import * as v from 'valibot';
import { WorkerToRelaySchema } from '../core/record-schema';
import { checkRecords, parseEnvelope, type DropReason } from './validate';

export interface WorkerPort {
  post(msg: RelayToWorker): void;
  disconnect(): void;
}

export interface RelayEnv {
  /** Open a port to the worker; throws when the extension context is gone. */
  connect(onMessage: (msg: unknown) => void, onDisconnect: () => void): WorkerPort;
  postToPage(msg: RelayToPage): void;
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  /** True once the extension was reloaded/removed under this page (chrome.runtime.id gone). */
  invalidated(): boolean;
  /** Could this page record now (settings / DevTools open somewhere)? When unsure: true. */
  mayRecord(): Promise<boolean>;
  /** Where this document is (the relay trusts its own view, not the page's claim). */
  location(): { url: string; top: boolean };
}

export interface RelayLimits {
  /** Records kept here at most (queued + unconfirmed). */
  maxBuffered: number;
  /** Records per batch sent to the worker. */
  batchSize: number;
  /** Batches sent but not yet confirmed. */
  maxInFlight: number;
  /** How long a partial batch waits for more records (ms). */
  flushDelayMs: number;
}

export const DEFAULT_LIMITS: RelayLimits = { maxBuffered: 200_000, batchSize: 2500, maxInFlight: 6, flushDelayMs: 50 };

/** Until the worker says otherwise: not recording (the hook keeps its ring buffer). */
export const INITIAL_CONFIG: HookConfig = {
  recording: false,
  disabled: false,
  previewLimit: DEFAULT_SETTINGS.previewLimit,
  stacks: DEFAULT_SETTINGS.stacks,
  ringSize: DEFAULT_SETTINGS.ringSize,
};

export class RelayCore {
  config: HookConfig = INITIAL_CONFIG;
  frame: string | null = null;
  /** Queued, unsent records (oldest first). */
  private queue: Rec[] = [];
  private queueHead = 0;
  private inflight = new Map<number, Rec[]>();
  private nextBatch = 1;
  private port: WorkerPort | null = null;
  private flushScheduled = false;
  private checking = false;
  private urgentScheduled = false;
  private reconnectScheduled = false;
  private dead = false;
  /** Malformed page messages by reason; reported in a diag record. */
  readonly drops: Partial<Record<DropReason | 'unknown-message' | 'foreign-handshake', number>> = {};
  private dropsReported = 0;
  private dropsTotal = 0;
  readonly relayFrame: string;
  private relaySeq = 0;
  /** Stats for tests and the benchmark. */
  readonly stats = { received: 0, sent: 0, confirmed: 0, resent: 0, droppedOverflow: 0, batches: 0 };

  constructor(
    private env: RelayEnv,
    private limits: RelayLimits = DEFAULT_LIMITS,
  ) {
    this.relayFrame = 'relay-' + Math.random().toString(36).slice(2, 10);
  }

  get buffered(): number {
    return this.queue.length - this.queueHead + [...this.inflight.values()].reduce((n, b) => n + b.length, 0);
  }

  get stopped(): boolean {
    return this.dead;
  }

  /** A message from the page over the MessagePort. */
  onPageMessage(data: unknown): void {
    if (this.dead) return;
    // The hook sends record batches as one JSON string (cheaper than a structured clone).
    if (typeof data === 'string') {
      try {
        data = JSON.parse(data);
      } catch {
        return this.countDrop('bad-envelope', 1);
      }
    }
    const msg = parseEnvelope(data);
    if (!msg) return this.countDrop('bad-envelope', 1);
    if (msg.type === 'hello') {
      if (this.frame === null) this.frame = msg.frame;
      else if (msg.frame !== this.frame) return this.countDrop('foreign-frame', 1);
      this.maybeConnect();
      return;
    }
    if (this.frame === null) {
      // Records before a hello: still learn our config from the worker.
      this.frame = msg.frame;
      this.maybeConnect();
    }
    if (msg.frame !== this.frame) return this.countDrop('foreign-frame', msg.records.length || 1);
    const checked = checkRecords(this.frame, msg.records, this.config.previewLimit);
    for (const [k, n] of Object.entries(checked.dropped)) this.countDrop(k as DropReason, n);
    if (checked.records.length) {
      this.stats.received += checked.records.length;
      this.enqueue(checked.records);
    }
    // A full batch goes out now: the worker starts storing while later page messages wait
    // in this thread's task queue (pipelining under a burst).
    if (this.queue.length - this.queueHead >= this.limits.batchSize && this.inflight.size < this.limits.maxInFlight) this.flush();
    this.scheduleFlush();
  }

  /** A message from the worker (port, or chrome.tabs.sendMessage when settings change). */
  onWorkerMessage(data: unknown): void {
    if (this.dead) return;
    const r = v.safeParse(WorkerToRelaySchema, data);
    if (!r.success) return;
    const msg = r.output;
    if (msg.type === 'stored') {
      const b = this.inflight.get(msg.batch);
      if (b) {
        this.inflight.delete(msg.batch);
        this.stats.confirmed += b.length;
      }
      this.scheduleFlush();
    } else if (msg.type === 'config') {
      const was = this.config;
      this.config = msg.config;
      this.env.postToPage({ type: 'config', config: msg.config });
      if (!msg.config.recording) {
        // The worker does not store batches for a tab that is not recording: keep them.
        this.requeueInflight();
        // A settings poke to a relay that never said hello (the worker did not know our URL).
        if (!this.port && this.frame !== null) this.maybeConnect();
      } else {
        if (!was.recording) this.env.postToPage({ type: 'flush' });
        this.ensurePort();
        this.scheduleFlush();
      }
    } else if (msg.type === 'error') {
      // Storage failed (quota...): keep the batch and try again later.
      if (msg.batch !== undefined) this.requeueInflight();
      this.env.setTimeout(() => this.scheduleFlush(), 1000);
    }
  }

  /** pagehide: hand over everything now, without waiting for confirmations. */
  flushAll(): void {
    if (this.dead || !this.config.recording) return;
    this.reportDrops();
    if (!this.ensurePort()) return;
    while (this.queue.length > this.queueHead) this.sendBatch();
  }

  /** A handshake from a foreign window or a second one. */
  countForeign(): void {
    if (!this.dead) this.countDrop('foreign-handshake', 1);
  }

  private countDrop(k: DropReason | 'unknown-message' | 'foreign-handshake', n: number): void {
    this.drops[k] = (this.drops[k] ?? 0) + n;
    this.dropsTotal += n;
    this.scheduleFlush();
  }

  private enqueue(records: Rec[]): void {
    for (let i = 0; i < records.length; i++) this.queue.push(records[i]);
    const over = this.buffered - this.limits.maxBuffered;
    if (over > 0) this.dropOldest(over);
  }

  /** Drop the `n` oldest unsent records; one gap record takes their place (merging earlier gaps). */
  private dropOldest(n: number): void {
    let dropped = 0;
    let from = Infinity;
    let to = -Infinity;
    let maxSeq = -1;
    let removed = 0;
    while (removed < n + 1 && this.queue.length > this.queueHead) {
      const r = this.queue[this.queueHead];
      if (r.frame !== this.frame) break; // relay's own diag records are kept
      this.queueHead++;
      removed++;
      if (r.kind === 'gap' && (r as GapRecord).where === 'relay') {
        const g = r as GapRecord;
        dropped += g.dropped;
        from = Math.min(from, g.from);
        to = Math.max(to, g.to);
      } else {
        dropped++;
        from = Math.min(from, r.t);
        to = Math.max(to, r.t);
      }
      maxSeq = Math.max(maxSeq, r.seq);
    }
    if (!removed || this.frame === null) return;
    this.stats.droppedOverflow += dropped;
    // The gap takes the highest dropped seq of the page frame, so it sorts before what is left.
    const gap: GapRecord = {
      v: 1,
      kind: 'gap',
      frame: this.frame,
      seq: maxSeq,
      t: this.env.now(),
      where: 'relay',
      dropped,
      from,
      to,
      reason: `relay buffer full (${this.limits.maxBuffered} records): storage did not keep up`,
    };
    this.compact();
    this.queueHead--;
    if (this.queueHead < 0) {
      this.queue.unshift(gap);
      this.queueHead = 0;
    } else this.queue[this.queueHead] = gap;
  }

  private compact(): void {
    if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  private requeueInflight(): void {
    if (!this.inflight.size) return;
    const batches = [...this.inflight.entries()].sort((a, b) => a[0] - b[0]);
    this.inflight.clear();
    const back: Rec[] = [];
    for (const [, recs] of batches) for (const r of recs) back.push(r);
    this.stats.resent += back.length;
    this.queue = back.concat(this.queue.slice(this.queueHead));
    this.queueHead = 0;
  }

  private reportDrops(): void {
    if (this.dropsTotal === this.dropsReported) return;
    const n = this.dropsTotal - this.dropsReported;
    this.dropsReported = this.dropsTotal;
    const diag: DiagRecord = {
      v: 1,
      kind: 'diag',
      frame: this.relayFrame,
      seq: this.relaySeq++,
      t: this.env.now(),
      code: 'malformed-page-message',
      message: `relay dropped ${n} malformed page message(s)/record(s): ${JSON.stringify(this.drops)}`,
      count: this.dropsTotal,
    };
    this.queue.push(diag);
  }

  /**
   * Say hello to the worker only if this page might record: ordinary browsing must not wake
   * the service worker in every frame. When DevTools opens or settings change later, the
   * worker pokes the tab (chrome.tabs.sendMessage) and we connect then.
   */
  private maybeConnect(): void {
    if (this.port || this.dead || this.checking) return;
    this.checking = true;
    const done = (ok: boolean) => {
      this.checking = false;
      if (ok) this.ensurePort();
    };
    this.env.mayRecord().then(done, () => done(true));
  }

  /** Returns the port, connecting (and saying hello) when needed; null once invalidated. */
  private ensurePort(): WorkerPort | null {
    if (this.dead) return null;
    if (this.port) return this.port;
    if (this.env.invalidated()) return this.stop(), null;
    try {
      const port = this.env.connect(
        (m) => {
          if (this.port === port) this.onWorkerMessage(m);
        },
        () => {
          if (this.port !== port) return;
          this.port = null;
          this.requeueInflight();
          if (this.env.invalidated()) return this.stop();
          // Reconnect only while holding records: an idle page must not keep the worker awake.
          if (this.queue.length > this.queueHead) this.scheduleReconnect();
        },
      );
      this.port = port;
      const loc = this.env.location();
      port.post({ type: 'hello', frame: this.frame ?? this.relayFrame, url: loc.url, top: loc.top });
      return port;
    } catch {
      // "Extension context invalidated": the extension was reloaded. Stop quietly.
      this.stop();
      return null;
    }
  }

  private scheduleReconnect(): void {
    if (this.reconnectScheduled || this.dead) return;
    this.reconnectScheduled = true;
    this.env.setTimeout(() => {
      this.reconnectScheduled = false;
      if (this.ensurePort()) this.scheduleFlush();
    }, 50);
  }

  /**
   * Batches go out when full at once, otherwise after `flushDelayMs`: a page emitting
   * steadily then costs a few messages and transactions per second, not one per task.
   */
  private scheduleFlush(): void {
    if (this.dead) return;
    const full = this.queue.length - this.queueHead >= this.limits.batchSize;
    if (full ? this.urgentScheduled : this.flushScheduled || this.urgentScheduled) return;
    if (full) this.urgentScheduled = true;
    else this.flushScheduled = true;
    this.env.setTimeout(
      () => {
        if (full) this.urgentScheduled = false;
        else this.flushScheduled = false;
        this.flush();
      },
      full ? 0 : this.limits.flushDelayMs,
    );
  }

  private flush(): void {
    if (this.dead || this.frame === null) return;
    if (!this.config.recording) return;
    this.reportDrops();
    if (this.queue.length <= this.queueHead) return;
    if (!this.ensurePort()) return;
    while (this.inflight.size < this.limits.maxInFlight && this.queue.length > this.queueHead) this.sendBatch();
  }

  private sendBatch(): void {
    const end = Math.min(this.queue.length, this.queueHead + this.limits.batchSize);
    const records = this.queue.slice(this.queueHead, end);
    this.queueHead = end;
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else this.compact();
    const batch = this.nextBatch++;
    this.inflight.set(batch, records);
    this.stats.sent += records.length;
    this.stats.batches++;
    try {
      this.port!.post({ type: 'records', batch, records });
    } catch {
      // Port closed under us: onDisconnect requeues it.
      this.port = null;
      this.requeueInflight();
      if (this.env.invalidated()) this.stop();
      else this.scheduleReconnect();
    }
  }

  /** The extension is gone (reloaded/removed): drop everything, stay quiet, leave the page alone. */
  stop(): void {
    if (this.dead) return;
    this.dead = true;
    this.queue = [];
    this.queueHead = 0;
    this.inflight.clear();
    try {
      this.port?.disconnect();
    } catch {
      /* already gone */
    }
    this.port = null;
  }
}
