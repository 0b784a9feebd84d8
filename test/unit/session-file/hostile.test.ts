import { beforeEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { parseSessionFile, SessionFileError, buildSessionFile, encodeSessionFileBytes, NO_REDACTION } from '../../../src/core/session-file/index';
import { slowServerRecords, validFileText } from './fixtures';

// Every case runs on both readers: the fast path (pre-scan + JSON.parse) and the streaming one.
let fastPathMaxBytes: number | undefined;

async function refuse(input: Parameters<typeof parseSessionFile>[0], opts?: Parameters<typeof parseSessionFile>[1]) {
  try {
    await parseSessionFile(input, { fastPathMaxBytes, ...opts });
  } catch (e) {
    expect(e).toBeInstanceOf(SessionFileError);
    return e as SessionFileError;
  }
  throw new Error('parseSessionFile accepted hostile input');
}

const enc = (s: string) => new TextEncoder().encode(s);

describe.each([
  ['fast path', undefined],
  ['streaming reader', 0],
])('hostile and broken session files get a clear error (%s)', (_name, threshold) => {
  beforeEach(() => {
    fastPathMaxBytes = threshold;
  });

  it('accepts the valid baseline (so the cases below fail for their own reason)', async () => {
    const f = await parseSessionFile(validFileText(slowServerRecords()), { fastPathMaxBytes });
    expect(f.sessions[0].records).toHaveLength(slowServerRecords().length);
    const g = await parseSessionFile(enc(validFileText(slowServerRecords())), { fastPathMaxBytes });
    expect(g).toEqual(f);
  });

  it('empty file', async () => {
    expect((await refuse('')).code).toBe('empty');
    expect((await refuse(new Uint8Array())).code).toBe('empty');
  });

  it('not JSON, truncated JSON, trailing garbage', async () => {
    expect((await refuse('hello')).code).toBe('json');
    const text = validFileText(slowServerRecords());
    const cut = await refuse(enc(text.slice(0, text.length - 40)));
    expect(cut.code).toBe('json');
    expect(cut.message).toMatch(/ends early/);
    expect((await refuse(text + '{}')).message).toMatch(/after the end/);
    expect((await refuse('[1 2]')).code).toBe('json');
  });

  it('unknown format, missing format, non-object top level', async () => {
    const e = await refuse('{"format":"har","version":1}');
    expect(e.code).toBe('format');
    expect(e.message).toBe('unknown format "har" (expected "ackscope-session")');
    expect((await refuse('{"log":{"entries":[]}}')).message).toMatch(/no "format" field/);
    expect((await refuse('[1,2]')).message).toMatch(/top level is not a JSON object/);
  });

  it('unknown version, newer version', async () => {
    const e = await refuse('{"format":"ackscope-session","version":2,"sessions":[]}');
    expect(e.code).toBe('version');
    expect(e.message).toMatch(/unsupported session file version 2: this AckScope reads version 1 \(.*newer/);
    expect((await refuse('{"format":"ackscope-session","version":"1"}')).code).toBe('version');
  });

  it('refuses a foreign file as soon as its format field is read (does not parse the rest)', async () => {
    // The rest is not even JSON: the refusal happened before it was reached.
    const e = await refuse('{"format":"other", !!!');
    expect(e.code).toBe('format');
  });

  it('schema errors name the path of the first error', async () => {
    const recs = slowServerRecords() as any[];
    recs[4] = { ...recs[4], ackId: 'zero' };
    const e = await refuse(validFileText(recs));
    expect(e.code).toBe('schema');
    expect(e.path).toBe('sessions[0].records[4].ackId');
    expect(e.message).toMatch(/^schema error at sessions\[0\]\.records\[4\]\.ackId: /);

    const f = JSON.parse(validFileText());
    delete f.sessions[0].analysisConfig.autoKeyPaths;
    expect((await refuse(JSON.stringify(f))).path).toBe('sessions[0].analysisConfig.autoKeyPaths');

    f.sessions = [];
    expect((await refuse(JSON.stringify(f))).path).toBe('sessions');
  });

  it('unknown record kinds are named', async () => {
    const e = await refuse(validFileText([{ v: 1, frame: 'f', seq: 0, t: 1, kind: 'evil' }]));
    expect(e.path).toBe('sessions[0].records[0].kind');
    expect(e.message).toMatch(/unknown record kind "evil"/);
  });

  it('size limit on the inflated size: plain bytes, text and a gzip bomb', async () => {
    const text = validFileText(slowServerRecords());
    expect((await refuse(enc(text), { maxBytes: 1000 })).code).toBe('too-large');
    expect((await refuse(text, { maxBytes: 1000 })).code).toBe('too-large');
    // ~50 MB of spaces compresses to ~50 KB: refused once the inflated bytes pass the limit.
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"format":"ackscope-session","version":1,"pad":"'), Buffer.alloc(50 * 1024 * 1024, 0x20), Buffer.from('"}')]));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const e = await refuse(new Uint8Array(bomb), { maxBytes: 10 * 1024 * 1024 });
    expect(e.code).toBe('too-large');
    expect(e.message).toMatch(/larger than the limit of 10 MiB/);
  });

  it('default limit is 1 GiB, checked from the size before reading', async () => {
    const big = { size: 1024 ** 3 + 1, stream: () => { throw new Error('must not be read'); } };
    Object.setPrototypeOf(big, Blob.prototype);
    expect((await refuse(big as unknown as Blob)).code).toBe('too-large');
  });

  it('truncated and corrupt gzip', async () => {
    const { file } = buildSessionFile([{ id: 's', records: slowServerRecords() }], { redaction: NO_REDACTION });
    const gz = await encodeSessionFileBytes(file, { gzip: true });
    const e = await refuse(gz.subarray(0, Math.floor(gz.length / 2)));
    expect(e.code).toBe('gzip');
    expect(e.message).toMatch(/gzip data is truncated or corrupt/);
    // Only the 8-byte trailer (CRC + size) missing.
    expect((await refuse(gz.subarray(0, gz.length - 4))).code).toBe('gzip');
    const bad = gz.slice();
    bad[20] ^= 0xff;
    bad[21] ^= 0xff;
    expect(['gzip', 'json', 'encoding']).toContain((await refuse(bad)).code);
  });

  it('deep nesting is refused while parsing, without recursion (100 000 levels)', async () => {
    const deep = '{"format":"ackscope-session","version":1,"x":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    const e = await refuse(deep);
    expect(e.code).toBe('too-deep');
    expect(e.message).toBe('JSON nesting deeper than 64 levels');
    expect((await refuse(deep, { maxDepth: 10 })).path).toMatch(/^x\[0\]/);
  });

  it('prototype-pollution keys are refused anywhere, escaped or not, and pollute nothing', async () => {
    const recs = slowServerRecords() as any[];
    const cases = [
      '{"__proto__":{"polluted":1},"format":"ackscope-session","version":1}',
      validFileText(recs).replace('"records":[', '"records":[{"__proto__":{"polluted":1}},'),
      validFileText(recs).replace('"opts":{', '"opts":{"\\u005f_proto__":{"polluted":1},'),
      validFileText(recs).replace('"keyPaths":{', '"keyPaths":{"constructor":{"prototype":{"polluted":1}},'),
    ];
    for (const c of cases) {
      const e = await refuse(c);
      expect(e.code).toBe('forbidden-key');
      expect(e.message).toMatch(/refused key "(__proto__|constructor)"/);
    }
    expect(({} as any).polluted).toBeUndefined();
    expect((Object.prototype as any).polluted).toBeUndefined();
  });

  it('a "__proto__" inside a preview string is data, not a key', async () => {
    const recs = slowServerRecords() as any[];
    recs[3] = { ...recs[3], args: { json: '[{"__proto__":{"x":1}}]', size: 23, truncated: false } };
    const f = await parseSessionFile(validFileText(recs), { fastPathMaxBytes });
    expect((f.sessions[0].records[3] as any).args.json).toBe('[{"__proto__":{"x":1}}]');
  });

  it('invalid UTF-8 and binary garbage are refused', async () => {
    const e = await refuse(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
    expect(['json', 'encoding', 'format']).toContain(e.code);
    expect((await refuse(new Uint8Array([0x00, 0x01, 0x02]))).code).toBe('json');
  });
});

describe('fast path and streaming reader agree', () => {
  it('give identical files for a valid input with escapes, unicode and a BOM', async () => {
    const recs = slowServerRecords() as any[];
    recs[3] = { ...recs[3], event: 'ordér:créé \u2603 "q" \\ \n', args: { json: '["\\u0000 ☃ 𝄞"]', size: 12, truncated: false } };
    const text = '\ufeff' + validFileText(recs);
    const bytes = enc(text);
    const a = await parseSessionFile(bytes);
    const b = await parseSessionFile(bytes, { fastPathMaxBytes: 0 });
    expect(a).toEqual(b);
    expect((a.sessions[0].records[3] as any).event).toBe(recs[3].event);
  });
});
