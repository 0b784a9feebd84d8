/**
 * Storage side of the capture pipeline (issue 3). Only the service worker calls this: it is
 * the sole writer of the database. Runs unchanged in Node over fake-indexeddb for tests.
 *
 * One transaction per batch: the chunk row, the frames' high-water marks (dedup of records
 * re-sent after a worker restart), the session counters, the changed operation summaries
 * and, when due, the session's analysis snapshot. Callers must not run two `store` calls
 * for the same database concurrently (the worker chains them).
 */
import type { Rec, HookRecord, ClientRecord } from '../core/protocol';
import { keepIncoming, type IncomingTick } from '../core/incoming';
import type { Analyzer, AnalysisConfig } from '../core/analysis/types';
import type { Table } from 'dexie';
import { chunkRecords, makeChunk, type AckScopeDB, type ChunkRow, type OpRow, type SessionMetaRow, type SessionRow } from './db';

export interface SessionInit {
  id: string;
  tabId: number;
  url: string;
  startedAt: number;
  extVersion?: string;
}

export interface StoreResult {
  /** Records written (after dedup). */
  stored: number;
  duplicates: number;
  /** Sessions evicted to make room (quota). */
  evicted: string[];
}

export interface IngestOptions {
  /** Creates the incremental analyzer; may throw while the analysis core is not ready. */
  createAnalyzer?: (config?: Partial<AnalysisConfig>) => Analyzer;
  /** Snapshot (result()) at most this often per session, in ms. */
  metaIntervalMs?: number;
  now?: () => number;
  /** Sessions that must not be evicted (live tabs). */
  isLive?: (session: string) => boolean;
}

const ALL_TABLES = ['sessions', 'chunks', 'frames', 'ops', 'meta'];

export class QuotaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuotaError';
  }
}

interface SessionCache {
  frames: Map<string, number>;
  nextChunk: number;
  analyzer: Analyzer | null;
  /** Why summaries are not maintained (analysis core missing or failing). */
  pending: string | null;
  lastMetaAt: number;
  metaDirty: boolean;
  /** Warnings raised before the session row exists (written with the next batch). */
  warnings: string[];
  /** Operations whose summary row must be (re)written: coalesced, written after the chunks. */
  dirtyOps: Set<string>;
  /** Latest incoming server events (bounded) for the timeline's ticks. */
  incoming: IncomingTick[];
}

export function isQuotaError(e: unknown): boolean {
  for (let x = e as { name?: string; inner?: unknown } | undefined, i = 0; x && i < 5; x = x.inner as typeof x, i++) {
    if (x.name === 'QuotaExceededError') return true;
  }
  return false;
}

/** Approximate JSON size of a record (the relay usually computes it already). */
export function recordBytes(r: Rec): number {
  let n = 120;
  const a = (r as { args?: { json?: string } }).args;
  if (a && typeof a.json === 'string') n += a.json.length;
  for (const k of ['event', 'url', 'reason', 'message', 'client', 'op'] as const) {
    const v = (r as unknown as Record<string, unknown>)[k];
    if (typeof v === 'string') n += v.length;
  }
  return n;
}

export class Ingestor {
  private cache = new Map<string, SessionCache>();
  /** Where the time goes (benchmark report). */
  readonly timing = { analyzeMs: 0, summariesMs: 0, txMs: 0, opsTxMs: 0 };
  private opts: Required<Omit<IngestOptions, 'createAnalyzer'>> & Pick<IngestOptions, 'createAnalyzer'>;

  constructor(
    readonly db: AckScopeDB,
    opts: IngestOptions = {},
  ) {
    this.opts = {
      createAnalyzer: opts.createAnalyzer,
      metaIntervalMs: opts.metaIntervalMs ?? 1000,
      now: opts.now ?? (() => Date.now()),
      isLive: opts.isLive ?? (() => false),
    };
  }

  /** Load (or rebuild after a worker restart) what we keep in memory for a session. */
  private async sessionCache(session: string, config?: AnalysisConfig): Promise<SessionCache> {
    let c = this.cache.get(session);
    if (c) return c;
    const frames = new Map<string, number>();
    for (const f of await this.db.frames.where('session').equals(session).toArray()) frames.set(f.frame, f.maxSeq);
    const last = await this.db.chunks.where('[session+no]').between([session, -Infinity], [session, Infinity]).last();
    c = { frames, nextChunk: last ? last.no + 1 : 0, analyzer: null, pending: null, lastMetaAt: 0, metaDirty: false, warnings: [], dirtyOps: new Set(), incoming: [] };
    try {
      if (!this.opts.createAnalyzer) throw new Error('no analyzer configured');
      c.analyzer = this.opts.createAnalyzer(config);
      if (last) {
        // Worker restarted: rebuild the analyzer state from what is stored.
        // Summaries the previous worker had not written yet are unknown: rewrite them all
        // (in the background, coalesced).
        await this.db.chunks
          .where('[session+no]')
          .between([session, -Infinity], [session, Infinity])
          .each((ch) => {
            const recs = chunkRecords(ch);
            const { changed, removed } = c!.analyzer!.push(recs);
            for (const id of changed) c!.dirtyOps.add(id);
            // Operations merged into another one: their rows are deleted when flushed.
            for (const id of removed ?? []) c!.dirtyOps.add(id);
            keepIncoming(c!.incoming, recs);
          });
        c.metaDirty = true;
      }
    } catch (e) {
      c.analyzer = null;
      c.pending = `analysis pending: ${(e as Error)?.message ?? String(e)}`;
    }
    this.cache.set(session, c);
    return c;
  }

