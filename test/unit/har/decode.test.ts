// HAR decoding (issue 6): real-Chromium fixtures plus HARs built here with the real
// engine.io / socket.io encoders for the cases a fixture run cannot force.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { encodePacket } from 'engine.io-parser';
import { Encoder, PacketType, type Packet } from 'socket.io-parser';
import { decodeHar, HarError, isHar } from '../../../src/core/har';
import { analyze } from '../../../src/core/analysis';

const FIX = resolve(import.meta.dirname, '../../fixtures/har');
const T0 = Date.UTC(2026, 0, 1);

/** Engine.io WebSocket messages for one socket.io packet (text + binary attachments). */
function wire(p: Packet): Array<{ opcode: number; data: string }> {
  const parts = new Encoder().encode(p);
  expect(parts.length).toBeGreaterThan(0);
  return parts.map((part: string | Uint8Array) => {
    if (typeof part === 'string') {
      let out = '';
      encodePacket({ type: 'message', data: part }, true, (e) => (out = e as string));
      return { opcode: 1, data: out };
    }
    return { opcode: 2, data: Buffer.from(part).toString('base64') };
  });
}

type Msg = ['send' | 'receive', number, Packet | string];

function wsEntry(sid: string | null, msgs: Msg[], opts: { path?: string; duration?: number; eio?: string } = {}) {
  const path = opts.path ?? '/socket.io/';
  const q = `EIO=${opts.eio ?? '4'}&transport=websocket${sid ? `&sid=${sid}` : ''}`;
  const out: Array<{ type: string; time: number; opcode: number; data: string }> = [];
  for (const [type, t, p] of msgs) {
    if (typeof p === 'string') out.push({ type, time: (T0 + t) / 1000, opcode: 1, data: p });
    else for (const w of wire(p)) out.push({ type, time: (T0 + t) / 1000, ...w });
  }
  return {
    startedDateTime: new Date(T0 + (msgs[0]?.[1] ?? 0) - 1).toISOString(),
    time: opts.duration ?? 0,
    request: { method: 'GET', url: `ws://127.0.0.1:3000${path}?${q}`, headers: [] },
    response: { status: 101 },
    _resourceType: 'websocket',
    _webSocketMessages: out,
  };
}

const har = (...entries: unknown[]) => ({ log: { version: '1.2', entries } });
const ev = (nsp: string, id: number | undefined, ...data: unknown[]): Packet => ({ type: PacketType.EVENT, nsp, data, ...(id !== undefined ? { id } : {}) });
const ack = (nsp: string, id: number, ...data: unknown[]): Packet => ({ type: PacketType.ACK, nsp, id, data });
const open = (sid: string) => `0${JSON.stringify({ sid, upgrades: [], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1e6 })}`;
const connect = (nsp: string, t: number, sid = 'S'): Msg[] => [
  ['send', t, { type: PacketType.CONNECT, nsp }],
  ['receive', t + 1, { type: PacketType.CONNECT, nsp, data: { sid } }],
];

describe('HAR fixtures recorded from real Chromium', () => {
  it('slow.har: one op, three attempts with new wire ids, three late acks, inferred timeout', () => {
    const r = decodeHar(JSON.parse(readFileSync(resolve(FIX, 'slow.har'), 'utf8')));
    expect(r.warnings).toEqual([]);
    const a = analyze(r.records);
    const slow = a.operations.filter((o) => o.event === 'slow');
    expect(slow).toHaveLength(1);
    expect(slow[0].chain.map((c) => c.ackId)).toEqual([0, 1, 2]);
    expect(slow[0].chain.flatMap((c) => c.lateAcks)).toHaveLength(3);
    expect(slow[0].duplicate).toBe('confirmed');
    const [T] = Object.values(r.inferredAckTimeout);
    // ackTimeout 300 in the page: the re-send interval is a little above it.
    expect(T).toBeGreaterThanOrEqual(300);
    expect(T).toBeLessThan(600);
    expect(r.limits.join(' ')).toMatch(/not in a HAR/);
    // Estimated options let the settings rules speak: 300 ms is far below the ~700 ms handler.
    expect(a.findings.map((f) => f.rule)).toContain('ack-timeout-below-latency');
  });

  it('slow-polling.har: the same chain rebuilt from polling request and response bodies', () => {
    const raw = JSON.parse(readFileSync(resolve(FIX, 'slow-polling.har'), 'utf8'));
    // Only the page's "done" side socket upgrades; the scenario socket is polling-only.
    const ws = raw.log.entries.filter((e: any) => e._resourceType === 'websocket');
    expect(ws.every((e: any) => !JSON.stringify(e._webSocketMessages).includes('slow'))).toBe(true);
    expect(raw.log.entries.some((e: any) => e.request.method === 'POST' && e.request.postData?.text.includes('"slow"'))).toBe(true);
    const a = analyze(decodeHar(raw).records);
    const slow = a.operations.find((o) => o.event === 'slow')!;
    expect(slow.attempts).toBe(3);
    expect(slow.duplicate).toBe('confirmed');
  });
});

