/**
 * Incremental analyzer (issue 4).
 *
 * push() indexes each record in O(1) amortised (maps keyed by op id and by
 * (client, 'out', wire id)), links emits of one logical operation through sorted
 * "buckets" (same client + event + idempotency key, or + payload hash), and reports the ids
 * of operations whose summary changed. Summaries are built lazily and cached until one of
 * their emits changes; findings and stats are computed in result() in one pass over the
 * cached summaries.
 *
 * Order independence: every derived value is a function of the set of records (ties broken
 * by ids), so any chunking of the same records gives the same result().
 */
import type {
  AckRecord,
  AttemptEndRecord,
  AttemptRecord,
  ClientRecord,
  ConnRecord,
  EmitRecord,
  IncomingRecord,
  Rec,
  SettleRecord,
} from '../protocol';
import { SERVER_DEDUP_EVENT, attemptKey } from '../protocol';
import { canonicalHash } from '../hash';
import { DedupMatcher, dedupEventKey, extractKey, leadingId, mayContainAutoKey, previewArgs } from '../preview';
import type { Analysis, AnalysisConfig, Analyzer, Operation } from './types';
import type { AttemptState, Bucket, BucketKind, ClientState, EmitState } from './state';
import { bucketInsert, emitOrder, emitT, sortedInsert } from './state';
import { emitOutcome, materialize, settleOf, type MaterializeCtx } from './materialize';
import { buildReport, type ReportInput } from './report';

interface FrameState {
  /** Next expected seq: every seq below it has been seen. */
  next: number;
  lastT: number;
  /** Records that arrived ahead of a missing seq: seq -> t. */
  early: Map<number, number>;
  backwards: number;
  /** Holes given up on ([from, to) seq ranges): a late record there is still accepted. */
  skipped: Array<[number, number]>;
  skippedCount: number;
}

/** Records held back waiting for a missing seq before the hole is given up. */
const MAX_EARLY = 4096;

export interface PushResult {
  changed: string[];
  /** Ids from `changed` that no longer name an operation (merged into another one). */
  removed: string[];
}

const isStr = (v: unknown): v is string => typeof v === 'string';

// Wire ids count up from 0 per Socket: a dense array; odd values go to a map.
const MAX_DENSE_WIRE = 1 << 24;
function wireGet(c: ClientState, id: number): AttemptState | undefined {
  const a = Number.isInteger(id) && id >= 0 && id < MAX_DENSE_WIRE ? c.wireArr[id] : undefined;
  return a ?? (c.wires.size ? c.wires.get(id) : undefined);
}
function wireSet(c: ClientState, id: number, a: AttemptState): void {
  if (Number.isInteger(id) && id >= 0 && id < MAX_DENSE_WIRE && id <= c.wireArr.length + 1024) c.wireArr[id] = a;
  else c.wires.set(id, a);
}

// Shared until an emit's first settle record (fire-and-forget emits never get one).
const NO_SETTLES = Object.freeze([]) as unknown as SettleRecord[];

