/**
 * The page instrumentation (src/page/instrument.ts) against a real socket.io server
 * (demo/server.ts) and the real socket.io-client 4.8 in Node, driven by the same fixture
 * scenarios the browser pages run (demo/public/fixtures/scenarios.js).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { io, Manager, Socket } from 'socket.io-client';
import { startDemoServer, type DemoServer } from '../../../demo/server';
import { makeDemo, type Demo } from '../../../demo/public/fixtures/scenarios.js';
import { startNodeRecording, type NodeRecording } from '../../support/node-recorder';
import { installInstrument, INSTRUMENT_MARKER, redactUrl, redactQuery } from '../../../src/page/instrument';
import type { Rec } from '../../../src/core/protocol';
import * as parser from 'socket.io-parser';
import { Server } from 'socket.io';
import { createServer } from 'node:http';

let srv: DemoServer;
let demo: Demo;
let rec: NodeRecording | null = null;

beforeAll(async () => {
  srv = await startDemoServer();
  // websocket only: the polling -> websocket upgrade lands at a timing-dependent place.
  demo = makeDemo(io, srv.url, { transports: ['websocket'] });
});
afterAll(async () => {
  await srv.close();
});
afterEach(() => {
  rec?.stop();
  rec = null;
  srv.reset();
});

function record(): NodeRecording {
  rec = startNodeRecording();
  return rec;
}
const short = (op?: string) => (op ? op.slice(op.lastIndexOf('/') + 1) : '?');
/** One line per record, without times, ids of the server, ports. */
function norm(r: Rec): string {
  switch (r.kind) {
    case 'hook':
      return 'hook';
    case 'client':
      return `client ${r.nsp} retries=${r.opts.retries ?? '-'} ackTimeout=${r.opts.ackTimeout ?? '-'}`;
    case 'conn':
      return `conn ${r.event}${r.reason ? ' ' + r.reason : ''}`;
    case 'emit':
      return `emit ${short(r.op)} ${r.event} api=${r.api} queued=${r.queued}${r.error ? ' error=' + r.error : ''}${r.args ? ' ' + r.args.json : ''}`;
    case 'attempt':
      return `attempt ${short(r.op)} try=${r.try} id=${r.ackId}${r.buffered ? ' buffered' : ''}${r.flushed ? ' flushed' : ''}${r.args ? ' ' + r.args.json : ''}`;
    case 'ack':
      return `ack ${short(r.op)} id=${r.ackId}${r.late ? ' late' : ''} ${r.args.json}`;
    case 'attempt-end':
      return `end ${short(r.op)} id=${r.ackId} ${r.cause}`;
    case 'settle':
      return `settle ${short(r.op)} ${r.outcome}${r.reason ? ' ' + r.reason : ''}`;
    case 'incoming':
      return `in ${r.event} ${r.args.json}`;
    default:
      return r.kind;
  }
}
const lines = (rs: Rec[]) => rs.filter((r) => r.kind !== 'hook').map(norm);

