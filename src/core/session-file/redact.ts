/**
 * Export-time redaction. Credentials the hook never stores (auth, token-like query values) are
 * not in records at all; this removes secrets that travelled *inside event payloads and acks*
 * (previews) and in URLs/messages, before a file leaves the machine.
 *
 * `redactRecords` is the single code path: `previewRedaction` runs it and returns only the
 * list of what would be removed, so the preview the user sees is exactly what export does.
 */
import type { Preview, Rec } from '../protocol';
import { canonicalHash } from '../hash';
import { safeParse } from '../preview';
import type { RedactionPolicy, SessionFile } from './schema';

/** Replacement in URLs (as the hook writes it). Values in previews get `[redacted:xxxxxxxx]`, see `mask`. */
export const REDACTED = '[redacted]';

/** A value this module (or the hook) replaced: `[redacted]` or `[redacted:<8 hex>]`. */
export function isRedacted(v: unknown): boolean {
  return typeof v === 'string' && /^\[redacted(:[0-9a-f]{8})?\]$/.test(v);
}

/**
 * Default key names. A key matches when its normalized form (lower case, `-`/`_`/`.`/spaces
 * removed) contains one of these; names shorter than 5 characters must match exactly (so
 * `auth` hits `auth`/`Auth` but not `author`).
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'token',
  'secret',
  'authorization',
  'auth',
  'cookie',
  'apikey',
  'accesskey',
  'privatekey',
  'credential',
  'sessionid',
  'otp',
  'cvv',
  'ssn',
];

export const DEFAULT_REDACTION_POLICY: RedactionPolicy = { keys: [...DEFAULT_REDACT_KEYS], keyPaths: [], patterns: [] };
/** Policy that removes nothing (an explicit user choice; recorded in the file as applied: false). */
export const NO_REDACTION: RedactionPolicy = { keys: [], keyPaths: [], patterns: [] };

/** Query parameters whose values are replaced in every URL (mirrors the hook's rule). */
const TOKENISH_QUERY = /(token|secret|key|auth|pass|pwd|session|sig|signature|jwt|bearer|code|credential)/i;

export interface RedactionItem {
  /** Index of the session in the file. */
  session: number;
  /** Record key `frame#seq`. */
  record: string;
  kind: Rec['kind'];
  /** Field of the record: `args` (preview), `url`, `reason`, `message`... */
  field: string;
  /** Path inside the preview's argument array (`0.user.password`), or '' for a whole string field. */
  path: string;
  /** Which rule matched: `key:password`, `path:0.card`, `pattern:\d{16}`, `query:token`, `cut-preview`. */
  rule: string;
  /** Start of the removed value (for the preview dialog; never written to the file). */
  sample: string;
}

export interface CompiledPolicy {
  policy: RedactionPolicy;
  /** Random per export; never written. */
  salt: string;
  /**
   * Replacement for a redacted value: `[redacted:<8 hex>]`, a digest of the value keyed with the
   * salt. Equal values get equal replacements, so an idempotency key that is also a "token" still
   * links the same operations (a constant would merge unrelated ones); without the salt the
   * digest cannot be brute-forced back to the value.
   */
  mask(v: unknown): string;
  keyTest: (key: string) => string | null;
  paths: string[][];
  patterns: Array<{ source: string; re: RegExp }>;
}

function norm(k: string): string {
  return k.toLowerCase().replace(/[-_.\s]/g, '');
}

