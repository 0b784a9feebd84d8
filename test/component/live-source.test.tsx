/**
 * LiveSource over a real Dexie database (fake-indexeddb in Node; the e2e tests run it in
 * Chromium): latest screenful first, paging of large sessions, live tail updates, removed
 * (merged) operations, worker port messages.
 */
import 'fake-indexeddb/auto';
import { describe, it, expect, afterEach } from 'vitest';
import { openDb, type AckScopeDB, type OpRow } from '../../src/storage/db';
import { LiveSource } from '../../src/panel/data/live';
import type { Operation } from '../../src/core/analysis/types';
import type { PanelToWorker, WorkerToPanel } from '../../src/core/messages';

let n = 0;
const dbs: AckScopeDB[] = [];
const sources: LiveSource[] = [];
afterEach(async () => {
  for (const s of sources.splice(0)) s.dispose();
  for (const d of dbs.splice(0)) d.close();
});

function op(session: string, i: number, p: Partial<Operation> = {}): OpRow {
  return {
    session, id: `f/c1/o${i}`, socket: '/ #1', client: 'f/c1', nsp: '/', event: 'order:create', key: `k${i}`, keyPath: 'id', emits: [`f/c1/o${i}`],
    linkedBy: null, attempts: 1, chain: [{ emit: `f/c1/o${i}`, try: 1, ackId: i, sentAt: 1000 + i, end: { kind: 'ack', at: 1005 + i, latency: 5 }, lateAcks: [] }],
    firstSend: 1000 + i, lastActivity: 1005 + i, outcome: 'acked', duplicate: 'none', explanation: '', evidence: [], latency: 5, args: null, ackArgs: null, queued: true, ...p,
  } as OpRow;
}

async function setup(count: number) {
  const db = openDb(`ackscope-test-${++n}`);
  dbs.push(db);
  await db.sessions.add({ id: 's1', tabId: 7, url: 'http://shop.test/', startedAt: 1000, lastAt: 1000 + count, records: count * 4, bytes: 0, warnings: [] });
  await db.meta.put({ session: 's1', findings: [], sockets: [], stats: null as never, recommended: null as never, counts: { error: 1, warning: 0, info: 0 }, diagnostics: [], opCount: count, updatedAt: 0 });
  const rows: OpRow[] = [];
  for (let i = 0; i < count; i++) rows.push(op('s1', i));
  await db.ops.bulkPut(rows);
  return db;
}

async function until(cond: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LiveSource', () => {
  it('shows the latest screenful first, then loads every operation in order', async () => {
    const db = await setup(9_000);
    const seen: number[] = [];
    const src = new LiveSource({ tabId: 7, db });
    sources.push(src);
    src.subscribe(() => seen.push(src.getState().ops.length));
    await until(() => src.getState().opsLoaded === 9_000);
    // First published list was the latest screenful (200), not the whole session.
    expect(seen.find((x) => x > 0)).toBe(200);
    const ops = src.getState().ops;
    expect(ops).toHaveLength(9_000);
    for (let i = 1; i < ops.length; i++) expect(ops[i].firstSend).toBeGreaterThanOrEqual(ops[i - 1].firstSend);
    expect(new Set(ops.map((o) => o.id)).size).toBe(9_000);
    expect(src.getState().session?.id).toBe('s1');
    expect(src.getState().meta?.counts.error).toBe(1);
    expect((await src.getOperation('f/c1/o42'))?.key).toBe('k42');
  });

  it('follows live changes: new operations, updated ones, and ones merged away', async () => {
    const db = await setup(500);
    const src = new LiveSource({ tabId: 7, db });
    sources.push(src);
    await until(() => src.getState().opsLoaded === 500);
    // As the worker does: write rows, then bump the session/meta rows.
    await db.transaction('rw', ['ops', 'sessions', 'meta'], async () => {
      await db.ops.bulkPut([op('s1', 500), op('s1', 501), op('s1', 499, { attempts: 3, duplicate: 'confirmed' })]);
      await db.ops.delete(['s1', 'f/c1/o498'] as never);
      await db.sessions.update('s1', { lastAt: 2000 });
      await db.meta.update('s1', { opCount: 501 });
    });
    await until(() => src.getState().ops.some((o) => o.id === 'f/c1/o501') && !src.getState().ops.some((o) => o.id === 'f/c1/o498'));
    // Paused: the view keeps what it showed; resuming shows what was recorded meanwhile.
    src.setPaused(true);
    await db.transaction('rw', ['ops', 'sessions'], async () => {
      await db.ops.put(op('s1', 502));
      await db.sessions.update('s1', { lastAt: 2100 });
    });
    await new Promise((r) => setTimeout(r, 600));
    expect(src.getState().ops.some((o) => o.id === 'f/c1/o502')).toBe(false);
    src.setPaused(false);
    await until(() => src.getState().ops.some((o) => o.id === 'f/c1/o502'));
    await db.ops.delete(['s1', 'f/c1/o502'] as never);
    await db.sessions.update('s1', { lastAt: 2200 });
    await until(() => !src.getState().ops.some((o) => o.id === 'f/c1/o502'));
    const ops = src.getState().ops;
    expect(ops).toHaveLength(501);
    expect(ops.find((o) => o.id === 'f/c1/o499')?.duplicate).toBe('confirmed');
    expect(ops[ops.length - 1].id).toBe('f/c1/o501');
    for (let i = 1; i < ops.length; i++) expect(ops[i].firstSend).toBeGreaterThanOrEqual(ops[i - 1].firstSend);
  });

  it('talks to the worker over the port: hello, status, session, controls', async () => {
    const db = await setup(3);
    await db.sessions.add({ id: 's2', tabId: 7, url: 'http://shop.test/', startedAt: 5000, lastAt: 5000, records: 0, bytes: 0, warnings: [] });
    const sent: PanelToWorker[] = [];
    let deliver: (m: WorkerToPanel) => void = () => {};
    const port = {
      postMessage: (m: PanelToWorker) => sent.push(m),
      onMessage: { addListener: (f: (m: WorkerToPanel) => void) => (deliver = f) },
      onDisconnect: { addListener: () => {} },
      disconnect: () => {},
    };
    const src = new LiveSource({ tabId: 7, db, connect: () => port });
    sources.push(src);
    expect(sent[0]).toEqual({ type: 'panel-hello', tabId: 7 });
    deliver({ type: 'status', recording: true, hookDisabled: false, preserveLog: false });
    deliver({ type: 'session', tabId: 7, session: 's1' });
    await until(() => src.getState().session?.id === 's1' && src.getState().sessions.length === 2);
    expect(src.getState().control).toMatchObject({ connected: true, recording: true });
    src.setRecording(false);
    src.setPreserveLog(true);
    src.clearSession();
    await until(() => src.getState().control?.origin === 'http://shop.test');
    src.setHookDisabled(true);
    expect(sent.slice(1)).toEqual([
      { type: 'set-recording', scope: 'tab', tabId: 7, on: false },
      { type: 'set-preserve-log', tabId: 7, on: true },
      { type: 'clear-session', session: 's1' },
      { type: 'set-hook-disabled', origin: 'http://shop.test', disabled: true },
    ]);
    // The session picker switches to an earlier session.
    src.selectSession('s2');
    await until(() => src.getState().session?.id === 's2');
    expect(src.getState().ops).toHaveLength(0);
  });
});
