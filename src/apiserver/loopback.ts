// The in-process client: controllers, the scheduler and simulated nodes inside the
// control plane call the registry directly, through the same operations HTTP
// requests go through (admission, validation, preconditions), without TLS or JSON.
// Objects handed out are the registry's shared decoded objects: read-only.

import type { KubeList, KubeObject } from '../api/types.js';
import type {
  ApiClient,
  DeleteOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  ResourceType,
  UpdateOptions,
  WatchEvent,
  WatchHandle,
  WatchOptions,
  WriteOptions,
} from '../client/index.js';
import { isStorageError } from '../storage/index.js';
import { setOwn } from '../machinery/index.js';
import type { UserInfo } from './auth.js';
import type { GenericStore, RequestContext } from './registry/generic-store.js';
import type { ResourceHandler } from './resource-handler.js';
import { newBadRequest, newInternalError, newMethodNotSupported, newNotFoundPath, newResourceExpired } from './status.js';

export interface LoopbackDeps {
  readonly storeFor: (group: string, version: string, plural: string) => GenericStore | undefined;
  readonly handler: ResourceHandler;
  readonly listFilter: (store: GenericStore, query: URLSearchParams) => ((obj: KubeObject) => boolean) | undefined;
  /** POST handlers of subresources (binding, token, eviction) by "plural/subresource". */
  readonly subresources: Readonly<Record<string, (body: KubeObject, ctx: RequestContext, name: string) => Promise<KubeObject>>>;
  readonly bookmarkIntervalMs: number;
  readonly now: () => Date;
}

/**
 * What an object becomes on the wire: undefined members dropped, nothing shared with
 * the caller (the registry may change what it is given; the caller may keep its copy).
 */
function asSent<T>(value: T): T {
  // Plain JSON data (what clients send) is copied directly, as the round trip through
  // text would leave it; anything else (toJSON, class instances, non-finite numbers,
  // holes or undefined in arrays, cycles) takes the round trip itself.
  const copy = plainCopy(value, 0);
  return copy === NOT_PLAIN ? (JSON.parse(JSON.stringify(value)) as T) : (copy as T);
}

const NOT_PLAIN = Symbol('not plain JSON');
/** Deeper than this is treated as not plain (a cycle gets JSON.stringify's TypeError). */
const MAX_PLAIN_DEPTH = 100;

/** A copy of plain JSON data with undefined members dropped; NOT_PLAIN for anything else. */
function plainCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // -0 prints as 0.
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : NOT_PLAIN;
    case 'object': {
      if (value === null) return null;
      if (depth > MAX_PLAIN_DEPTH) return NOT_PLAIN;
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = value[i] as unknown;
          if (item === undefined) return NOT_PLAIN;
          const copied = plainCopy(item, depth + 1);
          if (copied === NOT_PLAIN) return NOT_PLAIN;
          out[i] = copied;
        }
        return out;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
      const obj = value as Record<string, unknown>;
      if ('toJSON' in obj) return NOT_PLAIN;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(obj)) {
        const member = obj[key];
        if (member === undefined) continue;
        const copied = plainCopy(member, depth + 1);
        if (copied === NOT_PLAIN) return NOT_PLAIN;
        setOwn(out, key, copied);
      }
      return out;
    }
    default:
      // undefined at the top, functions, symbols, bigints: as JSON.stringify treats them.
      return NOT_PLAIN;
  }
}

export class LoopbackClient implements ApiClient {
  constructor(
    private readonly deps: LoopbackDeps,
    private readonly user: UserInfo,
    private readonly defaultFieldManager: string,
  ) {}

  private store(type: ResourceType): GenericStore {
    const store = this.deps.storeFor(type.group, type.version, type.plural);
    if (!store || store.info.virtual) throw newNotFoundPath(`/${type.group ? `apis/${type.group}` : 'api'}/${type.version}/${type.plural}`);
    return store;
  }

  private context(store: GenericStore, namespace: string, options: WriteOptions = {}): RequestContext {
    return {
      namespace: store.info.namespaced ? namespace : '',
      user: this.user,
      dryRun: options.dryRun ?? false,
      fieldManager: options.fieldManager ?? this.defaultFieldManager,
      now: this.deps.now(),
    };
  }

  private filter(store: GenericStore, options: { labelSelector?: string; fieldSelector?: string }): ((obj: KubeObject) => boolean) | undefined {
    if (!options.labelSelector && !options.fieldSelector) return undefined;
    const query = new URLSearchParams();
    if (options.labelSelector) query.set('labelSelector', options.labelSelector);
    if (options.fieldSelector) query.set('fieldSelector', options.fieldSelector);
    return this.deps.listFilter(store, query);
  }

