/**
 * Fast path of the worker's per-record check (issue 3): plain code for the four kinds that
 * make up nearly all traffic (emit, attempt, ack, settle). It is at least as strict as
 * RecordSchema (src/core/record-schema.ts): whatever it accepts, the schema accepts too (a
 * unit test checks this on valid and mutated records). Anything it does not accept (other
 * kinds, unusual shapes, errors) goes through the valibot schema, which has the last word.
 * valibot costs ~7–10 µs per record; this costs well under 1 µs.
 */

const MAX_ID = 128;
const MAX_TEXT = 4096;
const MAX_STACK = 64;

type O = Record<string, unknown>;

const isObj = (x: unknown): x is O => typeof x === 'object' && x !== null && !Array.isArray(x);
const isId = (x: unknown): boolean => typeof x === 'string' && x.length <= MAX_ID;
const isText = (x: unknown): boolean => typeof x === 'string' && x.length <= MAX_TEXT;
/** valibot's v.number(): a number that is not NaN. */
const isNum = (x: unknown): boolean => typeof x === 'number' && x === x;
const isUint = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const optBool = (x: unknown): boolean => x === undefined || typeof x === 'boolean';
const optNum = (x: unknown): boolean => x === undefined || isNum(x);

function isPreview(p: unknown): boolean {
  if (!isObj(p)) return false;
  if (typeof p.json !== 'string' || !isNum(p.size) || (p.size as number) < 0 || typeof p.truncated !== 'boolean') return false;
  const b = p.binary;
  if (b === undefined) return true;
  return isObj(b) && isUint(b.count) && isNum(b.bytes) && (b.bytes as number) >= 0;
}

function isStack(s: unknown): boolean {
  if (!Array.isArray(s) || s.length > MAX_STACK) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (!isObj(c) || !isText(c.url) || !isNum(c.line) || !isNum(c.col)) return false;
    if (c.fn !== undefined && !isText(c.fn)) return false;
  }
  return true;
}

/** True only for a record RecordSchema certainly accepts; false means "ask the schema". */
export function fastRecordOk(x: unknown): boolean {
  if (!isObj(x)) return false;
  if (x.v !== 1 || !isId(x.frame) || !isUint(x.seq) || typeof x.t !== 'number' || !Number.isFinite(x.t)) return false;
  switch (x.kind) {
    case 'emit': {
      if (!isId(x.client) || !isId(x.op) || !isText(x.event) || typeof x.ack !== 'boolean' || typeof x.queued !== 'boolean') return false;
      if (x.api !== 'callback' && x.api !== 'promise' && x.api !== 'none') return false;
      if (!optNum(x.queueDepth)) return false;
      const f = x.flags;
      if (!isObj(f) || !optNum(f.timeout) || !optBool(f.volatile) || !optBool(f.compress)) return false;
      if (x.args !== undefined && !isPreview(x.args)) return false;
      if (x.hash !== undefined && !isText(x.hash)) return false;
      if (x.error !== undefined && !isText(x.error)) return false;
      if (x.stack !== undefined && !isStack(x.stack)) return false;
      return true;
    }
    case 'attempt':
      if (!isId(x.client) || !isId(x.op) || !isUint(x.try)) return false;
      if (x.ackId !== null && !isUint(x.ackId)) return false;
      if (!optBool(x.buffered) || !optBool(x.flushed) || !optNum(x.queueDepth)) return false;
      return x.args === undefined || isPreview(x.args);
    case 'ack':
      if (!isId(x.client) || !isUint(x.ackId) || typeof x.late !== 'boolean' || !optNum(x.latency)) return false;
      if (x.op !== undefined && !isId(x.op)) return false;
      return isPreview(x.args);
    case 'settle':
      if (!isId(x.client) || !isId(x.op)) return false;
      if (x.outcome !== 'acked' && x.outcome !== 'timed-out' && x.outcome !== 'failed') return false;
      if (x.reason !== undefined && !isText(x.reason)) return false;
      return x.args === undefined || isPreview(x.args);
    default:
      return false;
  }
}

const HEAD_KINDS = new Set(['hook', 'client', 'conn', 'emit', 'attempt', 'ack', 'attempt-end', 'settle', 'incoming', 'gap', 'unsupported', 'diag']);

/**
 * The relay's per-record check in plain code, equivalent to RecordHeadSchema (identity and
 * kind): it runs on the page's main thread for every record, valibot there costs ~1 µs each.
 */
export function recordHeadOk(x: unknown): boolean {
  return (
    typeof x === 'object' &&
    x !== null &&
    (x as O).v === 1 &&
    isId((x as O).frame) &&
    isUint((x as O).seq) &&
    typeof (x as O).t === 'number' &&
    Number.isFinite((x as O).t) &&
    HEAD_KINDS.has((x as O).kind as string)
  );
}
