/**
 * Reading `ackscope analyze` input: an AckScope session file (.json / .json.gz, parsed and
 * validated by src/core/session-file) or a HAR (.har / .har.gz / any JSON with `log.entries`).
 * Every failure is a UsageError with one line naming the file.
 */
import { readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { Rec } from '../core/protocol';
import type { AnalysisConfig } from '../core/analysis/types';
import { parseSessionFile, SessionFileError, DEFAULT_MAX_BYTES } from '../core/session-file';
import { decodeHar, isHar } from '../core/har';
import { UsageError } from './errors';

export interface InputSession {
  id: string;
  url: string;
  records: Rec[];
  config?: Partial<AnalysisConfig>;
  warnings: string[];
}

export interface LoadedInput {
  kind: 'session' | 'har';
  sessions: InputSession[];
  /** HAR only: what a HAR cannot show and decoding problems. */
  limits?: string[];
  harStats?: { connections: number; packets: number; inferredAckTimeout: Record<string, number> };
}

const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** A HAR starts with `{"log":`; Chrome's export puts `log` first, so a peek suffices. */
function looksLikeHar(file: string, head: string): boolean {
  if (/\.har(\.gz)?$/i.test(file)) return true;
  return /^\uFEFF?\s*\{\s*"log"\s*:/.test(head);
}

export async function loadInput(file: string): Promise<LoadedInput> {
  let bytes: Uint8Array;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new UsageError(`${file}: not a file`);
    if (st.size > DEFAULT_MAX_BYTES) throw new UsageError(`${file}: larger than the 1 GiB limit`);
    bytes = await readFile(file);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  if (bytes.length === 0) throw new UsageError(`${file}: file is empty`);

  let plain: Uint8Array | null = null;
  if (isGzip(bytes)) {
    try {
      // Only the head is needed to tell the formats apart; the session parser inflates itself.
      plain = gunzipSync(bytes, { maxOutputLength: DEFAULT_MAX_BYTES });
    } catch (e) {
      throw new UsageError(`${file}: gzip data is truncated or corrupt (${(e as Error).message.split('\n')[0]})`);
    }
  }
  const text0 = new TextDecoder().decode((plain ?? bytes).subarray(0, 4096));
  if (looksLikeHar(file, text0)) return loadHar(file, plain ?? bytes);

  try {
    const sf = await parseSessionFile(bytes);
    return {
      kind: 'session',
      sessions: sf.sessions.map((s) => ({
        id: s.id,
        url: s.url,
        records: s.records as Rec[],
        config: s.analysisConfig as Partial<AnalysisConfig>,
        warnings: s.warnings ?? [],
      })),
    };
  } catch (e) {
    if (e instanceof SessionFileError) throw new UsageError(`${file}: ${e.message}${e.path && !e.message.includes(e.path) ? ` (at ${e.path})` : ''}`);
    throw new UsageError(`${file}: ${(e as Error).message}`);
  }
}

function loadHar(file: string, bytes: Uint8Array): LoadedInput {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!isHar(json)) throw new UsageError(`${file}: not a HAR file (no log.entries array)`);
  const r = decodeHar(json);
  if (r.connections === 0) throw new UsageError(`${file}: the HAR holds no Socket.IO (Engine.IO v4) traffic`);
  return {
    kind: 'har',
    sessions: [{ id: 'har', url: r.page?.url ?? '', records: r.records, warnings: r.warnings }],
    limits: r.limits,
    harStats: { connections: r.connections, packets: r.packets, inferredAckTimeout: r.inferredAckTimeout },
  };
}
