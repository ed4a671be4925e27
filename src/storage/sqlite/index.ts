// The SQLite datastore (the default): one file in WAL mode, durable group commits
// through a writer thread, reads on the main thread. See schema.ts for the format.

import { resolve } from 'node:path';
import { createStore } from '../revisioned-store.js';
import type { Store } from '../types.js';
import { storageErrorFrom } from './errors.js';
import { Reader } from './reader.js';
import { openStoreFile } from './schema.js';
import { SqliteBackend, type SqliteStats } from './sqlite-backend.js';
import { WatchHub } from './watch-hub.js';
import { SqliteWriter } from './writer.js';

export type { SqliteStats } from './sqlite-backend.js';

export interface SqliteStoreOptions {
  /** Most write operations in one group commit (default 1024). */
  readonly maxBatchOps?: number;
  /** Most value bytes in one group commit (default 16 MiB; a bigger single value goes alone). */
  readonly maxBatchBytes?: number;
  /** Log rows examined per compaction transaction (default 2000). */
  readonly compactionChunkRows?: number;
  /**
   * Check the whole file with PRAGMA quick_check when opening it if it is at most this
   * many bytes (default 64 MiB, about 0.2 s; 0 disables, Infinity always checks).
   */
  readonly verifyMaxBytes?: number;
  /** Page cache of the read connection in KiB (default 32768). */
  readonly readCacheKiB?: number;
  /** Page cache of the write connection in KiB (default 16384). */
  readonly writeCacheKiB?: number;
  /** How long a connection waits for a lock held by another connection (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /**
   * A quota: writes that would grow the file beyond this many bytes fail with
   * Unavailable, as on a full disk (SQLite's max_page_count). Default: no limit.
   */
  readonly maxDatabaseBytes?: number;
}

export interface SqliteStore extends Store {
  /** Counters of the write path (commits, batches, ...), for tests and benchmarks. */
  stats(): SqliteStats;
}

/**
 * Opens (creating when new) the store in one SQLite file. Rejects with a Corrupt or
 * Foreign StorageError, naming the file, when it is damaged or not a Skiff store.
 */
export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const file = resolve(path);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const db = openStoreFile(file, {
    cacheKiB: options.readCacheKiB ?? 32768,
    busyTimeoutMs,
    verifyMaxBytes: options.verifyMaxBytes ?? 64 * 1024 * 1024,
  });
  let reader: Reader;
  try {
    reader = new Reader(db, file);
  } catch (err) {
    db.close();
    throw storageErrorFrom(err, `sqlite store ${file}: prepare the read statements`);
  }
  const hub = new WatchHub();
  const backend = new SqliteBackend(reader, hub);
  let writer: SqliteWriter;
  try {
    writer = await SqliteWriter.start(
      {
        path: file,
        cacheKiB: options.writeCacheKiB ?? 16384,
        busyTimeoutMs,
        maxDatabaseBytes: options.maxDatabaseBytes,
      },
      {
        maxBatchOps: options.maxBatchOps ?? 1024,
        maxBatchBytes: options.maxBatchBytes ?? 16 * 1024 * 1024,
        compactionChunkRows: options.compactionChunkRows ?? 2000,
      },
      {
        onCommit: (events, revision) => hub.publish(events, revision),
        onBroken: (err) => hub.failAll(err),
      },
    );
  } catch (err) {
    reader.close();
    throw err;
  }
  backend.attachWriter(writer);
  return Object.assign(createStore(backend), { stats: () => backend.stats() });
}
