// Builders for protocol records used by the storage and relay unit tests.
import type { Rec } from '../../../src/core/protocol';

export function frameRecords(frame: string, opts: { ops: number; startSeq?: number; t0?: number; acked?: boolean } ) {
  const recs: Rec[] = [];
  let seq = opts.startSeq ?? 0;
  const t0 = opts.t0 ?? 1_700_000_000_000;
  const client = `${frame}/c1`;
  if (seq === 0) {
    recs.push({ v: 1, kind: 'hook', frame, seq: seq++, t: t0, url: 'http://127.0.0.1/', top: true, userAgent: 'test', hookVersion: '0' });
    recs.push({ v: 1, kind: 'client', frame, seq: seq++, t: t0, client, manager: `${frame}/m1`, url: 'http://127.0.0.1/', nsp: '/', opts: { retries: 2, ackTimeout: 300 } });
  }
  for (let i = 0; i < opts.ops; i++) {
    const op = `${client}/o${seq}`;
    const t = t0 + seq;
    const json = JSON.stringify([{ id: seq }]);
    recs.push({ v: 1, kind: 'emit', frame, seq: seq++, t, client, op, event: 'fast', ack: true, api: 'promise', queued: false, flags: {}, args: { json, size: json.length, truncated: false } });
    recs.push({ v: 1, kind: 'attempt', frame, seq: seq++, t, client, op, try: 1, ackId: i });
    if (opts.acked !== false) {
      recs.push({ v: 1, kind: 'ack', frame, seq: seq++, t: t + 1, client, op, ackId: i, late: false, latency: 1, args: { json: '["ok"]', size: 6, truncated: false } });
      recs.push({ v: 1, kind: 'settle', frame, seq: seq++, t: t + 1, client, op, outcome: 'acked' });
    }
  }
  return recs;
}