describe('decodeHar on constructed HARs', () => {
  it('refuses what is not a HAR', () => {
    expect(isHar({ log: {} })).toBe(false);
    expect(() => decodeHar({ format: 'ackscope-session' })).toThrow(HarError);
  });

  it('an identical payload re-sent after its ack is a new operation, not a retry', () => {
    const h = har(
      wsEntry(null, [
        ['receive', 0, open('E1')],
        ...connect('/', 1),
        ['send', 10, ev('/', 0, 'ping', { n: 1 })],
        ['receive', 20, ack('/', 0, 'pong')],
        ['send', 30, ev('/', 1, 'ping', { n: 1 })],
        ['receive', 40, ack('/', 1, 'pong')],
      ]),
    );
    const a = analyze(decodeHar(h).records);
    expect(a.operations.map((o) => [o.event, o.attempts, o.outcome])).toEqual([
      ['ping', 1, 'acked'],
      ['ping', 1, 'acked'],
    ]);
  });

  it('a retry answered in time settles acked; the first attempt\'s late ack still proves a second run', () => {
    const h = har(
      wsEntry(null, [
        ['receive', 0, open('E1')],
        ...connect('/', 1),
        ['send', 10, ev('/', 0, 'order', { ref: 'A' })],
        ['send', 310, ev('/', 1, 'order', { ref: 'A' })],
        ['receive', 350, ack('/', 1, { ok: true })],
        ['receive', 700, ack('/', 0, { ok: true })],
      ]),
    );
    const r = decodeHar(h);
    const [op] = analyze(r.records).operations;
    expect(op.attempts).toBe(2);
    expect(op.outcome).toBe('acked');
    expect(op.duplicate).toBe('confirmed');
    expect(op.chain[0].lateAcks).toHaveLength(1);
    expect(op.chain[1].end.kind).toBe('ack');
  });

  it('binary attachments become placeholders with a byte count', () => {
    const h = har(
      wsEntry(null, [
        ['receive', 0, open('E1')],
        ...connect('/', 1),
        ['send', 10, { type: PacketType.EVENT, nsp: '/', id: 0, data: ['upload', { name: 'f', body: Buffer.from([1, 2, 3, 4]) }] }],
        ['receive', 20, ack('/', 0, 'ok')],
      ]),
    );
    const [op] = analyze(decodeHar(h).records).operations;
    expect(op.event).toBe('upload');
    expect(JSON.parse(op.args!.json)).toEqual([{ name: 'f', body: { _placeholder: true, num: 0 } }]);
    expect(op.args!.binary).toEqual({ count: 1, bytes: 4 });
    expect(op.outcome).toBe('acked');
  });

  it('namespaces on one connection are separate sockets; a later connection to the same path continues the same client', () => {
    const h = har(
      wsEntry(
        null,
        [
          ['receive', 0, open('E1')],
          ...connect('/', 1),
          ...connect('/admin', 2),
          ['send', 10, ev('/admin', 0, 'fast', { id: 'a' })],
          ['receive', 11, ack('/admin', 0, 'ok')],
          ['send', 12, ev('/', 0, 'fast', { id: 'b' })],
          ['receive', 13, ack('/', 0, 'ok')],
        ],
        { duration: 100 },
      ),
      wsEntry(null, [['receive', 200, open('E2')], ...connect('/', 201, 'S2'), ['send', 210, ev('/', 1, 'fast', { id: 'c' })], ['receive', 211, ack('/', 1, 'ok')]]),
    );
    const r = decodeHar(h);
    expect(r.connections).toBe(2);
    const a = analyze(r.records);
    expect(a.operations.map((o) => `${o.nsp} ${o.key} ${o.outcome}`)).toEqual(['/admin a acked', '/ b acked', '/ c acked']);
    const rootOps = a.operations.filter((o) => o.nsp === '/');
    expect(rootOps[0].client).toBe(rootOps[1].client);
    // The first connection's end is known (entry time): a disconnect, then the reconnect.
    const conns = r.records.filter((x) => x.kind === 'conn' && x.client === rootOps[0].client).map((x) => (x as { event: string }).event);
    expect(conns).toEqual(['connect', 'disconnect', 'connect']);
  });

  it('Engine.IO 3 traffic and undecodable frames are reported, not thrown', () => {
    const h = har(
      wsEntry(null, [['receive', 0, '0{"sid":"old"}']], { eio: '3' }),
      wsEntry(null, [['receive', 0, open('E1')], ...connect('/', 1), ['send', 5, '4garbage'], ['send', 10, ev('/', 0, 'ping')], ['receive', 11, ack('/', 0, 'pong')]]),
    );
    const r = decodeHar(h);
    expect(r.warnings.join('\n')).toMatch(/Engine\.IO protocol 3/);
    expect(r.warnings.join('\n')).toMatch(/Undecodable Socket\.IO packet/);
    const [op] = analyze(r.records).operations;
    expect(op.outcome).toBe('acked');
  });

  it('records follow the protocol: one frame, seq without holes, time order', () => {
    const r = decodeHar(JSON.parse(readFileSync(resolve(FIX, 'slow.har'), 'utf8')));
    r.records.forEach((x, i) => {
      expect(x.seq).toBe(i);
      expect(x.frame).toBe('har');
      if (i) expect(x.t).toBeGreaterThanOrEqual(r.records[i - 1].t);
    });
    expect(analyze(r.records).diagnostics).toEqual([]);
  });
});
