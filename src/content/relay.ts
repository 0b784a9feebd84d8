/**
 * ISOLATED-world relay (issue 3), document_start in every frame.
 *
 * Accepts exactly one handshake from the page hook (a `window.postMessage` from this very
 * window carrying a MessagePort); all further traffic uses that port, so the app's own
 * `message` listeners never see it. Logic lives in ./relay-core (tested in Node).
 */
import { DEVTOOLS_OPEN_KEY, HANDSHAKE_TYPE, PAGEHIDE_EVENT, SETTINGS_KEY, type RelayToWorker } from '../core/messages';
import { RelayCore, type RelayEnv } from './relay-core';

const RELAY_PORT = 'ackscope-relay';

function invalidated(): boolean {
  try {
    return !chrome.runtime?.id;
  } catch {
    return true;
  }
}

let pagePort: MessagePort | null = null;
/** Secret the hook sent over the private port; a pagehide hand-over must carry it. */
let hookToken: string | null = null;

const env: RelayEnv = {
  connect(onMessage, onDisconnect) {
    const port = chrome.runtime.connect({ name: RELAY_PORT });
    port.onMessage.addListener(onMessage);
    port.onDisconnect.addListener(() => {
      void chrome.runtime.lastError; // read it so Chrome does not log it as unchecked
      onDisconnect();
    });
    return {
      post: (msg: RelayToWorker) => port.postMessage(msg),
      disconnect: () => port.disconnect(),
    };
  },
  postToPage(msg) {
    try {
      pagePort?.postMessage(msg);
    } catch {
      /* page port closed */
    }
  },
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  invalidated,
  async mayRecord() {
    const [local, session] = await Promise.all([
      chrome.storage.local.get(SETTINGS_KEY),
      chrome.storage.session.get(DEVTOOLS_OPEN_KEY).catch(() => ({ [DEVTOOLS_OPEN_KEY]: 1 })),
    ]);
    if (Number(session[DEVTOOLS_OPEN_KEY] ?? 0) > 0) return true;
    const st = (local[SETTINGS_KEY] ?? {}) as { recordAll?: unknown; recordOrigins?: unknown };
    if (st.recordAll === true) return true;
    const origins = Array.isArray(st.recordOrigins) ? st.recordOrigins : [];
    const anc = location.ancestorOrigins;
    const top = anc && anc.length ? anc[anc.length - 1] : location.origin;
    return origins.includes(location.origin) || origins.includes(top);
  },
  location: () => ({ url: location.href, top: window === window.top }),
};

const core = new RelayCore(env);

function onHandshake(event: MessageEvent): void {
  const d = event.data as { type?: unknown } | null;
  if (!d || typeof d !== 'object' || d.type !== HANDSHAKE_TYPE) return;
  const port = event.ports[0];
  // Exactly one handshake per document, from this window: later ones or ones from another
  // window (a page or frame imitating the hook) are dropped and counted.
  if (event.source !== window || pagePort || !port) return core.countForeign();
  pagePort = port;
  port.onmessage = (e) => {
    const d = e.data as { type?: unknown; token?: unknown } | null;
    // The first hello carries the token of the hook's pagehide hand-over.
    if (hookToken === null && d && d.type === 'hello' && typeof d.token === 'string' && d.token.length >= 16 && d.token.length <= 64) hookToken = d.token;
    core.onPageMessage(d);
  };
  port.onmessageerror = () => core.onPageMessage(undefined);
  port.postMessage({ type: 'config', config: core.config });
}
window.addEventListener('message', onHandshake, true);

// Settings changed while our port was closed (worker asleep): the worker pokes every tab.
try {
  chrome.runtime.onMessage.addListener((msg) => {
    core.onWorkerMessage(msg);
  });
} catch {
  core.stop();
}

/**
 * The hook's last records on pagehide arrive synchronously as a window event (JSON string
 * detail with the token); anything else with that name (a page imitating it) is counted and
 * dropped. Whichever pagehide listener runs first, everything is handed to the worker here.
 */
function onPagehideHandover(e: Event): void {
  const detail = (e as CustomEvent).detail;
  if (hookToken === null || typeof detail !== 'string') return core.countForeign();
  let parsed: { token?: unknown; msg?: unknown } | null = null;
  try {
    parsed = JSON.parse(detail);
  } catch {
    parsed = null;
  }
  if (!parsed || typeof parsed !== 'object' || parsed.token !== hookToken) return core.countForeign();
  core.onPageMessage(parsed.msg);
  core.flushAll();
}
window.addEventListener(PAGEHIDE_EVENT, onPagehideHandover, true);

window.addEventListener('pagehide', () => core.flushAll(), true);
