/**
 * Raw per-record state of the incremental analyzer (issue 4). Everything here is a function
 * of the *set* of records pushed, never of their arrival order: summaries are derived from
 * it on demand (see materialize.ts), which is what makes `analyze(all)` equal any chunked
 * sequence of `push` calls.
 */
import type {
  AckRecord,
  AttemptEndRecord,
  AttemptRecord,
  ClientRecord,
  ConnRecord,
  EmitRecord,
  SettleRecord,
} from '../protocol';
import type { MarkerMatch } from '../preview';
import type { Operation } from './types';

export interface AckState {
  rec: AckRecord;
  marker: MarkerMatch | null;
}

export interface AttemptState {
  rec: AttemptRecord;
  emit: EmitState;
  /** A later record for the same wire id said the buffered packet was flushed (sent). */
  flushedAt?: number;
  acks: AckState[];
  end: AttemptEndRecord | null;
}

export type BucketKind = 'key' | 'cfg' | 'hash';

/**
 * Emits of one client and event with the same idempotency key or payload hash, as a doubly
 * linked list sorted by (t, id): inserting at the tail (the usual case) and walking to a
 * neighbour are O(1), and nothing is ever searched.
 */
export interface Bucket {
  kind: BucketKind;
  head: EmitState | null;
  tail: EmitState | null;
}

export interface EmitState {
  id: string;
  client: string;
  rec: EmitRecord | null;
  attempts: AttemptState[];
  settles: SettleRecord[];
  /** Ends that named this op but whose wire id has no attempt (yet). */
  key: string | null;
  keyPath: string | null;
  hash: string | null;
  bucket: Bucket | null;
  /** Neighbours in the bucket. */
  prev: EmitState | null;
  next: EmitState | null;
  /** Linked to its predecessor in the bucket (same logical operation). */
  linkPrev: boolean;
  /** Group (operation) id last reported for this emit, and its head. */
  gid: string | null;
  ghead: EmitState | null;
  /** Cached summary while this emit heads its group and nothing changed. */
  op: Operation | null;
  /** Queued for the next flush. */
  dirty: boolean;
  /** Flush stamp: reported once per flush. */
  stamp: number;
}

export interface ClientState {
  id: string;
  /** Socket name, e.g. "/admin #2" (namespace and per-session index). */
  name?: string;
  rec: ClientRecord | null;
  firstT: number;
  conns: ConnRecord[];
  /** Emits with a record, sorted by (t, id). */
  emits: EmitState[];
  maxEmitT: number;
  /** Keys announced by `ackscope:dedup` events, with their times. */
  dedupKeys: Map<string, number[]>;
  dedupEvents: number;
  /** Outgoing wire id -> the attempt that used it (ack ids are per Socket and direction): dense part. */
  wireArr: AttemptState[];
  /** Wire ids that do not fit the dense array. */
  wires: Map<number, AttemptState>;
  /** Emits by the n of their op id `${client}/o${n}`. */
  ops: EmitState[];
  /** Acks / attempt ends whose wire id has no recorded attempt (yet). */
  orphanAcks: Map<number, AckRecord[]>;
  orphanEnds: Map<number, AttemptEndRecord[]>;
  /** event -> bucket kind -> key or payload hash -> bucket. */
  buckets: Map<string, Record<BucketKind, Map<string, Bucket>>>;
}

/** Order of emits: app call time, then op id (total, deterministic). */
export function emitOrder(a: EmitState, b: EmitState): number {
  const ta = emitT(a);
  const tb = emitT(b);
  if (ta !== tb) return ta - tb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function emitT(e: EmitState): number {
  if (e.rec) return e.rec.t;
  let t = Infinity;
  for (const a of e.attempts) if (a.rec.t < t) t = a.rec.t;
  for (const s of e.settles) if (s.t < t) t = s.t;
  return t === Infinity ? 0 : t;
}

/** Insert keeping `arr` sorted by `cmp`; appends in O(1) when in order (the usual case). */
export function sortedInsert<T>(arr: T[], v: T, cmp: (a: T, b: T) => number): number {
  let hi = arr.length;
  if (hi === 0 || cmp(arr[hi - 1], v) <= 0) {
    arr.push(v);
    return hi;
  }
  let lo = 0;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(arr[mid], v) <= 0) lo = mid + 1;
    else hi = mid;
  }
  arr.splice(lo, 0, v);
  return lo;
}

/** Insert `e` into its bucket's sorted list, searching from the tail. */
export function bucketInsert(b: Bucket, e: EmitState): void {
  let after = b.tail;
  while (after && emitOrder(after, e) > 0) after = after.prev;
  e.prev = after;
  e.next = after ? after.next : b.head;
  if (e.next) e.next.prev = e;
  else b.tail = e;
  if (after) after.next = e;
  else b.head = e;
}
