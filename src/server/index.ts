/**
 * `ackscope/server`: idempotent Socket.IO handlers. See docs/server.md.
 * Node only; no dependency on the extension.
 */
export { idempotent } from './idempotent.js';
export type { IdempotentOptions, IdempotentListener, IdempotencyWarning, WarningCode, DuplicateReply, SocketLike } from './idempotent.js';
export { MemoryStore } from './memory-store.js';
export type { MemoryStoreOptions } from './memory-store.js';
export { RedisStore } from './redis-store.js';
export type { RedisStoreOptions } from './redis-store.js';
export type { Store, ClaimResult, WaitResult, AckArgs } from './store.js';
export { IdempotencyError, StoreUnavailableError, defaultErrorAck } from './errors.js';
export type { IdempotencyErrorCode } from './errors.js';
export { defaultKey, DEFAULT_KEY_FIELDS, DEFAULT_MAX_KEY_LENGTH } from './keys.js';
export { SERVER_DEDUP_EVENT, SERVER_REPLAY_MARKER_KEY, DEFAULT_DEDUP_MARKERS } from '../core/protocol.js';
export type { ServerReplayMarker } from '../core/protocol.js';