  /** Forget in-memory state (tests simulate a worker restart with a new Ingestor instead). */
  forget(session?: string): void {
    if (session === undefined) this.cache.clear();
    else this.cache.delete(session);
  }

  /**
   * Store one batch for a session (created on first use). Records already stored (by
   * (frame, seq)) are skipped. Throws QuotaError when storage is full and nothing can be evicted.
   */
  async store(init: SessionInit, records: readonly Rec[], bytesOf: (r: Rec, i: number) => number = recordBytes): Promise<StoreResult> {
    const session = init.id;
    const existing = await this.db.sessions.get(session);
    const c = await this.sessionCache(session, existing?.analysisConfig);
    // Dedup against the high-water marks: a frame's records arrive in seq order.
    const marks = new Map<string, number>();
    const fresh: Rec[] = [];
    let bytes = 0;
    let firstT = Infinity;
    let lastT = -Infinity;
    let hook: HookRecord | undefined;
    let lib: string | undefined;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const mark = marks.get(r.frame) ?? c.frames.get(r.frame) ?? -1;
      if (r.seq <= mark) continue;
      marks.set(r.frame, r.seq);
      fresh.push(r);
      bytes += bytesOf(r, i);
      if (r.t < firstT) firstT = r.t;
      if (r.t > lastT) lastT = r.t;
      if (r.kind === 'hook' && r.top && !hook) hook = r;
      if (r.kind === 'client' && (r as ClientRecord).libVersion && !lib) lib = (r as ClientRecord).libVersion;
    }
    const result: StoreResult = { stored: fresh.length, duplicates: records.length - fresh.length, evicted: [] };
    if (!fresh.length && existing) return result;

    // Summaries: the analyzer ignores duplicates itself, so a failed transaction can be
    // retried. Changed operations are only marked here; their rows are written by
    // flushDerived() after the chunks (one op row per emit would cap ingest at the speed of
    // row-per-emit writes; coalesced, an op changed by 4 records is written once).
    if (c.analyzer && fresh.length) {
      try {
        const t0 = performance.now();
        const { changed, removed } = c.analyzer.push(fresh);
        this.timing.analyzeMs += performance.now() - t0;
        for (const id of changed) c.dirtyOps.add(id);
        // Operations merged into another one: operation(id) is undefined, so flushDerived deletes their rows.
        for (const id of removed ?? []) c.dirtyOps.add(id);
        c.metaDirty = true;
      } catch (e) {
        c.analyzer = null;
        c.dirtyOps.clear();
        c.pending = `analysis failed: ${(e as Error)?.message ?? String(e)}`;
      }
    }
    if (fresh.length) keepIncoming(c.incoming, fresh);
    const now = this.opts.now();
    // Without a working analyzer, the new session still gets a row saying summaries are pending.
    const meta = c.pending !== null && !existing ? this.snapshot(session, c, now) : null;

    const chunk: ChunkRow | null = fresh.length ? makeChunk(session, c.nextChunk, fresh, bytes, firstT, lastT) : null;

    const write = () =>
      this.db.transaction('rw', ALL_TABLES, async () => {
        const row = await this.db.sessions.get(session);
        if (row) {
          await this.db.sessions.update(session, {
            records: row.records + fresh.length,
            bytes: row.bytes + bytes,
            lastAt: Math.max(row.lastAt, fresh.length ? lastT : row.lastAt),
            ...(hook && !row.userAgent ? { userAgent: hook.userAgent } : {}),
            ...(lib && !row.libVersion ? { libVersion: lib } : {}),
            // created by an iframe's records before the top document said hello
            ...(!row.url && init.url ? { url: init.url } : {}),
            ...(c.warnings.length ? { warnings: [...row.warnings, ...c.warnings.filter((w) => !row.warnings.includes(w))] } : {}),
          });
        } else {
          const s: SessionRow = {
            id: session,
            tabId: init.tabId,
            url: init.url,
            startedAt: init.startedAt,
            lastAt: fresh.length ? lastT : init.startedAt,
            records: fresh.length,
            bytes,
            warnings: [...c.warnings],
            ...(init.extVersion ? { extVersion: init.extVersion } : {}),
            ...(hook ? { userAgent: hook.userAgent } : {}),
            ...(lib ? { libVersion: lib } : {}),
          };
          await this.db.sessions.add(s);
        }
        if (chunk) await this.db.chunks.add(chunk);
        if (marks.size) await this.db.frames.bulkPut([...marks].map(([frame, maxSeq]) => ({ session, frame, maxSeq })));
        if (meta) await this.db.meta.put(meta);
      });