/** Check a policy and compile it. Throws an Error naming the bad regular expression. */
export function compilePolicy(policy: RedactionPolicy, salt: string = randomSalt()): CompiledPolicy {
  const exact = new Set<string>();
  const contains: string[] = [];
  for (const k of policy.keys) {
    const n = norm(k);
    if (!n) continue;
    if (n.length < 5) exact.add(n);
    else contains.push(n);
  }
  const keyTest = (key: string): string | null => {
    const n = norm(key);
    if (exact.has(n)) return n;
    for (const c of contains) if (n.includes(c)) return c;
    return null;
  };
  const patterns = policy.patterns
    .filter((p) => p.length > 0)
    .map((source) => {
      // "/body/flags" lets users add flags such as i; a bare pattern gets "gu".
      const m = /^\/(.+)\/([dgimsuvy]*)$/s.exec(source);
      const flags = [...new Set(((m ? m[2] : 'u') + 'g').split(''))].join('');
      try {
        return { source, re: new RegExp(m ? m[1] : source, flags) };
      } catch (e) {
        throw new Error(`invalid redaction pattern ${source}: ${(e as Error).message}`);
      }
    });
  const paths = policy.keyPaths.filter((p) => p.trim()).map((p) => p.trim().split('.'));
  const mask = (v: unknown) => `[redacted:${canonicalHash(JSON.stringify([salt, v])).slice(0, 8)}]`;
  return { policy, salt, mask, keyTest, paths, patterns };
}

function sampleOf(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return s.length > 24 ? s.slice(0, 24) + '…' : s;
}

type Emit = (path: string, rule: string, sample: unknown) => void;

/** Apply patterns to a string; returns the new string (or the same one). */
function redactString(s: string, cp: CompiledPolicy, path: string, emit: Emit): string {
  let out = s;
  for (const { source, re } of cp.patterns) {
    re.lastIndex = 0;
    if (!re.test(out)) continue;
    re.lastIndex = 0;
    out = out.replace(re, (m) => {
      emit(path, `pattern:${source}`, m);
      return cp.mask(m);
    });
  }
  return out;
}

function pathMatches(pattern: string[], path: string[]): boolean {
  if (pattern.length !== path.length) return false;
  for (let i = 0; i < path.length; i++) if (pattern[i] !== '*' && pattern[i] !== path[i]) return false;
  return true;
}

/** Walk a parsed JSON value, returning a redacted copy (or the same value when nothing changed). */
function redactValue(v: unknown, path: string[], cp: CompiledPolicy, emit: Emit): unknown {
  if (typeof v === 'string') return redactString(v, cp, path.join('.'), emit);
  if (v === null || typeof v !== 'object') return v;
  const isArr = Array.isArray(v);
  let out: any = null;
  const entries = isArr ? (v as unknown[]).map((x, i) => [String(i), x] as const) : Object.entries(v as object);
  for (const [k, child] of entries) {
    const p = [...path, k];
    let next: unknown;
    const byKey = isArr ? null : cp.keyTest(k);
    const byPath = cp.paths.find((pp) => pathMatches(pp, p));
    if ((byKey || byPath) && !isRedacted(child)) {
      emit(p.join('.'), byPath ? `path:${byPath.join('.')}` : `key:${byKey}`, child);
      next = cp.mask(child);
    } else next = redactValue(child, p, cp, emit);
    if (next !== child) {
      // Spread and defineProperty create own data properties: a "__proto__" key that
      // JSON.parse made an own key stays one (plain assignment would set the prototype).
      out ??= isArr ? [...(v as unknown[])] : { ...(v as object) };
      if (isArr) out[Number(k)] = next;
      else Object.defineProperty(out, k, { value: next, enumerable: true, writable: true, configurable: true });
    }
  }
  return out ?? v;
}

/** Textual fallback for previews cut at the size limit (not valid JSON): key-value pairs and patterns. */
function redactCutText(json: string, cp: CompiledPolicy, emit: Emit): string {
  // "key": "string value" (possibly cut) | number | literal
  const re = /"((?:[^"\\]|\\.){1,200})"\s*:\s*("(?:[^"\\]|\\.)*"?|-?[\d.eE+-]+|true|false|null)/g;
  let out = json.replace(re, (m, key: string, val: string) => {
    const hit = cp.keyTest(key);
    const raw = val.startsWith('"') ? val.slice(1, val.length > 1 && val.endsWith('"') ? -1 : undefined) : val;
    if (!hit || isRedacted(raw)) return m;
    emit(key, `key:${hit}`, raw);
    return `"${key}":"${cp.mask(raw)}"`;
  });
  out = redactString(out, cp, '', emit);
  return out;
}

