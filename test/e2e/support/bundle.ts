/** Builds the scenario app as a minified app bundle (the "bundled" loading style). */
import { build } from 'vite';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PAGES = join(import.meta.dirname, 'pages');

export async function buildScenarioBundle(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'ackscope-bundle-'));
  await build({
    configFile: false,
    logLevel: 'silent',
    root: PAGES,
    build: {
      outDir,
      emptyOutDir: true,
      minify: true,
      lib: { entry: join(PAGES, 'bundle-entry.mjs'), formats: ['iife'], name: 'scenarioBundle', fileName: () => 'bundle.js' },
    },
  });
  return outDir;
}
