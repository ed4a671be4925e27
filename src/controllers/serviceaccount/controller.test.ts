import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConfigMap, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { Resources, isNotFound, type ApiClient } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import type { Typed } from '../common/index.js';
import { ROOT_CA_DESCRIPTION, newRootCACertPublisher, newServiceAccountsController } from './index.js';

checkLeaksAfterAll();

const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

async function getOrUndefined<T extends object>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

const account = (client: ApiClient, ns: string) => getOrUndefined(() => client.get<Typed<ServiceAccount>>(Resources.serviceaccounts, ns, 'default'));
const rootCA = (client: ApiClient, ns: string) => getOrUndefined(() => client.get<Typed<ConfigMap>>(Resources.configmaps, ns, 'kube-root-ca.crt'));

describe('ServiceAccount controllers', () => {
  let cp: TestControlPlane;
  let stop: () => Promise<void>;

  before(async () => {
    cp = await startControlPlane();
    ({ stop } = await cp.run(newServiceAccountsController, (ctx) => newRootCACertPublisher(ctx, { caPem: CA })));
  });
  after(async () => {
    await stop();
    await cp.close();
  });

  it('gives every namespace, old and new, a default ServiceAccount', async () => {
    await eventually(async () => assert.ok(await account(cp.client, 'kube-system')));
    await cp.client.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    await eventually(async () => assert.ok(await account(cp.client, 'team-a')));
  });

  it('creates the default ServiceAccount again after it is deleted', async () => {
    const first = await eventually(async () => (await account(cp.client, 'default')) ?? assert.fail('no default account yet'));
    await cp.client.delete(Resources.serviceaccounts, 'default', 'default');
    await eventually(async () => {
      const again = await account(cp.client, 'default');
      assert.ok(again);
      assert.notEqual(again.metadata?.uid, first.metadata?.uid);
    });
  });

  it('publishes the CA in kube-root-ca.crt in every namespace and keeps it as published', async () => {
    await cp.client.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
    const cm = await eventually(async () => (await rootCA(cp.client, 'team-b')) ?? assert.fail('no kube-root-ca.crt yet'));
    assert.deepEqual(cm.data, { 'ca.crt': CA });
    assert.equal(cm.metadata?.annotations?.['kubernetes.io/description'], ROOT_CA_DESCRIPTION);
    await cp.client.patch(Resources.configmaps, 'team-b', 'kube-root-ca.crt', 'merge', { data: { 'ca.crt': 'tampered', extra: 'x' } });
    await eventually(async () => assert.deepEqual((await rootCA(cp.client, 'team-b'))?.data, { 'ca.crt': CA }));
    await cp.client.delete(Resources.configmaps, 'team-b', 'kube-root-ca.crt');
    await eventually(async () => assert.deepEqual((await rootCA(cp.client, 'team-b'))?.data, { 'ca.crt': CA }));
    assert.ok(await rootCA(cp.client, 'kube-public'));
    assert.deepEqual(cp.errors, []);
  });
});
