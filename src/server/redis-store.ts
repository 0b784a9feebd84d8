import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { decodeResult, encodeResult } from './codec.js';
import { StoreUnavailableError } from './errors.js';
import type { AckArgs, ClaimResult, Store, WaitResult } from './store.js';

export interface RedisStoreOptions {
  /**
   * Where Redis is: a `redis://` URL, ioredis options, or an ioredis client (the store
   * duplicates it with its own settings and never touches the original). Default
   * 127.0.0.1:6379.
   */
  redis?: string | RedisOptions | Redis;
  /** Prefix of every key and channel. Default `ackscope:idem:`. */
  prefix?: string;
  /** Waiting duplicates also poll this often (pub/sub is the fast path). Default 250 ms. */
  pollMs?: number;
  /** Until Redis has been reached once, a command waits this long for it. Default 5 s. */
  connectTimeoutMs?: number;
  /** A command that gets no reply in this time fails. Default 5 s. */
  commandTimeoutMs?: number;
  /**
   * Connection errors (ioredis `error` events), reported once per outage.
   * Default: `console.warn`.
   */
  onError?: (err: Error) => void;
}

// Stored values: "p:<token>" while in progress, "d:<json ack args>" when done.
const PENDING = 'p:';
const DONE = 'd:';
const RELEASED_MSG = 'r';

// Only the owner (token) may finish or free a claim; publishing from the script makes the
// notification atomic with the write.
const COMPLETE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  redis.call('PUBLISH', ARGV[4], ARGV[2])
  return 1
end
return 0`;
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], '${RELEASED_MSG}')
  return 1
end
return 0`;

interface ScriptClient {
  ackscopeComplete(key: string, owner: string, value: string, ttlMs: number, channel: string): Promise<number>;
  ackscopeRelease(key: string, owner: string, channel: string): Promise<number>;
}

/**
 * Redis-backed store shared by several server processes. The claim is `SET key NX PX`,
 * the result is kept with the same TTL, waiting duplicates are woken by pub/sub (with
 * polling as a safety net). The offline queue is disabled so an unreachable Redis makes
 * commands fail at once instead of piling up.
 */
export class RedisStore implements Store {
  readonly prefix: string;
  private readonly client: Redis;
  private sub: Redis | undefined;
  private subReady: Promise<Redis> | undefined;
  private readonly listeners = new Map<string, Set<(msg: string) => void>>();
  private readonly pollMs: number;
  private readonly connectTimeoutMs: number;
  private readonly onError: (err: Error) => void;
  private readonly everReady = new WeakSet<Redis>();
  private readonly reported = new WeakSet<Redis>();
  private closed = false;

