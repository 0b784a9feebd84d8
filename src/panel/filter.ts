/**
 * Network-panel-like filter syntax, as a pure parser plus a compiled predicate.
 *
 *   order                free text (event, socket, key, id, payload preview), case-insensitive
 *   event:order          event name: exact, a prefix before a separator (order:create), or a glob with *
 *   socket:/admin        namespace or socket name ("/admin #2")
 *   key:abc              idempotency key contains
 *   is:duplicate         confirmed or possible duplicate (also is:confirmed, is:possible,
 *                        is:deduplicated, is:retried, is:late, is:pending, is:settled)
 *   outcome:timed-out    acked | timed-out | failed | pending | sent
 *   duplicate:confirmed  none | possible | confirmed | server-deduplicated
 *   -event:ping          any term negated with a leading "-"
 *   /ord(er)?s/i         regular expression over the free-text haystack
 *   "two words"          quoted free text
 * Terms are ANDed. Unknown keys and bad regexes are reported, and match as free text.
 */
import type { OpLite } from './data/source';

export type Term =
  | { type: 'text'; value: string; neg: boolean }
  | { type: 'regex'; re: RegExp; neg: boolean }
  | { type: 'field'; key: FieldKey; value: string; neg: boolean };

export type FieldKey = 'event' | 'socket' | 'key' | 'is' | 'outcome' | 'duplicate';
const FIELDS: readonly FieldKey[] = ['event', 'socket', 'key', 'is', 'outcome', 'duplicate'];
export const IS_VALUES = ['duplicate', 'confirmed', 'possible', 'deduplicated', 'retried', 'late', 'pending', 'settled'] as const;
export const OUTCOMES = ['acked', 'timed-out', 'failed', 'pending', 'sent'] as const;
export const VERDICTS = ['none', 'possible', 'confirmed', 'server-deduplicated'] as const;

export interface ParsedFilter {
  terms: Term[];
  /** Human-readable problems (unknown key, bad regex, unknown is: value). */
  errors: string[];
}

/** Split on whitespace, keeping "quoted strings" and /regexes with spaces/ together. */
function tokenize(input: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < input.length) {
    while (i < input.length && /\s/.test(input[i])) i++;
    if (i >= input.length) break;
    let tok = '';
    const start = i;
    const neg = input[i] === '-' ? '-' : '';
    if (neg) i++;
    if (input[i] === '"') {
      const end = input.indexOf('"', i + 1);
      const stop = end < 0 ? input.length : end;
      tok = neg + input.slice(i, stop + 1);
      i = stop + 1;
    } else if (input[i] === '/') {
      // A regex runs to the last "/" (plus flags) before whitespace that follows it.
      let j = i + 1;
      let close = -1;
      while (j < input.length) {
        if (input[j] === '\\') { j += 2; continue; }
        if (input[j] === '/') {
          let k = j + 1;
          while (k < input.length && /[a-z]/i.test(input[k])) k++;
          if (k >= input.length || /\s/.test(input[k])) { close = k; break; }
        }
        j++;
      }
      if (close < 0) {
        let k = i;
        while (k < input.length && !/\s/.test(input[k])) k++;
        close = k;
      }
      tok = input.slice(start, close);
      i = close;
    } else {
      let k = i;
      while (k < input.length && !/\s/.test(input[k])) {
        if (input[k] === '"') {
          const end = input.indexOf('"', k + 1);
          k = end < 0 ? input.length : end + 1;
        } else k++;
      }
      tok = input.slice(start, k);
      i = k;
    }
    if (tok && tok !== '-') out.push(tok);
  }
  return out;
}

