// Leak check for test files: every timer, socket, child process and worker a test
// starts must be disposed of by the end of the file. Call checkLeaksAfterAll() at the
// top level of a test file; its after-hook fails the file, naming what was left.

import assert from 'node:assert/strict';
import { after } from 'node:test';

function countByType(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

function leakedSince(baseline: Map<string, number>): string[] {
  const leaked: string[] = [];
  for (const [type, count] of countByType()) {
    const extra = count - (baseline.get(type) ?? 0);
    if (extra > 0) leaked.push(`${extra} ${type}`);
  }
  return leaked;
}

export function checkLeaksAfterAll(options: { graceMs?: number } = {}): void {
  const baseline = countByType();
  after(async () => {
    // Closing sockets and exiting children finish on later ticks: poll until a deadline.
    const deadline = Date.now() + (options.graceMs ?? 2000);
    let leaked = leakedSince(baseline);
    while (leaked.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
      // Not unref'd: when the leaked handle closes meanwhile, an unref'd timer let the
      // process exit inside this hook, skipping the check and every later after-hook.
      await new Promise((resolve) => setTimeout(resolve, 20));
      leaked = leakedSince(baseline);
    }
    assert.deepEqual(leaked, [], `handles left open after the tests: ${leaked.join(', ')}`);
  });
}
