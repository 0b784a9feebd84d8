import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { launchWithExtension, type ExtBrowser } from '../support/browser';
import { startDemoServer, type DemoServer } from '../../demo/server';
import { setSettings, records, waitForRecords, sessions } from './support/ext';

const PAGES = join(import.meta.dirname, 'support/pages');
let b: ExtBrowser;
let srv: DemoServer;
beforeAll(async () => {
  srv = await startDemoServer({ staticDirs: { '/t/': PAGES } });
  b = await launchWithExtension();
  await b.worker();
});
afterAll(async () => {
  await b?.close();
  await srv?.close();
});

describe('capture smoke', () => {
  it('stores a fast ack', async () => {
    await setSettings(b, { recordAll: true });
    const page = await b.context.newPage();
    await page.goto(srv.url + '/t/umd.html');
    await page.evaluate(() => (window as any).t.connect('a'));
    const r = await page.evaluate(() => (window as any).t.ack('a', 'fast', { id: 1 }));
    expect(r).toEqual({ ok: { ok: true, echo: { id: 1 } } });
    const recs = await waitForRecords(b, (rs) => rs.some((x) => x.kind === 'settle'));
    console.log(JSON.stringify(recs.map(({ session, ...r }) => r), null, 0));
    console.log(JSON.stringify(await sessions(b)));
  });
});
