// The StatefulSet controller (stateful_set.go): informer handlers that enqueue the
// set a pod belongs to, and sync(key), which adopts orphaned revisions, claims the
// set's pods and runs one pass of StatefulSetControl.

import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import { labels } from '../../machinery/index.js';
import { Resources, WorkQueue, runWorkers, splitKey, objectKey, type Disposable, type Informer } from '../../client/index.js';
import { ControllerRefManager, claimCandidates, controllerRefOf, indexByController, isPodReady, recheckOwner, type Typed, SYNC_COALESCE_MS } from '../common/index.js';
import { RevisionHistory } from '../history/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { StatefulSetControl } from './control.js';
import { StatefulPodControl } from './pod-control.js';
import { isMemberOf, replicasOf, type Claim, type StatefulPod, type TypedStatefulSet } from './utils.js';

/** concurrent-statefulset-syncs default. */
const WORKERS = 5;

function sameRef(a: ReturnType<typeof controllerRefOf>, b: ReturnType<typeof controllerRefOf>): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export class StatefulSetController implements Controller {
  readonly name = 'statefulset-controller';
  private readonly queue: WorkQueue<string>;
  private readonly sets: Informer<TypedStatefulSet>;
  private readonly pods: Informer<StatefulPod>;
  private readonly control: StatefulSetControl;
  private readonly handlers: Disposable[] = [];
  private workers: Promise<void> | undefined;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue<string>({ clock: ctx.clock, minIntervalMs: SYNC_COALESCE_MS });
    this.sets = ctx.informers.informer<TypedStatefulSet>(Resources.statefulsets);
    this.pods = ctx.informers.informer<StatefulPod>(Resources.pods);
    indexByController(this.pods);
    const claims = ctx.informers.informer<Claim>(Resources.persistentvolumeclaims);
    const revisions = ctx.informers.informer<Typed<ControllerRevision>>(Resources.controllerrevisions);
    const recorder = ctx.recorder('statefulset-controller');
    this.control = new StatefulSetControl(ctx.client, new StatefulPodControl(ctx.client, claims, recorder), new RevisionHistory(ctx.client, revisions), ctx.clock);

    this.handlers.push(
      this.sets.addHandlers({
        add: (set) => this.enqueue(set),
        update: (_old, set) => this.enqueue(set),
        delete: (set) => this.enqueue(set),
      }),
      this.pods.addHandlers({
        add: (pod) => this.addPod(pod),
        update: (oldPod, pod) => this.updatePod(oldPod, pod),
        delete: (pod) => this.deletePod(pod),
      }),
    );
  }

  run(): void {
    this.workers ??= runWorkers(this.queue, WORKERS, (key) => this.sync(key), (key, err) => this.ctx.onError(err, `syncing StatefulSet ${key}`));
  }

  async stop(): Promise<void> {
    for (const handler of this.handlers.splice(0)) handler.dispose();
    this.queue.shutDown();
    await this.workers;
  }

  private enqueue(set: TypedStatefulSet): void {
    this.queue.add(objectKey(set));
  }

  /** resolveControllerRef: the cached set a controller reference names, if its uid matches. */
  private resolveControllerRef(namespace: string, ref: NonNullable<ReturnType<typeof controllerRefOf>>): TypedStatefulSet | undefined {
    if (ref.kind !== Resources.statefulsets.kind) return undefined;
    const set = this.sets.get(namespace, ref.name);
    return set?.metadata?.uid === ref.uid ? set : undefined;
  }

  /** getStatefulSetsForPod: the sets in the pod's namespace whose selector matches it (for orphans). */
  private setsForPod(pod: StatefulPod): TypedStatefulSet[] {
    const podLabels = pod.metadata?.labels ?? {};
    return this.sets.list(pod.metadata?.namespace ?? '').filter((set) => {
      const selector = labels.fromLabelSelector(set.spec?.selector);
      return !('error' in selector) && !selector.isEmpty() && selector.matches(podLabels);
    });
  }

  private addPod(pod: StatefulPod): void {
    if (pod.metadata?.deletionTimestamp) return this.deletePod(pod);
    const ref = controllerRefOf(pod);
    if (ref) {
      const set = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (set) this.enqueue(set);
      return;
    }
    for (const set of this.setsForPod(pod)) this.enqueue(set);
  }

  private updatePod(oldPod: StatefulPod, pod: StatefulPod): void {
    if (oldPod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    const labelChanged = !labels.equalLabels(oldPod.metadata?.labels, pod.metadata?.labels);
    const ref = controllerRefOf(pod);
    const oldRef = controllerRefOf(oldPod);
    const refChanged = !sameRef(ref, oldRef);
    if (refChanged && oldRef) {
      const oldSet = this.resolveControllerRef(oldPod.metadata?.namespace ?? '', oldRef);
      if (oldSet) this.enqueue(oldSet);
    }
    if (ref) {
      const set = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (!set) return;
      this.enqueue(set);
      // A pod that just became ready turns available after minReadySeconds: look again then.
      const minReadySeconds = set.spec?.minReadySeconds ?? 0;
      if (!isPodReady(oldPod) && isPodReady(pod) && minReadySeconds > 0) this.queue.addAfter(objectKey(set), minReadySeconds * 1000);
      return;
    }
    if (labelChanged || refChanged) for (const set of this.setsForPod(pod)) this.enqueue(set);
  }

  private deletePod(pod: StatefulPod): void {
    const ref = controllerRefOf(pod);
    if (!ref) return;
    const set = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
    if (set) this.enqueue(set);
  }

  /** sync: reconciles one StatefulSet from the caches. */
  private async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const set = this.sets.get(namespace, name);
    if (!set) return;
    const selector = labels.fromLabelSelector(set.spec?.selector);
    if ('error' in selector) {
      // Not transient: report and do not retry.
      this.ctx.onError(new Error(`error converting StatefulSet ${key} selector: ${selector.error}`), 'statefulset-controller');
      return;
    }
    await this.adoptOrphanRevisions(set, selector);
    // getPodsForStatefulSet: only the set's own pods and the namespace's orphans can be claimed.
    const claims = new ControllerRefManager(this.ctx.client, set, Resources.statefulsets, selector);
    const pods = await claims.claim(Resources.pods, claimCandidates(this.pods, set), (pod) => isMemberOf(set, pod));
    const status = await this.control.updateStatefulSet(set, selector, pods);
    const minReadySeconds = set.spec?.minReadySeconds ?? 0;
    if (minReadySeconds > 0 && status && status.availableReplicas !== replicasOf(set)) this.queue.addAfter(key, minReadySeconds * 1000);
  }

  /** adoptOrphanRevisions: revisions matching the selector that nobody controls become the set's. */
  private async adoptOrphanRevisions(set: TypedStatefulSet, selector: labels.LabelSelector): Promise<void> {
    const orphans = this.control.listRevisions(set, selector).filter((cr) => !controllerRefOf(cr));
    if (orphans.length === 0) return;
    try {
      await recheckOwner(this.ctx.client, Resources.statefulsets, set)();
    } catch (err) {
      throw new Error(`can't adopt ControllerRevisions: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    await this.control.adoptOrphanRevisions(set, orphans);
  }
}
