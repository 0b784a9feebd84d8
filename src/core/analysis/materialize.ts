/**
 * Builds one Operation summary from the raw state of its emits (issue 4): attempt chain,
 * outcome, duplicate verdict, explanation and evidence. Depends only on the emits, their
 * client's records and `ackscope:dedup` events: never on the rest of the session, so a
 * cached summary stays valid until one of those changes.
 */
import type { Outcome, DuplicateVerdict, Preview } from '../protocol';
import type { AttemptEnd, AttemptInfo, Evidence, Operation } from './types';
import type { AckState, AttemptState, ClientState, EmitState } from './state';
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

export function materialize(members: EmitState[], linkKind: 'key' | 'payload' | null, ctx: MaterializeCtx): Operation {
  const head = members[0];
  const client = head.client;
  const cs = ctx.client(client);
  const chain: AttemptInfo[] = [];
  const evidence: Evidence[] = [];
  let firstSend = Infinity;
  let lastActivity = -Infinity;
  let firstOnTime: { at: number; args?: Preview } | null = null;
  let answered = 0;
  let answeredReal = 0;
  let unknown = 0;
  let markerAcks = 0;
  let replayKey: string | undefined;
  const answeredTries: string[] = [];
  const unknownTries: string[] = [];
  const markerTries: string[] = [];
  let n = 0;

  for (const e of members) {
    if (e.rec) lastActivity = Math.max(lastActivity, e.rec.t);
    for (const s of e.settles) lastActivity = Math.max(lastActivity, s.t);
    for (const a of sortedAttempts(e)) {
      n++;
      const ar = a.rec;
      firstSend = Math.min(firstSend, ar.t);
      lastActivity = Math.max(lastActivity, ar.t, a.flushedAt ?? -Infinity);
      const acks = sortedAcks(a);
      let end: AttemptEnd;
      const lateAcks: AttemptInfo['lateAcks'] = [];
      let onTime: AckState | null = null;
      for (const k of acks) {
        lastActivity = Math.max(lastActivity, k.rec.t);
        if (!onTime && !k.rec.late) onTime = k;
        else lateAcks.push({ at: k.rec.t, latency: ackLatency(k, a), args: k.rec.args, ...(k.marker ? { dedupMarker: true } : {}) });
      }
      const label = `attempt ${n} (wire id ${ar.ackId ?? 'none'})`;
      if (onTime) {
        end = { kind: 'ack', at: onTime.rec.t, latency: ackLatency(onTime, a), args: onTime.rec.args, ...(onTime.marker ? { dedupMarker: true } : {}) };
        if (!firstOnTime || onTime.rec.t < firstOnTime.at) firstOnTime = { at: onTime.rec.t, args: onTime.rec.args };
      } else if (a.end) {
        end = { kind: a.end.cause === 'timeout' || a.end.cause === 'disconnect' ? a.end.cause : 'error', at: a.end.t, message: a.end.message };
        lastActivity = Math.max(lastActivity, a.end.t);
      } else if (ar.ackId === null) {
        end = { kind: 'none' };
      } else {
        end = { kind: 'pending' };
      }
      if (a.end) lastActivity = Math.max(lastActivity, a.end.t);
      const info: AttemptInfo = { emit: e.id, try: ar.try, ackId: ar.ackId, sentAt: ar.t, end, lateAcks };
      if (ar.buffered) info.buffered = true;
      if (a.flushedAt !== undefined || ar.flushed) info.flushed = true;
      chain.push(info);

      const isAnswered = acks.length > 0;
      const real = acks.some((k) => !k.marker);
      const marker = acks.find((k) => k.marker);
      const undelivered = !!ar.buffered && a.flushedAt === undefined && !ar.flushed && !isAnswered;
      if (isAnswered) {
        answered++;
        answeredTries.push(label);
      }
      if (real) answeredReal++;
      if (marker) {
        markerAcks++;
        markerTries.push(label);
        if (marker.marker?.replayKey) replayKey = marker.marker.replayKey;
      }
      const isUnknown = !isAnswered && ar.ackId !== null && !undelivered;
      if (isUnknown) {
        unknown++;
        unknownTries.push(label);
      }

      // Evidence, one line per fact.
      const base = { emit: e.id, ackId: ar.ackId, try: ar.try };
      evidence.push({ ...base, at: ar.t, note: `${label} sent${ar.buffered ? ' to the send buffer' : ''}${info.flushed ? ' (flushed on reconnect)' : ''}` });
      if (onTime) {
        evidence.push({ ...base, at: onTime.rec.t, note: onTime.marker ? `ack after ${fmt(end.kind === 'ack' ? end.latency : 0)} is a dedup marker (${onTime.marker.marker}): the server recognised a repeat` : `ack after ${fmt(end.kind === 'ack' ? end.latency : 0)} proves the server ran ${label}` });
      } else if (a.end) {
        evidence.push({ ...base, at: a.end.t, note: `${label} ended by ${a.end.cause}${a.end.message ? ` ("${a.end.message}")` : ''}${isAnswered ? '' : undelivered ? '; it never left the send buffer' : ' with no answer: fate unknown'}` });
      } else if (end.kind === 'pending') {
        evidence.push({ ...base, note: `${label} has no answer yet` });
      }
      for (const k of acks) {
        if (k === onTime) continue;
        evidence.push({ ...base, at: k.rec.t, note: k.marker ? `late ack after ${fmt(ackLatency(k, a))} is a dedup marker (${k.marker.marker})` : `late ack after ${fmt(ackLatency(k, a))} (socket.io dropped it) proves the server ran ${label}` });
      }
    }
  }

  const last = members[members.length - 1];
  const { outcome, reason } = emitOutcome(last);
  const anyRec = members.find((m) => m.rec)?.rec ?? null;
  if (firstSend === Infinity) firstSend = emitT(head);
  if (lastActivity === -Infinity) lastActivity = firstSend;

  const key = head.key;
  let dedupEvent = false;
  if (key !== null && cs && cs.dedupKeys.size > 0) {
    dedupEvent = cs.dedupKeys.has(key);
    if (dedupEvent) evidence.push({ note: `the server sent ackscope:dedup for key "${key}"` });
  }
  const dedupEvidence = markerAcks > 0 || dedupEvent;
  let duplicate: DuplicateVerdict = 'none';
  if (dedupEvidence) duplicate = 'server-deduplicated';
  else if (answeredReal >= 2) duplicate = linkKind === 'payload' ? 'possible' : 'confirmed';
  else if (n >= 2 && unknown >= 1 && answered + unknown >= 2) duplicate = 'possible';

  const explanation = explain({ duplicate, outcome, reason, n, answeredTries, unknownTries, markerTries, linkKind, emits: members.length, latency: firstOnTime ? firstOnTime.at - firstSend : null, replayKey, dedupEvent });

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
  const op: Operation = {
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
    explanation,
    evidence,
    latency: firstOnTime ? firstOnTime.at - firstSend : null,
    args: anyRec?.args ?? head.attempts.find((a) => a.rec.args)?.rec.args ?? null,
    ackArgs: lastSettle?.args ?? firstOnTime?.args ?? null,
    queued: members.some((m) => !!m.rec?.queued),
  };
  if (reason !== undefined) op.reason = reason;
  if (head.hash) op.hash = head.hash;
  if (anyRec?.flags && Object.keys(anyRec.flags).length) op.flags = { ...anyRec.flags };
  if (anyRec?.stack) op.stack = anyRec.stack;
  if (sid !== undefined) op.sid = sid;
  if (engineSid !== undefined) op.engineSid = engineSid;
  return op;
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
