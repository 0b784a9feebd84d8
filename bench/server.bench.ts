// Added latency per handled event of idempotent() (MemoryStore, RedisStore) against the
// bare handler, over loopback Socket.IO (real server, real client, real redis-server).
// 10,000 events per variant, sent one at a time with emitWithAck, interleaved in rounds so
// machine noise hits every variant alike. Ratios are per round against the bare handler
// of the same round; we report their median and range.
// Run: npm run bench -- server
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { idempotent, MemoryStore, RedisStore } from '../src/server/index.ts';
import { connect, closeClients, startIo, startRedis } from '../test/unit/server/helpers.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const ROUNDS = 20;
const PER_ROUND = Math.ceil(EVENTS / ROUNDS);
const WARMUP = 1000;

type Variant = { name: string; event: string; key: (i: number) => string };
const variants: Variant[] = [
  { name: 'bare handler', event: 'bare', key: (i) => `b${i}` },
  { name: 'MemoryStore, new key', event: 'mem', key: (i) => `m${i}` },
  { name: 'RedisStore, new key', event: 'redis', key: (i) => `r${i}` },
  { name: 'MemoryStore, duplicate (replay)', event: 'mem', key: () => 'm-dup' },
  { name: 'RedisStore, duplicate (replay)', event: 'redis', key: () => 'r-dup' },
];

const redis = await startRedis();
const mem = new MemoryStore({ maxSize: 1_000_000 });
const rstore = new RedisStore({ redis: redis.url });
const work = (p: { id: string }, ack: (r: unknown) => void) => ack({ ok: p.id });
const silent = { onWarning: () => {} };
const server = await startIo((socket) => {
  socket.on('bare', work);
  socket.on('mem', idempotent(work, { store: mem, event: 'mem', ...silent }));
  socket.on('redis', idempotent(work, { store: rstore, event: 'redis', ...silent }));
});
const client = await connect(server.url);

let seq = 0;
async function runBatch(v: Variant, n: number, out?: number[]) {
  for (let i = 0; i < n; i++) {
    const id = v.key(seq++);
    const t0 = process.hrtime.bigint();
    const r = (await client.emitWithAck(v.event, { id })) as { ok?: string };
    const dt = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r?.ok !== id) throw new Error(`${v.name}: unexpected ack ${JSON.stringify(r)}`);
    out?.push(dt);
  }
}

for (const v of variants) await runBatch(v, WARMUP);

const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
const roundMedians = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  // Rotate the order each round so no variant always runs first.
  const order = variants.map((_, i) => variants[(i + r) % variants.length]!);
  for (const v of order) {
    const lat: number[] = [];
    await runBatch(v, PER_ROUND, lat);
    samples.get(v.name)!.push(...lat);
    roundMedians.get(v.name)!.push(quantile(lat, 0.5));
  }
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.ceil(pos)]! - s[lo]!) * (pos - lo);
}

const bare = roundMedians.get('bare handler')!;
const rows = variants.map((v) => {
  const all = samples.get(v.name)!;
  const rm = roundMedians.get(v.name)!;
  const ratios = rm.map((m, i) => m / bare[i]!);
  const added = rm.map((m, i) => (m - bare[i]!) * 1000);
  return {
    variant: v.name,
    events: all.length,
    medianMs: quantile(all, 0.5),
    p10Ms: quantile(all, 0.1),
    p90Ms: quantile(all, 0.9),
    p99Ms: quantile(all, 0.99),
    ratioMedian: quantile(ratios, 0.5),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
    addedUsMedian: quantile(added, 0.5),
  };
});

const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, ${os.platform()} ${os.release()}, redis-server on loopback`;
const f = (x: number, d = 3) => x.toFixed(d);
const lines = [
  `Machine: ${machine}. ${EVENTS} events per variant, ${ROUNDS} interleaved rounds, sequential emitWithAck over loopback WebSocket.`,
  '',
  '| variant | events | median ms | p10–p90 ms | p99 ms | ratio vs bare (median, min–max of rounds) | added µs (median) |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.variant} | ${r.events} | ${f(r.medianMs)} | ${f(r.p10Ms)}–${f(r.p90Ms)} | ${f(r.p99Ms)} | ${f(r.ratioMedian, 2)}× (${f(r.ratioMin, 2)}–${f(r.ratioMax, 2)}) | ${f(r.addedUsMedian, 0)} |`,
  ),
];
console.log(lines.join('\n'));
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/server.json', JSON.stringify({ date: new Date().toISOString(), machine, rows }, null, 2));

closeClients();
await server.close();
await rstore.close();
await mem.close();
await redis.stop();
