/**
 * Analysis core benchmark (issue 4): a generated, realistic 1,000,000-record session.
 * Measures full analysis (push all + result) and appending 1,000 records (push + summaries
 * of the changed operations, what the service worker does), each as a ratio to a plain single
 * pass over the same records in the same run, plus peak memory.
 *
 * Run: npm run bench -- analysis   (or npx tsx bench/analysis.bench.ts [records])
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import { createAnalyzer } from '../src/core/analysis';
import { canonicalHash } from '../src/core/hash';
import type { Rec, Preview } from '../src/core/protocol';

const TOTAL = Number(process.argv[2] ?? 1_000_000);

// Re-run with --expose-gc so memory figures are exact and a GC from the generator does not
// land in a timed section (scripts/bench.mjs starts benchmarks through plain tsx).
if (!(globalThis as { gc?: unknown }).gc && !process.env.ACKSCOPE_BENCH_CHILD) {
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, process.argv[1], ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ACKSCOPE_BENCH_CHILD: '1' },
  });
  process.exit(r.status ?? 1);
}
const APPEND = 1000;

// ---------------------------------------------------------------- generator

function rng(seed: number) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const pv = (json: string): Preview => ({ json, size: json.length, truncated: false });

/** Generates records in the order a page hook produces them; `next(n)` yields n more. */
class Gen {
  private rnd = rng(42);
  private seq = 0;
  private t = 1_700_000_000_000;
  private opN = new Map<string, number>();
  private ids = new Map<string, number>();
  private n = 0;
  readonly frame = 'fbench';
  private buf: Rec[] = [];
  private readonly clients = [
    { id: 'fbench/c1', nsp: '/', opts: { retries: 2, ackTimeout: 300, reconnectionDelay: 1000 } },
    { id: 'fbench/c2', nsp: '/', opts: {} },
    { id: 'fbench/c3', nsp: '/admin', opts: { retries: 1, ackTimeout: 1000 } },
  ];

  private rec(r: Record<string, unknown>, dt = 0): void {
    this.t += dt;
    this.buf.push({ v: 1, frame: this.frame, seq: this.seq++, t: this.t, ...r } as unknown as Rec);
  }

  private op(client: string): string {
    const n = (this.opN.get(client) ?? 0) + 1;
    this.opN.set(client, n);
    return `${client}/o${n}`;
  }

  private wire(client: string): number {
    const n = this.ids.get(client) ?? 0;
    this.ids.set(client, n + 1);
    return n;
  }

  private start(): void {
    this.rec({ kind: 'hook', url: 'http://127.0.0.1/app', top: true, userAgent: 'bench', hookVersion: '1' });
    for (const c of this.clients) {
      this.rec({ kind: 'client', client: c.id, manager: 'fbench/m1', url: 'http://127.0.0.1:3000/', nsp: c.nsp, opts: c.opts });
      this.rec({ kind: 'conn', client: c.id, event: 'connect', sid: `sid-${c.id}`, engineSid: 'eng1' }, 1);
    }
  }

  private emit(client: string, event: string, json: string, o: { ack: boolean; queued: boolean; flags?: Record<string, number> }): string {
    const op = this.op(client);
    this.rec({ kind: 'emit', client, op, event, ack: o.ack, api: o.ack ? 'promise' : 'none', queued: o.queued, flags: o.flags ?? {}, args: pv(json), hash: canonicalHash(json) }, 1 + this.rnd() * 5);
    return op;
  }

