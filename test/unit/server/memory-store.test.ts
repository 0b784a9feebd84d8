// MemoryStore: TTL eviction, lock expiry, max size, and no timers left after close().
// Fake timers make expiry deterministic (no sleeping, no timing assertions).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore, StoreUnavailableError } from '../../../src/server/index.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

async function claimDone(s: MemoryStore, key: string, result: unknown[], ttlMs: number) {
  const c = await s.claim(key, 60_000);
  if (c.state !== 'claimed') throw new Error(`expected a claim for ${key}, got ${c.state}`);
  expect(await s.complete(key, c.token, result, ttlMs)).toBe(true);
}

describe('MemoryStore', () => {
  it('keeps a result for ttlMs, then the sweep timer evicts it', async () => {
    const s = new MemoryStore({ sweepIntervalMs: 1000 });
    await claimDone(s, 'a', ['r'], 5000);
    expect(await s.claim('a', 60_000)).toEqual({ state: 'done', result: ['r'] });
    vi.advanceTimersByTime(4999);
    expect(s.size).toBe(1);
    vi.advanceTimersByTime(1001);
    expect(s.size).toBe(0); // swept by the timer, not by a lookup
    expect((await s.claim('a', 60_000)).state).toBe('claimed');
    await s.close();
  });

  it('an expired key is treated as absent even before the sweep', async () => {
    const s = new MemoryStore({ sweepIntervalMs: 3_600_000 });
    await claimDone(s, 'a', ['r'], 100);
    vi.setSystemTime(Date.now() + 101);
    expect((await s.claim('a', 60_000)).state).toBe('claimed');
    await s.close();
  });

  it('only the owner token completes or releases; release frees the key', async () => {
    const s = new MemoryStore();
    const c = (await s.claim('k', 60_000)) as { state: 'claimed'; token: string };
    expect(await s.claim('k', 60_000)).toEqual({ state: 'pending' });
    expect(await s.complete('k', 'other', [], 1000)).toBe(false);
    expect(await s.release('k', 'other')).toBe(false);
    expect(await s.release('k', c.token)).toBe(true);
    expect((await s.claim('k', 60_000)).state).toBe('claimed');
    await s.close();
  });

  it('wakes waiters on complete, on release, on lock expiry, and times them out', async () => {
    const s = new MemoryStore();
    const c1 = (await s.claim('done', 60_000)) as { token: string };
    const w1 = s.wait('done', 10_000);
    await s.complete('done', c1.token, ['R'], 60_000);
    expect(await w1).toEqual({ state: 'done', result: ['R'] });

    const c2 = (await s.claim('rel', 60_000)) as { token: string };
    const w2 = s.wait('rel', 10_000);
    await s.release('rel', c2.token);
    expect(await w2).toEqual({ state: 'released' });

    await s.claim('lock', 500); // a handler that never finishes
    const w3 = s.wait('lock', 10_000);
    vi.advanceTimersByTime(500);
    expect(await w3).toEqual({ state: 'released' });

    await s.claim('slow', 60_000);
    const w4 = s.wait('slow', 1000);
    vi.advanceTimersByTime(1000);
    expect(await w4).toEqual({ state: 'timeout' });
    await s.close();
  });

  it('max size: evicts the oldest finished result first, never an in-progress claim', async () => {
    const s = new MemoryStore({ maxSize: 3 });
    await claimDone(s, 'old', [1], 60_000);
    await s.claim('busy', 60_000);
    await claimDone(s, 'new', [2], 60_000);
    expect(s.size).toBe(3);
    expect((await s.claim('x', 60_000)).state).toBe('claimed');
    expect(s.size).toBe(3);
    expect((await s.claim('old', 60_000)).state).toBe('claimed'); // evicted, so claimable again
    // Now: busy, x, old in progress, 'new' got evicted by the claim of 'old'.
    expect(s.size).toBe(3);
    await expect(s.claim('y', 60_000)).rejects.toThrow(StoreUnavailableError);
    await expect(s.claim('y', 60_000)).rejects.toThrow(/full: 3 operations in progress/);
    await s.close();
  });

  it('close() leaves no timers and resolves pending waits; the store then refuses work', async () => {
    const s = new MemoryStore({ sweepIntervalMs: 1000 });
    expect(vi.getTimerCount()).toBe(1); // the sweep interval
    await s.claim('k', 60_000);
    const waits = [s.wait('k', 30_000), s.wait('k', 40_000)];
    expect(vi.getTimerCount()).toBe(3);
    await s.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(await Promise.all(waits)).toEqual([{ state: 'timeout' }, { state: 'timeout' }]);
    await expect(s.claim('k', 1)).rejects.toThrow(/closed/);
    await s.close(); // idempotent
  });

  it('rejects bad options clearly', () => {
    expect(() => new MemoryStore({ maxSize: 0 })).toThrow(/maxSize must be a positive integer/);
    expect(() => new MemoryStore({ sweepIntervalMs: -1 })).toThrow(/sweepIntervalMs must be a positive number/);
  });
});

describe('MemoryStore timers with real timers', () => {
  it('the sweep timer is unref-ed: it does not keep the process alive', async () => {
    vi.useRealTimers();
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const s = new MemoryStore({ sweepIntervalMs: 10 });
    await s.claim('k', 60_000);
    const w = s.wait('k', 60_000);
    // getActiveResourcesInfo() lists only ref-ed handles.
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
    await s.close();
    expect(await w).toEqual({ state: 'timeout' });
  });
});
