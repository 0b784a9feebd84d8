/**
 * Typed messages between runtime contexts. Every message crossing a context is validated by
 * the receiver (see validators next to the receiving code); these are the shapes.
 *
 * page hook  --MessagePort-->  content relay  --runtime Port "ackscope-relay"-->  service worker
 * panel      --runtime Port "ackscope-panel"-->  service worker
 */
import type { Rec } from './protocol';
import type { AnalysisConfig } from './analysis/types';

/** Handshake: the page posts this once with `window.postMessage(msg, '*', [port])`. */
export const HANDSHAKE_TYPE = '__ackscope_handshake_v1' as const;
/**
 * On `pagehide` only: the hook hands its last records to the relay synchronously, as a
 * CustomEvent on window whose detail is a JSON string `{token, msg}` (a port message would
 * arrive after the document is gone). The token went to the relay over the private port.
 */
export const PAGEHIDE_EVENT = '__ackscope_pagehide_v1' as const;

export interface HookConfig {
  /** Records flow to storage (otherwise they stay in the page ring buffer). */
  recording: boolean;
  /** The hook is switched off for this site (no instrumentation beyond what is installed). */
  disabled: boolean;
  previewLimit: number;
  stacks: boolean;
  ringSize: number;
}

/** page -> relay */
export type PageToRelay =
  | { type: 'records'; frame: string; records: Rec[] }
  | { type: 'hello'; frame: string; url: string; top: boolean; token?: string };

/** relay -> page */
export type RelayToPage = { type: 'config'; config: HookConfig } | { type: 'flush' };

/** relay -> worker */
export type RelayToWorker =
  | { type: 'hello'; frame: string; url: string; top: boolean }
  | { type: 'records'; batch: number; records: Rec[] };

/** worker -> relay */
export type WorkerToRelay =
  | { type: 'stored'; batch: number }
  | { type: 'config'; config: HookConfig }
  | { type: 'error'; batch?: number; message: string };

/** panel -> worker */
export type PanelToWorker =
  | { type: 'panel-hello'; tabId: number }
  | { type: 'set-recording'; scope: 'tab' | 'site' | 'all'; tabId?: number; origin?: string; on: boolean }
  | { type: 'set-hook-disabled'; origin: string; disabled: boolean }
  | { type: 'set-preserve-log'; tabId: number; on: boolean }
  | { type: 'clear-session'; session: string }
  | { type: 'clear-all' }
  | { type: 'set-analysis-config'; session: string; config: AnalysisConfig };

/** worker -> panel */
export type WorkerToPanel =
  | { type: 'session'; tabId: number; session: string | null }
  | { type: 'status'; recording: boolean; hookDisabled: boolean; preserveLog: boolean }
  | { type: 'error'; message: string };

/** Runtime port names. */
export const RELAY_PORT = 'ackscope-relay' as const;
export const PANEL_PORT = 'ackscope-panel' as const;
/**
 * The devtools page (src/devtools) opens this port as soon as DevTools opens on a tab and
 * sends `devtools-hello`: while it is connected the tab records (issue 3). The worker may be
 * stopped by Chrome at any time; reconnect on disconnect.
 */
export const DEVTOOLS_PORT = 'ackscope-devtools' as const;

/**
 * chrome.storage.session key (readable by the relay): number of tabs with DevTools open.
 * While it is 0 and settings record nothing, relays do not wake the worker.
 */
export const DEVTOOLS_OPEN_KEY = 'ackscope.devtoolsOpen' as const;

/** devtools page -> worker */
export type DevtoolsToWorker = { type: 'devtools-hello'; tabId: number };

/** Keys in chrome.storage.local (settings persist so the CLI can switch recording on). */
export const SETTINGS_KEY = 'ackscope.settings' as const;
export interface Settings {
  /** Record every tab. */
  recordAll: boolean;
  /** Origins recorded even without DevTools open. */
  recordOrigins: string[];
  /** Origins where the hook is switched off. */
  disabledOrigins: string[];
  previewLimit: number;
  stacks: boolean;
  ringSize: number;
  retention: { sessions: number; bytes: number };
}
export const DEFAULT_SETTINGS: Settings = {
  recordAll: false,
  recordOrigins: [],
  disabledOrigins: [],
  previewLimit: 16 * 1024,
  stacks: true,
  ringSize: 2000,
  retention: { sessions: 20, bytes: 1024 * 1024 * 1024 },
};
