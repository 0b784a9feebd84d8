/**
 * The extension's IndexedDB schema (Dexie). The service worker is the only writer; the
 * panel reads it with liveQuery. Declared in one place so both sides agree; every schema
 * change adds a `db.version(n)` with an upgrade function (see test for upgrades).
 */
import { Dexie, type EntityTable } from 'dexie';
import type { Rec } from '../core/protocol';
import type { AnalysisConfig, Finding, Operation, SocketInfo, Analysis } from '../core/analysis/types';

export const DB_NAME = 'ackscope';

export interface SessionRow {
  /** `${tabId}:${startedAt}` for live sessions, `import:${uuid}` for imported ones. */
  id: string;
  tabId: number;
  url: string;
  title?: string;
  startedAt: number;
  /** Last record time. */
  lastAt: number;
  endedAt?: number;
  imported?: boolean;
  /** Number of stored records and their approximate bytes. */
  records: number;
  bytes: number;
  userAgent?: string;
  extVersion?: string;
  libVersion?: string;
  analysisConfig?: AnalysisConfig;
  /** Visible warnings: evicted sessions, gaps, quota. */
  warnings: string[];
  /** Kept when retention runs (preserve log / pinned). */
  pinned?: boolean;
}

/**
 * Raw records, stored as batches for ingest speed. Since schema version 2 a chunk holds its
 * records as ONE JSON array string (`json`): IndexedDB structured-clones a string in one
 * step, where an array of record objects costs ~25 µs per record. Rows written by version 1
 * (`records`) are converted by the upgrade. Read rows through `chunkRecords(row)`.
 */
export interface ChunkRow {
  session: string;
  no: number;
  /** `JSON.stringify(records)` (version 2). */
  json?: string;
  /** Records as objects (version 1 rows only; converted by the upgrade). */
  records?: Rec[];
  /** Number of records in the chunk. */
  count?: number;
  bytes: number;
  firstT: number;
  lastT: number;
}

/** The records of a chunk row, whichever format it was written in. */
export function chunkRecords(row: Pick<ChunkRow, 'json' | 'records'>): Rec[] {
  if (typeof row.json === 'string') return JSON.parse(row.json) as Rec[];
  return Array.isArray(row.records) ? row.records : [];
}

/** A chunk row in the current format. */
export function makeChunk(session: string, no: number, records: readonly Rec[], bytes: number, firstT: number, lastT: number): ChunkRow {
  return { session, no, json: JSON.stringify(records), count: records.length, bytes, firstT, lastT };
}

/** Per-frame high-water mark, written in the same transaction as chunks: dedup on re-send. */
export interface FrameRow {
  session: string;
  frame: string;
  maxSeq: number;
}

/** Per-operation summaries maintained by the worker as records arrive (panel never scans chunks). */
export type OpRow = Operation & { session: string };

/** Per-session analysis snapshot (everything but operations). */
export interface SessionMetaRow {
  session: string;
  findings: Finding[];
  sockets: SocketInfo[];
  stats: Analysis['stats'];
  recommended: Analysis['recommended'];
  counts: Analysis['counts'];
  diagnostics: string[];
  opCount: number;
  updatedAt: number;
  /**
   * Optional (issue 5): the latest incoming server events, bounded (e.g. 5,000), for the
   * panel's timeline ticks. The panel reads it when present and draws no ticks otherwise.
   */
  incoming?: Array<{ client: string; t: number; event: string }>;
}

export type AckScopeDB = Dexie & {
  sessions: EntityTable<SessionRow, 'id'>;
  chunks: EntityTable<ChunkRow>;
  frames: EntityTable<FrameRow>;
  ops: EntityTable<OpRow>;
  meta: EntityTable<SessionMetaRow, 'session'>;
};

export function openDb(name = DB_NAME): AckScopeDB {
  const db = new Dexie(name) as AckScopeDB;
  db.version(1).stores({
    sessions: 'id, tabId, startedAt, [tabId+startedAt]',
    chunks: '[session+no], session',
    frames: '[session+frame], session',
    ops: '[session+id], session, [session+firstSend]',
    meta: 'session',
  });
  // Version 2: chunk rows hold their records as one JSON string (same indexes).
  db.version(2)
    .stores({})
    .upgrade((tx) =>
      tx
        .table('chunks')
        .toCollection()
        .modify((row: ChunkRow) => {
          if (typeof row.json === 'string') return;
          const recs = Array.isArray(row.records) ? row.records : [];
          row.json = JSON.stringify(recs);
          row.count = recs.length;
          delete row.records;
        }),
    );
  return db;
}
