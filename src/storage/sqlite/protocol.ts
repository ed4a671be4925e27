// Messages between the main thread and the writer worker. The main thread keeps at
// most one request in flight, so the worker handles them strictly one at a time and
// every reply answers the request with the same id.

/** What the worker needs to open its connection. */
export interface WriterInit {
  readonly path: string;
  /** Page cache of the write connection, in KiB. */
  readonly cacheKiB: number;
  readonly busyTimeoutMs: number;
  /** A size quota: writes that would grow the file beyond it fail with SQLITE_FULL. */
  readonly maxDatabaseBytes: number | undefined;
}

/** 0: put, 1: remove (numbers clone cheaper than strings). */
export type OpKind = 0 | 1;
export const OP_PUT: OpKind = 0;
export const OP_REMOVE: OpKind = 1;

/**
 * One batch of CAS operations, as parallel arrays (cheaper to clone than an array of
 * objects). `expected` is the modRevision the key must have; 0 means "must not exist".
 */
export interface BatchRequest {
  readonly type: 'batch';
  readonly id: number;
  readonly kinds: readonly OpKind[];
  readonly keys: readonly string[];
  readonly expected: readonly number[];
  /** Values of puts; `null` for removes. */
  readonly values: readonly (Uint8Array | null)[];
}

/** One chunk of history cleanup for compaction: at most `chunkRows` rows examined. */
export interface CompactRequest {
  readonly type: 'compact';
  readonly id: number;
  /** The compaction revision: history below it goes, the state at it stays. */
  readonly revision: number;
  readonly chunkRows: number;
}

export interface CloseRequest {
  readonly type: 'close';
  readonly id: number;
}

export type WriterRequest = BatchRequest | CompactRequest | CloseRequest;

/** A stored version as the worker reports it; the key is known to the caller. */
export interface RowVersion {
  readonly revision: number;
  readonly createRevision: number;
  readonly value: Uint8Array;
}

/**
 * Per-op outcome. Success: the new revision, the createRevision it carries and the
 * previous version (absent for a create). Failure: the current version (absent when
 * the key does not exist).
 */
export type OpOutcome =
  | { readonly ok: true; readonly revision: number; readonly createRevision: number; readonly prev: RowVersion | null }
  | { readonly ok: false; readonly current: RowVersion | null };

/** A failure the main thread turns into a StorageError. */
export interface WireError {
  /** SQLite's extended code (e.g. SQLITE_FULL) when there is one. */
  readonly sqliteCode: string | undefined;
  readonly message: string;
}

export interface ReadyReply {
  readonly type: 'ready';
  readonly revision: number;
}

export interface BatchReply {
  readonly type: 'batch';
  readonly id: number;
  /** The store's revision after the commit. */
  readonly revision: number;
  readonly outcomes: readonly OpOutcome[];
  /** Whether the batch wrote anything (a batch of failed CAS checks commits nothing). */
  readonly committed: boolean;
}

export interface CompactReply {
  readonly type: 'compact';
  readonly id: number;
  /** Revision up to which history is now cleaned; done when it reached the target. */
  readonly cleaned: number;
  readonly deleted: number;
  readonly done: boolean;
}

export interface ClosedReply {
  readonly type: 'closed';
  readonly id: number;
}

/** The request failed as a whole; its transaction was rolled back. */
export interface FailedReply {
  readonly type: 'failed';
  readonly id: number;
  readonly error: WireError;
}

/** The worker could not open its connection. */
export interface StartFailedReply {
  readonly type: 'startFailed';
  readonly error: WireError;
}

export type WriterReply = ReadyReply | BatchReply | CompactReply | ClosedReply | FailedReply | StartFailedReply;
