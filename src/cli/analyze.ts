/**
 * `ackscope analyze <file>`: the same analysis as the panel (src/core/analysis) over a session
 * file or a HAR, as a readable report or one JSON object (`--json`), with a CI exit code.
 */
import { analyze } from '../core/analysis';
import type { Analysis, Finding, Operation, Severity } from '../core/analysis/types';
import type { Preview } from '../core/protocol';
import { safeParse } from '../core/preview';
import { loadInput, type LoadedInput } from './input';

export type FailOn = 'error' | 'warning' | 'never';
export const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'never'];

export interface AnalyzeOptions {
  json?: boolean;
  failOn?: FailOn;
}

/** JSON preview of emitted arguments: parsed when it is valid JSON, else the (cut) text. */
export function argsValue(p: Preview | null | undefined): unknown {
  if (!p) return null;
  if (!p.truncated) {
    const v = safeParse(p.json);
    if (v !== undefined) return v;
  }
  return p.json;
}

function jsonOperation(op: Operation, session: string | undefined) {
  return {
    ...(session !== undefined ? { session } : {}),
    id: op.id,
    socket: op.socket,
    nsp: op.nsp,
    event: op.event,
    key: op.key,
    keyPath: op.keyPath,
    attempts: op.attempts,
    outcome: op.outcome,
    ...(op.reason !== undefined ? { reason: op.reason } : {}),
    duplicate: op.duplicate,
    explanation: op.explanation,
    args: argsValue(op.args),
    ...(op.args?.truncated ? { argsTruncated: true } : {}),
    ackArgs: argsValue(op.ackArgs),
    linkedBy: op.linkedBy,
    emits: op.emits,
    firstSend: new Date(op.firstSend).toISOString(),
    latencyMs: op.latency === null ? null : Math.round(op.latency * 10) / 10,
    chain: op.chain.map((a) => ({
      try: a.try,
      wireId: a.ackId,
      sentAt: new Date(a.sentAt).toISOString(),
      end: a.end.kind,
      ...('at' in a.end ? { endAt: new Date(a.end.at).toISOString() } : {}),
      ...(a.end.kind === 'ack' ? { latencyMs: Math.round(a.end.latency * 10) / 10 } : {}),
      lateAcks: a.lateAcks.map((l) => ({ at: new Date(l.at).toISOString(), latencyMs: Math.round(l.latency * 10) / 10 })),
    })),
    evidence: op.evidence.map((e) => ({ note: e.note, ...(e.at !== undefined ? { at: new Date(e.at).toISOString() } : {}) })),
  };
}

