/**
 * Helpers for the capture e2e tests: settings, and reading what the service worker stored
 * (its IndexedDB, through the worker's own Dexie instance) with worker.evaluate.
 */
import type { Worker } from 'playwright-core';
import type { ExtBrowser } from '../../support/browser';
import type { Rec } from '../../../src/core/protocol';
import type { Settings } from '../../../src/core/messages';
import type { SessionRow, OpRow } from '../../../src/storage/db';

export async function setSettings(b: ExtBrowser, patch: Partial<Settings>): Promise<void> {
  const w = await b.worker();
  await w.evaluate(async (p) => {
    const key = 'ackscope.settings';
    const cur = (await chrome.storage.local.get(key))[key] ?? {};
    await chrome.storage.local.set({ [key]: { ...cur, ...p } });
  }, patch);
}

type G = { __ackscope: any };

/** Wait until the worker has stored everything it received so far. */
export async function workerIdle(w: Worker): Promise<void> {
  await w.evaluate(() => (globalThis as unknown as G).__ackscope.idle());
}

export async function sessions(b: ExtBrowser): Promise<SessionRow[]> {
  const w = await b.worker();
  return w.evaluate(async () => {
    const x = (globalThis as unknown as G).__ackscope;
    await x.idle();
    return x.db.sessions.orderBy('startedAt').toArray();
  });
}

/** All stored records of a session (all sessions when omitted), in chunk order. */
export async function records(b: ExtBrowser, session?: string): Promise<Array<Rec & { session: string }>> {
  const w = await b.worker();
  return w.evaluate(async (s) => {
    const x = (globalThis as unknown as G).__ackscope;
    await x.idle();
    const chunks = s ? await x.db.chunks.where('session').equals(s).sortBy('no') : await x.db.chunks.toArray();
    chunks.sort((a: any, b: any) => (a.session < b.session ? -1 : a.session > b.session ? 1 : a.no - b.no));
    return chunks.flatMap((c: any) => x.chunkRecords(c).map((r: any) => ({ ...r, session: c.session })));
  }, session);
}

export async function ops(b: ExtBrowser, session: string): Promise<OpRow[]> {
  const w = await b.worker();
  return w.evaluate(async (s) => {
    const x = (globalThis as unknown as G).__ackscope;
    await x.idle();
    return x.db.ops.where('session').equals(s).toArray();
  }, session);
}

/** Poll until `pred` holds for the stored records (storage is asynchronous; no fixed sleeps). */
export async function waitForRecords(
  b: ExtBrowser,
  pred: (recs: Array<Rec & { session: string }>) => boolean,
  opts: { session?: string; timeoutMs?: number } = {},
): Promise<Array<Rec & { session: string }>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: Array<Rec & { session: string }> = [];
  for (;;) {
    try {
      last = await records(b, opts.session);
      if (pred(last)) return last;
    } catch {
      // the worker was stopped under us: ask the new one
    }
    if (Date.now() > deadline) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Count stored records in the worker without moving them to Node (for big bursts). */
export async function countRecords(b: ExtBrowser, kind?: string): Promise<{ total: number; unique: number; maxSeq: Record<string, number> }> {
  const w = await b.worker();
  return w.evaluate(async (k) => {
    const x = (globalThis as unknown as G).__ackscope;
    await x.idle();
    const seen = new Set<string>();
    const maxSeq: Record<string, number> = {};
    let total = 0;
    await x.db.chunks.each((c: any) => {
      for (const r of x.chunkRecords(c)) {
        if (k && r.kind !== k) continue;
        total++;
        seen.add(r.frame + '#' + r.seq);
        maxSeq[r.frame] = Math.max(maxSeq[r.frame] ?? -1, r.seq);
      }
    });
    return { total, unique: seen.size, maxSeq };
  }, kind);
}

/** Session id holding an emit with these exact args (searched inside the worker), polling until found. */
export async function sessionWithEmit(b: ExtBrowser, json: string, timeoutMs = 30_000): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const w = await b.worker();
      const s = await w.evaluate(async (j) => {
        const x = (globalThis as unknown as G).__ackscope;
        await x.idle();
        let found: string | null = null;
        await x.db.chunks.each((c: any) => {
          if (!found && x.chunkRecords(c).some((r: any) => r.kind === 'emit' && r.args?.json === j)) found = c.session;
        });
        return found;
      }, json);
      if (s) return s;
    } catch {
      /* worker restarting */
    }
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Count a frame's stored records by kind, and check for duplicates/holes, inside the worker. */
export async function frameStats(b: ExtBrowser, frame: string): Promise<{ total: number; unique: number; maxSeq: number; byKind: Record<string, number> }> {
  const w = await b.worker();
  return w.evaluate(async (f) => {
    const x = (globalThis as unknown as G).__ackscope;
    await x.idle();
    const seen = new Set<number>();
    const byKind: Record<string, number> = {};
    let total = 0;
    let maxSeq = -1;
    await x.db.chunks.each((c: any) => {
      for (const r of x.chunkRecords(c)) {
        if (r.frame !== f) continue;
        total++;
        seen.add(r.seq);
        byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
        if (r.seq > maxSeq) maxSeq = r.seq;
      }
    });
    return { total, unique: seen.size, maxSeq, byKind };
  }, frame);
}
