/**
 * Chromium with the built AckScope extension, for the CLI (`ackscope record`) and the
 * Playwright helper (`ackscope/playwright`). Node only.
 *
 * Loading: Chromium and Chrome for Testing take `--load-extension`; branded Google Chrome 137+
 * ignores it, so there the extension is loaded through CDP `Extensions.loadUnpacked`, which
 * needs `--enable-unsafe-extension-debugging` and the pipe transport Playwright uses anyway.
 */
import { chromium, type BrowserContext, type Worker } from 'playwright-core';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXTENSION_ID } from '../core/extension-id';
import { DEFAULT_SETTINGS, SETTINGS_KEY, type Settings } from '../core/messages';
import type { Rec } from '../core/protocol';

/** Bad environment or argument: the message names what to fix (the CLI exits 2 on it). */
export class LaunchError extends Error {
  override name = 'LaunchError';
}

export const WELL_KNOWN_BROWSERS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome-for-testing',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
];

/** `explicit` (named by `flag` in errors), else CHROME_PATH, else the first well-known path. */
export function findBrowser(explicit?: string, flag = '--browser'): string {
  if (explicit) {
    if (!existsSync(explicit)) throw new LaunchError(`${flag} ${explicit}: no such file`);
    return explicit;
  }
  const env = process.env.CHROME_PATH;
  if (env) {
    if (!existsSync(env)) throw new LaunchError(`CHROME_PATH=${env}: no such file`);
    return env;
  }
  const found = WELL_KNOWN_BROWSERS.find((p) => existsSync(p));
  if (!found) throw new LaunchError(`no Chromium found: pass ${flag} <path> or set CHROME_PATH (Debian: apt-get install chromium)`);
  return found;
}

/** `Google Chrome 138.0...` -> branded; Chromium and Chrome for Testing still honour --load-extension. */
export function browserVersion(path: string): { text: string; major: number | null; branded: boolean } {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  const text = `${r.stdout ?? ''}`.trim().split('\n').pop() ?? '';
  const m = /(\d+)\.\d+\.\d+/.exec(text);
  const major = m ? Number(m[1]) : null;
  const branded = /Google Chrome/i.test(text) && !/for Testing/i.test(text);
  return { text, major, branded };
}

/** The built extension: `<repo>/dist` next to the built CLI (dist-cli/) or the sources (src/node/). */
export function defaultExtensionPath(): string {
  // Another build of the extension (development, or a snapshot a test took of dist/).
  if (process.env.ACKSCOPE_EXTENSION_DIR) return resolve(process.env.ACKSCOPE_EXTENSION_DIR);
  const here = import.meta.dirname;
  const candidates = [resolve(here, '..', 'dist'), resolve(here, '..', '..', 'dist')];
  return candidates.find((d) => existsSync(join(d, 'manifest.json'))) ?? candidates[0];
}

export interface LaunchExtensionOptions {
  browserPath?: string;
  /** Flag name used in error messages for browserPath. */
  browserFlag?: string;
  extensionPath?: string;
  headless?: boolean;
  /** 'auto': CDP loading for branded Chrome 137+, flags otherwise. */
  loadMode?: 'auto' | 'flag' | 'cdp';
  userDataDir?: string;
  args?: string[];
  /** Keep Playwright from closing Chrome on Ctrl-C: the CLI saves the recording first. */
  handleSignals?: boolean;
  viewport?: { width: number; height: number } | null;
}

export interface ExtensionContext {
  context: BrowserContext;
  extensionId: string;
  browserPath: string;
  browserVersion: string;
  loadMode: 'flag' | 'cdp';
  /** The extension's service worker (waits for it when Chrome restarted it). */
  worker(): Promise<Worker>;
  close(): Promise<void>;
}

/** Flags every launch needs here (see shared notes: closed network, root, no GPU). */
export const COMMON_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

