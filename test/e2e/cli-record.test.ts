// `ackscope record` end to end (issue 6): the real built CLI as a child process, real
// Chromium with the built extension, the real demo server. Every verdict is checked against
// the server's own count of handler executions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDemoServer, type DemoServer } from '../../demo/server';
import { BIN, ROOT, assertBuilt, runCli, snapshotExtension } from '../unit/cli/run-cli';

const PAGES = resolve(ROOT, 'test/fixtures/pages');
const tmp = mkdtempSync(join(tmpdir(), 'ackscope-rec-'));
let server: DemoServer;

let extEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  assertBuilt();
  // A snapshot of dist/: a rebuild of the extension while these tests run must not pull the
  // files away from under the browser.
  extEnv = { ACKSCOPE_EXTENSION_DIR: snapshotExtension(tmp) };
  server = await startDemoServer({ staticDirs: { '/pages/': PAGES } });
});
afterAll(async () => server?.close());

/** Resolves when the server has run `key` at least once (the page's "all acks in" signal). */
async function serverSaw(key: string, child: { exitCode: number | null }, stderr: () => string = () => ''): Promise<void> {
  while (!server.executions.get(key)) {
    if (child.exitCode !== null) throw new Error(`the CLI exited (${child.exitCode}) before the page signalled ${key}\n${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Recorded {
  code: number | null;
  stderr: string;
  analysis: any;
}

/** Record the scenario page until it signals completion, then stop the CLI with `signal`. */
async function record(run: string, query: string, stop: 'SIGINT' | 'SIGTERM', extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Recorded> {
  const out = join(tmp, `${run}.json`);
  const url = `${server.url}/pages/scenario.html?${query}&run=${run}`;
  const child = spawn(process.execPath, [BIN, 'record', url, '--out', out, ...extra], { cwd: ROOT, env: { ...process.env, ...extEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.resume();
  const closed = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  try {
    await serverSaw(`/ fire done-${run}`, child);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${stderr}`);
  }
  child.kill(stop);
  const code = await closed;
  expect(code, stderr).toBe(0);
  expect(existsSync(out)).toBe(true);
  const a = await runCli(['analyze', out, '--json', '--fail-on', 'never']);
  expect(a.code, a.stderr).toBe(0);
  return { code, stderr, analysis: JSON.parse(a.stdout) };
}

const ops = (a: any, event: string) => a.operations.filter((o: any) => o.event === event);
const runs = (key: string) => server.executions.get(key) ?? 0;
/** Context for a failing assertion: the operation as analysed and what the server ran. */
const ctx = (op: any) => JSON.stringify({ op: op && { attempts: op.attempts, outcome: op.outcome, duplicate: op.duplicate, chain: op.chain }, server: Object.fromEntries(server.executions) });

