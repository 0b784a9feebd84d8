/**
 * Export: read a session's raw records from the extension's IndexedDB (chunks) in the panel
 * page, build the session file (redacted by default), encode it as a stream and save it.
 * Never goes through extension messaging (Chrome caps a message at ~64 MiB).
 */
import { Dexie } from 'dexie';
import { chunkRecords, type AckScopeDB, type SessionRow } from '../../storage/db';
import type { Rec } from '../../core/protocol';
import {
  buildSessionFile,
  encodeSessionFile,
  sessionFileName,
  DEFAULT_REDACTION_POLICY,
  type RedactionPolicy,
  type SessionInput,
  type RedactionItem,
  type SessionFile,
} from '../../core/session-file';

/** Raw records of one stored session, in chunk order. */
export async function readSessionRecords(db: AckScopeDB, session: string): Promise<Rec[]> {
  const out: Rec[] = [];
  await db.chunks
    .where('[session+no]')
    .between([session, Dexie.minKey], [session, Dexie.maxKey])
    .each((c) => {
      // A loop, not push(...records): chunks can be large enough to overflow the argument stack.
      for (const r of chunkRecords(c)) out.push(r);
    });
  return out;
}

function extensionVersion(): string | undefined {
  try {
    return typeof chrome !== 'undefined' ? chrome.runtime?.getManifest?.().version : undefined;
  } catch {
    return undefined;
  }
}

/** Session rows + their records as build input (oldest first: a page, then its reloads). */
export async function loadSessionInputs(db: AckScopeDB, sessionIds: readonly string[]): Promise<SessionInput[]> {
  const rows = (await db.sessions.bulkGet([...sessionIds])).filter((r): r is SessionRow => !!r);
  if (rows.length === 0) throw new Error('This session is no longer stored (cleared or evicted).');
  rows.sort((a, b) => a.startedAt - b.startedAt);
  const ext = extensionVersion();
  const inputs: SessionInput[] = [];
  for (const r of rows) {
    inputs.push({
      id: r.id,
      records: await readSessionRecords(db, r.id),
      url: r.url,
      title: r.title,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      userAgent: r.userAgent,
      extensionVersion: r.extVersion ?? ext,
      analysisConfig: r.analysisConfig,
      warnings: r.warnings,
    });
  }
  return inputs;
}

export interface ExportResult {
  blob: Blob;
  fileName: string;
  file: SessionFile;
  redacted: RedactionItem[];
}

/** Build, redact and encode. The file name follows the first session's page host. */
export async function exportSessionFile(
  inputs: readonly SessionInput[],
  opts: { policy?: RedactionPolicy; gzip?: boolean; now?: Date } = {},
): Promise<ExportResult> {
  const now = opts.now ?? new Date();
  const { file, redacted } = buildSessionFile(inputs, {
    redaction: opts.policy ?? DEFAULT_REDACTION_POLICY,
    now,
    generator: { name: 'ackscope', version: extensionVersion() ?? '0' },
  });
  const gzip = !!opts.gzip;
  const blob = await new Response(encodeSessionFile(file, { gzip })).blob();
  const typed = new Blob([blob], { type: gzip ? 'application/gzip' : 'application/json' });
  return { blob: typed, fileName: sessionFileName(file.sessions[0].url, now, gzip), file, redacted };
}

/** Save through a download link (works in a DevTools panel page and in the standalone viewer). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoke later: the download starts asynchronously.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
