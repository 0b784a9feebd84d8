/**
 * HAR -> AckScope records (issue 6). Pure TS (no Node APIs): usable by the CLI and by a page.
 *
 * A HAR saved from Chrome's Network panel holds Socket.IO traffic in two places:
 * - WebSocket entries: `_webSocketMessages: [{ type: 'send'|'receive', time, opcode, data }]`
 *   (`time` in epoch seconds; opcode 2 = binary, data base64),
 * - polling entries (`transport=polling`): POST request bodies (client -> server) and GET
 *   response bodies (server -> client), engine.io payloads separated by \x1e.
 * Frames are decoded with engine.io-parser and socket.io-parser, grouped by engine.io session
 * id, then replayed per socket (connection path + namespace) to rebuild emits, attempts and
 * acks by ack id. What the wire cannot tell (which sends are socket.io retries, the app's
 * timeouts) is inferred and listed in `limits`.
 */
import { decodePacket, decodePayload, type Packet as EnginePacket } from 'engine.io-parser';
import { Decoder, PacketType, type Packet as SioPacket } from 'socket.io-parser';
import type { Preview, Rec, EmitRecord, AttemptRecord, OptionSnapshot } from '../protocol';

export const HAR_PREVIEW_LIMIT = 16 * 1024;

export class HarError extends Error {}

/** What a HAR cannot show: printed with every analysis of a HAR. */
export const HAR_LIMITS: readonly string[] = [
  'socket.io options (retries, ackTimeout) are not in a HAR: retries are inferred from identical payloads re-sent on the same socket with a new ack id before the previous attempt was answered, and the ack timeout from the interval between those re-sends.',
  "The app's own view is not in a HAR: for retried operations a timeout is inferred (last attempt unanswered after the inferred ack timeout); a single send counts as acked when the server answered, even if the app's own timeout(ms) had already expired.",
  'Emits that never reached the wire are invisible: packets waiting in the send buffer while disconnected, dropped volatile emits, operations queued behind the retry queue head.',
  'Client instances are inferred from the connection URL path and namespace; call stacks, emit flags (timeout, volatile) and client options other than the inferred retries/ackTimeout are absent.',
  'Frames DevTools did not keep (page reloads without "Preserve log", requests made before the Network panel opened) are missing from the HAR.',
];

interface Frame {
  dir: 'send' | 'receive';
  t: number;
  /** Order within the HAR (entry, message) for stable sorting at equal times. */
  ord: number;
  pkt: EnginePacket;
}

interface EngineConn {
  sid: string | null;
  /** origin + path of the engine.io endpoint (query dropped: it may hold tokens). */
  base: string;
  frames: Frame[];
  transports: Set<string>;
  openT: number;
  lastT: number;
  /** End of the WebSocket, when the HAR tells it. */
  closedT?: number;
  /** Still open when the HAR was saved. */
  openEnded?: boolean;
}

