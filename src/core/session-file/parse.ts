/**
 * parseSessionFile: bytes, text, a Blob/File or a byte stream in, a validated SessionFile out,
 * or a SessionFileError saying what is wrong. Streams all the way (gzip inflate → safe JSON
 * reader) so a large file never becomes one string; runs in Node 20 and in the panel page.
 */
import * as v from 'valibot';
import { SessionFileError, formatPath } from './errors';
import { SafeJsonReader, FORBIDDEN_KEYS, fmtBytes } from './safe-json';
import { SessionFileSchema, SESSION_FILE_FORMAT, SESSION_FILE_VERSION, type SessionFile } from './schema';

export const DEFAULT_MAX_BYTES = 1024 ** 3; // 1 GiB once inflated
export const DEFAULT_MAX_DEPTH = 64;

export interface ParseOptions {
  /** Limit on the decompressed size in bytes (default 1 GiB). */
  maxBytes?: number;
  /** Limit on JSON nesting (default 64; a valid file needs about 8). */
  maxDepth?: number;
  /** Progress: bytes of input consumed (compressed bytes for .gz) and the total when known. */
  onProgress?: (read: number, total: number | undefined) => void;
  /** Abort reading (e.g. the user closed the dialog). */
  signal?: AbortSignal;
  /**
   * Inputs up to this many (decompressed) bytes are parsed with the native JSON.parse after a
   * linear pre-scan (about 5x faster); larger ones, and every input the fast path refuses, go
   * through the streaming reader, which is the reference for errors. Default 128 MiB.
   */
  fastPathMaxBytes?: number;
}

export const DEFAULT_FAST_PATH_MAX_BYTES = 128 * 1024 * 1024;

export type SessionFileInput = string | Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array>;

const CHUNK = 1 << 20;

function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** The input's size when known (checked before anything is read) and a way to open it as a stream. */
function source(input: Exclude<SessionFileInput, string>): { total?: number; open(): ReadableStream<Uint8Array> } {
  if (input instanceof ReadableStream) return { open: () => input };
  if (typeof Blob !== 'undefined' && input instanceof Blob) return { total: input.size, open: () => input.stream() as ReadableStream<Uint8Array> };
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input as ArrayBuffer);
  let off = 0;
  // Slices keep memory flat and let a UI breathe between chunks.
  const open = () =>
    new ReadableStream<Uint8Array>({
      pull(c) {
        if (off >= bytes.length) return c.close();
        c.enqueue(bytes.subarray(off, off + CHUNK));
        off += CHUNK;
      },
    });
  return { total: bytes.length, open };
}

/** Reads the first bytes without losing them: returns them and a stream that replays them first. */
async function peek(stream: ReadableStream<Uint8Array>): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const first = await reader.read();
  const head = first.done ? new Uint8Array(0) : first.value;
  let replayed = false;
  const out = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (!replayed) {
        replayed = true;
        if (head.length) return c.enqueue(head);
      }
      const r = await reader.read();
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { head, stream: out };
}

/** Parse and validate a session file. Throws SessionFileError with a one-line message. */
export async function parseSessionFile(input: SessionFileInput, opts: ParseOptions = {}): Promise<SessionFile> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const fastMax = opts.fastPathMaxBytes ?? DEFAULT_FAST_PATH_MAX_BYTES;
  const reader = new SafeJsonReader({ maxBytes, maxDepth, onRootEntry: checkRootEntry });
  const streamText = (text: string) => {
    for (let i = 0; i < text.length; i += CHUNK) reader.write(text.slice(i, i + CHUNK));
    return reader.end();
  };

  if (typeof input === 'string') {
    if (input.length === 0) throw new SessionFileError('empty', 'file is empty');
    // UTF-16 length ≤ UTF-8 length: the streaming reader enforces the exact byte limit.
    if (input.length <= fastMax && input.length * 3 <= maxBytes) return validate(fastParse(input, maxDepth) ?? streamText(input));
    return validate(streamText(input));
  }

  const src = source(input);
  // Over the limit before inflating is over it after (deflate adds at most a few bytes per 64 KiB).
  if (src.total !== undefined && src.total > maxBytes)
    throw new SessionFileError('too-large', `file is larger than the limit of ${fmtBytes(maxBytes)}`);
  if (src.total === 0) throw new SessionFileError('empty', 'file is empty');

  let read = 0;
  const counted = src.open().pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        read += chunk.byteLength;
        opts.onProgress?.(read, src.total);
        c.enqueue(chunk);
      },
    }),
  );
  const { head, stream } = await peek(counted);
  const gz = isGzip(head);
  const body = gz ? stream.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>) : stream;
  const r = body.getReader();
  // Small enough: collect the bytes for the fast path; past the threshold, stream them.
  let held: Uint8Array[] | null = [];
  let heldBytes = 0;
  try {
    for (;;) {
      if (opts.signal?.aborted) throw new SessionFileError('cancelled', 'reading was cancelled');
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await r.read();
      } catch (e) {
        if (e instanceof SessionFileError) throw e;
        throw new SessionFileError(
          gz ? 'gzip' : 'encoding',
          gz ? `gzip data is truncated or corrupt (${errText(e)})` : `could not read the file (${errText(e)})`,
        );
      }
      if (chunk.done) break;
      if (held) {
        heldBytes += chunk.value.byteLength;
        if (heldBytes > maxBytes)
          throw new SessionFileError('too-large', `file is larger than the limit of ${fmtBytes(maxBytes)} (once decompressed)`);
        if (heldBytes <= fastMax) {
          held.push(chunk.value);
          continue;
        }
        for (const h of held) reader.write(h);
        held = null;
      }
      reader.write(chunk.value);
    }
  } catch (e) {
    await r.cancel().catch(() => {});
    throw e;
  }
  if (!held) return validate(reader.end());
  if (heldBytes === 0) throw new SessionFileError('empty', 'file is empty');
  const bytes = concat(held, heldBytes);
  let text: string | null = null;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    /* invalid UTF-8: the streaming reader reports it */
  }
  const fast = text === null ? undefined : fastParse(text, maxDepth);
  if (fast !== undefined) return validate(fast);
  for (let i = 0; i < bytes.length; i += CHUNK) reader.write(bytes.subarray(i, i + CHUNK));
  return validate(reader.end());
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