describe('record sequences (real socket.io 4.8 client and server)', () => {
  test('fast acks: promise and callback', async () => {
    const r = record();
    const res = await demo.run('fast');
    expect(res).toEqual([
      { ok: true, echo: { id: 'fast-1', n: 1 } },
      { ok: true, echo: { id: 'fast-2', n: 2 } },
    ]);
    expect(lines(r.records)).toEqual([
      'client / retries=- ackTimeout=-',
      'conn connect',
      'emit o0 fast api=promise queued=false [{"id":"fast-1","n":1}]',
      'attempt o0 try=1 id=0',
      'ack o0 id=0 [{"ok":true,"echo":{"id":"fast-1","n":1}}]',
      'settle o0 acked',
      'emit o1 fast api=callback queued=false [{"id":"fast-2","n":2}]',
      'attempt o1 try=1 id=1',
      'ack o1 id=1 [{"ok":true,"echo":{"id":"fast-2","n":2}}]',
      'settle o1 acked',
      'conn disconnect io client disconnect',
    ]);
    expect(r.records.find((x) => x.kind === 'client')).toMatchObject({ via: 'proto-trap', libVersion: '>=4.6' });
    const connect = r.records.find((x) => x.kind === 'conn' && x.event === 'connect');
    expect(connect).toMatchObject({ sid: expect.any(String), engineSid: expect.any(String), transport: 'websocket', recovered: false });
    // seq without holes, one frame
    expect(r.records.map((x) => x.seq)).toEqual(r.records.map((_, i) => i));
    expect(new Set(r.records.map((x) => x.frame))).toEqual(new Set(['node']));
  });

  test('slow handler with {retries: 2, ackTimeout: 300}: 3 attempts, 3 late acks, ran 3 times, failed', async () => {
    const r = record();
    expect(await demo.run('slow-retries')).toEqual({ err: 'Error: operation has timed out' });
    expect(srv.count('/ slow slow-1')).toBe(3);
    const own = lines(r.records.filter((x) => x.kind !== 'ack' && x.kind !== 'conn'));
    expect(own).toEqual([
      'client / retries=2 ackTimeout=300',
      'emit o0 slow api=promise queued=true [{"id":"slow-1","delay":500}]',
      'attempt o0 try=1 id=0',
      'end o0 id=0 timeout',
      'attempt o0 try=2 id=1',
      'end o0 id=1 timeout',
      'attempt o0 try=3 id=2',
      'end o0 id=2 timeout',
      'settle o0 failed operation has timed out',
    ]);
    const acks = r.records.filter((x) => x.kind === 'ack');
    expect(acks.map(norm)).toEqual([
      'ack o0 id=0 late [{"ok":true,"id":"slow-1"}]',
      'ack o0 id=1 late [{"ok":true,"id":"slow-1"}]',
      'ack o0 id=2 late [{"ok":true,"id":"slow-1"}]',
    ]);
    // every late ack comes after the end of its own attempt
    for (const a of acks) {
      const end = r.records.find((x) => x.kind === 'attempt-end' && x.ackId === (a as any).ackId)!;
      expect(a.seq).toBeGreaterThan(end.seq);
    }
    const emit = r.records.find((x) => x.kind === 'emit')!;
    expect(emit).toMatchObject({ ack: true, queued: true, queueDepth: 0 });
  });

  test('never acked: timeout(ms) variant times out; a plain callback is dropped at disconnect', async () => {
    const r = record();
    expect(await demo.run('never')).toEqual({ r: { err: 'Error: operation has timed out' }, called: false });
    expect(lines(r.records)).toEqual([
      'client / retries=- ackTimeout=-',
      'conn connect',
      'emit o0 never api=promise queued=false [{"id":"never-1"}]',
      'attempt o0 try=1 id=0',
      'end o0 id=0 timeout',
      'settle o0 timed-out operation has timed out',
      'emit o1 never api=callback queued=false [{"id":"never-2"}]',
      'attempt o1 try=1 id=1',
      'emit o2 ping api=promise queued=false [{"id":"never-ping"}]',
      'attempt o2 try=1 id=2',
      'ack o2 id=2 ["pong"]',
      'settle o2 acked',
      'conn disconnect io client disconnect',
      'end o1 id=1 disconnect',
    ]);
    expect(r.records.find((x) => x.kind === 'emit')).toMatchObject({ flags: { timeout: 300 } });
  });

  test('disconnect during a pending attempt with retries: failed try, reconnect, re-sent with a new id', async () => {
    const r = record();
    const res = await demo.run('drop');
    expect(res).toEqual({
      r: { err: 'Error: socket has been disconnected' },
      after: 'pong',
      events: ['disconnect:transport close', 'connect', 'disconnect:transport close', 'connect', 'disconnect:io client disconnect'],
    });
    expect(srv.count('/ drop drop-1')).toBe(2);
    expect(lines(r.records)).toEqual([
      'client / retries=1 ackTimeout=2000',
      'conn connect',
      'emit o0 drop api=promise queued=true [{"id":"drop-1","delay":50}]',
      'attempt o0 try=1 id=0',
      'conn disconnect transport close',
      'end o0 id=0 disconnect',
      'conn reconnect_attempt',
      'conn reconnect',
      'conn connect',
      'attempt o0 try=2 id=1',
      'conn disconnect transport close',
      'end o0 id=1 disconnect',
      'settle o0 failed socket has been disconnected',
      'emit o1 ping api=promise queued=true',
      'conn reconnect_attempt',
      'conn reconnect',
      'conn connect',
      'attempt o1 try=1 id=2 [{"id":"drop-after"}]',
      'ack o1 id=2 ["pong"]',
      'settle o1 acked',
      'conn disconnect io client disconnect',
    ]);
    const sids = r.records.filter((x) => x.kind === 'conn' && x.event === 'connect').map((x: any) => x.engineSid);
    expect(new Set(sids).size).toBe(3);
  });

  test('disconnect during a pending attempt without retries: failed with the disconnect error', async () => {
    const r = record();
    expect(await demo.run('drop-no-retries')).toEqual({ r: { err: 'Error: socket has been disconnected' }, after: 'pong' });
    const own = lines(r.records).filter((l) => !l.startsWith('conn reconnect'));
    expect(own.slice(0, 8)).toEqual([
      'client / retries=- ackTimeout=-',
      'conn connect',
      'emit o0 drop api=promise queued=false [{"id":"dropnr-1","delay":50}]',
      'attempt o0 try=1 id=0',
      'conn disconnect transport close',
      'end o0 id=0 disconnect',
      'settle o0 failed socket has been disconnected',
      'conn connect',
    ]);
  });

  test('two namespaces on one Manager: one manager id, two clients, per-socket ack ids', async () => {
    const r = record();
    expect(await demo.run('namespaces')).toEqual(['pong', 'pong', { ok: true, echo: { id: 'ns-admin-fast' } }]);
    const clients = r.records.filter((x) => x.kind === 'client');
    expect(clients.map((c: any) => c.nsp)).toEqual(['/', '/admin']);
    expect(clients[0].manager).toBe(clients[1].manager);
    expect(clients[0].client).not.toBe(clients[1].client);
    const byClient = (c: string) => lines(r.records.filter((x) => 'client' in x && x.client === c && x.kind !== 'client'));
    expect(byClient(clients[0].client)).toEqual([
      'conn connect',
      'emit o0 ping api=promise queued=false [{"id":"ns-main"}]',
      'attempt o0 try=1 id=0',
      'ack o0 id=0 ["pong"]',
      'settle o0 acked',
      'conn disconnect io client disconnect',
    ]);
    expect(byClient(clients[1].client)).toEqual([
      'conn connect',
      'emit o0 ping api=promise queued=false [{"id":"ns-admin"}]',
      'attempt o0 try=1 id=0',
      'ack o0 id=0 ["pong"]',
      'settle o0 acked',
      'emit o1 fast api=promise queued=false [{"id":"ns-admin-fast"}]',
      'attempt o1 try=1 id=1',
      'ack o1 id=1 [{"ok":true,"echo":{"id":"ns-admin-fast"}}]',
      'settle o1 acked',
      'conn disconnect io client disconnect',
    ]);
  });

  test('socket.timeout(ms).emit(ev, cb): timed-out then late ack; acked in time', async () => {
    const r = record();
    expect(await demo.run('timeout-cb')).toEqual({ slow: 'Error: operation has timed out', fast: { ok: true, echo: { id: 'to-2' } } });
    expect(lines(r.records)).toEqual([
      'client / retries=- ackTimeout=-',
      'conn connect',
      'emit o0 slow api=callback queued=false [{"id":"to-1","delay":600}]',
      'attempt o0 try=1 id=0',
      'end o0 id=0 timeout',
      'settle o0 timed-out operation has timed out',
      'emit o1 fast api=callback queued=false [{"id":"to-2"}]',
      'attempt o1 try=1 id=1',
      'ack o1 id=1 [{"ok":true,"echo":{"id":"to-2"}}]',
      'settle o1 acked',
      'ack o0 id=0 late [{"ok":true,"id":"to-1"}]',
      'conn disconnect io client disconnect',
    ]);
    const emits = r.records.filter((x) => x.kind === 'emit');
    expect(emits.map((e: any) => e.flags)).toEqual([{ timeout: 300 }, { timeout: 2000 }]);
    const late = r.records.find((x) => x.kind === 'ack' && x.late) as any;
    expect(late.latency).toBeGreaterThan(0);
  });

  test('emitWithAck without retries', async () => {
    const r = record();
    expect(await demo.run('emitWithAck')).toEqual({ ok: true, echo: { id: 'ewa-1', list: [1, 2, 3] } });
    expect(lines(r.records).slice(2, 6)).toEqual([
      'emit o0 fast api=promise queued=false [{"id":"ewa-1","list":[1,2,3]}]',
      'attempt o0 try=1 id=0',
      'ack o0 id=0 [{"ok":true,"echo":{"id":"ewa-1","list":[1,2,3]}}]',
      'settle o0 acked',
    ]);
    const settle = r.records.find((x) => x.kind === 'settle') as any;
    expect(settle.args.json).toBe('[{"ok":true,"echo":{"id":"ewa-1","list":[1,2,3]}}]');
  });

  test('plain emit with retries on: queued, acked, and the next op waits behind it', async () => {
    const r = record();
    expect(await demo.run('plain-retries')).toEqual({ ret: true, r: 'pong' });
    expect(lines(r.records)).toEqual([
      'client / retries=1 ackTimeout=1000',
      'conn connect',
      'emit o0 fast api=none queued=true [{"id":"plain-1"}]',
      'attempt o0 try=1 id=0',
      'emit o1 ping api=promise queued=true',
      'ack o0 id=0 [{"ok":true,"echo":{"id":"plain-1"}}]',
      'settle o0 acked',
      'attempt o1 try=1 id=1 [{"id":"plain-ping"}]',
      'ack o1 id=1 ["pong"]',
      'settle o1 acked',
      'conn disconnect io client disconnect',
    ]);
    const emits = r.records.filter((x) => x.kind === 'emit') as any[];
    expect(emits.map((e) => [e.ack, e.queueDepth])).toEqual([
      [false, 0],
      [true, 1],
    ]);
  });

  test('retries without ackTimeout: the ack value is taken as an error, re-sent at once, rejected', async () => {
    const r = record();
    expect(await demo.run('retries-no-acktimeout')).toEqual({ err: 'value: "pong"' });
    expect(srv.count('/ ping trap-1')).toBe(3);
    expect(lines(r.records)).toEqual([
      'client / retries=2 ackTimeout=-',
      'conn connect',
      'emit o0 ping api=promise queued=true [{"id":"trap-1"}]',
      'attempt o0 try=1 id=0',
      'ack o0 id=0 ["pong"]',
      'attempt o0 try=2 id=1',
      'ack o0 id=1 ["pong"]',
      'attempt o0 try=3 id=2',
      'ack o0 id=2 ["pong"]',
      'settle o0 failed ack value taken as error (retries without ackTimeout): pong',
      'conn disconnect io client disconnect',
    ]);
  });

  test('encoding error (BigInt, circular): the app gets the same error, the record says not sent', async () => {
    const plain = await demo.run('encode-error');
    const r = record();
    const withHook = await demo.run('encode-error');
    expect(withHook).toEqual(plain);
    expect(withHook).toEqual(['TypeError: Do not know how to serialize a BigInt', 'RangeError: Maximum call stack size exceeded', 'pong']);
    expect(lines(r.records).slice(2, 5)).toEqual([
      'emit o0 fast api=none queued=false error=Do not know how to serialize a BigInt',
      'emit o1 fire api=none queued=false error=Maximum call stack size exceeded',
      'emit o2 ping api=promise queued=false [{"id":"after-error"}]',
    ]);
    expect(r.records.filter((x) => x.kind === 'attempt').length).toBe(1);
    expect(srv.count('/ fast big-1') + srv.count('/ fire circ-1')).toBe(0);
  });

  test('getters with side effects and Proxies run exactly as often as without the hook', async () => {
    const plain = (await demo.run('getter-proxy')) as any;
    record();
    const withHook = (await demo.run('getter-proxy')) as any;
    expect(withHook).toEqual(plain);
    expect(plain.getterCalls).toBeGreaterThan(0);
  });

  test('incoming server events are recorded with their previews', async () => {
    const r = record();
    expect(await demo.run('push')).toEqual({ r: { ok: true }, ticks: [0, 1, 2] });
    expect(lines(r.records).filter((l) => l.startsWith('in '))).toEqual(['in tick [{"i":0}]', 'in tick [{"i":1}]', 'in tick [{"i":2}]']);
  });

  test('differential: every scenario observes the same results with and without instrumentation', async () => {
    const plain = await demo.runAll();
    const r = record();
    const withHook = await demo.runAll();
    r.stop();
    const after = await demo.runAll();
    expect(withHook).toEqual(plain);
    expect(after).toEqual(plain);
    expect(r.records.filter((x) => x.kind === 'emit').length).toBeGreaterThan(20);
  });
});

