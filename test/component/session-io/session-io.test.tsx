import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemorySource } from '../../../src/panel/data/memory';
import { ExportButton, OpenSessionButton, loadSessionInputs, memoryInputs, sessionInputsOf, type ImportedFile } from '../../../src/panel/session-io';
import { buildSessionFile, encodeSessionFileBytes, parseSessionFile, NO_REDACTION, type SessionInput } from '../../../src/core/session-file';
import { openDb } from '../../../src/storage/db';
import { slowServerRecords } from '../../unit/session-file/fixtures';

afterEach(cleanup);

const inputs = (): SessionInput[] => [{ id: '7:1', records: slowServerRecords(), url: 'http://127.0.0.1:4000/shop', startedAt: 1_764_200_000_000 }];
const source = () => new MemorySource({ records: slowServerRecords(), session: { id: '7:1', url: 'http://127.0.0.1:4000/shop' } });

function fileOf(bytes: Uint8Array, name: string): File {
  return new File([bytes as Uint8Array<ArrayBuffer>], name);
}

describe('Export session', () => {
  it('dialog previews redaction, refuses a bad pattern, and saves a file that parses back redacted', async () => {
    const saved: Array<{ blob: Blob; name: string }> = [];
    render(<ExportButton source={source()} load={async () => inputs()} save={(blob, name) => void saved.push({ blob, name })} />);
    fireEvent.click(screen.getByTestId('export-session'));
    const dialog = await screen.findByRole('dialog', { name: 'Export session' });
    await waitFor(() => expect(screen.getByTestId('redaction-preview').textContent).toMatch(/^3 values will be redacted/));
    expect(screen.getByTestId('redaction-preview').textContent).toContain('0.password · key:password · hunter2');
    expect(screen.getByTestId('export-filename').textContent).toMatch(/^ackscope-127\.0\.0\.1_4000-\d{4}-\d\d-\d\d-\d{6}\.json · 18 records$/);

    fireEvent.change(screen.getByLabelText('Patterns to redact'), { target: { value: '(' } });
    expect(screen.getByRole('alert').textContent).toMatch(/invalid redaction pattern/);
    expect((screen.getByTestId('export-confirm') as HTMLButtonElement).disabled).toBe(true);

    fireEvent.change(screen.getByLabelText('Patterns to redact'), { target: { value: 'book' } });
    await waitFor(() => expect(screen.getByTestId('redaction-preview').textContent).toMatch(/^4 values will be redacted/));
    fireEvent.click(screen.getByLabelText(/Compress/));
    expect(screen.getByTestId('export-filename').textContent).toMatch(/\.json\.gz · /);

    fireEvent.click(screen.getByTestId('export-confirm'));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(dialog.isConnected).toBe(false);
    expect(saved[0].name).toMatch(/^ackscope-127\.0\.0\.1_4000-.*\.json\.gz$/);
    const bytes = new Uint8Array(await saved[0].blob.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const back = await parseSessionFile(bytes);
    const text = JSON.stringify(back.sessions[0].records);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('book'); // (the policy itself, with "book", is recorded in the file)
    expect(back.sessions[0].redaction).toMatchObject({ applied: true, redactedValues: 4, policy: { patterns: ['book'] } });
  });

  it('Ctrl+S and Cmd+S open the dialog and stop Chrome’s "Save page"', async () => {
    render(<ExportButton source={source()} load={async () => inputs()} save={() => {}} />);
    const ev = new KeyboardEvent('keydown', { key: 's', ctrlKey: true, bubbles: true, cancelable: true });
    act(() => void window.dispatchEvent(ev));
    expect(ev.defaultPrevented).toBe(true);
    await screen.findByRole('dialog', { name: 'Export session' });
    act(() => void window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })));
    expect(screen.queryByRole('dialog')).toBeNull();
    act(() => void window.dispatchEvent(new KeyboardEvent('keydown', { key: 'S', metaKey: true, bubbles: true, cancelable: true })));
    await screen.findByRole('dialog', { name: 'Export session' });
  });

  it('can include every session of the tab (a page and its reloads) in one file', async () => {
    const src = source();
    const two = [
      { id: '7:1', url: 'http://127.0.0.1:4000/shop', startedAt: 1, lastAt: 2, records: 18, warnings: [] },
      { id: '7:2', url: 'http://127.0.0.1:4000/shop', startedAt: 3, lastAt: 4, records: 18, warnings: [] },
    ];
    const base = src.getState();
    const stub = { ...src, kind: 'live' as const, capabilities: src.capabilities, getState: () => ({ ...base, sessions: two }), subscribe: src.subscribe, getOperation: src.getOperation };
    const asked: string[][] = [];
    const saved: Blob[] = [];
    const load = async (ids: string[]) => (asked.push(ids), ids.map((id) => ({ ...inputs()[0], id })));
    render(<ExportButton source={stub} load={load} save={(blob) => void saved.push(blob)} />);
    fireEvent.click(screen.getByTestId('export-session'));
    fireEvent.click(await screen.findByLabelText(/Include all 2 sessions/));
    await waitFor(() => expect(asked.at(-1)).toEqual(['7:1', '7:2']));
    await waitFor(() => expect(screen.getByTestId('export-filename').textContent).toMatch(/36 records$/));
    fireEvent.click(screen.getByTestId('export-confirm'));
    await waitFor(() => expect(saved).toHaveLength(1));
    const back = await parseSessionFile(new Uint8Array(await saved[0].arrayBuffer()));
    expect(back.sessions.map((s) => s.id)).toEqual(['7:1', '7:2']);
  });

  it('is not offered for an imported session without a record loader', () => {
    render(<ExportButton source={source()} />);
    expect(screen.queryByTestId('export-session')).toBeNull();
  });

  it('reads a live session’s raw records from the extension database (chunks in order, metadata from the session row)', async () => {
    const db = openDb('ackscope-test-' + Math.random());
    const recs = slowServerRecords();
    await db.sessions.add({ id: '7:1', tabId: 7, url: 'http://127.0.0.1:4000/shop', startedAt: 1, lastAt: 2, records: recs.length, bytes: 1, warnings: ['gap'], userAgent: 'UA', extVersion: '0.1.0', analysisConfig: { keyPaths: { 'order:create': ['id'] }, autoKeyPaths: false, dedupMarkers: [], appRetryWindowMs: 1, latencyMargin: 2 } });
    // Stored out of order on purpose: the reader follows chunk numbers.
    await db.chunks.bulkAdd([
      { session: '7:1', no: 1, records: recs.slice(10), bytes: 1, firstT: 0, lastT: 0 },
      { session: '7:1', no: 0, records: recs.slice(0, 10), bytes: 1, firstT: 0, lastT: 0 },
      { session: '8:1', no: 0, records: [recs[0]], bytes: 1, firstT: 0, lastT: 0 },
    ]);
    const [s] = await loadSessionInputs(db, ['7:1']);
    expect(s.records).toEqual(recs);
    expect(s).toMatchObject({ id: '7:1', userAgent: 'UA', extensionVersion: '0.1.0', warnings: ['gap'], analysisConfig: { autoKeyPaths: false } });
    const { file } = buildSessionFile([s]);
    expect(file.sessions[0].analysisConfig.keyPaths).toEqual({ 'order:create': ['id'] });
    await expect(loadSessionInputs(db, ['gone'])).rejects.toThrow(/no longer stored/);
    db.close();
  });
});

