// idempotent() called directly as Socket.IO would call it (args..., ack), with MemoryStore.
import { afterEach, describe, expect, it } from 'vitest';
import { idempotent, MemoryStore, type IdempotencyWarning, type IdempotentOptions, type Store } from '../../../src/server/index.js';
import { decodeResult, encodeResult } from '../../../src/server/codec.js';

const stores: MemoryStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function setup(extra: Partial<IdempotentOptions> = {}, handler?: (...a: any[]) => unknown) {
  const store = new MemoryStore();
  stores.push(store);
  const warnings: IdempotencyWarning[] = [];
  const runs: unknown[][] = [];
  const h = handler ?? ((...a: any[]) => {
    runs.push(a.slice(0, -1));
    (a[a.length - 1] as (r: unknown) => void)({ n: runs.length });
  });
  const counted = (...a: any[]) => {
    if (handler) runs.push(a);
    return h(...a);
  };
  const listener = idempotent(counted, { store, event: 'ev', onWarning: (w) => warnings.push(w), ...extra });
  const call = async (...args: unknown[]) => {
    const acks: unknown[][] = [];
    await listener(...args, (...r: unknown[]) => acks.push(r));
    return acks;
  };
  return { store, listener, call, runs, warnings };
}

describe('key extraction', () => {
  it('reads id, eventId, requestId, idempotencyKey from the first argument, in that order', async () => {
    const { call, runs } = setup();
    await call({ id: 'a', eventId: 'b' });
    await call({ id: 'a', eventId: 'zzz' }); // same id: duplicate
    await call({ eventId: 'a' }); // same key string: duplicate of the first (keys are strings)
    await call({ requestId: 'r' });
    await call({ idempotencyKey: 'r' });
    expect(runs.length).toBe(2);
  });

  it('no key: the handler runs every time and the warning hook is called', async () => {
    const { call, runs, warnings } = setup();
    expect(await call({ text: 'hi' })).toEqual([[{ n: 1 }]]);
    expect(await call('plain string')).toEqual([[{ n: 2 }]]);
    expect(runs.length).toBe(2);
    expect(warnings.map((w) => w.code)).toEqual(['missing-key', 'missing-key']);
  });

  it('non-string/number keys get ACKSCOPE_INVALID_KEY and the handler does not run', async () => {
    const { call, runs, warnings } = setup();
    for (const id of [{ nested: 1 }, true, Number.NaN, Infinity, '', [1]]) {
      const acks = await call({ id });
      expect(acks).toEqual([[{ error: { code: 'ACKSCOPE_INVALID_KEY', message: expect.stringContaining('must be a non-empty string or a finite number') } }]]);
    }
    expect(runs.length).toBe(0);
    expect(new Set(warnings.map((w) => w.code))).toEqual(new Set(['invalid-key']));
  });

  it('a custom key() that throws is an invalid key, not a crash', async () => {
    const { call, runs } = setup({ key: () => { throw new Error('boom'); } });
    expect((await call({ id: 1 }))[0]![0]).toMatchObject({ error: { code: 'ACKSCOPE_INVALID_KEY' } });
    expect(runs.length).toBe(0);
  });

  it('numbers and their string form are the same key', async () => {
    const { call, runs } = setup();
    await call({ id: 42 });
    expect(await call({ id: '42' })).toEqual([[{ n: 1 }, { __ackscope: 'replay', key: '42' }]]);
    expect(runs.length).toBe(1);
  });

  it('huge keys are hashed (sha256) and still deduplicate exactly', async () => {
    const { call, runs, store } = setup();
    const big = 'x'.repeat(100_000);
    await call({ id: big });
    const dup = await call({ id: big });
    await call({ id: big.slice(0, -1) + 'y' }); // differs only at the end
    expect(runs.length).toBe(2);
    expect(dup[0]![1]).toEqual({ __ackscope: 'replay', key: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(store.size).toBe(2);
  });

  it('keys are scoped by event name', async () => {
    const store = new MemoryStore();
    stores.push(store);
    let runs = 0;
    const h = (_p: unknown, ack: (r: unknown) => void) => ack(++runs);
    const create = idempotent(h, { store, event: 'order:create' });
    const cancel = idempotent(h, { store, event: 'order:cancel' });
    const noop = () => {};
    await create({ id: 'o1' }, noop);
    await cancel({ id: 'o1' }, noop);
    await create({ id: 'o1' }, noop);
    expect(runs).toBe(2);
  });
});

describe('scope', () => {
  it('a missing socket or an unusable scope value is ACKSCOPE_INVALID_SCOPE, handler not run', async () => {
    const { listener, runs, warnings } = setup({ scope: (sock) => (sock as { user?: string }).user });
    const acks: unknown[][] = [];
    const ack = (...a: unknown[]) => acks.push(a);
    await listener({ id: 'k' }, ack); // no `this`
    await listener.call({ emit() {} }, { id: 'k' }, ack); // user undefined
    await listener.call({ emit() {}, user: 'u1' }, { id: 'k' }, ack);
    expect(acks.map((a) => (a[0] as { error?: { code: string } }).error?.code ?? a[0])).toEqual([
      'ACKSCOPE_INVALID_SCOPE',
      'ACKSCOPE_INVALID_SCOPE',
      { n: 1 },
    ]);
    expect(runs.length).toBe(1);
    expect(warnings.map((w) => w.code)).toEqual(['invalid-scope', 'invalid-scope']);
  });
});

describe('failures release the key', () => {
  it('a handler that throws: error ack, key released, the next delivery runs', async () => {
    let fail = true;
    const { call, runs, warnings } = setup({}, (_p: unknown, ack: (r: unknown) => void) => {
      if (fail) throw new Error('db down');
      ack('ok');
    });
    expect(await call({ id: 'k' })).toEqual([[{ error: { code: 'ACKSCOPE_HANDLER_FAILED', message: expect.any(String), key: 'k' } }]]);
    expect(warnings.map((w) => w.code)).toEqual(['handler-failed']);
    fail = false;
    expect(await call({ id: 'k' })).toEqual([['ok']]);
    expect(runs.length).toBe(2);
  });

  it('a rejected promise releases too, and a waiting duplicate then runs the handler itself', async () => {
    let attempt = 0;
    let rejectFirst!: (e: Error) => void;
    const { call, runs } = setup({}, (_p: unknown, ack: (r: unknown) => void) => {
      attempt++;
      if (attempt === 1) return new Promise((_r, rej) => (rejectFirst = rej));
      ack(`run ${attempt}`);
    });
    const first = call({ id: 'k' });
    const second = call({ id: 'k' }); // waits: the first is in progress
    await new Promise((r) => setImmediate(r));
    rejectFirst(new Error('transient'));
    expect((await first)[0]![0]).toMatchObject({ error: { code: 'ACKSCOPE_HANDLER_FAILED' } });
    expect(await second).toEqual([['run 2']]);
    expect(runs.length).toBe(2);
  });

  it('retryableAck: an ack classified retryable is passed through and releases the key', async () => {
    let n = 0;
    const { call, runs } = setup(
      { retryableAck: (args) => (args[0] as { retry?: boolean })?.retry === true },
      (_p: unknown, ack: (r: unknown) => void) => ack(++n === 1 ? { retry: true } : { ok: n }),
    );
    expect(await call({ id: 'k' })).toEqual([[{ retry: true }]]);
    expect(await call({ id: 'k' })).toEqual([[{ ok: 2 }]]);
    expect(await call({ id: 'k' })).toEqual([[{ ok: 2 }, { __ackscope: 'replay', key: 'k' }]]);
    expect(runs.length).toBe(2);
  });

  it('a throw after acking keeps the result', async () => {
    const { call, runs, warnings } = setup({}, (_p: unknown, ack: (r: unknown) => void) => {
      ack('ok');
      throw new Error('late');
    });
    expect(await call({ id: 'k' })).toEqual([['ok']]);
    expect(await call({ id: 'k' })).toEqual([['ok', { __ackscope: 'replay', key: 'k' }]]);
    expect(runs.length).toBe(1);
    expect(warnings.map((w) => w.code)).toEqual(['handler-failed-after-ack']);
  });
});

describe('in progress, no ack, store down', () => {
  it('a handler that never acks keeps the key in progress: duplicates get ACKSCOPE_IN_PROGRESS after waitMs', async () => {
    const { call, runs, warnings } = setup({ waitMs: 50 }, () => new Promise(() => {}));
    void call({ id: 'k' });
    const dup = await call({ id: 'k' });
    expect(dup).toEqual([[{ error: { code: 'ACKSCOPE_IN_PROGRESS', message: expect.stringContaining('still in progress'), key: 'k' } }]]);
    expect(runs.length).toBe(1);
    expect(warnings.map((w) => w.code)).toEqual(['in-progress']);
  });

  it('waitMs: 0 answers in-progress at once', async () => {
    const { call } = setup({ waitMs: 0 }, () => new Promise(() => {}));
    void call({ id: 'k' });
    expect((await call({ id: 'k' }))[0]![0]).toMatchObject({ error: { code: 'ACKSCOPE_IN_PROGRESS' } });
  });

  it('lockMs: a claim that was never acked is released after lockMs, then runs again', async () => {
    let n = 0;
    const { call, runs } = setup({ lockMs: 30, waitMs: 10_000 }, (_p: unknown, ack: (r: unknown) => void) => {
      if (++n === 1) return; // never acks
      ack('second');
    });
    void call({ id: 'k' });
    expect(await call({ id: 'k' })).toEqual([['second']]);
    expect(runs.length).toBe(2);
  });

  it('without an ack function the execution completes when the handler returns', async () => {
    const store = new MemoryStore();
    stores.push(store);
    let runs = 0;
    const l = idempotent(async () => {
      runs++;
    }, { store, event: 'fire' });
    await l({ id: 'k' });
    await l({ id: 'k' });
    expect(runs).toBe(1);
  });

  it("store down, storeFailure 'closed' (default): ACKSCOPE_STORE_UNAVAILABLE, handler not run", async () => {
    const { call, store, runs, warnings } = setup();
    await store.close();
    expect(await call({ id: 'k' })).toEqual([[{ error: { code: 'ACKSCOPE_STORE_UNAVAILABLE', message: expect.any(String), key: 'k' } }]]);
    expect(runs.length).toBe(0);
    expect(warnings.map((w) => w.code)).toEqual(['store-unavailable']);
  });

  it("store down, storeFailure 'open': the handler runs and a warning is raised", async () => {
    const { call, store, runs, warnings } = setup({ storeFailure: 'open' });
    await store.close();
    expect(await call({ id: 'k' })).toEqual([[{ n: 1 }]]);
    expect(runs.length).toBe(1);
    expect(warnings[0]).toMatchObject({ code: 'store-unavailable', key: 'k', message: expect.stringContaining('without deduplication') });
  });

  it('a custom Store plugs in through the interface', async () => {
    const calls: string[] = [];
    const inner = new MemoryStore();
    stores.push(inner);
    const store: Store = {
      claim: (k, l) => (calls.push('claim'), inner.claim(k, l)),
      complete: (k, t, r, ttl) => (calls.push('complete'), inner.complete(k, t, r, ttl)),
      release: (k, t) => (calls.push('release'), inner.release(k, t)),
      wait: (k, ms) => (calls.push('wait'), inner.wait(k, ms)),
      close: () => inner.close(),
    };
    const l = idempotent((_p: unknown, ack: (r: unknown) => void) => ack(1), { store, event: 'e' });
    await l({ id: 1 }, () => {});
    await l({ id: 1 }, () => {});
    expect(calls).toEqual(['claim', 'complete', 'claim']);
  });

  it('user callbacks that throw end as internal-error warnings, never as rejections', async () => {
    const { call, store, warnings } = setup({ errorAck: () => { throw new Error('bad errorAck'); } });
    await store.close();
    await expect(call({ id: 'k' })).resolves.toEqual([]);
    expect(warnings.map((w) => w.code)).toEqual(['store-unavailable', 'internal-error']);

    const t = setup({ retryableAck: () => { throw new Error('bad classifier'); } });
    expect(await t.call({ id: 'k' })).toEqual([[{ n: 1 }]]);
    expect(await t.call({ id: 'k' })).toEqual([[{ n: 1 }, { __ackscope: 'replay', key: 'k' }]]);
    expect(t.warnings.map((w) => w.code)).toEqual(['internal-error']);
  });

  it('errorAck shapes the error acks', async () => {
    const { call, store } = setup({ errorAck: (e) => [e.code, null] });
    await store.close();
    expect(await call({ id: 'k' })).toEqual([['ACKSCOPE_STORE_UNAVAILABLE', null]]);
  });
});

describe('bad options', () => {
  const store = new MemoryStore();
  stores.push(store);
  const h = () => {};
  it.each([
    [{ store, event: '' }, /options.event must be/],
    [{ store: {} as Store, event: 'e' }, /options.store must be a Store/],
    [{ store, event: 'e', ttlMs: 0 }, /options.ttlMs must be a finite number >= 1/],
    [{ store, event: 'e', waitMs: -1 }, /options.waitMs/],
    [{ store, event: 'e', onDuplicate: 'drop' as never }, /onDuplicate must be 'replay', 'marker' or a function/],
    [{ store, event: 'e', storeFailure: 'maybe' as never }, /storeFailure must be 'closed' or 'open'/],
    [{ store, event: 'e', key: 'id' as never }, /options.key must be a function/],
  ])('%#: %o', (opts, msg) => {
    expect(() => idempotent(h, opts as IdempotentOptions)).toThrow(msg);
  });
  it('handler must be a function', () => {
    expect(() => idempotent(undefined as never, { store, event: 'e' })).toThrow(/handler must be a function/);
  });
});

describe('result codec (RedisStore)', () => {
  it('round-trips JSON values and binary', () => {
    const args = [{ a: [1, 'x', null] }, Buffer.from('hi'), new Uint8Array([1, 2]), 'DUPLICATE'];
    expect(decodeResult(encodeResult(args))).toEqual([{ a: [1, 'x', null] }, Buffer.from('hi'), Buffer.from([1, 2]), 'DUPLICATE']);
  });
});
