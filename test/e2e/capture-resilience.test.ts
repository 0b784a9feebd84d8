/**
 * Capture pipeline under stress and failure (issue 3), real Chromium + dist/ + demo server:
 * service worker stopped mid-burst, ring buffer before recording, malformed page messages,
 * sessions per page load, extension reload under a live page.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Page } from 'playwright-core';
import { launchWithExtension, stopServiceWorkers, type ExtBrowser } from '../support/browser';
import { startDemoServer, type DemoServer } from '../../demo/server';
import { setSettings, waitForRecords, sessions, records, sessionWithEmit, frameStats } from './support/ext';
import { PAGES } from './support/bundle';

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

async function open(path = '/t/umd.html'): Promise<Page> {
  const page = await b.context.newPage();
  await page.goto(srv.url + path);
  await page.waitForFunction(() => (window as any).tReady);
  return page;
}
const workerStartedAt = async () => (await b.worker()).evaluate(() => (globalThis as any).__ackscope.startedAt as number);

describe('capture resilience', () => {
  it('ring buffer: records made before recording starts appear once it starts', async () => {
    await setSettings(b, { recordAll: false, recordOrigins: [] });
    const page = await open();
    const log = await page.evaluate(() => (window as any).t.run(['fast'], 7000));
    expect(log).toEqual([['fast', 'value', { ok: true, echo: { id: 7000 } }]]);
    // not recording: nothing stored for this page
    expect((await sessions(b)).filter((s) => s.url === page.url())).toEqual([]);
    // switch recording on for this site only (what the CLI does through chrome.storage.local)
    await setSettings(b, { recordOrigins: [new URL(srv.url).origin] });
    const recs = await waitForRecords(b, (rs) => rs.some((r) => r.kind === 'settle'));
    const kinds = recs.map((r) => r.kind);
    expect(kinds).toEqual(['hook', 'client', 'conn', 'emit', 'attempt', 'ack', 'settle']);
    expect(recs.find((r) => r.kind === 'emit')).toMatchObject({ event: 'fast', args: { json: '[{"id":7000}]' } });
    await page.close();
  });

  it('stopping the service worker in the middle of a 10,000-emit burst: every record lands, none twice', async () => {
    await setSettings(b, { recordAll: true });
    const page = await open();
    await page.evaluate(() => (window as any).t.run(['fast'], 8000)); // socket up, recording flowing
    const session = await sessionWithEmit(b, '[{"id":8000}]');
    const frame = (await records(b, session!)).find((r) => r.kind === 'hook')!.frame;
    const before = await workerStartedAt();
    await page.evaluate(() => (window as any).t.burst(10_000, 'burst'));
    await stopServiceWorkers(page); // records are still on their way through relay and worker
    await page.evaluate(() => (window as any).t.burst(10_000, 'burst')); // and more after the stop
    let st = await frameStats(b, frame);
    for (let i = 0; i < 300 && (st.byKind.emit ?? 0) < 20_001; i++) {
      await new Promise((r) => setTimeout(r, 200));
      st = await frameStats(b, frame);
    }
    expect(await workerStartedAt(), 'the worker was restarted').not.toBe(before);
    expect(st.byKind.emit).toBe(20_001); // 1 fast + 2 x 10,000 fire
    expect(st.byKind.attempt).toBe(20_001);
    expect(st.unique, 'none twice').toBe(st.total);
    expect(st.maxSeq + 1, 'no holes in the frame sequence').toBe(st.total);
    expect(srv.count('/ fire ')).toBe(20_000);
    // summaries for every op, including those whose records straddle the restart (the new
    // worker rebuilt the analyzer state from the stored chunks)
    const opStats = await (await b.worker()).evaluate(async (s) => {
      const x = (globalThis as any).__ackscope;
      await x.idle();
      let fire = 0;
      await x.db.ops.where('session').equals(s).each((o: any) => {
        if (o.event === 'fire') fire++;
      });
      return fire;
    }, session!);
    expect(opStats).toBe(20_000);
    await page.close();
  });

  it('malformed or foreign handshakes from the page are dropped and counted in a diag record; the app keeps working', async () => {
    await setSettings(b, { recordAll: true });
    const page = await b.context.newPage();
    await page.goto(srv.url + '/t/iframe.html');
    const f = (await (await page.waitForSelector('#f')).contentFrame())!;
    await f.waitForFunction(() => (window as any).tReady);
    await page.evaluate(() => {
      window.postMessage({ type: '__ackscope_handshake_v1' }, '*'); // no port
      const ch = new MessageChannel();
      window.postMessage({ type: '__ackscope_handshake_v1' }, '*', [ch.port2]); // a second handshake
      ch.port1.postMessage({ type: 'records', frame: 'x', records: [{ evil: true }] });
      // from another window (the iframe) to this one
      ((document.getElementById('f') as HTMLIFrameElement).contentWindow as unknown as { eval(src: string): void }).eval(
        "parent.postMessage({ type: '__ackscope_handshake_v1' }, '*', [new MessageChannel().port2])",
      );
      // an imitation of the hook's pagehide hand-over, without the token it sent over its port
      const forged = { v: 1, kind: 'diag', frame: 'x', seq: 0, t: Date.now(), code: 'forged', message: 'forged' };
      window.dispatchEvent(new CustomEvent('__ackscope_pagehide_v1', { detail: JSON.stringify({ token: 'f'.repeat(24), msg: { type: 'records', frame: 'x', records: [forged] } }) }));
    });
    // the app (in the iframe) keeps working and its records still land in the tab's session
    expect(await f.evaluate(() => (window as any).t.run(['fast'], 9000))).toEqual([['fast', 'value', { ok: true, echo: { id: 9000 } }]]);
    const session = await sessionWithEmit(b, '[{"id":9000}]');
    const recs = await waitForRecords(b, (rs) => rs.some((r) => r.kind === 'diag' && (r as any).count >= 4), { session: session! });
    const diag = recs.filter((r) => r.kind === 'diag').at(-1) as any;
    expect(diag).toMatchObject({ code: 'malformed-page-message', count: 4 });
    expect(diag.message).toMatch(/"foreign-handshake":4/);
    expect(recs.some((r) => (r as any).code === 'forged')).toBe(false);
    await page.close();
  });

  it('one session per page load: a reload starts a new session and ends the old one', async () => {
    await setSettings(b, { recordAll: true });
    const page = await open();
    await page.evaluate(() => (window as any).t.run(['fast'], 9100));
    const first = await sessionWithEmit(b, '[{"id":9100}]');
    await page.reload();
    await page.waitForFunction(() => (window as any).tReady);
    await page.evaluate(() => (window as any).t.run(['fast'], 9200));
    const second = await sessionWithEmit(b, '[{"id":9200}]');
    expect(first).toBeTruthy();
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    const all = await sessions(b);
    const s1 = all.find((s) => s.id === first)!;
    const s2 = all.find((s) => s.id === second)!;
    expect(s2.tabId).toBe(s1.tabId);
    expect(s1.endedAt).toBeGreaterThan(0);
    expect(s2.endedAt).toBeUndefined();
    const recs = await records(b, second!);
    expect(recs.filter((r) => r.kind === 'emit').map((r) => (r as any).args.json)).toEqual(['[{"id":9200}]']);
    await page.close();
  });

  it('hook switched off for a site: nothing is recorded there; switched back on, the next page load records', async () => {
    const origin = new URL(srv.url).origin;
    await setSettings(b, { recordAll: true, disabledOrigins: [origin] });
    const page = await open();
    expect(await page.evaluate(() => (window as any).t.run(['fast'], 9500))).toEqual([['fast', 'value', { ok: true, echo: { id: 9500 } }]]);
    await setSettings(b, { disabledOrigins: [] });
    // (the hook re-arms its socket traps on the next load, so switch-on takes effect on reload)
    await page.reload();
    await page.waitForFunction(() => (window as any).tReady);
    await page.evaluate(() => (window as any).t.run(['fast'], 9510));
    const session = await sessionWithEmit(b, '[{"id":9510}]');
    expect(session).toBeTruthy();
    const all = await records(b);
    const emits = all.filter((r) => r.kind === 'emit').map((r) => (r as any).args.json);
    expect(emits).toContain('[{"id":9510}]');
    expect(emits, 'nothing from the page load with the hook off').not.toContain('[{"id":9500}]');
    await page.close();
  });

  it('records made just before the page goes away are flushed on pagehide', async () => {
    await setSettings(b, { recordAll: true });
    const page = await open();
    await page.evaluate(() => (window as any).t.run(['fast'], 9600));
    // partial batches wait 50 ms in the relay: leave at once
    await page.evaluate(() => {
      (window as any).t.sockets.fast.emit('fire', { id: 9601 });
      location.href = '/t/esm.html';
    });
    await page.waitForFunction(() => (window as any).tReady);
    const session = await sessionWithEmit(b, '[{"id":9601}]');
    expect(session).toBeTruthy();
    const recs = await records(b, session!);
    expect(recs.filter((r) => r.kind === 'settle').length).toBe(1);
    await page.close();
  });

  it('retention keeps the newest sessions and says so on the new session', async () => {
    await setSettings(b, { recordAll: true, retention: { sessions: 2, bytes: 1024 * 1024 * 1024 } });
    for (const id of [9700, 9710, 9720]) {
      const page = await open();
      await page.evaluate((id) => (window as any).t.run(['fast'], id), id);
      expect(await sessionWithEmit(b, `[{"id":${id}}]`)).toBeTruthy();
      await page.close();
    }
    const left = await sessions(b);
    expect(left.length).toBe(2);
    const newest = left.at(-1)!;
    expect((await records(b, newest.id)).some((r) => r.kind === 'emit' && (r as any).args.json === '[{"id":9720}]')).toBe(true);
    expect(newest.warnings.join(' ')).toMatch(/Retention: removed \d+ older session/);
    await setSettings(b, { retention: { sessions: 20, bytes: 1024 * 1024 * 1024 } });
  });

  it('extension reloaded under a live page: the relay stops quietly and the app keeps working', async () => {
    await setSettings(b, { recordAll: true });
    const page = await open();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.evaluate(() => (window as any).t.run(['fast'], 9300));
    const w = await b.worker();
    await w.evaluate(() => chrome.runtime.reload()).catch(() => {});
    await b.worker(); // the reloaded extension's worker
    const log = await page.evaluate(() => (window as any).t.run(['fast', 'never'], 9400));
    expect(log.slice(1)).toEqual([
      ['fast', 'value', { ok: true, echo: { id: 9400 } }],
      ['never', 'error', 'Error: operation has timed out'],
    ]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
