/**
 * Session-wide part of the analysis (issue 4): stats, sockets, settings lint (rules are
 * documented in docs/rules.md) and the recommended configuration. One pass over the cached
 * operation summaries plus per-client records.
 */
import type { OptionSnapshot, Outcome } from '../protocol';
import type { Analysis, AnalysisConfig, Finding, GroupStats, LatencyStats, Operation, Severity, SocketInfo } from './types';
import type { ClientState, EmitState } from './state';
import { emitT } from './state';
import { StatsAcc, latencyStats } from './stats';
import { SERVER_SNIPPET_MEMORY, SERVER_SNIPPET_REDIS, clientSnippet } from './snippets';

export interface ReportInput {
  config: AnalysisConfig;
  ops: Operation[];
  clients: Map<string, ClientState>;
  socketName(client: string): string;
  sessionEnd: number;
  diagnostics: string[];
  emitOutcome(e: EmitState): { outcome: Outcome; reason?: string };
}

/** Every rule id, with its default severity (docs/rules.md documents each). */
export const RULES = {
  'duplicate-delivery': 'error',
  'dedup-racing': 'error',
  'possible-duplicate-delivery': 'warning',
  'server-deduplicated': 'info',
  'retries-infinite': 'error',
  'retries-without-ack-timeout': 'error',
  'operation-never-settled': 'warning',
  'inherited-timeout': 'warning',
  'ack-timeout-below-latency': 'warning',
  'retries-too-many': 'warning',
  'no-idempotency-key': 'warning',
  'never-acked-event': 'warning',
  'head-of-line-blocking': 'warning',
  'reconnection-delay-short': 'warning',
  'timeout-without-retries': 'warning',
} as const satisfies Record<string, Severity>;
export type RuleId = keyof typeof RULES;

/** Grace added to timers before an unsettled op counts as stuck. */
const SETTLE_GRACE_MS = 1000;
/** Queue waits at or above this are reported as head-of-line blocking. */
const HOL_MIN_WAIT_MS = 250;
const MAX_LISTED = 20;

const r0 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);

function retriesOf(opts: OptionSnapshot): { on: boolean; infinite: boolean; n: number | undefined } {
  const r = (opts as { retries?: number | null }).retries;
  if (r === null) return { on: true, infinite: true, n: undefined }; // Infinity through JSON
  if (typeof r !== 'number' || r <= 0) return { on: false, infinite: false, n: r };
  return { on: true, infinite: !Number.isFinite(r) || r >= 1000, n: r };
}

function opBrief(op: Operation) {
  return {
    op: op.id,
    event: op.event,
    key: op.key,
    attempts: op.chain.map((a) => ({
      emit: a.emit,
      try: a.try,
      wireId: a.ackId,
      sentAt: a.sentAt,
      end: a.end.kind,
      ackAt: a.end.kind === 'ack' ? a.end.at : undefined,
      lateAcks: a.lateAcks.map((l) => l.at),
    })),
  };
}

/** Everything the lint rules need about one socket, collected in the single pass over operations. */
class ClientAgg {
  lateAcks = 0;
  stats = new StatsAcc();
  confirmed: Operation[] = [];
  possible: Operation[] = [];
  dedup: Operation[] = [];
  resentAfterAck: Operation[] = [];
  linked: Operation[] = [];
  pending: Operation[] = [];
  noKey = new Map<string, number>();
  byEv = new Map<string, EventAgg>();
  maxAttempts = 0;
  minFlag: number | undefined = undefined;
  endedByDisconnect = 0;
  /** Latest first send of a queued op that was sent. */
  lastQueuedSend = -Infinity;

