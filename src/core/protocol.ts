/**
 * AckScope record protocol, version 1.
 *
 * Every fact the page hook observes becomes one `AckRecord`. Records are what is stored
 * (IndexedDB chunks), exported (session files) and analysed (src/core/analysis). They are
 * plain JSON: no functions, no class instances, no undefined-vs-missing distinctions that
 * matter.
 *
 * Identity
 * - `frame`  : one hook instance (one document in one frame). Random, assigned at install.
 * - `seq`    : per-frame sequence number, 0,1,2,... without holes (a gap record fills a
 *              hole it has to make). `(frame, seq)` is the unique key of a record: a
 *              record re-sent after a service-worker restart is stored once.
 * - `client` : one socket.io-client `Socket` object (a namespace on a Manager); stable across
 *              reconnects because the JS object is. Format `${frame}/c${n}`.
 * - `op`     : one logical emit, i.e. one call of `emit`/`emitWithAck` by the app. With
 *              `retries`, socket.io re-sends it from its queue: those are attempts of the
 *              same op. Format `${client}/o${n}`.
 * - attempt  : one EVENT packet handed to the wire for an op. Keyed by
 *              `(client, 'out', ackId)` because socket.io ack ids are per Socket and both
 *              directions reuse the same numbers.
 *
 * Times are ms since the epoch with fractions: `performance.timeOrigin + performance.now()`
 * (monotonic within a frame).
 *
 * Change this file only by adding optional fields or new kinds; bump PROTOCOL_VERSION for
 * anything else and keep readers able to read version 1.
 */

export const PROTOCOL_VERSION = 1 as const;

/** Ack outcome names shared with the analysis (issue 4). */
export type Outcome = 'acked' | 'timed-out' | 'failed' | 'pending' | 'sent';
export type DuplicateVerdict = 'none' | 'possible' | 'confirmed' | 'server-deduplicated';

/**
 * A bounded preview of arguments as socket.io encoded them for the wire (never built by
 * walking the app's live objects).
 * `json` is JSON text of the argument array (event name excluded), cut to the preview limit;
 * binary attachments appear in it as socket.io placeholders `{"_placeholder":true,"num":N}`.
 */
export interface Preview {
  /** JSON text of the args array; may be cut (then `truncated` is true and it is not valid JSON). */
  json: string;
  /** Size in bytes (UTF-16 code units is acceptable) of the full, uncut JSON text. */
  size: number;
  truncated: boolean;
  /** Binary attachments: count and total bytes. Content is never recorded. */
  binary?: { count: number; bytes: number };
}

/** Options snapshot of a socket at creation (credentials never included). */
export interface OptionSnapshot {
  ackTimeout?: number;
  retries?: number;
  timeout?: number;
  reconnection?: boolean;
  reconnectionAttempts?: number;
  reconnectionDelay?: number;
  reconnectionDelayMax?: number;
  randomizationFactor?: number;
  transports?: string[];
  upgrade?: boolean;
  path?: string;
  forceNew?: boolean;
  multiplex?: boolean;
  autoConnect?: boolean;
  /** `auth` was given (object/function). Its content is never stored. */
  authPresent?: boolean;
  /** Query with token-like values replaced by "[redacted]". */
  query?: Record<string, string>;
  parser?: 'default' | 'custom';
}

/** One frame of a short call-site stack. */
export interface CallSite {
  fn?: string;
  url: string;
  line: number;
  col: number;
}

interface Base {
  /** Protocol version. */
  v: 1;
  frame: string;
  seq: number;
  t: number;
}

/** A hook instance started in a document. First record of every frame. */
export interface HookRecord extends Base {
  kind: 'hook';
  url: string;
  top: boolean;
  userAgent: string;
  hookVersion: string;
}

/** A Socket (namespace) was created or first seen. */
export interface ClientRecord extends Base {
  kind: 'client';
  client: string;
  /** Manager id `${frame}/m${n}`: sockets sharing one connection share it. */
  manager: string;
  /** URL of the Manager with token-like query values redacted. */
  url: string;
  nsp: string;
  opts: OptionSnapshot;
  /** socket.io-client version when detectable. */
  libVersion?: string;
  /** How the hook found it: 'proto-trap' | 'global' | 'late' ... (diagnostic). */
  via?: string;
}

export type ConnEvent =
  | 'connect'
  | 'disconnect'
  | 'connect_error'
  | 'reconnect_attempt'
  | 'reconnect'
  | 'reconnect_failed'
  | 'upgrade'
  | 'ping-timeout';

/** Connection lifecycle of a Socket / its Manager. */
export interface ConnRecord extends Base {
  kind: 'conn';
  client: string;
  event: ConnEvent;
  /** disconnect reason (`io server disconnect`, `transport close`, ...) or error message. */
  reason?: string;
  /** `socket.id` after connect (server-side id of this namespace socket). */
  sid?: string;
  /** engine.io session id (`engine.id`), for matching server logs. */
  engineSid?: string;
  transport?: string;
  /** connection-state recovery: `socket.recovered` on connect. */
  recovered?: boolean;
  attempt?: number;
}

export interface EmitFlags {
  timeout?: number;
  volatile?: boolean;
  compress?: boolean;
}

