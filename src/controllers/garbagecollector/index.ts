// The garbage collector: deletes objects whose owners are gone (background
// propagation), and completes foreground and orphan deletions of owners. It keeps a
// graph of ownerReferences fed by one watch over the whole datastore, and acts
// through the API registry (the same preconditions and finalizer rules as clients).
// It runs in the controller manager, behind its leader election (upstream's
// garbage-collector-controller): of several servers on one datastore, one collects.

import type { KubeObject, OwnerReference } from '../../api/types.js';
import { WorkQueue, runWorkers } from '../../client/index.js';
import { KEY_ROOT, type KeyValue, type Store, type Watcher } from '../../storage/index.js';
import { startableController, type Controller, type ErrorSink, type RegistryAccess, type ResourceAccess } from '../types.js';
import { decodeShared } from '../../apiserver/registry/codec.js';

interface Node {
  readonly uid: string;
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly group: string;
  readonly plural: string;
  readonly owners: readonly OwnerReference[];
  readonly deleting: boolean;
  readonly finalizers: readonly string[];
}

const FOREGROUND = 'foregroundDeletion';
const ORPHAN = 'orphan';

function parseKey(key: string): { group: string; plural: string; namespace: string; name: string } | undefined {
  const parts = key.slice(KEY_ROOT.length).split('/');
  if (parts.length === 3) return { group: parts[0] === 'core' ? '' : parts[0]!, plural: parts[1]!, namespace: '', name: parts[2]! };
  if (parts.length === 4) return { group: parts[0] === 'core' ? '' : parts[0]!, plural: parts[1]!, namespace: parts[2]!, name: parts[3]! };
  return undefined;
}

function nodeOf(kv: KeyValue): Node | undefined {
  let obj: KubeObject;
  try {
    // Shares the registry's decoded copy of this stored version (usually already parsed).
    obj = decodeShared(kv);
  } catch {
    return undefined;
  }
  const meta = obj.metadata;
  const where = parseKey(kv.key);
  if (!meta?.uid || !where) return undefined;
  return {
    uid: meta.uid,
    key: kv.key,
    ...where,
    owners: meta.ownerReferences ?? [],
    deleting: !!meta.deletionTimestamp,
    finalizers: meta.finalizers ?? [],
  };
}

export class GarbageCollector {
  private readonly nodes = new Map<string, Node>();
  private readonly byKey = new Map<string, string>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly queue = new WorkQueue<string>({ baseDelayMs: 50, maxDelayMs: 30_000 });
  private watcher: Watcher | undefined;
  private running: Promise<unknown> | undefined;
  private disposed = false;

  constructor(
    private readonly store: Store,
    private readonly api: ResourceAccess,
    private readonly context: ErrorSink,
  ) {}

  /** Loads the graph and starts processing; resolves once the initial state is queued. */
  async start(): Promise<void> {
    const revision = await this.load();
    // Stopped while loading: nothing to watch.
    if (this.disposed) return;
    this.watcher = this.store.watch(KEY_ROOT, { fromRevision: revision });
    this.running = Promise.all([this.follow(), runWorkers(this.queue, 2, (uid) => this.reconcile(uid), (uid, err) => this.context.onError(err, `garbage collector: ${uid}`))]);
  }

  private async load(): Promise<number> {
    let token: string | undefined;
    let revision: number;
    do {
      const page = await this.store.list(KEY_ROOT, { limit: 1000, ...(token ? { continue: token } : {}) });
      revision = page.revision;
      for (const kv of page.items) this.observe(kv.key, nodeOf(kv));
      token = page.continue;
    } while (token);
    return revision;
  }

  private async follow(): Promise<void> {
    while (!this.disposed && this.watcher) {
      try {
        for await (const batch of this.watcher) {
          for (const event of batch) this.observe(event.kv.key, event.type === 'DELETED' ? undefined : nodeOf(event.kv));
        }
        return;
      } catch (err) {
        if (this.disposed) return;
        // Lost the watch (compacted past us): rebuild the graph from a fresh list.
        this.context.onError(err, 'garbage collector watch');
        this.nodes.clear();
        this.byKey.clear();
        this.dependents.clear();
        const revision = await this.load();
        this.watcher = this.store.watch(KEY_ROOT, { fromRevision: revision });
      }
    }
  }

