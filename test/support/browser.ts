/**
 * Real Chromium with the built extension (dist/), for end-to-end tests, the demo and the CLI
 * recipe. See ../../../shared/notes/toolchain.md for why each flag is here.
 */
import { chromium, type BrowserContext, type Worker, type Page, type Browser } from 'playwright-core';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXTENSION_ID } from '../../src/core/extension-id';
import { COMMON_ARGS, findBrowser } from '../../src/node/launcher';

export const DIST = resolve(import.meta.dirname, '../../dist');

/** The browser the product's own launcher would pick (CHROME_PATH, else well-known paths). */
export function findChrome(): string {
  return findBrowser();
}

export interface ExtBrowser {
  context: BrowserContext;
  userDataDir: string;
  extensionId: string;
  /** The extension's service worker (waits for it if Chrome restarted it). */
  worker(): Promise<Worker>;
  /** CDP connection to the whole browser (DevTools pages), when devtools: true. */
  cdpBrowser?: Browser;
  close(): Promise<void>;
}

export interface LaunchOptions {
  headless?: boolean;
  /** Open DevTools for every tab (to drive the real AckScope panel). */
  devtools?: boolean;
  dark?: boolean;
  extraArgs?: string[];
  /** Extension directory (default dist/): a private copy keeps long runs safe from rebuilds. */
  dist?: string;
}

export async function launchWithExtension(opts: LaunchOptions = {}): Promise<ExtBrowser> {
  const dist = opts.dist ?? DIST;
  if (!existsSync(join(dist, 'manifest.json'))) throw new Error(`Extension not built: ${dist}/manifest.json missing (npm run build)`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'ackscope-chrome-'));
  const args = [
    `--disable-extensions-except=${dist}`,
    `--load-extension=${dist}`,
    ...COMMON_ARGS,
    ...(opts.devtools ? ['--auto-open-devtools-for-tabs', '--remote-debugging-port=0'] : []),
    ...(opts.dark ? ['--force-dark-mode'] : []),
    ...(opts.extraArgs ?? []),
  ];
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: findChrome(),
    headless: opts.headless ?? true,
    args,
    viewport: { width: 1280, height: 800 },
  });
  let cdpBrowser: Browser | undefined;
  if (opts.devtools) {
    const portFile = join(userDataDir, 'DevToolsActivePort');
    for (let i = 0; i < 100 && !existsSync(portFile); i++) await new Promise((r) => setTimeout(r, 100));
    const port = readFileSync(portFile, 'utf8').split('\n')[0];
    cdpBrowser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  }
  const worker = async () => {
    const sw = context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`));
    if (sw) return sw;
    return context.waitForEvent('serviceworker', {
      predicate: (w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`),
      timeout: 30_000,
    });
  };
  return {
    context,
    userDataDir,
    extensionId: EXTENSION_ID,
    worker,
    cdpBrowser,
    async close() {
      await cdpBrowser?.close().catch(() => {});
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Stop the extension's service worker on purpose (MV3 does this after 30 s idle). */
export async function stopServiceWorkers(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await cdp.detach();
}

/**
 * The DevTools window's page for an inspected page (needs devtools: true). Then show the
 * AckScope panel and return its frame.
 */
export async function openAckScopePanel(b: ExtBrowser, inspectedUrlPart?: string) {
  if (!b.cdpBrowser) throw new Error('launch with devtools: true');
  let devtools: Page | undefined;
  for (let i = 0; i < 100 && !devtools; i++) {
    for (const ctx of b.cdpBrowser.contexts())
      for (const p of ctx.pages())
        if (p.url().startsWith('devtools://devtools/bundled/devtools_app.html')) devtools = p;
    if (!devtools) await new Promise((r) => setTimeout(r, 100));
  }
  if (!devtools) throw new Error('DevTools window not found');
  void inspectedUrlPart;
  const panelId = `chrome-extension://${b.extensionId}AckScope`;
  // The extension panel registers asynchronously after DevTools loads: retry showPanel.
  for (let i = 0; i < 100; i++) {
    const ok = await devtools
      .evaluate(async (id) => {
        const UI = await import('./ui/legacy/legacy.js' as string);
        try {
          await UI.InspectorView.InspectorView.instance().showPanel(id);
          return true;
        } catch {
          return false;
        }
      }, panelId)
      .catch(() => false);
    const frame = devtools.frames().find((f) => f.url().startsWith(`chrome-extension://${b.extensionId}/src/panel/`));
    if (ok && frame) return { devtools, panel: frame };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('AckScope panel did not open');
}
