/**
 * The AckScope panel in the REAL DevTools window, with the built extension, the real capture
 * pipeline and analysis, against the demo shop's real Socket.IO server.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launchWithExtension, type ExtBrowser } from '../support/browser';
import { openPanel, type PanelDriver } from '../support/devtools-panel';
import { startShop } from '../../demo/shop/setup';
import type { DemoServer } from '../../demo/server';

const SHOTS = resolve(import.meta.dirname, 'screenshots');
const DOCS_IMG = resolve(import.meta.dirname, '../../docs/img');
mkdirSync(SHOTS, { recursive: true });

/** Row of the table for the order id (the key column shows the idempotency key). */
const rowFor = (key: string) =>
  `[...document.querySelectorAll('[role=row][data-op]')].find(r => r.querySelector('.c-key')?.textContent === ${JSON.stringify(key)})`;

async function setup(dark: boolean) {
  const shop = await startShop();
  const b = await launchWithExtension({ devtools: true, dark });
  const page = b.context.pages()[0] ?? (await b.context.newPage());
  await page.goto(`${shop.url}/shop/`);
  await page.waitForFunction(() => (window as unknown as { shop?: unknown }).shop !== undefined);
  const panel = await openPanel(b, { inspectedUrlPart: '/shop/' });
  return { shop, b, page, panel };
}

async function order(page: Page, scenario: string) {
  return page.evaluate((s) => (window as unknown as { shop: { placeOrder(s: string): Promise<{ id: string; charged: number; ok: boolean }> } }).shop.placeOrder(s), scenario);
}

