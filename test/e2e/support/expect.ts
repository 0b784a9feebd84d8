/**
 * What the capture e2e tests expect in IndexedDB for each scenario of pages/scenarios.mjs,
 * as compact record signatures per socket (client). Timing-dependent interleavings (late
 * acks vs the next attempt) are compared as multisets plus causal order checks.
 */
import type { Rec } from '../../../src/core/protocol';

export function sig(r: Rec): string {
  switch (r.kind) {
    case 'client':
      return `client ${r.nsp} retries=${r.opts.retries ?? '-'} ackTimeout=${r.opts.ackTimeout ?? '-'}`;
    case 'conn':
      return `conn ${r.event}${r.reason ? ' ' + r.reason : ''}`;
    case 'emit':
      return `emit ${r.event} api=${r.api} ack=${r.ack} queued=${r.queued} flags=${JSON.stringify(r.flags)} args=${r.args?.json}`;
    case 'attempt':
      return `attempt try=${r.try} ackId=${r.ackId}`;
    case 'attempt-end':
      return `end ackId=${r.ackId} ${r.cause}: ${r.message}`;
    case 'ack':
      return `ack ackId=${r.ackId} late=${r.late} args=${r.args.json}`;
    case 'settle':
      return `settle ${r.outcome}${r.reason ? ' ' + r.reason : ''}${r.args ? ' args=' + r.args.json : ''}`;
    default:
      return r.kind;
  }
}

const connect = 'conn connect';
const fastAck = (id: number, ackId = 0) => `ack ackId=${ackId} late=false args=[{"ok":true,"echo":{"id":${id}}}]`;

/** Expected signatures per client, in scenario order (each scenario opens fresh sockets). */
export function expected(names: string[], id0: number): string[][] {
  const out: string[][] = [];
  let id = id0;
  for (const n of names) {
    switch (n) {
      case 'fast':
        out.push([
          'client / retries=- ackTimeout=-',
          connect,
          `emit fast api=promise ack=true queued=false flags={} args=[{"id":${id}}]`,
          'attempt try=1 ackId=0',
          fastAck(id),
          `settle acked args=[{"ok":true,"echo":{"id":${id}}}]`,
        ]);
        break;
      case 'slowRetries': {
        const late = (k: number) => `ack ackId=${k} late=true args=[{"ok":true,"id":"${id}"}]`;
        out.push([
          'client / retries=2 ackTimeout=300',
          connect,
          `emit slow api=promise ack=true queued=true flags={} args=[{"id":${id},"delay":500}]`,
          ...[0, 1, 2].flatMap((k) => [`attempt try=${k + 1} ackId=${k}`, `end ackId=${k} timeout: operation has timed out`, late(k)]),
          'settle failed operation has timed out',
        ]);
        break;
      }
      case 'never':
        out.push([
          'client / retries=- ackTimeout=-',
          connect,
          `emit never api=promise ack=true queued=false flags={"timeout":300} args=[{"id":${id}}]`,
          'attempt try=1 ackId=0',
          'end ackId=0 timeout: operation has timed out',
          'settle timed-out operation has timed out',
        ]);
        break;
      case 'timeoutCb':
        out.push([
          'client / retries=- ackTimeout=-',
          connect,
          `emit never api=callback ack=true queued=false flags={"timeout":300} args=[{"id":${id}}]`,
          'attempt try=1 ackId=0',
          'end ackId=0 timeout: operation has timed out',
          'settle timed-out operation has timed out',
          `emit fast api=callback ack=true queued=false flags={"timeout":2000} args=[{"id":${id + 1}}]`,
          'attempt try=1 ackId=1',
          fastAck(id + 1, 1),
          `settle acked args=[{"ok":true,"echo":{"id":${id + 1}}}]`,
        ]);
        break;
      case 'disconnect':
        out.push([
          'client / retries=2 ackTimeout=5000',
          connect,
          `emit slow api=promise ack=true queued=true flags={} args=[{"id":${id},"delay":400}]`,
          'attempt try=1 ackId=0',
          'conn disconnect forced close',
          'end ackId=0 disconnect: socket has been disconnected',
          'conn reconnect_attempt',
          'conn reconnect',
          connect,
          'attempt try=2 ackId=1',
          `ack ackId=1 late=false args=[{"ok":true,"id":"${id}"}]`,
          `settle acked args=[{"ok":true,"id":"${id}"}]`,
        ]);
        break;
      case 'namespaces':
        out.push([
          'client / retries=- ackTimeout=-',
          connect,
          `emit fast api=promise ack=true queued=false flags={} args=[{"id":${id}}]`,
          'attempt try=1 ackId=0',
          fastAck(id),
          `settle acked args=[{"ok":true,"echo":{"id":${id}}}]`,
        ]);
        out.push([
          'client /admin retries=- ackTimeout=-',
          connect,
          `emit fast api=promise ack=true queued=false flags={} args=[{"id":${id + 1}}]`,
          'attempt try=1 ackId=0',
          fastAck(id + 1),
          `settle acked args=[{"ok":true,"echo":{"id":${id + 1}}}]`,
        ]);
        break;
      default:
        throw new Error('unknown scenario ' + n);
    }
    id += 10;
  }
  return out;
}

/** Server handler executions each scenario must cause (the demo server counts them). */
export function expectedExecutions(names: string[], id0: number): Record<string, number> {
  const out: Record<string, number> = {};
  let id = id0;
  for (const n of names) {
    if (n === 'fast') out[`/ fast ${id}`] = 1;
    if (n === 'slowRetries') out[`/ slow ${id}`] = 3; // retried 3 times: the server ran it 3 times
    if (n === 'never') out[`/ never ${id}`] = 1;
    if (n === 'timeoutCb') Object.assign(out, { [`/ never ${id}`]: 1, [`/ fast ${id + 1}`]: 1 });
    if (n === 'disconnect') out[`/ slow ${id}`] = 2; // first run's ack lost with the connection, re-sent once
    if (n === 'namespaces') Object.assign(out, { [`/ fast ${id}`]: 1, [`/admin fast ${id + 1}`]: 1 });
    id += 10;
  }
  return out;
}

/** Group a frame's socket records by client, in client creation order. */
export function byClient(recs: Rec[]): Rec[][] {
  const order: string[] = [];
  const m = new Map<string, Rec[]>();
  for (const r of [...recs].sort((a, b) => a.seq - b.seq)) {
    const c = (r as { client?: string }).client;
    if (!c) continue;
    if (!m.has(c)) {
      m.set(c, []);
      order.push(c);
    }
    m.get(c)!.push(r);
  }
  return order.map((c) => m.get(c)!);
}

/** Causal order inside one client: attempt before its end/ack, settle after every attempt. */
export function causalProblems(recs: Rec[]): string[] {
  const problems: string[] = [];
  const sentAt = new Map<number, number>();
  let lastAttempt = -1;
  for (const r of [...recs].sort((a, b) => a.seq - b.seq)) {
    if (r.kind === 'attempt' && r.ackId !== null) {
      sentAt.set(r.ackId, r.seq);
      lastAttempt = r.seq;
    }
    if ((r.kind === 'ack' || r.kind === 'attempt-end') && r.ackId !== null && !sentAt.has(r.ackId))
      problems.push(`${r.kind} for ackId ${r.ackId} before its attempt`);
    if (r.kind === 'settle' && r.seq < lastAttempt) problems.push('settle before the last attempt');
  }
  return problems;
}
