/**
 * The page hook (src/page/hook.ts) in real Chromium, without the rest of the extension: the
 * hook is bundled as the same IIFE the manifest injects and added at document start, next to a
 * minimal stand-in for the ISOLATED relay that takes the handshake port and collects what the
 * hook sends (PageToRelay). End-to-end storage in IndexedDB is tested elsewhere (part B).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { build } from 'rolldown';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startDemoServer, type DemoServer } from '../../../demo/server';
import { findChrome } from '../../support/browser';
import { HANDSHAKE_TYPE } from '../../../src/core/messages';
import type { Rec } from '../../../src/core/protocol';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let srv: DemoServer;
let browser: Browser;
let hookCode = '';

/** Stand-in relay (runs before the hook in every frame). `__relayConfig` sets the config it answers with. */
const FAKE_RELAY = `(() => {
  const r = { msgs: [], handshakes: 0, appMessages: 0, port: null };
  window.__relay = r;
  window.addEventListener('message', (e) => {
    if (e.source !== window || !e.data || e.data.type !== ${JSON.stringify(HANDSHAKE_TYPE)}) return;
    r.handshakes++;
    r.port = e.ports[0];
    // Record batches come as one JSON string (as the real relay parses them).
    r.port.onmessage = (m) => r.msgs.push(typeof m.data === 'string' ? JSON.parse(m.data) : m.data);
    const cfg = Object.assign({ recording: true, disabled: false, previewLimit: 16384, stacks: true, ringSize: 2000 }, window.__relayConfig || {});
    r.port.postMessage({ type: 'config', config: cfg });
  }, true);
  // What an app's own message listener sees.
  window.addEventListener('message', () => { r.appMessages++; });
})();`;

