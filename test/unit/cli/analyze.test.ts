// `ackscope analyze`: the real built CLI as a child process on HAR fixtures recorded by real
// Chromium (test/fixtures/har/generate.ts) and on session files built from them.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { decodeHar } from '../../../src/core/har';
import { buildSessionFile, encodeSessionFileBytes } from '../../../src/core/session-file';
import type { Rec } from '../../../src/core/protocol';
import { ROOT, assertBuilt, runCli } from './run-cli';

const HAR = resolve(ROOT, 'test/fixtures/har');
const expected = (name: string) => JSON.parse(readFileSync(join(HAR, `${name}.expected.json`), 'utf8')).executions as Record<string, number>;
const tmp = mkdtempSync(join(tmpdir(), 'ackscope-cli-'));

async function sessionFileFrom(records: Rec[], gzip = false): Promise<string> {
  const { file } = buildSessionFile([{ id: 'test', records }]);
  const p = join(tmp, `s-${Math.random().toString(36).slice(2)}.json${gzip ? '.gz' : ''}`);
  writeFileSync(p, await encodeSessionFileBytes(file, { gzip }));
  return p;
}

function parseOne(stdout: string): any {
  // Exactly one JSON object on stdout: JSON.parse fails on anything before or after it.
  return JSON.parse(stdout);
}

beforeAll(() => assertBuilt());

