import { DEFAULT_DEDUP_MARKERS, SERVER_DEDUP_EVENT, SERVER_REPLAY_MARKER_KEY, type ServerReplayMarker } from '../core/protocol.js';
import { defaultErrorAck, IdempotencyError, type IdempotencyErrorCode } from './errors.js';
import { DEFAULT_MAX_KEY_LENGTH, defaultKey, describeBadKey, normaliseKeyPart, storeKey } from './keys.js';
import type { AckArgs, ClaimResult, Store } from './store.js';

/** What `idempotent()` needs from a Socket.IO server socket (only for `scope` and `notifyClient`). */
export interface SocketLike {
  emit(event: string, ...args: unknown[]): unknown;
}

export type DuplicateReply = 'replay' | 'marker' | ((key: string, firstResult: AckArgs) => unknown[] | unknown);

export type WarningCode =
  /** No key in the payload: the handler ran without deduplication. */
  | 'missing-key'
  /** The key was not a non-empty string / finite number (or `key()` threw): error ack, handler not run. */
  | 'invalid-key'
  /** `scope(socket)` gave no usable value (or threw): error ack, handler not run. */
  | 'invalid-scope'
  /** The store failed; what happened next depends on `storeFailure`. */
  | 'store-unavailable'
  /** A duplicate waited `waitMs` for a still-running first execution: in-progress error ack. */
  | 'in-progress'
  /** The handler threw / rejected before acking: key released, error ack. */
  | 'handler-failed'
  /** The handler threw / rejected after it had acked: the result stands. */
  | 'handler-failed-after-ack'
  /** The result could not be stored (store failure, or another owner took the key after `lockMs`). */
  | 'result-not-stored'
  /** A failed execution's key could not be released; it stays in progress until `lockMs`. */
  | 'release-failed'
  /** The custom `onDuplicate` function threw: error ack. */
  | 'duplicate-reply-failed'
  /** Something else threw (errorAck, retryableAck, the ack function): logged, never rethrown. */
  | 'internal-error';

export interface IdempotencyWarning {
  code: WarningCode;
  /** The `event` option. */
  event: string;
  /** The client's idempotency key (normalised, hashed when huge) when known. */
  key?: string;
  message: string;
  error?: unknown;
}

export interface IdempotentOptions {
  /** Where claims and results live: `new MemoryStore()`, `new RedisStore()`, or your own `Store`. */
  store: Store;
  /** The event name this handler is registered for; part of every key. */
  event: string;
  /** Extracts the idempotency key from the event arguments (ack function excluded). Default: `args[0].id ?? eventId ?? requestId ?? idempotencyKey`. */
  key?: (args: unknown[]) => unknown;
  /** Extra key scope from the socket (e.g. the authenticated user id) so clients cannot collide with each other's keys. */
  scope?: (socket: SocketLike) => unknown;
  /** How long a finished result is kept and replayed. Default 24 h. */
  ttlMs?: number;
  /** How long a claim may stay in progress (handler never acked, or process died). Default `ttlMs`. */
  lockMs?: number;
  /** How long a duplicate waits for a running first execution. Default 10 s. 0 = do not wait. */
  waitMs?: number;
  /** Reply to a duplicate. Default 'replay'. */
  onDuplicate?: DuplicateReply;
  /** Ack value used by `onDuplicate: 'marker'`. Default 'DUPLICATE'. */
  marker?: unknown;
  /** Classifies an ack as a retryable failure: its key is released instead of stored. */
  retryableAck?: (ackArgs: AckArgs) => boolean;
  /** Also emit `ackscope:dedup` `{ key, event }` to the socket on every deduplicated delivery. Default false. */
  notifyClient?: boolean;
  /** Store down: 'closed' (default) acks ACKSCOPE_STORE_UNAVAILABLE; 'open' runs the handler without deduplication. */
  storeFailure?: 'closed' | 'open';
  /** Keys (and scopes) longer than this are replaced by `sha256:<hex>`. Default 200. */
  maxKeyLength?: number;
  /** Builds the ack arguments for an error. Default `[{ error: { code, message, key } }]`. */
  errorAck?: (err: IdempotencyError) => unknown[];
  /** Called for every warning. Default: `console.warn`. */
  onWarning?: (w: IdempotencyWarning) => void;
}

