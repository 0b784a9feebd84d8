// `ackscope/playwright` (issue 6): the built helper, imported the way a user's test imports
// it (package self-reference -> dist-cli/playwright.js), against real Chromium and the demo server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDemoServer, type DemoServer } from '../../demo/server';
import { ROOT, assertBuilt, runCli, snapshotExtension } from '../unit/cli/run-cli';

const PAGES = resolve(ROOT, 'test/fixtures/pages');
const tmp = mkdtempSync(join(tmpdir(), 'ackscope-pw-'));
let server: DemoServer;
let startAckScope: typeof import('../../src/playwright').startAckScope;
let extensionPath: string;

beforeAll(async () => {
  assertBuilt();
  ({ startAckScope } = await import('ackscope/playwright' as string));
  extensionPath = snapshotExtension(tmp);
  server = await startDemoServer({ staticDirs: { '/pages/': PAGES } });
});
afterAll(async () => server?.close());

async function until(key: string): Promise<void> {
  while (!server.executions.get(key)) await new Promise((r) => setTimeout(r, 50));
}

describe('startAckScope / finish', () => {
  it('reports the confirmed duplicate of a slow handler and writes a session file the CLI reads', async () => {
    const rec = await startAckScope({ extensionPath });
    try {
      const page = await rec.newPage();
      await page.goto(`${server.url}/pages/scenario.html?event=slow&retries=2&ackTimeout=300&delay=700&n=1&expectAcks=3&run=pw1`);
      await until('/ fire done-pw1');
      const out = join(tmp, 'pw1.json.gz');
      const res = await rec.finish({ out });
      expect(res.confirmedDuplicates).toHaveLength(1);
      const [op] = res.confirmedDuplicates;
      expect(op.event).toBe('slow');
      expect(op.attempts).toBe(server.executions.get('/ slow pw1-0'));
      expect(res.file).toBe(out);
      expect(existsSync(out)).toBe(true);
      const cli = await runCli(['analyze', out, '--json', '--fail-on', 'never']);
      const j = JSON.parse(cli.stdout);
      expect(j.operations.find((o: any) => o.event === 'slow').duplicate).toBe('confirmed');
    } finally {
      await rec.close();
    }
  });

  it('a clean run: no confirmed duplicate deliveries', async () => {
    const rec = await startAckScope({ extensionPath });
    try {
      const page = await rec.newPage();
      await page.goto(`${server.url}/pages/scenario.html?event=fast&n=2&run=pw2`);
      await until('/ fire done-pw2');
      const { confirmedDuplicates, analysis } = await rec.finish();
      expect(confirmedDuplicates).toEqual([]);
      const fast = analysis.operations.filter((o) => o.event === 'fast');
      expect(fast).toHaveLength(2);
      for (const op of fast) expect(op.attempts).toBe(server.executions.get(`/ fast ${op.key}`));
    } finally {
      await rec.close();
    }
  });
});
