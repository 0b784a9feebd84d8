/**
 * Builds one Operation summary from the raw state of its emits (issue 4): attempt chain,
 * outcome, duplicate verdict, explanation and evidence. Depends only on the emits, their
 * client's records and `ackscope:dedup` events: never on the rest of the session, so a
 * cached summary stays valid until one of those changes.
 */
import type { Outcome, DuplicateVerdict, Preview } from '../protocol';
import type { AttemptEnd, AttemptInfo, Evidence, Operation } from './types';
import { SERVER_REPLAY_MARKER_KEY } from '../protocol';
import type { AckState, AttemptState, ClientState, EmitState } from './state';
import { previewArgs } from '../preview';
import { emitT } from './state';

export interface MaterializeCtx {
  socketName(client: string): string;
  client(id: string): ClientState | undefined;
}

function bySeqT(a: { t: number; seq: number }, b: { t: number; seq: number }): number {
  return a.t - b.t || a.seq - b.seq;
}

function sortedAttempts(e: EmitState): AttemptState[] {
  if (e.attempts.length < 2) return e.attempts;
  return [...e.attempts].sort((a, b) => a.rec.try - b.rec.try || bySeqT(a.rec, b.rec));
}

function sortedAcks(a: AttemptState): AckState[] {
  if (a.acks.length < 2) return a.acks;
  return [...a.acks].sort((x, y) => bySeqT(x.rec, y.rec));
}

function ackLatency(ack: AckState, a: AttemptState): number {
  const l = ack.rec.latency;
  return typeof l === 'number' && Number.isFinite(l) ? l : ack.rec.t - a.rec.t;
}

export function settleOf(e: EmitState) {
  if (e.settles.length === 0) return null;
  if (e.settles.length === 1) return e.settles[0];
  return [...e.settles].sort(bySeqT)[0];
}

/** Outcome of one emit as the app saw it. */
export function emitOutcome(e: EmitState): { outcome: Outcome; reason?: string } {
  const r = e.rec;
  if (r?.error) return { outcome: 'failed', reason: r.error };
  const s = settleOf(e);
  if (s) {
    let outcome: Outcome = s.outcome === 'acked' || s.outcome === 'timed-out' || s.outcome === 'failed' ? s.outcome : 'failed';
    // 'timed-out' is reserved for a single emit with its own timer; a retried emit that
    // ran out of tries failed.
    if (outcome === 'timed-out' && r?.queued) outcome = 'failed';
    return s.reason !== undefined ? { outcome, reason: String(s.reason) } : { outcome };
  }
  if (r && !r.ack && !r.queued) return { outcome: e.attempts.length > 0 ? 'sent' : 'pending' };
  if (r && !r.queued) {
    // No settle record but socket.io had a callback for an on-time ack: it resolved.
    for (const a of e.attempts) for (const k of a.acks) if (!k.rec.late) return { outcome: 'acked' };
  }
  return { outcome: 'pending' };
}

const fmt = (ms: number) => `${Math.round(ms)} ms`;