export interface HarDecodeResult {
  records: Rec[];
  /** Engine.io connections found. */
  connections: number;
  /** Socket.IO packets decoded. */
  packets: number;
  /** Inferred ack timeout (ms) per socket, from the retry interval. */
  inferredAckTimeout: Record<string, number>;
  /** What this HAR could not show, plus problems met while decoding (never thrown). */
  limits: string[];
  warnings: string[];
  page?: { url: string; userAgent?: string };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** True when `json` looks like a HAR (has `log.entries`). */
export function isHar(json: unknown): boolean {
  return isObj(json) && isObj(json.log) && Array.isArray(json.log.entries);
}

function b64ToBytes(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function parseDate(s: unknown): number | null {
  if (typeof s !== 'string') return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

function header(headers: unknown, name: string): string | undefined {
  if (!Array.isArray(headers)) return undefined;
  for (const h of headers) if (isObj(h) && typeof h.name === 'string' && h.name.toLowerCase() === name && typeof h.value === 'string') return h.value;
  return undefined;
}

function bodyText(content: unknown): string | null {
  if (!isObj(content) || typeof content.text !== 'string') return null;
  if (content.encoding === 'base64') {
    try {
      return new TextDecoder().decode(b64ToBytes(content.text));
    } catch {
      return null;
    }
  }
  return content.text;
}

function isBinary(v: unknown): boolean {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

/** JSON preview of args as socket.io put them on the wire (binary as placeholders). */
function preview(args: unknown[]): Preview {
  let count = 0;
  let bytes = 0;
  const json = JSON.stringify(args, (_k, v) => {
    if (isBinary(v)) {
      const n = count++;
      bytes += (v as ArrayBuffer).byteLength;
      return { _placeholder: true, num: n };
    }
    // Node Buffers stringify via toJSON before the replacer sees them.
    if (isObj(v) && v.type === 'Buffer' && Array.isArray(v.data) && Object.keys(v).length === 2) {
      const n = count++;
      bytes += (v.data as unknown[]).length;
      return { _placeholder: true, num: n };
    }
    return v;
  }) ?? '[]';
  const p: Preview = { json: json.length > HAR_PREVIEW_LIMIT ? json.slice(0, HAR_PREVIEW_LIMIT) : json, size: json.length, truncated: json.length > HAR_PREVIEW_LIMIT };
  if (count) p.binary = { count, bytes };
  return p;
}

function engineBase(u: URL): string {
  const proto = u.protocol === 'wss:' ? 'https:' : u.protocol === 'ws:' ? 'http:' : u.protocol;
  return `${proto}//${u.host}${u.pathname}`;
}

/** Collect engine.io frames from the HAR, grouped by engine.io session. */
function collect(entries: unknown[], warnings: string[]): { conns: EngineConn[]; page?: { url: string; userAgent?: string } } {
  const bySid = new Map<string, EngineConn>();
  const anon: EngineConn[] = [];
  let ord = 0;
  let page: { url: string; userAgent?: string } | undefined;
  let eio3 = 0;
  let bad = 0;
  const conn = (sid: string | null, base: string, t: number): EngineConn => {
    if (sid) {
      let c = bySid.get(sid);
      if (!c) {
        c = { sid, base, frames: [], transports: new Set(), openT: t, lastT: t };
        bySid.set(sid, c);
      }
      return c;
    }
    const c: EngineConn = { sid: null, base, frames: [], transports: new Set(), openT: t, lastT: t };
    anon.push(c);
    return c;
  };
  const push = (c: EngineConn, f: Omit<Frame, 'ord'>) => {
    c.frames.push({ ...f, ord: ord++ });
    if (f.t < c.openT) c.openT = f.t;
    if (f.t > c.lastT) c.lastT = f.t;
  };
  const decodeOne = (data: string | Uint8Array): EnginePacket | null => {
    try {
      if (typeof data !== 'string') return { type: 'message', data: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer };
      const p = decodePacket(data, 'arraybuffer');
      return p.type === 'error' ? null : p;
    } catch {
      return null;
    }
  };

  for (const e of entries) {
    if (!isObj(e) || !isObj(e.request)) continue;
    const req = e.request;
    if (typeof req.url !== 'string') continue;
    let u: URL;
    try {
      u = new URL(req.url);
    } catch {
      continue;
    }
    const started = parseDate(e.startedDateTime);
    if (!page && started !== null && (e._resourceType === 'document' || /text\/html/.test(String(isObj(e.response) && isObj(e.response.content) ? e.response.content.mimeType : '')))) {
      page = { url: req.url, userAgent: header(req.headers, 'user-agent') };
    }
    const eio = u.searchParams.get('EIO');
    const transport = u.searchParams.get('transport');
    if (!eio || !transport) continue;
    if (eio !== '4') {
      eio3++;
      continue;
    }
    if (started === null) {
      bad++;
      continue;
    }
    if (!page) page = { url: req.url, userAgent: header(req.headers, 'user-agent') };
    const base = engineBase(u);
    const sidQ = u.searchParams.get('sid');

    if (transport === 'websocket') {
      const msgs = Array.isArray(e._webSocketMessages) ? e._webSocketMessages : [];
      if (!msgs.length) continue;
      // Chrome writes epoch seconds; a monotonic clock (small numbers) is anchored to the entry start.
      const times = msgs.map((m) => (isObj(m) && typeof m.time === 'number' ? m.time : NaN));
      const firstTime = times.find((x) => Number.isFinite(x)) ?? 0;
      const toMs = (s: number) => (firstTime > 1e9 ? s * 1000 : started + (s - firstTime) * 1000);
      let c: EngineConn | null = sidQ ? conn(sidQ, base, started) : null;
      const pending: Array<Omit<Frame, 'ord'>> = [];
      for (let i = 0; i < msgs.length; i++) {
        const m = msgs[i];
        if (!isObj(m) || (m.type !== 'send' && m.type !== 'receive') || typeof m.data !== 'string' || !Number.isFinite(times[i])) {
          bad++;
          continue;
        }
        let data: string | Uint8Array = m.data;
        if (m.opcode === 2) {
          try {
            data = b64ToBytes(m.data);
          } catch {
            bad++;
            continue;
          }
        }
        const pkt = decodeOne(data);
        if (!pkt) {
          bad++;
          continue;
        }
        const f = { dir: m.type, t: toMs(times[i]), pkt } as const;
        if (!c && pkt.type === 'open') {
          const sid = openSid(pkt);
          c = conn(sid, base, f.t);
        }
        if (c) push(c, f);
        else pending.push(f);
      }
      if (!c) c = conn(null, base, started);
      for (const f of pending) push(c, f);
      c.transports.add('websocket');
      // Chrome gives a closed socket's lifetime in `time`; 0/absent means it was still open
      // when the HAR was saved, so the connection runs to the end of the recording.
      const last = times.filter(Number.isFinite).pop();
      const dur = typeof e.time === 'number' && e.time > 0 ? e.time : 0;
      if (dur > 0) c.closedT = Math.max(c.closedT ?? 0, started + dur, last !== undefined ? toMs(last) : 0);
      else c.openEnded = true;
      continue;
    }
    if (transport !== 'polling') continue;
    const method = typeof req.method === 'string' ? req.method.toUpperCase() : 'GET';
    const total = typeof e.time === 'number' && e.time >= 0 ? e.time : 0;
    if (method === 'POST') {
      const text = isObj(req.postData) && typeof req.postData.text === 'string' ? req.postData.text : null;
      if (text === null || !sidQ) {
        if (text === null) warnings.push(`A polling POST has no request body in the HAR (${u.pathname}): its packets are missing.`);
        continue;
      }
      const c = conn(sidQ, base, started);
      c.transports.add('polling');
      for (const pkt of safePayload(text)) push(c, { dir: 'send', t: started, pkt });
      continue;
    }
    const res = isObj(e.response) ? e.response : null;
    if (!res || res.status !== 200) continue;
    const text = bodyText(res.content);
    if (text === null) {
      warnings.push(`A polling response has no body in the HAR (${u.pathname}): its packets are missing.`);
      continue;
    }
    const pkts = safePayload(text);
    const t = started + total;
    let sid = sidQ;
    if (!sid) {
      const open = pkts.find((p) => p.type === 'open');
      sid = open ? openSid(open) : null;
    }
    const c = conn(sid, base, started);
    c.transports.add('polling');
    for (const pkt of pkts) push(c, { dir: 'receive', t, pkt });
  }
  if (eio3) warnings.push(`${eio3} request(s) use Engine.IO protocol 3 (socket.io 2.x): not decoded.`);
  if (bad) warnings.push(`${bad} WebSocket message(s) or entries could not be decoded and were skipped.`);
  const conns = [...bySid.values(), ...anon].filter((c) => c.frames.length > 0);
  for (const c of conns) c.frames.sort((a, b) => a.t - b.t || a.ord - b.ord);
  conns.sort((a, b) => a.openT - b.openT);
  return { conns, page };
}

function safePayload(text: string): EnginePacket[] {
  try {
    return decodePayload(text, 'arraybuffer').filter((p) => p.type !== 'error');
  } catch {
    return [];
  }
}

function openSid(p: EnginePacket): string | null {
  if (typeof p.data !== 'string') return null;
  try {
    const o = JSON.parse(p.data);
    return isObj(o) && typeof o.sid === 'string' ? o.sid : null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ replay

interface AttemptB {
  ackId: number | null;
  t: number;
  acks: Array<{ t: number; args: Preview }>;
  /** When this attempt ended without an ack (re-sent / disconnected / inferred timeout). */
  end?: { t: number; cause: 'timeout' | 'disconnect'; message: string };
}

interface OpB {
  op: string;
  client: string;
  event: string;
  args: Preview;
  argsJson: string;
  attempts: AttemptB[];
}

interface ClientB {
  id: string;
  manager: string;
  nsp: string;
  url: string;
  /** The client record's options: filled with inferred retries/ackTimeout after the replay. */
  opts: OptionSnapshot;
  ops: OpB[];
  /** Last op whose attempts carry ack ids (the retry queue head candidate). */
  lastAcked: OpB | null;
  byAckId: Map<number, { op: OpB; att: AttemptB }>;
  connected: boolean;
  lastDisconnectT: number;
}

type Ev = { t: number; ord: number; rec: Omit<Rec, 'v' | 'frame' | 'seq' | 't'> & { kind: Rec['kind'] } };

const TIMEOUT_MSG = 'operation has timed out';

/** Decode a parsed HAR object into records. Throws HarError when it is not a HAR. */
export function decodeHar(har: unknown): HarDecodeResult {
  if (!isHar(har)) throw new HarError('not a HAR file (no log.entries array)');
  const warnings: string[] = [];
  const { conns, page } = collect((har as { log: { entries: unknown[] } }).log.entries, warnings);
  const frame = 'har';
  const evs: Ev[] = [];
  let ord = 0;
  const ev = (t: number, rec: Ev['rec']) => evs.push({ t, ord: ord++, rec });
  let packets = 0;

  // Manager slots: connections to the same endpoint that do not overlap in time are one
  // client reconnecting (ack ids continue), overlapping ones are separate Managers.
  const slots: Array<{ base: string; id: string; lastT: number }> = [];
  const clients = new Map<string, ClientB>();
  let clientN = 0;
  let opN = 0;

  for (const c of conns) {
    let slot = slots.find((s) => s.base === c.base && s.lastT <= c.openT);
    if (!slot) {
      slot = { base: c.base, id: `${frame}/m${slots.length + 1}`, lastT: -Infinity };
      slots.push(slot);
    }
    slot.lastT = c.openEnded ? Infinity : Math.max(slot.lastT, c.closedT ?? c.lastT);
    const transport = c.transports.has('websocket') ? 'websocket' : 'polling';
    const decoders = { send: new Decoder(), receive: new Decoder() };
    let cur: { f: Frame } | null = null;
    const onPacket = (p: SioPacket) => {
      packets++;
      handle(p, cur!.f);
    };
    decoders.send.on('decoded', onPacket);
    decoders.receive.on('decoded', onPacket);

    const clientFor = (nsp: string, t: number): ClientB => {
      const key = `${slot!.id}|${nsp}`;
      let cl = clients.get(key);
      if (!cl) {
        cl = { id: `${frame}/c${++clientN}`, manager: slot!.id, nsp, url: c.base, opts: { path: new URL(c.base).pathname }, ops: [], lastAcked: null, byAckId: new Map(), connected: false, lastDisconnectT: -Infinity };
        clients.set(key, cl);
        ev(t, { kind: 'client', client: cl.id, manager: cl.manager, url: cl.url, nsp, opts: cl.opts, via: 'har' } as Ev['rec']);
      }
      return cl;
    };
    const touched = new Set<ClientB>();

    const handle = (p: SioPacket, f: Frame) => {
      const nsp = p.nsp || '/';
      const cl = clientFor(nsp, f.t);
      touched.add(cl);
      switch (p.type) {
        case PacketType.CONNECT:
          if (f.dir === 'receive') {
            cl.connected = true;
            const sid = isObj(p.data) && typeof p.data.sid === 'string' ? p.data.sid : undefined;
            ev(f.t, { kind: 'conn', client: cl.id, event: 'connect', ...(sid ? { sid } : {}), ...(c.sid ? { engineSid: c.sid } : {}), transport } as Ev['rec']);
          }
          return;
        case PacketType.CONNECT_ERROR:
          ev(f.t, { kind: 'conn', client: cl.id, event: 'connect_error', reason: isObj(p.data) && typeof p.data.message === 'string' ? p.data.message : 'connect error' } as Ev['rec']);
          return;
        case PacketType.DISCONNECT:
          disconnect(cl, f.t, f.dir === 'receive' ? 'io server disconnect' : 'io client disconnect');
          return;
        case PacketType.EVENT:
        case PacketType.BINARY_EVENT: {
          const data = Array.isArray(p.data) ? p.data : [];
          const event = typeof data[0] === 'string' ? data[0] : '?';
          const args = data.slice(1);
          if (f.dir === 'receive') {
            ev(f.t, { kind: 'incoming', client: cl.id, event, args: preview(args), ...(typeof p.id === 'number' ? { ackId: p.id } : {}) } as Ev['rec']);
            return;
          }
          outgoing(cl, event, args, typeof p.id === 'number' ? p.id : null, f.t);
          return;
        }
        case PacketType.ACK:
        case PacketType.BINARY_ACK: {
          if (f.dir !== 'receive' || typeof p.id !== 'number') return; // acks we sent for server events
          const hit = cl.byAckId.get(p.id);
          const args = preview(Array.isArray(p.data) ? p.data : []);
          if (!hit) {
            warnings.push(`Ack for wire id ${p.id} on ${nsp} with no send in the HAR.`);
            ev(f.t, { kind: 'ack', client: cl.id, ackId: p.id, late: true, args } as Ev['rec']);
            return;
          }
          hit.att.acks.push({ t: f.t, args });
          return;
        }
      }
    };

    const outgoing = (cl: ClientB, event: string, args: unknown[], ackId: number | null, t: number) => {
      const pv = preview(args);
      const prev = cl.lastAcked;
      const prevLast = prev?.attempts[prev.attempts.length - 1];
      // socket.io's retry queue re-sends the head op with a new ack id and the same payload
      // only while its current attempt is unanswered; the queue is serial, so it is always
      // the last op that carried an ack id on this socket.
      if (ackId !== null && prev && prevLast && prev.event === event && prev.argsJson === pv.json && !pv.truncated && prev.attempts.every((a) => a.acks.every((k) => k.t > t)) /* unanswered so far */) {
        if (!prevLast.end) {
          const disc = cl.lastDisconnectT > prevLast.t;
          prevLast.end = disc
            ? { t: cl.lastDisconnectT, cause: 'disconnect', message: 'socket has been disconnected' }
            : { t, cause: 'timeout', message: `${TIMEOUT_MSG} (inferred: re-sent)` };
        }
        const att: AttemptB = { ackId, t, acks: [] };
        prev.attempts.push(att);
        cl.byAckId.set(ackId, { op: prev, att });
        return;
      }
      const op: OpB = { op: `${cl.id}/o${++opN}`, client: cl.id, event, args: pv, argsJson: pv.json, attempts: [{ ackId, t, acks: [] }] };
      cl.ops.push(op);
      if (ackId !== null) {
        cl.lastAcked = op;
        cl.byAckId.set(ackId, { op, att: op.attempts[0] });
      }
    };

    const disconnect = (cl: ClientB, t: number, reason: string) => {
      if (!cl.connected) return;
      cl.connected = false;
      cl.lastDisconnectT = t;
      ev(t, { kind: 'conn', client: cl.id, event: 'disconnect', reason } as Ev['rec']);
    };

    for (const f of c.frames) {
      cur = { f };
      const pk = f.pkt;
      if (pk.type === 'close') {
        for (const cl of touched) disconnect(cl, f.t, f.dir === 'send' ? 'io client disconnect' : 'transport close');
        continue;
      }
      if (pk.type !== 'message') continue;
      try {
        decoders[f.dir].add(pk.data as string | ArrayBuffer);
      } catch (err) {
        warnings.push(`Undecodable Socket.IO packet (${(err as Error).message}) at ${new Date(f.t).toISOString()}.`);
        // A broken binary reconstruction must not swallow the following packets.
        decoders[f.dir].destroy();
        decoders[f.dir] = new Decoder();
        decoders[f.dir].on('decoded', onPacket);
      }
    }
    // The connection ended in the HAR (socket closed, or the recording stopped there).
    if (c.closedT !== undefined) for (const cl of touched) if (cl.connected) disconnect(cl, c.closedT, 'transport close');
  }

  // Inferred ack timeout per socket: the median interval between re-sends.
  const inferred: Record<string, number> = {};
  const harEnd = evs.reduce((m, e) => Math.max(m, e.t), -Infinity);
  let maxT = harEnd;
  for (const cl of clients.values()) for (const op of cl.ops) for (const a of op.attempts) for (const k of a.acks) maxT = Math.max(maxT, k.t, a.t);
  for (const cl of clients.values()) {
    const gaps: number[] = [];
    for (const op of cl.ops) for (let i = 1; i < op.attempts.length; i++) if (op.attempts[i - 1].end?.cause === 'timeout') gaps.push(op.attempts[i].t - op.attempts[i - 1].t);
    if (gaps.length) {
      gaps.sort((a, b) => a - b);
      inferred[cl.id] = Math.round(gaps[Math.floor(gaps.length / 2)]);
      // Estimates, so the settings rules (e.g. ack timeout below latency) can speak about a
      // HAR too: ackTimeout ~ the re-send interval, retries >= the most re-sends seen.
      cl.opts.ackTimeout = inferred[cl.id];
      cl.opts.retries = Math.max(...cl.ops.map((o) => o.attempts.length)) - 1;
    }
  }

  for (const cl of clients.values()) {
    const T = inferred[cl.id];
    for (const op of cl.ops) {
      const retried = op.attempts.length > 1;
      const first = op.attempts[0];
      const hasAck = first.ackId !== null;
      ev(first.t, { kind: 'emit', client: cl.id, op: op.op, event: op.event, ack: hasAck, api: hasAck ? 'callback' : 'none', queued: retried, flags: {}, args: op.args } as Omit<EmitRecord, 'v' | 'frame' | 'seq' | 't'>);
      op.attempts.forEach((a, i) => {
        ev(a.t, { kind: 'attempt', client: cl.id, op: op.op, try: i + 1, ackId: a.ackId } as Omit<AttemptRecord, 'v' | 'frame' | 'seq' | 't'>);
      });
      // The last attempt of a retried op: it timed out if unanswered past the inferred timeout.
      const last = op.attempts[op.attempts.length - 1];
      if (retried && T !== undefined && !last.end) {
        const deadline = last.t + T;
        const onTime = last.acks.find((k) => k.t <= deadline);
        if (!onTime && maxT >= deadline) last.end = { t: deadline, cause: 'timeout', message: `${TIMEOUT_MSG} (inferred: no ack within ${T} ms)` };
      }
      for (const a of op.attempts) {
        if (a.end) ev(a.end.t, { kind: 'attempt-end', client: cl.id, op: op.op, ackId: a.ackId, cause: a.end.cause, message: a.end.message } as Ev['rec']);
        for (const k of a.acks) {
          const late = !!a.end && k.t >= a.end.t;
          ev(k.t, { kind: 'ack', client: cl.id, ackId: a.ackId!, op: op.op, late, latency: k.t - a.t, args: k.args } as Ev['rec']);
        }
      }
      if (retried) {
        const onTime = last.acks.find((k) => !last.end || k.t < last.end.t);
        if (onTime) ev(onTime.t, { kind: 'settle', client: cl.id, op: op.op, outcome: 'acked', args: onTime.args } as Ev['rec']);
        else if (last.end) ev(last.end.t, { kind: 'settle', client: cl.id, op: op.op, outcome: 'timed-out', reason: TIMEOUT_MSG } as Ev['rec']);
      }
    }
  }

  evs.sort((a, b) => a.t - b.t || a.ord - b.ord);
  const t0 = evs.length ? evs[0].t : page ? 0 : 0;
  const records: Rec[] = [
    { v: 1, frame, seq: 0, t: t0, kind: 'hook', url: page?.url ?? '', top: true, userAgent: page?.userAgent ?? '', hookVersion: 'har' },
  ];
  for (const e of evs) records.push({ v: 1, frame, seq: records.length, t: e.t, ...e.rec } as Rec);

  const limits = [...HAR_LIMITS];
  for (const cl of clients.values()) {
    const T = inferred[cl.id];
    if (T !== undefined) limits.push(`Options of the ${cl.nsp} socket at ${cl.url} inferred from the wire: ackTimeout ~${T} ms (re-send interval), retries >= ${cl.opts.retries} (most re-sends of one operation).`);
  }
  return { records, connections: conns.length, packets, inferredAckTimeout: inferred, limits, warnings, page };
}
