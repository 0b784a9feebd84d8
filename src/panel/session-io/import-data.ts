/**
 * Import: read a session file (File/Blob from "Open session…" or a drop) in this page,
 * streaming, and turn it into inputs for the panel's in-memory SessionSource.
 */
import { parseSessionFile, type SessionFile, type ParseOptions, type SessionInput } from '../../core/session-file';
import type { Rec } from '../../core/protocol';
import type { MemoryInput } from '../data/memory';

export interface ImportedFile {
  /** File name as the user picked it. */
  name: string;
  file: SessionFile;
  /** One in-memory source input per session in the file (a page and its reloads). */
  inputs: MemoryInput[];
}

/** One MemorySource input per session, analysed with the configuration saved in the file. */
export function memoryInputs(file: SessionFile, name = 'file'): MemoryInput[] {
  return file.sessions.map((s, i) => {
    const records = s.records as unknown as Rec[];
    let last = 0;
    for (const r of records) if (r.t > last) last = r.t;
    const started = Date.parse(s.createdAt);
    return {
      records,
      config: s.analysisConfig,
      session: {
        id: `import:${name}:${i}`,
        url: s.url,
        startedAt: Number.isFinite(started) ? started : (records[0]?.t ?? 0),
        lastAt: last || started,
        ...(s.endedAt ? { endedAt: Date.parse(s.endedAt) } : {}),
        records: records.length,
        imported: true,
        warnings: s.warnings ?? [],
        ...(s.socketIoClientVersion ? { libVersion: s.socketIoClientVersion } : {}),
        analysisConfig: s.analysisConfig,
      },
    };
  });
}

/** Parse a picked or dropped file. Throws SessionFileError (one-line message) on bad input. */
export async function openSessionFile(blob: Blob, opts: ParseOptions = {}): Promise<ImportedFile> {
  const name = (blob as File).name ?? 'session';
  const file = await parseSessionFile(blob, opts);
  return { name, file, inputs: memoryInputs(file, name) };
}

/** Build inputs back from an opened file: re-export it (e.g. with more redaction) from the viewer or an imported session. */
export function sessionInputsOf(file: SessionFile): SessionInput[] {
  return file.sessions.map((s) => ({
    id: s.id,
    records: s.records as unknown as Rec[],
    url: s.url,
    title: s.title,
    startedAt: Date.parse(s.createdAt),
    endedAt: s.endedAt ? Date.parse(s.endedAt) : undefined,
    userAgent: s.userAgent,
    extensionVersion: s.extensionVersion,
    analysisConfig: s.analysisConfig,
    warnings: s.warnings,
  }));
}
