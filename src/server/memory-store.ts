import { StoreUnavailableError } from './errors.js';
import type { AckArgs, ClaimResult, Store, WaitResult } from './store.js';

export interface MemoryStoreOptions {
  /** Most keys kept (pending + done). Default 100,000. When full, the oldest finished keys are evicted. */
  maxSize?: number;
  /** How often expired keys are swept. Default 60 s. The timer is unref'd. */
  sweepIntervalMs?: number;
}

type Entry =
  | { state: 'pending'; token: string; expiresAt: number }
  | { state: 'done'; result: AckArgs; expiresAt: number };

interface Waiter {
  deadline: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  resolve: (r: WaitResult) => void;
}

/**
 * In-process store: one Map with per-key expiry, a periodic sweep and a size bound. Only
 * deduplicates within one Node process; use RedisStore for several server instances.
 */
export class MemoryStore implements Store {
  readonly maxSize: number;
  private readonly entries = new Map<string, Entry>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private seq = 0;
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    const maxSize = options.maxSize ?? 100_000;
    const sweep = options.sweepIntervalMs ?? 60_000;
    if (!Number.isInteger(maxSize) || maxSize < 1) throw new TypeError(`MemoryStore: maxSize must be a positive integer, got ${String(maxSize)}`);
    if (!(typeof sweep === 'number' && sweep > 0 && Number.isFinite(sweep))) {
      throw new TypeError(`MemoryStore: sweepIntervalMs must be a positive number, got ${String(sweep)}`);
    }
    this.maxSize = maxSize;
    this.sweepTimer = setInterval(() => this.sweep(), sweep);
    // A store must never keep a process alive on its own.
    this.sweepTimer.unref?.();
  }

  /** Number of keys currently held (including expired ones not yet swept). */
  get size(): number {
    return this.entries.size;
  }

  async claim(key: string, lockMs: number): Promise<ClaimResult> {
    this.assertOpen();
    const e = this.live(key);
    if (e) return e.state === 'done' ? { state: 'done', result: e.result } : { state: 'pending' };
    this.makeRoom();
    const token = String(++this.seq);
    this.entries.set(key, { state: 'pending', token, expiresAt: Date.now() + lockMs });
    return { state: 'claimed', token };
  }

  async complete(key: string, token: string, result: AckArgs, ttlMs: number): Promise<boolean> {
    this.assertOpen();
    const e = this.entries.get(key);
    if (!e || e.state !== 'pending' || e.token !== token) return false;
    // Re-insert so Map order is completion order: eviction drops the oldest results first.
    this.entries.delete(key);
    this.entries.set(key, { state: 'done', result, expiresAt: Date.now() + ttlMs });
    this.notify(key, { state: 'done', result });
    return true;
  }

  async release(key: string, token: string): Promise<boolean> {
    this.assertOpen();
    const e = this.entries.get(key);
    if (!e || e.state !== 'pending' || e.token !== token) return false;
    this.entries.delete(key);
    this.notify(key, { state: 'released' });
    return true;
  }

  wait(key: string, timeoutMs: number): Promise<WaitResult> {
    this.assertOpen();
    const e = this.live(key);
    if (!e) return Promise.resolve({ state: 'released' });
    if (e.state === 'done') return Promise.resolve({ state: 'done', result: e.result });
    return new Promise<WaitResult>((resolve) => {
      const w: Waiter = { deadline: Date.now() + timeoutMs, timer: undefined, resolve };
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      set.add(w);
      this.arm(key, w);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const set of this.waiters.values()) {
      for (const w of set) {
        clearTimeout(w.timer);
        w.resolve({ state: 'timeout' });
      }
    }
    this.waiters.clear();
    this.entries.clear();
  }

  /** Drops expired keys now (also runs on the sweep timer). Returns how many were dropped. */
  sweep(): number {
    const now = Date.now();
    let n = 0;
    for (const [key, e] of this.entries) {
      if (e.expiresAt <= now) {
        this.entries.delete(key);
        n++;
        if (e.state === 'pending') this.notify(key, { state: 'released' });
      }
    }
    return n;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('MemoryStore is closed');
  }

  /** The entry if present and not expired; an expired one is dropped on the way. */
  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt > Date.now()) return e;
    this.entries.delete(key);
    if (e.state === 'pending') this.notify(key, { state: 'released' });
    return undefined;
  }

  private makeRoom(): void {
    if (this.entries.size < this.maxSize) return;
    this.sweep();
    if (this.entries.size < this.maxSize) return;
    // Oldest finished result first; in-progress claims are never evicted (that would let
    // the same operation run twice).
    for (const [key, e] of this.entries) {
      if (e.state === 'done') {
        this.entries.delete(key);
        return;
      }
    }
    throw new StoreUnavailableError(`MemoryStore is full: ${this.entries.size} operations in progress (maxSize ${this.maxSize})`);
  }

  /** Wakes a waiter at its deadline or when the pending claim's lock expires, whichever is first. */
  private arm(key: string, w: Waiter): void {
    const e = this.entries.get(key);
    const wakeAt = e && e.state === 'pending' ? Math.min(w.deadline, e.expiresAt) : w.deadline;
    w.timer = setTimeout(() => {
      const cur = this.live(key);
      const set = this.waiters.get(key);
      if (!set?.has(w)) return; // already notified by live()
      if (cur && cur.state === 'pending' && Date.now() < w.deadline) return this.arm(key, w);
      set.delete(w);
      if (set.size === 0) this.waiters.delete(key);
      w.resolve(cur?.state === 'done' ? { state: 'done', result: cur.result } : cur ? { state: 'timeout' } : { state: 'released' });
    }, Math.max(0, wakeAt - Date.now()));
    w.timer.unref?.();
  }

  private notify(key: string, r: WaitResult): void {
    const set = this.waiters.get(key);
    if (!set) return;
    this.waiters.delete(key);
    for (const w of set) {
      clearTimeout(w.timer);
      w.resolve(r);
    }
  }
}
