import { describe, it, expect } from 'vitest';
import { parseFilter, compileFilter, narrows, textCandidates } from '../../src/panel/filter';
import type { OpLite } from '../../src/panel/data/source';

function op(p: Partial<OpLite>): OpLite {
  const base = {
    id: 'f/c1/o1', socket: '/ #1', client: 'f/c1', nsp: '/', event: 'order:create', key: 'ord-1', attempts: 1, outcome: 'acked',
    duplicate: 'none', latency: 10, firstSend: 0, lastActivity: 10, lateAcks: 0, tries: [], ...p,
  } as OpLite;
  base.text = `${base.event}\u0000${base.socket}\u0000${base.key ?? ''}\u0000${base.id}`.toLowerCase();
  return base;
}
const OPS = [
  op({ id: 'a', event: 'order:create', key: 'ord-1' }),
  op({ id: 'b', event: 'order:create', key: 'ord-2', attempts: 3, duplicate: 'confirmed', outcome: 'failed', lateAcks: 3 }),
  op({ id: 'c', event: 'ping', key: null, socket: '/admin #2', nsp: '/admin', client: 'f/c2' }),
  op({ id: 'd', event: 'shipping', key: null, outcome: 'timed-out', attempts: 2, duplicate: 'possible' }),
  op({ id: 'e', event: 'order', key: 'x', duplicate: 'server-deduplicated', attempts: 2 }),
  op({ id: 'f', event: 'cart:update', key: 'c-9', outcome: 'pending' }),
];
const ids = (q: string) => {
  const p = compileFilter(parseFilter(q));
  return (p ? OPS.filter(p) : OPS).map((o) => o.id).join('');
};

describe('filter parser', () => {
  it('free text matches event, socket, key and id, case-insensitively', () => {
    expect(ids('')).toBe('abcdef');
    expect(ids('ORD-2')).toBe('b');
    expect(ids('admin')).toBe('c');
    expect(ids('order ord')).toBe('abe');
  });
  it('event: matches exactly, as a prefix before a separator, or as a glob', () => {
    expect(ids('event:order')).toBe('abe');
    expect(ids('event:ping')).toBe('c');
    expect(ids('event:pin')).toBe('');
    expect(ids('event:*ing')).toBe('cd');
    expect(ids('event:cart:update')).toBe('f');
  });
  it('socket: matches the namespace or the socket name', () => {
    expect(ids('socket:/admin')).toBe('c');
    expect(ids('socket:/')).toBe('abdef');
    expect(ids('socket:"/admin #2"')).toBe('c');
  });
  it('is: and outcome: and duplicate:', () => {
    expect(ids('is:duplicate')).toBe('bd');
    expect(ids('is:retried')).toBe('bde');
    expect(ids('is:late')).toBe('b');
    expect(ids('is:deduplicated')).toBe('e');
    expect(ids('is:pending')).toBe('f');
    expect(ids('outcome:timed-out')).toBe('d');
    expect(ids('outcome:timeout')).toBe('d');
    expect(ids('duplicate:confirmed')).toBe('b');
    expect(ids('duplicate:dedup')).toBe('e');
  });
  it('negation with a leading "-" on any term', () => {
    expect(ids('-event:ping')).toBe('abdef');
    expect(ids('-is:duplicate -ping')).toBe('aef');
    expect(ids('-/^order/')).toBe('cdf');
  });
  it('regular expressions, with quotes and spaces kept together', () => {
    expect(ids('/ord-[12]/')).toBe('ab');
    expect(ids('/^cart:/')).toBe('f');
    expect(ids('/a b/ x')).toBe('');
    expect(parseFilter('/a b/').terms).toHaveLength(1);
    expect(parseFilter('"two words" x').terms.map((t) => (t.type === 'text' ? t.value : '?'))).toEqual(['two words', 'x']);
  });
  it('terms are ANDed; unknown keys are free text', () => {
    expect(ids('event:order is:retried')).toBe('be');
    expect(ids('foo:bar')).toBe('');
    expect(parseFilter('foo:bar').terms[0]).toMatchObject({ type: 'text', value: 'foo:bar' });
  });
  it('reports bad input and keeps working', () => {
    const p = parseFilter('/[/ is:nonsense outcome:maybe');
    expect(p.errors.length).toBe(3);
    expect(() => compileFilter(p)).not.toThrow();
    // A key without a value while typing is ignored, not an error.
    expect(parseFilter('event:').terms).toHaveLength(0);
    expect(parseFilter('event:').errors).toHaveLength(0);
  });
  it('knows when a longer filter only narrows the previous result', () => {
    const n = (a: string, b: string) => narrows(parseFilter(a), parseFilter(b));
    expect(n('ord', 'order')).toBe(true);
    expect(n('order', 'order is:retried')).toBe(true);
    expect(n('order is:retried', 'order is:retried -k1')).toBe(true);
    // Not monotone: field prefixes, negations and regexes change meaning as they grow.
    expect(n('event:ord', 'event:order')).toBe(false);
    expect(n('-k', '-k1')).toBe(false);
    expect(n('/a/', '/ab/')).toBe(false);
    expect(n('order', 'ord')).toBe(false);
    expect(n('', 'x')).toBe(false);
    // Whatever narrows() claims must hold on data.
    for (const [a, b] of [['ord', 'order'], ['o', 'order is:retried'], ['order is:retried', 'order is:retried -k1']]) {
      const pa = compileFilter(parseFilter(a))!;
      const pb = compileFilter(parseFilter(b))!;
      expect(OPS.filter(pb).every(pa)).toBe(true);
    }
  });
  it('text candidates from the joined haystack equal a per-operation scan', () => {
    for (const q of ['order', 'ord-2', 'o', 'admin', 'zzz', '-ping order', 'is:retried', '"two words"', 'k', '/ #1']) {
      const p = parseFilter(q);
      const pred = compileFilter(p);
      const c = textCandidates(OPS, p);
      const viaCandidates = (c ?? OPS).filter(pred ?? (() => true)).map((o) => o.id);
      expect(viaCandidates).toEqual(OPS.filter(pred ?? (() => true)).map((o) => o.id));
    }
    expect(textCandidates(OPS, parseFilter('is:retried'))).toBeNull();
  });
});
