// The MessagePort transport of ApiClient: a component in a worker thread (the
// scheduler) reaches its server's in-process client through a port, as upstream's
// kube-scheduler reaches kube-apiserver over HTTPS from a process of its own.
// `servePort` answers on the server's side with any ApiClient; `PortClient` is the
// worker's side. Objects cross as JSON text (posting text is several times cheaper
// for the sender than the structured clone of a decoded object, and the server's
// codec often has the text already); watch events are posted in batches.

import type { MessagePort } from 'node:worker_threads';
import type { KubeList, KubeObject } from '../api/types.js';
import { StatusError, type Status } from '../apiserver/index.js';
import type {
  ApiClient,
  DeleteOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  ResourceType,
  UpdateOptions,
  WatchEvent,
  WatchEventType,
  WatchHandle,
  WatchOptions,
  WriteOptions,
} from './types.js';

type CallMethod = 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete' | 'createSubresource';

type ClientMessage =
  | { readonly kind: 'call'; readonly id: number; readonly method: CallMethod; readonly args: readonly unknown[] }
  | { readonly kind: 'watch'; readonly id: number; readonly type: ResourceType; readonly namespace: string; readonly options: WatchOptions }
  | { readonly kind: 'unwatch'; readonly id: number };

type WatchBatch = readonly [id: number, events: readonly (readonly [type: WatchEventType, json: string])[]];

type ServerMessage =
  | { readonly kind: 'object'; readonly id: number; readonly json: string }
  | { readonly kind: 'list'; readonly id: number; readonly head: string; readonly items: readonly string[] }
  | { readonly kind: 'failure'; readonly id: number; readonly status: Status }
  | { readonly kind: 'error'; readonly id: number; readonly message: string }
  | { readonly kind: 'watching'; readonly id: number }
  | { readonly kind: 'events'; readonly batches: readonly WatchBatch[] }
  | { readonly kind: 'watchEnded'; readonly id: number };

export interface PortServerOptions {
  /** JSON text of an object the client hands out (the API server's memoized encoding); default JSON.stringify. */
  readonly encode?: (obj: KubeObject) => string;
}

export interface PortServer {
  /** Ends the watches this port started and stops answering. */
  close(): Promise<void>;
}

