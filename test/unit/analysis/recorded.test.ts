/**
 * Fixtures recorded from real socket.io-client 4.8 against a real socket.io server in Node,
 * by the same instrumentation the page hook uses (src/page/instrument.ts through
 * test/support/node-recorder.ts). Each scenario checks AckScope's verdicts against the
 * server's own count of handler executions.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { startDemoServer, type DemoServer } from '../../../demo/server';
import { startNodeRecording, type NodeRecording } from '../../support/node-recorder';
import { analyze } from '../../../src/core/analysis';
import type { Analysis, Operation } from '../../../src/core/analysis';
import type { Rec } from '../../../src/core/protocol';

let server: DemoServer;
beforeAll(async () => {
  server = await startDemoServer();
});
afterAll(async () => {
  await server?.close();
});

/** Wait for a condition (polling); fails with a message instead of hanging. Not a timing assertion. */
async function until(what: string, cond: () => boolean, maxMs = 15_000): Promise<void> {
  const end = Date.now() + maxMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function record(run: (rec: NodeRecording, sockets: Socket[]) => Promise<void>): Promise<Rec[]> {
  server.reset();
  const rec = startNodeRecording({ frame: 'node' });
  const sockets: Socket[] = [];
  try {
    await run(rec, sockets);
  } finally {
    for (const s of sockets) s.disconnect();
    rec.stop();
  }
  return rec.records;
}

function connect(sockets: Socket[], path: string, opts: Record<string, unknown> = {}): Promise<Socket> {
  const s = io(server.url + path, { forceNew: true, transports: ['websocket'], ...opts });
  sockets.push(s);
  return new Promise((res, rej) => {
    s.once('connect', () => res(s));
    s.once('connect_error', rej);
  });
}

const acksFor = (recs: Rec[], n: number) => recs.filter((r) => r.kind === 'ack').length >= n;
const byEvent = (a: Analysis, event: string) => a.operations.filter((o) => o.event === event);
const answered = (o: Operation) => o.chain.filter((a) => a.end.kind === 'ack' || a.lateAcks.length > 0).length;

describe('recorded from real socket.io-client 4.8 + socket.io server', () => {
  it('fast: acked once, no duplicate', async () => {
    const recs = await record(async (_rec, sockets) => {
      const s = await connect(sockets, '/');
      for (const id of ['f1', 'f2', 'f3']) await s.emitWithAck('fast', { id });
    });
    const a = analyze(recs);
    const ops = byEvent(a, 'fast');
    expect(ops).toHaveLength(3);
    for (const o of ops) {
      expect(o).toMatchObject({ outcome: 'acked', duplicate: 'none', attempts: 1, socket: '/ #1' });
      expect(server.executions.get(`/ fast ${o.key}`)).toBe(1);
    }
    expect(a.diagnostics.filter((d) => !/pending/.test(d))).toEqual([]);
  });

  it('slow with retries 2 / ackTimeout 300: three executions = confirmed, failed', async () => {
    const recs = await record(async (rec, sockets) => {
      const s = await connect(sockets, '/', { retries: 2, ackTimeout: 300 });
      await expect(s.emitWithAck('slow', { id: 's1', delay: 500 })).rejects.toThrow(/timed out/);
      await until('three late acks', () => acksFor(rec.records, 3));
    });
    const a = analyze(recs);
    const [o] = byEvent(a, 'slow');
    const runs = server.executions.get('/ slow s1');
    expect(runs).toBe(3);
    expect(o).toMatchObject({ outcome: 'failed', duplicate: 'confirmed', attempts: 3, key: 's1', queued: true });
    expect(answered(o)).toBe(runs);
    expect(o.chain.map((c) => c.ackId)).toEqual([0, 1, 2]);
    const rules = a.findings.map((f) => f.rule);
    expect(rules).toContain('duplicate-delivery');
    expect(rules).toContain('ack-timeout-below-latency');
  });

  it('never acked: timed-out, one execution, never-acked-event', async () => {
    const recs = await record(async (_rec, sockets) => {
      const s = await connect(sockets, '/');
      await expect(s.timeout(200).emitWithAck('never', { id: 'n1' })).rejects.toThrow(/timed out/);
    });
    const a = analyze(recs);
    const [o] = byEvent(a, 'never');
    expect(server.executions.get('/ never n1')).toBe(1);
    expect(o).toMatchObject({ outcome: 'timed-out', duplicate: 'none', attempts: 1 });
    expect(a.findings.find((f) => f.rule === 'never-acked-event')?.ops).toEqual([o.id]);
  });

  it('dedup server: the retry is answered DUPLICATE = server-deduplicated', async () => {
    const recs = await record(async (rec, sockets) => {
      const s = await connect(sockets, '/', { retries: 2, ackTimeout: 300 });
      const res = await s.emitWithAck('dedup', { id: 'd1', delay: 500 });
      expect(res).toBe('DUPLICATE');
      await until('the first attempt\'s late ack', () => acksFor(rec.records, 2));
    });
    const a = analyze(recs);
    const [o] = byEvent(a, 'dedup');
    // The handler was entered twice but claimed the id first: the work ran once.
    expect(server.executions.get('/ dedup d1')).toBe(2);
    expect(o).toMatchObject({ outcome: 'acked', duplicate: 'server-deduplicated', attempts: 2 });
    expect(a.findings.find((f) => f.rule === 'server-deduplicated')?.severity).toBe('info');
    expect(a.findings.find((f) => f.rule === 'duplicate-delivery')).toBeUndefined();
  });

  it('dropped connection while pending: re-sent after reconnect = possible', async () => {
    const recs = await record(async (_rec, sockets) => {
      const s = await connect(sockets, '/', { retries: 1, ackTimeout: 2000, reconnectionDelay: 100, reconnectionDelayMax: 200 });
      await expect(s.emitWithAck('drop', { id: 'x1', delay: 50 })).rejects.toThrow(/disconnected|timed out/);
    });
    const a = analyze(recs);
    const [o] = byEvent(a, 'drop');
    const runs = server.executions.get('/ drop x1') ?? 0;
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(o.attempts).toBe(runs);
    expect(o.chain.some((c) => c.end.kind === 'disconnect')).toBe(true);
    expect(o).toMatchObject({ outcome: 'failed', duplicate: 'possible' });
    expect(a.sockets[0].disconnectReasons).not.toEqual({});
  });

  it('app-level retry with the same id: linked by key, confirmed', async () => {
    const recs = await record(async (rec, sockets) => {
      const s = await connect(sockets, '/');
      await expect(s.timeout(300).emitWithAck('slow', { id: 'a1', delay: 500 })).rejects.toThrow(/timed out/);
      await s.timeout(2000).emitWithAck('slow', { id: 'a1', delay: 50 });
      await until('the late ack of the first emit', () => acksFor(rec.records, 2));
    });
    const a = analyze(recs);
    const ops = byEvent(a, 'slow');
    expect(server.executions.get('/ slow a1')).toBe(2);
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ linkedBy: 'key', key: 'a1', outcome: 'acked', duplicate: 'confirmed' });
    expect(ops[0].emits).toHaveLength(2);
    expect(a.findings.map((f) => f.rule)).toContain('timeout-without-retries');
  });

  it('two namespaces: named per namespace and client, executions per namespace', async () => {
    const recs = await record(async (_rec, sockets) => {
      const root = await connect(sockets, '/');
      const admin = await connect(sockets, '/admin');
      await root.emitWithAck('fast', { id: 'r1' });
      await admin.emitWithAck('fast', { id: 'a1' });
    });
    const a = analyze(recs);
    const ops = byEvent(a, 'fast');
    expect(ops.map((o) => [o.socket, o.nsp, o.key])).toEqual([
      ['/ #1', '/', 'r1'],
      ['/admin #2', '/admin', 'a1'],
    ]);
    expect(server.executions.get('/ fast r1')).toBe(1);
    expect(server.executions.get('/admin fast a1')).toBe(1);
    expect(ops.every((o) => o.duplicate === 'none')).toBe(true);
  });

  it('ping-style identical payloads: separate operations, never duplicates', async () => {
    const recs = await record(async (_rec, sockets) => {
      const s = await connect(sockets, '/');
      for (let i = 0; i < 5; i++) await s.emitWithAck('ping', {});
    });
    const a = analyze(recs);
    const ops = byEvent(a, 'ping');
    expect(server.executions.get('/ ping -')).toBe(5);
    expect(ops).toHaveLength(5);
    expect(ops.every((o) => o.duplicate === 'none' && o.linkedBy === null && o.outcome === 'acked')).toBe(true);
    expect(a.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('recorded sessions give the same analysis in any chunking', async () => {
    const recs = await record(async (rec, sockets) => {
      const s = await connect(sockets, '/', { retries: 2, ackTimeout: 300 });
      await expect(s.emitWithAck('slow', { id: 'c1', delay: 450 })).rejects.toThrow();
      await s.emitWithAck('fast', { id: 'c2' });
      await until('late acks', () => acksFor(rec.records, 4));
    });
    const full = analyze(recs);
    const { createAnalyzer } = await import('../../../src/core/analysis');
    for (const size of [1, 3, 7]) {
      const an = createAnalyzer();
      for (let i = 0; i < recs.length; i += size) an.push(recs.slice(i, i + size));
      expect(an.result()).toEqual(full);
    }
  });
});
