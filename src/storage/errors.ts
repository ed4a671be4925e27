// Typed storage errors: the expected outcomes callers branch on. The API server maps
// them to Kubernetes Status codes (NotFound 404, KeyExists 409 AlreadyExists,
// Conflict 409, Expired 410 Gone, FutureRevision 504, TooLarge 413, InvalidKey 400 / 500, TooSlow and
// Unavailable 500/503, Corrupt and Foreign refuse to start).

export type StorageErrorCode =
  | 'NotFound'
  | 'KeyExists'
  | 'Conflict'
  | 'Expired'
  | 'FutureRevision'
  | 'InvalidKey'
  | 'InvalidContinue'
  | 'TooLarge'
  | 'TooSlow'
  | 'Unavailable'
  | 'Corrupt'
  | 'Foreign'
  | 'Closed';

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly key: string | undefined;
  /** For Conflict and Expired: the revision the store is at, or was compacted to. */
  readonly revision: number | undefined;

  constructor(code: StorageErrorCode, message: string, details: { key?: string; revision?: number; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'StorageError';
    this.code = code;
    this.key = details.key;
    this.revision = details.revision;
  }
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

export const errors = {
  notFound: (key: string) => new StorageError('NotFound', `key not found: ${key}`, { key }),
  keyExists: (key: string) => new StorageError('KeyExists', `key already exists: ${key}`, { key }),
  conflict: (key: string, want: number, have: number) =>
    new StorageError('Conflict', `precondition failed for ${key}: expected revision ${want}, current revision is ${have}`, { key, revision: have }),
  expired: (requested: number, compacted: number) =>
    new StorageError('Expired', `revision ${requested} has been compacted; the oldest readable revision is ${compacted}`, { revision: compacted }),
  futureRevision: (requested: number, current: number) =>
    new StorageError('FutureRevision', `revision ${requested} is newer than the current revision ${current}`, { revision: current }),
  tooSlow: () => new StorageError('TooSlow', 'watcher fell too far behind and was stopped; re-list and watch again'),
  closed: () => new StorageError('Closed', 'store is closed'),
};
