/**
 * Session file round trip (issue 6) in real Chromium: record with the built extension against
 * the demo server's real Socket.IO handlers; the file (built from the stored records, and
 * exported with "Export session" in the real DevTools panel) parses, is redacted and gives the
 * same verdicts as the live analysis; "Open session…" in the panel and the standalone viewer
 * (dist-viewer, no extension) show the same table as the live panel.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import CDP from 'chrome-remote-interface';
import { launchWithExtension, findChrome, type ExtBrowser } from '../support/browser';
import { openPanel, type PanelDriver } from '../support/devtools-panel';
import { startDemoServer, type DemoServer } from '../../demo/server';
import { setSettings, ops, sessionWithEmit, waitForRecords } from './support/ext';
import { PAGES } from './support/bundle';
import { analyze } from '../../src/core/analysis/index';
import { buildSessionFile, encodeSessionFileBytes, parseSessionFile, type SessionFile } from '../../src/core/session-file/index';
import type { Rec } from '../../src/core/protocol';

const ROOT = resolve(import.meta.dirname, '../..');
const VIEWER = join(ROOT, 'dist-viewer/index.html');

/** What a user reads in the operations table, row by row: event, attempts, outcome, verdict. */
const TABLE = `[...document.querySelectorAll('[role=row][data-op]')].map(r => [
  r.querySelector('.c-event').textContent,
  r.querySelector('.c-attempts').firstChild.textContent,
  r.querySelector('.c-outcome').textContent,
  r.querySelector('.c-duplicate').textContent,
].join(' | '))`;

type Exported = { path: string; bytes: Uint8Array; file: SessionFile };
const verdicts = (list: ReadonlyArray<{ event: string; attempts: number; outcome: string; duplicate: string }>) =>
  list.map((o) => `${o.event} ${o.attempts} ${o.outcome} ${o.duplicate}`);

