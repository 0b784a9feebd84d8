/**
 * The shared fixture app (demo/public/fixtures, every loading style incl. srcdoc and
 * about:blank iframes and a socket created long after load) through the whole pipeline:
 * every frame's records land in the tab's session, none twice, no holes, every awaited emit
 * settled, the retried slow op recorded with its 3 attempts (the server ran it 3 times);
 * and the app's results are identical without the extension (differential check).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chromium, type BrowserContext } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchWithExtension, findChrome, type ExtBrowser } from '../support/browser';
import { startDemoServer, type DemoServer } from '../../demo/server';
import { setSettings, records, sessions } from './support/ext';
import type { Rec } from '../../src/core/protocol';

const PAGES = ['bundle', 'umd', 'esm', 'iframe', 'late'] as const;
let b: ExtBrowser;
let srv: DemoServer;
const results = new Map<string, unknown>();

beforeAll(async () => {
  srv = await startDemoServer();
  b = await launchWithExtension();
  await setSettings(b, { recordAll: true });
});
afterAll(async () => {
  await b?.close();
  await srv?.close();
});

async function runFixture(context: BrowserContext, name: string) {
  const page = await context.newPage();
  await page.goto(`${srv.url}/fixtures/${name}.html`);
  await page.waitForFunction(() => (window as any).demoReady !== undefined);
  const out = await page.evaluate(async (name) => {
    const demo = await (window as any).demoReady;
    if (name === 'iframe') {
      const all: Record<string, unknown> = {};
      for (const f of demo.frames) all[f] = await demo.run('slow-retries', f);
      return all;
    }
    if (name === 'late') return { late: (window as any).lateResult };
    return demo.runAll();
  }, name);
  return { page, out };
}

describe('capture: fixture pages', () => {
  for (const name of PAGES) {
    it(`${name}: all frames' records land once, every awaited emit settles`, async () => {
      srv.reset();
      const { page, out } = await runFixture(b.context, name);
      results.set(name, out);
      const session = (await sessions(b)).find((s) => s.url.includes(`/fixtures/${name}.html`))!;
      expect(session).toBeDefined();
      // wait for the late acks of the retried op(s): they arrive after the app saw the timeout
      const wantLate = name === 'late' ? 0 : name === 'iframe' ? 9 : 3;
      let recs: Rec[] = [];
      for (let i = 0; i < 100; i++) {
        recs = await records(b, session.id);
        const settledOps = new Set(recs.filter((r) => r.kind === 'settle').map((r) => (r as any).op));
        const open = recs.filter((r) => r.kind === 'emit' && (r as any).api === 'promise' && !(r as any).error && !settledOps.has((r as any).op));
        if (recs.filter((r) => r.kind === 'ack' && r.late).length >= wantLate && settledOps.size && !open.length) break;
        await new Promise((r) => setTimeout(r, 150));
      }
      const byFrame = new Map<string, Rec[]>();
      for (const r of recs) byFrame.set(r.frame, [...(byFrame.get(r.frame) ?? []), r]);
      const hooks = recs.filter((r) => r.kind === 'hook') as Array<Rec & { kind: 'hook' }>;
      if (name === 'iframe') expect(hooks.filter((h) => !h.top).length, 'child, srcdoc and about:blank frames').toBeGreaterThanOrEqual(3);
      for (const [frame, rs] of byFrame) {
        if (frame.startsWith('relay-') || frame.startsWith('worker-')) continue;
        const seqs = rs.map((r) => r.seq).sort((x, y) => x - y);
        expect(seqs, `frame ${frame}: none twice, no holes`).toEqual(seqs.map((_, i) => i));
      }
      // every emit the app waited for (promise/callback) ended in a settle record
      const settled = new Set(recs.filter((r) => r.kind === 'settle').map((r) => (r as any).op));
      const awaited = recs.filter((r) => r.kind === 'emit' && (r as any).api === 'promise' && !(r as any).error);
      expect(awaited.filter((e) => !settled.has((e as any).op)).map((e) => (e as any).event)).toEqual([]);
      if (name !== 'late') {
        const slowOps = recs
          .filter((r) => r.kind === 'emit' && (r as any).event === 'slow' && (r as any).args?.json.includes('"slow-1"'))
          .map((r) => (r as any).op);
        expect(slowOps.length).toBe(name === 'iframe' ? 3 : 1);
        for (const op of slowOps) {
          expect(recs.filter((r) => r.kind === 'attempt' && (r as any).op === op).length, 'slow op attempts').toBe(3);
          expect(recs.filter((r) => r.kind === 'ack' && (r as any).op === op && (r as any).late).length, 'late acks').toBe(3);
        }
        expect(srv.count('/ slow slow-1')).toBe(3 * slowOps.length);
      } else {
        expect(recs.some((r) => r.kind === 'emit' && (r as any).event === 'ping')).toBe(true);
      }
      await page.close();
    });
  }

  it('differential: identical app results without the extension', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ackscope-plain-'));
    const plain = await chromium.launchPersistentContext(dir, {
      executablePath: findChrome(),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-extensions', '--disable-dev-shm-usage', '--no-first-run'],
    });
    try {
      for (const name of PAGES) {
        expect(results.has(name), name).toBe(true);
        const { out } = await runFixture(plain, name);
        expect(out, name).toEqual(results.get(name));
      }
    } finally {
      await plain.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
