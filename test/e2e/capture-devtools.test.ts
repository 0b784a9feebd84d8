/**
 * Recording follows DevTools (issue 3): with no recording setting, a tab records while
 * DevTools is open on it (the devtools page's port), also across a service-worker restart.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { launchWithExtension, stopServiceWorkers, type ExtBrowser } from '../support/browser';
import { startDemoServer, type DemoServer } from '../../demo/server';
import { setSettings, sessionWithEmit, records } from './support/ext';
import { PAGES } from './support/bundle';

let b: ExtBrowser;
let srv: DemoServer;
beforeAll(async () => {
  srv = await startDemoServer({ staticDirs: { '/t/': PAGES } });
  b = await launchWithExtension({ devtools: true });
  await setSettings(b, { recordAll: false, recordOrigins: [] });
});
afterAll(async () => {
  await b?.close();
  await srv?.close();
});

describe('capture: recording while DevTools is open', () => {
  it('records a tab with DevTools open, and keeps recording after the worker restarts', async () => {
    const page = await b.context.newPage();
    await page.goto(srv.url + '/t/umd.html');
    await page.waitForFunction(() => (window as any).tReady);
    await page.evaluate(() => (window as any).t.run(['fast'], 500));
    const s1 = await sessionWithEmit(b, '[{"id":500}]');
    expect(s1, 'stored while DevTools is open (no recording setting)').toBeTruthy();
    await stopServiceWorkers(page);
    await page.evaluate(() => (window as any).t.run(['fast'], 510));
    const s2 = await sessionWithEmit(b, '[{"id":510}]');
    expect(s2).toBe(s1);
    const emits = (await records(b, s1!)).filter((r) => r.kind === 'emit').map((r) => (r as any).args.json);
    expect(emits).toEqual(['[{"id":500}]', '[{"id":510}]']);
  });
});