function jsonFinding(f: Finding, session: string | undefined) {
  return {
    ...(session !== undefined ? { session } : {}),
    rule: f.rule,
    severity: f.severity,
    ...(f.socket !== undefined ? { socket: f.socket } : {}),
    message: f.message,
    evidence: f.evidence,
    ...(f.fix !== undefined ? { fix: f.fix } : {}),
  };
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export function shouldFail(findings: Array<{ severity: Severity }>, failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  return findings.some((f) => RANK[f.severity] >= RANK[failOn]);
}

export interface AnalyzeResult {
  input: LoadedInput;
  analyses: Array<{ session: string; url: string; analysis: Analysis; warnings: string[] }>;
}

export async function runAnalysis(file: string): Promise<AnalyzeResult> {
  const input = await loadInput(file);
  return {
    input,
    analyses: input.sessions.map((s) => ({ session: s.id, url: s.url, analysis: analyze(s.records, s.config), warnings: s.warnings })),
  };
}

export function toJson(file: string, r: AnalyzeResult) {
  const multi = r.analyses.length > 1;
  const ops = r.analyses.flatMap((a) => a.analysis.operations.map((o) => jsonOperation(o, multi ? a.session : undefined)));
  const findings = r.analyses.flatMap((a) => a.analysis.findings.map((f) => jsonFinding(f, multi ? a.session : undefined)));
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return {
    format: 'ackscope-analysis' as const,
    version: 1 as const,
    source: {
      file,
      kind: r.input.kind,
      sessions: r.analyses.map((a) => ({ id: a.session, url: a.url, operations: a.analysis.operations.length, warnings: a.warnings })),
      ...(r.input.limits ? { cannotShow: r.input.limits } : {}),
      ...(r.input.harStats ? { har: r.input.harStats } : {}),
    },
    operations: ops,
    findings,
    counts,
    recommended: r.analyses.map((a) => ({ ...(multi ? { session: a.session } : {}), clientConfig: a.analysis.recommended.clientConfig })),
    diagnostics: r.analyses.flatMap((a) => a.analysis.diagnostics),
  };
}

// ---------------------------------------------------------------- text report

const DUP_LABEL: Record<string, string> = {
  none: 'no duplicate',
  possible: 'POSSIBLE DUPLICATE',
  confirmed: 'CONFIRMED DUPLICATE',
  'server-deduplicated': 'server-deduplicated',
};

function cut(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function toText(file: string, r: AnalyzeResult): string {
  const out: string[] = [];
  const multi = r.analyses.length > 1;
  const kind = r.input.kind === 'har' ? 'HAR' : 'session file';
  out.push(`AckScope analysis of ${file} (${kind}${multi ? `, ${r.analyses.length} sessions` : ''})`);
  for (const a of r.analyses) {
    const an = a.analysis;
    if (multi || a.url) out.push('', `${multi ? `Session ${a.session}: ` : 'Page: '}${a.url || '(unknown URL)'}`);
    const dups = an.operations.filter((o) => o.duplicate === 'confirmed').length;
    const poss = an.operations.filter((o) => o.duplicate === 'possible').length;
    out.push(`${an.operations.length} operation(s), ${dups} confirmed and ${poss} possible duplicate deliveries; findings: ${an.counts.error} error(s), ${an.counts.warning} warning(s), ${an.counts.info} info.`);
    out.push('', 'Operations (in order of first send):');
    if (!an.operations.length) out.push('  (none)');
    const t0 = an.operations[0]?.firstSend ?? 0;
    an.operations.forEach((op, i) => {
      const lat = op.latency !== null ? `, ${Math.round(op.latency)} ms` : '';
      out.push(`  ${String(i + 1).padStart(3)}. ${op.socket}  ${op.event}${op.key !== null ? `  key=${cut(op.key, 40)}` : ''}  ${op.attempts} attempt(s)  ${op.outcome}${lat}  [${DUP_LABEL[op.duplicate] ?? op.duplicate}]`);
      out.push(`       args: ${cut(op.args?.json ?? '(none)', 100)}`);
      out.push(`       ${op.explanation}`);
      // Evidence for what needs attention; an op acked first time needs none.
      if (op.duplicate !== 'none' || op.outcome !== 'acked') {
        for (const e of op.evidence) out.push(`         ${e.at !== undefined ? `+${Math.round(e.at - t0)} ms`.padEnd(10) : ''.padEnd(10)}${e.note}`);
      }
    });
    out.push('', 'Findings:');
    if (!an.findings.length) out.push('  (none)');
    for (const f of an.findings) {
      out.push(`  ${f.severity.toUpperCase().padEnd(7)} ${f.rule}${f.socket ? ` (${f.socket})` : ''}: ${f.message}`);
      if (f.fix) out.push(`          fix: ${f.fix}`);
    }
    const cfg = an.recommended.clientConfig;
    if (cfg && Object.keys(cfg).length) {
      out.push('', 'Recommended client config:', `  ${JSON.stringify(cfg)}`);
      out.push(...an.recommended.clientSnippet.split('\n').map((l) => `    ${l}`));
    }
    const warn = [...a.warnings, ...an.diagnostics];
    if (warn.length) out.push('', 'Input notes:', ...warn.map((w) => `  - ${w}`));
  }
  if (r.input.limits) {
    out.push('', 'What a HAR cannot show:', ...r.input.limits.map((l) => `  - ${l}`));
  }
  return out.join('\n') + '\n';
}
