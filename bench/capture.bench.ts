/**
 * Capture pipeline benchmark (issue 3): real Chromium, the built dist/, the demo server.
 *
 * 1. Hook overhead: 5,000 sequential emitWithAck round trips, with the extension (recording
 *    on) and without it (plain Chromium), interleaved rounds; medians with spread and µs
 *    added per emit.
 * 2. Ingest: 50,000 fire-and-forget emits in one tight loop: 0 lost, none twice, the page
 *    never waits, memory bounded. Sustained emits/s stored (each emit with all its records)
 *    vs a raw batched IndexedDB write of one ~400-byte row per emit, in the same browser
 *    (the service worker) and run. Main-thread time per emit p50/p99 with vs without.
 *
 * Prints a report and writes bench/results/capture.json. Not a test: no thresholds fail it.
 * Usage: npx tsx bench/capture.bench.ts [--rounds N] [--only overhead|ingest]
 */
import { chromium, type Page, type BrowserContext } from 'playwright-core';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { execSync } from 'node:child_process';
import { launchWithExtension, findChrome, type ExtBrowser } from '../test/support/browser';
import { startDemoServer, type DemoServer } from '../demo/server';
import { PAGES } from '../test/e2e/support/bundle';

const arg = (name: string, d: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : d;
};
const ROUNDS = Number(arg('--rounds', '5'));
const ONLY = arg('--only', '');
const N_RT = 5000;
const N_BURST = 50_000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (x: number, d = 1) => x.toFixed(d);

async function plainBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'ackscope-bench-plain-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: findChrome(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-extensions', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function extBrowser(recording = true): Promise<ExtBrowser> {
  const b = await launchWithExtension();
  let w;
  for (let i = 0; ; i++) {
    try {
      w = await b.worker();
      break;
    } catch (e) {
      // On a loaded machine the worker can be slow to show up: a page with our content script wakes it.
      if (i > 2) throw e;
      const p = await b.context.newPage();
      await p.goto('data:text/html,<p>wake</p>').catch(() => {});
    }
  }
  await w!.evaluate((on) => chrome.storage.local.set({ 'ackscope.settings': { recordAll: on } }), recording);
  return b;
}

async function openApp(context: BrowserContext, srv: DemoServer): Promise<Page> {
  const page = await context.newPage();
  await page.goto(srv.url + '/t/umd.html');
  await page.waitForFunction(() => (window as any).tReady);
  await page.evaluate(() => (window as any).t.run(['fast'], 1));
  return page;
}

/** N sequential emitWithAck round trips; returns total ms. */
async function roundTrips(page: Page, n: number): Promise<number> {
  return page.evaluate(async (n) => {
    const s = (window as any).t.sockets.fast;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await s.emitWithAck('ping', i);
    return performance.now() - t0;
  }, n);
}

async function overhead(srv: DemoServer) {
  const withExt: number[] = [];
  const without: number[] = [];
  const hookOnly: number[] = [];
  const orders = [
    ['ext', 'plain', 'hook'],
    ['plain', 'hook', 'ext'],
    ['hook', 'ext', 'plain'],
  ];
  for (let r = 0; r < ROUNDS; r++) {
    // Interleaved: one browser at a time (shared 2-core machine), rotating which goes first.
    // 'hook': extension loaded but not recording (hook + ring buffer only, no pipeline traffic).
    for (const kind of orders[r % 3]) {
      if (kind === 'ext' || kind === 'hook') {
        const b = await extBrowser(kind === 'ext');
        const page = await openApp(b.context, srv);
        await roundTrips(page, 500); // warm-up
        (kind === 'ext' ? withExt : hookOnly).push(await roundTrips(page, N_RT));
        await b.close();
      } else {
        const b = await plainBrowser();
        const page = await openApp(b.context, srv);
        await roundTrips(page, 500);
        without.push(await roundTrips(page, N_RT));
        await b.close();
      }
      process.stdout.write('.');
    }
  }
  const mw = median(withExt);
  const mo = median(without);
  return {
    n: N_RT,
    rounds: ROUNDS,
    withExtMs: withExt,
    withoutMs: without,
    medianWithMs: mw,
    medianWithoutMs: mo,
    spreadWithMs: [Math.min(...withExt), Math.max(...withExt)],
    spreadWithoutMs: [Math.min(...without), Math.max(...without)],
    ratio: mw / mo,
    usAddedPerEmit: ((mw - mo) / N_RT) * 1000,
    hookOnlyMs: hookOnly,
    medianHookOnlyMs: median(hookOnly),
    hookOnlyRatio: median(hookOnly) / mo,
  };
}

