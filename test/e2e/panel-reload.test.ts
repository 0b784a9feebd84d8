/**
 * Reloading the inspected page starts a new session; without "Preserve log" the panel
 * follows the page to it (like the Network panel), in the real DevTools window.
 */
import { it, expect, beforeAll, afterAll } from 'vitest';
import type { Page } from 'playwright-core';
import { launchWithExtension, type ExtBrowser } from '../support/browser';
import { openPanel, type PanelDriver } from '../support/devtools-panel';
import { startShop } from '../../demo/shop/setup';
import type { DemoServer } from '../../demo/server';

let shop: DemoServer;
let b: ExtBrowser;
let page: Page;
let panel: PanelDriver;

beforeAll(async () => {
  shop = await startShop();
  b = await launchWithExtension({ devtools: true });
  page = b.context.pages()[0] ?? (await b.context.newPage());
  await page.goto(`${shop.url}/shop/`);
  await page.waitForFunction(() => (window as unknown as { shop?: unknown }).shop !== undefined);
  panel = await openPanel(b, { inspectedUrlPart: '/shop/' });
});
afterAll(async () => {
  await panel?.close();
  await b?.close();
  await shop?.close();
});

const order = (s: string) =>
  page.evaluate((x) => (window as unknown as { shop: { placeOrder(s: string): Promise<{ id: string }> } }).shop.placeOrder(x), s);
const shownSession = () => panel.eval<string | null>(`__ackscopeSource.getState().session?.id ?? null`);
const shownKeys = () => panel.eval<string[]>(`__ackscopeSource.getState().ops.map(o => o.key)`);

it('after a reload the panel shows the new session, and the old one stays in the picker', async () => {
  const first = await order('healthy');
  await panel.waitFor(`__ackscopeSource.getState().ops.some(o => o.key === ${JSON.stringify(first.id)})`, 30_000);
  const before = await shownSession();
  expect(before).toBeTruthy();

  await page.reload();
  await page.waitForFunction(() => (window as unknown as { shop?: unknown }).shop !== undefined);
  // The shop numbers orders per page load, so the new page's first order has the same id:
  // tell the sessions apart by what they hold.
  await panel.waitFor(`(() => { const s = __ackscopeSource.getState(); return s.session && s.session.id !== ${JSON.stringify(before)}; })()`, 30_000);
  const second = await order('slow');
  await panel.waitFor(`__ackscopeSource.getState().ops.some(o => o.key === ${JSON.stringify(second.id)})`, 30_000);
  expect(await shownSession()).not.toBe(before);
  expect(await shownKeys()).not.toContain(first.id);
  const picker = await panel.eval<string[]>(`__ackscopeSource.getState().sessions.map(s => s.id)`);
  expect(picker).toContain(before);
});
