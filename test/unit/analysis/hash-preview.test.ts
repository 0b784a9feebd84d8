import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { canonicalHash } from '../../../src/core/hash';
import { DedupMatcher, extractKey, getPath, safeParse, previewArgs, dedupEventKey, leadingId } from '../../../src/core/preview';

/** Same value with object keys in another (reversed) order. */
function reorder(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reorder);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).reverse()) Object.defineProperty(out, k, { value: reorder((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

describe('canonicalHash', () => {
  it('does not depend on key order, does depend on values', () => {
    expect(canonicalHash('[{"a":1,"b":[1,2]}]')).toBe(canonicalHash('[{"b":[1,2],"a":1}]'));
    expect(canonicalHash('[{"a":1}]')).not.toBe(canonicalHash('[{"a":2}]'));
    expect(canonicalHash('[1,2]')).not.toBe(canonicalHash('[2,1]'));
    expect(canonicalHash('[1.0]')).toBe(canonicalHash('[1]'));
    expect(canonicalHash('["a"]')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('property: any JSON value and its reordered copy hash equally', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalHash(JSON.stringify(reorder(v)))).toBe(canonicalHash(JSON.stringify(v)));
      }),
    );
  });

  it('invalid / truncated JSON is hashed as text, never throws, differs from a valid value', () => {
    expect(canonicalHash('[{"a":1')).toBe(canonicalHash('[{"a":1'));
    expect(canonicalHash('[{"a":1')).not.toBe(canonicalHash('[{"a":1}]'));
    expect(() => canonicalHash('['.repeat(100000))).not.toThrow();
    const deep = '['.repeat(3000) + ']'.repeat(3000);
    expect(canonicalHash(deep)).toMatch(/^[0-9a-f]{16}$/);
    expect(canonicalHash(undefined as unknown as string)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('preview', () => {
  it('safeParse never throws and limits depth', () => {
    expect(safeParse('{"a":')).toBeUndefined();
    expect(safeParse('[[["x"]]]', 2)).toBeUndefined();
    expect(safeParse('[[["x"]]]', 3)).toEqual([[['x']]]);
    expect(safeParse('["[[[[["]', 1)).toEqual(['[[[[[']);
    expect(safeParse(42)).toBeUndefined();
    expect(previewArgs({ json: '[1]', size: 3, truncated: true })).toBeUndefined();
    expect(previewArgs({ json: '{"a":1}', size: 7, truncated: false })).toBeUndefined();
  });

  it('getPath reads own properties only and refuses prototype segments', () => {
    const v = JSON.parse('{"__proto__":{"id":1},"a":{"b":2}}');
    expect(getPath(v, 'a.b')).toBe(2);
    expect(getPath(v, '__proto__.id')).toBeUndefined();
    expect(getPath({}, 'constructor')).toBeUndefined();
    expect(getPath({}, 'toString')).toBeUndefined();
  });

  it('extractKey: priority, nesting, configured paths, bad values', () => {
    expect(extractKey([{ uuid: 'u', id: 'i' }], [], true)).toMatchObject({ key: 'i', path: '0.id' });
    expect(extractKey([{ data: { messageId: 5 } }], [], true)).toMatchObject({ key: '5', path: '0.data.messageId' });
    expect(extractKey([{ data: { deeper: { id: 1 } } }], [], true)).toBeNull();
    expect(extractKey([{ id: '' }], [], true)).toBeNull();
    expect(extractKey([{ id: { x: 1 } }], [], true)).toBeNull();
    expect(extractKey(['x', { ref: 'r' }], ['1.ref'], true)).toMatchObject({ key: 'r', configured: true });
    expect(extractKey([{ id: 1 }], [], false)).toBeNull();
  });

  it('DedupMatcher: default, error-first, configured, replay marker, truncated text', () => {
    const m = new DedupMatcher(['SEEN', { result: { dup: 1 } }]);
    const p = (v: unknown[]) => ({ json: JSON.stringify(v), size: 1, truncated: false });
    expect(m.match(p(['DUPLICATE']))?.marker).toBe('DUPLICATE');
    expect(m.match(p([null, 'ALREADY_PROCESSED']))?.marker).toBe('ALREADY_PROCESSED');
    expect(m.match(p([{ status: 'DUPLICATE', x: 1 }]))).not.toBeNull();
    expect(m.match(p([{ duplicate: true }]))).not.toBeNull();
    expect(m.match(p([{ duplicate: false }]))).toBeNull();
    expect(m.match(p(['SEEN']))).not.toBeNull();
    expect(m.match(p([{ result: { dup: 1, more: 2 } }]))).not.toBeNull();
    expect(m.match(p([{ ok: 1 }, { __ackscope: 'replay', key: 'k' }]))).toEqual({ marker: 'ackscope-replay', replayKey: 'k' });
    expect(m.match(p(['ok', 'DUPLICATE']))).toBeNull();
    expect(m.match({ json: '["DUPLICATE", {"big":', size: 1e6, truncated: true })?.marker).toBe('DUPLICATE');
    expect(m.match(p([{ text: 'a duplicate word' }]))).toBeNull();
    expect(dedupEventKey(p([{ key: 'k', event: 'e' }]))).toBe('k');
    expect(dedupEventKey(p(['k']))).toBeNull();
  });
});

describe('leadingId fast path agrees with extractKey', () => {
  it('property: same key as a full parse for any first-argument object', () => {
    fc.assert(
      fc.property(fc.record({ id: fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.constant(''), fc.constant('a"b\\\\c')) }, { requiredKeys: [] }), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), (head, rest) => {
        const json = JSON.stringify([{ ...head, ...rest }]);
        const fast = leadingId(json);
        const slow = extractKey(JSON.parse(json), [], true);
        if (fast !== null) expect(fast).toBe(slow?.key);
      }),
      { numRuns: 500 },
    );
    expect(leadingId('[{"id":"x1","a":1}]')).toBe('x1');
    expect(leadingId('[{"id":12.50}]')).toBe('12.5');
    expect(leadingId('[{"id":"a\\"b"}]')).toBeNull();
    expect(leadingId('[{"ids":1}]')).toBeNull();
  });
});
