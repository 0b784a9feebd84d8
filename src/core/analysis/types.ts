/**
 * Public types of the analysis core (issue 4). The panel, the service worker and the CLI
 * code against these names; the analysis may add fields but must not rename these.
 */
import type { DuplicateVerdict, Outcome, Preview, CallSite, OptionSnapshot } from '../protocol';

export type Severity = 'error' | 'warning' | 'info';

/** Analysis configuration is data: saved with a session and exported with it. */
export interface AnalysisConfig {
  /** Extra idempotency key paths per event name, e.g. { "order:create": ["order.ref"] }. "*" applies to every event. */
  keyPaths: Record<string, string[]>;
  /** Auto-detect the default key paths (id, eventId, requestId, ...). */
  autoKeyPaths: boolean;
  /** Extra dedup markers: strings compared to the first ack arg, or JSON objects matched as subsets. */
  dedupMarkers: Array<string | Record<string, unknown>>;
  /** Window for linking un-keyed identical emits after a timeout as a possible app-level retry. */
  appRetryWindowMs: number;
  /** Margin factor for ack-timeout-below-latency (ackTimeout < p95 * margin). */
  latencyMargin: number;
}

/** How one attempt ended. */
export type AttemptEnd =
  | { kind: 'ack'; at: number; latency: number; args?: Preview; dedupMarker?: boolean }
  | { kind: 'timeout' | 'disconnect' | 'error'; at: number; message?: string }
  | { kind: 'pending' }
  | { kind: 'none' }; // no ack id on the packet (fire-and-forget)

export interface AttemptInfo {
  /** The emit (record `op` id) this attempt belongs to. */
  emit: string;
  /** 1-based try number within its emit. */
  try: number;
  ackId: number | null;
  sentAt: number;
  buffered?: boolean;
  flushed?: boolean;
  end: AttemptEnd;
  /** Acks that arrived after socket.io gave up on this attempt (proof the server ran it). */
  lateAcks: Array<{ at: number; latency: number; args?: Preview; dedupMarker?: boolean }>;
}

export interface Evidence {
  /** What this piece of evidence proves, in words. */
  note: string;
  emit?: string;
  ackId?: number | null;
  try?: number;
  at?: number;
}

/** One logical operation: all attempts of one emit, plus emits linked by key / as possible app retries. */
export interface Operation {
  /** Stable id: the record op id of its first emit. */
  id: string;
  /** Human name of the socket: namespace and client instance, e.g. "/admin #2". Stable across reconnects. */
  socket: string;
  client: string;
  nsp: string;
  event: string;
  /** Idempotency key (stringified) or null. */
  key: string | null;
  keyPath: string | null;
  /** Emit (record op) ids in this logical operation, in order. */
  emits: string[];
  /** How separate emits were linked: by idempotency key (confirmed same op) or payload (possible app retry). */
  linkedBy: 'key' | 'payload' | null;
  /** Number of sends (attempts) over all emits. */
  attempts: number;
  chain: AttemptInfo[];
  firstSend: number;
  lastActivity: number;
  outcome: Outcome;
  reason?: string;
  duplicate: DuplicateVerdict;
  /** One plain sentence explaining the duplicate verdict and outcome. */
  explanation: string;
  evidence: Evidence[];
  /** ms from first send to the first on-time ack, else null. */
  latency: number | null;
  args: Preview | null;
  ackArgs: Preview | null;
  hash?: string;
  flags?: { timeout?: number; volatile?: boolean; compress?: boolean };
  queued: boolean;
  stack?: CallSite[];
  /** Key announced by an `ackscope:dedup` event from the server for this operation (added in issue 4). */
  dedupEvent?: string;
  /** socket.id / engine sid at first send, for matching server logs. */
  sid?: string;
  engineSid?: string;
}

export interface Finding {
  rule: string;
  severity: Severity;
  /** Socket name (see Operation.socket) when the finding is per socket. */
  socket?: string;
  client?: string;
  message: string;
  evidence: unknown;
  fix?: string;
  /** Operation ids involved. */
  ops?: string[];
}

export interface LatencyStats {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface GroupStats {
  operations: number;
  acked: number;
  timedOut: number;
  failed: number;
  pending: number;
  sent: number;
  retried: number;
  duplicates: { confirmed: number; possible: number; serverDeduplicated: number };
  latency: LatencyStats;
  timeoutRate: number;
  retryRate: number;
}

export interface SocketInfo {
  client: string;
  socket: string;
  nsp: string;
  url: string;
  manager: string;
  frame: string;
  opts: OptionSnapshot;
  libVersion?: string;
  sid?: string;
  engineSid?: string;
  /** Connection intervals for the timeline band. */
  connection: Array<{ state: 'connected' | 'disconnected' | 'reconnecting'; from: number; to: number | null; reason?: string }>;
  uptimeMs: number;
  disconnectReasons: Record<string, number>;
}

export interface Analysis {
  operations: Operation[];
  findings: Finding[];
  sockets: SocketInfo[];
  stats: {
    total: GroupStats;
    bySocket: Record<string, GroupStats>;
    byEvent: Record<string, GroupStats>;
  };
  recommended: {
    clientConfig: Record<string, unknown>;
    clientSnippet: string;
    serverSnippetMemory: string;
    serverSnippetRedis: string;
  };
  /** Problems with the input (unknown kinds, acks without send, gaps...), never thrown. */
  diagnostics: string[];
  counts: { error: number; warning: number; info: number };
}

/**
 * Incremental analyzer (implemented in ./index.ts). Feeding the same records in any
 * chunking gives the same result as `analyze(all)`.
 */
export interface Analyzer {
  readonly config: AnalysisConfig;
  /**
   * Add records (any order within reason; duplicates by (frame, seq) are ignored). Returns ids
   * of operations whose summary changed; `removed` lists those of them that no longer exist
   * (merged into another operation when a linking emit arrived): delete their stored rows.
   */
  push(records: readonly import('../protocol').Rec[]): { changed: string[]; removed?: string[] };
  /** Current operation summary by id. */
  operation(id: string): Operation | undefined;
  /** Full result (operations in order of first send). */
  result(): Analysis;
}
