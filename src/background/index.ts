/**
 * Service worker entry (issue 3). Listeners are registered synchronously at the top level
 * so Chrome wakes the worker for them after it stopped it (MV3 idles workers after 30 s).
 */
import { SETTINGS_KEY } from '../core/messages';
import { CaptureWorker } from './worker';

// Relays read DEVTOOLS_OPEN_KEY from session storage to decide whether to wake us at all.
chrome.storage.session.setAccessLevel?.({ accessLevel: 'TRUSTED_AND_UNTRUSTED_CONTEXTS' }).catch(() => {});

const worker = new CaptureWorker();
// Tests read state through this (worker.evaluate); nothing else uses it.
(globalThis as { __ackscope?: CaptureWorker }).__ackscope = worker;

chrome.runtime.onConnect.addListener((port) => {
  try {
    worker.onConnect(port);
  } catch (e) {
    console.warn('[ackscope] onConnect failed', e);
  }
});

chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && SETTINGS_KEY in changes) void worker.onSettingsChanged(changes[SETTINGS_KEY].newValue).catch(() => {});
});

chrome.tabs.onRemoved.addListener((tabId) => void worker.onTabRemoved(tabId).catch(() => {}));

// Whatever slips through is logged, never fatal.
self.addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  console.warn('[ackscope] unhandled rejection', (e as PromiseRejectionEvent).reason);
});