  /** One logical step of app traffic. */
  private step(): void {
    const r = this.rnd();
    this.n++;
    if (this.n % 20000 === 0) {
      // A reconnect now and then.
      const c = this.clients[this.n % 3].id;
      this.rec({ kind: 'conn', client: c, event: 'disconnect', reason: 'transport close' }, 5);
      this.rec({ kind: 'conn', client: c, event: 'reconnect_attempt', attempt: 1 }, 1000);
      this.rec({ kind: 'conn', client: c, event: 'connect', sid: `sid-${this.n}`, engineSid: `e${this.n}` }, 20);
      return;
    }
    if (r < 0.3) {
      // c1 (retries 2 / ackTimeout 300): order:create with an id; mostly fast, sometimes slow.
      const c = 'fbench/c1';
      const id = `o-${this.n}`;
      const op = this.emit(c, 'order:create', `[{"id":"${id}","items":[{"sku":"A${this.n % 97}","qty":${1 + (this.n % 3)}}],"total":${(this.n % 1000) / 10}}]`, { ack: true, queued: true });
      const k = this.rnd();
      if (k < 0.93) {
        const w = this.wire(c);
        this.rec({ kind: 'attempt', client: c, op, try: 1, ackId: w }, 0.2);
        const lat = 20 + this.rnd() * 80;
        this.rec({ kind: 'ack', client: c, ackId: w, op, late: false, latency: lat, args: pv('[null,{"ok":true}]') }, lat);
        this.rec({ kind: 'settle', client: c, op, outcome: 'acked', args: pv('[{"ok":true}]') }, 0.1);
      } else {
        // Slow: 3 attempts timing out, late acks (or a dedup marker on retries).
        const dedup = k > 0.98;
        const ws: number[] = [];
        for (let i = 1; i <= 3; i++) {
          const w = this.wire(c);
          ws.push(w);
          this.rec({ kind: 'attempt', client: c, op, try: i, ackId: w }, i === 1 ? 0.2 : 0);
          this.rec({ kind: 'attempt-end', client: c, op, ackId: w, cause: 'timeout', message: 'operation has timed out' }, 300);
        }
        this.rec({ kind: 'settle', client: c, op, outcome: 'failed', reason: 'operation has timed out' }, 0.1);
        ws.forEach((w, i) => this.rec({ kind: 'ack', client: c, ackId: w, late: true, latency: 500, args: pv(dedup && i > 0 ? '["DUPLICATE"]' : '[null,{"ok":true}]') }, i === 0 ? 0 : 300));
      }
    } else if (r < 0.55) {
      // c2 (no retries): ping every second, acked fast: identical payloads on purpose.
      const c = 'fbench/c2';
      const op = this.emit(c, 'ping', '[{}]', { ack: true, queued: false });
      const w = this.wire(c);
      this.rec({ kind: 'attempt', client: c, op, try: 1, ackId: w }, 0.1);
      this.rec({ kind: 'ack', client: c, ackId: w, op, late: false, latency: 3, args: pv('["pong"]') }, 3);
      this.rec({ kind: 'settle', client: c, op, outcome: 'acked', args: pv('["pong"]') }, 0.1);
    } else if (r < 0.75) {
      // c2: chat, fire-and-forget.
      const c = 'fbench/c2';
      const op = this.emit(c, 'chat', `["message ${this.n % 500}"]`, { ack: false, queued: false });
      this.rec({ kind: 'attempt', client: c, op, try: 1, ackId: null }, 0.1);
    } else if (r < 0.88) {
      // c2: search with timeout(1000); 3% time out and the app re-emits the same payload.
      const c = 'fbench/c2';
      const q = `[{"q":"term${this.n % 50}"}]`;
      const op = this.emit(c, 'search', q, { ack: true, queued: false, flags: { timeout: 1000 } });
      const w = this.wire(c);
      this.rec({ kind: 'attempt', client: c, op, try: 1, ackId: w }, 0.1);
      if (this.rnd() < 0.03) {
        this.rec({ kind: 'attempt-end', client: c, op, ackId: w, cause: 'timeout', message: 'operation has timed out' }, 1000);
        this.rec({ kind: 'settle', client: c, op, outcome: 'timed-out', reason: 'operation has timed out' }, 0.1);
        this.rec({ kind: 'ack', client: c, ackId: w, late: true, latency: 1200, args: pv('[{"hits":3}]') }, 200);
        const op2 = this.emit(c, 'search', q, { ack: true, queued: false, flags: { timeout: 1000 } });
        const w2 = this.wire(c);
        this.rec({ kind: 'attempt', client: c, op: op2, try: 1, ackId: w2 }, 0.1);
        this.rec({ kind: 'ack', client: c, ackId: w2, op: op2, late: false, latency: 150, args: pv('[{"hits":3}]') }, 150);
        this.rec({ kind: 'settle', client: c, op: op2, outcome: 'acked' }, 0.1);
      } else {
        const lat = 30 + this.rnd() * 200;
        this.rec({ kind: 'ack', client: c, ackId: w, op, late: false, latency: lat, args: pv('[{"hits":3}]') }, lat);
        this.rec({ kind: 'settle', client: c, op, outcome: 'acked' }, 0.1);
      }
    } else if (r < 0.95) {
      // c3 (/admin, retries 1 / ackTimeout 1000): updates with a requestId.
      const c = 'fbench/c3';
      const op = this.emit(c, 'user:update', `[{"user":{"requestId":"r${this.n}"},"name":"n${this.n % 77}"}]`, { ack: true, queued: true });
      const w = this.wire(c);
      this.rec({ kind: 'attempt', client: c, op, try: 1, ackId: w }, 0.2);
      this.rec({ kind: 'ack', client: c, ackId: w, op, late: false, latency: 40, args: pv('[null,"ok"]') }, 40);
      this.rec({ kind: 'settle', client: c, op, outcome: 'acked' }, 0.1);
    } else {
      // Server pushes.
      this.rec({ kind: 'incoming', client: 'fbench/c2', event: 'news', args: pv(`[{"headline":"h${this.n % 300}"}]`) }, 2);
    }
  }

  next(n: number): Rec[] {
    if (this.seq === 0) this.start();
    while (this.buf.length < n) this.step();
    // Records reach the analyzer through structured clone (port messages, IndexedDB) or
    // JSON (session files): flat strings and plain objects, not the generator's own values.
    return structuredClone(this.buf.splice(0, n));
  }
}

// ---------------------------------------------------------------- measurement

