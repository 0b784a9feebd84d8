// Runs the real built CLI (bin/ackscope.js -> dist-cli/) as a child process.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const BIN = resolve(ROOT, 'bin/ackscope.js');

export function assertBuilt(): void {
  if (!existsSync(resolve(ROOT, 'dist-cli/cli.js'))) throw new Error('dist-cli/cli.js missing: run `npm run build` (or npm run build:cli) first');
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; onStderr?: (chunk: string, child: import('node:child_process').ChildProcess) => void } = {}): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      opts.onStderr?.(d, child);
    });
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
  });
}

/**
 * Copy of the built extension (dist/) for browser tests: other builds in a shared checkout
 * may rewrite dist/ meanwhile. Retries when the copy caught a rebuild half way.
 */
export function snapshotExtension(into: string): string {
  const src = resolve(ROOT, 'dist');
  for (let i = 0; i < 20; i++) {
    const dst = join(into, `ext-${i}`);
    try {
      cpSync(src, dst, { recursive: true });
      const m = JSON.parse(readFileSync(join(dst, 'manifest.json'), 'utf8'));
      if (m.background?.service_worker && existsSync(join(dst, m.background.service_worker))) return dst;
    } catch {
      /* a rebuild was in progress: try again */
    }
  }
  throw new Error('dist/ missing or incomplete: run npm run build');
}