/** Answers a PortClient on `port` with `client`'s calls and watches. */
export function servePort(port: MessagePort, client: ApiClient, options: PortServerOptions = {}): PortServer {
  const encode = options.encode ?? ((obj: KubeObject) => JSON.stringify(obj));
  const watches = new Map<number, WatchHandle>();
  const watchesDone = new Set<Promise<void>>();
  const pending = new Map<number, [WatchEventType, string][]>();
  let flushTimer: NodeJS.Immediate | undefined;
  let closed = false;

  const post = (message: ServerMessage) => {
    if (!closed) port.postMessage(message);
  };
  const flush = () => {
    if (flushTimer) clearImmediate(flushTimer);
    flushTimer = undefined;
    if (!pending.size) return;
    const batches: WatchBatch[] = [...pending];
    pending.clear();
    post({ kind: 'events', batches });
  };
  const answerError = (id: number, err: unknown) => {
    if (err instanceof StatusError) post({ kind: 'failure', id, status: err.status });
    else post({ kind: 'error', id, message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  };

  /** The answer to call `id`: an object's text, or a list's head and its items' texts. */
  const call = async (id: number, method: CallMethod, args: readonly unknown[]): Promise<ServerMessage> => {
    const [type, namespace, third, fourth, fifth, sixth] = args as [ResourceType, string, unknown, unknown, unknown, unknown];
    const object = (obj: KubeObject): ServerMessage => ({ kind: 'object', id, json: encode(obj) });
    switch (method) {
      case 'get':
        return object(await client.get(type, namespace, third as string));
      case 'list': {
        const { items, ...rest } = await client.list(type, namespace, third as ListOptions | undefined);
        return { kind: 'list', id, head: JSON.stringify(rest), items: items.map(encode) };
      }
      case 'create':
        return object(await client.create(type, namespace, third as KubeObject, fourth as WriteOptions | undefined));
      case 'update':
        return object(await client.update(type, namespace, third as KubeObject, fourth as UpdateOptions | undefined));
      case 'patch':
        return object(await client.patch(type, namespace, third as string, fourth as PatchType, fifth, sixth as PatchOptions | undefined));
      case 'delete':
        return object(await client.delete(type, namespace, third as string, fourth as DeleteOptions | undefined));
      case 'createSubresource':
        return object(await client.createSubresource(type, namespace, third as string, fourth as string, fifth as KubeObject));
    }
  };

  const startWatch = async (id: number, type: ResourceType, namespace: string, watchOptions: WatchOptions) => {
    const handle = await client.watch(type, namespace, watchOptions, (event) => {
      let events = pending.get(id);
      if (!events) pending.set(id, (events = []));
      events.push([event.type, encode(event.object)]);
      flushTimer ??= setImmediate(flush);
    });
    if (closed) {
      handle.close();
      return;
    }
    watches.set(id, handle);
    post({ kind: 'watching', id });
    const ended = () => {
      watches.delete(id);
      watchesDone.delete(done);
      // Its last events go first.
      flush();
      post({ kind: 'watchEnded', id });
    };
    const done = handle.done.then(ended, ended);
    watchesDone.add(done);
  };

  const onMessage = (message: ClientMessage) => {
    if (closed) return;
    switch (message.kind) {
      case 'call': {
        const { id } = message;
        call(id, message.method, message.args).then(post, (err: unknown) => answerError(id, err));
        return;
      }
      case 'watch':
        startWatch(message.id, message.type, message.namespace, message.options).catch((err: unknown) => answerError(message.id, err));
        return;
      case 'unwatch':
        watches.get(message.id)?.close();
        return;
    }
  };
  port.on('message', onMessage);

  return {
    async close() {
      for (const handle of watches.values()) handle.close();
      await Promise.allSettled([...watchesDone]);
      if (flushTimer) clearImmediate(flushTimer);
      flushTimer = undefined;
      closed = true;
      port.off('message', onMessage);
      port.close();
    },
  };
}

export interface PortClientOptions {
  /**
   * Decodes the objects of lists and watch events (what informers keep): the place
   * for a transform, such as kube-scheduler's, that drops managedFields. Default JSON.parse.
   */
  readonly decodeListed?: (json: string) => KubeObject;
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

interface OpenWatch {
  readonly onEvent: (event: WatchEvent) => void;
  readonly started: PendingCall;
  readonly ended: () => void;
  isStarted: boolean;
}

const portClosed = () => new Error('the API server port is closed');

/** ApiClient over a MessagePort answered by servePort. */
export class PortClient implements ApiClient {
  private nextId = 1;
  private readonly calls = new Map<number, PendingCall>();
  private readonly watches = new Map<number, OpenWatch>();
  private readonly decodeListed: (json: string) => KubeObject;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly onMessage = (message: ServerMessage) => this.receive(message);

  constructor(
    private readonly port: MessagePort,
    options: PortClientOptions = {},
  ) {
    this.decodeListed = options.decodeListed ?? ((json) => JSON.parse(json) as KubeObject);
    port.on('message', this.onMessage);
    port.on('close', () => this.close());
  }

  /** Resolves once no call is in flight (what a stopping component sent last, such as its events, has been answered). */
  idle(): Promise<void> {
    if (this.calls.size === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private settled(id: number): void {
    this.calls.delete(id);
    if (this.calls.size > 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Fails calls in flight, ends every watch and closes the port; later calls fail. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.off('message', this.onMessage);
    this.port.close();
    const gone = portClosed();
    for (const call of this.calls.values()) call.reject(gone);
    this.calls.clear();
    for (const resolve of this.idleWaiters) resolve();
    this.idleWaiters = [];
    for (const watch of this.watches.values()) {
      if (watch.isStarted) watch.ended();
      else watch.started.reject(gone);
    }
    this.watches.clear();
  }

  private receive(message: ServerMessage): void {
    switch (message.kind) {
      case 'events':
        for (const [id, events] of message.batches) {
          const watch = this.watches.get(id);
          if (!watch) continue;
          for (const [type, json] of events) watch.onEvent({ type, object: type === 'ERROR' || type === 'BOOKMARK' ? (JSON.parse(json) as KubeObject) : this.decodeListed(json) });
        }
        return;
      case 'watching': {
        const watch = this.watches.get(message.id);
        if (!watch) return;
        watch.isStarted = true;
        watch.started.resolve(undefined);
        return;
      }
      case 'watchEnded': {
        const watch = this.watches.get(message.id);
        this.watches.delete(message.id);
        watch?.ended();
        return;
      }
      default:
        break;
    }
    const call = this.calls.get(message.id);
    const watch = call ? undefined : this.watches.get(message.id);
    const settle = call ?? watch?.started;
    if (!settle) return;
    if (call) this.settled(message.id);
    if (watch) this.watches.delete(message.id);
    switch (message.kind) {
      case 'object':
        settle.resolve(JSON.parse(message.json));
        return;
      case 'list': {
        const list = JSON.parse(message.head) as KubeList;
        list.items = message.items.map(this.decodeListed);
        settle.resolve(list);
        return;
      }
      case 'failure':
        settle.reject(new StatusError(message.status));
        return;
      case 'error':
        settle.reject(new Error(message.message));
        return;
    }
  }

  private call<T>(method: CallMethod, args: unknown[]): Promise<T> {
    if (this.closed) return Promise.reject(portClosed());
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.port.postMessage({ kind: 'call', id, method, args } satisfies ClientMessage);
    });
  }

  get<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, name: string): Promise<T> {
    return this.call('get', [type, namespace, name]);
  }

  list<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, options?: ListOptions): Promise<KubeList<T>> {
    return this.call('list', [type, namespace, options]);
  }

  create<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, obj: KubeObject, options?: WriteOptions): Promise<T> {
    return this.call('create', [type, namespace, obj, options]);
  }

  update<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, obj: KubeObject, options?: UpdateOptions): Promise<T> {
    return this.call('update', [type, namespace, obj, options]);
  }

  patch<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, name: string, patchType: PatchType, patch: unknown, options?: PatchOptions): Promise<T> {
    return this.call('patch', [type, namespace, name, patchType, patch, options]);
  }

  delete(type: ResourceType, namespace: string, name: string, options?: DeleteOptions): Promise<KubeObject> {
    return this.call('delete', [type, namespace, name, options]);
  }

  createSubresource<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, name: string, subresource: string, body: KubeObject): Promise<T> {
    return this.call('createSubresource', [type, namespace, name, subresource, body]);
  }

  watch<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void): Promise<WatchHandle> {
    if (this.closed) return Promise.reject(portClosed());
    const id = this.nextId++;
    let ended!: () => void;
    const done = new Promise<void>((resolve) => (ended = resolve));
    return new Promise<WatchHandle>((resolve, reject) => {
      const close = () => {
        if (!this.closed && this.watches.has(id)) this.port.postMessage({ kind: 'unwatch', id } satisfies ClientMessage);
      };
      this.watches.set(id, {
        onEvent: onEvent as (event: WatchEvent) => void,
        started: { resolve: () => resolve({ done, close }), reject },
        ended,
        isStarted: false,
      });
      this.port.postMessage({ kind: 'watch', id, type, namespace, options } satisfies ClientMessage);
    });
  }
}
