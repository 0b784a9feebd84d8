import { describe, it, expect } from 'vitest';
import * as v from 'valibot';
import { RecordSchema, RecordHeadSchema } from '../../src/core/record-schema';
import { fastRecordOk, recordHeadOk } from '../../src/core/record-fast';
import { frameRecords } from './storage/records';

const schemaOk = (x: unknown) => v.safeParse(RecordSchema, x).success;

/** Typical records of every hot kind, with optional fields present. */
function samples(): Record<string, unknown>[] {
  const base = frameRecords('F1', { ops: 2 }) as unknown as Record<string, unknown>[];
  const emit = base.find((r) => r.kind === 'emit')!;
  return [
    ...base,
    { ...emit, stack: [{ url: 'http://x/app.js', line: 3, col: 9, fn: 'send' }, { url: 'http://x/app.js', line: 1, col: 1 }], hash: 'abc', queueDepth: 2, flags: { timeout: 300, volatile: false, compress: true } },
    { ...emit, args: { json: '[1]', size: 3, truncated: false, binary: { count: 1, bytes: 10 } }, error: 'boom', extra: { any: 1 } },
    { v: 1, kind: 'attempt', frame: 'F1', seq: 9, t: 1, client: 'c', op: 'o', try: 2, ackId: null, buffered: true, flushed: true, queueDepth: 0, args: { json: '[]', size: 2, truncated: true } },
    { v: 1, kind: 'settle', frame: 'F1', seq: 10, t: 1, client: 'c', op: 'o', outcome: 'failed', reason: 'operation has timed out' },
    { v: 1, kind: 'ack', frame: 'F1', seq: 11, t: 1, client: 'c', ackId: 3, late: true, args: { json: '[]', size: 2, truncated: false } },
  ];
}

/** Values that break one field in some way. */
const BAD: unknown[] = [undefined, null, NaN, Infinity, -1, 1.5, 0, 1, 2, '', 'x'.repeat(129), 'x'.repeat(4097), true, [], {}, [{}], { json: 1 }];

describe('fastRecordOk (worker fast path)', () => {
  it('accepts the common records of every hot kind (and the schema agrees)', () => {
    for (const r of samples()) {
      expect(schemaOk(r), JSON.stringify(r)).toBe(true);
      if (['emit', 'attempt', 'ack', 'settle'].includes(r.kind as string)) expect(fastRecordOk(r), JSON.stringify(r)).toBe(true);
    }
  });

  it('never accepts what the schema rejects: every field of every sample replaced by odd values', () => {
    let checked = 0;
    for (const r of samples()) {
      const keys = new Set([...Object.keys(r), 'args', 'stack', 'flags', 'hash', 'error', 'op', 'queueDepth', 'reason', 'latency', 'buffered']);
      for (const k of keys) {
        for (const bad of BAD) {
          const m = { ...r, [k]: bad };
          if (fastRecordOk(m)) expect(schemaOk(m), `${k}=${JSON.stringify(bad)} in ${r.kind}`).toBe(true);
          checked++;
        }
        // Nested objects too: previews, flags, call sites.
        const inner = r[k];
        const obj = Array.isArray(inner) ? inner[0] : inner;
        if (obj && typeof obj === 'object') {
          for (const ik of new Set([...Object.keys(obj), 'binary', 'fn', 'timeout'])) {
            for (const bad of BAD) {
              const io = { ...(obj as object), [ik]: bad };
              const m = { ...r, [k]: Array.isArray(inner) ? [io] : io };
              if (fastRecordOk(m)) expect(schemaOk(m), `${k}.${ik}=${JSON.stringify(bad)} in ${r.kind}`).toBe(true);
              checked++;
            }
          }
        }
      }
      expect(fastRecordOk({ ...r, kind: 'nope' })).toBe(false);
    }
    expect(checked).toBeGreaterThan(1000);
    expect(fastRecordOk(null)).toBe(false);
    expect(fastRecordOk([])).toBe(false);
  });

  it('leaves other kinds to the schema', () => {
    for (const r of frameRecords('F1', { ops: 0 })) expect(fastRecordOk(r)).toBe(false);
  });
});

describe('recordHeadOk (relay check)', () => {
  it('agrees with RecordHeadSchema on valid records and on every head field replaced by odd values', () => {
    const heads = [...samples(), ...frameRecords('F1', { ops: 0 })] as Record<string, unknown>[];
    for (const r of heads) {
      expect(recordHeadOk(r)).toBe(true);
      for (const k of ['v', 'frame', 'seq', 't', 'kind']) {
        for (const bad of [...BAD, 'emit', 'nope', -0, 2 ** 53]) {
          const m = { ...r, [k]: bad };
          expect(recordHeadOk(m), `${k}=${String(bad)}`).toBe(v.is(RecordHeadSchema, m));
        }
        const { [k]: _, ...missing } = r;
        expect(recordHeadOk(missing)).toBe(v.is(RecordHeadSchema, missing));
      }
    }
    for (const x of [null, undefined, 1, 'x', []]) expect(recordHeadOk(x)).toBe(v.is(RecordHeadSchema, x));
  });
});