describe('analyze --json on HAR fixtures from real Chromium', () => {
  for (const name of ['slow', 'slow-polling']) {
    it(`${name}.har: one operation sent as often as the server ran it, confirmed duplicate`, async () => {
      const r = await runCli(['analyze', join(HAR, `${name}.har`), '--json']);
      const j = parseOne(r.stdout);
      expect(j.format).toBe('ackscope-analysis');
      expect(j.version).toBe(1);
      const ex = expected(name);
      const [key, runs] = Object.entries(ex).find(([k]) => k.startsWith('/ slow '))!;
      expect(runs).toBe(3);
      const slow = j.operations.filter((o: any) => o.event === 'slow');
      expect(slow).toHaveLength(1);
      const op = slow[0];
      expect(op.attempts).toBe(runs);
      expect(op.duplicate).toBe('confirmed');
      expect(op.outcome).toBe('failed');
      expect(op.key).toBe(key.split(' ')[2]);
      expect(op.args).toEqual([{ id: key.split(' ')[2], delay: 700 }]);
      expect(op.socket).toMatch(/^\/ #\d+$/);
      // The attempt chain: new wire ids, every attempt answered late (socket.io dropped the acks).
      expect(op.chain.map((a: any) => a.wireId)).toEqual([0, 1, 2]);
      expect(op.chain.map((a: any) => a.end)).toEqual(['timeout', 'timeout', 'timeout']);
      expect(op.chain.every((a: any) => a.lateAcks.length === 1)).toBe(true);
      expect(j.findings.some((f: any) => f.rule === 'duplicate-delivery' && f.severity === 'error')).toBe(true);
      expect(j.source.kind).toBe('har');
      expect(j.source.cannotShow.length).toBeGreaterThan(0);
      expect(r.code).toBe(1); // default --fail-on error
      expect(r.stderr).toBe('');
    });
  }

  it('dedup.har: the retry reached the server and was recognised (DUPLICATE ack): server-deduplicated', async () => {
    const r = await runCli(['analyze', join(HAR, 'dedup.har'), '--json']);
    const j = parseOne(r.stdout);
    const [op] = j.operations.filter((o: any) => o.event === 'dedup');
    expect(op.attempts).toBe(expected('dedup')['/ dedup dedup-0']);
    expect(op.attempts).toBe(2);
    expect(op.duplicate).toBe('server-deduplicated');
    expect(op.outcome).toBe('acked');
    expect(op.ackArgs).toEqual(['DUPLICATE']);
    expect(j.findings.some((f: any) => f.severity === 'error')).toBe(false);
    expect(r.code).toBe(0);
  });

  it('never.har: two unanswered sends the server both ran: possible duplicate, exit 1 only with --fail-on warning', async () => {
    const file = join(HAR, 'never.har');
    const r = await runCli(['analyze', file, '--json']);
    const [op] = parseOne(r.stdout).operations.filter((o: any) => o.event === 'never');
    expect(op.attempts).toBe(expected('never')['/ never never-0']);
    expect(op.duplicate).toBe('possible');
    expect(op.chain.map((a: any) => a.end)).toEqual(['timeout', 'timeout']);
    expect(r.code).toBe(0);
    expect((await runCli(['analyze', file, '--fail-on', 'warning'])).code).toBe(1);
  });

  it('fast.har: every operation acked once, as many as the server ran', async () => {
    const r = await runCli(['analyze', join(HAR, 'fast.har'), '--json']);
    const j = parseOne(r.stdout);
    const fast = j.operations.filter((o: any) => o.event === 'fast');
    const ex = expected('fast');
    expect(fast).toHaveLength(Object.keys(ex).length);
    for (const op of fast) {
      expect(ex[`/ fast ${op.key}`]).toBe(op.attempts);
      expect(op.outcome).toBe('acked');
      expect(op.duplicate).toBe('none');
      expect(op.ackArgs).toEqual([{ ok: true, echo: op.args[0] }]);
    }
    // Operations in order of first send.
    expect(fast.map((o: any) => o.key)).toEqual(['fast-0', 'fast-1', 'fast-2']);
    expect(r.code).toBe(j.findings.some((f: any) => f.severity === 'error') ? 1 : 0);
  });
});

describe('--fail-on', () => {
  it('error (default), warning and never follow the finding severities', async () => {
    const file = join(HAR, 'slow.har');
    expect((await runCli(['analyze', file, '--json'])).code).toBe(1);
    expect((await runCli(['analyze', file, '--json', '--fail-on', 'error'])).code).toBe(1);
    expect((await runCli(['analyze', file, '--json', '--fail-on', 'warning'])).code).toBe(1);
    expect((await runCli(['analyze', file, '--json', '--fail-on', 'never'])).code).toBe(0);
  });

  it('a session with warnings but no error: exit 0 on error, 1 on warning', async () => {
    // One retried op: attempt 1 unanswered, attempt 2 acked -> possible duplicate (warning).
    const c = 'f1/c1';
    const op = `${c}/o1`;
    const base = { v: 1 as const, frame: 'f1' };
    const recs = [
      { ...base, seq: 0, t: 1000, kind: 'hook', url: 'http://127.0.0.1/', top: true, userAgent: 'ua', hookVersion: 't' },
      { ...base, seq: 1, t: 1001, kind: 'client', client: c, manager: 'f1/m1', url: 'http://127.0.0.1/socket.io/', nsp: '/', opts: { retries: 1, ackTimeout: 300 } },
      { ...base, seq: 2, t: 1002, kind: 'conn', client: c, event: 'connect', sid: 's1' },
      { ...base, seq: 3, t: 1010, kind: 'emit', client: c, op, event: 'order', ack: true, api: 'promise', queued: true, flags: {}, args: { json: '[{"id":"o-1"}]', size: 14, truncated: false } },
      { ...base, seq: 4, t: 1010, kind: 'attempt', client: c, op, try: 1, ackId: 0 },
      { ...base, seq: 5, t: 1310, kind: 'attempt-end', client: c, op, ackId: 0, cause: 'timeout', message: 'operation has timed out' },
      { ...base, seq: 6, t: 1311, kind: 'attempt', client: c, op, try: 2, ackId: 1 },
      { ...base, seq: 7, t: 1320, kind: 'ack', client: c, ackId: 1, op, late: false, latency: 9, args: { json: '[{"ok":true}]', size: 13, truncated: false } },
      { ...base, seq: 8, t: 1320, kind: 'settle', client: c, op, outcome: 'acked' },
    ] as Rec[];
    const file = await sessionFileFrom(recs);
    const j = parseOne((await runCli(['analyze', file, '--json', '--fail-on', 'never'])).stdout);
    expect(j.operations[0].duplicate).toBe('possible');
    expect(j.findings.some((f: any) => f.severity === 'error')).toBe(false);
    expect(j.findings.some((f: any) => f.severity === 'warning')).toBe(true);
    expect((await runCli(['analyze', file, '--json'])).code).toBe(0);
    expect((await runCli(['analyze', file, '--fail-on', 'warning'])).code).toBe(1);
  });
});

describe('session files', () => {
  it('a session file (.json and .json.gz) of the same records gives the HAR verdicts', async () => {
    const har = JSON.parse(readFileSync(join(HAR, 'slow.har'), 'utf8'));
    const { records } = decodeHar(har);
    const fromHar = parseOne((await runCli(['analyze', join(HAR, 'slow.har'), '--json', '--fail-on', 'never'])).stdout);
    for (const gz of [false, true]) {
      const file = await sessionFileFrom(records, gz);
      const r = await runCli(['analyze', file, '--json']);
      const j = parseOne(r.stdout);
      expect(j.source.kind).toBe('session');
      expect(j.operations).toEqual(fromHar.operations);
      expect(j.findings.map((f: any) => f.rule)).toEqual(fromHar.findings.map((f: any) => f.rule));
      expect(r.code).toBe(1);
    }
  });

  it('readable report names verdicts, evidence, findings, recommendation and HAR limits', async () => {
    const r = await runCli(['analyze', join(HAR, 'slow.har')]);
    expect(r.stdout).toContain('CONFIRMED DUPLICATE');
    expect(r.stdout).toMatch(/late ack after \d+ ms/);
    expect(r.stdout).toContain('duplicate-delivery');
    expect(r.stdout).toContain('Recommended client config');
    expect(r.stdout).toContain('What a HAR cannot show');
    expect(r.code).toBe(1);
  });
});

describe('bad input: exit 2, one line on stderr naming the flag or file, nothing on stdout', () => {
  const cases: Array<[string, () => Promise<string[]> | string[], RegExp]> = [
    ['missing file', () => ['analyze', join(tmp, 'nope.json')], /nope\.json: no such file/],
    ['unknown flag', () => ['analyze', join(HAR, 'slow.har'), '--bogus'], /--bogus/],
    ['bad --fail-on value', () => ['analyze', join(HAR, 'slow.har'), '--fail-on', 'critical'], /--fail-on/],
    ['missing file argument', () => ['analyze'], /file/],
    ['unknown command', () => ['bogus'], /bogus/],
    [
      'broken JSON session file',
      () => {
        const p = join(tmp, 'broken.json');
        writeFileSync(p, '{"format":"ackscope-session","version":1,"createdAt":"2026-01-01T00:00:00.000Z","sessions":[{"id":');
        return ['analyze', p];
      },
      /broken\.json/,
    ],
    [
      'wrong format',
      () => {
        const p = join(tmp, 'other.json');
        writeFileSync(p, JSON.stringify({ format: 'something-else', version: 1 }));
        return ['analyze', p];
      },
      /other\.json: .*format/,
    ],
    [
      'newer version',
      () => {
        const p = join(tmp, 'v9.json');
        writeFileSync(p, JSON.stringify({ format: 'ackscope-session', version: 9, sessions: [] }));
        return ['analyze', p];
      },
      /v9\.json: .*version/,
    ],
    [
      'empty file',
      () => {
        const p = join(tmp, 'empty.json');
        writeFileSync(p, '');
        return ['analyze', p];
      },
      /empty\.json: .*empty/,
    ],
    [
      'truncated gzip',
      () => {
        const p = join(tmp, 'cut.json.gz');
        const gz = gzipSync(readFileSync(join(HAR, 'fast.expected.json')));
        writeFileSync(p, gz.subarray(0, gz.length - 10));
        return ['analyze', p];
      },
      /cut\.json\.gz: .*gzip/,
    ],
    [
      'broken HAR JSON',
      () => {
        const p = join(tmp, 'cut.har');
        writeFileSync(p, '{"log":{"entries":[');
        return ['analyze', p];
      },
      /cut\.har: not valid JSON/,
    ],
    [
      'HAR without Socket.IO traffic',
      () => {
        const p = join(tmp, 'plain.har');
        writeFileSync(p, JSON.stringify({ log: { version: '1.2', entries: [{ startedDateTime: '2026-01-01T00:00:00.000Z', time: 1, request: { method: 'GET', url: 'http://127.0.0.1/' }, response: { status: 200 } }] } }));
        return ['analyze', p];
      },
      /plain\.har: .*no Socket\.IO/,
    ],
    ['record without --out', () => ['record', 'http://127.0.0.1:9/'], /--out/],
    ['record with a bad --duration', () => ['record', 'http://127.0.0.1:9/', '--out', join(tmp, 'x.json'), '--duration', 'soon'], /--duration/],
    ['record with a bad url', () => ['record', 'not a url', '--out', join(tmp, 'x.json')], /not a url/],
    ['record with a missing --browser', () => ['record', 'http://127.0.0.1:9/', '--out', join(tmp, 'x.json'), '--browser', join(tmp, 'no-chrome')], /--browser .*no-chrome/],
    ['record into a missing directory', () => ['record', 'http://127.0.0.1:9/', '--out', join(tmp, 'no', 'dir', 'x.json')], /--out .*does not exist/],
    ['record with a bad --out extension', () => ['record', 'http://127.0.0.1:9/', '--out', join(tmp, 'x.txt')], /--out .*x\.txt/],
  ];
  it('record with CHROME_PATH pointing nowhere', async () => {
    const r = await runCli(['record', 'http://127.0.0.1:9/', '--out', join(tmp, 'x.json')], { env: { CHROME_PATH: join(tmp, 'missing-chrome') } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/CHROME_PATH=.*missing-chrome: no such file/);
  });
  for (const [name, args, re] of cases) {
    it(name, async () => {
      const r = await runCli(await args());
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.endsWith('\n')).toBe(true);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    });
  }
});

describe('--help', () => {
  for (const args of [['--help'], ['analyze', '--help'], ['record', '--help'], ['help', 'analyze']]) {
    it(`ackscope ${args.join(' ')}`, async () => {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: ackscope/);
    });
  }
});