/** Plain single pass: touch every record once (kind switch, a counter per kind, max time). */
function plainPass(records: readonly Rec[]): number {
  const counts = new Map<string, number>();
  let maxT = 0;
  for (const r of records) {
    counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
    if (r.t > maxT) maxT = r.t;
  }
  return counts.size + maxT;
}

const now = () => performance.now();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (b: number) => Math.round(b / 1048576);

function chromiumVersion(): string {
  for (const bin of [process.env.CHROME_PATH, '/usr/bin/chromium'].filter(Boolean) as string[]) {
    try {
      return execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 10000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      /* try next */
    }
  }
  return 'n/a';
}

const gen = new Gen();
const records = gen.next(TOTAL);
const extra = Array.from({ length: 20 }, () => gen.next(APPEND));
const gc = (globalThis as { gc?: () => void }).gc;

// Baseline: plain pass over the same records (median of 5 after a warm-up).
plainPass(records);
const base: number[] = [];
for (let i = 0; i < 5; i++) {
  const t0 = now();
  plainPass(records);
  base.push(now() - t0);
}
const baseFull = median(base);

// Full analysis: push everything, then result(). Median of 3 fresh analyzers.
const fulls: number[] = [];
const pushes: number[] = [];
let analyzer = createAnalyzer();
let heapBefore = 0;
let heapAfter = 0;
let ops = 0;
let findings = 0;
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const fullCpu: number[] = [];
for (let i = 0; i < 3; i++) {
  analyzer = null as unknown as typeof analyzer; // let the previous run's state go before measuring
  gc?.();
  heapBefore = process.memoryUsage().heapUsed;
  analyzer = createAnalyzer();
  const c0 = cpuMs();
  const t0 = now();
  analyzer.push(records);
  const t1 = now();
  const res = analyzer.result();
  const t2 = now();
  fullCpu.push(cpuMs() - c0);
  pushes.push(t1 - t0);
  fulls.push(t2 - t0);
  ops = res.operations.length;
  findings = res.findings.length;
  gc?.();
  heapAfter = process.memoryUsage().heapUsed;
}
const full = median(fulls);

// Append 1,000 records: push + build the changed operations (what the worker persists).
const appends: number[] = [];
const appendResults: number[] = [];
const appendBase: number[] = [];
for (const chunk of extra) {
  const b0 = now();
  plainPass(chunk);
  appendBase.push(now() - b0);
  const t0 = now();
  const { changed } = analyzer.push(chunk);
  for (const id of changed) analyzer.operation(id);
  const t1 = now();
  analyzer.result();
  const t2 = now();
  appends.push(t1 - t0);
  appendResults.push(t2 - t1);
}
const append = median(appends);
const appendB = median(appendBase);
const maxRss = process.resourceUsage().maxRSS * 1024;

const rows = [
  ['Plain single pass, 1,000,000 records (baseline)', `${baseFull.toFixed(1)} ms`, '1×', ''],
  ['Full analysis (push all + result)', `${full.toFixed(0)} ms`, `${(full / baseFull).toFixed(0)}×`, '≤ 2000 ms'],
  ['  same, process CPU time (all threads, incl. GC)', `${median(fullCpu).toFixed(0)} ms`, '', ''],
  ['  of which push (indexing + linking)', `${median(pushes).toFixed(0)} ms`, `${(median(pushes) / baseFull).toFixed(0)}×`, ''],
  ['Plain single pass, 1,000 records (baseline)', `${appendB.toFixed(3)} ms`, '1×', ''],
  ['Append 1,000 records (push + changed summaries)', `${append.toFixed(2)} ms`, `${(append / appendB).toFixed(0)}×`, '≤ 10 ms'],
  ['result() after an append (lazy findings/stats)', `${median(appendResults).toFixed(0)} ms`, `${(median(appendResults) / baseFull).toFixed(1)}× full pass`, ''],
];
const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, ${chromiumVersion()}; load average during the run ${load} (1/5/15 min, shared machine)`;
const table = [
  `Records: ${records.length.toLocaleString('en')} (${ops.toLocaleString('en')} operations, ${findings} findings); machine: ${machine}.`,
  '',
  '| Measure | Time (median) | Ratio to plain pass | Target |',
  '| --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  '',
  `Memory: heap retained by the analyzer ${mb(heapAfter - heapBefore)} MB${gc ? '' : ' (no --expose-gc: approximate)'}; peak RSS of the process ${mb(maxRss)} MB (includes the generated records).`,
].join('\n');
console.log(table);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/analysis.json',
  JSON.stringify({ records: records.length, ops, baseFullMs: baseFull, fullMs: full, fullCpuMs: median(fullCpu), pushMs: median(pushes), appendBaseMs: appendB, appendMs: append, resultAfterAppendMs: median(appendResults), heapRetainedBytes: heapAfter - heapBefore, maxRssBytes: maxRss, machine }, null, 2),
);
const ok = full <= 2000 && append <= 10;
console.log(ok ? '\nTargets met.' : '\nTARGET MISSED.');
