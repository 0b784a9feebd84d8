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

export interface AckState {
  rec: AckRecord;
  marker: MarkerMatch | null;
}

export interface AttemptState {
  rec: AttemptRecord;
  /** A later record for the same wire id said the buffered packet was flushed (sent). */
  flushedAt?: number;
  acks: AckState[];
  end: AttemptEndRecord | null;
}

export type BucketKind = 'key' | 'cfg' | 'hash';

/** Emits of one client and event with the same idempotency key or payload hash, sorted by (t, id). */
export interface Bucket {
  kind: BucketKind;
  items: EmitState[];
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
  /** Linked to its predecessor in the bucket (same logical operation). */
  linkPrev: boolean;
  /** Group (operation) id last reported for this emit. */
  gid: string | null;
}

export interface ClientState {
  id: string;
  rec: ClientRecord | null;
  firstT: number;
  conns: ConnRecord[];
  /** Emits with a record, sorted by (t, id). */
  emits: EmitState[];
  maxEmitT: number;
  /** Keys announced by `ackscope:dedup` events, with their times. */
  dedupKeys: Map<string, number[]>;
  dedupEvents: number;
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

/** Index of `v` in a bucket (binary search by emit order). */
export function indexIn(b: Bucket, e: EmitState): number {
  const arr = b.items;
  const last = arr.length - 1;
  if (last >= 0 && arr[last] === e) return last;
  let lo = 0;
  let hi = arr.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = emitOrder(arr[mid], e);
    if (c === 0) return arr[mid] === e ? mid : arr.indexOf(e);
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return arr.indexOf(e);
}
