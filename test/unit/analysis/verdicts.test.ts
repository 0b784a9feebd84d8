import { describe, it, expect } from 'vitest';
import { analyze, createAnalyzer } from '../../../src/core/analysis';
import type { Analysis, Operation } from '../../../src/core/analysis';
import { Session } from './builder';

const TIMEOUT = 'operation has timed out';

function op(a: Analysis, id: string): Operation {
  const o = a.operations.find((x) => x.id === id || x.emits.includes(id));
  if (!o) throw new Error(`no operation ${id}`);
  return o;
}

/** socket.io retry queue: attempts at 0, ackTimeout, 2*ackTimeout, each with a fresh wire id. */
function slowRetried(s: Session, client: string, serverMs: number, ackTimeout = 300, retries = 2, args: unknown[] = [{ item: 'x' }]) {
  const o = s.emit(client, 'order:create', args, { queued: true });
  const t0 = s.t;
  const ids: number[] = [];
  for (let i = 0; i <= retries; i++) {
    s.at(t0 + i * ackTimeout);
    ids.push(s.attempt(o)!);
    s.at(t0 + (i + 1) * ackTimeout).end(o, ids[i]);
  }
  s.settle(o, 'failed', { reason: TIMEOUT });
  // The server answers each delivery serverMs after it: late acks socket.io drops.
  ids.forEach((id, i) => s.at(t0 + i * ackTimeout + serverMs).ack(client, id, ['ok'], { late: true }));
  return o;
}

describe('outcome', () => {
  it('acked on the first attempt: acked, none, latency', () => {
    const s = new Session();
    const c = s.client();
    s.connect(c);
    const o = s.emit(c, 'get', [{ q: 1 }]);
    const id = s.attempt(o)!;
    s.wait(12).ack(c, id, [{ ok: true }]).settle(o, 'acked', { args: [{ ok: true }] });
    const r = op(analyze(s.records), o);
    expect(r.outcome).toBe('acked');
    expect(r.duplicate).toBe('none');
    expect(r.latency).toBe(12);
    expect(r.explanation).toMatch(/first attempt after 12 ms/);
    expect(r.socket).toBe('/ #1');
    expect(r.sid).toBe('sid-f1/c1');
  });

  it('single emit with its own timeout that expires: timed-out', () => {
    const s = new Session();
    const c = s.client();
    const o = s.emit(c, 'get', [1], { flags: { timeout: 500 } });
    const id = s.attempt(o)!;
    s.wait(500).end(o, id).settle(o, 'timed-out');
    const r = op(analyze(s.records), o);
    expect(r.outcome).toBe('timed-out');
    expect(r.reason).toBe(TIMEOUT);
    expect(r.duplicate).toBe('none');
  });

  it('a retried emit that runs out of tries is failed, even if the hook said timed-out', () => {
    const s = new Session();
    const c = s.client('/', { retries: 1, ackTimeout: 100 });
    const o = s.emit(c, 'x', [1], { queued: true });
    const a = s.attempt(o)!;
    s.wait(100).end(o, a);
    const b = s.attempt(o)!;
    s.wait(100).end(o, b).settle(o, 'timed-out');
    expect(op(analyze(s.records), o).outcome).toBe('failed');
  });

  it('plain emit without retries is sent; with retries it is queued and pending until settled', () => {
    const s = new Session();
    const c = s.client();
    const o = s.emit(c, 'chat', ['hi'], { ack: false });
    s.attempt(o, { noAck: true });
    const c2 = s.client('/', { retries: 2, ackTimeout: 300 });
    const q = s.emit(c2, 'chat', ['hi'], { ack: false, queued: true });
    s.attempt(q);
    const a = analyze(s.records);
    expect(op(a, o).outcome).toBe('sent');
    expect(op(a, o).chain[0].end.kind).toBe('none');
    expect(op(a, q).outcome).toBe('pending');
  });

  it('disconnect error keeps its reason; encoding error fails without sends', () => {
    const s = new Session();
    const c = s.client('/', { retries: 0 });
    const o = s.emit(c, 'x', [1]);
    const id = s.attempt(o)!;
    s.wait(5).end(o, id, 'disconnect').settle(o, 'failed', { reason: 'socket has been disconnected' });
    s.raw({ kind: 'emit', client: c, op: `${c}/o99`, event: 'bad', ack: true, api: 'promise', queued: false, flags: {}, error: 'Converting circular structure to JSON' });
    const a = analyze(s.records);
    expect(op(a, o)).toMatchObject({ outcome: 'failed', reason: 'socket has been disconnected' });
    expect(op(a, `${c}/o99`)).toMatchObject({ outcome: 'failed', reason: 'Converting circular structure to JSON', attempts: 0 });
  });
});

