/**
 * Reading a recording out of the extension and writing it as an AckScope session file
 * (format from src/core/session-file; this module only moves bytes).
 */
import type { Worker } from 'playwright-core';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { buildSessionFile, encodeSessionFileBytes, type SessionFile, type SessionInput } from '../core/session-file';
import { listSessions, readSessionRecords, storedRecordCount } from './launcher';

export const GENERATOR = { name: 'ackscope-cli', version: '0.1.0' };

/**
 * Wait until the service worker has stored what the page sent: the stored record count stops
 * changing across a few reads (ingestion is asynchronous and batched), bounded by maxMs.
 */
export async function waitForIngest(worker: Worker, maxMs = 10_000): Promise<number> {
  let last = -1;
  let stable = 0;
  const deadline = Date.now() + maxMs;
  for (;;) {
    const n = await storedRecordCount(worker);
    stable = n === last ? stable + 1 : 0;
    last = n;
    if (stable >= 2 || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every recorded session in the profile (a page and its reloads), oldest first. */
export async function collectSessions(worker: Worker): Promise<SessionInput[]> {
  const rows = await listSessions(worker);
  const out: SessionInput[] = [];
  for (const s of rows) {
    const records = await readSessionRecords(worker, s.id);
    if (!records.length) continue;
    out.push({
      id: s.id,
      records,
      url: s.url || undefined,
      title: s.title,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      userAgent: s.userAgent,
      extensionVersion: s.extVersion,
      warnings: s.warnings,
    });
  }
  return out;
}

export async function writeSessionFile(out: string, sessions: SessionInput[]): Promise<SessionFile> {
  const { file } = buildSessionFile(sessions, { generator: GENERATOR });
  const bytes = await encodeSessionFileBytes(file, { gzip: /\.gz$/i.test(out) });
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, bytes);
  return file;
}
