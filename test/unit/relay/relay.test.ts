import { describe, it, expect } from 'vitest';
import { checkRecords, parseEnvelope } from '../../../src/content/validate';
import { RelayCore, type RelayEnv } from '../../../src/content/relay-core';
import { canonicalHash } from '../../../src/core/hash';
import type { Rec } from '../../../src/core/protocol';
import type { HookConfig, RelayToWorker, RelayToPage } from '../../../src/core/messages';
import { frameRecords } from '../storage/records';

describe('page message validation', () => {
  it('drops and counts malformed records, foreign frames and oversized ones; keeps the rest', () => {
    const good = frameRecords('F', { ops: 1 });
    const raw = [
      ...good,
      { v: 1, kind: 'emit', frame: 'F', seq: 99 }, // missing fields
      { ...good[2], frame: 'OTHER', seq: 100 },
      { v: 1, kind: 'diag', frame: 'F', seq: 101, t: 1, code: 'x', message: 'y', extra: 'z'.repeat(100_000) },
      'not a record',
      null,
    ];
    const c = checkRecords('F', raw, 16384);
    expect(c.records.map((r) => r.seq)).toEqual(good.map((r) => r.seq));
    expect(c.dropped).toEqual({ 'bad-record': 3, 'foreign-frame': 1, 'too-big': 1 });
  });

  it('cuts previews to the limit, keeps the original size, hashes the full args', () => {
    const json = JSON.stringify([{ b: 'x'.repeat(500), a: 1 }]);
    const emit = { ...frameRecords('F', { ops: 1 })[2], args: { json, size: json.length, truncated: false } };
    const [r] = checkRecords('F', [emit], 100).records as Array<Rec & { args: { json: string; size: number; truncated: boolean }; hash: string }>;
    expect(r.args).toEqual({ json: json.slice(0, 100), size: json.length, truncated: true });
    expect(r.hash).toBe(canonicalHash(JSON.stringify([{ a: 1, b: 'x'.repeat(500) }])));
  });

  it('rejects envelopes of the wrong shape', () => {
    expect(parseEnvelope({ type: 'records', frame: 'F', records: [] })).not.toBeNull();
    for (const bad of [null, 1, 'x', { type: 'records' }, { type: 'records', frame: 1, records: [] }, { type: 'evil' }])
      expect(parseEnvelope(bad)).toBeNull();
  });
});

