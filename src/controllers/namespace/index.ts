// The namespace controller: a namespace being deleted is emptied of every namespaced
// object, then finalized (its "kubernetes" spec finalizer removed) so it goes away.
// It runs in the controller manager, behind its leader election (upstream's
// namespace-controller): without a controller manager, namespaces stay Terminating.

import { isObject } from '../../api/types.js';
import { WorkQueue, runWorkers } from '../../client/index.js';
import type { KeyValue, Store, Watcher } from '../../storage/index.js';
import { startableController, type Controller, type ErrorSink, type RegistryAccess, type ResourceAccess } from '../types.js';

const PREFIX = '/registry/core/namespaces/';
const RECHECK_MS = 500;

function terminating(kv: KeyValue): string | undefined {
  try {
    const ns = JSON.parse(Buffer.from(kv.value).toString('utf8')) as { metadata?: { name?: string; deletionTimestamp?: string } };
    return ns.metadata?.deletionTimestamp ? ns.metadata.name : undefined;
  } catch {
    return undefined;
  }
}

export class NamespaceController {
  private readonly queue = new WorkQueue<string>({ baseDelayMs: 100, maxDelayMs: 10_000 });
  private watcher: Watcher | undefined;
  private running: Promise<unknown> | undefined;
  private disposed = false;

  constructor(
    private readonly store: Store,
    private readonly api: ResourceAccess,
    private readonly context: ErrorSink,
  ) {}

  async start(): Promise<void> {
    await this.sync();
    // Stopped while listing: stop the watch sync() opened.
    if (this.disposed) {
      this.watcher?.stop();
      return;
    }
    this.running = Promise.all([this.follow(), runWorkers(this.queue, 1, (name) => this.reconcile(name), (name, err) => this.context.onError(err, `namespace controller: ${name}`))]);
  }

  /** Lists namespaces, queues the terminating ones and watches from there. */
  private async sync(): Promise<void> {
    const list = await this.store.list(PREFIX);
    for (const kv of list.items) {
      const name = terminating(kv);
      if (name) this.queue.add(name);
    }
    this.watcher = this.store.watch(PREFIX, { fromRevision: list.revision });
  }

  private async follow(): Promise<void> {
    while (!this.disposed && this.watcher) {
      try {
        for await (const batch of this.watcher) {
          for (const event of batch) {
            const name = event.type === 'DELETED' ? undefined : terminating(event.kv);
            if (name) this.queue.add(name);
          }
        }
        return;
      } catch (err) {
        if (this.disposed) return;
        this.context.onError(err, 'namespace controller watch');
        await this.sync();
      }
    }
  }

  private async reconcile(name: string): Promise<void> {
    let remaining = 0;
    for (const { group, plural } of this.api.namespacedResources()) {
      const items = await this.api.list(group, plural, name);
      remaining += items.length;
      for (const item of items) {
        if (item.metadata?.deletionTimestamp) continue;
        await this.api.delete(group, plural, name, item.metadata!.name!, { propagationPolicy: 'Background' });
      }
    }
    if (remaining > 0) {
      // Finalizers and grace periods take their time: look again shortly.
      this.queue.addAfter(name, RECHECK_MS);
      return;
    }
    await this.api.updateSubresource('', 'namespaces', '', name, 'finalize', (ns) => {
      const spec = isObject(ns.spec) ? ns.spec : {};
      const finalizers = Array.isArray(spec.finalizers) ? spec.finalizers.filter((f) => f !== 'kubernetes') : [];
      return { ...ns, spec: { ...spec, finalizers } };
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.queue.shutDown();
    this.watcher?.stop();
    await this.running?.catch(() => {});
  }
}

/** The namespace controller as a controller of the controller manager. */
export function newNamespaceController(ctx: ErrorSink, registry: RegistryAccess): Controller {
  return startableController('namespace', new NamespaceController(registry.store, registry.access, ctx), ctx);
}
