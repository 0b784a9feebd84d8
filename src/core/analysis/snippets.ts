/**
 * Copyable snippets for the recommendation (issue 4). The server snippets claim the key
 * *before* doing the work (atomic SET NX / a pending entry): the naive check-then-act version
 * lets a retry that arrives while the first execution still runs straight through.
 */

export function clientSnippet(cfg: { ackTimeout: number; retries: number; reconnectionDelay: number }): string {
  return `import { io } from 'socket.io-client';

// ackTimeout from the observed p99 ack latency with margin; retries only with a
// server-side idempotency guard (see the server snippet).
const socket = io(URL, {
  ackTimeout: ${cfg.ackTimeout},
  retries: ${cfg.retries},
  reconnectionDelay: ${cfg.reconnectionDelay},
});

// Give every operation with side effects its own idempotency key, reused by every retry.
const res = await socket.emitWithAck('order:create', { id: crypto.randomUUID(), ...order });`;
}

export const SERVER_SNIPPET_MEMORY = `// In-memory idempotency (single server process). ackscope/server implements this:
//   import { idempotent, MemoryStore } from 'ackscope/server';
//   const store = new MemoryStore(); // one per process, shared by every connection
//   socket.on('order:create', idempotent(handler, { store, event: 'order:create' }));
const TTL_MS = 10 * 60 * 1000;
const seen = new Map(); // key -> { state: 'pending' | 'done', result, expires }

function idempotent(handler) {
  return async (payload, ack) => {
    const key = payload?.id;
    if (key == null) return handler(payload, ack);
    const now = Date.now();
    const entry = seen.get(key);
    if (entry && entry.expires > now) {
      // Claimed already: never run the work twice. Replay the result (or wait for it).
      const result = entry.state === 'done' ? entry.result : await entry.promise;
      return ack?.(...result);
    }
    // Claim BEFORE working: a retry arriving while this runs finds the pending entry.
    let resolve;
    const promise = new Promise((r) => (resolve = r));
    seen.set(key, { state: 'pending', promise, expires: now + TTL_MS });
    try {
      const result = await new Promise((done) => handler(payload, (...args) => done(args)));
      seen.set(key, { state: 'done', result, expires: Date.now() + TTL_MS });
      resolve(result);
      ack?.(...result);
    } catch (err) {
      seen.delete(key); // failed: let a retry run it again
      resolve([{ error: String(err) }]);
      ack?.({ error: String(err) });
    }
  };
}

io.on('connection', (socket) => {
  socket.on('order:create', idempotent(async (order, ack) => ack(await createOrder(order))));
});`;

export const SERVER_SNIPPET_REDIS = `// Redis idempotency (several server processes). ackscope/server implements this:
//   import { idempotent, RedisStore } from 'ackscope/server';
//   const store = new RedisStore(process.env.REDIS_URL); // shared by every server process
//   socket.on('order:create', idempotent(handler, { store, event: 'order:create' }));
import Redis from 'ioredis';
const redis = new Redis(process.env.REDIS_URL);
const TTL_S = 600;

function idempotent(handler) {
  return async (payload, ack) => {
    const key = payload?.id;
    if (key == null) return handler(payload, ack);
    const k = \`idem:\${key}\`;
    // Atomic claim BEFORE the work: only one execution gets 'OK'.
    const claimed = await redis.set(k, JSON.stringify({ state: 'pending' }), 'EX', TTL_S, 'NX');
    if (claimed !== 'OK') {
      // Someone has (or is) running it: replay the stored result, wait briefly while pending.
      for (let i = 0; i < 50; i++) {
        const v = JSON.parse((await redis.get(k)) ?? 'null');
        if (v?.state === 'done') return ack?.(...v.result);
        await new Promise((r) => setTimeout(r, 100));
      }
      return ack?.('DUPLICATE'); // still running: tell the client it is a duplicate
    }
    try {
      const result = await new Promise((done) => handler(payload, (...args) => done(args)));
      await redis.set(k, JSON.stringify({ state: 'done', result }), 'EX', TTL_S);
      ack?.(...result);
    } catch (err) {
      await redis.del(k); // failed: allow a retry to run it
      ack?.({ error: String(err) });
    }
  };
}`;
