import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Resources } from '../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../testing/index.js';

checkLeaksAfterAll();

describe('DefaultStorageClass admission', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane();
  });
  after(() => cp.close());

  const claim = (name: string, storageClassName?: string) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...(storageClassName !== undefined ? { storageClassName } : {}) },
  });

  it('gives claims without a class the default class, and leaves explicit ones alone', async () => {
    const before_ = await cp.client.create(Resources.persistentvolumeclaims, 'default', claim('early'));
    assert.equal((before_.spec as { storageClassName?: string }).storageClassName, undefined, 'no default class yet');
    await cp.client.create(Resources.storageclasses, '', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'example.com/fast' });
    // Admission reads classes from the watch cache, which follows the write a moment later.
    await eventually(async () => assert.equal((await cp.client.list(Resources.storageclasses, '', { resourceVersion: '0' })).items.length, 1));
    const created = await cp.client.create(Resources.persistentvolumeclaims, 'default', claim('late'));
    assert.equal((created.spec as { storageClassName?: string }).storageClassName, 'fast');
    const empty = await cp.client.create(Resources.persistentvolumeclaims, 'default', claim('static', ''));
    assert.equal((empty.spec as { storageClassName?: string }).storageClassName, '', 'an empty class asks for no class');
  });
});
