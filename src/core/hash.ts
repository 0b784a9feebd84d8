/**
 * Stable canonical hash of encoded emit args (issue 4).
 *
 * The relay/worker fill `EmitRecord.hash` with it and the analysis links identical payloads
 * with it, so it must not depend on object key order and must be cheap. Pure TS, no crypto
 * API (it runs in the page-free worker, the panel and Node alike).
 *
 * Invalid or truncated JSON is hashed as text (with a different prefix than parsed values,
 * so a truncated preview never collides with a complete one).
 */

/** Two independent 32-bit multiply-xor lanes over UTF-16 code units: 64 bits, 16 hex chars. */
class Hasher {
  private h1 = 0x811c9dc5 | 0;
  private h2 = 0x3c6ef372 | 0;

  str(s: string): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 13;
    }
    this.h1 = h1;
    this.h2 = h2;
  }

  digest(): string {
    // Final avalanche so short inputs spread over all bits.
    let h1 = this.h1;
    let h2 = this.h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
    h1 = Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
    h1 ^= h1 >>> 16;
    h2 = Math.imul(h2 ^ (h2 >>> 16), 0x85ebca6b);
    h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
    h2 ^= h2 >>> 16;
    return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
  }
}

// Nesting beyond this falls back to hashing the text: keeps the walk bounded and stack-safe.
const MAX_DEPTH = 256;

function feed(h: Hasher, v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new RangeError('depth');
  if (v === null || typeof v !== 'object') {
    // Primitives from JSON.parse: string, number, boolean, null. JSON.stringify gives the
    // canonical spelling (1.0 -> 1, escapes normalised).
    h.str(JSON.stringify(v));
    return;
  }
  if (Array.isArray(v)) {
    h.str('[');
    for (let i = 0; i < v.length; i++) {
      if (i) h.str(',');
      feed(h, v[i], depth + 1);
    }
    h.str(']');
    return;
  }
  // Own keys only (JSON.parse makes "__proto__" an own data property; reading it is safe).
  const keys = Object.keys(v).sort();
  h.str('{');
  for (let i = 0; i < keys.length; i++) {
    if (i) h.str(',');
    h.str(JSON.stringify(keys[i]));
    h.str(':');
    feed(h, (v as Record<string, unknown>)[keys[i]], depth + 1);
  }
  h.str('}');
}

function textHash(json: string): string {
  const h = new Hasher();
  h.str('T:');
  h.str(json);
  return h.digest();
}

/**
 * Hash of the canonical form of a JSON text: object keys sorted, whitespace and number
 * spelling normalised. Never throws.
 */
export function canonicalHash(json: string): string {
  if (typeof json !== 'string') return textHash(String(json));
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return textHash(json);
  }
  // Fast path: no object anywhere means key order cannot matter; JSON.stringify of the
  // parsed value is already canonical.
  if (parsed === null || typeof parsed !== 'object' || json.indexOf('{') < 0) {
    const h = new Hasher();
    h.str('J:');
    h.str(JSON.stringify(parsed));
    return h.digest();
  }
  try {
    const h = new Hasher();
    h.str('J:');
    feed(h, parsed, 0);
    return h.digest();
  } catch {
    return textHash(json);
  }
}
