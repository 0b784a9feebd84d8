import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { analyze, RULES } from '../../../src/core/analysis';
import type { Analysis, Finding } from '../../../src/core/analysis';
import { Session } from './builder';

const rule = (a: Analysis, id: string): Finding | undefined => a.findings.find((f) => f.rule === id);
const rules = (a: Analysis) => a.findings.map((f) => f.rule);

/** An op acked on the first attempt after `ms`. */
function fastOp(s: Session, c: string, ms: number, ev = 'get', args: unknown[] = [{ q: 1 }], queued = false) {
  const o = s.emit(c, ev, args, { queued });
  const w = s.attempt(o)!;
  s.wait(ms).ack(c, w, [null, 'ok']).settle(o, 'acked');
  return o;
}

describe('settings lint', () => {
  it('every rule is documented in docs/rules.md with severity, why, evidence and fix', () => {
    const doc = readFileSync(new URL('../../../docs/rules.md', import.meta.url), 'utf8');
    for (const [id, sev] of Object.entries(RULES)) {
      const i = doc.indexOf(`## \`${id}\``);
      expect(i, id).toBeGreaterThanOrEqual(0);
      const section = doc.slice(i, doc.indexOf('\n## ', i + 1) >>> 0);
      expect(section, id).toMatch(new RegExp(`Severity: \\*\\*${sev}\\*\\*`));
      for (const h of ['Why', 'Evidence', 'Fix']) expect(section, `${id} ${h}`).toMatch(new RegExp(`\\*\\*${h}\\*\\*`));
    }
  });

  it('retries-infinite (Infinity arrives as null through JSON) and retries-too-many', () => {
    const s = new Session();
    s.client('/', { retries: null as unknown as number, ackTimeout: 1000 });
    s.client('/b', { retries: 5, ackTimeout: 1000 });
    s.client('/c', { retries: 2, ackTimeout: 1000 });
    const a = analyze(s.records);
    expect(rule(a, 'retries-infinite')).toMatchObject({ severity: 'error', socket: '/ #1' });
    expect(a.findings.filter((f) => f.rule === 'retries-too-many').map((f) => f.socket)).toEqual(['/b #2']);
  });

  it('retries-without-ack-timeout: ack("ok") taken as an error and re-sent at once', () => {
    const s = new Session();
    const c = s.client('/', { retries: 2 });
    const o = s.emit(c, 'save', [{ id: 's1' }], { queued: true });
    for (let i = 0; i < 3; i++) {
      const w = s.attempt(o)!;
      s.wait(1).ack(c, w, ['ok']);
    }
    s.settle(o, 'failed', { reason: 'ok' });
    const a = analyze(s.records);
    const f = rule(a, 'retries-without-ack-timeout');
    expect(f?.severity).toBe('error');
    expect(f?.evidence).toMatchObject({ resentAfterAnAck: 1 });
    expect(f?.ops).toEqual([o]);
    expect(a.operations[0].duplicate).toBe('confirmed');
    expect(rules(analyze(new Session().records))).not.toContain('retries-without-ack-timeout');
  });

  it('operation-never-settled: acked but unresolved, dropped from the queue, timer long past', () => {
    const s = new Session();
    const c = s.client('/', { retries: 2, ackTimeout: 300 });
    const o1 = s.emit(c, 'a', [1], { queued: true });
    const w1 = s.attempt(o1)!;
    s.wait(10).ack(c, w1, [null, 'ok']); // no settle: the app never heard back
    const o2 = s.emit(c, 'b', [2], { queued: true }); // shifted off the queue: never sent
    s.wait(10);
    const o3 = s.emit(c, 'c', [3], { queued: true });
    s.attempt(o3);
    s.wait(5000);
    const o4 = fastOp(s, c, 5, 'd', [4], true);
    const a = analyze(s.records);
    const f = rule(a, 'operation-never-settled');
    expect(f?.ops?.sort()).toEqual([o1, o2, o3].sort());
    expect(f?.ops).not.toContain(o4);
    // The same records cut right after o3's send: its timer has not expired yet.
    const cut = s.records.slice(0, s.records.findIndex((r) => r.kind === 'attempt' && r.op === o3) + 1);
    expect(rule(analyze(cut), 'operation-never-settled')?.ops).not.toContain(o3);
  });

  it('inherited-timeout: timeout flag leaked to the next queued emit', () => {
    const s = new Session();
    const c = s.client('/', { retries: 1, ackTimeout: 300 });
    const head = s.emit(c, 'slow', [1], { queued: true, queueDepth: 0 });
    s.attempt(head);
    const t1 = s.emit(c, 'a', [2], { queued: true, queueDepth: 1, flags: { timeout: 2000 } });
    const t2 = s.emit(c, 'chat', ['x'], { queued: true, ack: false, api: 'none', queueDepth: 2, flags: { timeout: 2000 } });
    const a = analyze(s.records);
    const f = rule(a, 'inherited-timeout');
    expect(f?.ops).toEqual([t2]);
    expect(f?.evidence).toMatchObject({ leaks: [{ op: t2, from: t1, timeout: 2000, certain: true }] });
  });

  it('ack-timeout-below-latency with p50/p95/p99 and sample size; quiet when latency is low', () => {
    const s = new Session();
    const c = s.client('/', { ackTimeout: 100 });
    for (let i = 0; i < 20; i++) fastOp(s, c, 50 + i * 5);
    const a = analyze(s.records);
    const f = rule(a, 'ack-timeout-below-latency');
    expect(f?.evidence).toMatchObject({ ackTimeout: 100, p50: 95, p95: 140, p99: 145, samples: 20 });
    expect(rule(analyze(s.records, { latencyMargin: 0.5 }), 'ack-timeout-below-latency')).toBeUndefined();
    expect(a.recommended.clientConfig).toMatchObject({ ackTimeout: 1000, retries: 1, reconnectionDelay: 2000 });
    expect(a.stats.total.latency).toMatchObject({ count: 20, p50: 95, max: 145 });
  });

  it('no-idempotency-key only when retries are on', () => {
    const s = new Session();
    const c = s.client('/', { retries: 1, ackTimeout: 1000 });
    fastOp(s, c, 5, 'pay', [{ amount: 3 }], true);
    fastOp(s, c, 5, 'pay', [{ id: 'k', amount: 3 }], true);
    const a = analyze(s.records);
    expect(rule(a, 'no-idempotency-key')?.evidence).toMatchObject({ events: { pay: 1 } });
    const s2 = new Session();
    fastOp(s2, s2.client(), 5, 'pay', [{ amount: 3 }]);
    expect(rules(analyze(s2.records))).not.toContain('no-idempotency-key');
  });

  it('never-acked-event: plain emits with retries are an error (multiplied, stall the queue)', () => {
    const s = new Session();
    const c = s.client('/', { retries: 2, ackTimeout: 300 });
    const o = s.emit(c, 'chat', ['hi'], { queued: true, ack: false, api: 'none' });
    for (let i = 0; i < 3; i++) {
      const w = s.attempt(o)!;
      s.wait(300).end(o, w);
    }
    s.settle(o, 'failed');
    const c2 = s.client('/x');
    const p = s.emit(c2, 'rpc', [1], { flags: { timeout: 100 } });
    const w = s.attempt(p)!;
    s.wait(100).end(p, w).settle(p, 'timed-out');
    const a = analyze(s.records);
    const fs = a.findings.filter((f) => f.rule === 'never-acked-event');
    expect(fs.map((f) => [f.socket, f.severity])).toEqual([
      ['/ #1', 'error'],
      ['/x #2', 'warning'],
    ]);
    expect(fs[0].message).toMatch(/fire-and-forget/);
    expect(fs[0].evidence).toMatchObject({ sends: 3 });
  });

  it('head-of-line-blocking reports how long ops waited behind a slow one', () => {
    const s = new Session();
    const c = s.client('/', { retries: 1, ackTimeout: 2000 });
    const slow = s.emit(c, 'slow', [1], { queued: true });
    const w = s.attempt(slow)!;
    const waiting = s.emit(c, 'fast', [2], { queued: true });
    s.wait(1500).ack(c, w, [null, 'ok']).settle(slow, 'acked');
    const w2 = s.attempt(waiting)!;
    s.wait(5).ack(c, w2, [null, 'ok']).settle(waiting, 'acked');
    const f = rule(analyze(s.records), 'head-of-line-blocking');
    expect(f?.evidence).toMatchObject({ waitedOps: 1, totalWaitMs: 1500, worst: { op: waiting, waitMs: 1500, behind: slow } });
  });

  it('reconnection-delay-short with retries', () => {
    const s = new Session();
    s.client('/', { retries: 1, ackTimeout: 1000, reconnectionDelay: 100 });
    s.client('/b', { retries: 1, ackTimeout: 1000 });
    s.client('/c', { reconnectionDelay: 100 });
    const a = analyze(s.records);
    expect(a.findings.filter((f) => f.rule === 'reconnection-delay-short').map((f) => [f.socket, f.severity])).toEqual([['/ #1', 'warning']]);
  });

  it('recommended snippets claim the key before the work and name ackscope/server', () => {
    const a = analyze(new Session().records);
    expect(a.recommended.serverSnippetRedis).toMatch(/'NX'/);
    expect(a.recommended.serverSnippetRedis).toMatch(/RedisStore/);
    expect(a.recommended.serverSnippetMemory).toMatch(/state: 'pending'/);
    expect(a.recommended.serverSnippetMemory).toMatch(/from 'ackscope\/server'/);
    expect(a.recommended.clientSnippet).toMatch(/ackTimeout: 5000/);
  });

  it('stats per socket and event: rates and duplicate counts', () => {
    const s = new Session();
    const c = s.client('/', { retries: 1, ackTimeout: 100 });
    fastOp(s, c, 10, 'a', [1], true);
    const o = s.emit(c, 'b', [2], { queued: true });
    const w = s.attempt(o)!;
    s.wait(100).end(o, w);
    const w2 = s.attempt(o)!;
    s.wait(10).ack(c, w2, [null, 'ok']).settle(o, 'acked');
    s.wait(100).ack(c, w, [null, 'ok'], { late: true });
    const a = analyze(s.records);
    expect(a.stats.total).toMatchObject({ operations: 2, acked: 2, retried: 1, retryRate: 0.5, timeoutRate: 0.5, duplicates: { confirmed: 1 } });
    expect(a.stats.byEvent.b).toMatchObject({ operations: 1, retried: 1 });
    expect(a.stats.bySocket['/ #1'].latency.count).toBe(3);
  });
});