const unquote = (s: string) => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s.replace(/^"/, ''));

export function parseFilter(input: string): ParsedFilter {
  const terms: Term[] = [];
  const errors: string[] = [];
  for (const raw of tokenize(input)) {
    const neg = raw.startsWith('-') && raw.length > 1;
    const tok = neg ? raw.slice(1) : raw;
    const rx = /^\/(.+)\/([a-z]*)$/is.exec(tok);
    if (rx) {
      try {
        const flags = rx[2].includes('i') ? rx[2] : rx[2] + 'i';
        terms.push({ type: 'regex', re: new RegExp(rx[1], flags.replace(/[gy]/g, '')), neg });
      } catch (e) {
        errors.push(`Invalid regular expression ${tok}: ${(e as Error).message}`);
        terms.push({ type: 'text', value: tok.toLowerCase(), neg });
      }
      continue;
    }
    const colon = tok.indexOf(':');
    if (colon > 0 && !tok.startsWith('"')) {
      const key = tok.slice(0, colon).toLowerCase();
      const value = unquote(tok.slice(colon + 1));
      if ((FIELDS as readonly string[]).includes(key)) {
        if (!value) {
          // "event:" while typing: ignore until a value follows.
          continue;
        }
        const v = value.toLowerCase();
        if (key === 'is' && !(IS_VALUES as readonly string[]).includes(v)) errors.push(`Unknown is: value "${value}" (${IS_VALUES.join(', ')})`);
        if (key === 'outcome' && !(OUTCOMES as readonly string[]).includes(normOutcome(v))) errors.push(`Unknown outcome "${value}" (${OUTCOMES.join(', ')})`);
        if (key === 'duplicate' && !(VERDICTS as readonly string[]).includes(normVerdict(v))) errors.push(`Unknown duplicate verdict "${value}" (${VERDICTS.join(', ')})`);
        terms.push({ type: 'field', key: key as FieldKey, value: v, neg });
        continue;
      }
      // Not a known key (e.g. an event name "order:create" typed as free text).
    }
    terms.push({ type: 'text', value: unquote(tok).toLowerCase(), neg });
  }
  return { terms, errors };
}

function normOutcome(v: string): string {
  if (v === 'timeout' || v === 'timedout' || v === 'timed_out') return 'timed-out';
  return v;
}
function normVerdict(v: string): string {
  if (v === 'deduplicated' || v === 'dedup' || v === 'server') return 'server-deduplicated';
  return v;
}

function globToRe(glob: string): RegExp {
  return new RegExp('^' + glob.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$', 'i');
}

/** event:order matches "order", "order:create", "order.create" and globs like "order:*". */
function eventMatcher(v: string): (ev: string) => boolean {
  if (v.includes('*')) {
    const re = globToRe(v);
    return (ev) => re.test(ev);
  }
  return (ev) => {
    const e = ev.toLowerCase();
    if (e === v) return true;
    return e.startsWith(v) && /[^a-z0-9]/i.test(e[v.length] ?? 'a');
  };
}

function socketMatcher(v: string): (op: OpLite) => boolean {
  if (v.includes('*')) {
    const re = globToRe(v);
    return (op) => re.test(op.nsp) || re.test(op.socket);
  }
  return (op) => {
    const s = op.socket.toLowerCase();
    return op.nsp.toLowerCase() === v || s === v || s.startsWith(v + ' ');
  };
}

function termPredicate(t: Term): (op: OpLite) => boolean {
  if (t.type === 'text') return (op) => op.text.includes(t.value);
  if (t.type === 'regex') return (op) => t.re.test(op.text.replace(/\u0000/g, ' '));
  const v = t.value;
  switch (t.key) {
    case 'event': {
      const m = eventMatcher(v);
      return (op) => m(op.event);
    }
    case 'socket':
      return socketMatcher(v);
    case 'key':
      return (op) => op.key !== null && op.key.toLowerCase().includes(v);
    case 'outcome': {
      const o = normOutcome(v);
      return (op) => op.outcome === o;
    }
    case 'duplicate': {
      const d = normVerdict(v);
      return (op) => op.duplicate === d;
    }
    case 'is':
      switch (v) {
        case 'duplicate':
          return (op) => op.duplicate === 'confirmed' || op.duplicate === 'possible';
        case 'confirmed':
          return (op) => op.duplicate === 'confirmed';
        case 'possible':
          return (op) => op.duplicate === 'possible';
        case 'deduplicated':
          return (op) => op.duplicate === 'server-deduplicated';
        case 'retried':
          return (op) => op.attempts > 1;
        case 'late':
          return (op) => op.lateAcks > 0;
        case 'pending':
          return (op) => op.outcome === 'pending' || op.outcome === 'sent';
        case 'settled':
          return (op) => op.outcome !== 'pending' && op.outcome !== 'sent';
        default:
          return () => false;
      }
  }
}

/** Compile once per filter text; returns null when there is nothing to filter. */
export function compileFilter(parsed: ParsedFilter): ((op: OpLite) => boolean) | null {
  if (!parsed.terms.length) return null;
  const preds = parsed.terms.map((t) => {
    const p = termPredicate(t);
    return t.neg ? (op: OpLite) => !p(op) : p;
  });
  return (op) => {
    for (let i = 0; i < preds.length; i++) if (!preds[i](op)) return false;
    return true;
  };
}

/** Suggestions for the filter bar's autocomplete hint. */
export const FILTER_HELP =
  'Filter: text  event:order  socket:/admin  key:…  is:duplicate|retried|late|pending|deduplicated  outcome:timed-out  duplicate:confirmed  -negate  /regex/';

function sameTerm(a: Term, b: Term): boolean {
  if (a.type !== b.type || a.neg !== b.neg) return false;
  if (a.type === 'text') return a.value === (b as typeof a).value;
  if (a.type === 'regex') return a.re.source === (b as typeof a).re.source && a.re.flags === (b as typeof a).re.flags;
  return a.key === (b as typeof a).key && a.value === (b as typeof a).value;
}

/**
 * True when every operation matching `next` also matches `prev`, so `next` can filter
 * `prev`'s result instead of the whole session (typing more usually narrows): `next` keeps
 * prev's terms and adds some, or extends its last positive free-text term ("ord" -> "order").
 */
export function narrows(prev: ParsedFilter, next: ParsedFilter): boolean {
  const p = prev.terms;
  const n = next.terms;
  if (!p.length || n.length < p.length) return false;
  for (let i = 0; i < p.length - 1; i++) if (!sameTerm(p[i], n[i])) return false;
  const a = p[p.length - 1];
  const b = n[p.length - 1];
  if (sameTerm(a, b)) return true;
  return a.type === 'text' && b.type === 'text' && !a.neg && !b.neg && b.value.includes(a.value);
}

const hayCache = new WeakMap<readonly OpLite[], { hay: string; starts: Int32Array }>();

/**
 * Candidates for a filter over a whole session: when it has a positive free-text term, one
 * indexOf pass over all haystacks joined (cached per list) finds the operations containing
 * its longest such term, instead of one `includes` per operation. The caller still applies
 * the full predicate to the candidates. Returns null when there is no such term.
 */
export function textCandidates(ops: readonly OpLite[], parsed: ParsedFilter): OpLite[] | null {
  let needle = '';
  for (const t of parsed.terms) if (t.type === 'text' && !t.neg && t.value.length > needle.length) needle = t.value;
  if (!needle || needle.includes('\u0001')) return null;
  let h = hayCache.get(ops);
  if (!h) {
    const starts = new Int32Array(ops.length);
    const parts = new Array<string>(ops.length);
    let pos = 0;
    for (let i = 0; i < ops.length; i++) {
      starts[i] = pos;
      parts[i] = ops[i].text;
      pos += ops[i].text.length + 1;
    }
    h = { hay: parts.join('\u0001'), starts };
    hayCache.set(ops, h);
  }
  const { hay, starts } = h;
  const out: OpLite[] = [];
  let from = 0;
  for (;;) {
    const at = hay.indexOf(needle, from);
    if (at < 0) break;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const m = (lo + hi + 1) >> 1;
      if (starts[m] <= at) lo = m;
      else hi = m - 1;
    }
    out.push(ops[lo]);
    if (lo + 1 >= starts.length) break;
    from = starts[lo + 1];
  }
  return out;
}