beforeAll(async () => {
  const out = await build({
    input: `${root}src/page/hook.ts`,
    write: false,
    output: { format: 'iife', minify: true },
    logLevel: 'silent',
  });
  hookCode = (out.output[0] as { code: string }).code;
  if (!existsSync(`${root}demo/public/fixtures/bundle/app.js`))
    execFileSync('npx', ['vite', 'build', '--config', 'demo/bundle/vite.config.ts'], { cwd: root, stdio: 'ignore' });
  srv = await startDemoServer();
  browser = await chromium.launch({ executablePath: findChrome(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

async function open(path: string, relayConfig: Record<string, unknown> = {}): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext();
  await ctx.addInitScript(`window.__relayConfig = ${JSON.stringify(relayConfig)};`);
  await ctx.addInitScript(FAKE_RELAY);
  await ctx.addInitScript(hookCode);
  const page = await ctx.newPage();
  await page.goto(srv.url + path);
  return { ctx, page };
}
async function ready(f: Frame | Page) {
  await f.waitForFunction(() => (window as any).demoReady !== undefined);
  await f.evaluate(() => (window as any).demoReady);
}
const run = (f: Frame | Page, name: string) => f.evaluate((n) => (window as any).demo.run(n), name);
const msgs = (f: Frame | Page) => f.evaluate(() => (window as any).__relay.msgs) as Promise<any[]>;
async function records(f: Frame | Page): Promise<Rec[]> {
  return (await msgs(f)).filter((m) => m.type === 'records').flatMap((m) => m.records);
}
/** Wait (no time limit of our own) until a record matching `pred` arrived. */
async function until(f: Frame | Page, pred: (rs: Rec[]) => boolean): Promise<Rec[]> {
  for (;;) {
    const rs = await records(f);
    if (pred(rs)) return rs;
    await new Promise((r) => setTimeout(r, 25));
  }
}
const short = (op?: string) => (op ? op.slice(op.lastIndexOf('/') + 1) : '?');
function norm(r: Rec): string | null {
  switch (r.kind) {
    case 'client':
      return `client ${r.nsp}`;
    case 'conn':
      return r.event === 'upgrade' ? null : `conn ${r.event}`;
    case 'emit':
      return `emit ${short(r.op)} ${r.event} api=${r.api}${r.args ? ' ' + r.args.json : ''}`;
    case 'attempt':
      return `attempt ${short(r.op)} try=${r.try} id=${r.ackId}${r.buffered ? ' buffered' : ''}${r.flushed ? ' flushed' : ''}`;
    case 'ack':
      return `ack ${short(r.op)} id=${r.ackId}${r.late ? ' late' : ''} ${r.args.json}`;
    case 'attempt-end':
      return `end ${short(r.op)} ${r.cause}`;
    case 'settle':
      return `settle ${short(r.op)} ${r.outcome}`;
    default:
      return r.kind;
  }
}
const FAST = [
  'hook',
  'client /',
  'conn connect',
  'emit o0 fast api=promise [{"id":"fast-1","n":1}]',
  'attempt o0 try=1 id=0',
  'ack o0 id=0 [{"ok":true,"echo":{"id":"fast-1","n":1}}]',
  'settle o0 acked',
  'emit o1 fast api=callback [{"id":"fast-2","n":2}]',
  'attempt o1 try=1 id=1',
  'ack o1 id=1 [{"ok":true,"echo":{"id":"fast-2","n":2}}]',
  'settle o1 acked',
  'conn disconnect',
];
function checkFrameStream(rs: Rec[]) {
  expect(new Set(rs.map((r) => r.frame)).size).toBe(1);
  expect(rs.map((r) => r.seq)).toEqual(rs.map((_, i) => i));
  expect(rs[0].kind).toBe('hook');
}

describe('hook in Chromium, per loading style', { timeout: 120_000 }, () => {
  for (const style of ['umd', 'esm', 'bundle']) {
    test(`${style}: hello, then every record of the fast scenario, numbered without holes`, async () => {
      const { ctx, page } = await open(`/fixtures/${style}.html`);
      try {
        await ready(page);
        expect(await run(page, 'fast')).toEqual([
          { ok: true, echo: { id: 'fast-1', n: 1 } },
          { ok: true, echo: { id: 'fast-2', n: 2 } },
        ]);
        const rs = await until(page, (x) => x.some((r) => r.kind === 'conn' && r.event === 'disconnect'));
        const m = await msgs(page);
        expect(m[0]).toMatchObject({ type: 'hello', url: `${srv.url}/fixtures/${style}.html`, top: true });
        expect(m[0].frame).toBe(rs[0].frame);
        checkFrameStream(rs);
        expect(rs.map(norm).filter(Boolean)).toEqual(FAST);
        // call sites (stacks on): the app's code, not the hook or socket.io
        const emits = rs.filter((r) => r.kind === 'emit') as any[];
        for (const e of emits) expect(e.stack[0].url).toBe(`${srv.url}/fixtures/${style === 'bundle' ? 'bundle/app.js' : 'scenarios.js'}`);
        // the app's own message listeners saw the handshake only
        expect(await page.evaluate(() => (window as any).__relay.appMessages)).toBe(1);
      } finally {
        await ctx.close();
      }
    });
  }

  for (const style of ['umd', 'esm', 'bundle']) {
    test(`slow handler with retries (${style}): 3 attempts, 3 late acks, server ran it 3 times`, async () => {
      const { ctx, page } = await open(`/fixtures/${style}.html`);
      try {
        await ready(page);
        srv.reset();
        expect(await run(page, 'slow-retries')).toEqual({ err: 'Error: operation has timed out' });
        const rs = await until(page, (x) => x.filter((r) => r.kind === 'ack' && r.late).length === 3);
        expect(srv.count('/ slow slow-1')).toBe(3);
        expect(rs.filter((r) => r.kind === 'attempt').map((r: any) => [r.try, r.ackId])).toEqual([
          [1, 0],
          [2, 1],
          [3, 2],
        ]);
        expect(rs.find((r) => r.kind === 'settle')).toMatchObject({ outcome: 'failed', reason: 'operation has timed out' });
        expect(rs.find((r) => r.kind === 'client')).toMatchObject({ opts: { retries: 2, ackTimeout: 300 } });
      } finally {
        await ctx.close();
      }
    });
  }

  for (const style of ['umd', 'bundle']) {
    test(`differential (${style}): every scenario observes the same results with and without the hook`, async () => {
      const plainCtx = await browser.newContext();
      const { ctx, page } = await open(`/fixtures/${style}.html`);
      try {
        const plain = await plainCtx.newPage();
        await plain.goto(`${srv.url}/fixtures/${style}.html`);
        await ready(plain);
        expect(await plain.evaluate(() => typeof (window as any).__relay)).toBe('undefined');
        const without = await plain.evaluate(() => (window as any).demo.runAll());
        await ready(page);
        const withHook = await page.evaluate(() => (window as any).demo.runAll());
        expect(withHook).toEqual(without);
        expect((withHook as any)['getter-proxy'].getterCalls).toBeGreaterThan(0);
        const rs = await until(page, (x) => x.filter((r) => r.kind === 'client').length >= 10);
        checkFrameStream(rs);
      } finally {
        await plainCtx.close();
        await ctx.close();
      }
    });
  }

  test('one message per task: 1000 emits in one task arrive in one batch', async () => {
    const { ctx, page } = await open('/fixtures/esm.html');
    try {
      await ready(page);
      const before = (await msgs(page)).length;
      // A string: vitest would rewrite a dynamic import() inside a function.
      await page.evaluate(`(async () => {
        const { io } = await import('/socket.io/socket.io.esm.min.js');
        const s = io(location.origin, { forceNew: true });
        await new Promise((r) => s.once('connect', r));
        window.__burst = s;
        for (let i = 0; i < 1000; i++) s.emit('fire', { i });
      })()`);
      const rs = await until(page, (x) => x.filter((r) => r.kind === 'emit' && r.event === 'fire').length === 1000);
      const m = (await msgs(page)).slice(before);
      const withFire = m.filter((x) => x.type === 'records' && x.records.some((r: any) => r.kind === 'emit' && r.event === 'fire'));
      expect(withFire).toHaveLength(1);
      expect(withFire[0].records.filter((r: any) => r.kind === 'attempt')).toHaveLength(1000);
      checkFrameStream(rs);
      await page.evaluate(() => (window as any).__burst.disconnect());
    } finally {
      await ctx.close();
    }
  });

  test('recording off: bounded ring buffer; switching on flushes it after a gap record, seq without holes', async () => {
    const { ctx, page } = await open('/fixtures/esm.html', { recording: false, ringSize: 50 });
    try {
      await ready(page);
      await page.evaluate(`(async () => {
        const { io } = await import('/socket.io/socket.io.esm.min.js');
        const s = io(location.origin, { forceNew: true, transports: ['websocket'] });
        await new Promise((r) => s.once('connect', r));
        for (let i = 0; i < 100; i++) s.emit('fire', { i });
        s.disconnect();
      })()`);
      expect(await records(page)).toEqual([]);
      await page.evaluate(() =>
        (window as any).__relay.port.postMessage({
          type: 'config',
          config: { recording: true, disabled: false, previewLimit: 16384, stacks: false, ringSize: 50 },
        }),
      );
      const rs = await until(page, (x) => x.length > 0);
      expect(rs[0].kind).toBe('hook'); // kept whatever the ring dropped
      expect(rs[1].kind).toBe('gap');
      const gap = rs[1] as any;
      expect(gap).toMatchObject({ where: 'page', reason: 'ring buffer full before recording started' });
      expect(gap.dropped + 50).toBe(2 + 200 + 1); // client, connect, 100 x (emit, attempt), disconnect
      expect(rs.length).toBe(52);
      expect(rs.map((r) => r.seq)).toEqual(rs.map((_, i) => i));
      expect(rs[rs.length - 1]).toMatchObject({ kind: 'conn', event: 'disconnect' });
      expect(gap.from).toBeLessThanOrEqual(gap.to);
    } finally {
      await ctx.close();
    }
  });

  test('two copies of the hook install once: one handshake, one hello, records once', async () => {
    const ctx = await browser.newContext();
    try {
      await ctx.addInitScript(FAKE_RELAY);
      await ctx.addInitScript(hookCode);
      await ctx.addInitScript(hookCode);
      const page = await ctx.newPage();
      await page.goto(srv.url + '/fixtures/esm.html');
      await ready(page);
      await run(page, 'emitWithAck');
      const rs = await until(page, (x) => x.some((r) => r.kind === 'settle'));
      const m = await msgs(page);
      expect(m.filter((x) => x.type === 'hello')).toHaveLength(1);
      expect(await page.evaluate(() => (window as any).__relay.handshakes)).toBe(1);
      expect(rs.filter((r) => r.kind === 'emit')).toHaveLength(1);
      checkFrameStream(rs);
    } finally {
      await ctx.close();
    }
  });

  test('the page sees no new globals and no `io` before the library loads', async () => {
    const names = async (withHook: boolean) => {
      const ctx = await browser.newContext();
      try {
        if (withHook) await ctx.addInitScript(hookCode);
        const page = await ctx.newPage();
        await page.goto(srv.url + '/fixtures/index.html');
        return await page.evaluate(() => ({ names: Object.getOwnPropertyNames(window).sort(), io: 'io' in window, keys: Object.keys({}) }));
      } finally {
        await ctx.close();
      }
    };
    const [without, withHook] = [await names(false), await names(true)];
    expect(withHook).toEqual(without);
    expect(withHook.io).toBe(false);
  });

  test('a binary parser build (msgpack) is flagged unsupported for previews', async () => {
    const { ctx, page } = await open('/fixtures/msgpack.html');
    try {
      await page.waitForFunction(() => (window as any).demoReady !== undefined);
      await page.evaluate(() => (window as any).demoReady);
      const rs = await until(page, (x) => x.some((r) => r.kind === 'unsupported'));
      const u = rs.find((r) => r.kind === 'unsupported') as any;
      expect(u.reason).toMatch(/custom parser/);
      expect(u.client).toBe((rs.find((r) => r.kind === 'client') as any).client);
      expect(rs.find((r) => r.kind === 'emit')).toMatchObject({ event: 'fast', api: 'none' });
    } finally {
      await ctx.close();
    }
  });

  test('disabled for the site: the app keeps working, nothing is sent', async () => {
    const { ctx, page } = await open('/fixtures/umd.html', { disabled: true, recording: true });
    try {
      await ready(page);
      expect(await run(page, 'emitWithAck')).toEqual({ ok: true, echo: { id: 'ewa-1', list: [1, 2, 3] } });
      expect(await records(page)).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  test('socket created long after load (late.html)', async () => {
    const { ctx, page } = await open('/fixtures/late.html');
    try {
      await ready(page);
      expect(await page.evaluate(() => (window as any).lateResult)).toBe('pong');
      const rs = await until(page, (x) => x.some((r) => r.kind === 'settle'));
      // emitted right after io(): buffered until connected, then flushed
      expect(rs.map(norm).filter(Boolean).slice(0, 8)).toEqual([
        'hook',
        'client /',
        'emit o0 ping api=promise',
        'attempt o0 try=1 id=0 buffered',
        'conn connect',
        'attempt o0 try=1 id=0 flushed',
        'ack o0 id=0 ["pong"]',
        'settle o0 acked',
      ]);
    } finally {
      await ctx.close();
    }
  });

  test('iframes: a child page, a srcdoc frame and an about:blank frame each record on their own', async () => {
    const { ctx, page } = await open('/fixtures/iframe.html');
    try {
      await ready(page);
      const frames = (await page.evaluate(() => (window as any).demo.frames)) as string[];
      expect(frames).toEqual(['child', 'srcdoc', 'blank']);
      for (const where of frames) {
        expect(await page.evaluate((w) => (window as any).demo.run('emitWithAck', w), where)).toEqual({
          ok: true,
          echo: { id: 'ewa-1', list: [1, 2, 3] },
        });
      }
      const ids = new Set<string>();
      for (const f of page.frames()) {
        if (f === page.mainFrame()) continue;
        const has = await f.evaluate(() => !!(window as any).__relay);
        expect(has).toBe(true);
        const rs = await until(f, (x) => x.some((r) => r.kind === 'settle'));
        checkFrameStream(rs);
        ids.add(rs[0].frame);
        expect(rs.find((r) => r.kind === 'hook')).toMatchObject({ top: false });
      }
      expect(ids.size).toBe(3);
    } finally {
      await ctx.close();
    }
  });
});
