import type { Rec } from '../../../src/core/protocol';

const F = 'fA1';
const C = `${F}/c1`;
let seq = 0;
const base = (t: number) => ({ v: 1 as const, frame: F, seq: seq++, t });
const pv = (args: unknown[]) => {
  const json = JSON.stringify(args);
  return { json, size: json.length, truncated: false };
};

/**
 * The slow-server scenario as the hook records it: retries 2, ackTimeout 300, a handler that
 * takes 500 ms, so three attempts reach the server and their acks all arrive late.
 */
export function slowServerRecords(): Rec[] {
  seq = 0;
  const t0 = 1_764_200_000_000;
  const op = `${C}/o1`;
  const recs: Rec[] = [
    { ...base(t0), kind: 'hook', url: 'http://127.0.0.1:4000/shop?room=a&x=1', top: true, userAgent: 'Mozilla/5.0 test', hookVersion: '0.1.0' },
    {
      ...base(t0 + 1), kind: 'client', client: C, manager: `${F}/m1`, url: 'http://127.0.0.1:4000', nsp: '/',
      opts: { retries: 2, ackTimeout: 300, authPresent: true, query: { room: 'a', token: '[redacted]' } }, libVersion: '4.8.4',
    },
    { ...base(t0 + 20), kind: 'conn', client: C, event: 'connect', sid: 's1', engineSid: 'e1', transport: 'websocket' },
    {
      ...base(t0 + 100), kind: 'emit', client: C, op, event: 'order:create', ack: true, api: 'promise', queued: true, flags: {},
      args: pv([{ id: 'A1', item: 'book', card: { number: '4111111111111111', cvv: '123' }, password: 'hunter2', author: 'Ann' }]),
    },
    { ...base(t0 + 101), kind: 'attempt', client: C, op, try: 1, ackId: 0 },
    { ...base(t0 + 401), kind: 'attempt-end', client: C, op, ackId: 0, cause: 'timeout', message: 'operation has timed out' },
    { ...base(t0 + 402), kind: 'attempt', client: C, op, try: 2, ackId: 1 },
    { ...base(t0 + 601), kind: 'ack', client: C, ackId: 0, op, late: true, latency: 500, args: pv([{ ok: true, token: 'srv-tok' }]) },
    { ...base(t0 + 702), kind: 'attempt-end', client: C, op, ackId: 1, cause: 'timeout', message: 'operation has timed out' },
    { ...base(t0 + 703), kind: 'attempt', client: C, op, try: 3, ackId: 2 },
    { ...base(t0 + 902), kind: 'ack', client: C, ackId: 1, op, late: true, latency: 500, args: pv([{ ok: true }]) },
    { ...base(t0 + 1003), kind: 'attempt-end', client: C, op, ackId: 2, cause: 'timeout', message: 'operation has timed out' },
    { ...base(t0 + 1004), kind: 'settle', client: C, op, outcome: 'timed-out', reason: 'operation has timed out' },
    { ...base(t0 + 1203), kind: 'ack', client: C, ackId: 2, op, late: true, latency: 500, args: pv([{ ok: true }]) },
    // A second op, fine.
    { ...base(t0 + 1300), kind: 'emit', client: C, op: `${C}/o2`, event: 'ping', ack: true, api: 'callback', queued: true, flags: {}, args: pv([]) },
    { ...base(t0 + 1301), kind: 'attempt', client: C, op: `${C}/o2`, try: 1, ackId: 3 },
    { ...base(t0 + 1310), kind: 'ack', client: C, ackId: 3, op: `${C}/o2`, late: false, latency: 9, args: pv(['pong']) },
    { ...base(t0 + 1311), kind: 'settle', client: C, op: `${C}/o2`, outcome: 'acked', args: pv(['pong']) },
  ] as Rec[];
  return recs;
}

export const validFileText = (records: unknown[] = []) =>
  JSON.stringify({
    format: 'ackscope-session',
    version: 1,
    createdAt: '2026-11-27T04:00:00.000Z',
    sessions: [
      {
        id: 's1',
        url: 'http://x/',
        createdAt: '2026-11-27T04:00:00.000Z',
        clients: [],
        analysisConfig: { keyPaths: {}, autoKeyPaths: true, dedupMarkers: [], appRetryWindowMs: 10000, latencyMargin: 1.5 },
        redaction: { applied: false, policy: { keys: [], keyPaths: [], patterns: [] }, redactedValues: 0 },
        records,
      },
    ],
  });