  add(o: Operation, answered: boolean, timedOut: boolean, disconnect: boolean, resent: boolean): void {
    if (o.duplicate === 'confirmed') this.confirmed.push(o);
    else if (o.duplicate === 'possible') this.possible.push(o);
    else if (o.duplicate === 'server-deduplicated') this.dedup.push(o);
    if (o.attempts > this.maxAttempts) this.maxAttempts = o.attempts;
    const ft = o.flags?.timeout;
    if (typeof ft === 'number' && (this.minFlag === undefined || ft < this.minFlag)) this.minFlag = ft;
    if (o.linkedBy !== null) this.linked.push(o);
    if (o.outcome === 'pending') this.pending.push(o);
    if (o.queued && o.attempts > 0 && o.firstSend > this.lastQueuedSend) this.lastQueuedSend = o.firstSend;
    if (resent) this.resentAfterAck.push(o);
    if (disconnect) this.endedByDisconnect++;
    if (o.outcome === 'sent') return;
    if (o.key === null) this.noKey.set(o.event, (this.noKey.get(o.event) ?? 0) + 1);
    let ev = this.byEv.get(o.event);
    if (!ev) this.byEv.set(o.event, (ev = { ops: [], answered: false, ended: false, fireAndForget: 0, sends: 0 }));
    ev.ops.push(o);
    ev.sends += o.attempts;
    if (answered) ev.answered = true;
    if (timedOut || o.outcome === 'timed-out' || o.outcome === 'failed') ev.ended = true;
  }
}

export function buildReport(x: ReportInput): Analysis {
  const { config, ops } = x;
  const total = new StatsAcc();
  const byEvent = new Map<string, StatsAcc>();
  const perClient = new Map<string, ClientAgg>();
  let sessionDedupEvidence = 0;
  // Namespaces where the server showed that it deduplicates (dedup markers or
  // ackscope:dedup events). Separate namespaces are often separate handlers or services.
  const dedupWhere = new Set<string>();
  for (const c of x.clients.values()) {
    sessionDedupEvidence += c.dedupEvents;
    if (c.dedupEvents > 0) dedupWhere.add(c.rec?.nsp ?? '/');
  }

  const lat: number[] = [];
  let pendingAtEnd = 0;
  let lastEvent = '';
  let lastClient = '';
  let ca: ClientAgg | undefined;
  let ev: StatsAcc | undefined;
  for (const op of ops) {
    // One walk over each operation (and its chain) feeds every accumulator and every rule.
    lat.length = 0;
    let anyTimeout = false;
    let late = 0;
    let answered = false;
    let disconnect = false;
    let resent = false;
    const ch = op.chain;
    for (let i = 0; i < ch.length; i++) {
      const a = ch[i];
      const k = a.end.kind;
      if (k === 'ack') lat.push((a.end as { latency: number }).latency);
      else if (k === 'timeout') anyTimeout = true;
      else if (k === 'disconnect') disconnect = true;
      const la = a.lateAcks;
      for (let j = 0; j < la.length; j++) {
        lat.push(la[j].latency);
        late++;
      }
      if (k === 'ack' || la.length > 0) {
        answered = true;
        if (i < ch.length - 1) resent = true;
      }
    }
    const timedOut = anyTimeout || op.outcome === 'timed-out';
    total.add(op, lat, timedOut);
    if (!ev || op.event !== lastEvent) {
      ev = byEvent.get(op.event);
      if (!ev) byEvent.set(op.event, (ev = new StatsAcc()));
      lastEvent = op.event;
    }
    ev.add(op, lat, timedOut);
    if (!ca || op.client !== lastClient) {
      ca = perClient.get(op.client);
      if (!ca) perClient.set(op.client, (ca = new ClientAgg()));
      lastClient = op.client;
    }
    ca.stats.add(op, lat, timedOut);
    ca.lateAcks += late;
    ca.add(op, answered, anyTimeout, disconnect, resent);
    if (op.duplicate === 'server-deduplicated') {
      sessionDedupEvidence++;
      dedupWhere.add(op.nsp);
    }
    if (op.outcome === 'pending') pendingAtEnd++;
  }

  const findings: Finding[] = [];
  const clientIds = [...x.clients.keys()].sort((a, b) => {
    const na = x.socketName(a);
    const nb = x.socketName(b);
    return na < nb ? -1 : na > nb ? 1 : a < b ? -1 : 1;
  });
  const bySocket: Record<string, GroupStats> = {};
  for (const cid of clientIds) {
    const cs = x.clients.get(cid)!;
    const agg = perClient.get(cid);
    const st = agg ? agg.stats.result() : null;
    if (agg && st) bySocket[x.socketName(cid)] = st;
    lintClient(x, cs, agg ?? new ClientAgg(), st?.latency ?? latencyStats([]), dedupWhere, findings);
  }
  // Most severe first (errors, then warnings, then info); stable, so socket order is kept within a severity.
  const rank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  findings.sort((a, b) => rank[a.severity] - rank[b.severity]);

  // Recommended client config from the whole session.
  const totalStats = total.result();
  const p99 = totalStats.latency.p99;
  const anyKey = ops.some((o) => o.key !== null);
  const ackTimeout = p99 === null ? 5000 : Math.max(1000, Math.ceil((p99 * Math.max(2, config.latencyMargin)) / 100) * 100);
  const clientConfig = { ackTimeout, retries: anyKey || sessionDedupEvidence > 0 ? 2 : 1, reconnectionDelay: 2000 };

  const sockets: SocketInfo[] = clientIds.map((cid) => socketInfo(x, x.clients.get(cid)!));
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  const byEventOut: Record<string, GroupStats> = {};
  for (const k of [...byEvent.keys()].sort()) byEventOut[k] = byEvent.get(k)!.result();
  const bySocketOut: Record<string, GroupStats> = {};
  for (const k of Object.keys(bySocket).sort()) bySocketOut[k] = bySocket[k];
  const diagnostics = [...x.diagnostics];
  if (pendingAtEnd) diagnostics.push(`${pendingAtEnd} operation(s) still pending at the end of the session (last record at ${x.sessionEnd}).`);
  return {
    operations: ops,
    findings,
    sockets,
    stats: { total: totalStats, bySocket: bySocketOut, byEvent: byEventOut },
    recommended: {
      clientConfig,
      clientSnippet: clientSnippet(clientConfig),
      serverSnippetMemory: SERVER_SNIPPET_MEMORY,
      serverSnippetRedis: SERVER_SNIPPET_REDIS,
    },
    diagnostics,
    counts,
  };
}