describe('AckScope panel in DevTools (light)', () => {
  let shop: DemoServer;
  let b: ExtBrowser;
  let page: Page;
  let panel: PanelDriver;
  beforeAll(async () => {
    ({ shop, b, page, panel } = await setup(false));
  });
  afterAll(async () => {
    // On failure this tells what the panel had.
    console.log('panel state:', await panel?.eval(`JSON.stringify((() => { const s = __ackscopeSource.getState(); return { status: s.status, control: s.control, session: s.session, ops: s.ops.map(o => [o.id, o.event, o.key, o.attempts, o.duplicate]), meta: s.meta && { counts: s.meta.counts, sockets: s.meta.sockets.length, diag: s.meta.diagnostics }, err: s.error }; })())`).catch((e) => String(e)));
    await panel?.close();
    await b?.close();
    await shop?.close();
  });

  it('follows the DevTools theme and teaches while nothing was emitted', async () => {
    expect(await panel.eval('document.documentElement.dataset.theme')).toBe('light');
    await panel.waitFor(`document.querySelector('[data-empty]') || document.querySelector('[role=grid]')`);
    // The shop created its sockets but placed no order yet.
    const empty = await panel.eval<string | null>(`document.querySelector('[data-empty]')?.dataset.empty ?? null`);
    expect(['no-emits', 'no-client', 'loading']).toContain(empty);
  });

  it('slow server: the order is a confirmed duplicate with three attempts and the ack-timeout-below-latency finding', async () => {
    const r = await order(page, 'slow');
    expect(r.charged).toBe(3); // what the server really did
    await panel.waitFor(`(() => { const r = ${rowFor(r.id)}; return r && r.querySelector('.b-confirmed') && r.querySelector('.c-attempts').textContent.startsWith('3'); })()`, 30_000);
    expect(await panel.eval(`${rowFor(r.id)}.querySelector('.c-duplicate').textContent`)).toBe('confirmed duplicate');

    // Detail: click the row, Enter opens the attempt chain.
    await panel.click(`[data-op="${await panel.eval<string>(`${rowFor(r.id)}.dataset.op`)}"]`);
    await panel.press('Enter');
    await panel.waitFor(`document.querySelectorAll('[data-testid=detail] [data-testid=attempt]').length === 3`);
    expect(await panel.eval<number>(`document.querySelectorAll('[data-testid=late-ack]').length`)).toBe(3);
    expect(await panel.eval<string>(`document.querySelector('[data-testid=explanation]').textContent`)).toMatch(/3 times/);

    // Findings: counts in the toolbar, the rule with its evidence.
    await panel.waitFor(`document.querySelector('[data-testid=finding-counts]').textContent.replace(/\\D+/g, ' ').trim().split(' ').some(n => +n > 0)`);
    await panel.click('[data-testid=finding-counts]');
    await panel.waitFor(`document.querySelector('[data-rule="ack-timeout-below-latency"]')`, 20_000);
    expect(await panel.eval<string>(`document.querySelector('[data-rule="ack-timeout-below-latency"]').textContent`)).toMatch(/300 ms/);
    expect(await panel.eval<string>(`document.querySelector('[data-testid=client-snippet]')?.textContent ?? ''`)).toMatch(/ackTimeout/);
    await panel.click('#tab-operations');
  });

  it('dedup scenario: the retried order is marked server-deduplicated', async () => {
    const r = await order(page, 'dedup');
    expect(r.charged).toBe(1);
    await panel.waitFor(`(() => { const r = ${rowFor(r.id)}; return r && r.querySelector('.b-server-deduplicated'); })()`, 30_000);
  });

  it('keyboard: arrows move the selection, Enter opens detail, Esc closes it; filter narrows the table', async () => {
    await panel.eval(`document.querySelector('[data-testid=ops-table]').focus()`);
    await panel.press('Home');
    const first = await panel.eval<string>(`document.querySelector('[role=row][aria-selected=true]')?.dataset.op`);
    expect(first).toBeTruthy();
    await panel.press('ArrowDown');
    const second = await panel.eval<string>(`document.querySelector('[role=row][aria-selected=true]')?.dataset.op`);
    expect(second).not.toBe(first);
    await panel.press('ArrowUp');
    expect(await panel.eval<string>(`document.querySelector('[role=row][aria-selected=true]')?.dataset.op`)).toBe(first);
    await panel.press('Enter');
    await panel.waitFor(`document.querySelector('[data-testid=detail]')`);
    await panel.press('Escape');
    await panel.waitFor(`!document.querySelector('[data-testid=detail]')`);

    // Filter bar: type a Network-panel-like query.
    await panel.click('input[aria-label="Filter operations"]');
    // Real key events go to the focused element: make sure it is the filter.
    await panel.eval(`document.querySelector('input[aria-label="Filter operations"]').focus()`);
    await panel.type('is:duplicate');
    expect(await panel.eval<string>(`document.querySelector('input[aria-label="Filter operations"]').value`)).toBe('is:duplicate');
    await panel.waitFor(`document.querySelector('[data-testid=op-count]').textContent.includes('/')`);
    const shown = await panel.eval<string[]>(`[...document.querySelectorAll('[role=row][data-op] .c-duplicate')].map(e => e.textContent)`);
    expect(shown.length).toBeGreaterThan(0);
    for (const s of shown) expect(s).toMatch(/confirmed|possible/);
    await panel.eval(`(() => { const i = document.querySelector('input[aria-label="Filter operations"]'); i.focus(); })()`);
    await panel.press('Escape');
    await panel.waitFor(`!document.querySelector('[data-testid=op-count]').textContent.includes('/')`);
  });

  it('screenshot (light)', async () => {
    await order(page, 'healthy');
    await order(page, 'flaky');
    // Select the slow order and show its detail for the picture.
    await panel.eval(`document.querySelector('[data-testid=ops-table]').focus()`);
    const dupId = await panel.eval<string>(`[...document.querySelectorAll('[role=row][data-op]')].find(r => r.querySelector('.b-confirmed'))?.dataset.op`);
    await panel.click(`[data-op="${dupId}"]`);
    await panel.press('Enter');
    await panel.waitFor(`document.querySelectorAll('[data-testid=attempt]').length >= 2`);
    await panel.undock();
    const file = resolve(SHOTS, 'panel-light.png');
    await panel.screenshot(file);
    mkdirSync(DOCS_IMG, { recursive: true });
    copyFileSync(file, resolve(DOCS_IMG, 'panel-light.png'));
  });
  it('the call-site link opens the source of the emit in the Sources panel', async () => {
    await panel.waitFor(`document.querySelector('[data-testid=detail] button.link')`);
    expect(await panel.eval<string>(`document.querySelector('[data-testid=detail] button.link').textContent`)).toMatch(/shop\.js:\d+:\d+/);
    await panel.click('[data-testid=detail] button.link');
    const selected = async () =>
      panel.evalDevtools<string>(`(async () => { const UI = await import('./ui/legacy/legacy.js'); return UI.InspectorView.InspectorView.instance().tabbedPane.selectedTabId; })()`);
    for (let i = 0; i < 50 && (await selected()) !== 'sources'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await selected()).toBe('sources');
  });
});

describe('AckScope panel in DevTools (dark)', () => {
  it('follows the dark DevTools theme; screenshot', async () => {
    const { shop, b, page, panel } = await setup(true);
    try {
      expect(await panel.eval('document.documentElement.dataset.theme')).toBe('dark');
      const bg = await panel.eval<string>('getComputedStyle(document.body).backgroundColor');
      expect(bg).not.toBe('rgb(255, 255, 255)');
      for (const s of ['healthy', 'slow', 'dedup']) await order(page, s);
      await panel.waitFor(`document.querySelector('.b-server-deduplicated') && document.querySelector('.b-confirmed')`, 30_000);
      await panel.undock();
      await panel.screenshot(resolve(SHOTS, 'panel-dark.png'));
    } finally {
      await panel.close();
      await b.close();
      await shop.close();
    }
  });
});
