import 'fake-indexeddb/auto';
import { describe, it, expect, beforeEach } from 'vitest';
import { openDb, chunkRecords, type AckScopeDB } from '../../../src/storage/db';
import { Dexie } from 'dexie';
import { Ingestor, QuotaError } from '../../../src/storage/ingest';
import { createAnalyzer } from '../../../src/core/analysis';
import { frameRecords } from './records';

let db: AckScopeDB;
let n = 0;
beforeEach(async () => {
  db = openDb(`test-${++n}`);
  await db.open();
});
const init = (id = '1:1000', startedAt = 1000) => ({ id, tabId: 1, url: 'http://127.0.0.1/', startedAt });
const allRecords = async (session: string) => (await db.chunks.where('session').equals(session).sortBy('no')).flatMap((c) => chunkRecords(c));

describe('Ingestor', () => {
  it('stores a batch as one chunk with session counters, frame marks and op summaries', async () => {
    const ing = new Ingestor(db, { createAnalyzer, metaIntervalMs: 0 });
    const recs = frameRecords('F1', { ops: 3 });
    const res = await ing.store(init(), recs);
    expect(await db.ops.count(), 'summaries are written after the chunks').toBe(0);
    expect(ing.backlog).toBe(3);
    await ing.drain();
    expect(res).toEqual({ stored: recs.length, duplicates: 0, evicted: [] });
    const s = await db.sessions.get('1:1000');
    expect(s).toMatchObject({ tabId: 1, records: recs.length, userAgent: 'test', warnings: [] });
    expect(await db.chunks.count()).toBe(1);
    expect(await db.frames.toArray()).toEqual([{ session: '1:1000', frame: 'F1', maxSeq: recs.at(-1)!.seq }]);
    const ops = await db.ops.where('session').equals('1:1000').toArray();
    expect(ops.map((o) => o.outcome)).toEqual(['acked', 'acked', 'acked']);
    expect((await db.meta.get('1:1000'))?.opCount).toBe(3);
  });

  it('keeps the latest incoming server events in the session snapshot for the timeline ticks, also after a restart', async () => {
    const recs = frameRecords('F1', { ops: 1 });
    let seq = recs.length;
    const t0 = recs.at(-1)!.t;
    const pushes = [0, 1, 2].map((i) => ({ v: 1 as const, kind: 'incoming' as const, frame: 'F1', seq: seq++, t: t0 + 10 + i, client: 'F1/c1', event: 'tick', args: { json: `[{"i":${i}}]`, size: 7, truncated: false } }));
    const a = new Ingestor(db, { createAnalyzer, metaIntervalMs: 0 });
    await a.store(init(), [...recs, ...pushes]);
    await a.drain();
    expect((await db.meta.get('1:1000'))?.incoming).toEqual(pushes.map((p) => ({ client: 'F1/c1', t: p.t, event: 'tick' })));
    // A new worker rebuilds the list from the stored chunks.
    const b = new Ingestor(db, { createAnalyzer, metaIntervalMs: 0 });
    const more = frameRecords('F1', { ops: 1, startSeq: seq, t0: t0 + 100 });
    await b.store(init(), more);
    await b.drain();
    expect((await db.meta.get('1:1000'))?.incoming?.map((x) => x.t)).toEqual(pushes.map((p) => p.t));
  });

  it('stores records re-sent after a worker restart once, and rebuilds the analyzer from chunks', async () => {
    const recs = frameRecords('F1', { ops: 4 });
    // first half, "worker restart" (new Ingestor, same database), then everything again
    const a = new Ingestor(db, { createAnalyzer, metaIntervalMs: 0 });
    await a.store(init(), recs.slice(0, 7)); // hook, client, op1 (4 recs), emit of op2
    const b = new Ingestor(db, { createAnalyzer, metaIntervalMs: 0 });
    const res = await b.store(init(), recs);
    await b.drain();
    expect(res.duplicates).toBe(7);
    expect(res.stored).toBe(recs.length - 7);
    const stored = await allRecords('1:1000');
    expect(stored.map((r) => r.seq)).toEqual(recs.map((r) => r.seq));
    expect((await db.sessions.get('1:1000'))?.records).toBe(recs.length);
    // op2's emit was stored before the restart, its attempt/ack after: one summary, acked, 1 attempt
    const op2 = recs[6] as { op: string };
    const row = await db.ops.get(['1:1000', op2.op] as never);
    expect(row).toMatchObject({ outcome: 'acked', attempts: 1 });
  });

  it('after a restart, summaries the old worker had not written yet are written', async () => {
    const a = new Ingestor(db, { createAnalyzer });
    const recs = frameRecords('F1', { ops: 5 });
    await a.store(init(), recs); // records stored, summaries still pending when the worker "dies"
    expect(await db.ops.count()).toBe(0);
    const b = new Ingestor(db, { createAnalyzer });
    await b.store(init(), frameRecords('F1', { ops: 1, startSeq: recs.length }));
    await b.drain();
    expect(await db.ops.count()).toBe(6);
  });

  it('keeps storing records while the analysis core throws, and says summaries are pending', async () => {
    const ing = new Ingestor(db, {
      createAnalyzer: () => {
        throw new Error('not implemented');
      },
    });
    const recs = frameRecords('F1', { ops: 2 });
    await ing.store(init(), recs);
    expect((await allRecords('1:1000')).length).toBe(recs.length);
    expect(await db.ops.count()).toBe(0);
    expect((await db.meta.get('1:1000'))?.diagnostics[0]).toMatch(/analysis pending: not implemented/);
  });

  it('retention keeps the newest sessions, never the live one, and warns on the new session', async () => {
    const live = new Set(['1:1001']);
    const ing = new Ingestor(db, { createAnalyzer, isLive: (s) => live.has(s) });
    for (let i = 1; i <= 6; i++) await ing.store(init(`1:${1000 + i}`, 1000 + i), frameRecords(`F${i}`, { ops: 1 }));
    const evicted = await ing.enforceRetention({ sessions: 3, bytes: 1e12 }, '1:1006');
    expect(evicted).toEqual(['1:1002', '1:1003', '1:1004']);
    expect((await db.sessions.toCollection().primaryKeys()).sort()).toEqual(['1:1001', '1:1005', '1:1006']);
    expect(await db.chunks.where('session').equals('1:1002').count()).toBe(0);
    expect((await db.sessions.get('1:1006'))?.warnings[0]).toMatch(/Retention: removed 3 older session/);
    // by bytes
    const ev2 = await ing.enforceRetention({ sessions: 100, bytes: 1 }, '1:1006');
    expect(ev2).toEqual(['1:1005']);
  });

  it('on a quota error evicts the oldest other session, warns, and stores the batch', async () => {
    const ing = new Ingestor(db, { createAnalyzer });
    await ing.store(init('1:1', 1), frameRecords('A', { ops: 1 }));
    await ing.store(init('1:2', 2), frameRecords('B', { ops: 1 }));
    let fail = 1;
    const quota = () => {
      if (fail-- > 0) throw new DOMException('full', 'QuotaExceededError');
    };
    db.chunks.hook('creating', quota);
    const res = await ing.store(init('1:3', 3), frameRecords('C', { ops: 1 }));
    expect(res.evicted).toEqual(['1:1']);
    expect(await db.sessions.get('1:1')).toBeUndefined();
    expect((await db.sessions.get('1:3'))?.warnings.join()).toMatch(/Storage full: evicted the oldest session 1:1/);
    // nothing left to evict: the batch is refused (the relay keeps it), never dropped silently
    fail = 1000;
    const ing2 = new Ingestor(db, { createAnalyzer, isLive: () => true });
    await expect(ing2.store(init('1:3', 3), frameRecords('C', { ops: 1, startSeq: 100 }))).rejects.toBeInstanceOf(QuotaError);
    db.chunks.hook('creating').unsubscribe(quota);
  });

  it('clears one session and everything', async () => {
    const ing = new Ingestor(db, { createAnalyzer });
    await ing.store(init('1:1', 1), frameRecords('A', { ops: 1 }));
    await ing.store(init('1:2', 2), frameRecords('B', { ops: 1 }));
    await ing.deleteSession('1:1');
    expect(await db.sessions.count()).toBe(1);
    expect(await db.chunks.where('session').equals('1:1').count()).toBe(0);
    expect(await db.ops.where('session').equals('1:1').count()).toBe(0);
    await ing.clearAll();
    for (const t of [db.sessions, db.chunks, db.frames, db.ops, db.meta] as const) expect(await (t as { count(): Promise<number> }).count()).toBe(0);
  });
});