function joinWords(xs: string[]): string {
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

function times(n: number): string {
  return n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`;
}

// Shared by every attempt without late acks (most of them): one allocation fewer each.
const NO_LATE = Object.freeze([]) as unknown as AttemptInfo['lateAcks'];

/** Facts about one attempt, derived from the chain entry alone. */
function attemptFacts(a: AttemptInfo) {
  const answered = a.end.kind === 'ack' || a.lateAcks.length > 0;
  const real = (a.end.kind === 'ack' && !a.end.dedupMarker) || a.lateAcks.some((l) => !l.dedupMarker);
  const marker = (a.end.kind === 'ack' && !!a.end.dedupMarker) || a.lateAcks.some((l) => l.dedupMarker);
  const undelivered = !!a.buffered && !a.flushed && !answered;
  const unknown = !answered && a.ackId !== null && !undelivered;
  return { answered, real, marker, undelivered, unknown };
}

export function materialize(members: EmitState[], linkKind: 'key' | 'payload' | null, ctx: MaterializeCtx): Operation {
  const head = members[0];
  const client = head.client;
  const cs = ctx.client(client);
  const chain: AttemptInfo[] = [];
  let firstSend = Infinity;
  let lastActivity = -Infinity;
  let onTimeAt = Infinity;
  let onTimeArgs: Preview | undefined;
  let answered = 0;
  let answeredReal = 0;
  let unknown = 0;
  let markerAcks = 0;

  for (const e of members) {
    if (e.rec && e.rec.t > lastActivity) lastActivity = e.rec.t;
    for (const s of e.settles) if (s.t > lastActivity) lastActivity = s.t;
    for (const a of sortedAttempts(e)) {
      const ar = a.rec;
      if (ar.t < firstSend) firstSend = ar.t;
      if (ar.t > lastActivity) lastActivity = ar.t;
      if (a.flushedAt !== undefined && a.flushedAt > lastActivity) lastActivity = a.flushedAt;
      if (a.end && a.end.t > lastActivity) lastActivity = a.end.t;
      const acks = sortedAcks(a);
      let onTime: AckState | null = null;
      let lateAcks = NO_LATE;
      let real = false;
      let marker = false;
      for (const k of acks) {
        if (k.rec.t > lastActivity) lastActivity = k.rec.t;
        if (k.marker) marker = true;
        else real = true;
        if (!onTime && !k.rec.late) onTime = k;
        else {
          if (lateAcks === NO_LATE) lateAcks = [];
          const l: AttemptInfo['lateAcks'][number] = { at: k.rec.t, latency: ackLatency(k, a), args: k.rec.args };
          if (k.marker) l.dedupMarker = true;
          lateAcks.push(l);
        }
      }
      let end: AttemptEnd;
      if (onTime) {
        end = { kind: 'ack', at: onTime.rec.t, latency: ackLatency(onTime, a), args: onTime.rec.args };
        if (onTime.marker) end.dedupMarker = true;
        if (onTime.rec.t < onTimeAt) {
          onTimeAt = onTime.rec.t;
          onTimeArgs = onTime.rec.args;
        }
      } else if (a.end) {
        end = { kind: a.end.cause === 'timeout' || a.end.cause === 'disconnect' ? a.end.cause : 'error', at: a.end.t, message: a.end.message };
      } else if (ar.ackId === null) {
        end = { kind: 'none' };
      } else {
        end = { kind: 'pending' };
      }
      const info: AttemptInfo = { emit: e.id, try: ar.try, ackId: ar.ackId, sentAt: ar.t, end, lateAcks };
      if (ar.buffered) info.buffered = true;
      if (a.flushedAt !== undefined || ar.flushed) info.flushed = true;
      chain.push(info);
      const isAnswered = acks.length > 0;
      const undelivered = !!ar.buffered && !info.flushed && !isAnswered;
      if (isAnswered) answered++;
      if (real) answeredReal++;
      if (marker) markerAcks++;
      if (!isAnswered && ar.ackId !== null && !undelivered) unknown++;
    }
  }
  const n = chain.length;
  const last = members[members.length - 1];
  const { outcome, reason } = emitOutcome(last);
  const anyRec = head.rec ?? members.find((m) => m.rec)?.rec ?? null;
  if (firstSend === Infinity) firstSend = emitT(head);
  if (lastActivity === -Infinity) lastActivity = firstSend;

  const key = head.key;
  const dedupEvent = key !== null && cs !== undefined && cs.dedupKeys.size > 0 && cs.dedupKeys.has(key);
  let duplicate: DuplicateVerdict = 'none';
  if (markerAcks > 0 || dedupEvent) duplicate = 'server-deduplicated';
  else if (answeredReal >= 2) duplicate = linkKind === 'payload' ? 'possible' : 'confirmed';
  else if (n >= 2 && unknown >= 1 && answered + unknown >= 2) duplicate = 'possible';

  // sid / engine sid in effect at the first send (last connect before it).
  let sid: string | undefined;
  let engineSid: string | undefined;
  if (cs) {
    for (const c of cs.conns) {
      if (c.t > firstSend) break;
      if (c.event === 'connect') {
        sid = c.sid;
        engineSid = c.engineSid;
      }
    }
  }

  const lastSettle = settleOf(last);
  const op = {
    id: head.id,
    socket: ctx.socketName(client),
    client,
    nsp: cs?.rec?.nsp ?? '?',
    event: anyRec?.event ?? '?',
    key,
    keyPath: head.keyPath,
    emits: members.map((m) => m.id),
    linkedBy: members.length > 1 ? linkKind : null,
    attempts: n,
    chain,
    firstSend,
    lastActivity,
    outcome,
    duplicate,
    latency: onTimeAt !== Infinity ? onTimeAt - firstSend : null,
    args: anyRec?.args ?? head.attempts.find((a) => a.rec.args)?.rec.args ?? null,
    ackArgs: lastSettle?.args ?? onTimeArgs ?? null,
    queued: members.some((m) => !!m.rec?.queued),
  } as Operation;
  if (reason !== undefined) op.reason = reason;
  if (head.hash) op.hash = head.hash;
  if (anyRec?.flags && (anyRec.flags.timeout !== undefined || anyRec.flags.volatile !== undefined || anyRec.flags.compress !== undefined)) op.flags = anyRec.flags;
  if (anyRec?.stack) op.stack = anyRec.stack;
  if (sid !== undefined) op.sid = sid;
  if (engineSid !== undefined) op.engineSid = engineSid;
  if (dedupEvent) op.dedupEvent = key!;
  // explanation and evidence are derived from the fields above, on first read: a
  // million-record session builds them only for the operations someone looks at (or stores).
  Object.defineProperties(op, LAZY);
  return op;
}

const LAZY_EXPLANATION = Symbol('explanation');
const LAZY_EVIDENCE = Symbol('evidence');
type Memo = Operation & { [LAZY_EXPLANATION]?: string; [LAZY_EVIDENCE]?: Evidence[] };

/** Non-enumerable memo: invisible to structured clone, JSON and deep equality. */
function memo<T>(op: object, k: symbol, v: T): T {
  Object.defineProperty(op, k, { value: v, writable: true, configurable: true, enumerable: false });
  return v;
}

const LAZY: PropertyDescriptorMap = {
  explanation: {
    enumerable: true,
    configurable: true,
    get(this: Memo) {
      return this[LAZY_EXPLANATION] ?? memo(this, LAZY_EXPLANATION, explainOp(this));
    },
    set(this: Memo, v: string) {
      memo(this, LAZY_EXPLANATION, v);
    },
  },
  evidence: {
    enumerable: true,
    configurable: true,
    get(this: Memo) {
      return this[LAZY_EVIDENCE] ?? memo(this, LAZY_EVIDENCE, evidenceOf(this));
    },
    set(this: Memo, v: Evidence[]) {
      memo(this, LAZY_EVIDENCE, v);
    },
  },
};

const label = (a: AttemptInfo, i: number) => `attempt ${i + 1} (wire id ${a.ackId ?? 'none'})`;
const short = (p?: Preview) => (p && typeof p.json === 'string' ? (p.json.length > 60 ? `${p.json.slice(0, 57)}...` : p.json) : '');

function replayKeyOf(p?: Preview): string | undefined {
  for (const a of previewArgs(p) ?? []) {
    if (a && typeof a === 'object' && (a as Record<string, unknown>)[SERVER_REPLAY_MARKER_KEY] === 'replay') {
      const k = (a as Record<string, unknown>).key;
      if (typeof k === 'string') return k;
    }
  }
  return undefined;
}

function evidenceOf(op: Operation): Evidence[] {
  const ev: Evidence[] = [];
  op.chain.forEach((a, i) => {
    const f = attemptFacts(a);
    const l = label(a, i);
    const base = { emit: a.emit, ackId: a.ackId, try: a.try };
    ev.push({ ...base, at: a.sentAt, note: `${l} sent${a.buffered ? ' to the send buffer' : ''}${a.flushed ? ' (flushed on reconnect)' : ''}` });
    if (a.end.kind === 'ack') {
      ev.push({ ...base, at: a.end.at, note: a.end.dedupMarker ? `ack after ${fmt(a.end.latency)} is a dedup marker (${short(a.end.args)}): the server recognised a repeat` : `ack after ${fmt(a.end.latency)} proves the server ran ${l}` });
    } else if (a.end.kind === 'timeout' || a.end.kind === 'disconnect' || a.end.kind === 'error') {
      ev.push({ ...base, at: a.end.at, note: `${l} ended by ${a.end.kind}${a.end.message ? ` ("${a.end.message}")` : ''}${f.answered ? '' : f.undelivered ? '; it never left the send buffer' : ' with no answer: fate unknown'}` });
    } else if (a.end.kind === 'pending') {
      ev.push({ ...base, note: `${l} has no answer yet` });
    }
    for (const k of a.lateAcks)
      ev.push({ ...base, at: k.at, note: k.dedupMarker ? `late ack after ${fmt(k.latency)} is a dedup marker (${short(k.args)})` : `late ack after ${fmt(k.latency)} (socket.io dropped it) proves the server ran ${l}` });
  });
  if (op.dedupEvent !== undefined) ev.push({ note: `the server sent ackscope:dedup for key "${op.dedupEvent}"` });
  return ev;
}

function explainOp(op: Operation): string {
  const answeredTries: string[] = [];
  const unknownTries: string[] = [];
  const markerTries: string[] = [];
  let replayKey: string | undefined;
  op.chain.forEach((a, i) => {
    const f = attemptFacts(a);
    if (f.answered) answeredTries.push(label(a, i));
    if (f.unknown) unknownTries.push(label(a, i));
    if (f.marker) {
      markerTries.push(label(a, i));
      replayKey ??= replayKeyOf(a.end.kind === 'ack' && a.end.dedupMarker ? a.end.args : a.lateAcks.find((l) => l.dedupMarker)?.args);
    }
  });
  return explain({
    duplicate: op.duplicate,
    outcome: op.outcome,
    reason: op.reason,
    n: op.attempts,
    answeredTries,
    unknownTries,
    markerTries,
    linkKind: op.linkedBy,
    emits: op.emits.length,
    latency: op.latency,
    replayKey,
    dedupEvent: op.dedupEvent !== undefined,
  });
}
interface ExplainIn {
  duplicate: DuplicateVerdict;
  outcome: Outcome;
  reason?: string;
  n: number;
  answeredTries: string[];
  unknownTries: string[];
  markerTries: string[];
  linkKind: 'key' | 'payload' | null;
  emits: number;
  latency: number | null;
  replayKey?: string;
  dedupEvent: boolean;
}

function outcomeWords(o: Outcome, reason?: string): string {
  switch (o) {
    case 'acked':
      return 'the app got its ack';
    case 'timed-out':
      return 'the app saw it time out';
    case 'failed':
      return `the app saw it fail${reason ? ` ("${reason}")` : ''}`;
    case 'pending':
      return 'it has not settled';
    case 'sent':
      return 'no ack was asked for';
  }
}

function explain(x: ExplainIn): string {
  const sends = `${x.emits > 1 ? `${x.emits} emits ${x.linkKind === 'key' ? 'with the same idempotency key' : 'with an identical payload after a timeout'}, ` : ''}sent ${times(x.n)}`;
  switch (x.duplicate) {
    case 'server-deduplicated':
      return `Sent ${times(x.n)}; the server recognised a repeat (${x.markerTries.length ? `dedup marker in the ack of ${joinWords(x.markerTries)}` : 'ackscope:dedup event'}${x.replayKey ? `, key "${x.replayKey}"` : ''}), so the work ran once and ${outcomeWords(x.outcome, x.reason)}.`;
    case 'confirmed':
      return `The server ran this operation ${times(x.answeredTries.length)}: acks came back for ${joinWords(x.answeredTries)}, and ${outcomeWords(x.outcome, x.reason)}.`;
    case 'possible':
      if (x.linkKind === 'payload' && x.answeredTries.length >= 2)
        return `Possible app-level retry: ${sends}; acks came back for ${joinWords(x.answeredTries)}, so the server may have run the same work ${times(x.answeredTries.length)}, and ${outcomeWords(x.outcome, x.reason)}.`;
      return `Possible duplicate: ${sends}, and ${joinWords(x.unknownTries)} ended with no answer, so the server may have run it more than once; ${outcomeWords(x.outcome, x.reason)}.`;
    default:
      if (x.outcome === 'acked' && x.n === 1) return `Acked on the first attempt${x.latency !== null ? ` after ${fmt(x.latency)}` : ''}.`;
      if (x.outcome === 'sent') return `Sent ${times(x.n)} without asking for an ack.`;
      if (x.n === 0) return `Never sent: ${outcomeWords(x.outcome, x.reason)}.`;
      return `${sends[0].toUpperCase()}${sends.slice(1)} with no sign of a second execution; ${outcomeWords(x.outcome, x.reason)}.`;
  }
}