  async get<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, name: string): Promise<T> {
    const store = this.store(type);
    return (await store.get(store.info.namespaced ? namespace : '', name)) as T;
  }

  async list<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, options: ListOptions = {}): Promise<KubeList<T>> {
    const store = this.store(type);
    const filter = this.filter(store, options);
    const list = await store.list(store.info.namespaced ? namespace : '', {
      ...(options.resourceVersion !== undefined ? { resourceVersion: options.resourceVersion } : {}),
      ...(options.resourceVersionMatch ? { resourceVersionMatch: options.resourceVersionMatch } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.continue ? { continue: options.continue } : {}),
      ...(filter ? { filter } : {}),
    });
    return list as KubeList<T>;
  }

  async watch<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void): Promise<WatchHandle> {
    const store = this.store(type);
    const filter = this.filter(store, options);
    const started = await store.watch(store.info.namespaced ? namespace : '', {
      ...(options.resourceVersion !== undefined ? { resourceVersion: options.resourceVersion } : {}),
      ...(filter ? { filter } : {}),
    });
    const { watcher, initial } = started;
    let closed = false;
    let lastRevision = started.revision;
    const emit = (event: WatchEvent<KubeObject>) => {
      if (!closed) onEvent(event as WatchEvent<T>);
    };
    const close = () => {
      if (closed) return;
      closed = true;
      watcher.stop();
    };
    const bookmarks = options.allowWatchBookmarks
      ? setInterval(() => {
          const rv = Math.max(lastRevision, watcher.progressRevision);
          emit({ type: 'BOOKMARK', object: { kind: store.info.kind, apiVersion: store.apiVersion, metadata: { resourceVersion: String(rv) } } });
        }, this.deps.bookmarkIntervalMs)
      : undefined;
    bookmarks?.unref();
    const timeout = options.timeoutSeconds ? setTimeout(close, options.timeoutSeconds * 1000) : undefined;
    timeout?.unref();
    const done = (async () => {
      try {
        for (const event of initial) emit(event);
        for await (const batch of watcher) {
          if (closed) break;
          if (batch.length) lastRevision = batch[batch.length - 1]!.kv.modRevision;
          for (const event of store.toApiEvents(batch, filter)) emit(event);
        }
      } catch (err) {
        const status = isStorageError(err, 'Expired')
          ? newResourceExpired(`too old resource version: ${options.resourceVersion ?? ''} (${err.revision ?? 0})`).status
          : isStorageError(err, 'TooSlow')
            ? newInternalError('watch channel was closed because the client could not keep up').status
            : newInternalError(String(err)).status;
        emit({ type: 'ERROR', object: status as unknown as KubeObject });
      } finally {
        closed = true;
        if (bookmarks) clearInterval(bookmarks);
        if (timeout) clearTimeout(timeout);
        watcher.stop();
      }
    })();
    return { done, close };
  }

  async create<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, obj: KubeObject, options: WriteOptions = {}): Promise<T> {
    const store = this.store(type);
    const ctx = this.context(store, namespace, options);
    return (await this.deps.handler.createObject(store, asSent(obj), ctx, 'Ignore')).object as T;
  }

  async update<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, obj: KubeObject, options: UpdateOptions = {}): Promise<T> {
    const store = this.store(type);
    const name = obj.metadata?.name;
    if (!name) throw newBadRequest('metadata.name: Required value: name is required');
    const ctx = this.context(store, namespace, options);
    return (await this.deps.handler.replaceObject(store, name, asSent(obj), ctx, options.subresource ?? '', 'Ignore')).object as T;
  }

  async patch<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, name: string, patchType: PatchType, patch: unknown, options: PatchOptions = {}): Promise<T> {
    const store = this.store(type);
    const ctx = this.context(store, namespace, patchType === 'apply' ? { ...options, fieldManager: options.fieldManager ?? this.defaultFieldManager } : options);
    const result = await this.deps.handler.patchObject(store, name, patchType, asSent(patch), ctx, {
      subresource: options.subresource ?? '',
      force: options.force ?? false,
      mode: 'Ignore',
    });
    return result.object as T;
  }

  async delete(type: ResourceType, namespace: string, name: string, options: DeleteOptions = {}): Promise<KubeObject> {
    const store = this.store(type);
    const ctx = this.context(store, namespace, options.dryRun ? { dryRun: true } : {});
    const { object } = await this.deps.handler.deleteObject(
      store,
      name,
      {
        ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
        ...(options.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}),
        ...(options.preconditions ? { preconditions: options.preconditions } : {}),
      },
      ctx,
    );
    return object;
  }

  async createSubresource<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, name: string, subresource: string, body: KubeObject): Promise<T> {
    const store = this.store(type);
    const handle = this.deps.subresources[`${type.plural}/${subresource}`];
    if (!handle || type.group !== '') throw newMethodNotSupported({ group: type.group, resource: `${type.plural}/${subresource}` }, 'create');
    return (await handle(asSent(body), this.context(store, namespace), name)) as T;
  }
}
