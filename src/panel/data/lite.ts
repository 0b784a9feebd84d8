import type { Operation } from '../../core/analysis/types';
import type { OpLite, TryLite } from './source';

export function toLite(op: Operation): OpLite {
  let lateAcks = 0;
  const tries: TryLite[] = [];
  for (const a of op.chain ?? []) {
    const e = a.end;
    const endAt = e.kind === 'pending' || e.kind === 'none' ? NaN : e.at;
    const late = (a.lateAcks ?? []).map((l) => l.at);
    lateAcks += late.length;
    tries.push({ sentAt: a.sentAt, endAt, end: e.kind, wireId: a.ackId, late });
  }
  return {
    id: op.id,
    socket: op.socket,
    client: op.client,
    nsp: op.nsp,
    event: op.event,
    key: op.key,
    attempts: op.attempts,
    outcome: op.outcome,
    duplicate: op.duplicate,
    latency: op.latency,
    firstSend: op.firstSend,
    lastActivity: op.lastActivity,
    lateAcks,
    tries,
    text: `${op.event}\u0000${op.socket}\u0000${op.key ?? ''}\u0000${op.id}\u0000${op.args?.json?.slice(0, 200) ?? ''}`.toLowerCase(),
  };
}

/** Ops sorted by first send (stable by id). */
export function byFirstSend(a: OpLite, b: OpLite): number {
  return a.firstSend - b.firstSend || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
