/**
 * Hand-built record sequences that mirror socket.io-client 4.8 behaviour as described in
 * /work/shared/notes/socketio-internals.md (wire ids per Socket, one fresh id per retry
 * attempt, late acks recorded by the hook, settle = what the app saw).
 */
import type { EmitFlags, OptionSnapshot, Preview, Rec } from '../../../src/core/protocol';
import { canonicalHash } from '../../../src/core/hash';

export function pv(args: unknown[]): Preview {
  const json = JSON.stringify(args);
  return { json, size: json.length, truncated: false };
}

export class Session {
  readonly records: Rec[] = [];
  t = 1_000_000;
  private seq = 0;
  private clients = 0;
  private ops = new Map<string, number>();
  private ids = new Map<string, number>();
  private tries = new Map<string, number>();
  private sends = new Map<string, number>(); // client|ackId -> send time

  constructor(readonly frame = 'f1') {
    this.push({ kind: 'hook', url: 'http://127.0.0.1/', top: true, userAgent: 'test', hookVersion: '1' });
  }

  private push(r: Record<string, unknown>): void {
    this.records.push({ v: 1, frame: this.frame, seq: this.seq++, t: this.t, ...r } as unknown as Rec);
  }

  at(t: number): this {
    this.t = t;
    return this;
  }
  wait(ms: number): this {
    this.t += ms;
    return this;
  }

  client(nsp = '/', opts: OptionSnapshot = {}): string {
    const id = `${this.frame}/c${++this.clients}`;
    this.ops.set(id, 0);
    this.ids.set(id, 0);
    this.push({ kind: 'client', client: id, manager: `${this.frame}/m1`, url: 'http://127.0.0.1:1/', nsp, opts });
    return id;
  }

  connect(client: string, sid = 'sid-' + client): this {
    this.push({ kind: 'conn', client, event: 'connect', sid, engineSid: 'e-' + sid });
    return this;
  }
  disconnect(client: string, reason = 'transport close'): this {
    this.push({ kind: 'conn', client, event: 'disconnect', reason });
    return this;
  }

  emit(
    client: string,
    event: string,
    args: unknown[],
    o: { ack?: boolean; api?: 'callback' | 'promise' | 'none'; queued?: boolean; flags?: EmitFlags; queueDepth?: number; hash?: boolean } = {},
  ): string {
    const n = (this.ops.get(client) ?? 0) + 1;
    this.ops.set(client, n);
    const op = `${client}/o${n}`;
    const args_ = pv(args);
    const r: Record<string, unknown> = {
      kind: 'emit',
      client,
      op,
      event,
      ack: o.ack ?? true,
      api: o.api ?? ((o.ack ?? true) ? 'promise' : 'none'),
      queued: o.queued ?? false,
      flags: o.flags ?? {},
      args: args_,
    };
    if (o.queueDepth !== undefined) r.queueDepth = o.queueDepth;
    if (o.hash) r.hash = canonicalHash(args_.json);
    this.push(r);
    return op;
  }

  /** Next attempt of `op` with a fresh wire id (or none). Returns the wire id. */
  attempt(op: string, o: { noAck?: boolean; buffered?: boolean; flushed?: boolean; ackId?: number } = {}): number | null {
    const client = op.slice(0, op.lastIndexOf('/'));
    const tr = (this.tries.get(op) ?? 0) + 1;
    this.tries.set(op, tr);
    let ackId: number | null = null;
    if (o.ackId !== undefined) ackId = o.ackId;
    else if (!o.noAck) {
      ackId = this.ids.get(client) ?? 0;
      this.ids.set(client, ackId + 1);
    }
    if (ackId !== null) this.sends.set(`${client}|${ackId}`, this.t);
    const r: Record<string, unknown> = { kind: 'attempt', client, op, try: tr, ackId };
    if (o.buffered) r.buffered = true;
    if (o.flushed) r.flushed = true;
    this.push(r);
    return ackId;
  }

  ack(client: string, ackId: number, args: unknown[], o: { late?: boolean; op?: string | null } = {}): this {
    const sent = this.sends.get(`${client}|${ackId}`);
    const r: Record<string, unknown> = { kind: 'ack', client, ackId, late: o.late ?? false, args: pv(args) };
    if (sent !== undefined) r.latency = this.t - sent;
    if (o.op) r.op = o.op;
    this.push(r);
    return this;
  }

  end(op: string, ackId: number | null, cause: 'timeout' | 'disconnect' | 'error' = 'timeout'): this {
    const client = op.slice(0, op.lastIndexOf('/'));
    const message = cause === 'timeout' ? 'operation has timed out' : cause === 'disconnect' ? 'socket has been disconnected' : 'error';
    this.push({ kind: 'attempt-end', client, op, ackId, cause, message });
    return this;
  }

  settle(op: string, outcome: 'acked' | 'timed-out' | 'failed', o: { reason?: string; args?: unknown[] } = {}): this {
    const client = op.slice(0, op.lastIndexOf('/'));
    const r: Record<string, unknown> = { kind: 'settle', client, op, outcome };
    if (o.reason) r.reason = o.reason;
    else if (outcome !== 'acked') r.reason = 'operation has timed out';
    if (o.args) r.args = pv(o.args);
    this.push(r);
    return this;
  }

  incoming(client: string, event: string, args: unknown[]): this {
    this.push({ kind: 'incoming', client, event, args: pv(args) });
    return this;
  }

  raw(r: Record<string, unknown>): this {
    this.push(r);
    return this;
  }
}

/** Split `arr` at the given cut points. */
export function chunk<T>(arr: readonly T[], cuts: number[]): T[][] {
  const pts = [...new Set(cuts.map((c) => Math.max(0, Math.min(arr.length, c))))].sort((a, b) => a - b);
  const out: T[][] = [];
  let prev = 0;
  for (const p of pts) {
    out.push(arr.slice(prev, p));
    prev = p;
  }
  out.push(arr.slice(prev));
  return out;
}
