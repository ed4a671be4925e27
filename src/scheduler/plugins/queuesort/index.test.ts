import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLeaksAfterAll } from '../../../testing/index.js';
import { makePod } from '../helper/testing.js';
import { PrioritySort, prioritySortCompare } from './index.js';

checkLeaksAfterAll();

describe('PrioritySort', () => {
  const plugin = new PrioritySort();
  const info = (name: string, priority: number | undefined, timestamp: number) => {
    const b = makePod(name);
    if (priority !== undefined) b.priority(priority);
    return { pod: b.obj(), timestamp };
  };

  const cases = [
    { name: 'higher priority first', a: info('a', 100, 2), b: info('b', 10, 1), less: true },
    { name: 'lower priority later', a: info('a', 10, 1), b: info('b', 100, 2), less: false },
    { name: 'equal priority: earlier first', a: info('a', 10, 1), b: info('b', 10, 2), less: true },
    { name: 'equal priority: later second', a: info('a', 10, 3), b: info('b', 10, 2), less: false },
    { name: 'unset priority counts as 0', a: info('a', undefined, 1), b: info('b', -1, 0), less: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(plugin.less(c.a, c.b), c.less);
      assert.equal(prioritySortCompare(c.a, c.b) < 0, c.less);
    });
  }

  it('sorts a queue', () => {
    const queue = [info('low', 0, 1), info('high-late', 5, 9), info('high-early', 5, 3), info('mid', 2, 0)];
    assert.deepEqual(
      queue.sort(prioritySortCompare).map((q) => q.pod.metadata?.name),
      ['high-early', 'high-late', 'mid', 'low'],
    );
  });
});
