// What a datastore backend implements: a few atomic primitives over a revisioned
// log (kine's "dialect"). `createStore` in revisioned-store.ts builds the full Store
// on top: key and value checks, continue tokens, the guaranteedUpdate retry loop and
// delete preconditions are written once for every backend.

import type { GetResult, KeyValue } from './types.js';
import type { WatchQueue } from './watch-queue.js';

export type CasResult =
  | { readonly succeeded: true; readonly kv: KeyValue; readonly prevKv: KeyValue | undefined }
  | { readonly succeeded: false; readonly current: KeyValue | undefined; readonly revision: number };

export interface RangeResult {
  readonly revision: number;
  /** Keys in [startKey, end) in key order, at most `limit` (0: all). */
  readonly items: readonly KeyValue[];
  /** True when keys beyond the returned ones exist in the range. */
  readonly more: boolean;
  /** Count of keys after the page, if cheap to know. */
  readonly remaining?: number;
}

export interface Backend {
  readonly name: string;
  /** Latest value (revision 0) or the value as of `revision`; Expired if compacted. */
  get(key: string, revision: number): Promise<GetResult>;
  /**
   * Atomic compare-and-put: succeeds when the key's modRevision equals `expected`
   * (0: the key must not exist). On failure returns the current value.
   */
  put(key: string, value: Uint8Array, expected: number): Promise<CasResult>;
  /** Atomic compare-and-delete; `kv` of the result is the deleted value at the deletion revision. */
  remove(key: string, expected: number): Promise<CasResult>;
  /**
   * Keys in [startKey, end) at `revision` (0: latest), in key order. Expired when the
   * revision is compacted, FutureRevision when it is ahead of the store.
   */
  range(startKey: string, end: string, revision: number, limit: number): Promise<RangeResult>;
  count(startKey: string, end: string): Promise<number>;
  /**
   * Feeds events for keys in [startKey, end) with revisions above `fromRevision` (0:
   * from now) into the queue, in order. Returns a function that cancels the feed. A
   * compacted `fromRevision` fails the queue with Expired.
   */
  watch(startKey: string, end: string, fromRevision: number, queue: WatchQueue): () => void;
  currentRevision(): Promise<number>;
  compact(revision: number): Promise<void>;
  compactedRevision(): Promise<number>;
  close(): Promise<void>;
}