    for (let attempt = 0; ; attempt++) {
      try {
        const t0 = performance.now();
        await write();
        this.timing.txMs += performance.now() - t0;
        break;
      } catch (e) {
        if (!isQuotaError(e)) throw e;
        const victim = await this.oldestEvictable(session);
        if (!victim || attempt > 50) {
          await this.warn(session, `Storage full: a batch of ${fresh.length} records could not be stored yet (kept in the page relay, retried).`, c).catch(() => {});
          throw new QuotaError('storage quota exceeded and nothing left to evict');
        }
        await this.deleteSession(victim.id);
        result.evicted.push(victim.id);
        await this.warn(session, `Storage full: evicted the oldest session ${victim.id} (${victim.url}) to make room.`, c).catch(() => {});
      }
    }
    // Commit succeeded: now advance the in-memory state.
    for (const [f, s] of marks) c.frames.set(f, s);
    if (chunk) c.nextChunk++;
    c.warnings = [];
    return result;
  }

  /** Operation rows waiting to be written (all sessions). */
  get backlog(): number {
    let n = 0;
    for (const c of this.cache.values()) n += c.dirtyOps.size;
    return n;
  }

  /**
   * Write up to `maxOps` pending operation summaries (one transaction), plus the session's
   * analysis snapshot once its backlog is drained and the snapshot is due. Returns the
   * remaining backlog.
   */
  async flushDerived(maxOps = 2000, force = false): Promise<number> {
    for (const [session, c] of this.cache) {
      if (!c.analyzer) {
        c.dirtyOps.clear();
        continue;
      }
      const now = this.opts.now();
      const metaDue = c.metaDirty && (force || now - c.lastMetaAt >= this.opts.metaIntervalMs);
      if (!c.dirtyOps.size && !metaDue) continue;
      const ids: string[] = [];
      for (const id of c.dirtyOps) {
        ids.push(id);
        if (ids.length >= maxOps) break;
      }
      for (const id of ids) c.dirtyOps.delete(id);
      const t0 = performance.now();
      const puts: OpRow[] = [];
      const dels: [string, string][] = [];
      for (const id of ids) {
        const op = c.analyzer.operation(id);
        if (op) puts.push({ ...op, session });
        else dels.push([session, id]);
      }
      const meta = !c.dirtyOps.size && metaDue ? this.snapshot(session, c, now) : null;
      this.timing.summariesMs += performance.now() - t0;
      const t1 = performance.now();
      try {
        await this.db.transaction('rw', ['sessions', 'ops', 'meta'], async () => {
          if (!(await this.db.sessions.get(session))) return; // cleared meanwhile
          if (puts.length) await this.db.ops.bulkPut(puts);
          if (dels.length) await (this.db.ops as unknown as Table<OpRow, [string, string]>).bulkDelete(dels);
          if (meta) await this.db.meta.put(meta);
        });
      } catch (e) {
        for (const id of ids) c.dirtyOps.add(id);
        throw e;
      }
      this.timing.opsTxMs += performance.now() - t1;
      if (meta) {
        c.lastMetaAt = now;
        c.metaDirty = false;
      }
      return this.backlog;
    }
    return this.backlog;
  }

  /** Write every pending summary and snapshot now. */
  async drain(): Promise<void> {
    while ((await this.flushDerived(5000, true)) > 0);
    for (const s of this.dirtySessions()) await this.flushMeta(s);
  }

  private snapshot(session: string, c: SessionCache, now: number): SessionMetaRow {
    if (c.analyzer) {
      const a = c.analyzer.result();
      return {
        session,
        findings: a.findings,
        sockets: a.sockets,
        stats: a.stats,
        recommended: a.recommended,
        counts: a.counts,
        diagnostics: a.diagnostics,
        opCount: a.operations.length,
        updatedAt: now,
        incoming: c.incoming.slice(),
      };
    }
    return {
      session,
      findings: [],
      sockets: [],
      stats: null as unknown as SessionMetaRow['stats'],
      recommended: null as unknown as SessionMetaRow['recommended'],
      counts: { error: 0, warning: 0, info: 0 },
      diagnostics: [c.pending ?? 'analysis pending'],
      opCount: 0,
      updatedAt: now,
    };
  }

  /** Write the analysis snapshot if records arrived since the last one (debounced by the worker). */
  async flushMeta(session: string): Promise<void> {
    const c = this.cache.get(session);
    if (!c || !c.metaDirty || !c.analyzer || c.dirtyOps.size) return;
    const now = this.opts.now();
    const meta = this.snapshot(session, c, now);
    if (!(await this.db.sessions.get(session))) return;
    await this.db.meta.put(meta);
    c.lastMetaAt = now;
    c.metaDirty = false;
  }

  /** Sessions whose snapshot is waiting for a flushMeta call. */
  dirtySessions(): string[] {
    return [...this.cache].filter(([, c]) => c.metaDirty && c.analyzer).map(([s]) => s);
  }

  /** Is the analysis core working for this session (false: summaries pending). */
  analysisPending(session: string): string | null {
    return this.cache.get(session)?.pending ?? null;
  }

  /** Re-run the analysis of a stored session with a new config (panel setting). */
  async setAnalysisConfig(session: string, config: AnalysisConfig): Promise<void> {
    await this.db.sessions.update(session, { analysisConfig: config });
    this.cache.delete(session);
    const c = await this.sessionCache(session, config);
    if (!c.analyzer) return;
    const ops = c.analyzer.result().operations.map((op) => ({ ...op, session }));
    const now = this.opts.now();
    await this.db.transaction('rw', ['ops', 'meta'], async () => {
      await this.db.ops.where('session').equals(session).delete();
      await this.db.ops.bulkPut(ops);
      await this.db.meta.put(this.snapshot(session, c, now));
    });
    c.metaDirty = false;
    c.lastMetaAt = now;
  }

  async warn(session: string, message: string, c = this.cache.get(session)): Promise<void> {
    await this.db.transaction('rw', this.db.sessions, async () => {
      const row = await this.db.sessions.get(session);
      if (!row) {
        // Not created yet (its first batch is being written): goes in with that batch.
        if (c && !c.warnings.includes(message)) c.warnings.push(message);
      } else if (!row.warnings.includes(message)) await this.db.sessions.update(session, { warnings: [...row.warnings, message] });
    });
  }

  async endSession(session: string, at: number): Promise<void> {
    await this.drain().catch(() => {});
    await this.db.sessions.update(session, { endedAt: at });
    this.cache.delete(session);
  }

  private async oldestEvictable(except: string): Promise<SessionRow | undefined> {
    const all = await this.db.sessions.orderBy('startedAt').toArray();
    return all.find((s) => s.id !== except && !s.pinned && !this.opts.isLive(s.id));
  }

  async deleteSession(session: string): Promise<void> {
    await this.db.transaction('rw', ALL_TABLES, async () => {
      await this.db.chunks.where('session').equals(session).delete();
      await this.db.frames.where('session').equals(session).delete();
      await this.db.ops.where('session').equals(session).delete();
      await this.db.meta.delete(session);
      await this.db.sessions.delete(session);
    });
    this.cache.delete(session);
  }

  async clearAll(): Promise<void> {
    await this.db.transaction('rw', ALL_TABLES, async () => {
      await Promise.all([this.db.sessions.clear(), this.db.chunks.clear(), this.db.frames.clear(), this.db.ops.clear(), this.db.meta.clear()]);
    });
    this.cache.clear();
  }

  /**
   * Retention: keep the newest `sessions` sessions and at most `bytes` in total; oldest go
   * first, live and pinned sessions never. The warning goes on `warnOn` (the new session).
   */
  async enforceRetention(limits: { sessions: number; bytes: number }, warnOn?: string): Promise<string[]> {
    const all = await this.db.sessions.orderBy('startedAt').toArray();
    let count = all.length;
    let total = all.reduce((n, s) => n + (s.bytes ?? 0), 0);
    const evicted: SessionRow[] = [];
    for (const s of all) {
      if (count <= limits.sessions && total <= limits.bytes) break;
      if (s.pinned || this.opts.isLive(s.id) || s.id === warnOn) continue;
      evicted.push(s);
      count--;
      total -= s.bytes ?? 0;
    }
    for (const s of evicted) await this.deleteSession(s.id);
    if (warnOn && evicted.length) {
      const why = count > limits.sessions || total > limits.bytes ? ' (live sessions alone exceed the limit)' : '';
      await this.warn(
        warnOn,
        `Retention: removed ${evicted.length} older session(s) (limit ${limits.sessions} sessions / ${Math.round(limits.bytes / 1048576)} MB)${why}.`,
      ).catch(() => {});
    }
    return evicted.map((s) => s.id);
  }
}
