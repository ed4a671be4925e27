// The etcd datastore (Skiff's HA mode): a Store on an external etcd v3 cluster, and
// the harness that starts a real etcd for tests and benchmarks.

import { createStore } from '../revisioned-store.js';
import type { Store } from '../types.js';
import { EtcdBackend } from './backend.js';
import { createEtcdClient, DEFAULT_DIAL_TIMEOUT_MS, normalizeEndpoints, type EtcdStoreOptions } from './client.js';

export type { EtcdStoreOptions } from './client.js';
export { COMPACT_REV_KEY } from './backend.js';
export { etcdAvailable, startEtcd, type EtcdProcess, type StartEtcdOptions } from './testing.js';

/**
 * Opens a Store on etcd. Endpoints are http://HOST:PORT (or HOST:PORT). Fails with
 * StorageError Unavailable, naming the endpoints, when etcd does not answer within
 * `dialTimeoutMs` (default 5 s). The caller owns the store and must close it.
 */
export async function openEtcdStore(endpoints: readonly string[], options: EtcdStoreOptions = {}): Promise<Store> {
  const hosts = normalizeEndpoints(endpoints);
  const client = createEtcdClient(hosts, options);
  const backend = new EtcdBackend(client, hosts);
  try {
    await backend.probe(options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS);
  } catch (err) {
    await backend.close();
    throw err;
  }
  return createStore(backend);
}
