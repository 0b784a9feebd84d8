/**
 * The demo shop's server side: one namespace per scenario, all with the same client call
 * `socket.emitWithAck('order:create', { id, item, qty })`.
 *   /healthy  answers in ~40 ms
 *   /slow     takes 700 ms while the client gives up after 300 ms (retries: 2) -> charged 3x
 *   /flaky    places the order, then the connection drops before the ack -> resent, charged 2x
 *   /dedup    as slow, but the handler is wrapped in ackscope/server's idempotent() -> charged once
 * Every charge is counted through the demo server's executions (GET /executions).
 */
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'socket.io';
import { startDemoServer, type DemoServer } from '../server';
import { idempotent, MemoryStore } from '../../src/server/index';

export const SHOP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'public');
export const SCENARIOS = ['healthy', 'slow', 'flaky', 'dedup'] as const;
export type Scenario = (typeof SCENARIOS)[number];

type Nsp = ReturnType<Server['of']>;
type Ack = (...a: unknown[]) => void;
interface Order {
  id?: string;
  item?: string;
  qty?: number;
}

export function shopSetup(nsp: Nsp, ctx: { record(key: string): void }): void {
  const name = nsp.name.replace(/^\//, '');
  if (!(SCENARIOS as readonly string[]).includes(name)) return;
  let stock = 100;
  const charge = (o: Order) => {
    ctx.record(`${nsp.name} order:create ${o?.id ?? '-'}`);
    // Every charge pushes a stock update: incoming events on the timeline.
    nsp.emit('stock', { item: o?.item, left: --stock });
  };
  const store = new MemoryStore();
  const seenFlaky = new Set<string>();
  nsp.on('connection', (socket) => {
    socket.on('cart:view', (_o: unknown, ack?: Ack) => ack?.({ items: 2 }));
    if (name === 'healthy') {
      socket.on('order:create', (o: Order, ack?: Ack) => {
        charge(o);
        setTimeout(() => ack?.({ ok: true, orderId: o?.id }), 40);
      });
    } else if (name === 'slow') {
      socket.on('order:create', (o: Order, ack?: Ack) => {
        charge(o);
        setTimeout(() => ack?.({ ok: true, orderId: o?.id }), 700);
      });
    } else if (name === 'flaky') {
      socket.on('order:create', (o: Order, ack?: Ack) => {
        charge(o);
        const id = String(o?.id);
        if (!seenFlaky.has(id)) {
          // The order is placed, then the network drops before the ack leaves.
          seenFlaky.add(id);
          setTimeout(() => socket.conn.close(), 20);
          return;
        }
        ack?.({ ok: true, orderId: o?.id });
      });
    } else if (name === 'dedup') {
      socket.on(
        'order:create',
        idempotent(
          async (o: Order, ack?: Ack) => {
            charge(o);
            await new Promise((r) => setTimeout(r, 700));
            ack?.({ ok: true, orderId: o?.id });
          },
          { store, event: 'order:create', onWarning: () => {} },
        ),
      );
    }
  });
}

export async function startShop(port = 0): Promise<DemoServer> {
  return startDemoServer({
    port,
    namespaces: ['/', '/admin', ...SCENARIOS.map((s) => `/${s}`)],
    staticDirs: { '/shop/': SHOP_DIR },
    setup: shopSetup,
  });
}

// `tsx demo/shop/setup.ts [port]` runs the shop alone.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  startShop(Number(process.argv[2] ?? 0)).then((s) => console.log(`shop on ${s.url}/shop/`));
}