async function waitForFile(dir: string, re: RegExp): Promise<string> {
  // Download completion shows on disk: poll until the final name exists.
  for (let i = 0; i < 600; i++) {
    const f = readdirSync(dir).find((n) => re.test(n));
    if (f) return join(dir, f);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no download matching ${re} in ${dir}: ${readdirSync(dir).join(', ')}`);
}

/** A real Ctrl+S from the keyboard, routed by Chrome to the focused frame (the panel). */
async function pressCtrlS(b: ExtBrowser) {
  const port = Number(readFileSync(join(b.userDataDir, 'DevToolsActivePort'), 'utf8').split('\n')[0]);
  const dt = (await CDP.List({ port })).find((t: { url: string }) => t.url.startsWith('devtools://devtools/bundled/devtools_app.html'));
  const c = await CDP({ port, target: dt!.id });
  try {
    for (const type of ['rawKeyDown', 'keyUp'] as const)
      await c.Input.dispatchKeyEvent({ type, key: 's', code: 'KeyS', windowsVirtualKeyCode: 83, modifiers: 2 });
  } finally {
    await c.close();
  }
}

async function expectViewerShows(exp: Exported, table: string[]) {
  expect(existsSync(VIEWER), 'dist-viewer/index.html (npm run build:viewer)').toBe(true);
  const browser = await chromium.launch({ executablePath: findChrome(), args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const p: Page = await browser.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto('file://' + VIEWER);
    await p.setInputFiles('[data-testid=open-session-input]', exp.path);
    await p.waitForFunction(`document.querySelectorAll('[role=row][data-op]').length >= ${table.length}`);
    expect(await p.evaluate(TABLE)).toEqual(table);
    const s = exp.file.sessions[0];
    const shown = await p.evaluate(() =>
      (globalThis as any).__ackscopeSource.getState().ops.map((o: any) => ({ event: o.event, attempts: o.attempts, outcome: o.outcome, duplicate: o.duplicate })),
    );
    expect(verdicts(shown)).toEqual(verdicts(analyze(s.records as Rec[], s.analysisConfig).operations));
    // A broken file: one clear line, and the open session stays.
    await p.setInputFiles('[data-testid=open-session-input]', {
      name: 'cut.json.gz',
      mimeType: 'application/gzip',
      buffer: Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xab]),
    });
    await p.waitForSelector('[data-testid=open-error]');
    expect(await p.textContent('[data-testid=open-error]')).toMatch(/^Cannot open cut\.json\.gz: gzip data is truncated or corrupt/);
    expect(await p.evaluate(TABLE)).toEqual(table);
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
}

describe('session file round trip: record in Chromium → file → same verdicts in panel and viewer', () => {
  let srv: DemoServer;
  let b: ExtBrowser;
  let page: Page;
  let panel: PanelDriver;
  let session: string;
  let stored: Rec[];
  let dir: string;
  let liveTable: string[];
  let nodeBuilt: Exported;
  let fromPanel: Exported;

  beforeAll(async () => {
    srv = await startDemoServer({ staticDirs: { '/t/': PAGES } });
    b = await launchWithExtension({ devtools: true });
    await b.worker();
    await setSettings(b, { recordAll: true });
    page = b.context.pages()[0] ?? (await b.context.newPage());
    await page.goto(srv.url + '/t/umd.html');
    await page.waitForFunction(() => (window as any).tReady);
    // retries 2 / ackTimeout 300 against a 500 ms handler: the server runs it 3 times.
    const log = await page.evaluate(() => (window as any).t.run(['fast', 'slowRetries', 'never'], 100));
    expect(log.map((l: unknown[]) => l.slice(0, 2))).toEqual([
      ['fast', 'value'],
      ['slow', 'error'],
      ['never', 'error'],
    ]);
    // A payload with a credential in it: it must not leave the machine in a file.
    await page.evaluate(() => (window as any).t.sockets.fast.emitWithAck('fast', { id: 200, password: 'hunter2' }));
    session = (await sessionWithEmit(b, '[{"id":200,"password":"hunter2"}]'))!;
    expect(session).toBeTruthy();
    const recs = await waitForRecords(
      b,
      (rs) => rs.filter((r) => r.kind === 'settle').length >= 4 && rs.filter((r) => r.kind === 'ack' && r.late).length >= 3,
      { session },
    );
    stored = recs.map(({ session: _s, ...r }) => r as Rec);
    expect(srv.count('/ slow ')).toBe(3);
    dir = mkdtempSync(join(tmpdir(), 'ackscope-dl-'));
    panel = await openPanel(b, { inspectedUrlPart: '/t/umd.html' });
  });

  afterAll(async () => {
    await panel?.close();
    await b?.close();
    await srv?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the live panel shows the recording (baseline)', async () => {
    await panel.waitFor(`document.querySelectorAll('[role=row][data-op]').length >= 4 && document.querySelector('.b-confirmed')`, 30_000);
    liveTable = await panel.eval<string[]>(TABLE);
    expect(liveTable).toHaveLength(4);
    expect(liveTable.find((r) => r.startsWith('slow'))).toMatch(/^slow \| 3 \| .* \| confirmed duplicate$/);
  });

  it("a file built from the stored records (the exporter's code) is redacted and gives the worker's live verdicts", async () => {
    const row = await (await b.worker()).evaluate((id) => (globalThis as any).__ackscope.db.sessions.get(id), session);
    const { file } = buildSessionFile([
      { id: session, records: stored, url: row.url, startedAt: row.startedAt, userAgent: row.userAgent, analysisConfig: row.analysisConfig },
    ]);
    const bytes = await encodeSessionFileBytes(file, { gzip: true });
    const path = join(dir, 'node-built.json.gz');
    writeFileSync(path, bytes);
    const back = await parseSessionFile(bytes);
    nodeBuilt = { path, bytes, file: back };
    const s = back.sessions[0];
    expect(JSON.stringify(back)).not.toContain('hunter2');
    expect(s.userAgent).toMatch(/Chrome\//);
    expect(s.clients.some((c) => c.opts.retries === 2 && c.opts.ackTimeout === 300)).toBe(true);
    // The worker's incremental analysis (what the live panel shows) vs the analysis of the file.
    const liveOps = (await ops(b, session)).sort((x, y) => x.firstSend - y.firstSend || (x.id < y.id ? -1 : 1));
    const fileOps = analyze(s.records as Rec[], s.analysisConfig).operations;
    expect(verdicts(fileOps)).toEqual(verdicts(liveOps));
    expect(fileOps.find((o) => o.event === 'slow')).toMatchObject({ attempts: 3, duplicate: 'confirmed' });
  });

  it('the standalone viewer is one self-contained HTML file (no external scripts or styles)', () => {
    const html = readFileSync(VIEWER, 'utf8');
    expect(html).toMatch(/<script[^>]*>[\s\S]{1000,}<\/script>/);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+rel="?stylesheet/);
  });

  it("the standalone viewer (no extension) opens that file and shows the live panel's table", async () => {
    await expectViewerShows(nodeBuilt, liveTable);
  });

  it('"Export session" in the real panel downloads a redacted file with every recorded record', async () => {
    const cdp = await b.cdpBrowser!.newBrowserCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir, eventsEnabled: true });
    // Ctrl+S in the panel opens the dialog (and not Chrome's "Save page").
    await panel.click('[role=row][data-op]');
    await panel.waitFor('document.hasFocus()'); // keys go to the focused frame
    await pressCtrlS(b);
    await panel.waitFor(`document.querySelector('[role=dialog][aria-label="Export session"]')`);
    await panel.press('Escape');
    await panel.waitFor(`!document.querySelector('[role=dialog][aria-label="Export session"]')`);
    await panel.click('[data-testid=export-session]');
    await panel.waitFor(`document.querySelector('[data-testid=redaction-preview]')?.textContent.includes('key:password')`);
    await panel.click('[data-testid=export-confirm]');
    const path = await waitForFile(dir, /^ackscope-127\.0\.0\.1_\d+-\d{4}-\d\d-\d\d-\d{6}\.json$/);
    await cdp.detach();
    const bytes = new Uint8Array(readFileSync(path));
    const file = await parseSessionFile(bytes);
    fromPanel = { path, bytes, file };
    const s = file.sessions[0];
    expect(file.sessions).toHaveLength(1);
    expect(s.url).toBe(srv.url + '/t/umd.html');
    expect(s.extensionVersion).toBe(JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')).version);
    expect(s.redaction).toMatchObject({ applied: true });
    expect(s.redaction.redactedValues).toBeGreaterThanOrEqual(1);
    expect(new TextDecoder().decode(bytes)).not.toContain('hunter2');
    const key = (r: { frame: string; seq: number }) => `${r.frame}#${r.seq}`;
    expect(s.records.map(key).sort()).toEqual(stored.map(key).sort());
    expect(verdicts(analyze(s.records as Rec[], s.analysisConfig).operations)).toEqual(verdicts(analyze(stored, s.analysisConfig).operations));
  });

  it('"Open session…" in the real panel loads the exported file read-only with the same table; viewer too', async () => {
    const b64 = Buffer.from(fromPanel.bytes).toString('base64');
    await panel.eval(`(() => {
      const bin = atob(${JSON.stringify(b64)});
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(bin, (c) => c.charCodeAt(0))], 'bug-123.json', { type: 'application/json' }));
      const input = document.querySelector('[data-testid=open-session-input]');
      input.files = dt.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
      return true;
    })()`);
    await panel.waitFor(`document.querySelector('[data-testid=back-to-live]')`, 30_000);
    await panel.waitFor(`document.querySelectorAll('[role=row][data-op]').length >= 4`);
    expect(await panel.eval<string[]>(TABLE)).toEqual(liveTable);
    expect(await panel.eval<boolean>(`!!document.querySelector('[data-testid=record]')`), 'read-only: no record button').toBe(false);
    await panel.click('[data-testid=back-to-live]');
    await panel.waitFor(`document.querySelector('[data-testid=record]')`);
    await expectViewerShows(fromPanel, liveTable);
  });

  it('after a reload, one .json.gz file can hold both sessions of the tab (a page and its reload)', async () => {
    await page.reload();
    await page.waitForFunction(() => (window as any).tReady);
    await page.evaluate(() => (window as any).t.run(['fast'], 300));
    const again = (await sessionWithEmit(b, '[{"id":300}]'))!;
    expect(again).not.toBe(session);
    // The tab's session list (whichever of the two the panel shows, "Include all" takes both).
    await panel.waitFor(`__ackscopeSource.getState().sessions.some((s) => s.id === ${JSON.stringify(again)})`, 30_000);
    const dir2 = mkdtempSync(join(tmpdir(), 'ackscope-dl2-'));
    try {
      const cdp = await b.cdpBrowser!.newBrowserCDPSession();
      await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: dir2, eventsEnabled: true });
      await panel.click('[data-testid=export-session]');
      await panel.waitFor(`document.querySelector('[data-testid=export-all-sessions]')`);
      await panel.click('[data-testid=export-all-sessions]');
      await panel.click('[data-testid=export-gzip]');
      await panel.waitFor(`document.querySelector('[data-testid=export-all-sessions]').checked && document.querySelector('[data-testid=export-gzip]').checked && !document.querySelector('[data-testid=export-confirm]').disabled`);
      await panel.click('[data-testid=export-confirm]');
      const path = await waitForFile(dir2, /^ackscope-.*\.json\.gz$/);
      await cdp.detach();
      const bytes = new Uint8Array(readFileSync(path));
      expect([bytes[0], bytes[1]], 'gzip written by the panel (CompressionStream)').toEqual([0x1f, 0x8b]);
      const file = await parseSessionFile(bytes);
      expect(file.sessions.map((s) => s.id)).toEqual([session, again]);
      expect(file.sessions[0].records.length).toBe(stored.length);
      expect(file.sessions[1].records.some((r) => r.kind === 'emit' && (r as { args?: { json: string } }).args?.json === '[{"id":300}]')).toBe(true);
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});
