// RedisStore against a real redis-server started on a free loopback port. If redis-server
// is not installed, every test here fails with a message saying so (never skipped).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { idempotent, RedisStore, StoreUnavailableError, type IdempotencyWarning, type RedisStoreOptions } from '../../../src/server/index.js';
import {
  closeClients,
  freePort,
  redisServerPath,
  connect,
  sleep,
  startIo,
  startRedis,
  startServerProc,
  until,
  type IoServer,
  type RedisServer,
  type ServerProc,
} from './helpers.js';

let redis: RedisServer;
let admin: Redis;
// A failing beforeAll makes vitest report the tests as *skipped*: keep the error and
// rethrow it from beforeEach so that every Redis test fails with the message instead.
let setupError: unknown;
beforeAll(async () => {
  try {
    redis = await startRedis();
    admin = new Redis(redis.url);
  } catch (err) {
    setupError = err;
  }
});
beforeEach(() => {
  if (setupError) throw setupError;
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  closeClients();
  for (const f of cleanup.splice(0).reverse()) await f();
});

function store(opts: RedisStoreOptions = {}) {
  const s = new RedisStore({ redis: redis.url, pollMs: 50, onError: () => {}, ...opts });
  cleanup.push(() => s.close());
  return s;
}

describe('RedisStore (real redis-server)', () => {
  it('a missing redis-server is a clear failure, not a skip', () => {
    expect(() => redisServerPath('/nonexistent')).toThrow(/redis-server is not installed.*apt-get install -y redis-server/);
  });

  it('accepts an ioredis client (duplicated with its own settings, original untouched)', async () => {
    const mine = new Redis(redis.url);
    cleanup.push(() => mine.disconnect());
    const s = store({ redis: mine, prefix: 't0:' });
    expect((await s.claim('k', 1000)).state).toBe('claimed');
    expect(mine.options.enableOfflineQueue).toBe(true);
    // Shorthands: new RedisStore(client) and new RedisStore(url).
    for (const short of [new RedisStore(mine), new RedisStore(redis.url)]) {
      cleanup.push(() => short.close());
      expect((await short.claim('short-' + Math.random(), 1000)).state).toBe('claimed');
    }
  });

  it('bad input and an unreachable Redis are clear errors', async () => {
    expect(() => new RedisStore({ redis: 42 as never })).toThrow(/redis must be a URL, ioredis options or an ioredis client/);
    expect(() => new RedisStore({ redis: redis.url, pollMs: 0 })).toThrow(/pollMs must be a positive number/);
    const nowhere = await freePort();
    const s = store({ redis: `redis://127.0.0.1:${nowhere}`, connectTimeoutMs: 200 });
    await expect(s.claim('k', 1000)).rejects.toThrow(StoreUnavailableError);
  });

  it('claims with SET NX PX, stores the result with the TTL, replays it', async () => {
    const s = store({ prefix: 't1:' });
    const c = await s.claim('k', 60_000);
    expect(c.state).toBe('claimed');
    const pttl = await admin.pttl('t1:k');
    expect(pttl).toBeGreaterThan(0);
    expect(await s.claim('k', 60_000)).toEqual({ state: 'pending' });
    const token = (c as { token: string }).token;
    expect(await s.complete('k', 'not-the-owner', ['x'], 1000)).toBe(false);
    expect(await s.complete('k', token, [{ a: 1 }, Buffer.from([1, 2, 3]), null], 30_000)).toBe(true);
    expect(await s.claim('k', 60_000)).toEqual({ state: 'done', result: [{ a: 1 }, Buffer.from([1, 2, 3]), null] });
    const ttl = await admin.pttl('t1:k');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('wakes a waiting duplicate on completion and on release', async () => {
    const s1 = store({ prefix: 't2:' });
    const s2 = store({ prefix: 't2:' }); // another "process": its own connections
    const c = (await s1.claim('k', 60_000)) as { state: 'claimed'; token: string };
    const waiting = s2.wait('k', 30_000);
    await sleep(30);
    await s1.complete('k', c.token, ['done!'], 60_000);
    expect(await waiting).toEqual({ state: 'done', result: ['done!'] });

    const c2 = (await s1.claim('r', 60_000)) as { state: 'claimed'; token: string };
    const waiting2 = s2.wait('r', 30_000);
    await s1.release('r', c2.token);
    expect(await waiting2).toEqual({ state: 'released' });
    expect((await s2.claim('r', 60_000)).state).toBe('claimed');
  });

  it('a wait that outlives waitMs resolves timeout; the key stays pending', async () => {
    const s = store({ prefix: 't3:' });
    await s.claim('k', 60_000);
    expect(await s.wait('k', 100)).toEqual({ state: 'timeout' });
    expect(await s.claim('k', 60_000)).toEqual({ state: 'pending' });
  });

  it('TTL expiry frees the key: the handler runs again afterwards', async () => {
    const s = store({ prefix: 't4:' });
    let runs = 0;
    const listener = idempotent((p: unknown, ack: (r: unknown) => void) => ack(++runs), { store: s, event: 'e', ttlMs: 200, onWarning: () => {} });
    const acks: unknown[][] = [];
    await listener({ id: 'k' }, (...a: unknown[]) => acks.push(a));
    await listener({ id: 'k' }, (...a: unknown[]) => acks.push(a));
    expect(runs).toBe(1);
    const key = 't4:' + JSON.stringify(['e', 'k']);
    await until(async () => (await admin.exists(key)) === 0);
    await listener({ id: 'k' }, (...a: unknown[]) => acks.push(a));
    expect(runs).toBe(2);
    expect(acks).toEqual([[1], [1, { __ackscope: 'replay', key: 'k' }], [2]]);
  });

  it('two Socket.IO server processes sharing one Redis: the same key hitting both concurrently runs once', async () => {
    await admin.flushall();
    const procs: ServerProc[] = await Promise.all([
      startServerProc({ REDIS_URL: redis.url, NAME: 'p1', HANDLER_MS: '300' }),
      startServerProc({ REDIS_URL: redis.url, NAME: 'p2', HANDLER_MS: '300' }),
    ]);
    cleanup.push(() => Promise.all(procs.map((p) => p.stop())));
    const flaky = { retries: 2, ackTimeout: 1000 };
    const [a, b] = await Promise.all([connect(procs[0]!.url, flaky), connect(procs[1]!.url, flaky)]);
    const keys = ['o1', 'o2', 'o3', 'o4', 'o5'];
    for (const id of keys) {
      const [ra, rb] = await Promise.all([a.emitWithAck('order:create', { id }), b.emitWithAck('order:create', { id })]);
      expect(ra).toEqual(rb);
      expect(ra).toMatchObject({ orderId: expect.stringMatching(new RegExp(`^p[12]:${id}:1$`)) });
    }
    const stats = (await Promise.all([a.emitWithAck('stats'), b.emitWithAck('stats')])) as Array<{ counts: Record<string, number> }>;
    for (const id of keys) expect((stats[0]!.counts[id] ?? 0) + (stats[1]!.counts[id] ?? 0)).toBe(1);
  });

  it('control: the same two processes with a per-process MemoryStore run the key twice', async () => {
    const procs = await Promise.all([
      startServerProc({ STORE: 'memory', NAME: 'm1', HANDLER_MS: '300' }),
      startServerProc({ STORE: 'memory', NAME: 'm2', HANDLER_MS: '300' }),
    ]);
    cleanup.push(() => Promise.all(procs.map((p) => p.stop())));
    const [a, b] = await Promise.all([connect(procs[0]!.url), connect(procs[1]!.url)]);
    const [ra, rb] = await Promise.all([a.emitWithAck('order:create', { id: 'c1' }), b.emitWithAck('order:create', { id: 'c1' })]);
    expect(ra).not.toEqual(rb);
    const stats = (await Promise.all([a.emitWithAck('stats'), b.emitWithAck('stats')])) as Array<{ counts: Record<string, number> }>;
    expect(stats.map((s) => s.counts.c1)).toEqual([1, 1]);
  });

  it('two server processes with flaky clients ({retries: 2, ackTimeout: 300}, 700 ms handler): once per key', async () => {
    const procs = await Promise.all([
      startServerProc({ REDIS_URL: redis.url, NAME: 'q1', HANDLER_MS: '700' }),
      startServerProc({ REDIS_URL: redis.url, NAME: 'q2', HANDLER_MS: '700' }),
    ]);
    cleanup.push(() => Promise.all(procs.map((p) => p.stop())));
    const flaky = { retries: 2, ackTimeout: 300 };
    const [a, b] = await Promise.all([connect(procs[0]!.url, flaky), connect(procs[1]!.url, flaky)]);
    const [ra, rb] = await Promise.all([a.emitWithAck('order:create', { id: 'f1' }), b.emitWithAck('order:create', { id: 'f1' })]);
    expect(ra).toEqual(rb);
    const stats = (await Promise.all([a.emitWithAck('stats'), b.emitWithAck('stats')])) as Array<{ counts: Record<string, number> }>;
    expect((stats[0]!.counts.f1 ?? 0) + (stats[1]!.counts.f1 ?? 0)).toBe(1);
  });
});

describe('Redis killed mid-test', () => {
  let own: RedisServer;
  let server: IoServer;
  const warnings: IdempotencyWarning[] = [];
  let runs = 0;
  let s: RedisStore;

  beforeAll(async () => {
    if (setupError) return;
    try {
      own = await startRedis();
      s = new RedisStore({ redis: own.url, pollMs: 50, onError: () => {} });
      const onWarning = (w: IdempotencyWarning) => warnings.push(w);
      const work = async (p: { id: string; slow?: boolean }, ack: (r: unknown) => void) => {
        runs++;
        if (p.slow) await until(() => own.proc.exitCode !== null || own.proc.signalCode !== null);
        ack({ done: p.id });
      };
      const closed = idempotent(work, { store: s, event: 'closed', onWarning });
      const open = idempotent(work, { store: s, event: 'open', storeFailure: 'open', onWarning });
      server = await startIo((socket) => {
        socket.on('closed', closed);
        socket.on('open', open);
        socket.on('ping!', (ack: (r: string) => void) => ack('pong'));
      });
    } catch (err) {
      setupError = err;
    }
  });
  afterAll(async () => {
    await server?.close();
    await s?.close();
    await own?.stop();
  });

  it('documented failure mode: fail closed acks ACKSCOPE_STORE_UNAVAILABLE, fail open runs and warns, no crash, recovers', async () => {
    const client = await connect(server.url, { ackTimeout: 10_000, retries: 0 });
    expect(await client.emitWithAck('closed', { id: 'before' })).toEqual({ done: 'before' });

    // Redis dies while a handler is working: the handler's result still reaches the client.
    const inFlight = client.timeout(10_000).emitWithAck('closed', { id: 'during', slow: true });
    await until(() => runs === 2);
    await own.kill();
    expect(await inFlight).toEqual({ done: 'during' });
    expect(warnings.map((w) => w.code)).toContain('result-not-stored');

    const runsBefore = runs;
    warnings.length = 0;
    expect(await client.emitWithAck('closed', { id: 'k2' })).toEqual({
      error: { code: 'ACKSCOPE_STORE_UNAVAILABLE', message: expect.any(String), key: 'k2' },
    });
    expect(runs).toBe(runsBefore); // fail closed: handler not run
    expect(await client.emitWithAck('open', { id: 'k3' })).toEqual({ done: 'k3' });
    expect(runs).toBe(runsBefore + 1); // fail open: run without dedup
    expect(warnings.map((w) => w.code)).toEqual(['store-unavailable', 'store-unavailable']);
    expect(await client.emitWithAck('ping!')).toBe('pong'); // the server is alive

    // Redis comes back on the same port: the store reconnects by itself.
    own = await startRedis(own.port);
    await until(async () => {
      const r = await client.emitWithAck('closed', { id: 'k4' });
      return (r as { done?: string }).done === 'k4';
    }, 100);
    expect(await client.emitWithAck('closed', { id: 'k4' })).toEqual({ done: 'k4' });
  });
});
