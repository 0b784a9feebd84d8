/**
 * Safe reading of `Preview.json` (issue 4): parse without throwing, bounded depth, no
 * prototype tricks; idempotency-key extraction and dedup-marker matching.
 *
 * Previews come from pages we do not control (and from imported files), so everything here
 * treats them as hostile: JSON.parse makes `__proto__` an own data property (harmless for
 * reads), and every path lookup below uses own properties only and refuses the
 * prototype-related segment names.
 */
import type { Preview, ServerReplayMarker } from './protocol';
import { DEFAULT_DEDUP_MARKERS, SERVER_REPLAY_MARKER_KEY } from './protocol';

export const DEFAULT_MAX_DEPTH = 64;
/** Larger texts are not parsed (the default preview limit is 16 KiB). */
export const MAX_PARSE_CHARS = 1024 * 1024;

/** Auto-detected idempotency key names, in priority order (issue 4). */
export const AUTO_KEY_NAMES = ['id', 'eventId', 'requestId', 'messageId', 'idempotencyKey', 'uuid', '_id'] as const;

const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** Nesting depth of a JSON text (brackets outside strings), stopping early past `limit`. */
function depthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inStr) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inStr = false;
    } else if (c === 34) inStr = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/**
 * Parse JSON text. Returns `undefined` for invalid, truncated, too deep or too large input.
 * Never throws.
 */
