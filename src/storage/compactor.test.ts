import assert from 'node:assert/strict';
import { checkLeaksAfterAll } from '../testing/index.js';
import { it } from 'node:test';
import { Compactor } from './compactor.js';
import { openMemoryStore } from './memory.js';

it('compacts to the revision seen at the previous tick, keeping one interval of history', async () => {
  const store = openMemoryStore();
  const compacted: number[] = [];
  // A long interval: the test drives ticks itself.
  const compactor = new Compactor(store, { intervalMs: 3_600_000, onCompacted: (rev) => compacted.push(rev) });
  try {
    await compactor.tick(); // the constructor's first tick may still be running; this joins it
    const first = await store.create('/registry/core/pods/ns/a', Buffer.from('1'));
    await compactor.tick(); // remembers `first`, nothing older to compact
    assert.deepEqual(compacted, []);
    const second = await store.guaranteedUpdate(first.key, () => Buffer.from('2'));
    await compactor.tick(); // compacts to `first`
    assert.deepEqual(compacted, [first.modRevision]);
    assert.equal(await store.compactedRevision(), first.modRevision);
    // History since the previous tick is still there.
    assert.equal(Buffer.from((await store.get(first.key, { revision: first.modRevision })).kv!.value).toString(), '1');
    await compactor.tick(); // compacts to `second`
    assert.equal(await store.compactedRevision(), second.modRevision);
    await compactor.tick(); // nothing new: no compaction call
    assert.deepEqual(compacted, [first.modRevision, second.modRevision]);
  } finally {
    await compactor.dispose();
    await store.close();
  }
});

checkLeaksAfterAll();
