/**
 * The panel's views rendered from an in-memory SessionSource over records analysed by the
 * real analysis core (no chrome.*, as in the standalone viewer).
 */
import { describe, it, expect, afterEach } from 'vitest';
import { render, screen, fireEvent, cleanup, within, waitFor, act } from '@testing-library/react';
import { App } from '../../src/panel/App';
import { MemorySource } from '../../src/panel/data/memory';
import { StateBox, EMPTY_STATE, type SessionSource, type SourceState } from '../../src/panel/data/source';
import { parseKeyPaths, formatKeyPaths } from '../../src/panel/views/KeyConfig';
import { shopSession } from './fixtures/records';

afterEach(cleanup);

// happy-dom has no layout: give the table's scroller a size so the virtualizer renders rows.
for (const [prop, size] of [['clientHeight', 600], ['clientWidth', 1000]] as const) {
  const real = Object.getOwnPropertyDescriptor(Element.prototype, prop) ?? Object.getOwnPropertyDescriptor(HTMLElement.prototype, prop);
  Object.defineProperty(HTMLElement.prototype, prop, {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList?.contains('tbody') ? size : (real?.get?.call(this) ?? 0);
    },
  });
}

function renderShop() {
  const s = shopSession();
  const source = new MemorySource({ records: s.records });
  const utils = render(<App source={source} theme="light" />);
  return { ...utils, source, ...s };
}
const rows = () => screen.getAllByRole('row').filter((r) => r.hasAttribute('data-op'));
const rowOf = (id: string) => rows().find((r) => r.getAttribute('data-op') === id)!;

