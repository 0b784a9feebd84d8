/**
 * `ackscope` command line (issue 6). Exit codes: 0 ok, 1 findings at/above --fail-on (analyze)
 * or a failed recording, 2 bad input (one line on stderr naming the flag or file).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { FAIL_ON, runAnalysis, shouldFail, toJson, toText, type FailOn } from './analyze';
import { UsageError, oneLine } from './errors';

const VERSION = '0.1.0';

function positiveSeconds(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds.');
  return n;
}

function program(setCode: (n: number) => void): Command {
  const p = new Command('ackscope')
    .description('Socket.IO ack, retry and duplicate-delivery analysis: record a page, analyse a session file or a HAR.')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    // Commander's own messages are re-printed as one line by main().
    .configureOutput({ writeErr: () => {}, outputError: () => {} });

  p.command('record')
    .description('Record a page in Chromium with the AckScope extension and write a session file.')
    .argument('<url>', 'page to open')
    .requiredOption('-o, --out <file.json>', 'session file to write (.json or .json.gz)')
    .option('-d, --duration <s>', 'stop after this many seconds (default: when the page is closed, or on Ctrl-C / SIGTERM)', positiveSeconds)
    .option('--browser <path>', 'Chromium or Chrome executable (default: $CHROME_PATH, else well-known paths)')
    .option('--headful', 'show the browser window', false)
    .addHelpText(
      'after',
      '\nBranded Google Chrome 137+ ignores --load-extension; AckScope then loads the extension over CDP\n(Extensions.loadUnpacked). Progress goes to stderr.\n\nExample:\n  ackscope record http://localhost:3000/checkout --out checkout.json --duration 30',
    )
    .exitOverride()
    .action(async (url: string, o: { out: string; duration?: number; browser?: string; headful?: boolean }) => {
      // Loaded on demand: playwright-core is heavy and `analyze` does not need it.
      const { runRecord } = await import('./record');
      setCode(await runRecord(url, o));
    });

  p.command('analyze')
    .description('Analyse a session file (.json/.json.gz) or a HAR saved from Chrome DevTools.')
    .argument('<file>', 'session file or HAR')
    .option('--json', 'print exactly one JSON object {format:"ackscope-analysis", version:1, operations, findings, ...}', false)
    .addOption(new Option('--fail-on <level>', 'exit 1 when a finding at or above this severity exists').choices(FAIL_ON as string[]).default('error'))
    .addHelpText(
      'after',
      '\nExit codes: 0 no finding at/above --fail-on, 1 there is one, 2 bad input.\n\nExamples:\n  ackscope analyze session.json\n  ackscope analyze trace.har --json --fail-on warning',
    )
    .exitOverride()
    .action(async (file: string, o: { json: boolean; failOn: FailOn }) => {
      const r = await runAnalysis(file);
      const j = toJson(file, r);
      process.stdout.write(o.json ? JSON.stringify(j, null, 2) + '\n' : toText(file, r));
      setCode(shouldFail(j.findings, o.failOn) ? 1 : 0);
    });
  return p;
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const p = program((n) => (code = n));
  try {
    if (argv.length === 0) {
      process.stdout.write(p.helpInformation());
      return 2;
    }
    await p.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help / --version are not errors.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return 0;
      process.stderr.write(`ackscope: ${oneLine(e.message.replace(/^error:\s*/, ''))}\n`);
      return 2;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`ackscope: ${oneLine(e.message)}\n`);
      return 2;
    }
    process.stderr.write(`ackscope: ${oneLine((e as Error)?.message ?? String(e))}\n`);
    return 1;
  }
}

// Entry when run as the built CLI (bin/ackscope.js imports this module and calls main).
