import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { analyze, createAnalyzer } from '../../../src/core/analysis';
import type { Operation } from '../../../src/core/analysis';
import type { Rec } from '../../../src/core/protocol';
import { Session, chunk } from './builder';

type Fate = 'ack' | 'late' | 'none' | 'marker' | 'disconnect';
interface OpScript {
  client: number;
  event: string;
  payload: unknown;
  plain: boolean;
  timeout: boolean;
  fates: Fate[];
  settle: boolean;
  gap: number;
}
interface Script {
  clients: Array<{ nsp: string; retries: number; ackTimeout: number }>;
  ops: OpScript[];
  noise: Array<'orphan-ack' | 'unknown-kind' | 'dedup-event'>;
}

const scriptArb: fc.Arbitrary<Script> = fc.record({
  clients: fc.array(fc.record({ nsp: fc.constantFrom('/', '/admin'), retries: fc.constantFrom(0, 1, 2), ackTimeout: fc.constantFrom(100, 300) }), { minLength: 1, maxLength: 3 }),
  ops: fc.array(
    fc.record({
      client: fc.nat(2),
      event: fc.constantFrom('a', 'b', 'ping'),
      payload: fc.constantFrom({}, { id: 'k1' }, { id: 'k2' }, { text: 'x' }, { order: { requestId: 9 } }),
      plain: fc.boolean(),
      timeout: fc.boolean(),
      fates: fc.array(fc.constantFrom<Fate>('ack', 'late', 'none', 'marker', 'disconnect'), { minLength: 0, maxLength: 3 }),
      settle: fc.boolean(),
      gap: fc.integer({ min: 0, max: 3000 }),
    }),
    { maxLength: 25 },
  ),
  noise: fc.array(fc.constantFrom<'orphan-ack' | 'unknown-kind' | 'dedup-event'>('orphan-ack', 'unknown-kind', 'dedup-event'), { maxLength: 3 }),
});

/** Records for a script, following socket.io-client 4.8's sequence of events. */
function build(sc: Script): Rec[] {
  const s = new Session();
  const clients = sc.clients.map((c) => {
    const id = s.client(c.nsp, c.retries ? { retries: c.retries, ackTimeout: c.ackTimeout } : {});
    s.connect(id);
    return { id, ...c };
  });
  for (const o of sc.ops) {
    const c = clients[o.client % clients.length];
    s.wait(o.gap);
    const queued = c.retries > 0;
    const ack = !o.plain;
    const op = s.emit(c.id, o.event, [o.payload], { queued, ack, flags: o.timeout && !queued ? { timeout: c.ackTimeout } : {} });
    let acked = false;
    const fates = queued ? o.fates.slice(0, c.retries + 1) : o.fates.slice(0, 1);
    for (const f of fates) {
      const w = s.attempt(op, { noAck: !ack && !queued });
      if (w === null) break;
      if (f === 'ack' || f === 'marker') {
        s.wait(20).ack(c.id, w, f === 'marker' ? ['DUPLICATE'] : [null, 'ok']);
        acked = true;
        break;
      }
      if (f === 'disconnect') {
        s.wait(10).end(op, w, 'disconnect').disconnect(c.id).wait(50).connect(c.id);
        continue;
      }
      s.wait(c.ackTimeout).end(op, w);
      if (f === 'late') s.wait(30).ack(c.id, w, ['ok'], { late: true, op: null });
    }
    if (o.settle && (ack || queued)) s.settle(op, acked ? 'acked' : queued ? 'failed' : 'timed-out');
  }
  for (const n of sc.noise) {
    if (n === 'orphan-ack') s.ack(clients[0].id, 999, ['stray']);
    else if (n === 'unknown-kind') s.raw({ kind: 'future-kind', x: 1 });
    else s.incoming(clients[0].id, 'ackscope:dedup', [{ key: 'k1' }]);
  }
  return s.records;
}

