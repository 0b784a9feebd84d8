/**
 * The storage contract behind `idempotent()`. Implement it to plug in another database.
 *
 * One key moves through: absent → pending (claimed, with an owner token) → done (result
 * kept for ttlMs) → absent. A pending claim may also go back to absent (release) when its
 * execution failed, or expire after `lockMs`.
 *
 * Every method may reject; `idempotent()` treats a rejection as "store unavailable" and
 * applies its `storeFailure` policy.
 */

/** Ack arguments of a finished execution (what its ack function was called with). */
export type AckArgs = unknown[];

export type ClaimResult =
  /** The caller owns the key and must run the work, then `complete` or `release` it. */
  | { state: 'claimed'; token: string }
  /** Another execution holds the key and has not finished. */
  | { state: 'pending' }
  /** The key already finished within its TTL; `result` is its ack arguments. */
  | { state: 'done'; result: AckArgs };

export type WaitResult =
  | { state: 'done'; result: AckArgs }
  /** The key is free again (the execution failed and released it, or it expired). */
  | { state: 'released' }
  /** Still pending after the wait. */
  | { state: 'timeout' };

export interface Store {
  /**
   * Atomically claim `key` if absent (pending for at most `lockMs`), otherwise report its
   * state. Must be atomic across every process sharing the store.
   */
  claim(key: string, lockMs: number): Promise<ClaimResult>;
  /** Store the result for `ttlMs` if `token` still owns the key. Resolves false otherwise. */
  complete(key: string, token: string, result: AckArgs, ttlMs: number): Promise<boolean>;
  /** Free the key if `token` still owns it (failed execution). Resolves false otherwise. */
  release(key: string, token: string): Promise<boolean>;
  /** Wait until a pending key is done or released, at most `timeoutMs`. */
  wait(key: string, timeoutMs: number): Promise<WaitResult>;
  /** Stop timers and connections. Pending waits resolve `timeout`. Idempotent. */
  close(): Promise<void>;
}
