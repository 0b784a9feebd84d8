#!/usr/bin/env node
// One-time setup used by `npm run demo` on a fresh machine. Node built-ins only: it runs
// before node_modules exists. Installs the npm dependencies when they are missing or older
// than package-lock.json, and Chromium through apt when no browser is found and we may.
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`setup: "${cmd} ${args.join(' ')}" failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
};

const marker = resolve(root, 'node_modules/.package-lock.json');
const lock = resolve(root, 'package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  console.log('setup: installing npm dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

const browsers = [
  process.env.CHROME_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-for-testing',
  '/usr/bin/google-chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
].filter(Boolean);
if (!browsers.some((p) => existsSync(p))) {
  const apt = process.platform === 'linux' && existsSync('/usr/bin/apt-get');
  const root_ = typeof process.getuid === 'function' && process.getuid() === 0;
  if (apt && root_) {
    console.log('setup: no Chromium found, installing it with apt…');
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium']);
  } else {
    console.error('setup: no Chromium/Chrome found. Install Chromium (e.g. `sudo apt-get install chromium`) or set CHROME_PATH.');
    process.exit(1);
  }
}