  /** Updates the graph for a key's new state (undefined: deleted) and queues what it affects. */
  private observe(key: string, node: Node | undefined): void {
    const previousUid = this.byKey.get(key);
    const previous = previousUid ? this.nodes.get(previousUid) : undefined;
    if (previous) {
      for (const owner of previous.owners) this.dependents.get(owner.uid)?.delete(previous.uid);
      this.nodes.delete(previous.uid);
      this.byKey.delete(key);
      // The dependents of a vanished owner may now be garbage.
      if (!node || node.uid !== previous.uid) for (const dependent of this.dependents.get(previous.uid) ?? []) this.queue.add(dependent);
      // An owner waiting in foreground deletion may be able to finish.
      for (const owner of previous.owners) if (this.nodes.get(owner.uid)?.deleting) this.queue.add(owner.uid);
    }
    if (!node) return;
    this.nodes.set(node.uid, node);
    this.byKey.set(key, node.uid);
    for (const owner of node.owners) {
      let set = this.dependents.get(owner.uid);
      if (!set) this.dependents.set(owner.uid, (set = new Set()));
      set.add(node.uid);
    }
    if (node.owners.length > 0 || (node.deleting && (node.finalizers.includes(FOREGROUND) || node.finalizers.includes(ORPHAN)))) this.queue.add(node.uid);
  }

  private async reconcile(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    if (node.deleting && node.finalizers.includes(ORPHAN)) await this.orphanDependents(node);
    if (node.deleting && node.finalizers.includes(FOREGROUND)) await this.deleteDependentsFirst(node);
    if (node.owners.length > 0) await this.collectIfOrphaned(node);
  }

  /** Background propagation: delete an object none of whose owners exist any more. */
  private async collectIfOrphaned(node: Node): Promise<void> {
    const present = node.owners.filter((owner) => this.nodes.has(owner.uid));
    if (present.length === node.owners.length) {
      // Owners being deleted in the foreground take their blocking dependents with them.
      const foregroundOwner = node.owners.find((o) => {
        const owner = this.nodes.get(o.uid);
        return owner?.deleting && owner.finalizers.includes(FOREGROUND);
      });
      if (foregroundOwner && !node.deleting) await this.api.delete(node.group, node.plural, node.namespace, node.name, { propagationPolicy: 'Foreground', preconditions: { uid: node.uid } });
      return;
    }
    if (present.length > 0) {
      // Some owners remain: only drop the references to the ones that are gone.
      const gone = new Set(node.owners.filter((o) => !this.nodes.has(o.uid)).map((o) => o.uid));
      await this.api.update(node.group, node.plural, node.namespace, node.name, (obj) => withoutOwners(obj, gone));
      return;
    }
    if (!node.deleting) await this.api.delete(node.group, node.plural, node.namespace, node.name, { propagationPolicy: 'Background', preconditions: { uid: node.uid } });
  }

  /** Foreground deletion: dependents go first; the owner's finalizer comes off when the blocking ones are gone. */
  private async deleteDependentsFirst(node: Node): Promise<void> {
    const dependents = [...(this.dependents.get(node.uid) ?? [])].map((d) => this.nodes.get(d)).filter((d): d is Node => !!d);
    for (const dependent of dependents) {
      if (!dependent.deleting) await this.api.delete(dependent.group, dependent.plural, dependent.namespace, dependent.name, { propagationPolicy: 'Foreground', preconditions: { uid: dependent.uid } });
    }
    const blocking = dependents.filter((d) => d.owners.some((o) => o.uid === node.uid && o.blockOwnerDeletion));
    if (blocking.length > 0) return; // re-queued when a dependent disappears
    await this.api.update(node.group, node.plural, node.namespace, node.name, (obj) => withoutFinalizer(obj, FOREGROUND));
  }

  /** Orphan deletion: dependents lose their reference to the owner, then the owner goes. */
  private async orphanDependents(node: Node): Promise<void> {
    for (const dependentUid of [...(this.dependents.get(node.uid) ?? [])]) {
      const dependent = this.nodes.get(dependentUid);
      if (dependent) await this.api.update(dependent.group, dependent.plural, dependent.namespace, dependent.name, (obj) => withoutOwners(obj, new Set([node.uid])));
    }
    await this.api.update(node.group, node.plural, node.namespace, node.name, (obj) => withoutFinalizer(obj, ORPHAN));
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.queue.shutDown();
    this.watcher?.stop();
    await this.running?.catch(() => {});
  }
}

/** The garbage collector as a controller of the controller manager. */
export function newGarbageCollectorController(ctx: ErrorSink, registry: RegistryAccess): Controller {
  return startableController('garbagecollector', new GarbageCollector(registry.store, registry.access, ctx), ctx);
}

function withoutOwners(obj: KubeObject, gone: ReadonlySet<string>): KubeObject {
  const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => !gone.has(r.uid));
  const metadata = { ...obj.metadata };
  if (refs.length) metadata.ownerReferences = refs;
  else delete metadata.ownerReferences;
  return { ...obj, metadata };
}

function withoutFinalizer(obj: KubeObject, finalizer: string): KubeObject {
  const finalizers = (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
  const metadata = { ...obj.metadata };
  if (finalizers.length) metadata.finalizers = finalizers;
  else delete metadata.finalizers;
  return { ...obj, metadata };
}
