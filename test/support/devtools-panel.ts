/**
 * Drives the real AckScope panel inside Chrome DevTools, headless.
 *
 * Playwright does not attach to DevTools windows (they live in their own browser context),
 * so this speaks CDP directly (chrome-remote-interface) to the DevTools page, shows the
 * AckScope panel through DevTools' own InspectorView, and auto-attaches to the panel's
 * out-of-process iframe to evaluate, click and type in it. Screenshots are taken of the
 * DevTools page (which composites the panel).
 */
import CDP from 'chrome-remote-interface';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtBrowser } from './browser';

type Client = CDP.Client;

export interface PanelDriver {
  /** Evaluate an expression in the panel page (returns its JSON value; awaits promises). */
  eval<T = unknown>(expression: string): Promise<T>;
  /** Evaluate in the DevTools page itself. */
  evalDevtools<T = unknown>(expression: string): Promise<T>;
  /** Wait until `expression` is truthy in the panel (polls; throws after timeoutMs). */
  waitFor(expression: string, timeoutMs?: number): Promise<void>;
  /** Click the centre of the first element matching `selector` with real mouse events. */
  click(selector: string): Promise<void>;
  /** Press a key with real keyboard events (e.g. 'ArrowDown', 'Enter', 'Escape'). */
  press(key: string): Promise<void>;
  /** Type text with real key events into the focused element. */
  type(text: string): Promise<void>;
  screenshot(path: string): Promise<void>;
  /** Undock DevTools into its own window of this size and close the console drawer (for screenshots). */
  undock(width?: number, height?: number): Promise<void>;
  close(): Promise<void>;
}