/**
 * Socket.IO listener returned by `idempotent()`. Resolves once the handler has returned and
 * any ack it made by then has been stored and sent; never rejects.
 */
export type IdempotentListener = (this: unknown, ...args: unknown[]) => Promise<void>;

type AnyHandler = (this: any, ...args: any[]) => unknown;

const DAY = 24 * 60 * 60 * 1000;

/**
 * Wraps a Socket.IO event handler `(payload, ..., ack)` so that its side effect runs at
 * most once per key within `ttlMs`, however many times the client delivers it. Register the
 * result with `socket.on(event, ...)`; it must be called with `this` = the socket (as
 * Socket.IO does) when `scope` or `notifyClient` is used.
 */
export function idempotent(handler: AnyHandler, options: IdempotentOptions): IdempotentListener {
  const o = validate(handler, options);

  return function idempotentListener(this: unknown, ...args: unknown[]): Promise<void> {
    // Socket.IO ignores the returned promise: a rejection would be an unhandled rejection
    // (fatal in Node 20), so every failure, including in user callbacks, ends as a warning.
    return handle.call(this, args).catch((err: unknown) => {
      try {
        o.onWarning({ code: 'internal-error', event: o.event, message: `idempotent listener failed: ${errMessage(err)}`, error: err });
      } catch {
        /* nothing left to report to */
      }
    });
  };

  async function handle(this: unknown, args: unknown[]): Promise<void> {
    const self = this;
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (...a: unknown[]) => void) : undefined;
    const socket = isSocket(self) ? self : undefined;
    const warn = (code: WarningCode, message: string, key?: string, error?: unknown) => {
      const w: IdempotencyWarning = { code, event: o.event, message };
      if (key !== undefined) w.key = key;
      if (error !== undefined) w.error = error;
      try {
        o.onWarning(w);
      } catch {
        /* a failing logger must not break the handler */
      }
    };
    const ackError = (code: IdempotencyErrorCode, message: string, key?: string) => {
      if (ack) ack(...o.errorAck(new IdempotencyError(code, message, key)));
    };

    // Runs the handler without deduplication (no key, or store down with storeFailure 'open').
    const runPlain = async () => {
      let acked = false;
      const a = ack && ((...res: unknown[]) => {
        if (acked) return;
        acked = true;
        ack(...res);
      });
      try {
        await handler.apply(self, a ? [...args, a] : args);
      } catch (err) {
        warn(acked ? 'handler-failed-after-ack' : 'handler-failed', `handler failed: ${errMessage(err)}`, undefined, err);
        if (!acked) {
          acked = true;
          ackError('ACKSCOPE_HANDLER_FAILED', 'the handler failed; the operation may be retried');
        }
      }
    };

    let rawKey: unknown;
    try {
      rawKey = o.key(args);
    } catch (err) {
      warn('invalid-key', `key() threw: ${errMessage(err)}`, undefined, err);
      return ackError('ACKSCOPE_INVALID_KEY', 'could not extract an idempotency key');
    }
    if (rawKey === undefined || rawKey === null) {
      warn('missing-key', 'no idempotency key in the payload; handled without deduplication');
      return runPlain();
    }
    const key = normaliseKeyPart(rawKey, o.maxKeyLength);
    if (key === undefined) {
      const what = describeBadKey(rawKey);
      warn('invalid-key', `idempotency key is ${what}; expected a non-empty string or a finite number`);
      return ackError('ACKSCOPE_INVALID_KEY', `idempotency key must be a non-empty string or a finite number, got ${what}`);
    }
    let scope: string | undefined;
    if (o.scope) {
      let raw: unknown;
      try {
        if (!socket) throw new TypeError('listener was not called with a socket as `this`');
        raw = o.scope(socket);
      } catch (err) {
        warn('invalid-scope', `scope() failed: ${errMessage(err)}`, key, err);
        return ackError('ACKSCOPE_INVALID_SCOPE', 'could not determine the key scope', key);
      }
      scope = normaliseKeyPart(raw, o.maxKeyLength);
      if (scope === undefined) {
        warn('invalid-scope', `scope() returned ${describeBadKey(raw)}; expected a non-empty string or a finite number`, key);
        return ackError('ACKSCOPE_INVALID_SCOPE', 'could not determine the key scope', key);
      }
    }
    const sk = storeKey(o.event, scope, key);

    const storeDown = (err: unknown) => {
      warn('store-unavailable', `store failed (${o.storeFailure === 'open' ? 'running the handler without deduplication' : 'rejected'}): ${errMessage(err)}`, key, err);
      if (o.storeFailure === 'open') return runPlain();
      ackError('ACKSCOPE_STORE_UNAVAILABLE', 'deduplication store unavailable; retry later', key);
    };

    const duplicate = (result: AckArgs) => {
      if (o.notifyClient && socket) socket.emit(SERVER_DEDUP_EVENT, { key, event: o.event });
      if (!ack) return;
      if (o.onDuplicate === 'replay') {
        const marker: ServerReplayMarker = { [SERVER_REPLAY_MARKER_KEY]: 'replay', key };
        return ack(...result, marker);
      }
      if (o.onDuplicate === 'marker') return ack(o.marker);
      let out: unknown;
      try {
        out = o.onDuplicate(key, result);
      } catch (err) {
        warn('duplicate-reply-failed', `onDuplicate threw: ${errMessage(err)}`, key, err);
        return ackError('ACKSCOPE_HANDLER_FAILED', 'could not build the duplicate reply', key);
      }
      ack(...(Array.isArray(out) ? out : [out]));
    };

    const execute = async (token: string) => {
      let settled = false;
      let finished: Promise<void> = Promise.resolve();
      const finish = async (res: AckArgs, forward: boolean) => {
        let retryable = false;
        try {
          retryable = o.retryableAck?.(res) === true;
        } catch (err) {
          warn('internal-error', `retryableAck threw (ack treated as final): ${errMessage(err)}`, key, err);
        }
        if (retryable) {
          await store(() => o.store.release(sk, token), 'release-failed', 'could not release the key after a retryable ack');
        } else {
          await store(() => o.store.complete(sk, token, res, o.ttlMs), 'result-not-stored', 'result not stored; duplicates will get an in-progress error until lockMs');
        }
        if (forward && ack) ack(...res);
      };
      const store = async (op: () => Promise<boolean>, code: WarningCode, message: string) => {
        try {
          if (!(await op())) warn(code, `${message} (the claim was no longer ours: lockMs passed?)`, key);
        } catch (err) {
          warn(code, `${message}: ${errMessage(err)}`, key, err);
        }
      };
      const wrappedAck = (...res: unknown[]) => {
        if (settled) return;
        settled = true;
        // The handler may ack after it returned: nobody awaits this then, so it must not reject.
        finished = finish(res, true).catch((err) => warn('internal-error', `ack failed: ${errMessage(err)}`, key, err));
      };
      try {
        await handler.apply(self, ack ? [...args, wrappedAck] : args);
      } catch (err) {
        if (settled) {
          warn('handler-failed-after-ack', `handler failed after acking: ${errMessage(err)}`, key, err);
          return finished;
        }
        settled = true;
        warn('handler-failed', `handler failed, key released: ${errMessage(err)}`, key, err);
        await store(() => o.store.release(sk, token), 'release-failed', 'could not release the key after a failure');
        return ackError('ACKSCOPE_HANDLER_FAILED', 'the handler failed; the operation may be retried', key);
      }
      // No ack requested: the execution is complete when the handler has returned.
      if (!ack && !settled) {
        settled = true;
        finished = finish([], false).catch((err) => warn('internal-error', `completion failed: ${errMessage(err)}`, key, err));
      }
      // With an ack function the key stays in progress until the handler acks (or lockMs).
      return finished;
    };

    const deadline = Date.now() + o.waitMs;
    for (;;) {
      let c: ClaimResult;
      try {
        c = await o.store.claim(sk, o.lockMs);
      } catch (err) {
        return storeDown(err);
      }
      if (c.state === 'claimed') return execute(c.token);
      if (c.state === 'done') return duplicate(c.result);
      const left = deadline - Date.now();
      if (left > 0) {
        let w;
        try {
          w = await o.store.wait(sk, left);
        } catch (err) {
          return storeDown(err);
        }
        if (w.state === 'done') return duplicate(w.result);
        if (w.state === 'released') continue; // the first execution failed: this delivery may run it
      }
      warn('in-progress', `duplicate still in progress after waiting ${o.waitMs} ms`, key);
      if (o.notifyClient && socket) socket.emit(SERVER_DEDUP_EVENT, { key, event: o.event });
      return ackError('ACKSCOPE_IN_PROGRESS', 'an operation with this key is still in progress; retry later', key);
    }
  }
}

