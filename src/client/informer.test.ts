// Informers over the in-process client: list + watch, indexes, handlers, and a
// re-list after the watch's revision is compacted away.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../testing/index.js';
import { InformerFactory } from './informer.js';
import { Resources } from './resources.js';

checkLeaksAfterAll();

const pod = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

describe('Informer', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane({ builtinControllers: false });
  });
  after(async () => cp?.close());

  it('lists, then follows adds, updates and deletes, with a label-selected cache', async () => {
    await cp.client.create(Resources.pods, 'default', pod('before', { app: 'a' }));
    const factory = new InformerFactory(cp.client);
    const all = factory.informer(Resources.pods);
    const selected = factory.informer(Resources.pods, { labelSelector: 'app=a' });
    const seen: string[] = [];
    all.addHandlers({
      add: (p) => seen.push(`add ${p.metadata?.name}`),
      update: (_o, p) => seen.push(`update ${p.metadata?.name}`),
      delete: (p) => seen.push(`delete ${p.metadata?.name}`),
    });
    factory.start();
    await factory.waitForSync();
    assert.deepEqual(seen, ['add before']);
    await cp.client.create(Resources.pods, 'default', pod('after', { app: 'b' }));
    await cp.client.patch(Resources.pods, 'default', 'before', 'merge', { metadata: { labels: { app: 'b' } } });
    await cp.client.delete(Resources.pods, 'default', 'after', { gracePeriodSeconds: 0 });
    await eventually(() => assert.deepEqual(seen, ['add before', 'add after', 'update before', 'delete after']));
    assert.deepEqual(all.list('default').map((p) => p.metadata?.name), ['before']);
    // The pod left the app=a selection, so the selected informer dropped it.
    await eventually(() => assert.equal(selected.size, 0));
    await factory.stop();
  });

  it('re-lists after a 410 and reports the deletes it missed', async () => {
    await cp.client.create(Resources.configmaps, 'default', { metadata: { name: 'keep' }, data: {} });
    await cp.client.create(Resources.configmaps, 'default', { metadata: { name: 'gone' }, data: {} });
    const factory = new InformerFactory(cp.client);
    const informer = factory.informer(Resources.configmaps, { namespace: 'default' });
    const deleted: string[] = [];
    informer.addHandlers({ delete: (cm) => deleted.push(cm.metadata?.name ?? '') });
    factory.start();
    await factory.waitForSync();
    await factory.stop();
    // While nobody watches: delete one, write more, compact past the informer's revision.
    await cp.client.delete(Resources.configmaps, 'default', 'gone');
    const last = await cp.client.create(Resources.configmaps, 'default', { metadata: { name: 'new' }, data: {} });
    await cp.store.compact(Number(last.metadata?.resourceVersion));
    // A restarted informer resumes from its old revision, gets 410 and re-lists.
    informer.start();
    await eventually(() => assert.deepEqual(informer.list().map((c) => c.metadata?.name).sort(), ['keep', 'new']));
    assert.deepEqual(deleted, ['gone']);
    await informer.stop();
  });
});
