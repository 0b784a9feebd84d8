/**
 * The panel renders from a SessionSource only. The live implementation reads the extension's
 * IndexedDB and talks to the worker; the in-memory one holds an imported session (and backs
 * the standalone viewer, which has no chrome.* at all). Views never touch either directly.
 */
import type { AnalysisConfig, Analysis, Operation, Finding, SocketInfo } from '../../core/analysis/types';
import type { DuplicateVerdict, Outcome } from '../../core/protocol';

/** One attempt as the timeline draws it: [sentAt, endAt (NaN = still open), end kind, late ack times]. */
export interface TryLite {
  sentAt: number;
  endAt: number;
  end: 'ack' | 'timeout' | 'disconnect' | 'error' | 'pending' | 'none';
  wireId: number | null;
  late: number[];
}

/** The few fields of an Operation that the table, filter and timeline need (full rows stay in storage). */
export interface OpLite {
  id: string;
  socket: string;
  client: string;
  nsp: string;
  event: string;
  key: string | null;
  attempts: number;
  outcome: Outcome;
  duplicate: DuplicateVerdict;
  latency: number | null;
  firstSend: number;
  lastActivity: number;
  lateAcks: number;
  tries: TryLite[];
  /** Lower-cased haystack for free-text filtering. */
  text: string;
}

export interface SessionInfo {
  id: string;
  url: string;
  startedAt: number;
  lastAt: number;
  endedAt?: number;
  records: number;
  imported?: boolean;
  warnings: string[];
  libVersion?: string;
  analysisConfig?: AnalysisConfig;
}

export interface MetaInfo {
  findings: Finding[];
  sockets: SocketInfo[];
  stats: Analysis['stats'] | null;
  recommended: Analysis['recommended'] | null;
  counts: Analysis['counts'];
  diagnostics: string[];
  opCount: number;
  /** Incoming server events, bounded, for timeline ticks (optional in storage). */
  incoming?: Array<{ client: string; t: number; event: string }>;
}

/** Live controls (absent for imported sessions). */
export interface ControlState {
  connected: boolean;
  recording: boolean;
  hookDisabled: boolean;
  preserveLog: boolean;
  origin: string | null;
}

export interface SourceState {
  /** 'loading' until the first screenful is known. */
  status: 'loading' | 'ready';
  session: SessionInfo | null;
  sessions: SessionInfo[];
  meta: MetaInfo | null;
  /** Operations in order of first send. Replaced (never mutated) when anything changes. */
  ops: readonly OpLite[];
  /** Loaded so far vs. known total (large sessions load the latest screenful first). */
  opsLoaded: number;
  opsTotal: number;
  control: ControlState | null;
  error: string | null;
  /** Live updates paused in the view (recording goes on). */
  paused?: boolean;
}

export interface SourceCapabilities {
  recording: boolean;
  clear: boolean;
  preserveLog: boolean;
  hookSwitch: boolean;
  sessionPicker: boolean;
  analysisConfig: boolean;
  openResource: boolean;
}

export interface SessionSource {
  readonly kind: 'live' | 'memory';
  readonly capabilities: SourceCapabilities;
  getState(): SourceState;
  subscribe(listener: () => void): () => void;
  /** Full summary of one operation (detail view). */
  getOperation(id: string): Promise<Operation | undefined>;
  setRecording?(on: boolean): void;
  /** Freeze the view while recording goes on; resuming shows everything recorded meanwhile. */
  setPaused?(paused: boolean): void;
  setPreserveLog?(on: boolean): void;
  setHookDisabled?(disabled: boolean): void;
  clearSession?(): void;
  clearAll?(): void;
  selectSession?(id: string): void;
  setAnalysisConfig?(config: AnalysisConfig): void;
  /** Open a source location in DevTools' Sources panel. */
  openResource?(url: string, line: number, col: number): void;
  dispose?(): void;
}

export const EMPTY_STATE: SourceState = {
  status: 'loading',
  session: null,
  sessions: [],
  meta: null,
  ops: [],
  opsLoaded: 0,
  opsTotal: 0,
  control: null,
  error: null,
};

/** Minimal observable store shared by the implementations. */
export class StateBox {
  private state: SourceState;
  private listeners = new Set<() => void>();
  constructor(initial: SourceState = EMPTY_STATE) {
    this.state = initial;
  }
  get = (): SourceState => this.state;
  set(patch: Partial<SourceState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of [...this.listeners]) l();
  }
  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
}