export function safeParse(text: unknown, maxDepth = DEFAULT_MAX_DEPTH): unknown {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_PARSE_CHARS) return undefined;
  // Nesting cannot exceed half the length: short texts need no scan.
  if (text.length > maxDepth * 2 && depthExceeds(text, maxDepth)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The args array of a preview, or undefined when the preview is cut, invalid or not an array. */
export function previewArgs(p: Preview | undefined | null, maxDepth = DEFAULT_MAX_DEPTH): unknown[] | undefined {
  if (!p || typeof p !== 'object' || typeof p.json !== 'string' || p.truncated) return undefined;
  const v = safeParse(p.json, maxDepth);
  return Array.isArray(v) ? v : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Own-property path lookup ("order.ref", "items.0.id"). Undefined when any segment is missing or forbidden. */
export function getPath(root: unknown, path: string): unknown {
  if (typeof path !== 'string' || path === '') return undefined;
  let cur: unknown = root;
  for (const seg of path.split('.')) {
    if (FORBIDDEN.has(seg) || cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** A usable key value: non-empty string or finite number, stringified. */
function keyValue(v: unknown): string | null {
  if (typeof v === 'string') return v.length > 0 && v.length <= 512 ? v : null;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

const LEADING_ID_RE = /^\[\{"id":(?:"([^"\\]{1,512})"|(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?))[,}]/;

/**
 * Fast path of `extractKey` for the most common shape, `[{"id":...` (socket.io encodes with
 * JSON.stringify: no whitespace, no duplicate keys, and `id` has the highest priority), without
 * parsing the payload. Returns null when the text does not start that way (then parse).
 */
export function leadingId(json: string): string | null {
  if (json.charCodeAt(2) !== 34 /* " */ || !json.startsWith('[{"id":')) return null;
  const m = LEADING_ID_RE.exec(json);
  if (!m) return null;
  if (m[1] !== undefined) return m[1];
  const n = Number(m[2]);
  return Number.isFinite(n) ? String(n) : null;
}

export interface KeyMatch {
  key: string;
  /** Path relative to the args array: "0.id", "0.order.id", or the configured path. */
  path: string;
  /** From a configured key path (links unconditionally) rather than auto-detection. */
  configured: boolean;
}

/** Quick text filter: could this JSON contain one of the auto key names as an object key? */
const AUTO_KEY_RE = new RegExp(`"(?:${AUTO_KEY_NAMES.join('|')})":`);
export function mayContainAutoKey(json: string): boolean {
  return AUTO_KEY_RE.test(json);
}

/**
 * Idempotency key of an emit's args (event name excluded).
 * Configured paths are relative to the first argument ("order.ref"); a path starting with a
 * digit and a dot ("1.ref") addresses another argument. Auto-detection looks at the first
 * argument's top level, then one level down, names in AUTO_KEY_NAMES order.
 */
export function extractKey(args: unknown[] | undefined, configuredPaths: readonly string[], auto: boolean): KeyMatch | null {
  if (!args || args.length === 0) return null;
  for (const p of configuredPaths) {
    const abs = /^\d+\./.test(p) ? p : `0.${p}`;
    const v = keyValue(getPath(args, abs));
    if (v !== null) return { key: v, path: abs, configured: true };
  }
  if (!auto) return null;
  const first = args[0];
  if (!isPlainObject(first)) return null;
  for (const k of AUTO_KEY_NAMES) {
    if (Object.prototype.hasOwnProperty.call(first, k)) {
      const v = keyValue(first[k]);
      if (v !== null) return { key: v, path: `0.${k}`, configured: false };
    }
  }
  for (const outer of Object.keys(first)) {
    if (FORBIDDEN.has(outer)) continue;
    const inner = first[outer];
    if (!isPlainObject(inner)) continue;
    for (const k of AUTO_KEY_NAMES) {
      if (Object.prototype.hasOwnProperty.call(inner, k)) {
        const v = keyValue(inner[k]);
        if (v !== null) return { key: v, path: `0.${outer}.${k}`, configured: false };
      }
    }
  }
  return null;
}

export type DedupMarkerSpec = string | Record<string, unknown>;

export interface MarkerMatch {
  /** What matched: "DUPLICATE", '{"status":"DUPLICATE"}', "ackscope-replay", ... */
  marker: string;
  /** Key carried by the server companion's replay marker. */
  replayKey?: string;
}

/** Deep subset match: every own key of `pattern` equals (recursively) in `v`. */
function subsetMatch(v: unknown, pattern: unknown, depth = 0): boolean {
  if (depth > 16) return false;
  if (pattern === null || typeof pattern !== 'object') return v === pattern;
  if (v === null || typeof v !== 'object' || Array.isArray(v) !== Array.isArray(pattern)) return false;
  for (const k of Object.keys(pattern)) {
    if (FORBIDDEN.has(k) || !Object.prototype.hasOwnProperty.call(v, k)) return false;
    if (!subsetMatch((v as Record<string, unknown>)[k], (pattern as Record<string, unknown>)[k], depth + 1)) return false;
  }
  return true;
}

function isReplayMarker(v: unknown): v is ServerReplayMarker {
  return isPlainObject(v) && v[SERVER_REPLAY_MARKER_KEY] === 'replay';
}

/**
 * Prepared matcher for ack previews. Cheap text pre-filter first (most acks contain none of
 * the marker words), then a real parse.
 */
export class DedupMatcher {
  private readonly strings: string[];
  private readonly objects: Record<string, unknown>[];
  private readonly needles: string[];

  constructor(extra: readonly DedupMarkerSpec[] = []) {
    this.strings = [...DEFAULT_DEDUP_MARKERS];
    this.objects = [{ status: 'DUPLICATE' }, { duplicate: true }];
    for (const m of extra) {
      if (typeof m === 'string' && m) this.strings.push(m);
      else if (isPlainObject(m)) this.objects.push(m);
    }
    const needles = new Set<string>([SERVER_REPLAY_MARKER_KEY, 'DUPLICATE', 'duplicate']);
    for (const s of this.strings) needles.add(JSON.stringify(s).slice(1, -1));
    for (const o of this.objects) for (const k of Object.keys(o)) needles.add(JSON.stringify(k).slice(1, -1));
    this.needles = [...needles];
  }

  /** Match an ack preview. Truncated previews fall back to the text (replay marker / leading string). */
  match(p: Preview | undefined | null): MarkerMatch | null {
    if (!p || typeof p.json !== 'string') return null;
    const text = p.json;
    let hit = false;
    for (const n of this.needles) {
      if (text.indexOf(n) >= 0) {
        hit = true;
        break;
      }
    }
    if (!hit) return null;
    const args = previewArgs(p);
    if (!args) {
      // Cut preview: only the unambiguous textual forms.
      for (const s of this.strings) if (text.startsWith(`[${JSON.stringify(s)}`) || text.startsWith(`[null,${JSON.stringify(s)}`)) return { marker: s };
      if (text.indexOf(`"${SERVER_REPLAY_MARKER_KEY}":"replay"`) >= 0) return { marker: 'ackscope-replay' };
      return null;
    }
    return this.matchArgs(args);
  }

  /** Match parsed ack args (first arg, or second when the first is null: error-first acks). */
  matchArgs(args: unknown[]): MarkerMatch | null {
    for (const a of args) {
      if (isReplayMarker(a)) return { marker: 'ackscope-replay', replayKey: typeof a.key === 'string' ? a.key : undefined };
    }
    const cands = args[0] === null && args.length > 1 ? [args[0], args[1]] : [args[0]];
    for (const c of cands) {
      if (typeof c === 'string' && this.strings.includes(c)) return { marker: c };
      if (isPlainObject(c)) for (const o of this.objects) if (subsetMatch(c, o)) return { marker: JSON.stringify(o) };
    }
    return null;
  }
}

/** Key of an `ackscope:dedup` incoming event (`[{key}]`), or null. */
export function dedupEventKey(p: Preview | undefined | null): string | null {
  const args = previewArgs(p);
  if (!args || !isPlainObject(args[0])) return null;
  const k = args[0].key;
  return typeof k === 'string' || typeof k === 'number' ? String(k) : null;
}
