// The shared Store conformance suite against a real etcd. One etcd serves the whole
// file; each store starts from an empty /registry/ (cleared before it opens, so a
// watch "from now" never sees the clearing).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { runStoreConformance } from '../conformance.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { etcdAvailable, openEtcdStore, startEtcd, type EtcdProcess } from './index.js';

const missing = etcdAvailable();

async function clearRegistry(endpoints: string[]): Promise<void> {
  const client = new Etcd3({ hosts: endpoints });
  try {
    await client.delete().prefix('/registry/');
  } finally {
    client.close();
  }
}

if (missing && process.env.CI === 'true') {
  test('etcd is installed (required in CI)', () => assert.fail(missing));
} else if (missing) {
  test('Store conformance: etcd', { skip: missing }, () => undefined);
} else {
  let etcd: EtcdProcess | undefined;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
  });
  runStoreConformance('etcd', async () => {
    assert.ok(etcd, 'etcd was not started');
    await clearRegistry(etcd.endpoints);
    return openEtcdStore(etcd.endpoints);
  });
}

checkLeaksAfterAll();
