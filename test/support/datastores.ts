// The datastores every end-to-end suite runs on: the server's default (sqlite) and,
// where etcd is installed (always in CI), a real etcd on loopback.

import { etcdAvailable, startEtcd } from '../../src/storage/etcd/index.js';

export interface Datastore {
  readonly name: string;
  readonly skip: string | false;
  /** Starts what the datastore needs; returns its URL (undefined: the server's default) and a stop. */
  start(): Promise<{ url?: string; stop(): Promise<void> }>;
}

const etcdSkip = etcdAvailable();

export const DATASTORES: readonly Datastore[] = [
  { name: 'sqlite (default)', skip: false, start: async () => ({ stop: async () => {} }) },
  {
    name: 'etcd',
    // CI installs etcd: there a missing binary fails instead of skipping.
    skip: etcdSkip && process.env.CI !== 'true' ? etcdSkip : false,
    start: async () => {
      const etcd = await startEtcd();
      return { url: `etcd://${etcd.endpoints.map((e) => e.replace(/^https?:\/\//, '')).join(',')}`, stop: () => etcd.stop() };
    },
  },
];
