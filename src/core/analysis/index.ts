// Analysis core entry (issue 4): see engine.ts (incremental state), materialize.ts
// (operation summaries) and report.ts (stats, lint rules, recommendation).
import type { Rec } from '../protocol';
import type { Analysis, AnalysisConfig, Analyzer } from './types';
import { IncrementalAnalyzer } from './engine';
export * from './types';
export { RULES, type RuleId } from './report';

export const DEFAULT_ANALYSIS_CONFIG: AnalysisConfig = {
  keyPaths: {},
  autoKeyPaths: true,
  dedupMarkers: [],
  appRetryWindowMs: 10_000,
  latencyMargin: 1.5,
};

/** Merge a partial (possibly imported, untrusted) config over the defaults; bad fields fall back. */
export function normalizeConfig(config?: Partial<AnalysisConfig> | null): AnalysisConfig {
  const c = config && typeof config === 'object' ? config : {};
  const keyPaths: Record<string, string[]> = Object.create(null);
  if (c.keyPaths && typeof c.keyPaths === 'object') {
    for (const [ev, paths] of Object.entries(c.keyPaths)) {
      if (Array.isArray(paths)) keyPaths[ev] = paths.filter((p): p is string => typeof p === 'string' && p.length > 0);
    }
  }
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : d);
  return {
    keyPaths,
    autoKeyPaths: typeof c.autoKeyPaths === 'boolean' ? c.autoKeyPaths : DEFAULT_ANALYSIS_CONFIG.autoKeyPaths,
    dedupMarkers: Array.isArray(c.dedupMarkers)
      ? c.dedupMarkers.filter((m) => (typeof m === 'string' && m) || (m !== null && typeof m === 'object' && !Array.isArray(m)))
      : [],
    appRetryWindowMs: num(c.appRetryWindowMs, DEFAULT_ANALYSIS_CONFIG.appRetryWindowMs),
    latencyMargin: num(c.latencyMargin, DEFAULT_ANALYSIS_CONFIG.latencyMargin) || DEFAULT_ANALYSIS_CONFIG.latencyMargin,
  };
}

export function createAnalyzer(config?: Partial<AnalysisConfig>): Analyzer {
  return new IncrementalAnalyzer(normalizeConfig(config));
}

export function analyze(records: readonly Rec[], config?: Partial<AnalysisConfig>): Analysis {
  const a = createAnalyzer(config);
  a.push(records);
  return a.result();
}