/** In-memory env: a fake worker port we control, timers run by hand. */
function harness(limits = { maxBuffered: 1000, batchSize: 10, maxInFlight: 2, flushDelayMs: 50 }, mayRecord = true) {
  const timers: Array<() => void> = [];
  const sent: Array<RelayToWorker & { port: number }> = [];
  const toPage: RelayToPage[] = [];
  let portNo = 0;
  let current: { onMessage: (m: unknown) => void; onDisconnect: () => void } | null = null;
  let invalid = false;
  const env: RelayEnv = {
    connect(onMessage, onDisconnect) {
      if (invalid) throw new Error('Extension context invalidated.');
      const no = ++portNo;
      current = { onMessage, onDisconnect };
      return { post: (m) => sent.push({ ...m, port: no }), disconnect() {} };
    },
    postToPage: (m) => toPage.push(m),
    now: () => 42,
    setTimeout: (fn) => timers.push(fn),
    invalidated: () => invalid,
    mayRecord: async () => mayRecord,
    location: () => ({ url: 'http://x/', top: true }),
  };
  const core = new RelayCore(env, limits);
  // Timers run by hand; microtasks first (the relay's "may this page record?" check is async).
  const run = async () => {
    await new Promise((r) => setImmediate(r));
    while (timers.length) {
      timers.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  const cfg = (recording: boolean): HookConfig => ({ recording, disabled: false, previewLimit: 1000, stacks: false, ringSize: 10 });
  return {
    core,
    sent,
    toPage,
    run,
    worker: async (m: unknown) => {
      await new Promise((r) => setImmediate(r));
      current!.onMessage(m);
    },
    killWorker: () => current!.onDisconnect(),
    invalidate: () => (invalid = true),
    cfg,
    batches: () => sent.filter((m): m is Extract<RelayToWorker, { type: 'records' }> & { port: number } => m.type === 'records'),
  };
}

describe('RelayCore', () => {
  it('holds records until recording, sends bounded batches, re-sends unconfirmed ones after the port drops', async () => {
    const h = harness();
    const recs = frameRecords('F', { ops: 10 }); // 42 records
    h.core.onPageMessage({ type: 'hello', frame: 'F', url: 'http://x/', top: true });
    h.core.onPageMessage({ type: 'records', frame: 'F', records: recs });
    await h.run();
    expect(h.sent.map((m) => m.type)).toEqual(['hello']);
    await h.worker({ type: 'config', config: h.cfg(true) });
    expect(h.toPage.map((m) => m.type)).toEqual(['config', 'flush']);
    await h.run();
    expect(h.batches().map((b) => b.records.length)).toEqual([10, 10]); // 2 in flight
    await h.worker({ type: 'stored', batch: 1 });
    await h.run();
    expect(h.batches().length).toBe(3);
    // worker stopped: batches 2 and 3 come back and go out again on a new port, after a hello
    h.killWorker();
    await h.run();
    const after = h.sent.filter((m) => m.port === 2);
    expect(after[0].type).toBe('hello');
    const seqs = (after.filter((m) => m.type === 'records') as Array<{ records: Rec[] }>).flatMap((b) => b.records.map((r) => r.seq));
    expect(seqs.slice(0, 3)).toEqual([10, 11, 12]);
    // confirm everything; every record was confirmed exactly once overall
    for (let i = 0; i < 20 && h.core.buffered; i++) {
      for (const b of h.batches().filter((b) => b.port === 2)) await h.worker({ type: 'stored', batch: b.batch });
      await h.run();
    }
    expect(h.core.buffered).toBe(0);
    expect(h.core.stats.confirmed).toBe(recs.length);
  });

  it('when the buffer is full drops the oldest unsent records behind one gap record', async () => {
    const h = harness({ maxBuffered: 20, batchSize: 100, maxInFlight: 1, flushDelayMs: 50 });
    h.core.onPageMessage({ type: 'records', frame: 'F', records: frameRecords('F', { ops: 10 }) }); // 42
    h.core.onPageMessage({ type: 'records', frame: 'F', records: frameRecords('F', { ops: 5, startSeq: 42 }) }); // 20 more
    await h.worker({ type: 'config', config: h.cfg(true) });
    await h.run();
    const [b] = h.batches();
    expect(b.records.length).toBe(20);
    const gap = b.records[0] as Rec & { kind: 'gap'; dropped: number };
    expect(gap.kind).toBe('gap');
    expect(gap.dropped).toBe(62 - 19);
    // seqs stay increasing, so the worker's high-water dedup keeps everything after the gap
    const seqs = b.records.map((r) => r.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
  });

  it('counts malformed page messages in a diag record', async () => {
    const h = harness();
    h.core.onPageMessage({ type: 'hello', frame: 'F', url: 'http://x/', top: true });
    h.core.onPageMessage({ type: 'nope' });
    h.core.onPageMessage({ type: 'records', frame: 'F', records: [{ junk: 1 }, ...frameRecords('F', { ops: 1 })] });
    h.core.onPageMessage({ type: 'records', frame: 'G', records: [1, 2] });
    await h.worker({ type: 'config', config: h.cfg(true) });
    await h.run();
    const diag = h.batches().flatMap((b) => b.records).find((r) => r.kind === 'diag') as Rec & { count: number; message: string };
    expect(diag.count).toBe(4);
    expect(diag.message).toMatch(/bad-envelope":1.*bad-record":1.*foreign-frame":2/);
  });

  it('accepts record batches sent as one JSON string (the hook does so) and counts a broken one', async () => {
    const h = harness();
    const recs = frameRecords('F', { ops: 2 });
    h.core.onPageMessage({ type: 'hello', frame: 'F', url: 'http://x/', top: true });
    h.core.onPageMessage(JSON.stringify({ type: 'records', frame: 'F', records: recs }));
    h.core.onPageMessage('{"type":"records",');
    await h.worker({ type: 'config', config: h.cfg(true) });
    await h.run();
    const got = h.batches().flatMap((b) => b.records);
    expect(got.filter((r) => r.frame === 'F')).toEqual(recs);
    const diag = got.find((r) => r.kind === 'diag') as Rec & { message: string };
    expect(diag.message).toMatch(/bad-envelope":1/);
  });

  it('does not wake the worker for a page that cannot record; connects when the worker pokes the tab', async () => {
    const h = harness(undefined, false);
    h.core.onPageMessage({ type: 'hello', frame: 'F', url: 'http://x/', top: true });
    await h.run();
    expect(h.sent).toEqual([]);
    h.core.onWorkerMessage({ type: 'config', config: h.cfg(true) }); // chrome.tabs.sendMessage: DevTools opened
    await h.run();
    expect(h.sent.map((m) => m.type)).toEqual(['hello']);
  });

  it('stops quietly once the extension context is invalidated', async () => {
    const h = harness();
    h.core.onPageMessage({ type: 'hello', frame: 'F', url: 'http://x/', top: true });
    await h.worker({ type: 'config', config: h.cfg(true) });
    h.invalidate();
    h.killWorker();
    h.core.onPageMessage({ type: 'records', frame: 'F', records: frameRecords('F', { ops: 1 }) });
    await expect(h.run()).resolves.toBeUndefined();
    expect(h.core.stopped).toBe(true);
    expect(h.core.buffered).toBe(0);
  });
});