/** 50k fire-and-forget emits in one loop; main-thread time per emit from blocks of 100 (timer resolution). */
async function burstLoop(page: Page, n: number) {
  return page.evaluate((n) => {
    // Main-thread tasks over 50 ms while the records drain (hook, relay: same thread).
    const lt = ((window as any).__longTasks = { count: 0, ms: 0 });
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) {
        lt.count++;
        lt.ms += e.duration;
      }
    }).observe({ type: 'longtask' });
    const s = (window as any).t.sockets.fast;
    const B = 100;
    const each: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < n; i += B) {
      const a = performance.now();
      for (let j = i; j < i + B; j++) s.emit('fire', { i: j, pad: 'x'.repeat(64) });
      each.push((performance.now() - a) / B);
    }
    const loopMs = performance.now() - t0;
    each.sort((a, b) => a - b);
    return { loopMs, p50: each[Math.floor(each.length * 0.5)], p99: each[Math.floor(each.length * 0.99)], t0: performance.timeOrigin + t0 };
  }, n);
}

async function heapMB(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  const h = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  await cdp.detach();
  return h.usedSize / 1048576;
}

async function ingest(srv: DemoServer) {
  // Without the extension first: the main-thread cost of the bare loop.
  const plain = await plainBrowser();
  const pp = await openApp(plain.context, srv);
  const bare = await burstLoop(pp, N_BURST);
  await plain.close();

  const b = await extBrowser();
  const page = await openApp(b.context, srv);
  const w = await b.worker();
  const heapBefore = await heapMB(page);
  const statsBefore = await w.evaluate(() => ({ ...(globalThis as any).__ackscope.stats }));
  const wall0 = Date.now();
  await w.evaluate(() => ((globalThis as any).__ackscope.stats.firstBatchAt = 0));
  const loop = await burstLoop(page, N_BURST);
  // Watch storage catch up; sample page heap on the way (bounded memory).
  let heapPeak = heapBefore;
  let stored = 0;
  const target = statsBefore.stored + N_BURST * 2; // emit + attempt per fire-and-forget emit
  for (;;) {
    const s = await w.evaluate(() => (globalThis as any).__ackscope.stats.stored as number);
    stored = s;
    heapPeak = Math.max(heapPeak, await heapMB(page));
    if (s >= target || Date.now() - wall0 > 300_000) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // Records stored: when the worker committed the last batch. Summaries: when idle (drained).
  const storedAt = await w.evaluate(() => (globalThis as any).__ackscope.stats.lastStoredAt as number);
  const done = await w.evaluate(async () => {
    const x = (globalThis as any).__ackscope;
    await x.idle();
    return Date.now();
  });
  const elapsedMs = storedAt - (loop.t0 as number);
  const summariesMs = done - (loop.t0 as number);
  const longTasks = await page.evaluate(() => (window as any).__longTasks as { count: number; ms: number });
  // Lost / twice: per frame, seqs 0..max each once.
  const check = await w.evaluate(async () => {
    const x = (globalThis as any).__ackscope;
    const seen = new Map<string, Set<number>>();
    let total = 0;
    let fire = 0;
    await x.db.chunks.each((c: any) => {
      for (const r of x.chunkRecords(c)) {
        total++;
        if (r.kind === 'emit' && r.event === 'fire') fire++;
        let s = seen.get(r.frame);
        if (!s) seen.set(r.frame, (s = new Set()));
        s.add(r.seq);
      }
    });
    let unique = 0;
    let holes = 0;
    for (const s of seen.values()) {
      unique += s.size;
      let max = -1;
      for (const x of s) if (x > max) max = x;
      holes += max + 1 - s.size;
    }
    return { total, unique, holes, fire };
  });
  const heapAfter = await heapMB(page);

  // Raw baseline in the same browser and worker: one ~400-byte row per emit, batched transactions.
  const raw = await w.evaluate(async (n) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('bench-raw-' + Date.now(), 1);
      r.onupgradeneeded = () => r.result.createObjectStore('rows', { keyPath: ['f', 's'] });
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const pad = 'x'.repeat(300);
    const t0 = performance.now();
    const BATCH = 1000;
    for (let i = 0; i < n; i += BATCH) {
      await new Promise<void>((res, rej) => {
        const tx = db.transaction('rows', 'readwrite');
        const st = tx.objectStore('rows');
        for (let j = i; j < Math.min(n, i + BATCH); j++) st.put({ f: 'frame', s: j, kind: 'emit', event: 'fire', t: Date.now(), args: pad });
        tx.oncomplete = () => res();
        tx.onerror = () => rej(tx.error);
      });
    }
    const ms = performance.now() - t0;
    const name = db.name;
    db.close();
    indexedDB.deleteDatabase(name);
    return { ms, rowsPerSec: (n / ms) * 1000 };
  }, N_BURST);
  const workerStats = await w.evaluate(() => ({ ...(globalThis as any).__ackscope.stats, ...(globalThis as any).__ackscope.ingest.timing }));
  await b.close();

  const emitsPerSec = (N_BURST / elapsedMs) * 1000;
  return {
    n: N_BURST,
    loopMsWith: loop.loopMs,
    loopMsWithout: bare.loopMs,
    perEmitUs: { withP50: loop.p50 * 1000, withP99: loop.p99 * 1000, withoutP50: bare.p50 * 1000, withoutP99: bare.p99 * 1000 },
    storedAllMs: elapsedMs,
    summariesDoneMs: summariesMs,
    longTasks,
    emitsPerSecStored: emitsPerSec,
    rawRowsPerSec: raw.rowsPerSec,
    ratioToRaw: emitsPerSec / raw.rowsPerSec,
    check,
    heapMB: { before: heapBefore, peak: heapPeak, after: heapAfter },
    workerStats,
    storedRecords: stored - statsBefore.stored,
  };
}

