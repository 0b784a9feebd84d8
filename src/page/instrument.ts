/**
 * Socket.IO client instrumentation (issue 3, part A). DOM-free: runs in the page (hook.ts)
 * and in Node (test/support/node-recorder.ts). See ../../../shared/notes/socketio-internals.md.
 *
 * How instances are found without private names (minified builds rename `_queue`, `_opts`...):
 * one setter trap on Object.prototype per field every instance assigns in its constructor
 * (`receiveBuffer` -> Socket, `nsps` -> Manager). The setter turns the field back into a plain
 * own data property and, the first time, patches the instance's prototype. Only public methods
 * that socket.io looks up at call time are wrapped (emit, emitWithAck, packet, onack, onevent,
 * onconnect, connect); onpacket/onclose are bound once, so lifecycle comes from a per-instance
 * `emitReserved` wrapper instead.
 *
 * Rules every wrapper follows: hook work is in try/catch and never throws into the page; the
 * original is called with the same `this`, the same arguments (except an ack callback replaced
 * by a transparent wrapper keeping `withError` and arity), and its return value / exception is
 * passed back untouched; nothing is deferred (no await, no microtask). Previews come from the
 * strings socket.io's own encoder/decoder produced, never from the app's live objects.
 */
import type {
  AckRecord,
  AttemptEndRecord,
  AttemptRecord,
  CallSite,
  ClientRecord,
  ConnEvent,
  ConnRecord,
  DiagRecord,
  EmitFlags,
  EmitRecord,
  IncomingRecord,
  OptionSnapshot,
  Preview,
  Rec,
  SettleRecord,
  UnsupportedRecord,
} from '../core/protocol';

export const HOOK_VERSION = '0.1.0';
/** Global marker: a second copy of the hook finds the first and does nothing. */
export const INSTRUMENT_MARKER: unique symbol = Symbol.for('ackscope.instrument.v1') as any;

/** A record before the transport numbers it (`seq` is assigned by the sink owner). */
export type Sink = (r: Rec) => void;

export interface InstrumentOptions {
  frame: string;
  sink: Sink;
  now?: () => number;
  previewLimit?: number;
  stacks?: boolean;
  /** Object holding the marker (default globalThis). */
  global?: any;
}

export interface Instrument {
  readonly frame: string;
  /** True when this call found an instrument already installed (its options were not applied). */
  readonly existing: boolean;
  setSink(sink: Sink): void;
  configure(c: { previewLimit?: number; stacks?: boolean; enabled?: boolean }): void;
  /** Patch socket.io classes that are reachable directly (e.g. `import { Socket, Manager }`). */
  patchClasses(lib: { Socket?: any; Manager?: any }): void;
  /** Remove traps and prototype patches (tests). Instances already wrapped pass through. */
  uninstall(): void;
}

const EVENT = 2;
const ACK = 3;
const BINARY_EVENT = 5;
const BINARY_ACK = 6;
const MSG_TIMEOUT = 'operation has timed out';
const MSG_DISCONNECT = 'socket has been disconnected';
/** Ack ids kept for mapping late acks to their op, per socket. */
const ATTEMPT_WINDOW = 8192;
const INCOMING_MAX = 256;

interface MgrState {
  id: string;
  mgr: any;
  ready: boolean;
  sockets: SockState[];
  /** Parsed headers of incoming EVENT/ACK packets, in decode order, waiting for onevent/onack. */
  incoming: Incoming[];
  binPending: Incoming | null;
  custom: boolean;
  binaryWire: boolean;
}
interface Incoming {
  type: number;
  nsp: string;
  id: number | undefined;
  data: string;
  attachments: number;
  bytes: number;
}
interface SockState {
  sock: any;
  id: string | null;
  m: MgrState | null;
  nOps: number;
  atts: Map<number, Att>;
  queue: any[] | null | undefined;
  sopts: any;
  pendingApi: 'promise' | undefined;
  pendingStack: CallSite[] | undefined;
  /** socket.io's own `retries` option of this socket (read once). */
  retries: number;
  /** Found by the constructor trap (not only from a later call). */
  trapped: boolean;
}
interface Op {
  id: string;
  s: SockState;
  rec: EmitRecord;
  queued: boolean;
  entry: any;
  /** The app-call emit is still on the stack: its emit record may still be completed. */
  open: boolean;
  settled: boolean;
  tries: number;
}
interface Att {
  op: Op;
  try: number;
  ackId: number | null;
  t: number;
  sent: boolean;
  buffered: boolean;
  ended: boolean;
  ackArgs: Preview | undefined;
  /** socket.io's stored callback has withError (it is called on disconnect). */
  errCb: boolean;
}
interface Cur {
  s: SockState;
  op: Op;
  att: Att | null;
}

function isFn(v: unknown): v is (...a: any[]) => any {
  return typeof v === 'function';
}

/** Own data property value without running getters or Proxy-free page code. */
function dataProp(obj: any, key: string): any {
  if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function')) return undefined;
  const d = Object.getOwnPropertyDescriptor(obj, key);
  return d && 'value' in d ? d.value : undefined;
}

function errMessage(e: unknown): string {
  if (e instanceof Error) {
    const m = dataProp(e, 'message');
    return typeof m === 'string' ? m : 'Error';
  }
  if (typeof e === 'string') return e;
  if (typeof e === 'number' || typeof e === 'boolean' || e === null || e === undefined) return String(e);
  return Object.prototype.toString.call(e);
}

// ---- wire text helpers (socket.io-parser format: <type>[<n>-][/nsp,][id]<json>) ----

function parseEncoded(s: string): Incoming | null {
  const type = s.charCodeAt(0) - 48;
  if (!(type >= 0 && type <= 6)) return null;
  let i = 1;
  let attachments = 0;
  if (type === BINARY_EVENT || type === BINARY_ACK) {
    const d = s.indexOf('-', i);
    if (d < 0) return null;
    attachments = Number(s.slice(i, d)) || 0;
    i = d + 1;
  }
  let nsp = '/';
  if (s.charCodeAt(i) === 47) {
    const c = s.indexOf(',', i);
    nsp = c < 0 ? s.slice(i) : s.slice(i, c);
    i = c < 0 ? s.length : c + 1;
  }
  let j = i;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) break;
    j++;
  }
  return { type, nsp, id: j > i ? Number(s.slice(i, j)) : undefined, data: s.slice(j), attachments, bytes: 0 };
}

