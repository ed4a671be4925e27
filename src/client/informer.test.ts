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

  it('keeps an index in step with updates that change the indexed value and updates that do not', async () => {
    const factory = new InformerFactory(cp.client);
    const pods = factory.informer(Resources.pods);
    pods.addIndex('app', (p) => (p.metadata?.labels?.app ? [p.metadata.labels.app] : []));
    factory.start();
    await factory.waitForSync();
    const names = (app: string) => pods.byIndex('app', app).map((p) => p.metadata?.name).sort();
    await cp.client.create(Resources.pods, 'default', pod('i1', { app: 'x' }));
    await cp.client.create(Resources.pods, 'default', pod('i2', { app: 'x' }));
    await eventually(() => assert.deepEqual(names('x'), ['i1', 'i2']));
    // An update that leaves the value alone, then one that changes it.
    await cp.client.patch(Resources.pods, 'default', 'i1', 'merge', { metadata: { annotations: { touched: 'yes' } } });
    await eventually(() => assert.equal(pods.get('default', 'i1')?.metadata?.annotations?.touched, 'yes'));
    assert.deepEqual(names('x'), ['i1', 'i2']);
    await cp.client.patch(Resources.pods, 'default', 'i2', 'merge', { metadata: { labels: { app: 'y' } } });
    await eventually(() => assert.deepEqual(names('y'), ['i2']));
    assert.deepEqual(names('x'), ['i1']);
    await cp.client.patch(Resources.pods, 'default', 'i1', 'merge', { metadata: { labels: { app: null } } });
    await eventually(() => assert.deepEqual(names('x'), []));
    await cp.client.delete(Resources.pods, 'default', 'i2', { gracePeriodSeconds: 0 });
    await eventually(() => assert.deepEqual(names('y'), []));
    await cp.client.delete(Resources.pods, 'default', 'i1', { gracePeriodSeconds: 0 });
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
