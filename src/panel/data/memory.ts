/**
 * In-memory SessionSource: an imported session file or the standalone viewer. Holds either
 * raw records (re-analysed when the key-path config changes) or a finished Analysis.
 */
import { analyze } from '../../core/analysis';
import type { Analysis, AnalysisConfig, Operation } from '../../core/analysis/types';
import type { Rec } from '../../core/protocol';
import { keepIncoming } from '../../core/incoming';
import { toLite, byFirstSend } from './lite';
import { StateBox, type SessionInfo, type SessionSource, type MetaInfo, type SourceCapabilities } from './source';

export interface MemoryInput {
  records?: readonly Rec[];
  analysis?: Analysis;
  session?: Partial<SessionInfo>;
  config?: AnalysisConfig;
}

export class MemorySource implements SessionSource {
  readonly kind = 'memory' as const;
  readonly capabilities: SourceCapabilities;
  private box = new StateBox();
  private byId = new Map<string, Operation>();
  private records: readonly Rec[] | undefined;
  private info: SessionInfo;

  constructor(input: MemoryInput) {
    this.records = input.records;
    const recs = input.records ?? [];
    const times = recs.map((r) => r.t);
    this.info = {
      id: input.session?.id ?? 'memory',
      url: input.session?.url ?? (recs.find((r) => r.kind === 'hook') as { url?: string } | undefined)?.url ?? '',
      startedAt: input.session?.startedAt ?? (times.length ? Math.min(...times.slice(0, 1000)) : 0),
      lastAt: input.session?.lastAt ?? (times.length ? times[times.length - 1] : 0),
      records: input.session?.records ?? recs.length,
      imported: true,
      warnings: input.session?.warnings ?? [],
      analysisConfig: input.config ?? input.session?.analysisConfig,
      ...(input.session?.libVersion ? { libVersion: input.session.libVersion } : {}),
    };
    this.capabilities = {
      recording: false,
      clear: false,
      preserveLog: false,
      hookSwitch: false,
      sessionPicker: false,
      analysisConfig: !!input.records,
      openResource: false,
    };
    const analysis = input.analysis ?? analyze(recs, this.info.analysisConfig);
    this.load(analysis);
  }

  private load(a: Analysis): void {
    this.byId = new Map(a.operations.map((o) => [o.id, o]));
    const ops = a.operations.map(toLite).sort(byFirstSend);
    const meta: MetaInfo = {
      findings: a.findings,
      sockets: a.sockets,
      stats: a.stats,
      recommended: a.recommended,
      counts: a.counts,
      diagnostics: a.diagnostics,
      opCount: a.operations.length,
      incoming: this.records ? keepIncoming([], this.records) : [],
    };
    this.box.set({ status: 'ready', session: this.info, sessions: [this.info], meta, ops, opsLoaded: ops.length, opsTotal: ops.length });
  }

  getState = () => this.box.get();
  subscribe = (l: () => void) => this.box.subscribe(l);
  async getOperation(id: string) {
    return this.byId.get(id);
  }
  setAnalysisConfig(config: AnalysisConfig): void {
    if (!this.records) return;
    this.info = { ...this.info, analysisConfig: config };
    this.load(analyze(this.records, config));
  }
}
