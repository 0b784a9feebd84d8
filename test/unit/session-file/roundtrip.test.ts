import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { analyze } from '../../../src/core/analysis/index';
import {
  buildSessionFile,
  encodeSessionFile,
  encodeSessionFileBytes,
  parseSessionFile,
  sessionFileName,
  NO_REDACTION,
} from '../../../src/core/session-file/index';
import { slowServerRecords } from './fixtures';

const config = { keyPaths: { 'order:create': ['id'] }, dedupMarkers: ['ALREADY'] };

describe('session file round trip', () => {
  it('build → encode (json) → parse keeps records, metadata and the analysis', async () => {
    const records = slowServerRecords();
    const { file } = buildSessionFile(
      [{ id: '7:1', records, extensionVersion: '0.1.0', analysisConfig: config, title: 'Shop' }],
      { redaction: NO_REDACTION, now: new Date('2026-11-27T04:00:00Z'), generator: { name: 'ackscope', version: '0.1.0' } },
    );
    const bytes = await encodeSessionFileBytes(file);
    const text = new TextDecoder().decode(bytes);
    expect(text.startsWith('{"format":"ackscope-session","version":1,')).toBe(true);
    const back = await parseSessionFile(bytes);
    const s = back.sessions[0];
    expect(s.records).toEqual(records);
    expect(s.url).toBe('http://127.0.0.1:4000/shop?room=a&x=1');
    expect(s.userAgent).toBe('Mozilla/5.0 test');
    expect(s.extensionVersion).toBe('0.1.0');
    expect(s.socketIoClientVersion).toBe('4.8.4');
    expect(s.clients).toEqual([
      expect.objectContaining({ client: 'fA1/c1', nsp: '/', opts: expect.objectContaining({ retries: 2, ackTimeout: 300 }) }),
    ]);
    expect(s.analysisConfig.keyPaths).toEqual({ 'order:create': ['id'] });
    expect(s.redaction).toEqual({ applied: false, policy: NO_REDACTION, redactedValues: 0 });
    expect(back.createdAt).toBe('2026-11-27T04:00:00.000Z');
    const before = analyze(records, config);
    const after = analyze(s.records as never, s.analysisConfig);
    expect(after).toEqual(before);
    // The verdict the format exists for survives the trip.
    expect(after.operations[0]).toMatchObject({ event: 'order:create', attempts: 3, duplicate: 'confirmed' });
  });

  it('gzip encode → parse from bytes, Blob and stream gives the same file', async () => {
    const { file } = buildSessionFile([{ id: 'a', records: slowServerRecords() }, { id: 'b', records: slowServerRecords().slice(0, 5) }]);
    const gz = await encodeSessionFileBytes(file, { gzip: true });
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect(JSON.parse(gunzipSync(gz).toString('utf8')).sessions).toHaveLength(2);
    const a = await parseSessionFile(gz);
    const b = await parseSessionFile(new Blob([gz as Uint8Array<ArrayBuffer>]));
    const c = await parseSessionFile(encodeSessionFile(file, { gzip: true }));
    expect(a).toEqual(file);
    expect(b).toEqual(file);
    expect(c).toEqual(file);
  });

  it('drops duplicate records by (frame, seq) and orders by time', () => {
    const r = slowServerRecords();
    const { file } = buildSessionFile([{ id: 'x', records: [...r].reverse().concat(r[3]) }], { redaction: NO_REDACTION });
    expect(file.sessions[0].records).toEqual(r);
  });

  it('reports progress and handles a file of many records in small chunks', async () => {
    const base = slowServerRecords();
    const many = Array.from({ length: 3000 }, (_, i) => base.map((x) => ({ ...x, frame: `f${i}` }))).flat();
    const { file } = buildSessionFile([{ id: 'big', records: many }], { redaction: NO_REDACTION });
    const bytes = await encodeSessionFileBytes(file);
    const seen: number[] = [];
    const back = await parseSessionFile(bytes, { onProgress: (n) => seen.push(n) });
    expect(back.sessions[0].records).toHaveLength(many.length);
    expect(seen.at(-1)).toBe(bytes.length);
  });

  it('names files ackscope-<host>-<date>.json[.gz]', () => {
    const d = new Date(2026, 10, 27, 4, 5, 6);
    expect(sessionFileName('http://127.0.0.1:4000/shop?x', d)).toBe('ackscope-127.0.0.1_4000-2026-11-27-040506.json');
    expect(sessionFileName('https://shop.example.com/', d, true)).toBe('ackscope-shop.example.com-2026-11-27-040506.json.gz');
    expect(sessionFileName('not a url', d)).toBe('ackscope-page-2026-11-27-040506.json');
  });

  it('stops reading when the signal is aborted (the user closed the dialog)', async () => {
    const { file } = buildSessionFile([{ id: 'a', records: slowServerRecords() }]);
    const ac = new AbortController();
    ac.abort();
    await expect(parseSessionFile(await encodeSessionFileBytes(file), { signal: ac.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });
});