function devtoolsPort(b: ExtBrowser): number {
  const f = join(b.userDataDir, 'DevToolsActivePort');
  if (!existsSync(f)) throw new Error('launch with devtools: true');
  return Number(readFileSync(f, 'utf8').split('\n')[0]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const KEYS: Record<string, { code: string; keyCode: number; text?: string }> = {
  ArrowDown: { code: 'ArrowDown', keyCode: 40 },
  ArrowUp: { code: 'ArrowUp', keyCode: 38 },
  ArrowLeft: { code: 'ArrowLeft', keyCode: 37 },
  ArrowRight: { code: 'ArrowRight', keyCode: 39 },
  Enter: { code: 'Enter', keyCode: 13, text: '\r' },
  Escape: { code: 'Escape', keyCode: 27 },
  Tab: { code: 'Tab', keyCode: 9 },
  Home: { code: 'Home', keyCode: 36 },
  End: { code: 'End', keyCode: 35 },
  Backspace: { code: 'Backspace', keyCode: 8 },
};

/**
 * Open DevTools' AckScope panel for the inspected page whose URL contains `inspectedUrlPart`
 * (DevTools must have been auto-opened: launchWithExtension({ devtools: true })).
 */
export async function openPanel(b: ExtBrowser, opts: { inspectedUrlPart?: string; panelTitle?: string; timeoutMs?: number } = {}): Promise<PanelDriver> {
  const port = devtoolsPort(b);
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let client: Client | undefined;
  while (!client) {
    const targets = await CDP.List({ port });
    const dts = targets.filter((t) => t.type === 'page' && t.url.startsWith('devtools://devtools/bundled/devtools_app.html'));
    let pick = dts[0];
    if (opts.inspectedUrlPart && dts.length > 1) {
      // Match DevTools windows to inspected pages through the window title ("DevTools - <url>").
      pick = dts.find((t) => t.title.includes(opts.inspectedUrlPart!)) ?? dts[dts.length - 1];
    }
    if (pick) client = await CDP({ port, target: pick.id });
    else if (Date.now() > deadline) throw new Error('DevTools window not found');
    else await sleep(150);
  }
  const dt = client;
  await dt.Runtime.enable();
  await dt.Page.enable();

  // Auto-attach to the panel's out-of-process iframe.
  // The iframe attaches before it navigates (empty URL): key sessions by target id and
  // look the URL up when needed.
  const sessions = new Map<string, string>(); // targetId -> sessionId
  dt.on('Target.attachedToTarget', (p: { sessionId: string; targetInfo: { targetId: string } }) => {
    sessions.set(p.targetInfo.targetId, p.sessionId);
  });
  dt.on('Target.detachedFromTarget', (p: { sessionId: string }) => {
    for (const [t, s] of sessions) if (s === p.sessionId) sessions.delete(t);
  });
  await dt.Target.setAutoAttach({ autoAttach: true, waitForDebuggerOnStart: false, flatten: true });

  const evalDevtools = async <T>(expression: string): Promise<T> => {
    const r = await dt.Runtime.evaluate({ expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error('DevTools eval failed: ' + (r.exceptionDetails.exception?.description ?? r.exceptionDetails.text));
    return r.result.value as T;
  };

  const title = opts.panelTitle ?? 'AckScope';
  const panelSession = async (): Promise<string | undefined> => {
    const { targetInfos } = await dt.Target.getTargets();
    for (const t of targetInfos)
      if (t.url.startsWith(`chrome-extension://${b.extensionId}/`) && t.url.includes('/panel/') && sessions.has(t.targetId))
        return sessions.get(t.targetId);
    return undefined;
  };
  let sid: string | undefined;
  while (!sid) {
    await evalDevtools(`(async () => {
      const UI = await import('./ui/legacy/legacy.js');
      try { await UI.InspectorView.InspectorView.instance().showPanel(${JSON.stringify(`chrome-extension://${b.extensionId}${title.replace(/\s/g, '')}`)}); return true; } catch { return false; }
    })()`).catch(() => false);
    sid = await panelSession();
    if (!sid) {
      if (Date.now() > deadline) throw new Error('AckScope panel did not open');
      await sleep(200);
    }
  }
  const send = (method: string, params: object = {}) =>
    (dt as unknown as { send(m: string, p: object, s: string): Promise<any> }).send(method, params, sid!);
  await send('Runtime.enable').catch(() => {});

  const evalPanel = async <T>(expression: string): Promise<T> => {
    const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error('panel eval failed: ' + (r.exceptionDetails.exception?.description ?? r.exceptionDetails.text));
    return r.result.value as T;
  };

  const driver: PanelDriver = {
    eval: evalPanel,
    evalDevtools,
    async waitFor(expression, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const ok = await evalPanel<boolean>(`!!(${expression})`).catch(() => false);
        if (ok) return;
        if (Date.now() > end) throw new Error(`timed out waiting for: ${expression}`);
        await sleep(100);
      }
    },
    async click(selector) {
      const box = await evalPanel<{ x: number; y: number } | null>(`(() => {
        const el = document.querySelector(${JSON.stringify(selector)});
        if (!el) return null;
        el.scrollIntoView({ block: 'nearest' });
        const r = el.getBoundingClientRect();
        return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
      })()`);
      if (!box) throw new Error(`no element for ${selector}`);
      for (const type of ['mousePressed', 'mouseReleased'] as const)
        await send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
    },
    async press(key) {
      const k = KEYS[key] ?? { code: key, keyCode: key.toUpperCase().charCodeAt(0), text: key };
      const base = { key, code: k.code, windowsVirtualKeyCode: k.keyCode, nativeVirtualKeyCode: k.keyCode };
      await send('Input.dispatchKeyEvent', { type: k.text ? 'keyDown' : 'rawKeyDown', ...base, text: k.text });
      await send('Input.dispatchKeyEvent', { type: 'keyUp', ...base });
    },
    async type(text) {
      await send('Input.insertText', { text });
    },
    async screenshot(path) {
      const r = await dt.Page.captureScreenshot({ format: 'png' });
      writeFileSync(path, Buffer.from(r.data, 'base64'));
    },
    async undock(width = 1280, height = 760) {
      await evalDevtools(`(async () => {
        const UI = await import('./ui/legacy/legacy.js');
        UI.DockController.DockController.instance().setDockSide('undocked');
        return true;
      })()`);
      await sleep(500);
      // The console drawer opens on its own (page errors, undocking).
      await evalDevtools(`(async () => {
        const UI = await import('./ui/legacy/legacy.js');
        UI.InspectorView.InspectorView.instance().closeDrawer();
        return true;
      })()`).catch(() => {});
      const { windowId } = await dt.Browser.getWindowForTarget({});
      await dt.Browser.setWindowBounds({ windowId, bounds: { width, height } });
      await sleep(400);
    },
    async close() {
      await dt.close().catch(() => {});
    },
  };
  return driver;
}