describe('Open session…', () => {
  it('opens a picked .json.gz into in-memory source inputs with the same analysis', async () => {
    const { file } = buildSessionFile(inputs(), { redaction: NO_REDACTION });
    const gz = await encodeSessionFileBytes(file, { gzip: true });
    const opened: ImportedFile[] = [];
    render(<OpenSessionButton onOpen={(f) => opened.push(f)} />);
    fireEvent.change(screen.getByTestId('open-session-input'), { target: { files: [fileOf(gz, 'bug-123.json.gz')] } });
    await waitFor(() => expect(opened).toHaveLength(1));
    expect(opened[0].name).toBe('bug-123.json.gz');
    const src = new MemorySource(opened[0].inputs[0]);
    const ops = src.getState().ops.map((o) => [o.event, o.attempts, o.duplicate]);
    expect(ops).toEqual(source().getState().ops.map((o) => [o.event, o.attempts, o.duplicate]));
    expect(src.getState().session).toMatchObject({ imported: true, url: 'http://127.0.0.1:4000/shop', libVersion: '4.8.4' });
  });

  it('shows one clear line for a hostile file and opens nothing', async () => {
    const opened: ImportedFile[] = [];
    render(<OpenSessionButton onOpen={(f) => opened.push(f)} />);
    const evil = new TextEncoder().encode('{"format":"ackscope-session","version":1,"__proto__":{"x":1}}');
    fireEvent.change(screen.getByTestId('open-session-input'), { target: { files: [fileOf(evil, 'evil.json')] } });
    const alert = await screen.findByTestId('open-error');
    expect(alert.textContent).toMatch(/^Cannot open evil\.json: refused key "__proto__"/);
    expect(opened).toHaveLength(0);
    expect(({} as { x?: number }).x).toBeUndefined();
  });

  it('accepts a file dropped anywhere on the page', async () => {
    const { file } = buildSessionFile(inputs());
    const bytes = await encodeSessionFileBytes(file);
    const opened: ImportedFile[] = [];
    render(<OpenSessionButton onOpen={(f) => opened.push(f)} />);
    const f = fileOf(bytes, 'dropped.json');
    const dt = { types: ['Files'], files: [f], dropEffect: 'none' };
    const fire = (type: string) => {
      const e = new Event(type, { bubbles: true, cancelable: true });
      Object.defineProperty(e, 'dataTransfer', { value: dt });
      act(() => void window.dispatchEvent(e));
      return e;
    };
    fire('dragenter');
    expect(screen.getByTestId('drop-overlay')).toBeTruthy();
    expect(fire('dragover').defaultPrevented).toBe(true);
    expect(fire('drop').defaultPrevented).toBe(true);
    await waitFor(() => expect(opened).toHaveLength(1));
    expect(screen.queryByTestId('drop-overlay')).toBeNull();
    expect(memoryInputs(opened[0].file, 'x')[0].records).toHaveLength(18);
  });
});

