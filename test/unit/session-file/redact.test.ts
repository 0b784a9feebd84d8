import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src/core/analysis/index';
import {
  buildSessionFile,
  compilePolicy,
  DEFAULT_REDACTION_POLICY,
  NO_REDACTION,
  parseSessionFile,
  encodeSessionFileBytes,
  previewRedaction,
  redact,
  REDACTED,
} from '../../../src/core/session-file/index';
import type { Rec } from '../../../src/core/protocol';
import { slowServerRecords } from './fixtures';

const M = expect.stringMatching(/^\[redacted:[0-9a-f]{8}\]$/);
const raw = () => buildSessionFile([{ id: 's', records: slowServerRecords() }], { redaction: NO_REDACTION }).file;
const argsOf = (r: unknown) => JSON.parse((r as { args: { json: string } }).args.json);

describe('redaction on export', () => {
  it('redacts password, token, cvv… by default, keeps look-alikes such as "author"', () => {
    const { file, items } = redact(raw());
    const recs = file.sessions[0].records;
    const emit = argsOf(recs[3])[0];
    expect(emit).toEqual({ id: 'A1', item: 'book', card: { number: '4111111111111111', cvv: M }, password: M, author: 'Ann' });
    expect(argsOf(recs[7])[0]).toEqual({ ok: true, token: M });
    expect(items.map((i) => `${i.record} ${i.field} ${i.path} ${i.rule}`)).toEqual([
      'fA1#3 args 0.card.cvv key:cvv',
      'fA1#3 args 0.password key:password',
      'fA1#7 args 0.token key:token',
    ]);
    expect(file.sessions[0].redaction).toEqual({ applied: true, policy: DEFAULT_REDACTION_POLICY, redactedValues: 3 });
    // The input is not changed.
    expect(argsOf(raw().sessions[0].records[3])[0].password).toBe('hunter2');
  });

  it('matches key names by normalized substring; short names exactly', () => {
    const cp = compilePolicy(DEFAULT_REDACTION_POLICY);
    for (const k of ['Authorization', 'x-api-key', 'API_KEY', 'accessToken', 'refresh_token', 'clientSecret', 'Set-Cookie', 'auth', 'PWD'])
      expect(cp.keyTest(k), k).not.toBeNull();
    for (const k of ['author', 'authority', 'id', 'name', 'password_hint_shown'.slice(0, 4)]) expect(cp.keyTest(k), k).toBeNull();
  });

  it('user key paths (with * segments) and regexes (bare or /…/flags)', () => {
    const policy = { keys: [], keyPaths: ['*.card.number', '0.item'], patterns: ['\\d{4}-\\d{4}', '/ANN/i'] };
    const f = raw();
    (f.sessions[0].records[13] as any).args = { json: '[{"note":"call 1234-5678 now"}]', size: 31, truncated: false };
    const { file, items } = redact(f, policy);
    const recs = file.sessions[0].records;
    expect(argsOf(recs[3])[0]).toMatchObject({ item: M, card: { number: M, cvv: '123' }, password: 'hunter2', author: M });
    expect(argsOf(recs[13])[0].note).toMatch(/^call \[redacted:[0-9a-f]{8}\] now$/);
    expect(items.map((i) => i.rule).sort()).toEqual(['path:*.card.number', 'path:0.item', 'pattern:/ANN/i', 'pattern:\\d{4}-\\d{4}']);
    expect(() => compilePolicy({ keys: [], keyPaths: [], patterns: ['(unclosed'] })).toThrow(/invalid redaction pattern \(unclosed/);
  });

  it('cut previews (not valid JSON) are redacted textually', () => {
    const f = raw();
    (f.sessions[0].records[3] as any).args = { json: '[{"user":"a","password":"hunter2","token":"abc', size: 5000, truncated: true };
    const { file, items } = redact(f);
    const p = (file.sessions[0].records[3] as any).args;
    expect(p.json).toMatch(/^\[\{"user":"a","password":"\[redacted:[0-9a-f]{8}\]","token":"\[redacted:[0-9a-f]{8}\]"$/);
    expect(p.truncated).toBe(true);
    expect(items.filter((i) => i.record === 'fA1#3').map((i) => i.path)).toEqual(['password', 'token']);
  });

  it('token-like URL query values are always replaced, even with no policy', () => {
    const f = raw();
    (f.sessions[0].records[0] as any).url = 'http://h/p?token=abc&room=1&sig=xyz#frag';
    f.sessions[0].url = 'http://h/p?access_token=abc';
    const { file, items } = redact(f, NO_REDACTION);
    expect((file.sessions[0].records[0] as any).url).toBe('http://h/p?token=%5Bredacted%5D&room=1&sig=%5Bredacted%5D#frag');
    expect(file.sessions[0].url).toBe('http://h/p?access_token=%5Bredacted%5D');
    expect(items.map((i) => i.rule)).toEqual(['query:token', 'query:sig', 'query:access_token']);
    expect(file.sessions[0].redaction.applied).toBe(false);
  });

  it('previewRedaction lists exactly what redact removes and changes nothing', () => {
    const f = raw();
    const snapshot = JSON.stringify(f);
    const policy = { ...DEFAULT_REDACTION_POLICY, patterns: ['book'] };
    const preview = previewRedaction(f, policy);
    expect(JSON.stringify(f)).toBe(snapshot);
    expect(preview).toEqual(redact(f, policy).items);
    expect(preview.length).toBe(4);
    expect(preview.find((i) => i.rule === 'key:password')?.sample).toBe('hunter2');
  });

  it('emit hashes are re-keyed: the original payload hash is not exported, equal payloads stay equal', () => {
    const records = slowServerRecords();
    const twin = { ...records[3], seq: 100, t: records[3].t + 5000, op: 'fA1/c1/o9' } as Rec;
    const f = buildSessionFile([{ id: 's', records: [...records, twin] }], { redaction: NO_REDACTION }).file;
    const { file } = redact(f);
    const emits = file.sessions[0].records.filter((r) => r.kind === 'emit') as any[];
    expect(emits[0].hash).toMatch(/^[0-9a-f]+$/);
    expect(emits[0].hash).toBe(emits[2].hash);
    const again = redact(f).file.sessions[0].records.filter((r) => r.kind === 'emit') as any[];
    expect(again[0].hash).not.toBe(emits[0].hash); // fresh salt per export
  });

  it('the analysis of a redacted file has the same verdicts as the live records', async () => {
    const records = slowServerRecords();
    const { file } = buildSessionFile([{ id: 's', records }]);
    const back = await parseSessionFile(await encodeSessionFileBytes(file));
    const live = analyze(records);
    const imported = analyze(back.sessions[0].records as Rec[], back.sessions[0].analysisConfig);
    const verdicts = (a: typeof live) => a.operations.map((o) => [o.id, o.event, o.attempts, o.outcome, o.duplicate, o.key]);
    expect(verdicts(imported)).toEqual(verdicts(live));
    expect(imported.findings.map((x) => x.rule)).toEqual(live.findings.map((x) => x.rule));
    expect(JSON.stringify(back)).not.toContain('hunter2');
  });

  it('call-site script URLs and the option snapshot query lose their token-like values too', () => {
    const f = raw();
    const recs = f.sessions[0].records as any[];
    recs[1] = { ...recs[1], opts: { ...recs[1].opts, query: { room: 'a', jwt: 'eyJhbGci' } } };
    recs[3] = { ...recs[3], stack: [{ fn: 'buy', url: 'http://h/app.js?sig=abc', line: 1, col: 2 }] };
    f.sessions[0].clients[0] = { ...f.sessions[0].clients[0], opts: recs[1].opts };
    const { file, items } = redact(f);
    const out = file.sessions[0].records as any[];
    expect(out[1].opts.query).toEqual({ room: 'a', jwt: REDACTED }); // URL-style values: plain [redacted], like the hook
    expect(out[3].stack[0].url).toBe('http://h/app.js?sig=%5Bredacted%5D');
    expect((file.sessions[0].clients[0].opts as any).query.jwt).toBe(REDACTED);
    expect(items.map((i) => `${i.field} ${i.rule}`)).toEqual(
      expect.arrayContaining(['opts.query query:jwt', 'stack.url query:sig', 'clients.opts.query query:jwt']),
    );
    expect(JSON.stringify(file)).not.toContain('eyJhbGci');
  });

  it('equal secrets get equal replacements (a "token" used as idempotency key still links the same ops), never the value', async () => {
    const recs = slowServerRecords();
    const pv = (o: unknown) => ({ json: JSON.stringify([o]), size: 1, truncated: false });
    const second = { ...recs[14], op: 'fA1/c1/o2', event: 'order:create', args: pv({ token: 'T-1' }) } as Rec;
    const third = { ...recs[14], seq: 50, t: recs[14].t + 10, op: 'fA1/c1/o3', event: 'order:create', args: pv({ token: 'T-2' }) } as Rec;
    const all = [...recs.slice(0, 14), second, recs[15], third];
    const config = { keyPaths: { 'order:create': ['token'] } };
    const { file } = buildSessionFile([{ id: 's', records: all, analysisConfig: config }]);
    const out = file.sessions[0].records as any[];
    const masks = [argsOf(out[14])[0].token, argsOf(out[16])[0].token];
    expect(masks[0]).not.toBe(masks[1]);
    expect(JSON.stringify(out)).not.toMatch(/T-1|T-2/);
    const keys = (a: ReturnType<typeof analyze>) => a.operations.map((o) => [o.event, o.emits.length, o.duplicate]);
    expect(keys(analyze(out as Rec[], file.sessions[0].analysisConfig))).toEqual(keys(analyze(all, config)));
  });
});
