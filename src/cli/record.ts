/**
 * `ackscope record <url> --out <file>`: Chromium with the extension, recording switched on
 * through its Settings (recordAll), the URL opened, records read back from the extension's
 * IndexedDB when the recording stops, written as a session file. Progress goes to stderr.
 */
import { access } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { analyze } from '../core/analysis';
import { enableRecording, launchExtensionContext, LaunchError, storedRecordCount, type ExtensionContext } from '../node/launcher';
import { collectSessions, waitForIngest, writeSessionFile } from '../node/session-out';
import { UsageError } from './errors';

export interface RecordOptions {
  out: string;
  duration?: number;
  browser?: string;
  headful?: boolean;
}

const log = (s: string) => process.stderr.write(`ackscope: ${s}\n`);

export async function runRecord(url: string, opts: RecordOptions): Promise<number> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new UsageError(`<url> ${url}: not a URL (e.g. http://localhost:3000/)`);
  }
  if (!/^(https?|file):$/.test(target.protocol)) throw new UsageError(`<url> ${url}: only http:, https: and file: URLs can be recorded`);
  if (!/\.json(\.gz)?$/i.test(opts.out)) throw new UsageError(`--out ${opts.out}: must end in .json or .json.gz`);
  // Refuse an unwritable destination now, not after a long recording.
  const outDir = dirname(resolve(opts.out));
  try {
    await access(outDir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`--out ${opts.out}: ${code === 'ENOENT' ? `directory ${outDir} does not exist` : `cannot write to ${outDir} (${code ?? (e as Error).message})`}`);
  }

  // Signals are ours from the start (Chrome runs in its own process group, so Ctrl-C in a
  // terminal reaches only this process): the first one stops and saves, a second one gives up.
  let stopReason = '';
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  let ext: ExtensionContext | undefined;
  const finish = (why: string) => {
    if (stopReason) return;
    stopReason = why;
    stop();
  };
  const onSig = (sig: NodeJS.Signals) => () => {
    if (!stopReason) return finish(sig);
    log(`${sig} again: closing without saving`);
    void (ext?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  const sigint = onSig('SIGINT');
  const sigterm = onSig('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);

  try {
    ext = await launchExtensionContext({
      browserPath: opts.browser,
      headless: !opts.headful,
      handleSignals: false,
      viewport: opts.headful ? null : undefined,
      loadMode: (process.env.ACKSCOPE_LOAD_MODE as 'flag' | 'cdp' | undefined) ?? 'auto',
    });
  } catch (e) {
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigterm);
    if (e instanceof LaunchError) throw new UsageError(e.message);
    throw e;
  }
  log(`browser ${ext.browserVersion || ext.browserPath} (extension ${ext.extensionId}, loaded via ${ext.loadMode === 'cdp' ? 'CDP Extensions.loadUnpacked' : '--load-extension'})`);

  let timer: NodeJS.Timeout | undefined;
  let progress: NodeJS.Timeout | undefined;
  try {
    if (stopReason) throw new Error(`stopped (${stopReason}) before recording began`);
    const worker = await ext.worker();
    await enableRecording(worker);
    ext.context.on('close', () => finish('browser closed'));
    // A fresh tab for the page; the start tab stays so closing the page does not end Chrome.
    const page = await ext.context.newPage();
    page.on('close', () => finish('page closed'));
    log(`recording ${target.href}${opts.duration ? ` for ${opts.duration} s` : ' until the page is closed or Ctrl-C'}`);
    try {
      await page.goto(target.href, { waitUntil: 'domcontentloaded' });
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      // Unreachable page: nothing to record. A slow load is not fatal: keep recording.
      if (/net::ERR_|NS_ERROR|Cannot navigate/.test(msg)) throw new Error(`cannot open ${target.href}: ${msg.replace(/^page\.goto:\s*/, '')}`);
      log(`warning: ${msg}`);
    }
    if (opts.duration) timer = setTimeout(() => finish(`${opts.duration} s elapsed`), opts.duration * 1000);
    let shown = -1;
    progress = setInterval(() => {
      void storedRecordCount(worker)
        .then((n) => {
          if (n !== shown) log(`${n} record(s) stored`);
          shown = n;
        })
        .catch(() => {});
    }, 2000);
    await stopped;
    clearInterval(progress);
    log(`stopping (${stopReason}), reading the recording`);
    if (stopReason === 'browser closed') throw new Error('the browser closed before the recording could be read');
    // Leaving the page lets the hook flush what it still holds; then wait for the worker to store it.
    if (!page.isClosed()) await page.goto('about:blank').catch(() => {});
    const w = await ext!.worker();
    await waitForIngest(w);
    const sessions = await collectSessions(w);
    if (!sessions.length) {
      log(`nothing recorded: no Socket.IO activity was seen on ${target.href}`);
      return 1;
    }
    await writeSessionFile(opts.out, sessions);
    const records = sessions.reduce((n, s) => n + s.records.length, 0);
    let ops = 0;
    let dups = 0;
    for (const s of sessions) {
      const a = analyze(s.records);
      ops += a.operations.length;
      dups += a.operations.filter((o) => o.duplicate === 'confirmed').length;
    }
    log(`wrote ${opts.out}: ${sessions.length} session(s), ${records} record(s), ${ops} operation(s), ${dups} confirmed duplicate(s)`);
    return 0;
  } finally {
    if (timer) clearTimeout(timer);
    if (progress) clearInterval(progress);
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigterm);
    await ext?.close();
  }
}