describe('duplicate verdicts', () => {
  it('slow server with retries 2 / ackTimeout 300: three late acks = confirmed, failed', () => {
    const s = new Session();
    const c = s.client('/', { retries: 2, ackTimeout: 300 });
    s.connect(c);
    const o = slowRetried(s, c, 500);
    const a = analyze(s.records);
    const r = op(a, o);
    expect(r.outcome).toBe('failed');
    expect(r.attempts).toBe(3);
    expect(r.chain.map((x) => x.ackId)).toEqual([0, 1, 2]);
    expect(r.chain.every((x) => x.end.kind === 'timeout' && x.lateAcks.length === 1)).toBe(true);
    expect(r.duplicate).toBe('confirmed');
    expect(r.explanation).toMatch(/ran this operation 3 times/);
    expect(r.evidence.filter((e) => /late ack .* proves the server ran/.test(e.note))).toHaveLength(3);
    const f = a.findings.find((x) => x.rule === 'duplicate-delivery');
    expect(f?.severity).toBe('error');
    expect(f?.ops).toEqual([o]);
    const lat = a.findings.find((x) => x.rule === 'ack-timeout-below-latency');
    expect(lat?.evidence).toMatchObject({ ackTimeout: 300, p50: 500, p95: 500, samples: 3, lateAcks: 3 });
    expect(a.counts.error).toBeGreaterThanOrEqual(1);
  });

  it('first attempt unanswered, second acked: possible', () => {
    const s = new Session();
    const c = s.client('/', { retries: 2, ackTimeout: 300 });
    const o = s.emit(c, 'pay', [{ amount: 1 }], { queued: true });
    const a1 = s.attempt(o)!;
    s.wait(300).end(o, a1);
    const a2 = s.attempt(o)!;
    s.wait(50).ack(c, a2, [null, 'ok']).settle(o, 'acked');
    const a = analyze(s.records);
    expect(op(a, o)).toMatchObject({ outcome: 'acked', duplicate: 'possible' });
    expect(a.findings.find((f) => f.rule === 'possible-duplicate-delivery')?.severity).toBe('warning');
  });

  it('retry answered with a DUPLICATE marker: server-deduplicated (wins over confirmed)', () => {
    for (const marker of ['DUPLICATE', 'ALREADY_PROCESSED', { status: 'DUPLICATE' }, { duplicate: true, at: 1 }]) {
      const s = new Session();
      const c = s.client('/', { retries: 2, ackTimeout: 300 });
      const o = s.emit(c, 'pay', [{ id: 'p1' }], { queued: true });
      const a1 = s.attempt(o)!;
      s.wait(300).end(o, a1);
      const a2 = s.attempt(o)!;
      s.wait(100).ack(c, a1, ['ok'], { late: true });
      s.wait(10).ack(c, a2, [marker]).settle(o, 'acked');
      const a = analyze(s.records);
      const r = op(a, o);
      expect(r.duplicate, JSON.stringify(marker)).toBe('server-deduplicated');
      expect(r.chain[1].end).toMatchObject({ kind: 'ack', dedupMarker: true });
      expect(a.findings.find((f) => f.rule === 'server-deduplicated')?.severity).toBe('info');
      expect(a.findings.find((f) => f.rule === 'duplicate-delivery')).toBeUndefined();
    }
  });

  it('error-first marker ack(null, "DUPLICATE") and configured markers', () => {
    const s = new Session();
    const c = s.client('/', { retries: 1, ackTimeout: 300 });
    const o = s.emit(c, 'pay', [{ n: 1 }], { queued: true });
    const a1 = s.attempt(o)!;
    s.wait(300).end(o, a1);
    const a2 = s.attempt(o)!;
    s.wait(10).ack(c, a2, [null, { code: 'SEEN' }]).settle(o, 'acked');
    expect(op(analyze(s.records), o).duplicate).toBe('possible');
    expect(op(analyze(s.records, { dedupMarkers: [{ code: 'SEEN' }] }), o).duplicate).toBe('server-deduplicated');
    const s2 = new Session();
    const c2 = s2.client('/', { retries: 1, ackTimeout: 300 });
    const o2 = s2.emit(c2, 'pay', [{ n: 1 }], { queued: true });
    const b1 = s2.attempt(o2)!;
    s2.wait(300).end(o2, b1);
    const b2 = s2.attempt(o2)!;
    s2.wait(10).ack(c2, b2, [null, 'DUPLICATE']).settle(o2, 'acked');
    expect(op(analyze(s2.records), o2).duplicate).toBe('server-deduplicated');
  });

  it("the companion's replay marker anywhere in the ack args and the ackscope:dedup event", () => {
    const s = new Session();
    const c = s.client('/', { retries: 2, ackTimeout: 300 });
    const o = s.emit(c, 'pay', [{ id: 'k1' }], { queued: true });
    const a1 = s.attempt(o)!;
    s.wait(300).end(o, a1);
    const a2 = s.attempt(o)!;
    s.wait(10).ack(c, a2, [{ ok: true }, { __ackscope: 'replay', key: 'k1' }]).settle(o, 'acked');
    const r = op(analyze(s.records), o);
    expect(r.duplicate).toBe('server-deduplicated');
    expect(r.explanation).toMatch(/key "k1"/);

    const s2 = new Session();
    const c2 = s2.client('/', { retries: 2, ackTimeout: 300 });
    const o2 = s2.emit(c2, 'pay', [{ id: 'k2' }], { queued: true });
    const b1 = s2.attempt(o2)!;
    s2.wait(300).end(o2, b1);
    const b2 = s2.attempt(o2)!;
    s2.wait(5).incoming(c2, 'ackscope:dedup', [{ key: 'k2', event: 'pay' }]);
    s2.wait(5).ack(c2, b2, [{ ok: true }]).settle(o2, 'acked');
    expect(op(analyze(s2.records), o2).duplicate).toBe('server-deduplicated');
  });

  it('two successes for one key while the server dedups elsewhere: dedup-racing', () => {
    const s = new Session();
    const c = s.client('/', { retries: 2, ackTimeout: 300 });
    const o = slowRetried(s, c, 450, 300, 1, [{ id: 'race' }]);
    const o2 = s.emit(c, 'pay', [{ id: 'other' }], { queued: true });
    const a1 = s.attempt(o2)!;
    s.wait(300).end(o2, a1);
    const a2 = s.attempt(o2)!;
    s.wait(10).ack(c, a2, ['DUPLICATE']).settle(o2, 'acked');
    const a = analyze(s.records);
    expect(op(a, o).duplicate).toBe('confirmed');
    const f = a.findings.find((x) => x.rule === 'dedup-racing');
    expect(f?.severity).toBe('error');
    expect(f?.ops).toEqual([o]);
  });

  it('dedup on another namespace does not make a confirmed duplicate dedup-racing', () => {
    const s = new Session();
    const c = s.client('/slow', { retries: 2, ackTimeout: 300 });
    const o = slowRetried(s, c, 450, 300, 1, [{ id: 'race' }]);
    const d = s.client('/dedup', { retries: 2, ackTimeout: 300 });
    const o2 = s.emit(d, 'order:create', [{ id: 'other' }], { queued: true });
    const a1 = s.attempt(o2)!;
    s.wait(300).end(o2, a1);
    const a2 = s.attempt(o2)!;
    s.wait(10).ack(d, a2, ['DUPLICATE']).settle(o2, 'acked');
    const a = analyze(s.records);
    expect(op(a, o).duplicate).toBe('confirmed');
    expect(op(a, o2).duplicate).toBe('server-deduplicated');
    expect(a.findings.some((x) => x.rule === 'duplicate-delivery')).toBe(true);
    expect(a.findings.some((x) => x.rule === 'dedup-racing')).toBe(false);
  });

  it('lists findings most severe first', () => {
    const s = new Session();
    const d = s.client('/a-dedup', { retries: 2, ackTimeout: 300 });
    const o2 = s.emit(d, 'order:create', [{ id: 'other' }], { queued: true });
    const a1 = s.attempt(o2)!;
    s.wait(300).end(o2, a1);
    const a2 = s.attempt(o2)!;
    s.wait(10).ack(d, a2, ['DUPLICATE']).settle(o2, 'acked');
    const c = s.client('/b-slow', { retries: 2, ackTimeout: 300 });
    slowRetried(s, c, 450, 300, 1, [{ id: 'race' }]);
    const sev = analyze(s.records).findings.map((f) => f.severity);
    expect(sev).toContain('error');
    expect(sev).toContain('info');
    const rank = { error: 0, warning: 1, info: 2 } as const;
    expect(sev.map((x) => rank[x])).toEqual([...sev.map((x) => rank[x])].sort((a, b) => a - b));
  });

  it('disconnect while pending, re-sent on reconnect and acked: possible', () => {
    const s = new Session();
    const c = s.client('/', { retries: 2, ackTimeout: 1000 });
    s.connect(c);
    const o = s.emit(c, 'save', [{ v: 1 }], { queued: true });
    const a1 = s.attempt(o)!;
    s.wait(50).end(o, a1, 'disconnect').disconnect(c);
    s.wait(1000).connect(c, 'sid2');
    const a2 = s.attempt(o)!;
    s.wait(20).ack(c, a2, ['ok']).settle(o, 'acked');
    const a = analyze(s.records);
    expect(op(a, o).duplicate).toBe('possible');
    const sock = a.sockets[0];
    expect(sock.disconnectReasons).toEqual({ 'transport close': 1 });
    expect(sock.connection.map((x) => x.state)).toEqual(['connected', 'disconnected', 'connected']);
    expect(sock.uptimeMs).toBe(50 + 20);
  });

  it('buffered packet flushed on reconnect plus a forced re-send, both acked: confirmed', () => {
    const s = new Session();
    const c = s.client('/', { retries: 2, ackTimeout: 5000 });
    const o = s.emit(c, 'save', [{ v: 1 }], { queued: true });
    const a1 = s.attempt(o, { buffered: true })!;
    s.wait(3000).connect(c);
    s.attempt(o, { flushed: true, ackId: a1 });
    const a2 = s.attempt(o)!;
    s.wait(10).ack(c, a1, ['ok']).wait(1).ack(c, a2, ['ok'], { late: true }).settle(o, 'acked');
    const r = op(analyze(s.records), o);
    expect(r.attempts).toBe(2);
    expect(r.chain[0]).toMatchObject({ buffered: true, flushed: true });
    expect(r.duplicate).toBe('confirmed');
  });

  it('a buffered packet that never left the buffer is not a possible delivery', () => {
    const s = new Session();
    const c = s.client();
    const o = s.emit(c, 'x', [1], { flags: { timeout: 100 } });
    const id = s.attempt(o, { buffered: true })!;
    s.wait(100).end(o, id).settle(o, 'timed-out');
    const o2 = s.emit(c, 'x', [1], { flags: { timeout: 100 } });
    const id2 = s.attempt(o2)!;
    s.wait(5).ack(c, id2, ['ok']).settle(o2, 'acked');
    const r = op(analyze(s.records), o);
    expect(r.emits).toHaveLength(2); // payload-linked app retry
    expect(r.duplicate).toBe('none');
  });
});

