import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { analyze, createAnalyzer } from '../../../src/core/analysis';
import type { Rec } from '../../../src/core/protocol';
import { Session } from './builder';

function slowSession() {
  const s = new Session();
  const c = s.client('/', { retries: 1, ackTimeout: 300 });
  const o = s.emit(c, 'pay', [{ id: 'x' }], { queued: true });
  const w1 = s.attempt(o)!;
  s.wait(300).end(o, w1);
  const w2 = s.attempt(o)!;
  s.wait(100).ack(c, w1, ['ok'], { late: true });
  s.wait(200).ack(c, w2, ['ok'], { late: true }).end(o, w2).settle(o, 'failed');
  return { s, c, o };
}

describe('bad input: analysed as far as possible, with a diagnostic, never a throw', () => {
  it('unknown record kinds', () => {
    const { s, o } = slowSession();
    s.raw({ kind: 'from-the-future', foo: 1 }).raw({ kind: 'from-the-future' });
    const a = analyze(s.records);
    expect(a.operations[0]).toMatchObject({ id: o, duplicate: 'confirmed' });
    expect(a.diagnostics.join('\n')).toMatch(/2 record\(s\) of unknown kind "from-the-future"/);
  });

  it('acks without a send, attempt ends without a send', () => {
    const s = new Session();
    const c = s.client();
    s.ack(c, 41, ['ok']).ack(c, 42, ['ok'], { op: `${c}/o7` }).end(`${c}/o8`, 43);
    const a = analyze(s.records);
    expect(a.operations).toEqual([]);
    expect(a.diagnostics.join('\n')).toMatch(/2 ack\(s\) for a wire id with no recorded send/);
    expect(a.diagnostics.join('\n')).toMatch(/1 attempt end\(s\) with no recorded send/);
  });

  it('out-of-order timestamps within a frame', () => {
    const { s, o } = slowSession();
    const recs = s.records.map((r, i) => (i === 3 ? { ...r, t: r.t - 10_000 } : r)) as Rec[];
    const a = analyze(recs);
    expect(a.operations.find((x) => x.id === o)?.duplicate).toBe('confirmed');
    expect(a.diagnostics.join('\n')).toMatch(/timestamp earlier than the record before/);
  });

  it('truncated session: missing head (no emit/client records) and missing tail', () => {
    const { s, o } = slowSession();
    const tail = s.records.slice(4); // hook, client, emit, first attempt lost
    const a = analyze(tail);
    expect(a.operations).toHaveLength(1);
    expect(a.operations[0]).toMatchObject({ id: o, event: '?', socket: '? #1' });
    expect(a.diagnostics.join('\n')).toMatch(/missing in sequence/);
    expect(a.diagnostics.join('\n')).toMatch(/no emit record/);
    const head = s.records.slice(0, 5);
    const b = analyze(head);
    expect(b.operations[0].outcome).toBe('pending');
    expect(b.diagnostics.join('\n')).toMatch(/still pending at the end of the session/);
  });

  it('a frame seen from the middle: bounded waiting, hole reported, late records still accepted', () => {
    const s = new Session();
    const c = s.client();
    for (let i = 0; i < 3000; i++) {
      const o = s.emit(c, 'x', [i]);
      const w = s.attempt(o)!;
      s.wait(1).ack(c, w, ['ok']).settle(o, 'acked');
    }
    const recs = s.records;
    const an = createAnalyzer();
    an.push(recs.slice(10)); // the first 10 records (hook, client, first emits) come last
    const mid = an.result();
    expect(mid.diagnostics.join('\n')).toMatch(/10 record\(s\) missing in sequence/);
    an.push(recs.slice(0, 10));
    const a = an.result();
    expect(a.operations).toHaveLength(3000);
    expect(a.operations[0]).toMatchObject({ event: 'x', outcome: 'acked', socket: '/ #1' });
    expect(a.diagnostics.join('\n')).not.toMatch(/missing in sequence/);
    expect(a).toEqual(analyze(recs));
  });

  it('op ids of another shape and huge or odd wire ids still match', () => {
    const s = new Session();
    const c = s.client();
    for (const [op, w] of [['custom-op', 5], [`${c}/o007`, 1e9], [`${c}/o7`, -3], [`${c}/o8`, 2.5]] as const) {
      s.raw({ kind: 'emit', client: c, op, event: 'x', ack: true, api: 'promise', queued: false, flags: {}, args: { json: '[1]', size: 3, truncated: false } });
      s.raw({ kind: 'attempt', client: c, op, try: 1, ackId: w });
      s.wait(3).raw({ kind: 'ack', client: c, ackId: w, late: false, latency: 3, args: { json: '["ok"]', size: 6, truncated: false } });
    }
    const an = createAnalyzer();
    an.push(s.records);
    const a = an.result();
    expect(a.operations).toHaveLength(4);
    expect(a.operations.every((o) => o.chain[0].end.kind === 'ack' && o.outcome === 'acked')).toBe(true);
    expect(an.operation('custom-op')?.event).toBe('x');
    expect(an.operation(`${c}/o007`)?.chain[0].ackId).toBe(1e9);
    expect(an.operation('nope/o1')).toBeUndefined();
  });

  it('garbage values, wrong field types, non-array input', () => {
    const { s } = slowSession();
    const junk = [null, 3, 'x', [], {}, { kind: 'emit' }, { v: 1, frame: 'f1', seq: 'a', t: 1, kind: 'emit' }, { v: 1, frame: 'z', seq: 0, t: 1, kind: 'emit', client: 5 }, { v: 1, frame: 'z', seq: 1, t: 1, kind: 'ack', client: 'z/c1', ackId: 'nope' }] as unknown as Rec[];
    const an = createAnalyzer();
    expect(() => an.push(junk)).not.toThrow();
    expect(() => an.push(null as unknown as Rec[])).not.toThrow();
    an.push(s.records);
    const a = an.result();
    expect(a.operations).toHaveLength(1);
    expect(a.diagnostics.join('\n')).toMatch(/malformed record/);
  });

  it('hostile previews: truncated, deep, __proto__ payloads', () => {
    const s = new Session();
    const c = s.client();
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    s.raw({ kind: 'emit', client: c, op: `${c}/o1`, event: 'x', ack: true, api: 'promise', queued: false, flags: {}, args: { json: deep, size: deep.length, truncated: false } });
    s.raw({ kind: 'emit', client: c, op: `${c}/o2`, event: 'x', ack: true, api: 'promise', queued: false, flags: {}, args: { json: '[{"__proto__":{"id":"evil"},"id":', size: 999, truncated: true } });
    s.raw({ kind: 'emit', client: c, op: `${c}/o3`, event: 'x', ack: true, api: 'promise', queued: false, flags: {}, args: { json: '[{"__proto__":{"polluted":true},"constructor":{"id":1}}]', size: 60, truncated: false } });
    s.raw({ kind: 'attempt', client: c, op: `${c}/o1`, try: 1, ackId: 0 });
    s.raw({ kind: 'ack', client: c, ackId: 0, late: false, args: { json: 12 } });
    const a = analyze(s.records, { keyPaths: { x: ['__proto__.polluted'] } });
    expect(a.operations).toHaveLength(3);
    expect(a.operations.every((o) => o.key === null)).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a bad imported config falls back to defaults', () => {
    const { s } = slowSession();
    const a = analyze(s.records, { keyPaths: 7 as never, dedupMarkers: 'x' as never, appRetryWindowMs: -1, latencyMargin: NaN });
    expect(a.operations[0].duplicate).toBe('confirmed');
  });

  it('fuzz: random objects never make push or result throw', () => {
    const recArb = fc.record(
      {
        v: fc.constant(1),
        frame: fc.constantFrom('f1', 'f2'),
        seq: fc.nat(50),
        t: fc.oneof(fc.double(), fc.nat()),
        kind: fc.constantFrom('hook', 'client', 'conn', 'emit', 'attempt', 'ack', 'attempt-end', 'settle', 'incoming', 'gap', 'unsupported', 'diag', 'weird'),
        client: fc.constantFrom('f1/c1', 'f2/c1', 5 as unknown as string),
        op: fc.constantFrom('f1/c1/o1', 'f1/c1/o2', undefined as unknown as string),
        event: fc.constantFrom('a', 'ackscope:dedup', 'connect', 'disconnect'),
        ackId: fc.oneof(fc.nat(3), fc.constant(null)),
        try: fc.nat(4),
        late: fc.boolean(),
        outcome: fc.constantFrom('acked', 'failed', 'timed-out', 'bogus'),
        cause: fc.constantFrom('timeout', 'disconnect', 'error'),
        args: fc.oneof(fc.constant(undefined), fc.record({ json: fc.oneof(fc.json(), fc.string()), size: fc.nat(), truncated: fc.boolean() })),
        ack: fc.boolean(),
        queued: fc.boolean(),
        flags: fc.oneof(fc.constant({}), fc.record({ timeout: fc.nat(1000) })),
        opts: fc.oneof(fc.constant({}), fc.record({ retries: fc.nat(5), ackTimeout: fc.nat(1000) })),
      },
      { requiredKeys: ['frame', 'seq', 't', 'kind'] },
    );
    fc.assert(
      fc.property(fc.array(recArb, { maxLength: 60 }), (recs) => {
        const an = createAnalyzer();
        an.push(recs as unknown as Rec[]);
        const r = an.result();
        expect(Array.isArray(r.operations)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
