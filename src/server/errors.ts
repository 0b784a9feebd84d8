/**
 * Error codes `idempotent()` acks with, and the error raised by stores when the backing
 * database cannot be reached.
 */

export type IdempotencyErrorCode =
  /** A duplicate waited `waitMs` and the first execution had still not finished. */
  | 'ACKSCOPE_IN_PROGRESS'
  /** The store (e.g. Redis) failed and `storeFailure` is 'closed' (the default). */
  | 'ACKSCOPE_STORE_UNAVAILABLE'
  /** The extracted key is not a non-empty string or a finite number. */
  | 'ACKSCOPE_INVALID_KEY'
  /** `scope(socket)` did not return a non-empty string or a finite number. */
  | 'ACKSCOPE_INVALID_SCOPE'
  /** The handler threw / rejected before acking; the key was released. */
  | 'ACKSCOPE_HANDLER_FAILED';

/** Error value handed to `errorAck`; `key` is the client's idempotency key when known. */
export class IdempotencyError extends Error {
  readonly code: IdempotencyErrorCode;
  readonly key: string | undefined;
  constructor(code: IdempotencyErrorCode, message: string, key?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdempotencyError';
    this.code = code;
    this.key = key;
  }
}

/** Thrown (rejected) by stores when the database is unreachable or answered with an error. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Default error ack: one plain object, so `emitWithAck` resolves with it and error-first
 * callbacks (`ackTimeout` set) see it as the error argument.
 * `{ error: { code, message, key? } }`
 */
export function defaultErrorAck(err: IdempotencyError): unknown[] {
  const error: { code: IdempotencyErrorCode; message: string; key?: string } = { code: err.code, message: err.message };
  if (err.key !== undefined) error.key = err.key;
  return [{ error }];
}
