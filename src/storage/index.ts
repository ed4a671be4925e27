// The datastore: a revisioned key-value Store with sqlite (default), etcd (HA) and
// memory backends, a watch cache decorator and periodic compaction.

import { withWatchCache, type WatchCacheOptions } from './cacher.js';
import { Compactor } from './compactor.js';
import { parseDatastoreUrl, type DatastoreSpec } from './datastore-url.js';
import { openMemoryStore } from './memory.js';
import type { Store } from './types.js';

export type * from './types.js';
export { StorageError, isStorageError, type StorageErrorCode } from './errors.js';
export { KEY_ROOT, MAX_VALUE_BYTES, validateKey, validatePrefix, encodeContinue, decodeContinue } from './keys.js';
export { parseDatastoreUrl, DatastoreUrlError, type DatastoreSpec } from './datastore-url.js';
export { withWatchCache, type WatchCacheOptions } from './cacher.js';
export { Compactor, type CompactorOptions } from './compactor.js';
export { openMemoryStore } from './memory.js';

/** Opens the backend a spec names, without cache or compaction. */
export async function openBackendStore(spec: DatastoreSpec): Promise<Store> {
  switch (spec.kind) {
    case 'memory':
      return openMemoryStore();
    case 'sqlite': {
      // Loaded on demand: `skiff --help` should not pay for native modules or gRPC.
      const { openSqliteStore } = await import('./sqlite/index.js');
      return openSqliteStore(spec.path);
    }
    case 'etcd': {
      const { openEtcdStore } = await import('./etcd/index.js');
      return openEtcdStore([...spec.endpoints]);
    }
  }
}

export interface DatastoreOptions {
  /** Serve reads and watches through the watch cache (default true). */
  readonly watchCache?: boolean | WatchCacheOptions;
  /** Compaction interval in ms; 0 disables (default 5 minutes). */
  readonly compactionIntervalMs?: number;
  readonly onCompactionError?: (err: unknown) => void;
}

/** A Store that also owns its compactor. */
class ManagedStore implements Store {
  readonly name: string;
  constructor(private readonly store: Store, private readonly compactor: Compactor | undefined) {
    this.name = store.name;
  }
  get: Store['get'] = (key, options) => this.store.get(key, options);
  create: Store['create'] = (key, value) => this.store.create(key, value);
  guaranteedUpdate: Store['guaranteedUpdate'] = (key, tryUpdate, options) => this.store.guaranteedUpdate(key, tryUpdate, options);
  delete: Store['delete'] = (key, options) => this.store.delete(key, options);
  list: Store['list'] = (prefix, options) => this.store.list(prefix, options);
  count: Store['count'] = (prefix) => this.store.count(prefix);
  watch: Store['watch'] = (prefix, options) => this.store.watch(prefix, options);
  currentRevision: Store['currentRevision'] = () => this.store.currentRevision();
  compact: Store['compact'] = (revision) => this.store.compact(revision);
  compactedRevision: Store['compactedRevision'] = () => this.store.compactedRevision();
  async close(): Promise<void> {
    await this.compactor?.dispose();
    await this.store.close();
  }
}

/** Opens a datastore URL the way `skiff server` uses it: backend + watch cache + compactor. */
export async function openDatastore(url: string, options: DatastoreOptions = {}): Promise<Store> {
  const backend = await openBackendStore(parseDatastoreUrl(url));
  const cacheOptions = options.watchCache ?? true;
  const store = cacheOptions === false ? backend : await withWatchCache(backend, cacheOptions === true ? {} : cacheOptions);
  const interval = options.compactionIntervalMs ?? 5 * 60_000;
  const compactor =
    interval > 0
      ? new Compactor(store, { intervalMs: interval, ...(options.onCompactionError ? { onError: options.onCompactionError } : {}) })
      : undefined;
  return new ManagedStore(store, compactor);
}
