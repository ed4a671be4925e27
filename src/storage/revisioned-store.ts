// The Store every backend is served through: argument checks, continue tokens and
// the read-modify-CAS loops (guaranteedUpdate, delete) over a Backend's primitives.

import type { Backend } from './backend.js';
import { errors, StorageError } from './errors.js';
import { decodeContinue, encodeContinue, prefixEnd, validateKey, validatePrefix, validateValue } from './keys.js';
import type {
  DeleteOptions,
  GetOptions,
  GetResult,
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  TryUpdate,
  UpdateOptions,
  Watcher,
  WatchOptions,
} from './types.js';
import { WatchQueue } from './watch-queue.js';

function checkRevision(name: string, revision: number | undefined): number {
  if (revision === undefined) return 0;
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new StorageError('InvalidKey', `${name} must be a non-negative integer, got ${revision}`);
  }
  return revision;
}

class RevisionedStore implements Store {
  readonly name: string;
  private closed = false;
  private readonly watchers = new Set<WatchQueue>();

  constructor(private readonly backend: Backend) {
    this.name = backend.name;
  }

  private assertOpen(): void {
    if (this.closed) throw errors.closed();
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    this.assertOpen();
    validateKey(key);
    return this.backend.get(key, checkRevision('revision', options.revision));
  }

  async create(key: string, value: Uint8Array): Promise<KeyValue> {
    this.assertOpen();
    validateKey(key);
    validateValue(key, value);
    const result = await this.backend.put(key, value, 0);
    if (!result.succeeded) throw errors.keyExists(key);
    return result.kv;
  }

  async guaranteedUpdate(key: string, tryUpdate: TryUpdate, options: UpdateOptions = {}): Promise<KeyValue> {
    this.assertOpen();
    validateKey(key);
    const wanted = options.preconditions?.modRevision;
    let current: KeyValue | undefined =
      options.suggestion && options.suggestion.key === key ? options.suggestion : (await this.backend.get(key, 0)).kv;
    let fromSuggestion = current === options.suggestion && current !== undefined;
    for (;;) {
      if (!current && !options.ignoreNotFound) {
        if (fromSuggestion) {
          current = (await this.backend.get(key, 0)).kv;
          fromSuggestion = false;
          continue;
        }
        throw errors.notFound(key);
      }
      if (wanted !== undefined && wanted !== 0 && (current?.modRevision ?? 0) !== wanted) {
        if (fromSuggestion) {
          current = (await this.backend.get(key, 0)).kv;
          fromSuggestion = false;
          continue;
        }
        throw errors.conflict(key, wanted, current?.modRevision ?? 0);
      }
      let next: Uint8Array | undefined;
      try {
        next = await tryUpdate(current);
      } catch (err) {
        // An outcome computed from a cached guess may not hold for the current value.
        if (!fromSuggestion) throw err;
        current = (await this.backend.get(key, 0)).kv;
        fromSuggestion = false;
        continue;
      }
      this.assertOpen();
      if (next === undefined) {
        if (current) {
          if (!fromSuggestion) return current;
          // A no-op against a cached value must be confirmed against the store.
          current = (await this.backend.get(key, 0)).kv;
          fromSuggestion = false;
          continue;
        }
        throw errors.notFound(key);
      }
      validateValue(key, next);
      if (current && next.byteLength === (current.valueSize ?? current.value.byteLength) && Buffer.compare(next, current.value) === 0) {
        if (!fromSuggestion) return current;
        current = (await this.backend.get(key, 0)).kv;
        fromSuggestion = false;
        continue;
      }
      const result = await this.backend.put(key, next, current?.modRevision ?? 0);
      if (result.succeeded) return result.kv;
      current = result.current;
      fromSuggestion = false;
    }
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<KeyValue> {
    this.assertOpen();
    validateKey(key);
    const wanted = options.preconditions?.modRevision;
    let current = (await this.backend.get(key, 0)).kv;
    for (;;) {
      if (!current) throw errors.notFound(key);
      if (wanted !== undefined && wanted !== 0 && current.modRevision !== wanted) {
        throw errors.conflict(key, wanted, current.modRevision);
      }
      if (options.validate) await options.validate(current);
      const result = await this.backend.remove(key, current.modRevision);
      if (result.succeeded) return result.kv;
      current = result.current;
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    validatePrefix(prefix);
    const limit = checkRevision('limit', options.limit);
    let startKey = prefix;
    let revision = checkRevision('revision', options.revision);
    if (options.continue) {
      const token = decodeContinue(prefix, options.continue);
      startKey = token.startKey;
      revision = token.revision;
    }
    const page = await this.backend.range(startKey, prefixEnd(prefix), revision, limit);
    const last = page.items[page.items.length - 1];
    if (!page.more || !last) return { revision: page.revision, items: page.items };
    return {
      revision: page.revision,
      items: page.items,
      continue: encodeContinue(prefix, last.key, page.revision),
      ...(page.remaining !== undefined ? { remainingItemCount: page.remaining } : {}),
    };
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    validatePrefix(prefix);
    return this.backend.count(prefix, prefixEnd(prefix));
  }

  watch(prefix: string, options: WatchOptions = {}): Watcher {
    this.assertOpen();
    validatePrefix(prefix);
    const from = checkRevision('fromRevision', options.fromRevision);
    // The backend's cancel exists only after the queue it feeds.
    const feed: { cancel?: () => void } = {};
    const queue: WatchQueue = new WatchQueue(from, {
      ...(options.bufferSize !== undefined ? { bufferSize: options.bufferSize } : {}),
      progressNotify: options.progressNotify ?? false,
      onStop: () => {
        this.watchers.delete(queue);
        feed.cancel?.();
      },
    });
    this.watchers.add(queue);
    feed.cancel = this.backend.watch(prefix, prefixEnd(prefix), from, queue);
    if (queue.stopped) feed.cancel();
    return queue;
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.backend.currentRevision();
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    await this.backend.compact(checkRevision('revision', revision));
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.backend.compactedRevision();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const watcher of [...this.watchers]) watcher.stop();
    await this.backend.close();
  }
}

export function createStore(backend: Backend): Store {
  return new RevisionedStore(backend);
}
