// The scenario the companion exists for: socket.io-client {retries: 2, ackTimeout: 300}
// against a real Socket.IO server whose handler takes 700 ms, so every op is delivered
// three times while the first execution is still working.
import { afterEach, describe, expect, it } from 'vitest';
import type { Socket as ServerSocket } from 'socket.io';
import { idempotent, MemoryStore, SERVER_DEDUP_EVENT, type IdempotentOptions } from '../../../src/server/index.js';
import { closeClients, connect, sleep, startIo, type IoServer } from './helpers.js';

const FLAKY = { retries: 2, ackTimeout: 300 } as const;
const HANDLER_MS = 700;

let server: IoServer | undefined;
const stores: MemoryStore[] = [];
afterEach(async () => {
  closeClients();
  await server?.close();
  server = undefined;
  for (const s of stores.splice(0)) await s.close();
});

/** A slow "create order" whose side effect is counted per key; each run returns a distinct id. */
function slowOrders() {
  const runs = new Map<string, number>();
  let total = 0;
  const handler = async (payload: { id: string }, ack: (r: unknown) => void) => {
    runs.set(payload.id, (runs.get(payload.id) ?? 0) + 1);
    const n = ++total;
    await sleep(HANDLER_MS);
    ack({ orderId: `order-${payload.id}-${n}` });
  };
  return { runs, handler };
}

async function serve(register: (socket: ServerSocket) => void) {
  server = await startIo(register);
  return server.url;
}

/** One listener (one store) shared by every connection, as in a real server. */
function serveWrapped(listener: (...a: any[]) => unknown) {
  return serve((socket) => socket.on('order:create', listener));
}

function wrapped(handler: (...a: any[]) => unknown, extra: Partial<IdempotentOptions> = {}) {
  const store = new MemoryStore();
  stores.push(store);
  return idempotent(handler, { store, event: 'order:create', onWarning: () => {}, ...extra });
}

describe('socket.io-client retries against a slow handler', () => {
  it('naive check-then-act runs the side effect 3 times for one op', async () => {
    const { runs, handler } = slowOrders();
    const processed = new Set<string>();
    const url = await serve((socket) => {
      socket.on('order:create', async (payload: { id: string }, ack: (r: unknown) => void) => {
        if (processed.has(payload.id)) return ack('DUPLICATE');
        await handler(payload, ack);
        processed.add(payload.id);
      });
    });
    const client = await connect(url, FLAKY);
    const outcome = await client.emitWithAck('order:create', { id: 'k1' }).then(
      (v) => ({ ok: v }),
      (e: Error) => ({ err: e.message }),
    );
    expect(runs.get('k1')).toBe(3);
    expect(outcome).toEqual({ err: 'operation has timed out' });
  });

  it("replay (default): once per key; every promise resolves with the first execution's result", async () => {
    const { runs, handler } = slowOrders();
    const url = await serveWrapped(wrapped(handler));
    const [a, b] = await Promise.all([connect(url, FLAKY), connect(url, FLAKY)]);
    // Two clients send the same keys concurrently; each client's queue is serial.
    const send = (c: typeof a) => (async () => [await c.emitWithAck('order:create', { id: 'k1' }), await c.emitWithAck('order:create', { id: 'k2' })])();
    const [ra, rb] = await Promise.all([send(a), send(b)]);
    expect(Object.fromEntries(runs)).toEqual({ k1: 1, k2: 1 });
    expect(ra).toEqual(rb);
    expect(ra[0]).toMatchObject({ orderId: expect.stringMatching(/^order-k1-\d+$/) });
    expect(ra[1]).toMatchObject({ orderId: expect.stringMatching(/^order-k2-\d+$/) });
  });

  it('replay appends the {__ackscope:"replay", key} marker after the original ack args', async () => {
    const { runs, handler } = slowOrders();
    const url = await serveWrapped(wrapped(handler));
    const client = await connect(url, FLAKY);
    // With ackTimeout the callback is error-first and receives every ack argument.
    const args = await new Promise<unknown[]>((resolve) => client.emit('order:create', { id: 'k9' }, (...a: unknown[]) => resolve(a)));
    expect(runs.get('k9')).toBe(1);
    // Attempt 1 acked late (dropped by the client); the ack that resolved it is a replay.
    expect(args).toEqual([null, { orderId: expect.stringMatching(/^order-k9-/) }, { __ackscope: 'replay', key: 'k9' }]);
  });

  it("marker: once per key; every promise resolves with 'DUPLICATE'", async () => {
    const { runs, handler } = slowOrders();
    const url = await serveWrapped(wrapped(handler, { onDuplicate: 'marker' }));
    const [a, b] = await Promise.all([connect(url, FLAKY), connect(url, FLAKY)]);
    const results = await Promise.all([a.emitWithAck('order:create', { id: 'm1' }), b.emitWithAck('order:create', { id: 'm1' })]);
    expect(runs.get('m1')).toBe(1);
    expect(results).toEqual(['DUPLICATE', 'DUPLICATE']);
  });

  it('a custom onDuplicate function gets the key and the first result', async () => {
    const { runs, handler } = slowOrders();
    const seen: unknown[] = [];
    const onDuplicate = (key: string, first: unknown[]) => {
      seen.push([key, first]);
      return [{ duplicateOf: key, first: first[0] }];
    };
    const url = await serveWrapped(wrapped(handler, { onDuplicate }));
    const client = await connect(url, FLAKY);
    const r = await client.emitWithAck('order:create', { id: 'f1' });
    expect(runs.get('f1')).toBe(1);
    expect(r).toEqual({ duplicateOf: 'f1', first: { orderId: expect.stringMatching(/^order-f1-/) } });
    expect(seen.length).toBe(2); // attempts 2 and 3
  });

  it('notifyClient emits ackscope:dedup {key, event} for every deduplicated delivery', async () => {
    const { handler } = slowOrders();
    const url = await serveWrapped(wrapped(handler, { notifyClient: true }));
    const client = await connect(url, FLAKY);
    const notes: unknown[] = [];
    client.on(SERVER_DEDUP_EVENT, (n: unknown) => notes.push(n));
    await client.emitWithAck('order:create', { id: 'n1' });
    // The server emits before acking, so both notes are already here.
    expect(notes).toEqual([
      { key: 'n1', event: 'order:create' },
      { key: 'n1', event: 'order:create' },
    ]);
  });

  it('without notifyClient nothing extra is emitted', async () => {
    const { handler } = slowOrders();
    const url = await serveWrapped(wrapped(handler));
    const client = await connect(url, FLAKY);
    const seen: string[] = [];
    client.onAny((ev: string) => seen.push(ev));
    await client.emitWithAck('order:create', { id: 'q1' });
    expect(seen).toEqual([]);
  });

  it('scope(socket): the same key from two users runs twice, from one user once', async () => {
    const { runs, handler } = slowOrders();
    const url = await serveWrapped(wrapped(handler, { scope: (s) => (s as ServerSocket).handshake.auth.user }));
    const [alice, bob, alice2] = await Promise.all([
      connect(url, { ...FLAKY, auth: { user: 'alice' } }),
      connect(url, { ...FLAKY, auth: { user: 'bob' } }),
      connect(url, { ...FLAKY, auth: { user: 'alice' } }),
    ]);
    const [ra, rb, ra2] = await Promise.all([alice, bob, alice2].map((c) => c.emitWithAck('order:create', { id: 's1' })));
    expect(runs.get('s1')).toBe(2);
    expect(ra).toEqual(ra2);
    expect(rb).not.toEqual(ra);
  });
});
