/**
 * Emits made before the socket connects go to socket.io's send buffer and are encoded only
 * when flushed on connect: the hook then records a buffered attempt (no args) and a flush
 * record (with args). Both are one delivery, and the args must still reach the operation
 * (preview, idempotency key). Recorded from real socket.io-client against a real server.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import { io } from 'socket.io-client';
import { startDemoServer, type DemoServer } from '../../../demo/server';
import { startNodeRecording } from '../../support/node-recorder';
import { analyze, createAnalyzer } from '../../../src/core/analysis';

let server: DemoServer;
beforeAll(async () => {
  server = await startDemoServer();
});
afterAll(async () => {
  await server?.close();
});

it('a buffered emit and its flush are one attempt that keeps its args and key', async () => {
  const rec = startNodeRecording({ frame: 'node' });
  const s = io(server.url, { forceNew: true });
  try {
    s.emit('fire', { id: 'f-1' }); // before connect: buffered
    const r = await s.emitWithAck('fast', { id: 'k-1' });
    expect(r).toMatchObject({ ok: true });
    for (let i = 0; i < 100 && server.count('/ fire ') < 1; i++) await new Promise((res) => setTimeout(res, 20));
  } finally {
    s.disconnect();
    rec.stop();
  }
  expect(server.count('/ fire f-1')).toBe(1);
  expect(server.count('/ fast k-1')).toBe(1);
  // The recording really has the two-record shape this test is about.
  const fireAttempts = rec.records.filter((x) => x.kind === 'attempt' && x.ackId === null);
  expect(fireAttempts.map((x) => (x as { buffered?: boolean }).buffered || (x as { flushed?: boolean }).flushed)).toEqual([true, true]);

  const check = (ops: ReturnType<typeof analyze>['operations']) => {
    const fire = ops.find((o) => o.event === 'fire')!;
    const fast = ops.find((o) => o.event === 'fast')!;
    expect(fire.attempts).toBe(1);
    expect(fire.outcome).toBe('sent');
    expect(fire.args?.json).toContain('f-1');
    expect(fast.attempts).toBe(1);
    expect(fast.outcome).toBe('acked');
    expect(fast.key).toBe('k-1');
    expect(fast.args?.json).toContain('k-1');
  };
  check(analyze(rec.records).operations);
  // Same result when the flush records arrive before the buffered ones.
  const a = createAnalyzer();
  a.push([...rec.records].reverse());
  check(a.result().operations);
});