function redactPreview(p: Preview, cp: CompiledPolicy, emit: Emit): Preview {
  if (!p.truncated) {
    const parsed = safeParse(p.json);
    if (Array.isArray(parsed)) {
      const red = redactValue(parsed, [], cp, emit);
      if (red === parsed) return p;
      const json = JSON.stringify(red);
      return { ...p, json, size: json.length };
    }
  }
  const json = redactCutText(p.json, cp, emit);
  return json === p.json ? p : { ...p, json };
}

/** Token-like query values and patterns in a URL. */
export function redactUrl(url: string, cp: CompiledPolicy | null, emit: Emit): string {
  let out = url;
  const q = out.indexOf('?');
  if (q >= 0) {
    const hashAt = out.indexOf('#', q);
    const query = out.slice(q + 1, hashAt < 0 ? undefined : hashAt);
    const parts = query.split('&').map((kv) => {
      const eq = kv.indexOf('=');
      if (eq < 0) return kv;
      const k = kv.slice(0, eq);
      let name = k;
      try {
        name = decodeURIComponent(k);
      } catch {
        /* keep raw */
      }
      const val = kv.slice(eq + 1);
      if (val && val !== encodeURIComponent(REDACTED) && !isRedacted(val) && (TOKENISH_QUERY.test(name) || cp?.keyTest(name))) {
        emit(name, `query:${name}`, val);
        return `${k}=${encodeURIComponent(REDACTED)}`;
      }
      return kv;
    });
    out = out.slice(0, q + 1) + parts.join('&') + (hashAt < 0 ? '' : out.slice(hashAt));
  }
  return cp ? redactString(out, cp, '', emit) : out;
}

/** `opts.query` of a client: credential-like names (or policy keys) get their value replaced. */
export function redactQueryObject(q: Record<string, unknown>, cp: CompiledPolicy | null, emit: Emit): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(q)) {
    if (typeof v !== 'string' || !v || isRedacted(v)) continue;
    if (TOKENISH_QUERY.test(k) || cp?.keyTest(k)) {
      emit(k, `query:${k}`, v);
      out ??= { ...q };
      Object.defineProperty(out, k, { value: REDACTED, enumerable: true, writable: true, configurable: true });
    }
  }
  return out ?? q;
}

const PREVIEW_FIELDS = ['args'] as const;
const TEXT_FIELDS = ['reason', 'message', 'error'] as const;

/**
 * Redact records. Returns new records (unchanged ones are the same objects) and calls `onItem`
 * for each removed value. `salt` keys the replacement of `emit.hash` for redacted emits: equal
 * payloads keep equal hashes (the analysis links them the same way), but the hash of the
 * original payload, which could be brute-forced to recover a short password, is not exported.
 */
export function redactRecords(
  records: readonly Rec[],
  cp: CompiledPolicy,
  salt: string,
  onItem: (item: Omit<RedactionItem, 'session'>) => void,
): Rec[] {
  return records.map((r) => {
    let out: Record<string, unknown> | null = null;
    const rec = r as unknown as Record<string, unknown>;
    const key = `${r.frame}#${r.seq}`;
    const set = (field: string, value: unknown) => {
      out ??= { ...rec };
      out[field] = value;
    };
    for (const field of PREVIEW_FIELDS) {
      const p = rec[field] as Preview | undefined;
      if (!p || typeof p !== 'object' || typeof p.json !== 'string') continue;
      const next = redactPreview(p, cp, (path, rule, v) =>
        onItem({ record: key, kind: r.kind, field, path, rule, sample: sampleOf(v) }),
      );
      if (next !== p) set(field, next);
    }
    for (const field of TEXT_FIELDS) {
      const s = rec[field];
      if (typeof s !== 'string') continue;
      const next = redactString(s, cp, '', (path, rule, v) => onItem({ record: key, kind: r.kind, field, path, rule, sample: sampleOf(v) }));
      if (next !== s) set(field, next);
    }
    if (typeof rec.url === 'string') {
      const next = redactUrl(rec.url, cp, (path, rule, v) => onItem({ record: key, kind: r.kind, field: 'url', path, rule, sample: sampleOf(v) }));
      if (next !== rec.url) set('url', next);
    }
    // Script URLs of call sites and the option snapshot's query can carry tokens too.
    if (Array.isArray(rec.stack)) {
      let changed = false;
      const stack = (rec.stack as Array<Record<string, unknown>>).map((f) => {
        if (!f || typeof f.url !== 'string') return f;
        const url = redactUrl(f.url, cp, (path, rule, v) => onItem({ record: key, kind: r.kind, field: 'stack.url', path, rule, sample: sampleOf(v) }));
        if (url === f.url) return f;
        changed = true;
        return { ...f, url };
      });
      if (changed) set('stack', stack);
    }
    const opts = rec.opts as { query?: Record<string, unknown> } | undefined;
    if (opts && opts.query && typeof opts.query === 'object') {
      const query = redactQueryObject(opts.query, cp, (path, rule, v) => onItem({ record: key, kind: r.kind, field: 'opts.query', path, rule, sample: sampleOf(v) }));
      if (query !== opts.query) set('opts', { ...opts, query });
    }
    if (out && r.kind === 'emit' && (out as { args?: unknown }).args !== rec.args) {
      const original = typeof rec.hash === 'string' && rec.hash ? rec.hash : canonicalHash((rec.args as Preview).json);
      (out as Record<string, unknown>).hash = canonicalHash(JSON.stringify([salt, original]));
    }
    return (out ?? r) as unknown as Rec;
  });
}