/**
 * Fast path for valid files: a linear scan refuses too-deep nesting (so nothing recursive ever
 * sees it), native JSON.parse builds the value (it makes "__proto__" an own data key, never a
 * prototype), then an iterative walk looks for forbidden keys. Returns undefined whenever
 * anything is off, and the caller re-reads with the streaming reader for the exact error.
 */
function fastParse(text: string, maxDepth: number): unknown | undefined {
  let depth = 0;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inStr) {
      if (c === 92) i++;
      else if (c === 34) inStr = false;
    } else if (c === 34) inStr = true;
    else if (c === 123 || c === 91) {
      if (++depth > maxDepth) return undefined;
    } else if (c === 125 || c === 93) depth--;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (v[i] !== null && typeof v[i] === 'object') stack.push(v[i]);
      continue;
    }
    for (const k of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(k)) return undefined;
      const child = (v as Record<string, unknown>)[k];
      if (child !== null && typeof child === 'object') stack.push(child);
    }
  }
  return value;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Refuse a foreign or newer file as soon as its `format`/`version` is read (writers put them first). */
function checkRootEntry(key: string, value: unknown): void {
  if (key === 'format' && value !== SESSION_FILE_FORMAT) throw formatError(value);
  if (key === 'version' && value !== SESSION_FILE_VERSION) throw versionError(value);
}

function formatError(value: unknown): SessionFileError {
  return new SessionFileError(
    'format',
    value === undefined
      ? `not an AckScope session file: no "format" field (expected "${SESSION_FILE_FORMAT}")`
      : `unknown format ${JSON.stringify(value).slice(0, 80)} (expected "${SESSION_FILE_FORMAT}")`,
    'format',
  );
}

function versionError(value: unknown): SessionFileError {
  const newer = typeof value === 'number' && value > SESSION_FILE_VERSION;
  return new SessionFileError(
    'version',
    `unsupported session file version ${JSON.stringify(value)?.slice(0, 40)}: this AckScope reads version ${SESSION_FILE_VERSION}` +
      (newer ? ' (the file was written by a newer AckScope: update it)' : ''),
    'version',
  );
}

/** Validate an already-parsed value (trusted parser output only: use parseSessionFile for text/bytes). */
export function validate(value: unknown): SessionFile {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new SessionFileError('format', 'not an AckScope session file: the top level is not a JSON object');
  const o = value as Record<string, unknown>;
  if (o.format !== SESSION_FILE_FORMAT) throw formatError(o.format);
  if (o.version !== SESSION_FILE_VERSION) throw versionError(o.version);
  const res = v.safeParse(SessionFileSchema, value, { abortEarly: true });
  if (!res.success) {
    const issue = res.issues[0];
    const path = formatPath((issue.path ?? []).map((p) => p.key as string | number));
    throw new SessionFileError('schema', `schema error at ${path}: ${describeIssue(issue)}`, path);
  }
  return res.output;
}

function describeIssue(issue: v.BaseIssue<unknown>): string {
  // A variant failure on a record: name the unknown kind plainly.
  if (issue.kind === 'schema' && issue.type === 'variant' && typeof issue.input === 'string')
    return `unknown record kind ${JSON.stringify(issue.input).slice(0, 60)}`;
  return issue.message;
}