describe('schema upgrade', () => {
  it('a database created at version 1 (chunks as record arrays) opens at the current version, chunks converted to JSON rows and still readable', async () => {
    const name = `test-upgrade-${++n}`;
    const recs = frameRecords('F1', { ops: 2 });
    // Version 1 exactly as it was shipped.
    const old = new Dexie(name);
    old.version(1).stores({
      sessions: 'id, tabId, startedAt, [tabId+startedAt]',
      chunks: '[session+no], session',
      frames: '[session+frame], session',
      ops: '[session+id], session, [session+firstSend]',
      meta: 'session',
    });
    await old.table('sessions').add({ id: '1:1000', tabId: 1, url: 'http://127.0.0.1/', startedAt: 1000, lastAt: 1000, records: recs.length, bytes: 1, warnings: [] });
    await old.table('chunks').bulkAdd([
      { session: '1:1000', no: 0, records: recs.slice(0, 4), bytes: 1, firstT: 0, lastT: 0 },
      { session: '1:1000', no: 1, records: recs.slice(4), bytes: 1, firstT: 0, lastT: 0 },
    ]);
    await old.table('frames').add({ session: '1:1000', frame: 'F1', maxSeq: recs.at(-1)!.seq });
    old.close();

    const up = openDb(name);
    await up.open();
    expect(up.verno).toBe(2);
    const rows = await up.chunks.where('session').equals('1:1000').sortBy('no');
    expect(rows.every((r) => typeof r.json === 'string' && r.records === undefined)).toBe(true);
    expect(rows.map((r) => r.count)).toEqual([4, recs.length - 4]);
    expect(rows.flatMap((r) => chunkRecords(r))).toEqual(recs);
    // A worker on the upgraded database rebuilds from the converted chunks and appends after them.
    const ing = new Ingestor(up, { createAnalyzer, metaIntervalMs: 0 });
    const more = frameRecords('F1', { ops: 1, startSeq: recs.length });
    const res = await ing.store({ id: '1:1000', tabId: 1, url: 'http://127.0.0.1/', startedAt: 1000 }, [...recs, ...more]);
    expect(res).toMatchObject({ stored: more.length, duplicates: recs.length });
    await ing.drain();
    expect(await up.chunks.count()).toBe(3);
    expect(await up.ops.where('session').equals('1:1000').count()).toBe(3);
    up.close();
  });
});