interface Resolved {
  store: Store;
  event: string;
  key: (args: unknown[]) => unknown;
  scope: ((socket: SocketLike) => unknown) | undefined;
  ttlMs: number;
  lockMs: number;
  waitMs: number;
  onDuplicate: DuplicateReply;
  marker: unknown;
  retryableAck: ((a: AckArgs) => boolean) | undefined;
  notifyClient: boolean;
  storeFailure: 'closed' | 'open';
  maxKeyLength: number;
  errorAck: (err: IdempotencyError) => unknown[];
  onWarning: (w: IdempotencyWarning) => void;
}

function validate(handler: unknown, options: IdempotentOptions): Resolved {
  const bad = (msg: string): never => {
    throw new TypeError(`idempotent(): ${msg}`);
  };
  if (typeof handler !== 'function') bad(`handler must be a function, got ${typeof handler}`);
  if (!options || typeof options !== 'object') bad('options are required: { store, event }');
  const s = options.store as Partial<Store> | undefined;
  if (!s || typeof s.claim !== 'function' || typeof s.complete !== 'function' || typeof s.release !== 'function' || typeof s.wait !== 'function') {
    bad('options.store must be a Store (e.g. new MemoryStore())');
  }
  if (typeof options.event !== 'string' || options.event.length === 0) bad('options.event must be the (non-empty) event name the handler is registered for');
  const ms = (name: string, v: unknown, def: number, min: number) => {
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) bad(`options.${name} must be a finite number >= ${min}, got ${String(v)}`);
    return v as number;
  };
  const ttlMs = ms('ttlMs', options.ttlMs, DAY, 1);
  const lockMs = ms('lockMs', options.lockMs, ttlMs, 1);
  const waitMs = ms('waitMs', options.waitMs, 10_000, 0);
  const maxKeyLength = ms('maxKeyLength', options.maxKeyLength, DEFAULT_MAX_KEY_LENGTH, 16);
  const onDuplicate = options.onDuplicate ?? 'replay';
  if (onDuplicate !== 'replay' && onDuplicate !== 'marker' && typeof onDuplicate !== 'function') {
    bad(`options.onDuplicate must be 'replay', 'marker' or a function, got ${JSON.stringify(onDuplicate)}`);
  }
  const storeFailure = options.storeFailure ?? 'closed';
  if (storeFailure !== 'closed' && storeFailure !== 'open') bad(`options.storeFailure must be 'closed' or 'open', got ${JSON.stringify(storeFailure)}`);
  for (const f of ['key', 'scope', 'retryableAck', 'errorAck', 'onWarning'] as const) {
    if (options[f] !== undefined && typeof options[f] !== 'function') bad(`options.${f} must be a function`);
  }
  return {
    store: options.store,
    event: options.event,
    key: options.key ?? defaultKey,
    scope: options.scope,
    ttlMs,
    lockMs,
    waitMs,
    onDuplicate,
    marker: 'marker' in options ? options.marker : DEFAULT_DEDUP_MARKERS[0],
    retryableAck: options.retryableAck,
    notifyClient: options.notifyClient ?? false,
    storeFailure,
    maxKeyLength,
    errorAck: options.errorAck ?? defaultErrorAck,
    onWarning: options.onWarning ?? ((w) => console.warn(`[ackscope/server] ${w.event}${w.key !== undefined ? ` [${w.key}]` : ''}: ${w.message}`)),
  };
}

function isSocket(v: unknown): v is SocketLike {
  return typeof v === 'object' && v !== null && typeof (v as SocketLike).emit === 'function';
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
