// How the API server's watch cache (storage/cacher.ts) keeps resources: each version
// as its decoded object (codec.ts), and events not at all. Upstream serves events
// from etcd without its Cacher ("switching on Cacher for events will lead to too
// high memory consumption"): every pod scheduled, pulled or started leaves one.

import { storagePrefix } from '../../api/resources.js';
import type { WatchCacheOptions } from '../../storage/index.js';
import { retainDecoded } from './codec.js';

const events = (group: string) => storagePrefix({ group, plural: 'events', namespaced: true });

export const apiWatchCache: Pick<WatchCacheOptions, 'retain' | 'uncachedPrefixes'> = {
  retain: retainDecoded,
  uncachedPrefixes: [events(''), events('events.k8s.io')],
};
