/**
 * MAIN-world hook (issue 3): a synchronous IIFE at document_start in every frame.
 *
 * Installs the instrumentation (./instrument) before any page script, then talks to the
 * ISOLATED relay over a MessagePort handed over with one `window.postMessage` handshake, so
 * the app's own `message` listeners see that single message and nothing else.
 *
 * Records wait in one bounded queue. While recording is off it is a ring buffer of
 * `config.ringSize` (opening DevTools after the bug still shows it); while recording it is
 * flushed in batches (one message per batch, never per record). When the queue is full the
 * oldest unsent records are dropped and a `gap` record says how many: the page never waits.
 * While recording, records are posted at most FLUSH_DELAY_MS after they were queued, or at the
 * end of the task when many are waiting (bursts), and on `pagehide`.
 * `seq` is assigned when a record is sent, so the sequence has no holes. No hashing,
 * validation or decoding here: the relay does that.
 */
import { HANDSHAKE_TYPE, PAGEHIDE_EVENT, DEFAULT_SETTINGS, type HookConfig, type PageToRelay, type RelayToPage } from '../core/messages';
import type { GapRecord, HookRecord, Rec } from '../core/protocol';
import { installInstrument, redactUrl, HOOK_VERSION, INSTRUMENT_MARKER } from './instrument';

/** Records per port message. */
const MAX_BATCH = 10000;
/**
 * While recording, queued records go to the relay at most this long after the first of them
 * (one message for many tasks: each page message costs the page thread a post, a task and the
 * relay's deserialisation, whatever its size), or at the end of the task once this many wait.
 */
const FLUSH_DELAY_MS = 40;
const FLUSH_NOW_RECORDS = 500;
/** Queue bound while recording (a burst within one task, or the relay not connected yet). */
const RECORDING_CAP = 250_000;

function randomId(): string {
  const b = new Uint8Array(6);
  crypto.getRandomValues(b);
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** A FIFO with O(1) push/shift that drops from the front when full. */
class RecordQueue {
  private buf: Rec[] = [];
  private head = 0;
  get length(): number {
    return this.buf.length - this.head;
  }
  push(r: Rec): void {
    this.buf.push(r);
  }
  shift(): Rec | undefined {
    if (this.head >= this.buf.length) return undefined;
    const r = this.buf[this.head];
    (this.buf as any)[this.head++] = undefined;
    if (this.head > 4096 && this.head * 2 > this.buf.length) {
      this.buf = this.buf.slice(this.head);
      this.head = 0;
    }
    return r;
  }
  take(n: number): Rec[] {
    const end = Math.min(this.buf.length, this.head + n);
    const out = this.buf.slice(this.head, end);
    this.head = end;
    if (this.head === this.buf.length) {
      this.buf = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.buf.length) {
      this.buf = this.buf.slice(this.head);
      this.head = 0;
    }
    return out;
  }
  clear(): void {
    this.buf = [];
    this.head = 0;
  }
}

/** Take only well-typed fields from the relay's config (a bad ringSize must not unbound the queue). */
function sanitize(prev: HookConfig, c: Partial<HookConfig>): HookConfig {
  const posInt = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v >= 1 ? Math.floor(v) : d);
  return {
    recording: typeof c.recording === 'boolean' ? c.recording : prev.recording,
    disabled: typeof c.disabled === 'boolean' ? c.disabled : prev.disabled,
    stacks: typeof c.stacks === 'boolean' ? c.stacks : prev.stacks,
    previewLimit: posInt(c.previewLimit, prev.previewLimit),
    ringSize: posInt(c.ringSize, prev.ringSize),
  };
}

