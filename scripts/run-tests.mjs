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
// A hung test fails after 10 minutes, and a file whose tests are done exits even if
// something it started keeps the event loop alive (the leak check names it): CI always ends.
const child = spawn(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-force-exit', '--test-timeout=600000', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