describe('logical operations across emits', () => {
  it('app-level retry with the same id: linked by key, late ack + ack = confirmed', () => {
    const s = new Session();
    const c = s.client();
    const o1 = s.emit(c, 'order:create', [{ id: 'A-1', qty: 1 }], { flags: { timeout: 300 } });
    const w1 = s.attempt(o1)!;
    s.wait(300).end(o1, w1).settle(o1, 'timed-out');
    s.wait(200).ack(c, w1, ['ok'], { late: true });
    s.wait(10);
    const o2 = s.emit(c, 'order:create', [{ qty: 1, id: 'A-1' }], { flags: { timeout: 300 } });
    const w2 = s.attempt(o2)!;
    s.wait(100).ack(c, w2, ['ok']).settle(o2, 'acked');
    const a = analyze(s.records);
    expect(a.operations).toHaveLength(1);
    const r = a.operations[0];
    expect(r).toMatchObject({ id: o1, emits: [o1, o2], linkedBy: 'key', key: 'A-1', keyPath: '0.id', outcome: 'acked', duplicate: 'confirmed', attempts: 2 });
    expect(a.findings.map((f) => f.rule)).toContain('timeout-without-retries');
  });

  it('nested and configured key paths', () => {
    const s = new Session();
    const c = s.client();
    const o1 = s.emit(c, 'cart', [{ order: { requestId: 7 } }]);
    const o2 = s.emit(c, 'ship', [{ ref: { code: 'Z' } }]);
    const a = analyze(s.records, { keyPaths: { ship: ['ref.code'] } });
    expect(op(a, o1)).toMatchObject({ key: '7', keyPath: '0.order.requestId' });
    expect(op(a, o2)).toMatchObject({ key: 'Z', keyPath: '0.ref.code' });
    expect(op(analyze(s.records, { autoKeyPaths: false }), o1).key).toBeNull();
  });

  it('a repeated request with the same auto key after success is a new operation', () => {
    const s = new Session();
    const c = s.client();
    for (let i = 0; i < 3; i++) {
      const o = s.emit(c, 'user:get', [{ id: 1 }]);
      const w = s.attempt(o)!;
      s.wait(5).ack(c, w, [{ name: 'a' }]).settle(o, 'acked').wait(1000);
    }
    const a = analyze(s.records);
    expect(a.operations).toHaveLength(3);
    expect(a.operations.every((o) => o.duplicate === 'none' && o.linkedBy === null)).toBe(true);
  });

  it('identical payload after a timeout within the window: possible app-level retry, never confirmed', () => {
    const s = new Session();
    const c = s.client();
    const o1 = s.emit(c, 'save', [{ text: 'hi' }], { flags: { timeout: 300 } });
    const w1 = s.attempt(o1)!;
    s.wait(300).end(o1, w1).settle(o1, 'timed-out');
    s.wait(100).ack(c, w1, ['ok'], { late: true });
    s.wait(500);
    const o2 = s.emit(c, 'save', [{ text: 'hi' }], { flags: { timeout: 300 } });
    const w2 = s.attempt(o2)!;
    s.wait(50).ack(c, w2, ['ok']).settle(o2, 'acked');
    const a = analyze(s.records);
    expect(a.operations).toHaveLength(1);
    expect(a.operations[0]).toMatchObject({ linkedBy: 'payload', duplicate: 'possible', emits: [o1, o2] });
    expect(a.operations[0].explanation).toMatch(/Possible app-level retry/);
    // Outside the window: separate operations.
    const b = analyze(s.records, { appRetryWindowMs: 100 });
    expect(b.operations).toHaveLength(2);
  });

  it('ping-style identical payloads without timeouts are never linked', () => {
    const s = new Session();
    const c = s.client();
    for (let i = 0; i < 10; i++) {
      const o = s.emit(c, 'ping', [{}]);
      const w = s.attempt(o)!;
      s.wait(3).ack(c, w, ['pong']).settle(o, 'acked').wait(997);
    }
    const a = analyze(s.records);
    expect(a.operations).toHaveLength(10);
    expect(a.operations.every((o) => o.duplicate === 'none')).toBe(true);
    expect(a.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('sockets are named by namespace and a per-session index; operations ordered by first send', () => {
    const s = new Session();
    const c1 = s.client('/');
    const c2 = s.client('/admin');
    const late = s.emit(c1, 'a', [1], { queued: true });
    s.wait(10);
    const o2 = s.emit(c2, 'b', [2]);
    s.attempt(o2);
    s.wait(10);
    s.attempt(late);
    const a = analyze(s.records);
    expect(a.operations.map((o) => o.id)).toEqual([o2, late]);
    expect(op(a, o2).socket).toBe('/admin #2');
    expect(op(a, late).socket).toBe('/ #1');
    expect(Object.keys(a.stats.bySocket).sort()).toEqual(['/ #1', '/admin #2']);
  });

  it('acks without op are resolved by (client, wire id), even when they arrive first', () => {
    const s = new Session();
    const c = s.client();
    const o = s.emit(c, 'x', [1]);
    const w = s.attempt(o)!;
    s.wait(7).ack(c, w, ['ok']).settle(o, 'acked');
    const recs = [...s.records];
    const ackIdx = recs.findIndex((r) => r.kind === 'ack');
    const [ackRec] = recs.splice(ackIdx, 1);
    const an = createAnalyzer();
    an.push([ackRec]);
    an.push(recs);
    expect(an.operation(o)?.chain[0].end).toMatchObject({ kind: 'ack', latency: 7 });
    expect(an.result().diagnostics.join(' ')).not.toMatch(/no recorded send/);
  });
});
