/**
 * DevTools page: registers the "AckScope" panel and, from the moment DevTools opens on a tab,
 * holds the devtools port to the worker so the tab records even before the panel is shown
 * (the panel page only loads when its tab is clicked). The panel page must also be a build
 * input (vite.config.ts).
 */
import { DEVTOOLS_PORT, type DevtoolsToWorker } from '../core/messages';

chrome.devtools.panels.create('AckScope', 'icons/16.png', 'src/panel/index.html');

const tabId = chrome.devtools.inspectedWindow.tabId;
function connect(): void {
  let port: chrome.runtime.Port;
  try {
    port = chrome.runtime.connect({ name: DEVTOOLS_PORT });
  } catch {
    setTimeout(connect, 1000);
    return;
  }
  const hello: DevtoolsToWorker = { type: 'devtools-hello', tabId };
  port.postMessage(hello);
  // Chrome stops idle workers; reconnecting wakes it and re-registers this tab.
  port.onDisconnect.addListener(() => {
    void chrome.runtime.lastError;
    setTimeout(connect, 250);
  });
}
connect();