function shuffle<T>(arr: readonly T[], seed: number): T[] {
  const a = [...arr];
  let x = seed >>> 0 || 1;
  for (let i = a.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

const answered = (op: Operation) => op.chain.filter((a) => (a.end.kind === 'ack' && !a.end.dedupMarker) || a.lateAcks.some((l) => !l.dedupMarker)).length;

describe('properties (fast-check)', () => {
  it('every attempt belongs to exactly one operation', () => {
    fc.assert(
      fc.property(scriptArb, (sc) => {
        const recs = build(sc);
        const a = analyze(recs);
        const seen = new Map<string, number>();
        for (const op of a.operations) for (const at of op.chain) {
          const k = `${at.emit}|${at.try}|${at.ackId}`;
          seen.set(k, (seen.get(k) ?? 0) + 1);
        }
        const attempts = recs.filter((r) => r.kind === 'attempt');
        expect(seen.size).toBe(attempts.length);
        for (const r of attempts) if (r.kind === 'attempt') expect(seen.get(`${r.op}|${r.try}|${r.ackId}`)).toBe(1);
        // Every emit is in exactly one operation too.
        const emits = a.operations.flatMap((o) => o.emits);
        expect(new Set(emits).size).toBe(emits.length);
        expect(emits.length).toBe(recs.filter((r) => r.kind === 'emit').length);
      }),
      { numRuns: 200 },
    );
  });

  it('confirmed implies two or more answered attempts; possible implies two or more sends', () => {
    fc.assert(
      fc.property(scriptArb, (sc) => {
        for (const op of analyze(build(sc)).operations) {
          if (op.duplicate === 'confirmed') {
            expect(answered(op)).toBeGreaterThanOrEqual(2);
            expect(op.linkedBy).not.toBe('payload');
          }
          if (op.duplicate === 'possible') expect(op.attempts).toBeGreaterThanOrEqual(2);
          expect(op.explanation.length).toBeGreaterThan(10);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('analysis of a session equals the incremental analysis in any chunking (and tracked changes)', () => {
    fc.assert(
      fc.property(scriptArb, fc.array(fc.nat(400), { maxLength: 8 }), (sc, cuts) => {
        const recs = build(sc);
        const full = analyze(recs);
        const an = createAnalyzer();
        // What a service worker would persist: only changed operations, deleting removed ones.
        const mirror = new Map<string, Operation>();
        for (const part of chunk(recs, cuts)) {
          const { changed, removed } = an.push(part);
          for (const id of changed) {
            const op = an.operation(id);
            if (op) mirror.set(id, op);
            else mirror.delete(id);
          }
          for (const id of removed ?? []) expect(an.operation(id)).toBeUndefined();
        }
        const inc = an.result();
        expect(inc).toEqual(full);
        expect([...mirror.values()].sort((x, y) => x.firstSend - y.firstSend || (x.id < y.id ? -1 : 1))).toEqual(full.operations);
      }),
      { numRuns: 150 },
    );
  });

  it('records arriving out of order across chunks reach the same result', () => {
    fc.assert(
      fc.property(scriptArb, fc.integer(), fc.array(fc.nat(400), { maxLength: 6 }), (sc, seed, cuts) => {
        const recs = build(sc);
        const full = analyze(recs);
        const an = createAnalyzer();
        for (const part of chunk(shuffle(recs, seed), cuts)) an.push(part);
        expect(an.result()).toEqual(full);
      }),
      { numRuns: 150 },
    );
  });

  it('intermediate results equal a fresh analysis of the prefix (cache invalidation)', () => {
    fc.assert(
      fc.property(scriptArb, fc.array(fc.nat(400), { minLength: 1, maxLength: 5 }), (sc, cuts) => {
        const recs = build(sc);
        const an = createAnalyzer();
        let n = 0;
        for (const part of chunk(recs, cuts)) {
          an.push(part);
          n += part.length;
          expect(an.result()).toEqual(analyze(recs.slice(0, n)));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('re-sent records (same frame and seq) are ignored', () => {
    fc.assert(
      fc.property(scriptArb, fc.nat(400), (sc, k) => {
        const recs = build(sc);
        const an = createAnalyzer();
        an.push(recs);
        an.push(recs.slice(k % (recs.length || 1)));
        const r = an.result();
        const full = analyze(recs);
        expect(r.operations).toEqual(full.operations);
        expect(r.findings).toEqual(full.findings);
      }),
      { numRuns: 50 },
    );
  });
});
