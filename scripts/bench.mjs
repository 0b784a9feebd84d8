#!/usr/bin/env node
// Runs every benchmark in bench/*.bench.ts (sorted), one process each, sequentially.
// Each benchmark prints its own report (ratios against a baseline measured in the same
// run) and may write a JSON result under bench/results/. Figures go into BENCHMARKS.md.
// Usage: npm run bench [-- name-filter]
import { readdirSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const filter = process.argv[2] ?? '';
mkdirSync('bench/results', { recursive: true });
const files = readdirSync('bench').filter((f) => f.endsWith('.bench.ts') && f.includes(filter)).sort();
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync('npx', ['tsx', `bench/${f}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