async function main() {
  const srv = await startDemoServer({ staticDirs: { '/t/': PAGES } });
  const machine = {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memGB: Math.round(totalmem() / 1073741824),
    chromium: execSync(`${findChrome()} --version 2>/dev/null`).toString().trim(),
    node: process.version,
    date: new Date().toISOString(),
  };
  const out: Record<string, unknown> = { machine };
  try {
    if (ONLY !== 'overhead') {
      const r = await ingest(srv);
      out.ingest = r;
      console.log(`\ningest: ${N_BURST} emits; stored in ${fmt(r.storedAllMs, 0)} ms = ${fmt(r.emitsPerSecStored, 0)} emits/s; raw IDB row-per-emit ${fmt(r.rawRowsPerSec, 0)} rows/s; ratio ${fmt(r.ratioToRaw, 2)}`);
      console.log(`  summaries done after ${fmt(r.summariesDoneMs, 0)} ms; long tasks ${JSON.stringify(r.longTasks)}`);
      console.log(`  check: ${JSON.stringify(r.check)}; heap MB ${JSON.stringify(r.heapMB)}`);
      console.log(`  loop ms with ${fmt(r.loopMsWith)} / without ${fmt(r.loopMsWithout)}; per emit µs ${JSON.stringify(r.perEmitUs)}`);
      console.log(`  worker: ${JSON.stringify(r.workerStats)}`);
    }
    if (ONLY !== 'ingest') {
      const r = await overhead(srv);
      out.overhead = r;
      console.log(`\noverhead: ${N_RT} emitWithAck round trips x ${ROUNDS} rounds`);
      console.log(`  with ext median ${fmt(r.medianWithMs)} ms [${r.spreadWithMs.map((x) => fmt(x)).join('..')}]; without ${fmt(r.medianWithoutMs)} ms [${r.spreadWithoutMs.map((x) => fmt(x)).join('..')}]`);
      console.log(`  ratio ${fmt(r.ratio, 3)}; +${fmt(r.usAddedPerEmit)} µs per emit`);
      console.log(`  extension loaded, not recording (hook only): median ${fmt(r.medianHookOnlyMs)} ms, ratio ${fmt(r.hookOnlyRatio, 3)}`);
    }
  } finally {
    await srv.close();
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/capture.json', JSON.stringify(out, null, 2));
  console.log(JSON.stringify(machine));
}
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