describe('install, transport and edge cases', () => {
  const open = (opts: Record<string, unknown> = {}) => io(srv.url, { forceNew: true, transports: ['websocket'], ...opts });
  const connected = (s: Socket) => new Promise<void>((res) => (s.connected ? res() : s.once('connect', () => res())));

  test('idempotent install: a second install finds the first, records once', async () => {
    const r = record();
    const again = installInstrument({ frame: 'other', sink: () => {} });
    expect(again.existing).toBe(true);
    expect(again.frame).toBe('node');
    const desc = Object.getOwnPropertyDescriptor(Object.prototype, 'receiveBuffer');
    expect(desc?.set).toBeTypeOf('function');
    const s = open();
    await connected(s);
    expect(await s.emitWithAck('ping', {})).toBe('pong');
    s.disconnect();
    expect(lines(r.records).filter((l) => l.startsWith('emit') || l.startsWith('attempt') || l.startsWith('ack'))).toEqual([
      'emit o0 ping api=promise queued=false [{}]',
      'attempt o0 try=1 id=0',
      'ack o0 id=0 ["pong"]',
    ]);
    r.stop();
    expect((globalThis as any)[INSTRUMENT_MARKER]).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(Object.prototype, 'receiveBuffer')).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Socket.prototype.emit, 'withError')).toBe(false);
  });

  test('emits made before connecting are buffered and flushed with their old ack id', async () => {
    const r = record();
    const s = open({ autoConnect: false });
    const p = s.emitWithAck('fast', { id: 'buf-1' });
    s.connect();
    expect(await p).toEqual({ ok: true, echo: { id: 'buf-1' } });
    s.disconnect();
    expect(lines(r.records)).toEqual([
      'client / retries=- ackTimeout=-',
      'emit o0 fast api=promise queued=false',
      'attempt o0 try=1 id=0 buffered',
      'conn connect',
      'attempt o0 try=1 id=0 flushed [{"id":"buf-1"}]',
      'ack o0 id=0 [{"ok":true,"echo":{"id":"buf-1"}}]',
      'settle o0 acked',
      'conn disconnect io client disconnect',
    ]);
  });

  test('stale heartbeat with retries: a buffered attempt is flushed with its old id and re-sent with a new one', async () => {
    // Simulates a suspended tab (notes: "Stale heartbeat"): the engine's ping has expired, so
    // the attempt lands in sendBuffer; the reconnect flushes it with its old id and the queue
    // re-sends it with a new id: two deliveries, both acked.
    const scenario = async () => {
      const s = open({ retries: 1, ackTimeout: 2000, reconnectionDelay: 50, reconnectionDelayMax: 50 });
      await connected(s);
      const engine = (s.io as any).engine;
      engine._hasPingExpired = () => true; // private name of the esm-debug build used in Node
      const a = s.emitWithAck('fast', { id: 'stale-a' });
      engine.close(); // the transport dies; socket.io reconnects with a fresh engine
      const ra = await a;
      await s.emitWithAck('ping', { id: 'stale-after' }); // the second ack of stale-a has arrived before this one
      s.disconnect();
      return ra;
    };
    const plain = await scenario();
    srv.reset();
    const r = record();
    const withHook = await scenario();
    expect(withHook).toEqual(plain);
    expect(withHook).toEqual({ ok: true, echo: { id: 'stale-a' } });
    expect(srv.count('/ fast stale-a')).toBe(2);
    const l = lines(r.records).filter((x) => !x.startsWith('conn reconnect'));
    expect(l.slice(0, 10)).toEqual([
      'client / retries=1 ackTimeout=2000',
      'conn connect',
      'emit o0 fast api=promise queued=true',
      'attempt o0 try=1 id=0 buffered',
      'conn disconnect forced close',
      'conn connect',
      'attempt o0 try=1 id=0 flushed [{"id":"stale-a"}]',
      'attempt o0 try=2 id=1 [{"id":"stale-a"}]',
      'ack o0 id=0 [{"ok":true,"echo":{"id":"stale-a"}}]',
      'settle o0 acked',
    ]);
    expect(l).toContain('ack o0 id=1 [{"ok":true,"echo":{"id":"stale-a"}}]');
    expect(l.filter((x) => x.startsWith('settle o0'))).toHaveLength(1);
  });

  test('connection-state recovery: the reconnect is recorded as recovered, with socket and engine ids', async () => {
    const http = createServer();
    const rio = new Server(http, { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } });
    rio.on('connection', (sock) => {
      sock.on('ping', (_p: unknown, ack: (v: string) => void) => ack('pong'));
      sock.on('drop', () => sock.conn.close());
      if (!sock.recovered) sock.emit('hello', 1); // recovery needs an offset: one event received
    });
    await new Promise<void>((res) => http.listen(0, '127.0.0.1', () => res()));
    const port = (http.address() as { port: number }).port;
    try {
      const r = record();
      const s = io(`http://127.0.0.1:${port}`, { forceNew: true, transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 50 });
      await new Promise<void>((res) => s.once('hello', () => res()));
      const again = new Promise<void>((res) => s.once('disconnect', () => s.once('connect', () => res())));
      s.emit('drop');
      await again;
      expect(s.recovered).toBe(true);
      expect(await s.emitWithAck('ping', {})).toBe('pong');
      s.disconnect();
      const connects = r.records.filter((x) => x.kind === 'conn' && x.event === 'connect') as any[];
      expect(connects.map((c) => c.recovered)).toEqual([false, true]);
      expect(connects[1].sid).toBe(connects[0].sid); // recovery keeps the socket id
      expect(connects[1].engineSid).not.toBe(connects[0].engineSid);
    } finally {
      await new Promise<void>((res) => rio.close(() => res()));
    }
  });

  test('credentials: auth is never stored, token-like query values are redacted', async () => {
    const r = record();
    const s = open({ auth: { token: 'hunter2-secret' }, query: { room: 'lobby', access_token: 'abc', sig: 'x' } });
    await connected(s);
    s.disconnect();
    const client = r.records.find((x) => x.kind === 'client') as any;
    expect(client.opts.authPresent).toBe(true);
    expect(client.opts.query).toEqual({ room: 'lobby', access_token: '[redacted]', sig: '[redacted]' });
    expect(JSON.stringify(r.records)).not.toContain('hunter2');
    expect(redactUrl('http://u:p@h/x?token=1&room=a&v=eyJhbGciOi.x.y')).toBe('http://[redacted]@h/x?token=[redacted]&room=a&v=[redacted]');
    expect(redactQuery('a=1&apiKey=2')).toEqual({ a: '1', apiKey: '[redacted]' });
  });

  test('previews are bounded with the original size kept; binary attachments by count and size', async () => {
    const r = startNodeRecording({ previewLimit: 32 });
    rec = r;
    const s = open();
    await connected(s);
    const big = { id: 'big', text: 'x'.repeat(100) };
    await s.emitWithAck('fast', big);
    await s.emitWithAck('fast', { id: 'bin', data: Buffer.alloc(1000) });
    s.disconnect();
    const emits = r.records.filter((x) => x.kind === 'emit') as any[];
    expect(emits[0].args).toMatchObject({ truncated: true, size: JSON.stringify([big]).length });
    expect(emits[0].args.json.length).toBe(32);
    expect(emits[1].args.binary).toEqual({ count: 1, bytes: 1000 });
    expect(emits[1].args.json).toContain('_placehold');
    const acks = r.records.filter((x) => x.kind === 'ack') as any[];
    expect(acks[1].args.binary).toEqual({ count: 1, bytes: 1000 });
  });

  test('a failing sink never reaches the page', async () => {
    const r = record();
    r.instrument.setSink(() => {
      throw new Error('sink broke');
    });
    const s = open({ retries: 1, ackTimeout: 500 });
    await connected(s);
    expect(await s.emitWithAck('ping', {})).toBe('pong');
    s.disconnect();
  });

  test('sockets created before recording started are recorded from their next call', async () => {
    const s = open();
    await connected(s);
    const r = record();
    expect(await s.emitWithAck('ping', { id: 'early' })).toBe('pong');
    s.disconnect();
    expect(lines(r.records)).toEqual([
      'client / retries=- ackTimeout=-',
      'emit o0 ping api=promise queued=false [{"id":"early"}]',
      'attempt o0 try=1 id=0',
      'ack o0 id=0 ["pong"]',
      'settle o0 acked',
      'conn disconnect io client disconnect',
    ]);
    expect((r.records[1] as any).opts.transports).toEqual(['websocket']);
    expect((r.records[1] as any).via).toBe('late');
  });

  test('an uninstrumentable client (pre-4 shape) yields an unsupported record and keeps working', () => {
    const r = record();
    // `declare`: a class field would be [[Define]]d and skip the setter (socket.io assigns).
    class OldSocket {
      declare receiveBuffer: unknown[];
      constructor() {
        this.receiveBuffer = [];
      }
      emit(ev: string) {
        return ev;
      }
      onpacket() {}
      onack() {}
    }
    const old = new OldSocket();
    expect(old.emit('x')).toBe('x');
    expect(old.receiveBuffer).toEqual([]);
    expect(Object.keys(old)).toEqual(['receiveBuffer']);
    expect(OldSocket.prototype.emit.call(old, 'y')).toBe('y');
    const u = r.records.filter((x) => x.kind === 'unsupported');
    expect(u).toHaveLength(1);
    expect((u[0] as any).reason).toMatch(/not supported/);
  });

  test('call-site stacks when switched on point at the caller', async () => {
    const r = startNodeRecording({ stacks: true });
    rec = r;
    const s = open();
    await connected(s);
    await s.emitWithAck('ping', {}); // this line
    s.emit('fire', {});
    s.disconnect();
    const emits = r.records.filter((x) => x.kind === 'emit') as any[];
    for (const e of emits) {
      expect(e.stack[0].url).toContain('instrument.test.ts');
      expect(e.stack[0].line).toBeGreaterThan(0);
    }
  });

  test('connect_error: a namespace the server does not serve', async () => {
    const r = record();
    const s = io(srv.url + '/nope', { forceNew: true, transports: ['websocket'], reconnection: false });
    const err = await new Promise<Error>((res) => s.once('connect_error', res));
    s.disconnect();
    expect(err.message).toBe('Invalid namespace');
    expect(lines(r.records)).toEqual(['client /nope retries=- ackTimeout=-', 'conn connect_error Invalid namespace']);
  });

  test('a custom parser is flagged (previews may be missing) and still recorded', async () => {
    const r = record();
    const custom = { Encoder: class extends parser.Encoder {}, Decoder: class extends parser.Decoder {} };
    const s = open({ parser: custom });
    await connected(s);
    expect(await s.emitWithAck('ping', { id: 'custom' })).toBe('pong');
    s.disconnect();
    expect((r.records.find((x) => x.kind === 'client') as any).opts.parser).toBe('custom');
    expect(r.records.filter((x) => x.kind === 'unsupported')).toHaveLength(1);
    expect(lines(r.records).filter((l) => l.startsWith('settle'))).toEqual(['settle o0 acked']);
  });

  test('a volatile emit socket.io drops (not connected) is recorded as discarded', async () => {
    const r = record();
    const s = open({ autoConnect: false });
    s.volatile.emit('fire', { id: 'vol' });
    s.disconnect();
    const emit = r.records.find((x) => x.kind === 'emit') as any;
    expect(emit).toMatchObject({ event: 'fire', flags: { volatile: true }, discarded: true });
    expect(r.records.filter((x) => x.kind === 'attempt')).toHaveLength(0);
  });

  test('a subclass of Socket is recorded once per call', async () => {
    const r = record();
    const Base: any = Socket; // onack is private in the typings
    class MySocket extends Base {
      onack(packet: any) {
        return super.onack(packet);
      }
      emit(...a: any[]): any {
        return (super.emit as any)(...a);
      }
    }
    const plainFirst = open(); // patches Socket.prototype through the trap
    await connected(plainFirst);
    plainFirst.disconnect();
    const mgr = new Manager(srv.url, { forceNew: true, transports: ['websocket'] } as any);
    const s: Socket = new (MySocket as any)(mgr, '/', {});
    await connected(s);
    expect(await s.emitWithAck('ping', { id: 'sub' })).toBe('pong');
    s.disconnect();
    const mine = r.records.filter((x) => 'client' in x && x.client === (r.records.filter((c) => c.kind === 'client')[1] as any).client);
    expect(lines(mine).filter((l) => !l.startsWith('conn'))).toEqual([
      'client / retries=- ackTimeout=-',
      'emit o0 ping api=promise queued=false [{"id":"sub"}]',
      'attempt o0 try=1 id=0',
      'ack o0 id=0 ["pong"]',
      'settle o0 acked',
    ]);
  });

  test('Manager class stays untouched; Object.prototype traps are not enumerable', () => {
    record();
    expect(Object.keys(Manager.prototype)).not.toContain('emit');
    const o: Record<string, unknown> = {};
    expect(Object.keys(o)).toEqual([]);
    expect(JSON.stringify({ a: 1 })).toBe('{"a":1}');
    for (const k in o) throw new Error('enumerable trap ' + k);
  });
});