function socketInfo(x: ReportInput, cs: ClientState): SocketInfo {
  const r = cs.rec;
  const connection: SocketInfo['connection'] = [];
  const reasons: Record<string, number> = {};
  let sid: string | undefined;
  let engineSid: string | undefined;
  const open = (state: 'connected' | 'disconnected' | 'reconnecting', t: number, reason?: string) => {
    const last = connection[connection.length - 1];
    if (last && last.state === state) return;
    if (last) last.to = t;
    connection.push(reason !== undefined ? { state, from: t, to: null, reason } : { state, from: t, to: null });
  };
  for (const c of cs.conns) {
    switch (c.event) {
      case 'connect':
      case 'reconnect':
        open('connected', c.t);
        if (c.sid) sid = c.sid;
        if (c.engineSid) engineSid = c.engineSid;
        break;
      case 'disconnect': {
        const why = c.reason ?? 'unknown';
        reasons[why] = (reasons[why] ?? 0) + 1;
        open('disconnected', c.t, why);
        break;
      }
      case 'reconnect_attempt':
        open('reconnecting', c.t);
        break;
      case 'reconnect_failed':
      case 'connect_error':
        if (connection.length === 0 || connection[connection.length - 1].state === 'connected') open('disconnected', c.t, c.reason);
        break;
      default:
        break;
    }
  }
  let uptimeMs = 0;
  for (const i of connection) if (i.state === 'connected') uptimeMs += Math.max(0, (i.to ?? x.sessionEnd) - i.from);
  const info: SocketInfo = {
    client: cs.id,
    socket: x.socketName(cs.id),
    nsp: r?.nsp ?? '?',
    url: r?.url ?? '',
    manager: r?.manager ?? '',
    frame: r?.frame ?? cs.id.split('/')[0],
    opts: r?.opts ?? {},
    connection,
    uptimeMs,
    disconnectReasons: reasons,
  };
  if (r?.libVersion) info.libVersion = r.libVersion;
  if (sid) info.sid = sid;
  if (engineSid) info.engineSid = engineSid;
  return info;
}

interface EventAgg {
  ops: Operation[];
  answered: boolean;
  ended: boolean;
  fireAndForget: number;
  sends: number;
}

