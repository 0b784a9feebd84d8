/**
 * Capture pipeline end to end (issue 3): real Chromium, the built dist/, the demo server.
 * For each loading style (bundled, UMD, ESM, an iframe) the scenario app runs every scenario
 * and the records in the extension's IndexedDB must be exactly the expected ones; the
 * server's own execution counts must match; and the app must observe exactly what it
 * observes in a browser without the extension (differential check).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { rmSync } from 'node:fs';
import { launchWithExtension, findChrome, type ExtBrowser } from '../support/browser';
import { startDemoServer, type DemoServer } from '../../demo/server';
import { setSettings, waitForRecords, sessions, ops } from './support/ext';
import { PAGES, buildScenarioBundle } from './support/bundle';
import { sig, expected, expectedExecutions, byClient, causalProblems } from './support/expect';
import type { Rec } from '../../src/core/protocol';

const SCENARIOS = ['fast', 'slowRetries', 'never', 'timeoutCb', 'disconnect', 'namespaces'];
const STYLES = [
  { name: 'bundled', path: '/t/bundle.html', id0: 1000 },
  { name: 'UMD', path: '/t/umd.html', id0: 2000 },
  { name: 'ESM', path: '/t/esm.html', id0: 3000 },
  { name: 'iframe', path: '/t/iframe.html', id0: 4000 },
] as const;

let b: ExtBrowser;
let srv: DemoServer;
let bundleDir: string;
const logs = new Map<string, unknown>();

beforeAll(async () => {
  bundleDir = await buildScenarioBundle();
  srv = await startDemoServer({ staticDirs: { '/t/': PAGES, '/b/': bundleDir } });
  b = await launchWithExtension();
  await setSettings(b, { recordAll: true });
});
afterAll(async () => {
  await b?.close();
  await srv?.close();
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

/** The frame running the scenario app (the child frame for the iframe style). */
async function appFrame(page: Page, style: string): Promise<Frame> {
  if (style !== 'iframe') {
    await page.waitForFunction(() => (window as any).tReady);
    return page.mainFrame();
  }
  const el = await page.waitForSelector('#f');
  const f = (await el.contentFrame())!;
  await f.waitForFunction(() => (window as any).tReady);
  return f;
}

async function runStyle(context: BrowserContext, base: string, style: (typeof STYLES)[number]) {
  const page = await context.newPage();
  await page.goto(base + style.path);
  const f = await appFrame(page, style.name);
  const log = await f.evaluate(([names, id0]) => (window as any).t.run(names, id0), [SCENARIOS, style.id0] as const);
  return { page, log };
}

describe('capture: exact records per loading style', () => {
  for (const style of STYLES) {
    it(`${style.name}: every emit, attempt, ack (late ones too), timeout and settle is stored`, async () => {
      const { page, log } = await runStyle(b.context, srv.url, style);
      logs.set(style.name, log);
      const want = expected(SCENARIOS, style.id0);
      const wantCount = want.flat().length;
      const tabSessions = async () => (await sessions(b)).filter((s) => s.url.endsWith(style.path));
      // Late acks arrive after the app already saw the timeout: wait for them, not for a time.
      const recs = await waitForRecords(b, (rs) => {
        const frames = rs.filter((r) => (r as { client?: string }).client);
        return frames.length >= wantCount && rs.filter((r) => r.kind === 'ack' && r.late).length >= 0;
      }, { session: (await tabSessions())[0]?.id });
      const [session] = await tabSessions();
      expect(session, 'one session for the tab').toBeDefined();
      const mine = recs.filter((r) => r.session === session.id);
      const hooks = mine.filter((r) => r.kind === 'hook') as Array<Rec & { kind: 'hook' }>;
      // the app's frame: for the iframe style the child document joined the tab's session
      const appHook = hooks.find((h) => h.url.endsWith(style.name === 'iframe' ? '/t/umd.html' : style.path))!;
      expect(appHook, 'hook record of the app frame').toBeDefined();
      if (style.name === 'iframe') {
        expect(appHook.top).toBe(false);
        expect(hooks.some((h) => h.top && h.url.endsWith('/t/iframe.html'))).toBe(true);
      }
      const frameRecs = mine.filter((r) => r.frame === appHook.frame);
      // none twice, no holes
      const seqs = frameRecs.map((r) => r.seq).sort((x, y) => x - y);
      expect(seqs).toEqual(seqs.map((_, i) => i));
      const clients = byClient(frameRecs);
      expect(clients.map((c) => c.map(sig).sort())).toEqual(want.map((c) => [...c].sort()));
      for (const c of clients) expect(causalProblems(c)).toEqual([]);
      // the server really ran what the records say (retried op ran 3 times)
      const ex = expectedExecutions(SCENARIOS, style.id0);
      for (const [k, n] of Object.entries(ex)) expect(srv.executions.get(k) ?? 0, k).toBe(n);
      // emit hashes filled in by the relay/worker
      expect(frameRecs.filter((r) => r.kind === 'emit').every((r) => /^[0-9a-f]{16}$/.test((r as any).hash))).toBe(true);
      // per-operation summaries maintained by the worker: every emit belongs to one stored op
      const opRows = await ops(b, session.id);
      const emitIds = frameRecs.filter((r) => r.kind === 'emit').map((r) => (r as any).op as string);
      const covered = new Set(opRows.flatMap((o) => o.emits));
      expect(emitIds.filter((id) => !covered.has(id))).toEqual([]);
      const slowOp = opRows.find((o) => o.event === 'slow' && o.attempts === 3)!;
      expect(slowOp, 'the retried op summary').toBeDefined();
      expect(slowOp.chain.flatMap((a) => a.lateAcks).length).toBe(3);
      await page.close();
    });
  }

  it('differential: the app observes identical results without the extension', async () => {
    const dir = (await import('node:fs')).mkdtempSync((await import('node:path')).join((await import('node:os')).tmpdir(), 'ackscope-plain-'));
    const plain = await chromium.launchPersistentContext(dir, {
      executablePath: findChrome(),
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-extensions', '--disable-dev-shm-usage', '--no-first-run'],
    });
    try {
      for (const style of STYLES) {
        const withExt = logs.get(style.name);
        expect(withExt, `${style.name} ran with the extension`).toBeDefined();
        const { log } = await runStyle(plain, srv.url, style);
        expect(log, style.name).toEqual(withExt);
      }
    } finally {
      await plain.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
