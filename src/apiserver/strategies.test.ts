// Strategy details controllers depend on: the DaemonSet template generation.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Resources } from '../client/index.js';
import { checkLeaksAfterAll, startControlPlane, type TestControlPlane } from '../testing/index.js';

checkLeaksAfterAll();

describe('DaemonSet template generation', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane({ builtinControllers: false });
  });
  after(async () => cp?.close());

  it('starts at 1 and counts template changes only', async () => {
    const template = (image: string) => ({ metadata: { labels: { app: 'ds' } }, spec: { containers: [{ name: 'c', image }] } });
    const generation = (o: { metadata?: { annotations?: Record<string, string> } }) => o.metadata?.annotations?.['deprecated.daemonset.template.generation'];
    const created = await cp.client.create(Resources.daemonsets, 'default', { metadata: { name: 'ds' }, spec: { selector: { matchLabels: { app: 'ds' } }, template: template('a') } });
    assert.equal(generation(created), '1');
    const relabelled = await cp.client.patch(Resources.daemonsets, 'default', 'ds', 'merge', { metadata: { labels: { x: 'y' } }, spec: { minReadySeconds: 5 } });
    assert.equal(generation(relabelled), '1');
    const changed = await cp.client.patch(Resources.daemonsets, 'default', 'ds', 'merge', { spec: { template: template('b') } });
    assert.equal(generation(changed), '2');
  });
});