  /** `new RedisStore(url)` and `new RedisStore(ioredisClient)` are shorthands for `{ redis: … }`. */
  constructor(options: RedisStoreOptions | string | Redis = {}) {
    if (typeof options === 'string' || options instanceof Redis) options = { redis: options };
    if (typeof options !== 'object' || options === null) throw new TypeError(`RedisStore: options must be an object, a URL or an ioredis client, got ${String(options)}`);
    this.prefix = options.prefix ?? 'ackscope:idem:';
    this.pollMs = positive('pollMs', options.pollMs ?? 250);
    this.connectTimeoutMs = positive('connectTimeoutMs', options.connectTimeoutMs ?? 5000);
    const commandTimeout = positive('commandTimeoutMs', options.commandTimeoutMs ?? 5000);
    this.onError = options.onError ?? ((err) => console.warn(`[ackscope/server] Redis: ${err.message}`));
    const own: RedisOptions = {
      enableOfflineQueue: false,
      // In-flight commands fail on a dropped connection rather than being re-sent later.
      maxRetriesPerRequest: 0,
      commandTimeout,
      connectTimeout: this.connectTimeoutMs,
    };
    const r = options.redis;
    if (r instanceof Redis) this.client = r.duplicate(own);
    else if (typeof r === 'string') this.client = new Redis(r, own);
    else if (r === undefined || (typeof r === 'object' && r !== null)) this.client = new Redis({ ...(r ?? {}), ...own });
    else throw new TypeError(`RedisStore: redis must be a URL, ioredis options or an ioredis client, got ${typeof r}`);
    this.watch(this.client);
    this.client.defineCommand('ackscopeComplete', { numberOfKeys: 1, lua: COMPLETE_LUA });
    this.client.defineCommand('ackscopeRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
  }

  async claim(key: string, lockMs: number): Promise<ClaimResult> {
    const k = this.prefix + key;
    await this.ready(this.client);
    // SET NX then GET: a key that expires between the two is claimed on the next turn.
    for (let i = 0; i < 3; i++) {
      const token = randomUUID();
      const ok = await this.run(() => this.client.set(k, PENDING + token, 'PX', Math.max(1, Math.ceil(lockMs)), 'NX'));
      if (ok === 'OK') return { state: 'claimed', token };
      const cur = await this.run(() => this.client.get(k));
      if (cur === null) continue;
      const s = parseValue(cur);
      if (s.state === 'done') return s;
      return { state: 'pending' };
    }
    throw new StoreUnavailableError(`Redis key ${k} changed state repeatedly during claim`);
  }

  async complete(key: string, token: string, result: AckArgs, ttlMs: number): Promise<boolean> {
    const value = DONE + encodeResult(result);
    await this.ready(this.client);
    const c = this.client as unknown as ScriptClient;
    const n = await this.run(() => c.ackscopeComplete(this.prefix + key, PENDING + token, value, Math.max(1, Math.ceil(ttlMs)), this.channel(key)));
    return n === 1;
  }

  async release(key: string, token: string): Promise<boolean> {
    await this.ready(this.client);
    const c = this.client as unknown as ScriptClient;
    const n = await this.run(() => c.ackscopeRelease(this.prefix + key, PENDING + token, this.channel(key)));
    return n === 1;
  }

  async wait(key: string, timeoutMs: number): Promise<WaitResult> {
    const k = this.prefix + key;
    const channel = this.channel(key);
    const deadline = Date.now() + timeoutMs;
    let wake: (() => void) | undefined;
    let msg: string | undefined;
    const onMsg = (m: string) => {
      msg = m;
      wake?.();
    };
    await this.subscribe(channel, onMsg);
    try {
      // Subscribed first, then read: a completion published in between is not missed.
      for (;;) {
        if (msg !== undefined) {
          if (msg === RELEASED_MSG) return { state: 'released' };
          const s = parseValue(msg);
          if (s.state === 'done') return s;
          msg = undefined;
        }
        const cur = await this.run(() => this.client.get(k));
        if (cur === null) return { state: 'released' };
        const s = parseValue(cur);
        if (s.state === 'done') return s;
        const left = deadline - Date.now();
        if (left <= 0 || this.closed) return { state: 'timeout' };
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, Math.min(this.pollMs, left));
          t.unref?.();
          function done() {
            clearTimeout(t);
            wake = undefined;
            resolve();
          }
          wake = done;
          if (msg !== undefined) done();
        });
      }
    } finally {
      await this.unsubscribe(channel, onMsg);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const conns = [this.client, this.sub].filter((c): c is Redis => c !== undefined);
    await Promise.all(
      conns.map(async (c) => {
        if (c.status === 'ready') {
          try {
            await c.quit();
            return;
          } catch {
            /* fall through to a hard disconnect */
          }
        }
        c.disconnect();
      }),
    );
  }

  private channel(key: string): string {
    return this.prefix + 'done:' + key;
  }

  private watch(c: Redis): void {
    c.on('ready', () => {
      this.everReady.add(c);
      this.reported.delete(c);
    });
    // Without an 'error' listener ioredis would print every reconnect failure.
    c.on('error', (err: Error) => {
      if (this.reported.has(c) || this.closed) return;
      this.reported.add(c);
      this.onError(err);
    });
  }

  /**
   * Waits for the very first connection (bounded); after that, a disconnected client fails
   * at once so an outage is reported per event instead of stalling handlers.
   */
  private async ready(c: Redis): Promise<void> {
    if (this.closed) throw new StoreUnavailableError('RedisStore is closed');
    if (c.status === 'ready') return;
    if (this.everReady.has(c) || c.status === 'end') {
      throw new StoreUnavailableError(`Redis is not connected (status: ${c.status})`);
    }
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        cleanup();
        reject(new StoreUnavailableError(`Redis not reachable within ${this.connectTimeoutMs} ms (status: ${c.status})`));
      }, this.connectTimeoutMs);
      t.unref?.();
      const onReady = () => {
        cleanup();
        resolve();
      };
      const cleanup = () => {
        clearTimeout(t);
        c.off('ready', onReady);
      };
      c.on('ready', onReady);
    });
  }

  private async run<T>(cmd: () => Promise<T>): Promise<T> {
    try {
      return await cmd();
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw err;
      throw new StoreUnavailableError(`Redis command failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
  }

  private async subscriber(): Promise<Redis> {
    if (!this.subReady) {
      const sub = this.client.duplicate();
      this.sub = sub;
      this.watch(sub);
      sub.on('message', (channel: string, message: string) => {
        const set = this.listeners.get(channel);
        if (set) for (const fn of set) fn(message);
      });
      this.subReady = this.ready(sub).then(() => sub);
      // A failed first connection is retried by the next waiter.
      this.subReady.catch(() => {
        if (this.sub === sub && !this.everReady.has(sub)) {
          this.subReady = undefined;
          this.sub = undefined;
          sub.disconnect();
        }
      });
    }
    return this.subReady;
  }

  private async subscribe(channel: string, fn: (msg: string) => void): Promise<void> {
    const sub = await this.subscriber();
    await this.ready(sub);
    let set = this.listeners.get(channel);
    if (!set) {
      this.listeners.set(channel, (set = new Set()));
      set.add(fn);
      try {
        await this.run(() => sub.subscribe(channel));
      } catch (err) {
        set.delete(fn);
        if (set.size === 0) this.listeners.delete(channel);
        throw err;
      }
      return;
    }
    set.add(fn);
  }

  private async unsubscribe(channel: string, fn: (msg: string) => void): Promise<void> {
    const set = this.listeners.get(channel);
    if (!set) return;
    set.delete(fn);
    if (set.size > 0) return;
    this.listeners.delete(channel);
    if (this.sub?.status === 'ready' && !this.closed) {
      // Best effort: a failed unsubscribe only costs unused messages.
      await this.sub.unsubscribe(channel).catch(() => undefined);
    }
  }
}

function parseValue(v: string): ClaimResult & { state: 'pending' | 'done' } {
  if (v.startsWith(DONE)) {
    try {
      return { state: 'done', result: decodeResult(v.slice(DONE.length)) };
    } catch (err) {
      throw new StoreUnavailableError(`stored result is not readable: ${(err as Error).message}`, { cause: err });
    }
  }
  if (v.startsWith(PENDING)) return { state: 'pending' };
  throw new StoreUnavailableError(`unexpected value in Redis under an ackscope key: ${JSON.stringify(v.slice(0, 40))}`);
}

function positive(name: string, v: number): number {
  if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new TypeError(`RedisStore: ${name} must be a positive number, got ${String(v)}`);
  return v;
}