function lintClient(x: ReportInput, cs: ClientState, agg: ClientAgg, lat: LatencyStats, dedupWhere: Set<string>, out: Finding[]): void {
  const socket = x.socketName(cs.id);
  const opts: OptionSnapshot = cs.rec?.opts ?? {};
  const retries = retriesOf(opts);
  const add = (rule: RuleId, message: string, evidence: unknown, fix: string, opIds?: string[], severity: Severity = RULES[rule]) => {
    const f: Finding = { rule, severity, socket, client: cs.id, message, evidence, fix };
    if (opIds && opIds.length) f.ops = opIds;
    out.push(f);
  };
  const ids = (list: Operation[]) => list.slice(0, 200).map((o) => o.id);

  const { confirmed, possible, dedup, resentAfterAck, linked, pending, noKey, byEv, maxAttempts, minFlag, endedByDisconnect, lastQueuedSend } = agg;

  // --- duplicate verdicts
  if (confirmed.length) {
    add('duplicate-delivery', `${confirmed.length} operation(s) on ${socket} reached the server more than once with no sign of server-side deduplication.`,
      { count: confirmed.length, operations: confirmed.slice(0, MAX_LISTED).map(opBrief) },
      'Make the handlers idempotent: send an idempotency key with each operation and claim it on the server before doing the work (see the server snippet; ackscope/server implements it). Raise ackTimeout above the observed p99 ack latency.', ids(confirmed));
    // Only where the same namespace showed dedup evidence: a namespace that deduplicates
    // says little about another (often another handler or service).
    const racing = confirmed.filter((o) => dedupWhere.has(o.nsp));
    if (racing.length)
      add('dedup-racing', `Acks show two successes for ${racing.length} operation(s) on ${socket} although the server deduplicates other deliveries on ${racing[0].nsp} in this session: the server's dedup check is racing with the work.`,
        { operations: racing.slice(0, MAX_LISTED).map(opBrief), namespace: racing[0].nsp },
        "Claim the key atomically before the work (Redis SET NX or a 'pending' entry), not check-then-act after it.", ids(racing));
  }
  if (possible.length)
    add('possible-duplicate-delivery', `${possible.length} operation(s) on ${socket} were sent more than once while an earlier send's fate is unknown: the server may have run them twice.`,
      { count: possible.length, operations: possible.slice(0, MAX_LISTED).map(opBrief) },
      'Check the server logs for these operations (sid and wire ids are in the evidence); add an idempotency key so the server can deduplicate.', ids(possible));
  if (dedup.length)
    add('server-deduplicated', `The server recognised ${dedup.length} repeated operation(s) on ${socket} and did not run them again.`,
      { count: dedup.length, operations: dedup.slice(0, MAX_LISTED).map(opBrief) }, 'Nothing to fix: the server protects itself.', ids(dedup));

  // --- settings
  if (retries.on && retries.infinite)
    add('retries-infinite', `${socket} retries without limit (retries: ${opts.retries ?? 'Infinity'}): an operation the server never acks is re-sent forever and blocks every later one.`,
      { opts: { retries: opts.retries ?? 'Infinity', ackTimeout: opts.ackTimeout }, maxAttempts },
      'Set retries to 1 or 2 and handle the final failure in the app.');
  if (retries.on && opts.ackTimeout === undefined)
    add('retries-without-ack-timeout', `${socket} sets retries without ackTimeout: socket.io 4.8 then takes the server's first ack argument as an error and re-sends at once, so ack("ok") counts as a failure.`,
      { opts: { retries: opts.retries, ackTimeout: opts.ackTimeout }, resentAfterAnAck: resentAfterAck.length, operations: resentAfterAck.slice(0, MAX_LISTED).map(opBrief) },
      'Set ackTimeout (e.g. from the recommended config), or make the server ack error-first: ack(null, result).', ids(resentAfterAck));
  if (retries.on && retries.n !== undefined && !retries.infinite && retries.n > 2)
    add('retries-too-many', `${socket} retries ${retries.n} times: every retry of an operation with side effects is another chance to run it again.`,
      { opts: { retries: retries.n }, events: [...byEv.keys()].sort().slice(0, MAX_LISTED) },
      'Use retries 1-2 for operations with side effects, with an idempotency key.');

  // --- operation-never-settled
  {
    const stuck: Array<{ op: Operation; why: string }> = [];
    for (const o of pending) {
      const last = o.chain[o.chain.length - 1];
      if (last && last.end.kind === 'ack' && o.queued) {
        stuck.push({ op: o, why: 'its last attempt was acked but the app never got a result' });
        continue;
      }
      if (o.attempts === 0 && o.queued && lastQueuedSend > o.firstSend) {
        stuck.push({ op: o, why: 'it was never sent although later operations on the same socket were: socket.io dropped it from its queue' });
        continue;
      }
      const t = o.flags?.timeout ?? opts.ackTimeout;
      if (t !== undefined && last) {
        const deadline = last.sentAt + t + SETTLE_GRACE_MS;
        if (x.sessionEnd > deadline) stuck.push({ op: o, why: `its ${t} ms timer expired at ${Math.round(deadline - SETTLE_GRACE_MS)} without any settle` });
      }
    }
    if (stuck.length)
      add('operation-never-settled', `${stuck.length} operation(s) on ${socket} neither resolved nor failed: the app's callback or promise is still waiting.`,
        { count: stuck.length, operations: stuck.slice(0, MAX_LISTED).map((s) => ({ ...opBrief(s.op), why: s.why })) },
        'With retries, make sure the server acks each wire id once; upgrade socket.io-client; add an app-level timeout around emitWithAck.', stuck.map((s) => s.op.id).slice(0, 200));
  }

  // --- inherited-timeout (socket.flags leaks when an emit is only queued) and
  // --- head-of-line-blocking (queue wait = first send - app call), one pass over queued emits.
  const leaks: Array<{ op: string; from: string; timeout: number; certain: boolean }> = [];
  let holTotal = 0;
  let holCount = 0;
  let worst: { op: EmitState; wait: number; behind: string | null } | null = null;
  let prevQueued: EmitState | null = null;
  for (const e of cs.emits) {
    const r = e.rec;
    if (!r || !r.queued) continue;
    if (r.api === 'none') {
      const ev = byEv.get(r.event);
      if (ev) ev.fireAndForget++;
    }
    const p = prevQueued?.rec;
    const t = r.flags?.timeout;
    if (p && t !== undefined && p.flags?.timeout === t && p.queueDepth !== undefined && p.queueDepth > 0)
      leaks.push({ op: r.op, from: p.op, timeout: t, certain: r.api === 'none' || !r.ack });
    if (retries.on && e.attempts.length > 0) {
      let first = Infinity;
      for (const a of e.attempts) if (a.rec.t < first) first = a.rec.t;
      const wait = first - emitT(e);
      if (wait >= HOL_MIN_WAIT_MS) {
        holTotal += wait;
        holCount++;
        if (!worst || wait > worst.wait) worst = { op: e, wait, behind: prevQueued ? prevQueued.gid ?? prevQueued.id : null };
      }
    }
    prevQueued = e;
  }
  if (leaks.length)
    add('inherited-timeout', `${leaks.length} operation(s) on ${socket} were queued with a timeout that may have leaked from an earlier socket.timeout(ms) call (socket.io keeps the flag when an emit is only queued).`,
      { count: leaks.length, leaks: leaks.slice(0, MAX_LISTED) },
      'Do not mix socket.timeout(ms) with the retry queue; rely on ackTimeout, or call socket.timeout() for every emit explicitly.', leaks.map((l) => l.op).slice(0, 200));

  // --- ack-timeout-below-latency
  {
    const ackTimeout = opts.ackTimeout ?? minFlag;
    if (ackTimeout !== undefined && lat.p95 !== null && (lat.count >= 3 || agg.lateAcks > 0) && ackTimeout < lat.p95 * x.config.latencyMargin)
      add('ack-timeout-below-latency', `${socket} gives up after ${ackTimeout} ms but the server's p95 ack latency is ${Math.round(lat.p95)} ms: attempts time out while the server is still working, then run again.`,
        { ackTimeout, margin: x.config.latencyMargin, p50: r0(lat.p50), p95: r0(lat.p95), p99: r0(lat.p99), max: r0(lat.max), samples: lat.count, lateAcks: agg.lateAcks },
        `Raise ackTimeout to at least ${Math.ceil(((lat.p99 ?? lat.p95) * x.config.latencyMargin) / 100) * 100} ms (p99 x ${x.config.latencyMargin}), or make the handler faster.`);
  }

  // --- no-idempotency-key
  if (retries.on && noKey.size) {
    let n = 0;
    for (const v of noKey.values()) n += v;
    add('no-idempotency-key', `${socket} retries, but ${n} operation(s) carry no recognisable idempotency key, so the server cannot tell a retry from a new request.`,
      { events: Object.fromEntries([...noKey].sort()), lookedFor: ['id', 'eventId', 'requestId', 'messageId', 'idempotencyKey', 'uuid', '_id', ...Object.values(x.config.keyPaths).flat()] },
      'Add an id (e.g. crypto.randomUUID()) to the payload, reused by every retry, or configure the key path for the event.');
  }

  // --- never-acked-event
  for (const [ev, a] of [...byEv].sort((p, q) => (p[0] < q[0] ? -1 : 1))) {
    if (a.answered || !a.ended) continue;
    if (a.fireAndForget)
      add('never-acked-event', `"${ev}" on ${socket} is a fire-and-forget emit, but with retries on socket.io queues it with an ack; the server never acks it, so every message is sent up to retries+1 times and stalls the queue for ackTimeout each.`,
        { event: ev, operations: a.ops.length, sends: a.sends, fireAndForget: a.fireAndForget, opts: { retries: opts.retries, ackTimeout: opts.ackTimeout } },
        'Ack the event on the server (even with no payload), or send fire-and-forget events on a socket without retries (or with socket.volatile).', ids(a.ops), 'error');
    else
      add('never-acked-event', `"${ev}" on ${socket} asks for an ack that the server never sent (${a.ops.length} operation(s), ${a.sends} send(s)).`,
        { event: ev, operations: a.ops.length, sends: a.sends },
        'Call the ack callback in the server handler, or emit without a callback.', ids(a.ops));
  }

  // --- head-of-line-blocking
  if (worst)
    add('head-of-line-blocking', `With retries, ${socket} sends acked emits one at a time: ${holCount} operation(s) waited ${Math.round(holTotal)} ms in total behind slower ones (worst ${Math.round(worst.wait)} ms).`,
      { waitedOps: holCount, totalWaitMs: Math.round(holTotal), worst: { op: worst.op.gid ?? worst.op.id, waitMs: Math.round(worst.wait), behind: worst.behind } },
      'Move slow or never-acked events to another socket without retries, or speed up the handler at the head of the queue.', [worst.op.gid ?? worst.op.id]);

  // --- reconnection-delay-short
  if (retries.on && opts.reconnection !== false) {
    const delay = opts.reconnectionDelay ?? 1000;
    if (delay < 1000 || (delay < 2000 && endedByDisconnect > 0))
      add('reconnection-delay-short', `${socket} reconnects after ${delay} ms with retries on: the queue head is re-sent right after each reconnect, often while the server still runs the first delivery.`,
        { reconnectionDelay: delay, explicit: opts.reconnectionDelay !== undefined, opsEndedByDisconnect: endedByDisconnect },
        'Use reconnectionDelay 2000 or more (with the default randomizationFactor).', undefined, delay < 1000 ? 'warning' : 'info');
  }

  // --- timeout-without-retries: the app re-emits by itself.
  if (!retries.on && linked.length)
    add('timeout-without-retries', `${socket} has no retries, but the app re-emits ${linked.length} operation(s) itself after a timeout: the same at-least-once risk, without socket.io's bookkeeping.`,
      { count: linked.length, operations: linked.slice(0, MAX_LISTED).map((o) => ({ ...opBrief(o), linkedBy: o.linkedBy })) },
      'Either use socket.io retries with ackTimeout, or keep the app-level retry but reuse one idempotency key and deduplicate on the server.', ids(linked));
}