describe('panel views (in-memory source)', () => {
  it('renders the toolbar counts, tabs and a row per operation with verdicts', () => {
    const { slowOp, dedupOp } = renderShop();
    expect(screen.getByTestId('finding-counts').textContent).toMatch(/2.*2.*1/);
    expect(screen.getByRole('tab', { name: /Operations/ }).getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('grid', { name: 'Operations' })).toBeTruthy();
    expect(screen.getByTestId('op-count').textContent).toBe('13 operations');
    expect(within(rowOf(slowOp)).getByText('confirmed duplicate')).toBeTruthy();
    expect(within(rowOf(dedupOp)).getByText('server-deduplicated')).toBeTruthy();
    expect(rowOf(slowOp).querySelector('.c-attempts')!.textContent).toMatch(/^3/);
    expect(document.documentElement.dataset.theme).toBe('light');
  });

  it('filter bar narrows the table and reports bad syntax', async () => {
    const { slowOp } = renderShop();
    const input = screen.getByRole('searchbox', { name: 'Filter operations' });
    fireEvent.change(input, { target: { value: 'is:duplicate event:order' } });
    await waitFor(() => expect(screen.getByTestId('op-count').textContent).toBe('1 / 13 operations'));
    expect(rows().map((r) => r.getAttribute('data-op'))).toEqual([slowOp]);
    fireEvent.change(input, { target: { value: 'is:bogus' } });
    await waitFor(() => expect(input.getAttribute('aria-invalid')).toBe('true'));
    // Chips toggle terms.
    fireEvent.change(input, { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Retried' }));
    expect((input as HTMLInputElement).value).toBe('is:retried');
    await waitFor(() => expect(screen.getByTestId('op-count').textContent).toBe('3 / 13 operations'));
  });

  it('keyboard: arrows move the selection, Enter opens the detail, Esc closes it', async () => {
    const { slowOp } = renderShop();
    const grid = screen.getByRole('grid', { name: 'Operations' });
    fireEvent.click(rowOf(slowOp));
    expect(rowOf(slowOp).getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    expect(rowOf(slowOp).getAttribute('aria-selected')).toBe('false');
    fireEvent.keyDown(grid, { key: 'ArrowUp' });
    expect(rowOf(slowOp).getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(grid, { key: 'Enter' });
    const detail = await screen.findByRole('region', { name: 'Operation detail' });
    await waitFor(() => expect(within(detail).getAllByTestId('attempt')).toHaveLength(3));
    expect(within(detail).getAllByTestId('late-ack')).toHaveLength(3);
    expect(within(detail).getByTestId('explanation').textContent).toMatch(/3 times/);
    expect(within(detail).getByText('sid-1')).toBeTruthy();
    // Payload JSON viewer shows the order.
    expect(within(detail).getByLabelText('payload').textContent).toContain('ord-slow');
    fireEvent.keyDown(grid, { key: 'Escape' });
    expect(screen.queryByRole('region', { name: 'Operation detail' })).toBeNull();
  });

  it('sorts by a column header (aria-sort) and back', () => {
    renderShop();
    const header = screen.getByRole('columnheader', { name: /Attempts/ });
    fireEvent.click(header);
    expect(header.getAttribute('aria-sort')).toBe('ascending');
    fireEvent.click(header);
    expect(header.getAttribute('aria-sort')).toBe('descending');
    expect(rows()[0].querySelector('.c-attempts')!.textContent).toMatch(/^3/);
  });

  it('findings: lint with evidence, recommended config and server snippet with copy buttons; op links open the detail', async () => {
    const { slowOp } = renderShop();
    fireEvent.click(screen.getByTestId('finding-counts'));
    const list = screen.getByRole('list', { name: 'Findings' });
    const rule = list.querySelector('[data-rule="ack-timeout-below-latency"]')!;
    expect(rule.textContent).toMatch(/300 ms/);
    expect(list.querySelector('[data-rule="duplicate-delivery"]')).toBeTruthy();
    expect(screen.getByTestId('client-snippet').textContent).toMatch(/ackTimeout/);
    expect(screen.getByRole('button', { name: 'Copy client config' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Copy server snippet (memory)' })).toBeTruthy();
    const dup = list.querySelector('[data-rule="duplicate-delivery"]')!;
    fireEvent.click(within(dup as HTMLElement).getByRole('button', { name: 'order:create ord-slow' }));
    expect(screen.getByRole('tab', { name: /Operations/ }).getAttribute('aria-selected')).toBe('true');
    await screen.findByRole('region', { name: 'Operation detail' });
  });

  it('key paths re-analyse the in-memory session', async () => {
    const { source } = renderShop();
    fireEvent.click(screen.getByRole('button', { name: 'Key paths…' }));
    const dialog = screen.getByRole('dialog', { name: 'Idempotency key paths' });
    fireEvent.change(within(dialog).getByRole('textbox'), { target: { value: 'order:create = sku' } });
    fireEvent.click(within(dialog).getByRole('checkbox'));
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Re-analyse' })));
    expect(source.getState().session?.analysisConfig?.keyPaths).toEqual({ 'order:create': ['sku'] });
    // Orders are now keyed by sku: the key column shows it.
    await waitFor(() => expect(rows().some((r) => r.querySelector('.c-key')!.textContent === 'mug')).toBe(true));
  });
});

/** A source whose state the test sets: the live switches without chrome.*. */
class StubSource implements SessionSource {
  kind = 'live' as const;
  capabilities = { recording: true, clear: true, preserveLog: true, hookSwitch: true, sessionPicker: true, analysisConfig: true, openResource: false };
  box = new StateBox();
  calls: string[] = [];
  constructor(s: Partial<SourceState>) {
    this.box.set({ ...EMPTY_STATE, ...s });
  }
  getState = () => this.box.get();
  subscribe = (l: () => void) => this.box.subscribe(l);
  async getOperation() {
    return undefined;
  }
  setRecording(on: boolean) {
    this.calls.push(`rec:${on}`);
  }
  setHookDisabled(d: boolean) {
    this.calls.push(`hook:${d}`);
  }
  clearSession() {
    this.calls.push('clear-session');
  }
  clearAll() {
    this.calls.push('clear-all');
  }
}
const ctl = { connected: true, recording: true, hookDisabled: false, preserveLog: false, origin: 'http://shop.test' };

describe('empty states teach', () => {
  it('no Socket.IO client on the page', () => {
    render(<App source={new MemorySource({ records: [] })} />);
    expect(document.querySelector('[data-empty]')!.getAttribute('data-empty')).toBe('no-client');
    expect(screen.getByText(/No Socket.IO client on this page/)).toBeTruthy();
  });
  it('client found, no emits yet: lists the sockets and their settings', () => {
    const src = new StubSource({
      status: 'ready', control: ctl,
      session: { id: 's', url: 'http://shop.test/', startedAt: 0, lastAt: 0, records: 3, warnings: [] },
      meta: { findings: [], sockets: [{ client: 'f/c1', socket: '/ #1', nsp: '/', url: 'http://shop.test', manager: 'm', frame: 'f', opts: { ackTimeout: 300, retries: 2 }, connection: [], uptimeMs: 0, disconnectReasons: {} }], stats: null, recommended: null, counts: { error: 0, warning: 0, info: 0 }, diagnostics: [], opCount: 0 },
    });
    render(<App source={src} />);
    expect(document.querySelector('[data-empty]')!.getAttribute('data-empty')).toBe('no-emits');
    expect(screen.getByText(/retries 2 · ackTimeout 300 ms/)).toBeTruthy();
  });
  it('recording off for this tab, with the switch', () => {
    const src = new StubSource({ status: 'ready', control: { ...ctl, recording: false } });
    render(<App source={src} />);
    fireEvent.click(screen.getByRole('button', { name: /Start recording/ }));
    expect(src.calls).toEqual(['rec:true']);
    // Toolbar record button and the clear menu.
    fireEvent.click(screen.getByRole('button', { name: 'Record' }));
    fireEvent.click(screen.getByRole('button', { name: 'Clear' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Clear all stored data' }));
    expect(src.calls).toEqual(['rec:true', 'rec:true', 'clear-all']);
  });
  it('hook switched off for the site', () => {
    const src = new StubSource({ status: 'ready', control: { ...ctl, hookDisabled: true } });
    render(<App source={src} />);
    fireEvent.click(screen.getByRole('button', { name: /Hook this site again/ }));
    expect(src.calls).toEqual(['hook:false']);
  });
});

describe('key path syntax', () => {
  it('parses and formats "event = path, path" lines', () => {
    const r = parseKeyPaths('order:create = order.ref, id\n# comment\n* = requestId\n');
    expect(r.errors).toEqual([]);
    expect(r.keyPaths).toEqual({ 'order:create': ['order.ref', 'id'], '*': ['requestId'] });
    expect(parseKeyPaths(formatKeyPaths(r.keyPaths)).keyPaths).toEqual(r.keyPaths);
    expect(parseKeyPaths('nonsense').errors).toHaveLength(1);
    expect(parseKeyPaths('a = b c').errors).toHaveLength(1);
  });
});
