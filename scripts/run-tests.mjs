#!/usr/bin/env node
// Runs every compiled test file (unit tests beside the code, end-to-end tests in test/)
// with node's test runner. Usage: node scripts/run-tests.mjs [substring ...]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith('.test.js')) found.push(path);
  }
  return found;
}

const filters = process.argv.slice(2);
const files = ['dist/src', 'dist/test']
  .flatMap((dir) => { try { return findTests(dir); } catch { return []; } })
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error('no test files found; run `npm run build` first');
  process.exit(1);
}
// A hung test fails after 10 minutes, and the whole run is stopped after 40, so CI
// always ends. Not --test-force-exit: on Node 20 it sometimes ends a file before all
// of its tests have run, and the run passes with tests silently missing.
const RUN_LIMIT_MS = 40 * 60_000;
const child = spawn(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-timeout=600000', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
const watchdog = setTimeout(() => {
  console.error(`tests still running after ${RUN_LIMIT_MS / 60_000} minutes: something keeps a test file alive (see the leak checks above); stopping`);
  child.kill('SIGKILL');
}, RUN_LIMIT_MS);
child.on('exit', (code, signal) => {
  clearTimeout(watchdog);
  process.exit(code ?? (signal ? 1 : 0));
});
