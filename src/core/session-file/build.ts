/**
 * buildSessionFile: raw records (+ what the exporter knows about the session) → a SessionFile,
 * redacted by default. encodeSessionFile: a SessionFile → a byte stream (optionally gzip),
 * written record by record so a large session never becomes one string.
 */
import type { ClientRecord, HookRecord, Rec } from '../protocol';
import type { AnalysisConfig } from '../analysis/types';
import { normalizeConfig } from '../analysis/index';
import { DEFAULT_REDACTION_POLICY, NO_REDACTION, redact, type RedactionItem } from './redact';
import { SESSION_FILE_FORMAT, SESSION_FILE_VERSION, type ClientInfo, type RedactionPolicy, type SessionFile, type SessionFileSession } from './schema';

export interface SessionInput {
  /** The exporter's session id. */
  id: string;
  records: readonly Rec[];
  /** Page URL; default: the first top-frame hook record's URL. */
  url?: string;
  title?: string;
  /** ms since epoch; default: the first record's time. */
  startedAt?: number;
  endedAt?: number;
  /** Default: the first hook record's user agent. */
  userAgent?: string;
  extensionVersion?: string;
  analysisConfig?: Partial<AnalysisConfig>;
  warnings?: string[];
}

export interface BuildOptions {
  /** Redaction policy; default DEFAULT_REDACTION_POLICY. NO_REDACTION exports unredacted (recorded as applied: false). */
  redaction?: RedactionPolicy;
  generator?: { name: string; version: string };
  /** File creation time (tests); default now. */
  now?: Date;
}

const iso = (ms: number) => new Date(Number.isFinite(ms) ? ms : 0).toISOString();

function isStr(x: unknown): x is string {
  return typeof x === 'string';
}

/** Records sorted by time (stable by frame, seq), duplicates by (frame, seq) dropped. */
function orderRecords(records: readonly Rec[]): Rec[] {
  const seen = new Set<string>();
  const out: Rec[] = [];
  for (const r of records) {
    const k = `${r.frame}#${r.seq}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out.sort((a, b) => a.t - b.t || (a.frame < b.frame ? -1 : a.frame > b.frame ? 1 : a.seq - b.seq));
}

function sessionOf(input: SessionInput): SessionFileSession {
  const records = orderRecords(input.records);
  const hooks = records.filter((r): r is HookRecord => r.kind === 'hook');
  const topHook = hooks.find((h) => h.top) ?? hooks[0];
  const clients: ClientInfo[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    if (r.kind !== 'client' || seen.has(r.client)) continue;
    seen.add(r.client);
    const c = r as ClientRecord;
    clients.push({ client: c.client, manager: c.manager, url: c.url, nsp: c.nsp, opts: { ...c.opts }, ...(isStr(c.libVersion) ? { libVersion: c.libVersion } : {}) });
  }
  const libVersion = clients.find((c) => c.libVersion)?.libVersion;
  const startedAt = input.startedAt ?? records[0]?.t ?? Date.now();
  const s: SessionFileSession = {
    id: input.id,
    url: input.url ?? topHook?.url ?? '',
    createdAt: iso(startedAt),
    clients,
    analysisConfig: normalizeConfig(input.analysisConfig) as SessionFileSession['analysisConfig'],
    redaction: { applied: false, policy: { ...NO_REDACTION }, redactedValues: 0 },
    records: records as SessionFileSession['records'],
  };
  if (input.title) s.title = input.title;
  if (input.endedAt !== undefined) s.endedAt = iso(input.endedAt);
  const ua = input.userAgent ?? topHook?.userAgent;
  if (ua) s.userAgent = ua;
  if (input.extensionVersion) s.extensionVersion = input.extensionVersion;
  if (libVersion) s.socketIoClientVersion = libVersion;
  if (input.warnings?.length) s.warnings = [...input.warnings];
  return s;
}

/** Build a session file from one or more sessions (e.g. a page and its reloads). */
export function buildSessionFile(sessions: readonly SessionInput[], opts: BuildOptions = {}): { file: SessionFile; redacted: RedactionItem[] } {
  if (sessions.length === 0) throw new Error('buildSessionFile: no session to export');
  const file: SessionFile = {
    format: SESSION_FILE_FORMAT,
    version: SESSION_FILE_VERSION,
    createdAt: (opts.now ?? new Date()).toISOString(),
    generator: opts.generator ?? { name: 'ackscope', version: '0' },
    sessions: sessions.map(sessionOf),
  };
  const policy = opts.redaction ?? DEFAULT_REDACTION_POLICY;
  const r = redact(file, policy);
  return { file: r.file, redacted: r.items };
}

const enc = new TextEncoder();

/**
 * The file as UTF-8 JSON bytes, one record per line (diffable, greppable), streamed; gzip when
 * asked (CompressionStream: Node 20 and Chrome). Key order puts `format`/`version` first so a
 * reader can refuse a foreign file early.
 */
export function encodeSessionFile(file: SessionFile, opts: { gzip?: boolean } = {}): ReadableStream<Uint8Array> {
  function* pieces(): Generator<string> {
    const { sessions, format, version, ...rest } = file;
    yield `{"format":${JSON.stringify(format)},"version":${JSON.stringify(version)}`;
    for (const [k, val] of Object.entries(rest)) if (val !== undefined) yield `,${JSON.stringify(k)}:${JSON.stringify(val)}`;
    yield ',"sessions":[';
    for (let i = 0; i < sessions.length; i++) {
      const { records, ...meta } = sessions[i];
      const head = JSON.stringify(meta);
      yield (i ? ',\n' : '\n') + head.slice(0, -1) + (head.length > 2 ? ',' : '') + '"records":[';
      let batch = '';
      for (let j = 0; j < records.length; j++) {
        batch += (j ? ',\n' : '\n') + JSON.stringify(records[j]);
        if (batch.length > 256 * 1024) {
          yield batch;
          batch = '';
        }
      }
      yield batch + '\n]}';
    }
    yield '\n]}\n';
  }
  const it = pieces();
  const raw = new ReadableStream<Uint8Array>({
    pull(c) {
      const n = it.next();
      if (n.done) c.close();
      else c.enqueue(enc.encode(n.value));
    },
  });
  return opts.gzip ? raw.pipeThrough(new CompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>) : raw;
}

/** All bytes of the encoded file (small files, tests). */
export async function encodeSessionFileBytes(file: SessionFile, opts: { gzip?: boolean } = {}): Promise<Uint8Array> {
  return new Uint8Array(await new Response(encodeSessionFile(file, opts)).arrayBuffer());
}

/** `ackscope-<host>-<YYYY-MM-DD-HHmmss>.json[.gz]` (local time, file-name-safe host). */
export function sessionFileName(pageUrl: string, date: Date = new Date(), gzip = false): string {
  let host = 'page';
  try {
    host = new URL(pageUrl).host || 'page';
  } catch {
    /* not a URL: keep "page" */
  }
  host = host.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 80);
  const p = (n: number) => String(n).padStart(2, '0');
  const d = `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
  return `ackscope-${host}-${d}.json${gzip ? '.gz' : ''}`;
}
