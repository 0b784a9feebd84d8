// Property: whatever the interleaving of concurrent deliveries and handler failures,
// a key's side effect succeeds at most once, every delivery gets exactly one ack, and every
// non-error ack carries that one successful result. fast-check's scheduler decides the
// order in which handler work and completions resolve.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { idempotent, MemoryStore } from '../../../src/server/index.js';

describe('idempotent() under arbitrary interleavings (MemoryStore)', () => {
  it('at most one successful execution per key; one ack per delivery; acks agree', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), fail: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        async (s, deliveries) => {
          const store = new MemoryStore();
          const successes = new Map<string, number>();
          const handler = async (p: { id: string; fail: boolean; n: number }, ack: (r: unknown) => void) => {
            await s.schedule(Promise.resolve(), `work ${p.id}#${p.n}`);
            if (p.fail) throw new Error('transient');
            successes.set(p.id, (successes.get(p.id) ?? 0) + 1);
            ack({ by: p.n });
          };
          const listener = idempotent(handler, { store, event: 'e', onWarning: () => {} });
          const acks: unknown[][][] = deliveries.map(() => []);
          const running = deliveries.map((d, n) =>
            s.schedule(Promise.resolve(), `deliver ${d.key}#${n}`).then(() => listener({ id: d.key, fail: d.fail, n }, (...a: unknown[]) => acks[n]!.push(a))),
          );
          await s.waitFor(Promise.all(running));
          await store.close();

          for (const n of successes.values()) expect(n).toBe(1);
          const resultFor = new Map<string, unknown>();
          deliveries.forEach((d, n) => {
            expect(acks[n]!.length).toBe(1);
            const first = acks[n]![0]![0] as { error?: { code: string } };
            if (first?.error) {
              expect(first.error.code).toBe('ACKSCOPE_HANDLER_FAILED');
              return;
            }
            if (!resultFor.has(d.key)) resultFor.set(d.key, first);
            expect(first).toEqual(resultFor.get(d.key));
          });
          // Every key that acked a result had exactly one success.
          for (const k of resultFor.keys()) expect(successes.get(k)).toBe(1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