describe('ackscope record against the demo server', () => {
  it('slow handler with {retries: 2, ackTimeout: 300}: 3 executions => 3 attempts, confirmed (Ctrl-C stops)', async () => {
    const r = await record('slow1', 'event=slow&retries=2&ackTimeout=300&delay=700&n=1&expectAcks=3', 'SIGINT');
    const [op] = ops(r.analysis, 'slow');
    expect(runs('/ slow slow1-0')).toBe(3);
    expect(op?.attempts, ctx(op)).toBe(runs('/ slow slow1-0'));
    expect(op?.duplicate, ctx(op)).toBe('confirmed');
    expect(op?.outcome, ctx(op)).toBe('failed');
    expect(op.args).toEqual([{ id: 'slow1-0', delay: 700 }]);
    expect(r.analysis.findings.some((f: any) => f.rule === 'duplicate-delivery' && f.severity === 'error')).toBe(true);
    expect(r.stderr).toMatch(/stopping \(SIGINT\)/);
    expect(r.stderr).toMatch(/wrote .*slow1\.json/);
    // CI gate on the recorded file.
    expect((await runCli(['analyze', join(tmp, 'slow1.json')])).code).toBe(1);
  });

  it('fast handler, no retries: each of 3 operations acked once, ran once (SIGTERM stops)', async () => {
    const r = await record('fast1', 'event=fast&n=3', 'SIGTERM');
    const fast = ops(r.analysis, 'fast');
    expect(fast.map((o: any) => o.key)).toEqual(['fast1-0', 'fast1-1', 'fast1-2']);
    for (const op of fast) {
      expect(op?.attempts, ctx(op)).toBe(runs(`/ fast ${op.key}`));
      expect(op?.attempts, ctx(op)).toBe(1);
      expect(op?.outcome, ctx(op)).toBe('acked');
      expect(op?.duplicate, ctx(op)).toBe('none');
    }
    expect(r.analysis.findings.filter((f: any) => f.severity === 'error')).toEqual([]);
  });

  it('dedup handler with retries: the repeat is recognised, verdict server-deduplicated', async () => {
    const r = await record('dd1', 'event=dedup&retries=2&ackTimeout=300&delay=700&n=1&expectAcks=2', 'SIGINT');
    const [op] = ops(r.analysis, 'dedup');
    expect(op?.attempts, ctx(op)).toBe(runs('/ dedup dd1-0'));
    expect(op?.attempts, ctx(op)).toBe(2);
    expect(op?.duplicate, ctx(op)).toBe('server-deduplicated');
    expect(op?.outcome, ctx(op)).toBe('acked');
  });

  it('handler that never acks, {retries: 1, ackTimeout: 200}: 2 sends, 2 executions, possible duplicate', async () => {
    const r = await record('nv1', 'event=never&retries=1&ackTimeout=200&n=1&expectAcks=0', 'SIGINT');
    const [op] = ops(r.analysis, 'never');
    expect(op?.attempts, ctx(op)).toBe(runs('/ never nv1-0'));
    expect(op?.attempts, ctx(op)).toBe(2);
    expect(op?.duplicate, ctx(op)).toBe('possible');
    expect(op?.outcome, ctx(op)).toBe('failed');
  });

  it('a page and its reload: both loads are in the file, each operation matches the server', async () => {
    const out = join(tmp, 'rl1.json');
    const url = `${server.url}/pages/scenario.html?event=fast&n=2&reload=1&run=rl1`;
    const child = spawn(process.execPath, [BIN, 'record', url, '--out', out], { cwd: ROOT, env: { ...process.env, ...extEnv }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const closed = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    await serverSaw('/ fire done-rl1r', child, () => stderr);
    child.kill('SIGINT');
    expect(await closed, stderr).toBe(0);
    const a = JSON.parse((await runCli(['analyze', out, '--json', '--fail-on', 'never'])).stdout);
    const fast = ops(a, 'fast');
    expect(fast.map((o: any) => o.key)).toEqual(['rl1-0', 'rl1-1', 'rl1r-0', 'rl1r-1']);
    for (const op of fast) expect(op?.attempts, ctx(op)).toBe(runs(`/ fast ${op.key}`));
    // Whether the reload is its own session is the capture pipeline's call; both must be there.
    expect(a.source.sessions.reduce((n: number, s: any) => n + s.operations, 0)).toBe(a.operations.length);
  });

  it('--duration stops by itself; extension loaded over CDP Extensions.loadUnpacked also records', async () => {
    const out = join(tmp, 'dur.json');
    const url = `${server.url}/pages/scenario.html?event=fast&n=2&run=dur`;
    const r = await runCli(['record', url, '--out', out, '--duration', '3'], { env: { ...extEnv, ACKSCOPE_LOAD_MODE: 'cdp' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/loaded via CDP Extensions\.loadUnpacked/);
    expect(r.stderr).toMatch(/stopping \(3 s elapsed\)/);
    const a = JSON.parse((await runCli(['analyze', out, '--json', '--fail-on', 'never'])).stdout);
    // However far the page got in 3 s, AckScope and the server agree op by op.
    for (const op of ops(a, 'fast')) expect(op?.attempts, ctx(op)).toBe(runs(`/ fast ${op.key}`));
    expect(ops(a, 'fast').length).toBe(runs('/ fast dur-0') + runs('/ fast dur-1'));
  });

  it('an unreachable URL fails with exit 1 and one line', async () => {
    const r = await runCli(['record', 'http://127.0.0.1:9/', '--out', join(tmp, 'none.json'), '--duration', '1'], { env: extEnv });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot open http:\/\/127\.0\.0\.1:9\//);
    expect(existsSync(join(tmp, 'none.json'))).toBe(false);
  });
});
