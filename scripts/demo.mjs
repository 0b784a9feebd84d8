#!/usr/bin/env node
// npm run demo [-- --headless] [-- --no-build] [-- --port N]
//
// Builds the extension, starts the demo shop (a real Socket.IO server with four scenarios),
// launches Chromium with AckScope loaded and DevTools open on the AckScope panel, and prints
// what to click. Without a display (or with --headless) it places one order per scenario,
// writes screenshots of the panel and prints what AckScope found.
//
// Browser: CHROME_PATH, else the system Chromium / Chrome for Testing. Branded Google Chrome
// 137+ ignores --load-extension: there the extension is loaded through CDP
// Extensions.loadUnpacked over --remote-debugging-pipe (with --enable-unsafe-extension-debugging).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const root = resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (f, d) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : d);
const OUT = resolve(root, opt('--out', 'test-results/demo'));
let headless = flag('--headless');
if (!headless && process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  console.log('No display found: running the headless demo (screenshots + summary). Use a desktop session for the interactive one.\n');
  headless = true;
}

if (!flag('--no-build')) {
  console.log('Building the extension (npm run build)…');
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const imp = (p) => tsImport(resolve(root, p), import.meta.url);
const { startShop } = await imp('demo/shop/setup.ts');
const { launchWithExtension, findChrome, DIST } = await imp('test/support/browser.ts');
const { openPanel } = await imp('test/support/devtools-panel.ts');
const { EXTENSION_ID } = await imp('src/core/extension-id.ts');

const shop = await startShop(Number(opt('--port', 0)));
const shopUrl = `${shop.url}/shop/`;
const chrome = findChrome();
const version = (() => {
  try {
    return execFileSync(chrome, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
})();
const branded = /Google Chrome (\d+)/.exec(version);
const needsCdpLoad = branded && !/for Testing/i.test(version) && Number(branded[1]) >= 137;

const cleanups = [() => shop.close()];
async function shutdown(code = 0) {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

/** Branded Chrome: launch with a CDP pipe, load the extension unpacked, then open the shop. */
async function launchBranded() {
  const userDataDir = mkdtempSync(join(tmpdir(), 'ackscope-demo-'));
  const child = spawn(
    chrome,
    [
      '--remote-debugging-pipe',
      '--enable-unsafe-extension-debugging',
      '--remote-debugging-port=0',
      '--auto-open-devtools-for-tabs',
      `--user-data-dir=${userDataDir}`,
      '--no-first-run',
      '--no-default-browser-check',
      ...(headless ? ['--headless=new'] : []),
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
  );
  const toChrome = child.stdio[3];
  const fromChrome = child.stdio[4];
  let buf = '';
  let id = 0;
  const waiting = new Map();
  fromChrome.on('data', (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\0')) >= 0) {
      const msg = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      const w = waiting.get(msg.id);
      if (w) {
        waiting.delete(msg.id);
        msg.error ? w.reject(new Error(msg.error.message)) : w.resolve(msg.result);
      }
    }
  });
  const send = (method, params = {}) =>
    new Promise((res, rej) => {
      const n = ++id;
      waiting.set(n, { resolve: res, reject: rej });
      toChrome.write(JSON.stringify({ id: n, method, params }) + '\0');
    });
  await send('Extensions.loadUnpacked', { path: DIST });
  await send('Target.createTarget', { url: shopUrl });
  cleanups.push(() => {
    child.kill();
    rmSync(userDataDir, { recursive: true, force: true });
  });
  return { userDataDir, extensionId: EXTENSION_ID };
}

let b;
if (needsCdpLoad) {
  console.log(`${version}: loading the extension through CDP Extensions.loadUnpacked.`);
  b = await launchBranded();
} else {
  b = await launchWithExtension({ headless, devtools: true, extraArgs: headless ? [] : ['--start-maximized'] });
  cleanups.push(() => b.close());
  const page = b.context.pages()[0] ?? (await b.context.newPage());
  await page.goto(shopUrl);
  b.page = page;
}
for (let i = 0; i < 100 && !existsSync(join(b.userDataDir, 'DevToolsActivePort')); i++) await new Promise((r) => setTimeout(r, 100));
const panel = await openPanel(b, { inspectedUrlPart: '/shop/', timeoutMs: 60_000 });
cleanups.push(() => panel.close());

if (!headless) {
  console.log(`
AckScope demo is running.
  Shop      ${shopUrl}
  Browser   ${chrome} ${version ? `(${version})` : ''}
  DevTools  open on the AckScope tab (extension from ${DIST})

What to click (in the shop page):
  1. "Slow server" → Place order. The server needs 700 ms, the client gives up after 300 ms
     and retries twice. The shop says "failed … charged 3×". In AckScope the order is a red
     "confirmed duplicate" with 3 attempts and 3 late acks (◆): the server ran it 3 times.
  2. Click that row (or select it and press Enter): the attempt chain, payload/ack, socket.id.
  3. Click the finding counts (top right) → Findings: "ack-timeout-below-latency" with the
     recommended ackTimeout, and the server idempotency snippet (ackscope/server) to copy.
  4. "Slow server + dedup" → Place order: same retries, but the server uses idempotent():
     "server-deduplicated", charged 1×.
  5. "Flaky network" → the connection drops right after the charge: "possible duplicate".
  6. Filter like the Network panel: is:duplicate, event:order, -is:retried, /ord-slow/.

Press Ctrl+C to stop.`);
  await new Promise(() => {});
}

// Headless: a scripted run with screenshots and a summary.
mkdirSync(OUT, { recursive: true });
if (b.page) {
  await b.page.waitForFunction(() => window.shop !== undefined);
  await b.page.evaluate(() => window.shop.runAll());
} else {
  console.log('(branded Chrome headless: click through the shop yourself; no scripted run)');
}
await panel.waitFor(`(window.__ackscopeSource?.getState().ops.length ?? 0) >= 4`, 30_000).catch(() => {});
await new Promise((r) => setTimeout(r, 1500));
await panel.undock(1280, 760).catch(() => {});
const state = await panel.eval(`(() => {
  const s = __ackscopeSource.getState();
  return { ops: s.ops.map((o) => ({ socket: o.socket, event: o.event, key: o.key, attempts: o.attempts, outcome: o.outcome, duplicate: o.duplicate })),
           findings: (s.meta?.findings ?? []).map((f) => ({ rule: f.rule, severity: f.severity, message: f.message })) };
})()`);
await panel.screenshot(join(OUT, 'panel-operations.png'));
await panel.click('[data-testid=finding-counts]').catch(() => {});
await new Promise((r) => setTimeout(r, 300));
await panel.screenshot(join(OUT, 'panel-findings.png'));
const charges = JSON.parse(JSON.stringify(Object.fromEntries(shop.executions)));
console.log('\nOperations AckScope recorded:');
for (const o of state.ops) {
  const charged = charges[`${o.socket.split(' ')[0]} ${o.event} ${o.key}`];
  console.log(
    `  ${o.socket.padEnd(12)} ${o.event} ${String(o.key).padEnd(16)} attempts ${o.attempts}  ${o.outcome.padEnd(9)} ${
      o.duplicate === 'none' ? '' : o.duplicate.toUpperCase()
    }${charged !== undefined ? `  (server ran it ${charged}×)` : ''}`,
  );
}
console.log('\nFindings:');
for (const f of state.findings) console.log(`  [${f.severity}] ${f.rule}: ${f.message}`);
console.log(`\nScreenshots: ${join(OUT, 'panel-operations.png')}, ${join(OUT, 'panel-findings.png')}`);
await shutdown(0);