function randomSalt(): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function isEmptyPolicy(p: RedactionPolicy): boolean {
  return p.keys.length === 0 && p.keyPaths.length === 0 && p.patterns.length === 0;
}

/**
 * Redact a whole file with `policy` (default: DEFAULT_REDACTION_POLICY). Returns a new file whose
 * sessions record the policy and count, plus the list of what was removed.
 */
export function redact(file: SessionFile, policy: RedactionPolicy = DEFAULT_REDACTION_POLICY): { file: SessionFile; items: RedactionItem[] } {
  const cp = compilePolicy(policy);
  const salt = cp.salt;
  const items: RedactionItem[] = [];
  const sessions = file.sessions.map((s, i) => {
    const before = items.length;
    const push = (it: Omit<RedactionItem, 'session'>) => items.push({ session: i, ...it });
    const records = redactRecords(s.records as Rec[], cp, salt, push);
    const url = redactUrl(s.url, cp, (path, rule, v) => push({ record: '', kind: 'hook', field: 'session.url', path, rule, sample: sampleOf(v) }));
    const clients = s.clients.map((c) => {
      const emitC = (field: string) => (path: string, rule: string, v: unknown) => push({ record: c.client, kind: 'client', field, path, rule, sample: sampleOf(v) });
      const url = c.url ? redactUrl(c.url, cp, emitC('clients.url')) : c.url;
      const q = (c.opts as { query?: Record<string, unknown> }).query;
      const query = q && typeof q === 'object' ? redactQueryObject(q, cp, emitC('clients.opts.query')) : q;
      if (url === c.url && query === q) return c;
      return { ...c, url, opts: query === q ? c.opts : { ...c.opts, query } };
    });
    const count = items.length - before + (s.redaction.applied ? s.redaction.redactedValues : 0);
    return {
      ...s,
      url,
      clients,
      records: records as SessionFile['sessions'][number]['records'],
      redaction: {
        applied: s.redaction.applied || !isEmptyPolicy(policy),
        policy: s.redaction.applied ? mergePolicies(s.redaction.policy, policy) : { ...policy },
        redactedValues: count,
      },
    };
  });
  return { file: { ...file, sessions }, items };
}

function mergePolicies(a: RedactionPolicy, b: RedactionPolicy): RedactionPolicy {
  const u = (x: string[], y: string[]) => [...new Set([...x, ...y])];
  return { keys: u(a.keys, b.keys), keyPaths: u(a.keyPaths, b.keyPaths), patterns: u(a.patterns, b.patterns) };
}

/** What `redact(file, policy)` would remove, without changing anything. Throws on an invalid pattern. */
export function previewRedaction(file: SessionFile, policy: RedactionPolicy = DEFAULT_REDACTION_POLICY): RedactionItem[] {
  return redact(file, policy).items;
}
