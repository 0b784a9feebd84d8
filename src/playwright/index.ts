/**
 * `ackscope/playwright`: record Socket.IO traffic during an existing Playwright test.
 *
 *   const rec = await startAckScope();
 *   const page = await rec.context.newPage();
 *   ... drive the app ...
 *   const { analysis, confirmedDuplicates } = await rec.finish({ out: 'test-results/checkout.json' });
 *   expect(confirmedDuplicates).toEqual([]);
 *
 * The context is a persistent Chromium context with the AckScope extension recording every
 * tab (Settings.recordAll), so nothing in the test has to open DevTools.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { analyze } from '../core/analysis';
import type { Analysis, AnalysisConfig, Operation } from '../core/analysis/types';
import type { SessionFile } from '../core/session-file';
import { enableRecording, launchExtensionContext, type LaunchExtensionOptions } from '../node/launcher';
import { collectSessions, waitForIngest, writeSessionFile } from '../node/session-out';

export interface StartAckScopeOptions {
  /** Chromium / Chrome executable; default CHROME_PATH, else well-known paths. */
  browserPath?: string;
  /** Built extension folder (default: the package's dist/). */
  extensionPath?: string;
  headless?: boolean;
  /** Extra Chromium arguments. */
  args?: string[];
  userDataDir?: string;
  loadMode?: LaunchExtensionOptions['loadMode'];
}

export interface FinishOptions {
  /** Write the session file here (.json or .json.gz). */
  out?: string;
  /** Analysis configuration (key paths, dedup markers). */
  config?: Partial<AnalysisConfig>;
  /** Close the browser afterwards (default true). */
  close?: boolean;
}

export interface FinishResult {
  /** Analysis of all records of all recorded sessions together (a page and its reloads). */
  analysis: Analysis;
  /** Operations the server provably ran more than once. */
  confirmedDuplicates: Operation[];
  /** Path written, when `out` was given. */
  file?: string;
  sessions: number;
  records: number;
  sessionFile?: SessionFile;
}

export interface AckScopeRecording {
  context: BrowserContext;
  extensionId: string;
  /** A new page in the recording context. */
  newPage(): Promise<Page>;
  /** Stop: flush, read the records from the extension, write the file, analyse. */
  finish(opts?: FinishOptions): Promise<FinishResult>;
  /** Close without reading anything. */
  close(): Promise<void>;
}

export async function startAckScope(opts: StartAckScopeOptions = {}): Promise<AckScopeRecording> {
  const ext = await launchExtensionContext({
    browserPath: opts.browserPath,
    browserFlag: 'browserPath',
    extensionPath: opts.extensionPath,
    headless: opts.headless ?? true,
    args: opts.args,
    userDataDir: opts.userDataDir,
    loadMode: opts.loadMode,
  });
  try {
    await enableRecording(await ext.worker());
  } catch (e) {
    await ext.close();
    throw e;
  }
  let closed = false;
  return {
    context: ext.context,
    extensionId: ext.extensionId,
    newPage: () => ext.context.newPage(),
    async finish(f: FinishOptions = {}) {
      try {
        // Leaving the pages lets the hook flush what it still holds.
        for (const p of ext.context.pages()) if (!p.isClosed() && p.url() !== 'about:blank') await p.goto('about:blank').catch(() => {});
        const w = await ext.worker();
        await waitForIngest(w);
        const sessions = await collectSessions(w);
        const records = sessions.flatMap((s) => [...s.records]);
        const analysis = analyze(records, f.config);
        const res: FinishResult = {
          analysis,
          confirmedDuplicates: analysis.operations.filter((o) => o.duplicate === 'confirmed'),
          sessions: sessions.length,
          records: records.length,
        };
        if (f.out && sessions.length) {
          res.sessionFile = await writeSessionFile(f.out, sessions.map((s) => (f.config ? { ...s, analysisConfig: f.config } : s)));
          res.file = f.out;
        }
        return res;
      } finally {
        if (f.close ?? true) {
          closed = true;
          await ext.close();
        }
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await ext.close();
    },
  };
}

export type { Analysis, Operation, AnalysisConfig };