/** n of an op id `${client}/o${n}`, or -1 when the id has another shape. */
function opNumber(op: string, client: string): number {
  const L = client.length;
  if (op.length <= L + 2 || op.length > L + 11 || op.charCodeAt(L) !== 47 /* / */ || op.charCodeAt(L + 1) !== 111 /* o */) return -1;
  let n = 0;
  for (let i = L + 2; i < op.length; i++) {
    const d = op.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  if (n > 0x3fffffff || (op.charCodeAt(L + 2) === 48 && op.length > L + 3)) return -1;
  return op.startsWith(client) ? n : -1;
}
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export class IncrementalAnalyzer implements Analyzer {
  readonly config: AnalysisConfig;
  private readonly matcher: DedupMatcher;
  private readonly frames = new Map<string, FrameState>();
  /** Every emit state, in creation order. */
  readonly emitList: EmitState[] = [];
  /** Op ids that do not follow the protocol's `${client}/o${n}` format. */
  private readonly otherEmits = new Map<string, EmitState>();
  private emitsWithRecord = 0;
  readonly clients = new Map<string, ClientState>();
  private readonly orphanNullEnds = new Map<string, AttemptEndRecord[]>();
  /** Emits whose summary may have changed since the last flush (each also flagged `dirty`). */
  private dirty: EmitState[] = [];
  private stamp = 0;
  private resultCache: Analysis | null = null;
  private clientOrder = new Map<string, number>();
  private clientsChanged = false;
  readonly counters = {
    records: 0,
    malformed: 0,
    duplicates: 0,
    unknownKinds: new Map<string, number>(),
    wireIdReused: 0,
    extraSettles: 0,
    duplicateEmits: 0,
    gaps: [] as Array<{ where: string; dropped: number; reason: string }>,
    unsupported: [] as string[],
    hookDiags: new Map<string, number>(),
    dedupEventsUnmatched: 0,
  };
  minT = Infinity;
  maxT = -Infinity;
  private readonly ctx: MaterializeCtx;

  constructor(config: AnalysisConfig) {
    this.config = config;
    this.matcher = new DedupMatcher(config.dedupMarkers);
    this.ctx = {
      socketName: (c) => this.socketName(c),
      client: (c) => this.clients.get(c),
    };
  }

  // ---------------------------------------------------------------- push

  push(records: readonly Rec[]): PushResult {
    if (!Array.isArray(records)) {
      this.counters.malformed++;
      this.resultCache = null;
      return { changed: [], removed: [] };
    }
    for (const r of records) {
      try {
        this.ingest(r);
      } catch {
        // A record of a shape we did not foresee must never break the analysis.
        this.counters.malformed++;
      }
    }
    return this.flush();
  }

  private ingest(r: Rec): void {
    if (r === null || typeof r !== 'object' || !isStr((r as Rec).frame) || !isNum((r as Rec).seq) || !isNum((r as Rec).t) || !isStr((r as Rec).kind)) {
      this.counters.malformed++;
      return;
    }
    if (!this.accept(r.frame, r.seq, r.t)) {
      this.counters.duplicates++;
      return;
    }
    this.counters.records++;
    this.resultCache = null;
    if (r.t < this.minT) this.minT = r.t;
    if (r.t > this.maxT) this.maxT = r.t;
    switch (r.kind) {
      case 'hook':
        return;
      case 'client':
        return this.onClient(r);
      case 'conn':
        return this.onConn(r);
      case 'emit':
        return this.onEmit(r);
      case 'attempt':
        return this.onAttempt(r);
      case 'ack':
        return this.onAck(r);
      case 'attempt-end':
        return this.onAttemptEnd(r);
      case 'settle':
        return this.onSettle(r);
      case 'incoming':
        return this.onIncoming(r);
      case 'gap':
        this.counters.gaps.push({ where: String(r.where), dropped: isNum(r.dropped) ? r.dropped : 0, reason: String(r.reason ?? '') });
        return;
      case 'unsupported':
        this.counters.unsupported.push(String(r.reason ?? 'unknown reason'));
        return;
      case 'diag': {
        const code = String(r.code ?? 'unknown');
        this.counters.hookDiags.set(code, (this.counters.hookDiags.get(code) ?? 0) + (isNum(r.count) ? r.count : 1));
        return;
      }
      default: {
        const k = String((r as { kind: unknown }).kind).slice(0, 40);
        this.counters.unknownKinds.set(k, (this.counters.unknownKinds.get(k) ?? 0) + 1);
      }
    }
  }

  /** Dedup by (frame, seq) and timestamp-order check in seq order (independent of arrival order). */
  private accept(frame: string, seq: number, t: number): boolean {
    let fs = this.frames.get(frame);
    if (!fs) {
      fs = { next: 0, lastT: -Infinity, early: new Map(), backwards: 0, skipped: [], skippedCount: 0 };
      this.frames.set(frame, fs);
    }
    if (seq < fs.next) {
      // Below the high-water mark: a duplicate, unless it falls in a hole given up on.
      for (let i = 0; i < fs.skipped.length; i++) {
        const [a, b] = fs.skipped[i];
        if (seq >= a && seq < b) {
          fs.skipped.splice(i, 1, ...([[a, seq], [seq + 1, b]] as Array<[number, number]>).filter(([x, y]) => y > x));
          fs.skippedCount--;
          return true;
        }
      }
      return false;
    }
    if (fs.early.has(seq)) return false;
    if (seq !== fs.next) {
      fs.early.set(seq, t);
      // A session that starts mid-frame (or lost records) would otherwise keep every later
      // record here: past a bound, give the hole up (still counted, still fillable).
      if (fs.early.size > MAX_EARLY) {
        let min = Infinity;
        for (const k of fs.early.keys()) if (k < min) min = k;
        fs.skipped.push([fs.next, min]);
        fs.skippedCount += min - fs.next;
        fs.next = min;
        this.drain(fs);
      }
      return true;
    }
    if (t < fs.lastT) fs.backwards++;
    fs.lastT = t;
    fs.next++;
    this.drain(fs);
    return true;
  }

  private drain(fs: FrameState): void {
    while (fs.early.size > 0) {
      const et = fs.early.get(fs.next);
      if (et === undefined) break;
      fs.early.delete(fs.next);
      if (et < fs.lastT) fs.backwards++;
      fs.lastT = et;
      fs.next++;
    }
  }

  private clientState(id: string, t: number): ClientState {
    let c = this.clients.get(id);
    if (!c) {
      c = { id, rec: null, firstT: t, conns: [], emits: [], maxEmitT: -Infinity, dedupKeys: new Map(), dedupEvents: 0, wireArr: [], wires: new Map(), orphanAcks: new Map(), orphanEnds: new Map(), buckets: new Map(), ops: [] };
      this.clients.set(id, c);
      this.clientsChanged = true;
    } else if (t < c.firstT) {
      c.firstT = t;
      if (!c.rec) this.clientsChanged = true;
    }
    return c;
  }

  /** Last emit looked up: an op's records usually arrive close together. */
  private lastEmit: EmitState | null = null;

  private emitState(op: string, client: string, t: number): EmitState {
    const last = this.lastEmit;
    if (last !== null && last.id === op) return last;
    // Op ids are `${client}/o${n}` (protocol.ts): index them per client by n in an array
    // instead of hashing every id string into one big map.
    const c = this.clientState(client, t);
    const n = opNumber(op, client);
    let e = n >= 0 ? c.ops[n] : this.otherEmits.get(op);
    if (!e) {
      e = { id: op, client, rec: null, attempts: [], settles: NO_SETTLES, key: null, keyPath: null, hash: null, bucket: null, prev: null, next: null, linkPrev: false, gid: null, ghead: null, op: null, dirty: false, stamp: 0 };
      if (n >= 0) c.ops[n] = e;
      else this.otherEmits.set(op, e);
      this.emitList.push(e);
    }
    this.lastEmit = e;
    return e;
  }

  /** The emit state of an op id, or undefined. */
  emitById(id: string): EmitState | undefined {
    if (typeof id !== 'string') return undefined;
    const i = id.lastIndexOf('/o');
    if (i > 0) {
      const client = id.slice(0, i);
      const n = opNumber(id, client);
      if (n >= 0) return this.clients.get(client)?.ops[n];
    }
    return this.otherEmits.get(id);
  }

  private markDirty(e: EmitState): void {
    if (e.dirty) return;
    e.dirty = true;
    this.dirty.push(e);
  }

  private onClient(r: ClientRecord): void {
    if (!isStr(r.client)) return void this.counters.malformed++;
    const c = this.clientState(r.client, r.t);
    if (c.rec && (c.rec.t < r.t || (c.rec.t === r.t && c.rec.seq <= r.seq))) return;
    c.rec = r;
    this.clientsChanged = true;
    for (const e of c.emits) this.markDirty(e);
  }

  private onConn(r: ConnRecord): void {
    if (!isStr(r.client)) return void this.counters.malformed++;
    const c = this.clientState(r.client, r.t);
    sortedInsert(c.conns, r, (a, b) => a.t - b.t || a.seq - b.seq);
    // A connect that arrives after later emits changes their sid: refresh them.
    if (r.t <= c.maxEmitT) for (const e of c.emits) if (emitT(e) >= r.t || e.attempts.some((a) => a.rec.t >= r.t)) this.markDirty(e);
  }

  private onEmit(r: EmitRecord): void {
    if (!isStr(r.client) || !isStr(r.op) || !isStr(r.event)) return void this.counters.malformed++;
    const e = this.emitState(r.op, r.client, r.t);
    if (e.rec) {
      this.counters.duplicateEmits++;
      return;
    }
    e.rec = r;
    this.emitsWithRecord++;
    const c = this.clientState(r.client, r.t);
    sortedInsert(c.emits, e, emitOrder);
    if (r.t > c.maxEmitT) c.maxEmitT = r.t;
    this.markDirty(e);
    this.tryBucket(e);
  }

  private onAttempt(r: AttemptRecord): void {
    if (!isStr(r.client) || !isStr(r.op) || !isNum(r.try) || !(r.ackId === null || isNum(r.ackId))) return void this.counters.malformed++;
    const e = this.emitState(r.op, r.client, r.t);
    const c = this.clientState(r.client, r.t);
    if (r.ackId !== null) {
      const ex = wireGet(c, r.ackId);
      if (ex) {
        if (ex.emit === e && (r.flushed || ex.rec.flushed || r.buffered || ex.rec.buffered)) {
          // Buffered packet + its flush on reconnect: one delivery with the old wire id.
          mergeBufferedFlush(ex, r);
          if (e.rec && !e.bucket) this.tryBucket(e);
          this.changedState(e);
          return;
        }
        this.counters.wireIdReused++;
        e.attempts.push({ rec: r, emit: e, acks: [], end: null });
        this.changedState(e);
        return;
      }
      const att: AttemptState = { rec: r, emit: e, acks: [], end: null };
      e.attempts.push(att);
      wireSet(c, r.ackId, att);
      if (c.orphanAcks.size) {
        const oa = c.orphanAcks.get(r.ackId);
        if (oa) {
          c.orphanAcks.delete(r.ackId);
          for (const a of oa) att.acks.push({ rec: a, marker: this.matcher.match(a.args) });
        }
      }
      if (c.orphanEnds.size) {
        const oe = c.orphanEnds.get(r.ackId);
        if (oe) {
          c.orphanEnds.delete(r.ackId);
          for (const x of oe) this.setEnd(att, x);
        }
      }
    } else {
      // A fire-and-forget packet (no wire id) buffered while disconnected and flushed on
      // connect is one delivery too: pair the two records by emit and try number.
      if (r.buffered || r.flushed) {
        const ex = e.attempts.find(
          (a) => a.rec.ackId === null && a.rec.try === r.try && (r.flushed ? !!a.rec.buffered && !a.rec.flushed && a.flushedAt === undefined : !!a.rec.flushed && !a.rec.buffered),
        );
        if (ex) {
          mergeBufferedFlush(ex, r);
          if (r.t > c.maxEmitT) c.maxEmitT = r.t;
          if (e.rec && !e.bucket) this.tryBucket(e);
          this.changedState(e);
          return;
        }
      }
      const att: AttemptState = { rec: r, emit: e, acks: [], end: null };
      e.attempts.push(att);
      const oe = this.orphanNullEnds.get(r.op);
      if (oe?.length) {
        this.setEnd(att, oe.shift()!);
        if (!oe.length) this.orphanNullEnds.delete(r.op);
      }
    }
    if (r.t > c.maxEmitT) c.maxEmitT = r.t;
    if (e.rec && !e.bucket) this.tryBucket(e);
    this.changedState(e);
  }

  private setEnd(att: AttemptState, r: AttemptEndRecord): void {
    if (!att.end || r.t < att.end.t || (r.t === att.end.t && r.seq < att.end.seq)) att.end = r;
  }

  private onAck(r: AckRecord): void {
    if (!isStr(r.client) || !isNum(r.ackId)) return void this.counters.malformed++;
    const c = this.clientState(r.client, r.t);
    const att = wireGet(c, r.ackId);
    if (!att) {
      const list = c.orphanAcks.get(r.ackId);
      if (list) list.push(r);
      else c.orphanAcks.set(r.ackId, [r]);
      return;
    }
    att.acks.push({ rec: r, marker: this.matcher.match(r.args) });
    this.changedState(att.emit);
  }

  private onAttemptEnd(r: AttemptEndRecord): void {
    if (!isStr(r.client) || !isStr(r.op) || !(r.ackId === null || isNum(r.ackId))) return void this.counters.malformed++;
    if (r.ackId !== null) {
      const c = this.clientState(r.client, r.t);
      const att = wireGet(c, r.ackId);
      if (!att) {
        const list = c.orphanEnds.get(r.ackId);
        if (list) list.push(r);
        else c.orphanEnds.set(r.ackId, [r]);
        return;
      }
      this.setEnd(att, r);
      this.changedState(att.emit);
      return;
    }
    const e = this.emitState(r.op, r.client, r.t);
    const att = e.attempts.filter((a) => a.rec.ackId === null).sort((a, b) => a.rec.try - b.rec.try).find((a) => !a.end);
    if (!att) {
      const list = this.orphanNullEnds.get(r.op);
      if (list) list.push(r);
      else this.orphanNullEnds.set(r.op, [r]);
      return;
    }
    this.setEnd(att, r);
    this.changedState(e);
  }

  private onSettle(r: SettleRecord): void {
    if (!isStr(r.client) || !isStr(r.op)) return void this.counters.malformed++;
    const e = this.emitState(r.op, r.client, r.t);
    if (e.settles === NO_SETTLES) e.settles = [r];
    else {
      this.counters.extraSettles++;
      e.settles.push(r);
    }
    this.changedState(e);
  }

  private onIncoming(r: IncomingRecord): void {
    if (!isStr(r.client)) return void this.counters.malformed++;
    if (r.event !== SERVER_DEDUP_EVENT) return;
    const c = this.clientState(r.client, r.t);
    c.dedupEvents++;
    const key = dedupEventKey(r.args);
    if (key === null) return;
    const forms = [key];
    // The companion may prefix keys ("event:key"): also match the last segment.
    const i = key.lastIndexOf(':');
    if (i >= 0 && i < key.length - 1) forms.push(key.slice(i + 1));
    for (const f of forms) {
      const ts = c.dedupKeys.get(f);
      if (ts) ts.push(r.t);
      else c.dedupKeys.set(f, [r.t]);
      // Emits with that key (any event): found through the key buckets, no extra index.
      for (const byKind of c.buckets.values()) {
        for (const m of [byKind.key, byKind.cfg]) {
          const b = m.get(f);
          for (let e = b?.head ?? null; e; e = e.next) this.markDirty(e);
        }
      }
    }
  }

  /** An emit's own state changed: its summary and the link to its successor may change. */
  private changedState(e: EmitState): void {
    this.markDirty(e);
    if (e.bucket && e.next) this.relink(e.bucket, e.next);
  }

  // ---------------------------------------------------------------- linking

  private tryBucket(e: EmitState): void {
    const r = e.rec;
    if (!r || e.bucket || r.error || !(r.ack || r.queued)) return;
    let args = r.args;
    if (!args) {
      let best: AttemptState | undefined;
      for (const a of e.attempts) if (a.rec.args && (!best || a.rec.try < best.rec.try)) best = a;
      args = best?.rec.args;
      // Wait for the first attempt's preview; a packet still in the send buffer has none yet
      // (socket.io encodes it when it is flushed on connect).
      if (!args && (e.attempts.length === 0 || e.attempts.every((a) => a.rec.buffered && !a.rec.flushed && a.flushedAt === undefined))) return;
    }
    const json = args && typeof args.json === 'string' ? args.json : '';
    const paths = this.pathsFor(r.event);
    let kind: BucketKind = 'hash';
    const fast = paths.length === 0 && this.config.autoKeyPaths && args && !args.truncated ? leadingId(json) : null;
    if (fast !== null) {
      e.key = fast;
      e.keyPath = '0.id';
      kind = 'key';
    } else if (paths.length || (this.config.autoKeyPaths && mayContainAutoKey(json))) {
      const m = extractKey(previewArgs(args), paths, this.config.autoKeyPaths);
      if (m) {
        e.key = m.key;
        e.keyPath = m.path;
        kind = m.configured ? 'cfg' : 'key';
      }
    }
    e.hash = isStr(r.hash) && r.hash ? r.hash : canonicalHash(json);
    // Nested maps (client -> event -> kind -> value): no key strings built per emit.
    const c = this.clientState(r.client, r.t);
    let byKind = c.buckets.get(r.event);
    if (!byKind) c.buckets.set(r.event, (byKind = { key: new Map(), cfg: new Map(), hash: new Map() }));
    const m = byKind[kind];
    const v = kind === 'hash' ? e.hash : e.key!;
    let b = m.get(v);
    if (!b) m.set(v, (b = { kind, head: null, tail: null }));
    bucketInsert(b, e);
    e.bucket = b;
    // The inserted emit may split an existing link between its neighbours.
    this.relink(b, e);
    if (e.next) this.relink(b, e.next);
  }

  private readonly pathCache = new Map<string, string[]>();
  private pathsFor(event: string): string[] {
    let p = this.pathCache.get(event);
    if (!p) {
      const own = Object.prototype.hasOwnProperty.call(this.config.keyPaths, event) ? this.config.keyPaths[event] : undefined;
      const any = Object.prototype.hasOwnProperty.call(this.config.keyPaths, '*') ? this.config.keyPaths['*'] : undefined;
      p = [...(Array.isArray(own) ? own : []), ...(Array.isArray(any) ? any : [])];
      this.pathCache.set(event, p);
    }
    return p;
  }

  /** When the app saw success for an emit, or null. */
  private successAt(a: EmitState): number | null {
    const s = settleOf(a);
    if (s) return s.outcome === 'acked' ? s.t : null;
    if (a.rec && !a.rec.queued) {
      let t: number | null = null;
      for (const at of a.attempts) for (const k of at.acks) if (!k.rec.late && (t === null || k.rec.t < t)) t = k.rec.t;
      return t;
    }
    return null;
  }

  /** When the app saw a timeout/failure for an emit, or null. */
  private failAt(a: EmitState): number | null {
    const s = settleOf(a);
    if (s) return s.outcome !== 'acked' ? s.t : null;
    if (a.rec && !a.rec.queued) {
      let t: number | null = null;
      for (const at of a.attempts) if (at.end && at.end.cause === 'timeout' && (t === null || at.end.t < t)) t = at.end.t;
      return t;
    }
    return null;
  }

  private linkPred(kind: BucketKind, a: EmitState, b: EmitState): boolean {
    const tb = emitT(b);
    if (kind === 'cfg') return true;
    if (kind === 'key') {
      // An app does not retry an op it saw succeed: a later emit with the same
      // auto-detected key after success is a new request (e.g. a repeated read).
      const s = this.successAt(a);
      return s === null || s > tb;
    }
    const f = this.failAt(a);
    return f !== null && f <= tb && tb - f <= this.config.appRetryWindowMs;
  }

  private relink(b: Bucket, e: EmitState): void {
    const p = e.prev;
    const v = p !== null && this.linkPred(b.kind, p, e);
    if (v === e.linkPrev) return;
    e.linkPrev = v;
    // Group membership changes from the predecessor rightwards along the run.
    if (p) this.markDirty(p);
    this.markDirty(e);
    for (let n = e.next; n && n.linkPrev; n = n.next) this.markDirty(n);
  }

  groupHead(e: EmitState): EmitState {
    let h = e;
    while (h.linkPrev && h.prev) h = h.prev;
    return h;
  }

  private members(head: EmitState): EmitState[] {
    const out = [head];
    for (let n = head.next; n && n.linkPrev; n = n.next) out.push(n);
    return out;
  }

  // ---------------------------------------------------------------- naming

  private refreshClientOrder(): void {
    if (!this.clientsChanged) return;
    this.clientsChanged = false;
    const list = [...this.clients.values()].sort((a, b) => {
      const ta = a.rec ? a.rec.t : a.firstT;
      const tb = b.rec ? b.rec.t : b.firstT;
      return ta - tb || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    });
    const next = new Map<string, number>();
    list.forEach((c, i) => next.set(c.id, i + 1));
    let renamed = false;
    for (const [id, n] of this.clientOrder) if (next.get(id) !== n) renamed = true;
    this.clientOrder = next;
    for (const c of list) c.name = `${c.rec?.nsp ?? '?'} #${next.get(c.id)}`;
    if (renamed) for (const e of this.emitList) this.markDirty(e);
  }

  socketName(client: string): string {
    return this.clients.get(client)?.name ?? '? #?';
  }

  // ---------------------------------------------------------------- output

  private flush(): PushResult {
    this.refreshClientOrder();
    if (this.dirty.length === 0) return { changed: [], removed: [] };
    const stamp = ++this.stamp;
    const changed: string[] = [];
    const heads: EmitState[] = [];
    // Report each affected group head once (stamp instead of a Set) and drop its summary.
    const report = (h: EmitState) => {
      if (h.stamp === stamp) return;
      h.stamp = stamp;
      h.op = null;
      changed.push(h.id);
      heads.push(h);
    };
    const dirty = this.dirty;
    this.dirty = [];
    for (const e of dirty) {
      e.dirty = false;
      const g = this.groupHead(e);
      if (e.ghead !== null && e.ghead !== g) report(e.ghead);
      e.gid = g.id;
      e.ghead = g;
      report(g);
    }
    const removed: string[] = [];
    for (const h of heads) if (this.groupHead(h) !== h) removed.push(h.id);
    return { changed, removed };
  }

  operation(id: string): Operation | undefined {
    const e = this.emitById(id);
    return e ? this.opOf(e) : undefined;
  }

  private opOf(e: EmitState): Operation | undefined {
    if (e.op) return e.op;
    if (this.groupHead(e) !== e) return undefined;
    this.refreshClientOrder();
    const members = this.members(e);
    const kind = e.bucket && members.length > 1 ? (e.bucket.kind === 'hash' ? 'payload' : 'key') : null;
    return (e.op = materialize(members, kind, this.ctx));
  }

  result(): Analysis {
    if (this.dirty.length) this.flush();
    if (this.resultCache) return this.resultCache;
    const ops: Operation[] = [];
    let sorted = true;
    for (const e of this.emitList) {
      if (e.linkPrev && e.prev) continue; // not a group head
      const op = e.op ?? this.opOf(e);
      if (!op) continue;
      const last = ops[ops.length - 1];
      if (last && (last.firstSend > op.firstSend || (last.firstSend === op.firstSend && last.id > op.id))) sorted = false;
      ops.push(op);
    }
    // Emits are mostly stored in send order already: sort only when needed.
    if (!sorted) ops.sort((a, b) => a.firstSend - b.firstSend || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const input: ReportInput = {
      config: this.config,
      ops,
      clients: this.clients,
      socketName: (c) => this.socketName(c),
      sessionEnd: this.maxT === -Infinity ? 0 : this.maxT,
      diagnostics: this.diagnostics(),
      emitOutcome,
    };
    this.resultCache = buildReport(input);
    return this.resultCache;
  }

  private diagnostics(): string[] {
    const d: string[] = [];
    const c = this.counters;
    if (c.malformed) d.push(`${c.malformed} malformed record(s) ignored (missing frame, seq, t or kind, or wrong field types).`);
    for (const [k, n] of [...c.unknownKinds].sort()) d.push(`${n} record(s) of unknown kind "${k}" ignored (written by a newer AckScope?).`);
    if (c.duplicates) d.push(`${c.duplicates} duplicate record(s) (same frame and seq) ignored.`);
    let backwards = 0;
    let missing = 0;
    const holes: string[] = [];
    for (const [frame, fs] of [...this.frames].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      backwards += fs.backwards;
      if (fs.skippedCount) {
        missing += fs.skippedCount;
        holes.push(`${frame} before seq ${fs.skipped[fs.skipped.length - 1][1]}`);
      }
      if (fs.early.size) {
        let max = -1;
        for (const s of fs.early.keys()) if (s > max) max = s;
        const m = max + 1 - fs.next - fs.early.size;
        missing += m;
        holes.push(`${frame} from seq ${fs.next}`);
      }
    }
    if (backwards) d.push(`${backwards} record(s) with a timestamp earlier than the record before them in the same frame (analysed by time anyway).`);
    if (missing) d.push(`${missing} record(s) missing in sequence (${holes.slice(0, 3).join('; ')}${holes.length > 3 ? '; ...' : ''}): the session is truncated or records were lost; verdicts near the hole may be incomplete.`);
    let orphanAcks = 0;
    let orphanEnds = 0;
    const examples: string[] = [];
    for (const [id, cs] of [...this.clients].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      for (const [w, l] of cs.orphanAcks) {
        orphanAcks += l.length;
        if (examples.length < 3) examples.push(attemptKey(id, 'out', w));
      }
      for (const l of cs.orphanEnds.values()) orphanEnds += l.length;
    }
    if (orphanAcks) d.push(`${orphanAcks} ack(s) for a wire id with no recorded send (${examples.join(', ')}): not attributed to any operation.`);
    for (const l of this.orphanNullEnds.values()) orphanEnds += l.length;
    if (orphanEnds) d.push(`${orphanEnds} attempt end(s) with no recorded send.`);
    const noEmit = this.emitList.length - this.emitsWithRecord;
    if (noEmit) d.push(`${noEmit} operation(s) have attempts or settles but no emit record (start of session missing?): shown with event "?".`);
    if (c.duplicateEmits) d.push(`${c.duplicateEmits} emit record(s) reused an op id already seen and were ignored.`);
    if (c.wireIdReused) d.push(`${c.wireIdReused} attempt(s) reused a wire id already used by another send on the same socket.`);
    if (c.extraSettles) d.push(`${c.extraSettles} extra settle record(s) for an already settled operation (the first one counts).`);
    // Sorted: diagnostics must not depend on arrival order.
    d.push(...c.gaps.map((g) => `Gap: ${g.dropped} record(s) dropped in the ${g.where}${g.reason ? ` (${g.reason})` : ''}.`).sort());
    d.push(...c.unsupported.map((u) => `Unsupported client: ${u}.`).sort());
    for (const [code, n] of [...c.hookDiags].sort()) d.push(`Hook diagnostic ${code} (${n}).`);
    return d;
  }
}

/**
 * A packet buffered while disconnected and its flush on connect are one delivery. Keep the
 * buffered record (its send time is when the app emitted) and the flush time, and keep the
 * encoded args, which only the flush record carries.
 */
function mergeBufferedFlush(ex: AttemptState, r: AttemptRecord): void {
  if (ex.rec.flushed && !r.flushed) {
    ex.flushedAt = ex.rec.t;
    ex.rec = r.args || !ex.rec.args ? r : { ...r, args: ex.rec.args };
  } else {
    ex.flushedAt = Math.min(ex.flushedAt ?? Infinity, r.t);
    if (!ex.rec.args && r.args) ex.rec = { ...ex.rec, args: r.args };
  }
}
