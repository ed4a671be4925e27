import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLeaksAfterAll } from '../testing/index.js';
import { KeyedHeap } from './heap.js';

checkLeaksAfterAll();

interface Item {
  readonly key: string;
  readonly rank: number;
}

describe('KeyedHeap', () => {
  it('pops in order through adds, updates and deletes by key', () => {
    const heap = new KeyedHeap<Item>(
      (i) => i.key,
      (a, b) => a.rank < b.rank || (a.rank === b.rank && a.key < b.key),
    );
    const reference = new Map<string, Item>();
    // A fixed pseudo-random sequence, so a failure replays.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let step = 0; step < 5000; step++) {
      const key = `k${next(300)}`;
      const op = next(10);
      if (op < 6) {
        const item = { key, rank: next(1000) };
        heap.addOrUpdate(item);
        reference.set(key, item);
      } else if (op < 8) {
        assert.equal(heap.delete(key), reference.get(key));
        reference.delete(key);
      } else {
        const expected = [...reference.values()].sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : 1))[0];
        assert.equal(heap.pop(), expected);
        if (expected) reference.delete(expected.key);
      }
      assert.equal(heap.length, reference.size);
      assert.equal(heap.has(key), reference.has(key));
      assert.equal(heap.get(key), reference.get(key));
    }
    const drained: number[] = [];
    for (let item = heap.pop(); item; item = heap.pop()) drained.push(item.rank);
    assert.deepEqual(drained, [...drained].sort((a, b) => a - b));
    assert.equal(drained.length, reference.size);
  });
});
