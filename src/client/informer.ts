// Shared informers in client-go's shape: one list + watch per resource type and
// selector, a local cache of read-only objects with indexes, handlers that only
// enqueue keys, re-list on 410 Gone (diffing against the cache so handlers see
// the deletes they missed), and an optional resync.

import type { KubeObject } from '../api/types.js';
import { realClock, type Clock, type TimerHandle } from './clock.js';
import { isGone, type ApiClient, type ResourceType, type WatchHandle } from './types.js';

export interface InformerOptions {
  /** '' (default) watches all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Calls update(obj, obj) for every cached object this often; 0 (default) never. */
  readonly resyncMs?: number;
}

export interface InformerHandlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  /** The last state the informer saw; after a re-list it may be older than the real final state. */
  delete?(obj: T): void;
}

export interface Disposable {
  dispose(): void;
}

/** client-go's MetaNamespaceKeyFunc: "namespace/name", or "name" for cluster-scoped objects. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name ?? ''}` : (obj.metadata?.name ?? '');
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export type IndexFunc<T> = (obj: T) => readonly string[];

const NAMESPACE_INDEX = 'namespace';
const RETRY_MS = 1000;

export class Informer<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, { fn: IndexFunc<T>; values: Map<string, Set<string>> }>();
  private readonly handlers = new Set<InformerHandlers<T>>();
  private watch: WatchHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private resyncTimer: TimerHandle | undefined;
  private running = false;
  private lastRevision = '';
  private syncedFlag = false;
  private resolveSynced!: () => void;
  readonly synced: Promise<void> = new Promise((resolve) => (this.resolveSynced = resolve));
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: ApiClient,
    readonly type: ResourceType,
    private readonly options: InformerOptions = {},
    private readonly clock: Clock = realClock,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.addIndex(NAMESPACE_INDEX, (obj) => [obj.metadata?.namespace ?? '']);
  }

  get hasSynced(): boolean {
    return this.syncedFlag;
  }

  /** Registers handlers; after sync they first get add() for every cached object. */
  addHandlers(handlers: InformerHandlers<T>): Disposable {
    this.handlers.add(handlers);
    if (this.syncedFlag && handlers.add) for (const obj of this.items.values()) handlers.add(obj);
    return { dispose: () => void this.handlers.delete(handlers) };
  }

  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.has(name)) return;
    const values = new Map<string, Set<string>>();
    this.indexers.set(name, { fn, values });
    for (const [key, obj] of this.items) this.indexAdd(values, fn(obj), key);
  }

  get(namespace: string, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  /** Every cached object, or those of one namespace. */
  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.items.values()];
    return this.byIndex(NAMESPACE_INDEX, namespace);
  }

  byIndex(name: string, value: string): T[] {
    const index = this.indexers.get(name);
    if (!index) throw new Error(`informer for ${this.type.plural} has no index ${name}`);
    const keys = index.values.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const key of keys) {
      const obj = this.items.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  get size(): number {
    return this.items.size;
  }

  /** The resourceVersion the cache reflects. */
  get revision(): string {
    return this.lastRevision;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.listAndWatch();
    if (this.options.resyncMs) this.scheduleResync(this.options.resyncMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.retryTimer?.cancel();
    this.resyncTimer?.cancel();
    this.watch?.close();
    await this.loop;
  }

  private scheduleResync(ms: number): void {
    this.resyncTimer = this.clock.setTimeout(() => {
      if (!this.running) return;
      for (const obj of this.items.values()) this.emit((h) => h.update?.(obj, obj));
      this.scheduleResync(ms);
    }, ms);
  }

  private async listAndWatch(): Promise<void> {
    const ns = this.options.namespace ?? '';
    const selectors = {
      ...(this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {}),
      ...(this.options.fieldSelector ? { fieldSelector: this.options.fieldSelector } : {}),
    };
    // A restarted informer resumes its watch from the revision its cache reflects.
    let needList = !this.syncedFlag;
    while (this.running) {
      try {
        if (needList) {
          const list = await this.client.list<T>(this.type, ns, selectors);
          if (!this.running) return;
          this.replace(list.items);
          this.lastRevision = list.metadata.resourceVersion ?? '';
          needList = false;
          if (!this.syncedFlag) {
            this.syncedFlag = true;
            this.resolveSynced();
          }
        }
        let expired = false;
        const handle = await this.client.watch<T>(this.type, ns, { ...selectors, resourceVersion: this.lastRevision, allowWatchBookmarks: true }, (event) => {
          if (!this.running) return;
          switch (event.type) {
            case 'ADDED':
            case 'MODIFIED':
              this.upsert(event.object);
              break;
            case 'DELETED':
              this.remove(event.object);
              break;
            case 'BOOKMARK':
              break;
            case 'ERROR': {
              const code = (event.object as { code?: unknown }).code;
              if (code === 410) expired = true;
              else this.onError(new Error(`watch ${this.type.plural}: ${JSON.stringify(event.object)}`));
              return;
            }
          }
          const rv = event.object.metadata?.resourceVersion;
          if (rv) this.lastRevision = rv;
        });
        this.watch = handle;
        if (!this.running) handle.close();
        await handle.done;
        this.watch = undefined;
        if (expired) needList = true;
      } catch (err) {
        if (!this.running) return;
        if (isGone(err)) {
          needList = true;
          continue;
        }
        this.onError(err);
        await new Promise<void>((resolve) => (this.retryTimer = this.clock.setTimeout(resolve, RETRY_MS)));
      }
    }
  }

  /** Replaces the cache with a fresh list, telling handlers what changed. */
  private replace(items: readonly T[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(objectKey(obj));
      this.upsert(obj);
    }
    for (const [key, obj] of [...this.items]) {
      if (!seen.has(key)) this.remove(obj);
    }
  }

  private upsert(obj: T): void {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion && old.metadata?.uid === obj.metadata?.uid) return;
    this.items.set(key, obj);
    for (const { fn, values } of this.indexers.values()) {
      const now = fn(obj);
      if (old) {
        const before = fn(old);
        // Most updates (status, for one) leave the indexed values as they were.
        if (sameValues(before, now)) continue;
        unindexValues(values, before, key);
      }
      this.indexAdd(values, now, key);
    }
    if (old) this.emit((h) => h.update?.(old, obj));
    else this.emit((h) => h.add?.(obj));
  }

  private remove(obj: T): void {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (!old) return;
    this.unindex(key, old);
    this.items.delete(key);
    this.emit((h) => h.delete?.(obj));
  }

  private emit(call: (h: InformerHandlers<T>) => void): void {
    for (const h of this.handlers) {
      try {
        call(h);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  private indexAdd(values: Map<string, Set<string>>, indexed: readonly string[], key: string): void {
    for (const value of indexed) {
      let keys = values.get(value);
      if (!keys) values.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const { fn, values } of this.indexers.values()) unindexValues(values, fn(obj), key);
  }
}

function unindexValues(values: Map<string, Set<string>>, indexed: readonly string[], key: string): void {
  for (const value of indexed) {
    const keys = values.get(value);
    keys?.delete(key);
    if (keys && keys.size === 0) values.delete(value);
  }
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One informer per (type, namespace, selectors), shared by every controller that asks. */
export class InformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private started = false;

  constructor(
    readonly client: ApiClient,
    private readonly clock: Clock = realClock,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  informer<T extends KubeObject = KubeObject>(type: ResourceType, options: InformerOptions = {}): Informer<T> {
    const id = `${type.group}/${type.version}/${type.plural}|${options.namespace ?? ''}|${options.labelSelector ?? ''}|${options.fieldSelector ?? ''}`;
    let informer = this.informers.get(id);
    if (!informer) {
      informer = new Informer<KubeObject>(this.client, type, options, this.clock, this.onError);
      this.informers.set(id, informer);
      if (this.started) informer.start();
    }
    return informer as unknown as Informer<T>;
  }

  /** Starts every informer asked for so far, and later ones as they are asked for. */
  start(): void {
    this.started = true;
    for (const informer of this.informers.values()) informer.start();
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.synced));
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
