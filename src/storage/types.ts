// The Store interface: a revisioned key-value log in the shape of etcd v3 and kine.
// Every write gets the next global revision; an object's resourceVersion is the
// revision of its last write (modRevision).

/** One stored version of a key. Treat as immutable: instances are shared by caches. */
export interface KeyValue {
  readonly key: string;
  readonly value: Uint8Array;
  /**
   * value.byteLength, for a KeyValue that makes its value on demand (the watch
   * cache's decoded form): lets a comparison skip making it when sizes differ.
   */
  readonly valueSize?: number;
  /** Revision at which the key was (last) created. */
  readonly createRevision: number;
  /** Revision of the write that produced this value; for a deleted key, the deletion's revision. */
  readonly modRevision: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  readonly type: WatchEventType;
  /** For DELETED: the last value, with modRevision set to the deletion's revision. */
  readonly kv: KeyValue;
  /** The value before this event (absent for ADDED). */
  readonly prevKv?: KeyValue;
}

export interface GetOptions {
  /** Read the key as of this revision (0 or absent: latest). Expired if compacted. */
  readonly revision?: number;
  /** Any revision at least this recent will do (resourceVersion="0"); see ListOptions. */
  readonly notOlderThan?: number;
}

export interface GetResult {
  /** The revision the read was served at. */
  readonly revision: number;
  readonly kv: KeyValue | undefined;
}

export interface ListOptions {
  /** Page size; 0 or absent: no limit. */
  readonly limit?: number;
  /** Opaque token from a previous page; the list continues at that page's revision. */
  readonly continue?: string;
  /** Read as of this exact revision (0 or absent: latest). Expired if compacted. */
  readonly revision?: number;
  /**
   * Any revision at least this recent will do (kube-apiserver's resourceVersion="0" or
   * NotOlderThan). Lets a cache answer from memory; backends treat it as "latest".
   */
  readonly notOlderThan?: number;
}

export interface ListResult {
  readonly revision: number;
  readonly items: readonly KeyValue[];
  /** Present when more items follow. */
  readonly continue?: string;
  /** How many keys follow this page, when the backend knows. */
  readonly remainingItemCount?: number;
}

export interface Preconditions {
  /** The key's current modRevision must equal this (a resourceVersion precondition). */
  readonly modRevision?: number;
}

/**
 * Computes the new value from the current one. Returning `undefined` leaves the key
 * unchanged (a no-op update returns the current KeyValue). Throwing aborts the update
 * and the error reaches the caller as is.
 */
export type TryUpdate = (current: KeyValue | undefined) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

export interface UpdateOptions {
  readonly preconditions?: Preconditions;
  /** When the key does not exist, call tryUpdate with undefined and create it. */
  readonly ignoreNotFound?: boolean;
  /** A value believed current (from a cache); saves the first read when it is. */
  readonly suggestion?: KeyValue;
}

export interface DeleteOptions {
  readonly preconditions?: Preconditions;
  /** Checked against the current value before deleting; throw to refuse. */
  readonly validate?: (current: KeyValue) => void | Promise<void>;
}

export interface WatchOptions {
  /**
   * Deliver events with revisions strictly greater than this, like a Kubernetes
   * watch from resourceVersion N. 0 or absent: from now.
   */
  readonly fromRevision?: number;
  /** Bound on events buffered for a consumer that does not keep up (default 10000). */
  readonly bufferSize?: number;
  /**
   * Also wake the consumer with an empty batch when progressRevision advances
   * without events for it (writes elsewhere), for bookmarks and cache freshness.
   */
  readonly progressNotify?: boolean;
}

/**
 * A running watch. Iterate it to receive events in revision order, in batches. The
 * iteration ends when the watch is stopped; it throws a StorageError (Expired,
 * TooSlow, Unavailable) when the watch fails.
 */
export interface Watcher extends AsyncIterable<readonly WatchEvent[]> {
  /** Revision the watch started after. */
  readonly startRevision: number;
  /** Highest revision known to be delivered or skipped (progress, for bookmarks). */
  readonly progressRevision: number;
  stop(): void;
}

export interface Store {
  /** Backend name, for logs and benchmarks: 'sqlite', 'etcd', 'memory', 'cached(...)'. */
  readonly name: string;
  get(key: string, options?: GetOptions): Promise<GetResult>;
  /** Creates a key that must not exist; fails with KeyExists. */
  create(key: string, value: Uint8Array): Promise<KeyValue>;
  /**
   * The one update primitive: read, compute with tryUpdate, write if nothing changed
   * in between; retried on a concurrent write. Preconditions fail with Conflict.
   */
  guaranteedUpdate(key: string, tryUpdate: TryUpdate, options?: UpdateOptions): Promise<KeyValue>;
  /** Deletes a key; returns its last value with modRevision set to the deletion revision. */
  delete(key: string, options?: DeleteOptions): Promise<KeyValue>;
  /** Lists keys under a prefix (which ends with '/') in key order, at one revision. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Number of keys under a prefix now. */
  count(prefix: string): Promise<number>;
  watch(prefix: string, options?: WatchOptions): Watcher;
  currentRevision(): Promise<number>;
  /** Drops history at and below a revision; reads and watches from there become Expired. */
  compact(revision: number): Promise<void>;
  /** Revision up to which history has been compacted (0 if never). */
  compactedRevision(): Promise<number>;
  close(): Promise<void>;
}