function main(): void {
  const w = window as any;
  if (w[INSTRUMENT_MARKER]) return; // another copy of the hook is already installed

  const frame = randomId();
  const origin = performance.timeOrigin;
  const now = () => origin + performance.now();
  let config: HookConfig = {
    recording: false,
    disabled: false,
    previewLimit: DEFAULT_SETTINGS.previewLimit,
    stacks: DEFAULT_SETTINGS.stacks,
    ringSize: DEFAULT_SETTINGS.ringSize,
  };

  const queue = new RecordQueue();
  let seq = 0;
  let port: MessagePort | null = null;
  /** A flush is due at the end of this task (tick) / after FLUSH_DELAY_MS (timer). */
  let tickScheduled = false;
  let timerScheduled = false;
  // The page's own timer functions may be replaced later (zone.js, fake timers): keep the
  // browser's, so our flushes stay invisible to the app and cannot be held back by it.
  const setTimer = window.setTimeout.bind(window);
  // Same for what the pagehide hand-over uses.
  const stringify = JSON.stringify;
  const dispatch = EventTarget.prototype.dispatchEvent;
  const CustomEv = CustomEvent;
  /** Proves to the relay that a pagehide hand-over comes from this hook (sent over the port). */
  const token = randomId() + randomId();
  let gap: { dropped: number; from: number; to: number; reason: string } | null = null;
  /** The frame's `hook` record goes first whatever the ring buffer dropped. */
  let hello: HookRecord | null = null;

  const tick = new MessageChannel();
  tick.port1.onmessage = () => {
    tickScheduled = false;
    flush();
  };
  const onTimer = () => {
    timerScheduled = false;
    flush();
  };

  function cap(): number {
    return config.recording ? Math.max(RECORDING_CAP, config.ringSize) : Math.max(1, config.ringSize);
  }
  function sink(r: Rec): void {
    queue.push(r);
    if (queue.length > cap()) dropOldest(queue.length - cap());
    // Never flush inside the task: the instrument completes a record it just emitted (emit
    // args once encoded, `recovered` after onconnect) before returning to the page.
    if (!config.recording || !port || tickScheduled) return;
    if (queue.length >= FLUSH_NOW_RECORDS) {
      tickScheduled = true;
      tick.port2.postMessage(null);
    } else if (!timerScheduled) {
      timerScheduled = true;
      setTimer(onTimer, FLUSH_DELAY_MS);
    }
  }
  function dropOldest(n: number): void {
    for (let i = 0; i < n; i++) {
      const r = queue.shift();
      if (!r) break;
      if (!gap)
        gap = {
          dropped: 0,
          from: r.t,
          to: r.t,
          reason: config.recording ? 'page queue full (relay not keeping up)' : 'ring buffer full before recording started',
        };
      gap.dropped++;
      gap.to = r.t;
    }
  }
  function number(r: Rec): Rec {
    r.seq = seq++;
    return r;
  }
  function flush(sync = false): void {
    if (!port || !config.recording || config.disabled) return;
    const post = sync ? postSync : postPort;
    try {
      if (hello) {
        post({ type: 'records', frame, records: [number(hello)] });
        hello = null;
      }
      if (gap) {
        const g: GapRecord = {
          v: 1,
          frame,
          seq: -1,
          t: now(),
          kind: 'gap',
          where: 'page',
          dropped: gap.dropped,
          from: gap.from,
          to: gap.to,
          reason: gap.reason,
        };
        gap = null;
        post({ type: 'records', frame, records: [number(g)] });
      }
      while (queue.length) {
        const batch = queue.take(MAX_BATCH);
        for (const r of batch) number(r);
        post({ type: 'records', frame, records: batch });
      }
    } catch {
      /* never throw into the page */
    }
  }
  /**
   * Records go as one JSON string: serialising and parsing JSON costs this thread (page and
   * relay share it) about 40% less than a structured clone of the record objects. Unless the
   * page put a `toJSON` on the prototypes: then the objects are cloned as they are.
   */
  function postPort(msg: PageToRelay): void {
    const plain = ({} as { toJSON?: unknown }).toJSON === undefined && ([] as unknown as { toJSON?: unknown }).toJSON === undefined;
    port!.postMessage(msg.type === 'records' && plain ? stringify(msg) : msg);
  }
  /** Synchronous hand-over (pagehide): the relay's listener runs inside this call. */
  function postSync(msg: PageToRelay): void {
    dispatch.call(window, new CustomEv(PAGEHIDE_EVENT, { detail: stringify({ token, msg }) }));
  }

  const inst = installInstrument({ frame, sink, now, previewLimit: config.previewLimit, stacks: config.stacks, global: w });

  const top = (() => {
    try {
      return window === window.top;
    } catch {
      return false;
    }
  })();
  const url = redactUrl(location.href);
  hello = { v: 1, frame, seq: -1, t: now(), kind: 'hook', url, top, userAgent: navigator.userAgent, hookVersion: HOOK_VERSION };

  // No `window.io` accessor for the UMD build: `'io' in window` would turn true before the
  // library loads and change what the page sees. The Object.prototype traps in ./instrument
  // catch UMD sockets (and pre-4 shapes) the same way as bundled ones.

  function onRelay(e: MessageEvent): void {
    const m = e.data as RelayToPage | null;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'config' && m.config && typeof m.config === 'object') {
      config = sanitize(config, m.config);
      inst.configure({ previewLimit: config.previewLimit, stacks: config.stacks, enabled: !config.disabled });
      if (config.disabled) {
        queue.clear();
        gap = null;
        return;
      }
      if (queue.length > cap()) dropOldest(queue.length - cap());
      flush();
    } else if (m.type === 'flush') flush();
  }

  let handshakes = 0;
  function handshake(): void {
    const ch = new MessageChannel();
    ch.port1.onmessage = (e) => {
      if (port !== ch.port1) {
        port?.close();
        port = ch.port1;
      }
      onRelay(e);
    };
    handshakes++;
    window.postMessage({ type: HANDSHAKE_TYPE }, '*', [ch.port2]);
    const p1 = ch.port1;
    // Send hello on the channel; the relay reads it once it has adopted the port.
    p1.postMessage({ type: 'hello', frame, url, top, token } satisfies PageToRelay);
    // No answer (relay not listening, or document.open() erased its listener before our
    // message arrived): try again a few times. The relay adopts exactly one port.
    if (handshakes < 4)
      setTimeout(() => {
        if (!port) handshake();
      }, 1000 * 2 ** (handshakes - 1));
  }
  handshake();

  // Records still waiting here (up to FLUSH_DELAY_MS' worth) go to the relay synchronously:
  // port messages posted now would arrive after the document is gone.
  window.addEventListener('pagehide', () => flush(true), true);
}

try {
  main();
} catch {
  /* never break the page */
}
