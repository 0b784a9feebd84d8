// Browser discovery and branded-Chrome detection (src/node/launcher.ts): real executables
// (tiny scripts printing what each browser prints for --version), real environment.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserVersion, findBrowser, LaunchError } from '../../../src/node/launcher';

const dir = mkdtempSync(join(tmpdir(), 'ackscope-browsers-'));
function fakeBrowser(name: string, version: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\necho "${version}"\n`);
  chmodSync(p, 0o755);
  return p;
}
const saved = process.env.CHROME_PATH;
afterEach(() => {
  if (saved === undefined) delete process.env.CHROME_PATH;
  else process.env.CHROME_PATH = saved;
});

describe('browserVersion', () => {
  it('branded Google Chrome needs CDP loading; Chromium and Chrome for Testing do not', () => {
    expect(browserVersion(fakeBrowser('chrome', 'Google Chrome 138.0.7204.49 '))).toMatchObject({ major: 138, branded: true });
    expect(browserVersion(fakeBrowser('cft', 'Google Chrome for Testing 138.0.7204.49'))).toMatchObject({ major: 138, branded: false });
    expect(browserVersion(fakeBrowser('chromium', 'Chromium 156.0.8078.108 built on Debian GNU/Linux 12 (bookworm)'))).toMatchObject({ major: 156, branded: false });
  });
});

describe('findBrowser', () => {
  it('explicit path first, then CHROME_PATH; a missing one names the flag or variable', () => {
    const a = fakeBrowser('a', 'Chromium 1.2.3');
    const b = fakeBrowser('b', 'Chromium 1.2.3');
    process.env.CHROME_PATH = b;
    expect(findBrowser(a)).toBe(a);
    expect(findBrowser()).toBe(b);
    expect(() => findBrowser(join(dir, 'nope'), '--browser')).toThrow(LaunchError);
    expect(() => findBrowser(join(dir, 'nope'), '--browser')).toThrow(/--browser .*nope: no such file/);
    process.env.CHROME_PATH = join(dir, 'gone');
    expect(() => findBrowser()).toThrow(/CHROME_PATH=.*gone: no such file/);
  });
});