export async function launchExtensionContext(opts: LaunchExtensionOptions = {}): Promise<ExtensionContext> {
  const ext = resolve(opts.extensionPath ?? defaultExtensionPath());
  if (!existsSync(join(ext, 'manifest.json'))) throw new LaunchError(`extension not built: ${join(ext, 'manifest.json')} is missing (run npm run build)`);
  const browserPath = findBrowser(opts.browserPath, opts.browserFlag);
  const ver = browserVersion(browserPath);
  const mode = opts.loadMode && opts.loadMode !== 'auto' ? opts.loadMode : ver.branded && (ver.major ?? 0) >= 137 ? 'cdp' : 'flag';
  const ownDir = !opts.userDataDir;
  const userDataDir = opts.userDataDir ?? mkdtempSync(join(tmpdir(), 'ackscope-chrome-'));
  const args = [
    ...COMMON_ARGS,
    ...(mode === 'flag' ? [`--disable-extensions-except=${ext}`, `--load-extension=${ext}`] : ['--enable-unsafe-extension-debugging']),
    ...(opts.args ?? []),
  ];
  const handle = opts.handleSignals ?? true;
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: browserPath,
      headless: opts.headless ?? true,
      args,
      // Playwright passes --disable-extensions by default.
      ignoreDefaultArgs: ['--disable-extensions'],
      handleSIGINT: handle,
      handleSIGTERM: handle,
      handleSIGHUP: handle,
      viewport: opts.viewport === undefined ? { width: 1280, height: 800 } : opts.viewport,
    });
  } catch (e) {
    if (ownDir) rmSync(userDataDir, { recursive: true, force: true });
    // Not a usage error: the path exists, the browser failed (crash, load, sandbox).
    throw new Error(`could not start ${browserPath}: ${(e as Error).message.split('\n')[0]}`);
  }
  let extensionId = EXTENSION_ID;
  if (mode === 'cdp') {
    const browser = context.browser();
    if (!browser) throw new LaunchError('no browser-level CDP session for Extensions.loadUnpacked');
    const cdp = await browser.newBrowserCDPSession();
    try {
      const r = (await cdp.send('Extensions.loadUnpacked' as never, { path: ext } as never)) as { id: string };
      extensionId = r.id;
    } catch (e) {
      await context.close().catch(() => {});
      throw new LaunchError(`${browserPath} refused to load the extension over CDP (${(e as Error).message.split('\n')[0]})`);
    } finally {
      await cdp.detach().catch(() => {});
    }
  }
  const prefix = `chrome-extension://${extensionId}/`;
  const worker = async (): Promise<Worker> => {
    // On a busy machine the worker can take a while to start; re-check the list between
    // waits so a registration that raced the listener is not missed.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const sw = context.serviceWorkers().find((w) => w.url().startsWith(prefix));
      if (sw) return sw;
      if (Date.now() > deadline) throw new Error(`the AckScope service worker (${prefix}) did not start`);
      await context.waitForEvent('serviceworker', { predicate: (w) => w.url().startsWith(prefix), timeout: 2_000 }).catch(() => null);
    }
  };
  return {
    context,
    extensionId,
    browserPath,
    browserVersion: ver.text,
    loadMode: mode,
    worker,
    async close() {
      await context.close().catch(() => {});
      if (ownDir) rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Switch recording on for every tab through the Settings the service worker follows. */
export async function enableRecording(worker: Worker, patch: Partial<Settings> = { recordAll: true }): Promise<void> {
  await worker.evaluate(
    async ([key, defaults, p]) => {
      const cur = ((await chrome.storage.local.get(key)) as Record<string, object | undefined>)[key] ?? {};
      await chrome.storage.local.set({ [key]: { ...defaults, ...cur, ...p } });
    },
    [SETTINGS_KEY, DEFAULT_SETTINGS, patch] as const,
  );
}

export interface StoredSession {
  id: string;
  url: string;
  title?: string;
  startedAt: number;
  endedAt?: number;
  userAgent?: string;
  extVersion?: string;
  warnings: string[];
  records: number;
}

/** Session rows of the extension's IndexedDB (src/storage/db.ts), oldest first. */
export async function listSessions(worker: Worker): Promise<StoredSession[]> {
  return worker.evaluate(async () => {
    const db = await new Promise<IDBDatabase | null>((res, rej) => {
      const r = indexedDB.open('ackscope');
      // No database yet: nothing was recorded. Do not create an empty one.
      r.onupgradeneeded = () => r.transaction?.abort();
      r.onsuccess = () => res(r.result);
      r.onerror = () => (r.error?.name === 'AbortError' ? res(null) : rej(r.error));
    });
    if (!db) return [];
    try {
      if (!db.objectStoreNames.contains('sessions')) return [];
      const rows = await new Promise<any[]>((res, rej) => {
        const q = db.transaction('sessions').objectStore('sessions').getAll();
        q.onsuccess = () => res(q.result);
        q.onerror = () => rej(q.error);
      });
      return rows
        .filter((s) => !s.imported)
        .sort((a, b) => a.startedAt - b.startedAt)
        .map((s) => ({ id: s.id, url: s.url, title: s.title, startedAt: s.startedAt, endedAt: s.endedAt, userAgent: s.userAgent, extVersion: s.extVersion, warnings: s.warnings ?? [], records: s.records ?? 0 }));
    } finally {
      db.close();
    }
  });
}

/** Raw records of one session, read chunk by chunk (bounded messages for big sessions). */
export async function readSessionRecords(worker: Worker, session: string, page = 200): Promise<Rec[]> {
  const out: Rec[] = [];
  let from = -Infinity;
  for (;;) {
    const batch = await worker.evaluate(
      async ([sid, after, n]) => {
        const db = await new Promise<IDBDatabase>((res, rej) => {
          const r = indexedDB.open('ackscope');
          r.onsuccess = () => res(r.result);
          r.onerror = () => rej(r.error);
        });
        try {
          const lower = after === null ? [sid, -Infinity] : [sid, after];
          const range = IDBKeyRange.bound(lower, [sid, Infinity], after !== null, false);
          return await new Promise<Array<{ no: number; records: unknown[] }>>((res, rej) => {
            const q = db.transaction('chunks').objectStore('chunks').getAll(range, n);
            // Chunk rows hold one JSON string since schema version 2 (older rows: an array).
            q.onsuccess = () =>
              res(q.result.map((c: { no: number; json?: string; records?: unknown[] }) => ({ no: c.no, records: typeof c.json === 'string' ? JSON.parse(c.json) : (c.records ?? []) })));
            q.onerror = () => rej(q.error);
          });
        } finally {
          db.close();
        }
      },
      [session, from === -Infinity ? null : from, page] as const,
    );
    for (const c of batch) out.push(...(c.records as Rec[]));
    if (batch.length < page) break;
    from = batch[batch.length - 1].no;
  }
  return out;
}

/** Total stored records, for progress and for waiting until ingestion settles. */
export async function storedRecordCount(worker: Worker): Promise<number> {
  const s = await listSessions(worker);
  return s.reduce((n, x) => n + x.records, 0);
}