/** The app called emit/emitWithAck (one logical emit = one op). */
export interface EmitRecord extends Base {
  kind: 'emit';
  client: string;
  op: string;
  event: string;
  /** The app asked for an ack (callback or emitWithAck). */
  ack: boolean;
  /** 'callback' | 'promise' (emitWithAck) | 'none'. */
  api: 'callback' | 'promise' | 'none';
  /** Went through socket.io's retry queue (retries set): acked and retried even if `ack` is false. */
  queued: boolean;
  /** Ops waiting in the retry queue ahead of this one when it was enqueued. */
  queueDepth?: number;
  flags: EmitFlags;
  /** Preview of the emitted args (may be filled when the first attempt is encoded). */
  args?: Preview;
  /** Stable hash (hex) of the canonical encoded args; key order does not matter. Set by relay/worker. */
  hash?: string;
  /** socket.io's own encoding threw: the app got this error, nothing was sent. */
  error?: string;
  /** A `volatile` emit socket.io dropped (transport not writable): never sent. */
  discarded?: boolean;
  stack?: CallSite[];
}

/** One EVENT packet of an op given to the wire (or to socket.io's send buffer). */
export interface AttemptRecord extends Base {
  kind: 'attempt';
  client: string;
  op: string;
  /** 1-based try number (1 = first send). */
  try: number;
  /** Wire ack id, or null when no ack id is on the packet. */
  ackId: number | null;
  /** Packet went to the sendBuffer (not connected) instead of the wire. */
  buffered?: boolean;
  /** A buffered packet flushed on (re)connect with its old ack id. */
  flushed?: boolean;
  queueDepth?: number;
  /** Preview of this attempt's encoded args, when it differs from the emit's or the emit had none. */
  args?: Preview;
}

/** An ACK packet from the server for one of our ack ids. */
export interface AckRecord extends Base {
  kind: 'ack';
  client: string;
  ackId: number;
  /** The op the ack id belongs to, when known. */
  op?: string;
  /**
   * socket.io had no callback for this id any more (it gave up: timeout, disconnect, or a
   * second ACK for the same id). socket.io drops these silently; they prove the server ran
   * that attempt.
   */
  late: boolean;
  /** ms from this attempt's send to this ack. */
  latency?: number;
  args: Preview;
}

/** An attempt ended without an ack (socket.io errored its callback). */
export interface AttemptEndRecord extends Base {
  kind: 'attempt-end';
  client: string;
  op: string;
  ackId: number | null;
  cause: 'timeout' | 'disconnect' | 'error';
  message: string;
}

/** Final outcome of an op as the app observes it. */
export interface SettleRecord extends Base {
  kind: 'settle';
  client: string;
  op: string;
  outcome: Exclude<Outcome, 'pending' | 'sent'>;
  /** Error message for timed-out/failed ("operation has timed out", "socket has been disconnected", or the server's error value). */
  reason?: string;
  /** The args the app's callback/promise received (preview of what socket.io gave it). */
  args?: Preview;
}

/** An EVENT pushed by the server. */
export interface IncomingRecord extends Base {
  kind: 'incoming';
  client: string;
  event: string;
  args: Preview;
  /** The server asked for an ack with this id. */
  ackId?: number;
}

/** Records were dropped (buffer full). Never silent. */
export interface GapRecord extends Base {
  kind: 'gap';
  /** Where the records were dropped. */
  where: 'page' | 'relay' | 'worker';
  dropped: number;
  /** Time range of the dropped records. */
  from: number;
  to: number;
  reason: string;
}

/** A socket.io client the hook found but cannot instrument (old major, custom parser, worker...). */
export interface UnsupportedRecord extends Base {
  kind: 'unsupported';
  client?: string;
  libVersion?: string;
  reason: string;
}

/** Diagnostics: malformed messages, hook errors swallowed, quota eviction... */
export interface DiagRecord extends Base {
  kind: 'diag';
  code: string;
  message: string;
  count?: number;
}

export type AckRecordAny =
  | HookRecord
  | ClientRecord
  | ConnRecord
  | EmitRecord
  | AttemptRecord
  | AckRecord
  | AttemptEndRecord
  | SettleRecord
  | IncomingRecord
  | GapRecord
  | UnsupportedRecord
  | DiagRecord;

/** Alias: "a record". */
export type Rec = AckRecordAny;
export type RecordKind = Rec['kind'];

export const RECORD_KINDS: readonly RecordKind[] = [
  'hook',
  'client',
  'conn',
  'emit',
  'attempt',
  'ack',
  'attempt-end',
  'settle',
  'incoming',
  'gap',
  'unsupported',
  'diag',
] as const;

/** Dedup key of a record. */
export function recordKey(r: Pick<Base, 'frame' | 'seq'>): string {
  return `${r.frame}#${r.seq}`;
}

/** Key of an attempt: socket.io ack ids are per Socket and per direction. */
export function attemptKey(client: string, dir: 'out' | 'in', ackId: number): string {
  return `${client}|${dir}|${ackId}`;
}

/** Dedup markers recognised by default (issue 4), also used by the server companion. */
export const DEFAULT_DEDUP_MARKERS = ['DUPLICATE', 'ALREADY_PROCESSED'] as const;
/** Trailing ack argument appended by `ackscope/server` on a replayed ack. */
export const SERVER_REPLAY_MARKER_KEY = '__ackscope' as const;
/** Event emitted by `ackscope/server` with `notifyClient: true`. */
export const SERVER_DEDUP_EVENT = 'ackscope:dedup' as const;

/**
 * Shape of the trailing marker argument `ackscope/server` appends to a replayed ack:
 * `ack(...firstResultArgs, { __ackscope: 'replay', key })`.
 */
export interface ServerReplayMarker {
  __ackscope: 'replay';
  key: string;
}
