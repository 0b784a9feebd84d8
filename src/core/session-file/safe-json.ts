/**
 * Streaming, hostile-input-safe JSON reader. @streamparser/json's Tokenizer does the lexing
 * (UTF-8 across chunk boundaries, escapes, numbers); this file builds the values itself so it
 * can refuse, while parsing and before anything is allocated for them:
 * - nesting deeper than `maxDepth` (JSON.parse would recurse; deep input also breaks
 *   recursive consumers later),
 * - object keys that enable prototype pollution in code that later merges or assigns
 *   (`__proto__`, `constructor`, `prototype`),
 * - more than `maxBytes` of input (counted on the decoded, i.e. inflated, bytes).
 */
import { Tokenizer, TokenType } from '@streamparser/json';
import { SessionFileError, formatPath } from './errors';

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

type Container =
  | { arr: unknown[]; obj?: undefined; key?: undefined; state: 'first' | 'value' | 'comma' }
  | { obj: Record<string, unknown>; arr?: undefined; key: string | undefined; state: 'first' | 'key' | 'colon' | 'value' | 'comma' };

export interface SafeJsonOptions {
  maxDepth: number;
  maxBytes: number;
  /** Called with each completed top-level key/value pair of the root object (lets the caller refuse early). */
  onRootEntry?: (key: string, value: unknown) => void;
}

/** Incremental builder: `write(bytes|string)` any number of times, then `end()` returns the value. */
export class SafeJsonReader {
  private readonly tokenizer: Tokenizer;
  private readonly stack: Container[] = [];
  private root: unknown = undefined;
  private done = false;
  private error: Error | undefined;
  private bytes = 0;

  constructor(private readonly opts: SafeJsonOptions) {
    this.tokenizer = new Tokenizer();
    this.tokenizer.onToken = ({ token, value }) => this.onToken(token, value);
    this.tokenizer.onError = (err) => {
      this.error ??= err instanceof SessionFileError ? err : new SessionFileError('json', `not valid JSON: ${err.message}`);
    };
    // The tokenizer ends itself after one complete document; anything after it is an error.
    this.tokenizer.onEnd = () => {};
  }

  get bytesRead(): number {
    return this.bytes;
  }

  write(chunk: Uint8Array | string): void {
    this.check();
    this.bytes += typeof chunk === 'string' ? utf8Length(chunk) : chunk.byteLength;
    if (this.bytes > this.opts.maxBytes)
      throw new SessionFileError('too-large', `file is larger than the limit of ${fmtBytes(this.opts.maxBytes)} (once decompressed)`);
    if (this.done && (typeof chunk === 'string' ? chunk.trim() : nonWhitespace(chunk)))
      throw new SessionFileError('json', 'not valid JSON: unexpected data after the end of the document');
    if (this.done) return;
    this.tokenizer.write(chunk);
    this.check();
  }

  end(): unknown {
    this.check();
    if (!this.done) {
      if (this.bytes === 0) throw new SessionFileError('empty', 'file is empty');
      throw new SessionFileError('json', 'not valid JSON: the document ends early (file truncated?)');
    }
    return this.root;
  }

  private check(): void {
    if (this.error) throw this.error;
  }

  private fail(err: SessionFileError): never {
    this.error ??= err;
    // Thrown out of onToken; the tokenizer routes it to onError and stops.
    throw err;
  }

  private path(): string {
    const segs: Array<string | number> = [];
    const last = this.stack.length - 1;
    this.stack.forEach((c, i) => {
      if (c.arr) segs.push(c.arr.length);
      else if (i < last || c.state === 'colon' || c.state === 'value') segs.push(c.key ?? '');
    });
    return formatPath(segs);
  }

  private onToken(token: TokenType, value: unknown): void {
    if (this.done) this.fail(new SessionFileError('json', 'not valid JSON: unexpected data after the end of the document'));
    const top = this.stack[this.stack.length - 1];
    switch (token) {
      case TokenType.LEFT_BRACE:
      case TokenType.LEFT_BRACKET: {
        this.expectValue(top);
        if (this.stack.length + 1 > this.opts.maxDepth)
          this.fail(new SessionFileError('too-deep', `JSON nesting deeper than ${this.opts.maxDepth} levels`, this.path()));
        const c: Container =
          token === TokenType.LEFT_BRACE ? { obj: {}, key: undefined, state: 'first' } : { arr: [], state: 'first' };
        this.stack.push(c);
        return;
      }
      case TokenType.RIGHT_BRACE:
      case TokenType.RIGHT_BRACKET: {
        const isObj = token === TokenType.RIGHT_BRACE;
        if (!top || (isObj ? !top.obj : !top.arr) || (top.state !== 'first' && top.state !== 'comma'))
          this.fail(new SessionFileError('json', `not valid JSON: unexpected "${isObj ? '}' : ']'}"`, this.path()));
        this.stack.pop();
        this.addValue(top.obj ?? top.arr);
        return;
      }
      case TokenType.COLON:
        if (!top?.obj || top.state !== 'colon') this.fail(new SessionFileError('json', 'not valid JSON: unexpected ":"', this.path()));
        top.state = 'value';
        return;
      case TokenType.COMMA:
        if (!top || top.state !== 'comma') this.fail(new SessionFileError('json', 'not valid JSON: unexpected ","', this.path()));
        top.state = top.obj ? 'key' : 'value';
        return;
      case TokenType.STRING:
        if (top?.obj && (top.state === 'first' || top.state === 'key')) {
          const key = value as string;
          top.key = key;
          top.state = 'colon';
          if (FORBIDDEN_KEYS.has(key))
            this.fail(new SessionFileError('forbidden-key', `refused key "${key}" (prototype-pollution risk) at ${this.path()}`, this.path()));
          return;
        }
        this.expectValue(top);
        this.addValue(value);
        return;
      case TokenType.NUMBER:
      case TokenType.TRUE:
      case TokenType.FALSE:
      case TokenType.NULL:
        this.expectValue(top);
        this.addValue(value);
        return;
      default:
        this.fail(new SessionFileError('json', 'not valid JSON: unexpected token', this.path()));
    }
  }

  private expectValue(top: Container | undefined): void {
    if (!top) return; // root value
    const ok = top.arr ? top.state === 'first' || top.state === 'value' : top.state === 'value';
    if (!ok) this.fail(new SessionFileError('json', 'not valid JSON: unexpected value (missing "," or ":"?)', this.path()));
  }

  private addValue(v: unknown): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      this.root = v;
      this.done = true;
      return;
    }
    if (top.arr) top.arr.push(v);
    else {
      // Forbidden keys were refused above, so plain assignment cannot reach a prototype.
      top.obj[top.key!] = v;
      if (this.stack.length === 1) this.opts.onRootEntry?.(top.key!, v);
    }
    top.state = 'comma';
  }
}

function nonWhitespace(b: Uint8Array): boolean {
  for (const c of b) if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return true;
  return false;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export function fmtBytes(n: number): string {
  if (n >= 1024 ** 3) return `${+(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toFixed(2)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(2)} KiB`;
  return `${n} bytes`;
}