describe('PanelWithSessionIo (the panel root with import/export)', () => {
  it('opening a file shows it read-only with the same verdicts; "Back to live" returns to the live source', async () => {
    const { PanelWithSessionIo } = await import('../../../src/panel/session-io');
    const live = new MemorySource({ records: slowServerRecords().slice(0, 3), session: { id: 'live', url: 'http://live/' } });
    render(<PanelWithSessionIo live={live} theme="light" />);
    expect(screen.queryByTestId('back-to-live')).toBeNull();
    const { file } = buildSessionFile(inputs());
    const bytes = await encodeSessionFileBytes(file);
    fireEvent.change(screen.getByTestId('open-session-input'), { target: { files: [fileOf(bytes, 'bug.json')] } });
    await screen.findByTestId('back-to-live');
    const shown = (globalThis as { __ackscopeSource?: MemorySource }).__ackscopeSource!;
    expect(shown).not.toBe(live);
    expect(shown.getState().ops.map((o) => [o.event, o.attempts, o.duplicate])).toEqual([
      ['order:create', 3, 'confirmed'],
      ['ping', 1, 'none'],
    ]);
    // An imported session can be exported again (from its file), e.g. with more redaction.
    fireEvent.click(screen.getByTestId('export-session'));
    fireEvent.change(await screen.findByLabelText('More key names'), { target: { value: 'item' } });
    await waitFor(() => expect(screen.getByTestId('redaction-preview').textContent).toContain('key:item'));
    fireEvent.keyDown(window, { key: 'Escape' });
    fireEvent.click(screen.getByTestId('back-to-live'));
    expect(screen.queryByTestId('back-to-live')).toBeNull();
    expect((globalThis as { __ackscopeSource?: unknown }).__ackscopeSource).toBe(live);
  });
});

describe('re-export of an opened file', () => {
  it('sessionInputsOf(file) builds the same sessions again (records, metadata, analysis config)', async () => {
    const { file } = buildSessionFile(inputs(), { now: new Date('2026-11-27T04:00:00Z') });
    const parsed = await parseSessionFile(await encodeSessionFileBytes(file));
    const again = buildSessionFile(sessionInputsOf(parsed), { now: new Date('2026-11-27T04:00:00Z') }).file;
    expect(again.sessions[0].records).toEqual(parsed.sessions[0].records);
    const { redaction: _a, ...metaA } = again.sessions[0];
    const { redaction: _b, ...metaB } = parsed.sessions[0];
    expect(metaA).toEqual(metaB);
  });
});
