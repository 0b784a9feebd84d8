import { createHash } from 'node:crypto';

/** Fields read by the default key extractor, in this order, from the first argument. */
export const DEFAULT_KEY_FIELDS = ['id', 'eventId', 'requestId', 'idempotencyKey'] as const;

/** Keys longer than this (characters) are replaced by `sha256:<hex>` of their text. */
export const DEFAULT_MAX_KEY_LENGTH = 200;

/** Default `key` option: `args[0].id ?? eventId ?? requestId ?? idempotencyKey`. */
export function defaultKey(args: readonly unknown[]): unknown {
  const first = args[0];
  if (first === null || typeof first !== 'object') return undefined;
  const rec = first as Record<string, unknown>;
  for (const f of DEFAULT_KEY_FIELDS) {
    const v = rec[f];
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

export function sha256(text: string): string {
  return 'sha256:' + createHash('sha256').update(text).digest('hex');
}

/**
 * Normalises a key part (client key or scope) to a bounded string, or returns undefined when
 * it is not a non-empty string / finite number. 5 and "5" are the same key.
 */
export function normaliseKeyPart(v: unknown, maxLength: number): string | undefined {
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' && Number.isFinite(v)) s = String(v);
  else return undefined;
  if (s.length === 0) return undefined;
  return s.length > maxLength ? sha256(s) : s;
}

/** Short description of a bad key for error messages, without echoing the value. */
export function describeBadKey(v: unknown): string {
  if (typeof v === 'string') return 'an empty string';
  if (typeof v === 'number') return `the number ${String(v)}`;
  if (Array.isArray(v)) return 'an array';
  return v === null ? 'null' : `a value of type ${typeof v}`;
}

/**
 * Store key: event name, optional scope and client key, JSON-encoded so that no choice of
 * parts can collide with another (":" in an event name cannot forge a scope).
 */
export function storeKey(event: string, scope: string | undefined, clientKey: string): string {
  return JSON.stringify(scope === undefined ? [event, clientKey] : [event, scope, clientKey]);
}
