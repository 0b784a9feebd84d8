// Analysis core entry (issue 4). Placeholder: implemented by the analysis core work.
import type { Rec } from '../protocol';
import type { Analysis, AnalysisConfig, Analyzer } from './types';
export * from './types';

export const DEFAULT_ANALYSIS_CONFIG: AnalysisConfig = {
  keyPaths: {},
  autoKeyPaths: true,
  dedupMarkers: [],
  appRetryWindowMs: 10_000,
  latencyMargin: 1.5,
};

export function createAnalyzer(_config?: Partial<AnalysisConfig>): Analyzer {
  throw new Error('analysis core not implemented yet');
}

export function analyze(records: readonly Rec[], config?: Partial<AnalysisConfig>): Analysis {
  const a = createAnalyzer(config);
  a.push(records);
  return a.result();
}