/** `["ev",a,b]` -> `[a,b]` (the event name is recorded separately). */
function stripEventName(arr: string): string {
  if (arr.charCodeAt(0) !== 91 || arr.charCodeAt(1) !== 34) return arr;
  let k = 2;
  while (k < arr.length) {
    const c = arr.charCodeAt(k);
    if (c === 92) k += 2;
    else if (c === 34) break;
    else k++;
  }
  return arr.charCodeAt(k + 1) === 44 ? '[' + arr.slice(k + 2) : '[]';
}

function binSize(x: any): number {
  try {
    if (x instanceof ArrayBuffer || ArrayBuffer.isView(x)) return x.byteLength;
    if (typeof Blob !== 'undefined' && x instanceof Blob) return x.size;
  } catch {
    /* foreign object */
  }
  return 0;
}

// ---- redaction ----
const SECRET_KEY = /token|auth|secret|pass|pwd|key|session|sig|jwt|bearer|cred|cookie|ticket|code/i;
function secretValue(v: string): boolean {
  return /^eyJ/.test(v) || (v.length >= 24 && /^[A-Za-z0-9._~+/=-]+$/.test(v) && /\d/.test(v) && /[A-Za-z]/.test(v));
}
function redactPair(k: string, v: string): string {
  return SECRET_KEY.test(k) || secretValue(v) ? '[redacted]' : v;
}
export function redactQuery(q: unknown): Record<string, string> | undefined {
  const out: Record<string, string> = Object.create(null);
  let any = false;
  if (typeof q === 'string') {
    for (const part of q.replace(/^\?/, '').split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const k = eq < 0 ? part : part.slice(0, eq);
      const v = eq < 0 ? '' : part.slice(eq + 1);
      out[k] = redactPair(k, v);
      any = true;
    }
  } else if (q && typeof q === 'object') {
    for (const k of Object.keys(q)) {
      const v = dataProp(q, k);
      out[k] = redactPair(k, typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '[object]');
      any = true;
    }
  }
  return any ? { ...out } : undefined;
}
export function redactUrl(u: unknown): string {
  if (typeof u !== 'string') return '';
  const qi = u.indexOf('?');
  let base = qi < 0 ? u : u.slice(0, qi);
  // user:password@host
  base = base.replace(/\/\/[^/@]*@/, '//[redacted]@');
  if (qi < 0) return base;
  const hi = u.indexOf('#', qi);
  const q = u.slice(qi + 1, hi < 0 ? undefined : hi);
  const parts = q.split('&').map((part) => {
    const eq = part.indexOf('=');
    if (eq < 0) return part;
    const k = part.slice(0, eq);
    const v = part.slice(eq + 1);
    return `${k}=${SECRET_KEY.test(k) || secretValue(decodeURIComponentSafe(v)) ? '[redacted]' : v}`;
  });
  return `${base}?${parts.join('&')}`;
}
function decodeURIComponentSafe(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

// ---- stacks ----
interface V8CallSite {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  getFunctionName(): string | null;
}
const rawFrames = (_e: unknown, frames: V8CallSite[]) => frames;
/** V8 CallSite objects of the current stack (outside V8: undefined). */
function rawStack(limit: number, above?: (...a: any[]) => any): V8CallSite[] | undefined {
  const E: any = Error;
  const d = Object.getOwnPropertyDescriptor(E, 'prepareStackTrace');
  if (d && !('value' in d && d.writable)) return undefined;
  const lim = E.stackTraceLimit;
  let st: unknown;
  try {
    E.prepareStackTrace = rawFrames;
    if (above && typeof E.captureStackTrace === 'function') {
      // Frames from `above` (the wrapper the app called) upward are the hook's: not captured.
      E.stackTraceLimit = limit;
      const holder: { stack?: unknown } = {};
      E.captureStackTrace(holder, above);
      st = holder.stack;
    } else {
      E.stackTraceLimit = limit + 2;
      st = new Error().stack;
    }
  } finally {
    E.stackTraceLimit = lim;
    if (d) E.prepareStackTrace = d.value;
    else delete E.prepareStackTrace;
  }
  return Array.isArray(st) ? (st as V8CallSite[]) : undefined;
}

/** Install (once per global) and return the instrument. */
export function installInstrument(o: InstrumentOptions): Instrument {
  const g: any = o.global ?? globalThis;
  const prev = g[INSTRUMENT_MARKER] as Instrument | undefined;
  if (prev && typeof prev === 'object') {
    return { ...prev, existing: true, setSink: prev.setSink, configure: prev.configure, patchClasses: prev.patchClasses, uninstall: prev.uninstall, frame: prev.frame };
  }

  const frame = o.frame;
  let sink: Sink = o.sink;
  const origin = typeof performance !== 'undefined' ? performance.timeOrigin : 0;
  const now = o.now ?? (() => origin + performance.now());
  let previewLimit = o.previewLimit ?? 16 * 1024;
  let stacks = o.stacks ?? false;
  let enabled = true;
  let nClients = 0;
  let nMgrs = 0;

  const socks = new WeakMap<object, SockState>();
  const mgrs = new WeakMap<object, MgrState>();
  const patchedProtos = new WeakSet<object>();
  const unsupportedProtos = new WeakSet<object>();
  const queueCbOp = new WeakMap<object, Op>();
  const bufferedPkt = new WeakMap<object, Att>();
  const undo: Array<() => void> = [];
  const ourWrappers = new WeakSet<object>();

  /** Stand-in for a released emit record (never sent, never written). */
  const CLOSED = Object.freeze({ flags: Object.freeze({}) }) as unknown as EmitRecord;
  let cur: Cur | null = null;
  let inAck: { sock: any; id: number } | null = null;
  let lastEncoded: { packet: any; out: any } | null = null;

  const selfUrl: string = (() => {
    try {
      const f = rawStack(1);
      return (f && f[0] && f[0].getFileName()) || '';
    } catch {
      return '';
    }
  })();

  let oopsCount = 0;
  /** A hook bug swallowed (the page must not see it): reported as a diag record, rate-limited. */
  function oops(e: unknown): void {
    try {
      oopsCount++;
      if (oopsCount === 1 || oopsCount === 10 || oopsCount === 100 || oopsCount % 1000 === 0) {
        const r: DiagRecord = { v: 1, frame, seq: -1, t: now(), kind: 'diag', code: 'hook-error', message: errMessage(e), count: oopsCount };
        put(r);
      }
    } catch {
      /* nothing left to do */
    }
  }
  function put(r: Rec): void {
    try {
      sink(r);
    } catch {
      /* the transport must not break the page */
    }
  }
  function preview(json: string, bin?: { count: number; bytes: number }): Preview {
    const size = json.length;
    const p: Preview =
      size > previewLimit ? { json: json.slice(0, previewLimit), size, truncated: true } : { json, size, truncated: false };
    if (bin && bin.count) p.binary = bin;
    return p;
  }

  // ---- managers ----
  function onManagerSeen(mgr: any): MgrState {
    let m = mgrs.get(mgr);
    if (m) return m;
    m = { id: `${frame}/m${nMgrs++}`, mgr, ready: false, sockets: [], incoming: [], binPending: null, custom: false, binaryWire: false };
    mgrs.set(mgr, m);
    wrapEmitReserved(mgr, onManagerEvent);
    return m;
  }
  /** After the Manager constructor ran: wrap its encoder/decoder instances. */
  function managerReady(m: MgrState): void {
    if (m.ready) return;
    const mgr = m.mgr;
    const enc = dataProp(mgr, 'encoder');
    const dec = dataProp(mgr, 'decoder');
    if (!enc || !dec) return;
    m.ready = true;
    m.custom = dataProp(dataProp(mgr, 'opts'), 'parser') !== undefined;
    const encode = enc.encode;
    if (isFn(encode)) {
      defineHidden(enc, 'encode', function (this: any, packet: any) {
        if (!enabled) return encode.apply(this, arguments as any);
        // If encoding throws (BigInt, circular data) the error reaches the app's emit untouched.
        const out = encode.apply(this, arguments as any);
        lastEncoded = { packet, out };
        // A binary wire format (e.g. the msgpack build): no JSON previews for this connection.
        if (!m!.binaryWire && Array.isArray(out) && out.length && typeof out[0] !== 'string') {
          m!.binaryWire = true;
          for (const s of m!.sockets) noPreviews(s);
        }
        return out;
      });
    }
    const add = dec.add;
    if (isFn(add)) {
      defineHidden(dec, 'add', function (this: any, obj: any) {
        if (enabled) {
          try {
            onIncomingRaw(m!, obj);
          } catch (e) {
            oops(e);
          }
        }
        return add.apply(this, arguments as any);
      });
    }
  }
  function onIncomingRaw(m: MgrState, obj: any): void {
    if (typeof obj === 'string') {
      m.binPending = null;
      const p = parseEncoded(obj);
      if (!p || (p.type !== EVENT && p.type !== ACK && p.type !== BINARY_EVENT && p.type !== BINARY_ACK)) return;
      if (m.incoming.length >= INCOMING_MAX) m.incoming.shift();
      m.incoming.push(p);
      if (p.attachments > 0) m.binPending = p;
    } else if (m.binPending) {
      m.binPending.bytes += binSize(obj);
    }
  }
  function takeIncoming(m: MgrState | null, nsp: string, ack: boolean, id: number | undefined): Incoming | undefined {
    if (!m) return undefined;
    const q = m.incoming;
    for (let i = 0; i < q.length; i++) {
      const e = q[i];
      const isAck = e.type === ACK || e.type === BINARY_ACK;
      if (e.nsp === nsp && isAck === ack && (!ack || e.id === id)) {
        // Entries before it belong to namespaces nobody listens to: drop them.
        q.splice(0, i + 1);
        return e;
      }
    }
    return undefined;
  }
  function incomingPreview(e: Incoming | undefined, event: boolean, fallback: () => unknown[] | undefined): Preview {
    if (e) {
      const json = event ? stripEventName(e.data) : e.data;
      return preview(json || '[]', e.attachments ? { count: e.attachments, bytes: e.bytes } : undefined);
    }
    // Custom parser: the decoded args were built by the parser, not by the app.
    try {
      const a = fallback();
      return preview(a ? JSON.stringify(a) : '[]');
    } catch {
      return preview('[]');
    }
  }
  function onManagerEvent(mgr: any, ev: string, args: IArguments): void {
    const m = mgrs.get(mgr);
    if (!m) return;
    let event: ConnEvent | null = null;
    let attempt: number | undefined;
    if (ev === 'reconnect_attempt' || ev === 'reconnect') {
      event = ev;
      attempt = typeof args[1] === 'number' ? args[1] : undefined;
    } else if (ev === 'reconnect_failed') event = ev;
    else if (ev === 'open') {
      const engine = dataProp(mgr, 'engine');
      if (engine && typeof engine === 'object') wrapEmitReserved(engine, (eng, e, a) => onEngineEvent(m, eng, e, a));
      return;
    }
    if (!event) return;
    for (const s of m.sockets) {
      if (!isActive(s)) continue;
      const r: ConnRecord = { v: 1, frame, seq: -1, t: now(), kind: 'conn', client: s.id!, event };
      if (attempt !== undefined) r.attempt = attempt;
      put(r);
    }
  }
  function onEngineEvent(m: MgrState, engine: any, ev: string, args: IArguments): void {
    if (ev !== 'upgrade' || dataProp(m.mgr, 'engine') !== engine) return;
    const tr = args[1];
    const name = tr && typeof tr === 'object' ? tr.name : undefined;
    for (const s of m.sockets) {
      if (!isActive(s)) continue;
      const r: ConnRecord = { v: 1, frame, seq: -1, t: now(), kind: 'conn', client: s.id!, event: 'upgrade' };
      if (typeof name === 'string') r.transport = name;
      put(r);
    }
  }

  /** Sockets the app closed stay on their Manager: skip them for Manager-wide events. */
  function isActive(s: SockState): boolean {
    try {
      return s.sock.active !== false;
    } catch {
      return true;
    }
  }
  function wrapEmitReserved(obj: any, on: (self: any, ev: string, args: IArguments) => void): void {
    if (Object.prototype.hasOwnProperty.call(obj, 'emitReserved')) return;
    defineHidden(obj, 'emitReserved', function (this: any, ev: string) {
      if (enabled) {
        try {
          on(this, ev, arguments);
        } catch (e) {
          oops(e);
        }
      }
      return Object.getPrototypeOf(this).emitReserved.apply(this, arguments);
    });
  }
  function defineHidden(obj: any, key: string, value: any): void {
    Object.defineProperty(obj, key, { value, writable: true, configurable: true, enumerable: false });
  }

  // ---- sockets ----
  function stateOf(sock: any): SockState {
    let s = socks.get(sock);
    if (!s) {
      s = { sock, id: null, m: null, nOps: 0, atts: new Map(), queue: undefined, sopts: undefined, pendingApi: undefined, pendingStack: undefined, retries: 0, trapped: false };
      socks.set(sock, s);
    }
    return s;
  }
  function onSocketSeen(sock: any): void {
    stateOf(sock).trapped = true;
    wrapEmitReserved(sock, onSocketEvent);
    const proto = socketProto(sock);
    if (proto) patchSocketProto(proto);
  }
  /**
   * socket.io's own Socket.prototype: the deepest prototype owning onack/onpacket. An app
   * subclass overriding them (and calling super) then passes through our wrappers once.
   */
  function socketProto(sock: any): any {
    let found = null;
    let p = Object.getPrototypeOf(sock);
    while (p && p !== Object.prototype) {
      if (Object.prototype.hasOwnProperty.call(p, 'onack') || Object.prototype.hasOwnProperty.call(p, 'onpacket')) found = p;
      p = Object.getPrototypeOf(p);
    }
    return found;
  }
  /** Register the client once its constructor has set `io`/`nsp` (lazy: called from every wrapper). */
  function ensureClient(sock: any): SockState | null {
    const s = stateOf(sock);
    if (s.id) return s;
    const mgr = dataProp(sock, 'io');
    const nsp = dataProp(sock, 'nsp');
    if (!mgr || typeof mgr !== 'object' || typeof nsp !== 'string') return null;
    wrapEmitReserved(sock, onSocketEvent);
    const m = onManagerSeen(mgr);
    managerReady(m);
    s.m = m;
    s.id = `${frame}/c${nClients++}`;
    s.sopts = findSocketOpts(sock);
    s.retries = retriesOf(s);
    m.sockets.push(s);
    const mopts = dataProp(mgr, 'opts');
    const rec: ClientRecord = {
      v: 1,
      frame,
      seq: -1,
      t: now(),
      kind: 'client',
      client: s.id,
      manager: m.id,
      url: redactUrl(dataProp(mgr, 'uri')),
      nsp,
      opts: snapshot(s.sopts, mopts, m.custom, sock),
      // The build carries no version string; public API tells the range (retries came with emitWithAck).
      libVersion: isFn(sock.emitWithAck) ? '>=4.6' : '4.0-4.5',
      // Seen at construction, or only from its first call (created before the hook was installed).
      via: s.trapped ? 'proto-trap' : 'late',
    };
    put(rec);
    if (m.custom || m.binaryWire) noPreviews(s);
    return s;
  }
  const noPreviewClients = new WeakSet<SockState>();
  /** A custom parser (e.g. msgpack): the wire is not socket.io's JSON text, so no previews. */
  function noPreviews(s: SockState): void {
    if (noPreviewClients.has(s)) return;
    noPreviewClients.add(s);
    const u: UnsupportedRecord = {
      v: 1,
      frame,
      seq: -1,
      t: now(),
      kind: 'unsupported',
      client: s.id!,
      reason: 'custom parser (e.g. msgpack): no argument previews; emits, attempts and acks are still recorded',
    };
    put(u);
  }
  /** The Socket's private copy of its options (`_opts`, renamed in minified builds). */
  function findSocketOpts(sock: any): any {
    for (const k of Object.keys(sock)) {
      if (k === 'acks' || k === 'flags' || k === 'auth' || k === 'io') continue;
      const v = dataProp(sock, k);
      if (v && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype) {
        const keys = Object.keys(v);
        if (keys.length && keys[0].charCodeAt(0) === 36 /* $ = emitter callbacks */) continue;
        return v;
      }
    }
    return undefined;
  }
  function optVal(sopts: any, mopts: any, k: string): any {
    const a = dataProp(sopts, k);
    return a !== undefined ? a : dataProp(mopts, k);
  }
  function snapshot(sopts: any, mopts: any, custom: boolean, sock: any): OptionSnapshot {
    const o: OptionSnapshot = {};
    for (const k of ['ackTimeout', 'retries', 'timeout', 'reconnectionAttempts', 'reconnectionDelay', 'reconnectionDelayMax', 'randomizationFactor'] as const) {
      const v = optVal(sopts, mopts, k);
      if (typeof v === 'number') o[k] = v;
    }
    for (const k of ['reconnection', 'upgrade', 'forceNew', 'multiplex', 'autoConnect'] as const) {
      const v = optVal(sopts, mopts, k);
      if (typeof v === 'boolean') o[k] = v;
    }
    const path = optVal(sopts, mopts, 'path');
    if (typeof path === 'string') o.path = path;
    const tr = optVal(sopts, mopts, 'transports');
    if (Array.isArray(tr)) o.transports = tr.filter((t) => typeof t === 'string');
    const auth = optVal(sopts, mopts, 'auth') ?? dataProp(sock, 'auth');
    o.authPresent = auth !== undefined && auth !== null;
    const q = redactQuery(optVal(sopts, mopts, 'query'));
    if (q) o.query = q;
    o.parser = custom ? 'custom' : 'default';
    return o;
  }
  function retriesOf(s: SockState): number {
    const r = s.sopts ? dataProp(s.sopts, 'retries') : dataProp(dataProp(s.m?.mgr, 'opts'), 'retries');
    return typeof r === 'number' ? r : 0;
  }
  /** socket.io's retry queue (`_queue`, renamed in minified builds): the own array holding entries with tryCount. */
  function queueOf(s: SockState): any[] | null {
    if (s.queue) return s.queue;
    for (const k of Object.keys(s.sock)) {
      if (k === 'receiveBuffer' || k === 'sendBuffer' || k === 'subs') continue;
      const v = dataProp(s.sock, k);
      if (Array.isArray(v) && v.length && v[v.length - 1] && typeof v[v.length - 1] === 'object' && 'tryCount' in v[v.length - 1]) {
        s.queue = v;
        return v;
      }
    }
    return null;
  }

  function onSocketEvent(sock: any, ev: string, args: IArguments): void {
    const s = socks.get(sock);
    if (!s || !s.id) return;
    if (ev === 'disconnect') {
      const r: ConnRecord = { v: 1, frame, seq: -1, t: now(), kind: 'conn', client: s.id, event: 'disconnect' };
      if (typeof args[1] === 'string') r.reason = args[1];
      put(r);
      // socket.io is about to drop acks whose callback lacks withError without calling them:
      // record those attempts as ended (the others report through their callback).
      const sendBuffer = dataProp(sock, 'sendBuffer');
      const acks = dataProp(sock, 'acks');
      for (const att of s.atts.values()) {
        if (att.ended || att.ackId === null || att.errCb) continue;
        if (!acks || !isFn(acks[att.ackId])) continue;
        if (Array.isArray(sendBuffer) && sendBuffer.some((p: any) => p && p.id === att.ackId)) continue;
        att.ended = true;
        const e: AttemptEndRecord = {
          v: 1,
          frame,
          seq: -1,
          t: now(),
          kind: 'attempt-end',
          client: s.id,
          op: att.op.id,
          ackId: att.ackId,
          cause: 'disconnect',
          message: MSG_DISCONNECT + ' (callback dropped silently by socket.io)',
        };
        put(e);
      }
    } else if (ev === 'connect_error') {
      const r: ConnRecord = { v: 1, frame, seq: -1, t: now(), kind: 'conn', client: s.id, event: 'connect_error', reason: errMessage(args[1]) };
      put(r);
    }
  }

  function newOp(s: SockState, event: string, api: EmitRecord['api'], ack: boolean, flags: any): Op {
    const f: EmitFlags = {};
    const to = flags && flags.timeout;
    if (typeof to === 'number') f.timeout = to;
    if (flags && flags.volatile === true) f.volatile = true;
    const c = flags && flags.compress;
    if (typeof c === 'boolean') f.compress = c;
    const id = `${s.id}/o${s.nOps++}`;
    const rec: EmitRecord = { v: 1, frame, seq: -1, t: now(), kind: 'emit', client: s.id!, op: id, event, ack, api, queued: false, flags: f };
    return { id, s, rec, queued: false, entry: null, open: true, settled: false, tries: 0 };
  }
  function newAtt(op: Op, tryNo: number): Att {
    return { op, try: tryNo, ackId: null, t: 0, sent: false, buffered: false, ended: false, ackArgs: undefined, errCb: false };
  }
  function trackAtt(s: SockState, att: Att): void {
    if (att.ackId === null) return;
    s.atts.set(att.ackId, att);
    s.atts.delete(att.ackId - ATTEMPT_WINDOW);
  }
  /**
   * Short call-site stack from V8's structured frames (no string formatting of every frame,
   * which costs several times more). A page-defined prepareStackTrace is set aside meanwhile:
   * it is page code and must not run on our behalf.
   */
  function captureStack(above: (...a: any[]) => any): CallSite[] | undefined {
    const frames = rawStack(3, above);
    if (!frames) return undefined;
    const out: CallSite[] = [];
    for (let i = 0; i < frames.length && out.length < 3; i++) {
      const f = frames[i];
      const url = f.getFileName();
      if (!url || url === selfUrl) continue;
      const site: CallSite = { url, line: f.getLineNumber() ?? 0, col: f.getColumnNumber() ?? 0 };
      const fn = f.getFunctionName();
      if (fn) site.fn = fn;
      out.push(site);
    }
    return out;
  }
  /** Transparent stand-in for an ack callback: observes the attempt's end, then calls it. */
  function wrapCb(att: Att, cb: (...a: any[]) => any): (...a: any[]) => any {
    const w = function (this: any) {
      if (enabled) {
        try {
          onAttemptCb(att, arguments);
        } catch (e) {
          oops(e);
        }
      }
      return cb.apply(this, arguments as any);
    };
    const we = (cb as any).withError;
    if (we !== undefined) (w as any).withError = we;
    if (cb.length !== 0) Object.defineProperty(w, 'length', { value: cb.length });
    return w;
  }
  function onAttemptCb(att: Att, args: IArguments): void {
    const op = att.op;
    const s = op.s;
    const acked = inAck !== null && inAck.sock === s.sock && inAck.id === att.ackId;
    const message = acked ? '' : errMessage(args[0]);
    if (!acked && !att.ended) {
      att.ended = true;
      const e: AttemptEndRecord = {
        v: 1,
        frame,
        seq: -1,
        t: now(),
        kind: 'attempt-end',
        client: s.id!,
        op: op.id,
        ackId: att.ackId,
        cause: message === MSG_TIMEOUT ? 'timeout' : message === MSG_DISCONNECT ? 'disconnect' : 'error',
        message,
      };
      put(e);
    } else if (acked) att.ended = true;
    const ackArgs = att.ackArgs;
    att.ackArgs = undefined; // attempts stay mapped for late acks: keep them small
    if (op.settled) return;
    let outcome: SettleRecord['outcome'] | null = null;
    let reason: string | undefined;
    if (!op.queued) {
      if (acked) outcome = 'acked';
      else {
        outcome = message === MSG_TIMEOUT ? 'timed-out' : 'failed';
        reason = message;
      }
    } else {
      // Mirror socket.io's queue callback: `err !== null` is a failure, final once tryCount > retries.
      const err = args[0];
      if (err === null) outcome = 'acked';
      else {
        const tc = (op.entry ? op.entry.tryCount : undefined);
        if (typeof tc === 'number' && tc > s.retries) {
          outcome = 'failed';
          reason = acked ? `ack value taken as error (retries without ackTimeout): ${errMessage(err)}` : message || errMessage(err);
        }
      }
    }
    if (!outcome) return;
    op.settled = true;
    const r: SettleRecord = { v: 1, frame, seq: -1, t: now(), kind: 'settle', client: s.id!, op: op.id, outcome };
    if (reason !== undefined) r.reason = reason;
    if (outcome === 'acked' && ackArgs) r.args = ackArgs;
    put(r);
    if (!op.open) release(op);
  }

  // ---- Socket.prototype wrappers ----
  function patchSocketProto(proto: any): void {
    if (patchedProtos.has(proto) || unsupportedProtos.has(proto)) return;
    const need = ['emit', 'packet', 'onack', 'onevent', 'onconnect', 'emitReserved'];
    const missing = need.filter((k) => !isFn(proto[k]));
    if (missing.length) {
      unsupportedProtos.add(proto);
      const u: UnsupportedRecord = {
        v: 1,
        frame,
        seq: -1,
        t: now(),
        kind: 'unsupported',
        reason: `socket.io-client shape not supported (missing ${missing.join(', ')}; 4.x is supported)`,
        libVersion: isFn(proto.emitReserved) ? undefined : '<4',
      };
      put(u);
      return;
    }
    patchedProtos.add(proto);
    wrapMethod(proto, 'emit', (orig) => function emitW(this: any) {
      return enabled ? emitHook(this, orig, arguments, emitW) : orig.apply(this, arguments as any);
    });
    if (isFn(proto.emitWithAck))
      wrapMethod(proto, 'emitWithAck', (orig) => function emitWithAckW(this: any) {
        if (!enabled) return orig.apply(this, arguments as any);
        let s: SockState | undefined;
        let prevApi: SockState['pendingApi'];
        let prevStack: SockState['pendingStack'];
        try {
          s = stateOf(this);
          prevApi = s.pendingApi;
          prevStack = s.pendingStack;
          s.pendingApi = 'promise';
          s.pendingStack = stacks ? captureStack(emitWithAckW) : undefined;
        } catch (e) {
          oops(e);
        }
        try {
          return orig.apply(this, arguments as any);
        } finally {
          if (s) {
            s.pendingApi = prevApi;
            s.pendingStack = prevStack;
          }
        }
      });
    wrapMethod(proto, 'packet', (orig) => function (this: any, packet: any) {
      return enabled ? packetHook(this, orig, packet, arguments) : orig.apply(this, arguments as any);
    });
    wrapMethod(proto, 'onack', (orig) => function (this: any, packet: any) {
      if (!enabled) return orig.apply(this, arguments as any);
      try {
        onAckSeen(this, packet);
      } catch (e) {
        oops(e);
      }
      const prev = inAck;
      inAck = { sock: this, id: packet && packet.id };
      try {
        return orig.apply(this, arguments as any);
      } finally {
        inAck = prev;
      }
    });
    wrapMethod(proto, 'onevent', (orig) => function (this: any, packet: any) {
      if (enabled) {
        try {
          onEventSeen(this, packet);
        } catch (e) {
          oops(e);
        }
      }
      return orig.apply(this, arguments as any);
    });
    wrapMethod(proto, 'onconnect', (orig) => function (this: any, sid: any) {
      if (!enabled) return orig.apply(this, arguments as any);
      let r: ConnRecord | null = null;
      try {
        const s = ensureClient(this);
        if (s) {
          r = { v: 1, frame, seq: -1, t: now(), kind: 'conn', client: s.id!, event: 'connect' };
          if (typeof sid === 'string') r.sid = sid;
          const engine = dataProp(dataProp(this, 'io'), 'engine');
          const esid = dataProp(engine, 'id');
          if (typeof esid === 'string') r.engineSid = esid;
          // transport.name is a getter of engine.io-client itself (library code, not the app's).
          const tr = engine && engine.transport;
          const tname = tr && tr.name;
          if (typeof tname === 'string') r.transport = tname;
          put(r);
        }
      } catch (e) {
        oops(e);
      }
      const ret = orig.apply(this, arguments as any);
      try {
        // `recovered` is computed inside onconnect; the record is still unsent (same task).
        if (r) r.recovered = dataProp(this, 'recovered') === true;
      } catch (e) {
        oops(e);
      }
      return ret;
    });
    if (isFn(proto.connect))
      wrapMethod(proto, 'connect', (orig) => function (this: any) {
        if (enabled) {
          try {
            ensureClient(this);
          } catch (e) {
            oops(e);
          }
        }
        return orig.apply(this, arguments as any);
      });
  }
  function wrapMethod(proto: any, key: string, make: (orig: any) => any): void {
    const orig = proto[key];
    // Already ours through the prototype chain (a subclass of a patched Socket): wrapping
    // again would record every call twice.
    if (ourWrappers.has(orig)) return;
    const w = make(orig);
    ourWrappers.add(w);
    try {
      Object.defineProperty(w, 'name', { value: orig.name });
      Object.defineProperty(w, 'length', { value: orig.length });
    } catch (e) {
      oops(e);
    }
    const had = Object.prototype.hasOwnProperty.call(proto, key);
    const desc = Object.getOwnPropertyDescriptor(proto, key);
    Object.defineProperty(proto, key, { value: w, writable: true, configurable: true, enumerable: desc ? desc.enumerable : false });
    undo.push(() => {
      if (proto[key] !== w) return;
      if (had && desc) Object.defineProperty(proto, key, desc);
      else delete proto[key];
    });
  }

  function emitHook(sock: any, orig: any, a: IArguments, top: (...a: any[]) => any): any {
    let args: any[] | IArguments = a;
    let op: Op | null = null;
    let att: Att | null = null;
    let s: SockState | null = null;
    let fromQueue = false;
    let prevCur = cur;
    let setCur = false;
    try {
      const flags = sock.flags; // read first: socket.io resets it inside emit
      s = ensureClient(sock);
      if (s) {
        const n = a.length;
        const last = n > 1 ? a[n - 1] : undefined;
        const hasCb = isFn(last);
        fromQueue = !!flags && flags.fromQueue === true;
        if (!fromQueue) {
          const ev = a[0];
          const api = s.pendingApi ?? (hasCb ? 'callback' : 'none');
          const stack = s.pendingStack ?? (stacks ? captureStack(top) : undefined);
          s.pendingApi = undefined;
          s.pendingStack = undefined;
          op = newOp(s, typeof ev === 'string' ? ev : String(typeof ev), api, hasCb, flags);
          if (stack && stack.length) op.rec.stack = stack;
          op.queued = s.retries > 0 && !(flags && flags.volatile);
          op.rec.queued = op.queued;
          if (op.queued) {
            const q = queueOf(s);
            op.rec.queueDepth = q ? q.length : 0;
          }
          put(op.rec);
          if (!op.queued) {
            att = newAtt(op, 1);
            if (hasCb) {
              const copy = Array.prototype.slice.call(a);
              copy[n - 1] = wrapCb(att, last);
              args = copy;
            }
          }
        } else {
          // An attempt from socket.io's retry queue: its last arg is the queue's callback.
          op = hasCb ? queueCbOp.get(last) ?? null : null;
          if (!op && cur && cur.s === s && cur.op.queued && !cur.op.entry) op = cur.op; // first drain inside the app call
          const q = queueOf(s);
          // _drainQueue sends the head and sets socket.flags to its entry's flags.
          const entry = q ? (q[0] && q[0].flags === flags ? q[0] : q.find((e: any) => e && e.flags === flags) ?? q[0]) : null;
          if (!op) {
            // Enqueued before the hook saw it: adopt as an op of its own.
            op = newOp(s, typeof a[0] === 'string' ? a[0] : 'unknown', 'none', false, flags);
            op.queued = op.rec.queued = true;
            op.open = false;
            put(op.rec);
          }
          if (!op.entry && entry) op.entry = entry;
          if (hasCb && !queueCbOp.has(last)) queueCbOp.set(last, op);
          const tc = (op.entry ? op.entry.tryCount : undefined);
          att = newAtt(op, typeof tc === 'number' ? tc : op.tries + 1);
          if (hasCb) {
            const copy = Array.prototype.slice.call(a);
            copy[n - 1] = wrapCb(att, last);
            args = copy;
          }
        }
        if (att) {
          const ids = sock.ids;
          if (hasCb && typeof ids === 'number') att.ackId = ids;
        }
        cur = { s, op, att };
        setCur = true;
      }
    } catch (e) {
      oops(e);
      args = a;
      op = null;
      att = null;
      if (setCur) cur = prevCur;
      setCur = false;
    }
    let ret;
    try {
      ret = orig.apply(sock, args as any);
    } catch (e) {
      try {
        if (setCur) cur = prevCur;
        if (op) onEmitThrew(op, att, e);
      } catch (e) {
        oops(e);
      }
      throw e;
    }
    try {
      if (setCur) cur = prevCur;
      if (op && s) afterEmit(s, sock, op, att, fromQueue);
    } catch (e) {
      oops(e);
    }
    return ret;
  }
  function onEmitThrew(op: Op, att: Att | null, e: unknown): void {
    const message = errMessage(e);
    if (op.open) op.rec.error = message;
    else if (att) {
      const r: AttemptEndRecord = { v: 1, frame, seq: -1, t: now(), kind: 'attempt-end', client: op.s.id!, op: op.id, ackId: att.ackId, cause: 'error', message };
      put(r);
    }
    if (att) att.ended = true;
    op.open = false;
  }
  function afterEmit(s: SockState, sock: any, op: Op, att: Att | null, fromQueue: boolean): void {
    if (!fromQueue && op.queued && !op.entry) {
      // Enqueued without being drained (not connected, or another op is pending).
      const q = queueOf(s);
      const entry = q && q[q.length - 1];
      if (entry) {
        op.entry = entry;
        const eargs = dataProp(entry, 'args');
        const qcb = Array.isArray(eargs) ? eargs[eargs.length - 1] : undefined;
        if (isFn(qcb)) queueCbOp.set(qcb, op);
      }
    } else if (!fromQueue && op.queued && op.entry) {
      const eargs = dataProp(op.entry, 'args');
      const qcb = Array.isArray(eargs) ? eargs[eargs.length - 1] : undefined;
      if (isFn(qcb)) queueCbOp.set(qcb, op);
    }
    if (att && !att.sent) {
      const sb = sock.sendBuffer;
      const p = Array.isArray(sb) ? sb[sb.length - 1] : undefined;
      if (p && typeof p === 'object' && !bufferedPkt.has(p) && (p.type === EVENT || p.type === BINARY_EVENT)) {
        att.buffered = true;
        att.ackId = typeof p.id === 'number' ? p.id : null;
        att.t = now();
        op.tries++;
        bufferedPkt.set(p, att);
        trackAtt(s, att);
        const r: AttemptRecord = { v: 1, frame, seq: -1, t: now(), kind: 'attempt', client: s.id!, op: op.id, try: att.try, ackId: att.ackId, buffered: true };
        put(r);
      } else if (!fromQueue && op.rec.flags.volatile) {
        op.rec.discarded = true;
      }
    }
    if (att && att.ackId !== null) {
      const acks = sock.acks;
      const stored = acks ? acks[att.ackId] : undefined;
      att.errCb = !!(stored && stored.withError);
    }
    if (!fromQueue) {
      op.open = false;
      if (!op.queued) release(op);
    }
  }
  /**
   * Attempts stay mapped for late acks (ATTEMPT_WINDOW per socket): let go of the emit record
   * (its preview) and socket.io's queue entry (the app's payload) once nothing needs them.
   */
  function release(op: Op): void {
    op.rec = CLOSED;
    op.entry = null;
  }

  function packetHook(sock: any, orig: any, packet: any, a: IArguments): any {
    let att: Att | null = null;
    let flushed = false;
    try {
      if (packet && typeof packet === 'object' && (packet.type === EVENT || packet.type === BINARY_EVENT)) {
        const b = bufferedPkt.get(packet);
        if (b) {
          att = b;
          flushed = true;
          bufferedPkt.delete(packet);
        } else if (cur && cur.s.sock === sock && cur.att && !cur.att.sent) att = cur.att;
      }
    } catch {
      att = null;
    }
    lastEncoded = null;
    const ret = orig.apply(sock, a as any); // an encode error propagates to emit (recorded there)
    try {
      if (att) onSent(att, packet, flushed);
    } catch (e) {
      oops(e);
    }
    lastEncoded = null;
    return ret;
  }
  function onSent(att: Att, packet: any, flushed: boolean): void {
    const op = att.op;
    const s = op.s;
    att.sent = true;
    att.t = now();
    if (!flushed) op.tries++;
    att.ackId = typeof packet.id === 'number' ? packet.id : null;
    trackAtt(s, att);
    let pv: Preview | undefined;
    const enc = lastEncoded;
    if (enc && enc.packet === packet && Array.isArray(enc.out) && typeof enc.out[0] === 'string') {
      const h = parseEncoded(enc.out[0]);
      if (h) {
        let bytes = 0;
        for (let i = 1; i < enc.out.length; i++) bytes += binSize(enc.out[i]);
        pv = preview(stripEventName(h.data), h.attachments ? { count: h.attachments, bytes } : undefined);
      }
    }
    const r: AttemptRecord = { v: 1, frame, seq: -1, t: now(), kind: 'attempt', client: s.id!, op: op.id, try: att.try, ackId: att.ackId };
    if (flushed) r.flushed = true;
    if (op.queued) {
      const q = queueOf(s);
      if (q) r.queueDepth = q.length;
    }
    if (pv) {
      if (op.open && !op.rec.args) op.rec.args = pv;
      else if (!op.rec.args || op.rec.args.json !== pv.json) r.args = pv;
    }
    put(r);
  }

  function onAckSeen(sock: any, packet: any): void {
    const s = ensureClient(sock);
    if (!s || !packet || typeof packet !== 'object') return;
    const id = packet.id;
    if (typeof id !== 'number') return;
    const acks = sock.acks;
    const late = !(acks && isFn(acks[id]));
    const att = s.atts.get(id);
    const e = takeIncoming(s.m, sock.nsp, true, id);
    const args = incomingPreview(e, false, () => (Array.isArray(packet.data) ? packet.data : undefined));
    const r: AckRecord = { v: 1, frame, seq: -1, t: now(), kind: 'ack', client: s.id!, ackId: id, late, args };
    if (att) {
      r.op = att.op.id;
      r.latency = r.t - att.t;
      if (!late) att.ackArgs = args;
    }
    put(r);
  }
  function onEventSeen(sock: any, packet: any): void {
    const s = ensureClient(sock);
    if (!s || !packet || typeof packet !== 'object') return;
    const data = packet.data;
    const ev = Array.isArray(data) && typeof data[0] === 'string' ? data[0] : '';
    const e = takeIncoming(s.m, sock.nsp, false, undefined);
    const args = incomingPreview(e, true, () => (Array.isArray(data) ? data.slice(1) : undefined));
    const r: IncomingRecord = { v: 1, frame, seq: -1, t: now(), kind: 'incoming', client: s.id!, event: ev, args };
    if (typeof packet.id === 'number') r.ackId = packet.id;
    put(r);
  }

  // ---- discovery traps ----
  function trap(key: string, onSet: (self: any, v: any) => void): void {
    const existing = Object.getOwnPropertyDescriptor(Object.prototype, key);
    if (existing) return; // someone else owns this name: do not interfere
    const desc: PropertyDescriptor = {
      configurable: true,
      enumerable: false,
      get: undefined,
      set(this: any, v: any) {
        // Restore what a plain assignment would have created, then look at the instance.
        try {
          Object.defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true });
        } catch {
          return; // frozen / non-extensible target: a plain assignment would not have landed either
        }
        if (!enabled) return;
        try {
          onSet(this, v);
        } catch (e) {
          oops(e);
        }
      },
    };
    Object.defineProperty(Object.prototype, key, desc);
    undo.push(() => {
      const d = Object.getOwnPropertyDescriptor(Object.prototype, key);
      if (d && d.set === desc.set) delete (Object.prototype as any)[key];
    });
  }
  trap('receiveBuffer', (self, v) => {
    if (Array.isArray(v)) onSocketSeen(self);
  });
  trap('nsps', (self, v) => {
    // socket.io's server-side Client has `nsps = new Map()`: only a plain object is a Manager.
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) onManagerSeen(self);
  });

  const api: Instrument = {
    frame,
    existing: false,
    setSink(s) {
      sink = s;
    },
    configure(c) {
      if (typeof c.previewLimit === 'number' && c.previewLimit > 0) previewLimit = c.previewLimit;
      if (typeof c.stacks === 'boolean') stacks = c.stacks;
      if (typeof c.enabled === 'boolean') enabled = c.enabled;
    },
    patchClasses(lib) {
      try {
        if (lib.Socket && lib.Socket.prototype) patchSocketProto(lib.Socket.prototype);
      } catch (e) {
        oops(e);
      }
    },
    uninstall() {
      enabled = false;
      while (undo.length) {
        try {
          undo.pop()!();
        } catch (e) {
          oops(e);
        }
      }
      if (g[INSTRUMENT_MARKER] === api) delete g[INSTRUMENT_MARKER];
    },
  };
  Object.defineProperty(g, INSTRUMENT_MARKER, { value: api, configurable: true, enumerable: false, writable: false });
  return api;
}
