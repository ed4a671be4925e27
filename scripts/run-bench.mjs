#!/usr/bin/env node
// Runs the compiled benchmarks in dist/bench one after another (they share the
// machine, so never in parallel). Usage: node scripts/run-bench.mjs [name ...]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const helpers = new Set(['report.js']);
const names = process.argv.slice(2);
const benches = readdirSync('dist/bench')
  .filter((f) => f.endsWith('.js') && !helpers.has(f) && !f.endsWith('.test.js'))
  .filter((f) => names.length === 0 || names.includes(f.replace(/\.js$/, '')))
  .sort();
let failed = 0;
for (const bench of benches) {
  const result = spawnSync(process.execPath, ['--enable-source-maps', '--expose-gc', `dist/bench/${bench}`], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.error(`bench ${bench} failed (exit ${result.status ?? result.signal})`);
  }
}
process.exit(failed ? 1 : 0);
