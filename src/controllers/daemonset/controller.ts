// The DaemonSet controller (pkg/controller/daemon): one pod per eligible node,
// pinned there by required node affinity so the scheduler binds it; pods off
// ineligible nodes; rolling updates within maxUnavailable / maxSurge; history as
// ControllerRevisions; status.

import type { ControllerRevision, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import { labels } from '../../machinery/index.js';
import { Resources, WorkQueue, isAlreadyExists, isNotFound, objectKey, runWorkers, splitKey, type Disposable, type EventRecorder, type Informer } from '../../client/index.js';
import {
  ControllerRefManager,
  NAMESPACE_TERMINATING_CAUSE,
  SLOW_START_INITIAL_BATCH_SIZE,
  claimCandidates,
  computeHash,
  controllerRefOf,
  errorMessage as message,
  hasStatusCause,
  indexByController,
  isPodAvailable,
  isPodReady,
  isPodTerminal,
  newControllerRef,
  podFromTemplate,
  slowStartBatch,
  type Typed,
} from '../common/index.js';
import { POD_REVISION_LABEL, goJson, maxRevision } from '../history/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { Backoff, Expectations } from './expectations.js';
import {
  allowsSurge,
  compareDaemonPods,
  createPodTemplate,
  getPatch,
  isPodUpdated,
  nodeShouldRunDaemonPod,
  replaceNodeNameAffinity,
  surgeCount,
  targetNodeName,
  templateGeneration,
  unavailableCount,
  type DaemonPod,
  type TypedDaemonSet,
  type TypedNode,
} from './util.js';

type Revision = Typed<ControllerRevision>;
type NodePods = Map<string, DaemonPod[]>;

/** concurrent-daemonset-syncs default. */
const WORKERS = 2;
/** BurstReplicas: at most this many creates or deletes per sync. */
const BURST_REPLICAS = 250;
/** StatusUpdateRetries */
const STATUS_UPDATE_RETRIES = 1;

function aggregate(errors: unknown[]): unknown {
  if (errors.length === 1) return errors[0];
  return new AggregateError(errors, `[${errors.map(message).join(', ')}]`);
}

function sameRef(a: ReturnType<typeof controllerRefOf>, b: ReturnType<typeof controllerRefOf>): boolean {
  return goJson(a ?? null) === goJson(b ?? null);
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class DaemonSetsController implements Controller {
  readonly name = 'daemonset-controller';
  private readonly queue: WorkQueue<string>;
  private readonly daemonSets: Informer<TypedDaemonSet>;
  private readonly revisions: Informer<Revision>;
  private readonly pods: Informer<DaemonPod>;
  private readonly nodes: Informer<TypedNode>;
  private readonly recorder: EventRecorder;
  private readonly expectations: Expectations;
  private readonly failedPodsBackoff: Backoff;
  private readonly handlers: Disposable[] = [];
  private workers: Promise<void> | undefined;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue<string>({ clock: ctx.clock });
    this.daemonSets = ctx.informers.informer<TypedDaemonSet>(Resources.daemonsets);
    this.revisions = ctx.informers.informer<Revision>(Resources.controllerrevisions);
    this.pods = ctx.informers.informer<DaemonPod>(Resources.pods);
    indexByController(this.pods);
    indexByController(this.revisions);
    this.nodes = ctx.informers.informer<TypedNode>(Resources.nodes);
    this.recorder = ctx.recorder('daemonset-controller');
    this.expectations = new Expectations(ctx.clock);
    this.failedPodsBackoff = new Backoff(ctx.clock);

    this.handlers.push(
      this.daemonSets.addHandlers({
        add: (ds) => this.enqueue(ds),
        update: (oldDs, ds) => {
          // A replaced DaemonSet (same name, new uid) starts from clean expectations.
          if (oldDs.metadata?.uid !== ds.metadata?.uid) this.expectations.delete(objectKey(oldDs));
          this.enqueue(ds);
        },
        delete: (ds) => {
          this.expectations.delete(objectKey(ds));
          this.enqueue(ds);
        },
      }),
      this.revisions.addHandlers({
        add: (cr) => this.addHistory(cr),
        update: (oldCr, cr) => this.updateHistory(oldCr, cr),
        delete: (cr) => this.deleteHistory(cr),
      }),
      this.pods.addHandlers({
        add: (pod) => this.addPod(pod),
        update: (oldPod, pod) => this.updatePod(oldPod, pod),
        delete: (pod) => this.deletePod(pod),
      }),
      this.nodes.addHandlers({
        add: (node) => this.addNode(node),
        update: (oldNode, node) => this.updateNode(oldNode, node),
      }),
    );
  }

  run(): void {
    this.workers ??= runWorkers(this.queue, WORKERS, (key) => this.sync(key), (key, err) => this.ctx.onError(err, `syncing DaemonSet ${key}`));
  }

  async stop(): Promise<void> {
    for (const handler of this.handlers.splice(0)) handler.dispose();
    this.queue.shutDown();
    await this.workers;
  }

  // ---- event handlers: they only find the DaemonSets concerned and queue them.

  private enqueue(ds: TypedDaemonSet): void {
    this.queue.add(objectKey(ds));
  }

  private resolveControllerRef(namespace: string, ref: NonNullable<ReturnType<typeof controllerRefOf>>): TypedDaemonSet | undefined {
    if (ref.kind !== Resources.daemonsets.kind) return undefined;
    const ds = this.daemonSets.get(namespace, ref.name);
    return ds?.metadata?.uid === ref.uid ? ds : undefined;
  }

  /** GetPodDaemonSets / GetHistoryDaemonSets: DaemonSets in the namespace whose selector matches. */
  private daemonSetsSelecting(namespace: string, objLabels: Readonly<Record<string, string>> | undefined): TypedDaemonSet[] {
    return this.daemonSets.list(namespace).filter((ds) => {
      const selector = labels.fromLabelSelector(ds.spec?.selector);
      return !('error' in selector) && !selector.isEmpty() && selector.matches(objLabels ?? {});
    });
  }

  private addHistory(cr: Revision): void {
    if (cr.metadata?.deletionTimestamp) return this.deleteHistory(cr);
    const ref = controllerRefOf(cr);
    // Creating one's own revision needs no sync (upstream only logs it).
    if (ref) return;
    for (const ds of this.daemonSetsSelecting(cr.metadata?.namespace ?? '', cr.metadata?.labels)) this.enqueue(ds);
  }

  private updateHistory(oldCr: Revision, cr: Revision): void {
    if (oldCr.metadata?.resourceVersion === cr.metadata?.resourceVersion) return;
    const ref = controllerRefOf(cr);
    const oldRef = controllerRefOf(oldCr);
    const refChanged = !sameRef(ref, oldRef);
    if (refChanged && oldRef) {
      const ds = this.resolveControllerRef(oldCr.metadata?.namespace ?? '', oldRef);
      if (ds) this.enqueue(ds);
    }
    if (ref) {
      const ds = this.resolveControllerRef(cr.metadata?.namespace ?? '', ref);
      if (ds) this.enqueue(ds);
      return;
    }
    if (!labels.equalLabels(oldCr.metadata?.labels, cr.metadata?.labels) || refChanged) {
      for (const ds of this.daemonSetsSelecting(cr.metadata?.namespace ?? '', cr.metadata?.labels)) this.enqueue(ds);
    }
  }

  private deleteHistory(cr: Revision): void {
    const ref = controllerRefOf(cr);
    if (!ref) return;
    const ds = this.resolveControllerRef(cr.metadata?.namespace ?? '', ref);
    if (ds) this.enqueue(ds);
  }

  private addPod(pod: DaemonPod): void {
    // A pod already being deleted (seen after a restart) is not a creation.
    if (pod.metadata?.deletionTimestamp) return this.deletePod(pod);
    const ref = controllerRefOf(pod);
    if (ref) {
      const ds = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (!ds) return;
      this.expectations.creationObserved(objectKey(ds));
      this.enqueue(ds);
      return;
    }
    for (const ds of this.daemonSetsSelecting(pod.metadata?.namespace ?? '', pod.metadata?.labels)) this.enqueue(ds);
  }

  private updatePod(oldPod: DaemonPod, pod: DaemonPod): void {
    if (oldPod.metadata?.resourceVersion === pod.metadata?.resourceVersion) return;
    // A graceful deletion has begun: replace the pod now rather than when it is gone.
    if (pod.metadata?.deletionTimestamp) return this.deletePod(pod);
    const ref = controllerRefOf(pod);
    const oldRef = controllerRefOf(oldPod);
    const refChanged = !sameRef(ref, oldRef);
    if (refChanged && oldRef) {
      const ds = this.resolveControllerRef(oldPod.metadata?.namespace ?? '', oldRef);
      if (ds) this.enqueue(ds);
    }
    if (ref) {
      const ds = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (!ds) return;
      this.enqueue(ds);
      const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
      // One second more than minReadySeconds, against millisecond skew (as upstream).
      if (!isPodReady(oldPod) && isPodReady(pod) && minReadySeconds > 0) this.queue.addAfter(objectKey(ds), minReadySeconds * 1000 + 1000);
      return;
    }
    if (!labels.equalLabels(oldPod.metadata?.labels, pod.metadata?.labels) || refChanged) {
      for (const ds of this.daemonSetsSelecting(pod.metadata?.namespace ?? '', pod.metadata?.labels)) this.enqueue(ds);
    }
  }

  private deletePod(pod: DaemonPod): void {
    const ref = controllerRefOf(pod);
    if (!ref) return;
    const ds = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
    if (!ds) return;
    this.expectations.deletionObserved(objectKey(ds));
    this.enqueue(ds);
  }

  private addNode(node: TypedNode): void {
    for (const ds of this.daemonSets.list()) if (nodeShouldRunDaemonPod(node, ds).shouldRun) this.enqueue(ds);
  }

  private updateNode(oldNode: TypedNode, node: TypedNode): void {
    // Only labels and taints decide where daemons run.
    if (labels.equalLabels(oldNode.metadata?.labels, node.metadata?.labels) && goJson(oldNode.spec?.taints ?? []) === goJson(node.spec?.taints ?? [])) return;
    for (const ds of this.daemonSets.list()) {
      const before = nodeShouldRunDaemonPod(oldNode, ds);
      const now = nodeShouldRunDaemonPod(node, ds);
      if (before.shouldRun !== now.shouldRun || before.shouldContinueRunning !== now.shouldContinueRunning) this.enqueue(ds);
    }
  }

  // ---- sync

  /** syncDaemonSet */
  private async sync(key: string): Promise<void> {
    this.failedPodsBackoff.gc();
    const { namespace, name } = splitKey(key);
    const ds = this.daemonSets.get(namespace, name);
    if (!ds) {
      this.expectations.delete(key);
      return;
    }
    const nodes = this.nodes.list().sort((a, b) => byName(a.metadata?.name ?? '', b.metadata?.name ?? ''));
    const selector = ds.spec?.selector;
    if (selector && !selector.matchLabels && !selector.matchExpressions) {
      this.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    // The history a DaemonSet being deleted owned may be gone already: its status cannot be computed.
    if (ds.metadata?.deletionTimestamp) return;

    const { cur, old } = await this.constructHistory(ds);
    const hash = cur.metadata?.labels?.[POD_REVISION_LABEL] ?? '';
    if (!this.expectations.satisfied(key)) {
      // Creates or deletes are still in flight: status only, without claiming this generation observed.
      await this.updateDaemonSetStatus(ds, nodes, hash, false);
      return;
    }
    let failure: unknown;
    try {
      await this.updateDaemonSet(ds, nodes, hash, key, old);
    } catch (err) {
      failure = err;
    }
    try {
      await this.updateDaemonSetStatus(ds, nodes, hash, true);
    } catch (err) {
      failure ??= err;
    }
    if (failure !== undefined) throw failure;
  }

  private async updateDaemonSet(ds: TypedDaemonSet, nodes: readonly TypedNode[], hash: string, key: string, old: readonly Revision[]): Promise<void> {
    await this.manage(ds, nodes, hash);
    if (this.expectations.satisfied(key) && (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      await this.rollingUpdate(ds, nodes, hash);
    }
    try {
      await this.cleanupHistory(ds, old);
    } catch (err) {
      throw new Error(`failed to clean up revisions of DaemonSet: ${message(err)}`, { cause: err });
    }
  }

  /** getDaemonPods: the pods the DaemonSet controls, after adopting and releasing. */
  private getDaemonPods(ds: TypedDaemonSet): Promise<DaemonPod[]> {
    const selector = labels.fromLabelSelector(ds.spec?.selector);
    if ('error' in selector) return Promise.reject(new Error(selector.error));
    return new ControllerRefManager(this.ctx.client, ds, Resources.daemonsets, selector).claim(Resources.pods, claimCandidates(this.pods, ds));
  }

  /** getNodesToDaemonPods: claimed pods by the node they run on or are pinned to. */
  private async nodesToDaemonPods(ds: TypedDaemonSet, includeDeletedTerminal: boolean): Promise<NodePods> {
    let pods: DaemonPod[];
    try {
      pods = await this.getDaemonPods(ds);
    } catch (err) {
      throw new Error(`couldn't get node to daemon pod mapping for daemon set "${ds.metadata?.name}": ${message(err)}`, { cause: err });
    }
    const byNode: NodePods = new Map();
    for (const pod of pods) {
      // Terminal pods being deleted are the kubelet's or pod GC's business now.
      if (!includeDeletedTerminal && isPodTerminal(pod) && pod.metadata?.deletionTimestamp) continue;
      const node = targetNodeName(pod);
      if (node instanceof Error) continue;
      byNode.set(node, [...(byNode.get(node) ?? []), pod]);
    }
    return byNode;
  }

  /** manage: creates daemon pods on nodes that need one and deletes those that must go. */
  private async manage(ds: TypedDaemonSet, nodes: readonly TypedNode[], hash: string): Promise<void> {
    const byNode = await this.nodesToDaemonPods(ds, false);
    const nodesNeedingPods: string[] = [];
    const podsToDelete: string[] = [];
    for (const node of nodes) {
      const result = this.podsShouldBeOnNode(node, byNode, ds, hash);
      nodesNeedingPods.push(...result.nodesNeedingPods);
      podsToDelete.push(...result.podsToDelete);
    }
    // Pods pinned to nodes that no longer exist never get scheduled, and pod GC leaves them alone.
    const existing = new Set(nodes.map((n) => n.metadata?.name ?? ''));
    for (const [node, pods] of byNode) {
      if (existing.has(node)) continue;
      for (const pod of pods) if (!pod.spec?.nodeName) podsToDelete.push(pod.metadata?.name ?? '');
    }
    await this.syncNodes(ds, podsToDelete, nodesNeedingPods, hash);
  }

  /** podsShouldBeOnNode: what to create and delete on one node. */
  private podsShouldBeOnNode(node: TypedNode, byNode: NodePods, ds: TypedDaemonSet, hash: string): { nodesNeedingPods: string[]; podsToDelete: string[] } {
    const nodeName = node.metadata?.name ?? '';
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const daemonPods = byNode.get(nodeName);
    const nodesNeedingPods: string[] = [];
    const podsToDelete: string[] = [];
    if (shouldRun && !daemonPods) {
      nodesNeedingPods.push(nodeName);
    } else if (shouldContinueRunning) {
      const running: DaemonPod[] = [];
      for (const pod of daemonPods ?? []) {
        if (pod.metadata?.deletionTimestamp) continue;
        if (pod.status?.phase === 'Failed') {
          // The kubelet may keep rejecting the pod: back off instead of looping hot.
          const backoffKey = `${ds.metadata?.uid}/${ds.status?.observedGeneration ?? 0}/${nodeName}`;
          if (this.failedPodsBackoff.inBackoff(backoffKey)) {
            this.queue.addAfter(objectKey(ds), this.failedPodsBackoff.get(backoffKey));
            continue;
          }
          this.failedPodsBackoff.next(backoffKey);
          this.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata?.namespace}/${pod.metadata?.name} on node ${nodeName}, will try to kill it`);
          podsToDelete.push(pod.metadata?.name ?? '');
        } else if (pod.status?.phase === 'Succeeded') {
          this.recorder.event(ds, 'Normal', 'SucceededDaemonPod', `Found succeeded daemon pod ${pod.metadata?.namespace}/${pod.metadata?.name} on node ${nodeName}, will try to delete it`);
          podsToDelete.push(pod.metadata?.name ?? '');
        } else {
          running.push(pod);
        }
      }
      running.sort(compareDaemonPods);
      if (!allowsSurge(ds)) {
        // Without surge, one pod per node: the oldest stays.
        for (const extra of running.slice(1)) podsToDelete.push(extra.metadata?.name ?? '');
      } else if (running.length === 0) {
        if (shouldRun) nodesNeedingPods.push(nodeName);
      } else if (running.length > 1) {
        // With surge, an old and a new pod may share a node until the new one is available.
        let oldestNew: DaemonPod | undefined;
        let oldestOld: DaemonPod | undefined;
        for (const pod of running) {
          if (pod.metadata?.labels?.[POD_REVISION_LABEL] === hash) {
            if (!oldestNew) {
              oldestNew = pod;
              continue;
            }
          } else if (!oldestOld) {
            oldestOld = pod;
            continue;
          }
          podsToDelete.push(pod.metadata?.name ?? '');
        }
        if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, this.ctx.clock.now()))) {
          podsToDelete.push(oldestOld.metadata?.name ?? '');
        }
      }
    } else if (daemonPods) {
      for (const pod of daemonPods) if (!pod.metadata?.deletionTimestamp) podsToDelete.push(pod.metadata?.name ?? '');
    }
    return { nodesNeedingPods, podsToDelete };
  }

  /** syncNodes: deletes pods and creates pods pinned to nodes, in slow-start batches, with expectations set first. */
  private async syncNodes(ds: TypedDaemonSet, podsToDelete: readonly string[], nodesNeedingPods: readonly string[], hash: string): Promise<void> {
    const key = objectKey(ds);
    const createCount = Math.min(nodesNeedingPods.length, BURST_REPLICAS);
    const deleteCount = Math.min(podsToDelete.length, BURST_REPLICAS);
    this.expectations.set(key, createCount, deleteCount);
    const errors: unknown[] = [];
    const template = createPodTemplate(ds.spec!.template, templateGeneration(ds), hash);

    let next = 0;
    const createOne = async () => {
      const nodeName = nodesNeedingPods[next++]!;
      const podTemplate = structuredClone(template);
      // Pinned by required node affinity, so the scheduler binds it to this node.
      podTemplate.spec!.affinity = replaceNodeNameAffinity(podTemplate.spec!.affinity, nodeName);
      try {
        await this.createPod(ds, podTemplate);
      } catch (err) {
        // The namespace is going away: every later create fails the same way.
        if (hasStatusCause(err, NAMESPACE_TERMINATING_CAUSE)) return;
        this.expectations.creationObserved(key);
        errors.push(err);
        throw err;
      }
    };
    await slowStartBatch(createCount, SLOW_START_INITIAL_BATCH_SIZE, createOne);
    // Creates never attempted after a failed batch are not expected; a later sync retries them.
    if (next < createCount) this.expectations.lower(key, createCount - next, 0);

    await Promise.all(
      podsToDelete.slice(0, deleteCount).map(async (name) => {
        try {
          await this.deletePodNamed(ds, name);
        } catch (err) {
          this.expectations.deletionObserved(key);
          if (!isNotFound(err)) errors.push(err);
        }
      }),
    );
    if (errors.length > 0) throw aggregate(errors);
  }

  /** RealPodControl.CreatePods: a pod from the template, owned by the DaemonSet, with upstream's events. */
  private async createPod(ds: TypedDaemonSet, template: ReturnType<typeof createPodTemplate>): Promise<void> {
    const pod = podFromTemplate(template, ds, newControllerRef(ds, Resources.daemonsets));
    if (Object.keys(pod.metadata?.labels ?? {}).length === 0) throw new Error('unable to create pods, no labels');
    try {
      const created = await this.ctx.client.create<DaemonPod>(Resources.pods, ds.metadata?.namespace ?? '', pod as DaemonPod);
      this.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
    } catch (err) {
      if (!hasStatusCause(err, NAMESPACE_TERMINATING_CAUSE)) this.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${message(err)}`);
      throw err;
    }
  }

  /** RealPodControl.DeletePod */
  private async deletePodNamed(ds: TypedDaemonSet, name: string): Promise<void> {
    try {
      await this.ctx.client.delete(Resources.pods, ds.metadata?.namespace ?? '', name);
    } catch (err) {
      if (isNotFound(err)) throw err;
      this.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${message(err)}`);
      throw new Error(`unable to delete pods: ${message(err)}`, { cause: err });
    }
    this.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
  }

  // ---- rolling update

  /** updatedDesiredNodeCounts: maxSurge, maxUnavailable and the desired count; adds empty entries for nodes wanting a pod. */
  private updatedDesiredNodeCounts(ds: TypedDaemonSet, nodes: readonly TypedNode[], byNode: NodePods): { maxSurge: number; maxUnavailable: number; desired: number } {
    let desired = 0;
    for (const node of nodes) {
      if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
      desired++;
      const name = node.metadata?.name ?? '';
      if (!byNode.has(name)) byNode.set(name, []);
    }
    let maxUnavailable = unavailableCount(ds, desired);
    if (maxUnavailable instanceof Error) throw new Error(`couldn't get unavailable numbers: invalid value for MaxUnavailable: ${maxUnavailable.message}`);
    const maxSurge = surgeCount(ds, desired);
    if (maxSurge instanceof Error) throw new Error(`couldn't get unavailable numbers: invalid value for MaxSurge: ${maxSurge.message}`);
    // An impossible configuration falls back to accepting one unavailable pod.
    if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
    return { maxSurge, maxUnavailable, desired };
  }

  /** findUpdatedPodsOnNode: at most one new and one old live pod, else not ok (the manage loop prunes first). */
  private findUpdatedPodsOnNode(ds: TypedDaemonSet, pods: readonly DaemonPod[], hash: string): { ok: boolean; newPod?: DaemonPod; oldPod?: DaemonPod } {
    let newPod: DaemonPod | undefined;
    let oldPod: DaemonPod | undefined;
    const generation = templateGeneration(ds);
    for (const pod of pods) {
      if (pod.metadata?.deletionTimestamp) continue;
      if (isPodUpdated(pod, hash, generation)) {
        if (newPod) return { ok: false };
        newPod = pod;
      } else {
        if (oldPod) return { ok: false };
        oldPod = pod;
      }
    }
    return { ok: true, newPod, oldPod };
  }

  /** rollingUpdate: deletes old pods within maxUnavailable, or surges new pods within maxSurge. */
  private async rollingUpdate(ds: TypedDaemonSet, nodes: readonly TypedNode[], hash: string): Promise<void> {
    const byNode = await this.nodesToDaemonPods(ds, false);
    const { maxSurge, maxUnavailable, desired } = this.updatedDesiredNodeCounts(ds, nodes, byNode);
    const now = this.ctx.clock.now();
    const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
    const available = (pod: DaemonPod) => isPodAvailable(pod, minReadySeconds, now);
    const nodeNames = [...byNode.keys()].sort(byName);

    if (maxSurge === 0) {
      // Delete just enough old pods to stay within maxUnavailable; the manage loop recreates them.
      let numUnavailable = 0;
      const replacements: string[] = [];
      const candidates: string[] = [];
      for (const nodeName of nodeNames) {
        const { ok, newPod, oldPod } = this.findUpdatedPodsOnNode(ds, byNode.get(nodeName)!, hash);
        if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) {
          numUnavailable++;
        } else if (newPod) {
          if (!available(newPod)) numUnavailable++;
        } else if (oldPod && !available(oldPod)) {
          replacements.push(oldPod.metadata?.name ?? '');
          numUnavailable++;
        } else if (oldPod && numUnavailable < maxUnavailable) {
          candidates.push(oldPod.metadata?.name ?? '');
        }
      }
      const remaining = Math.min(Math.max(maxUnavailable - numUnavailable, 0), candidates.length);
      await this.syncNodes(ds, [...replacements, ...candidates.slice(0, remaining)], [], hash);
      return;
    }

    // Surge: start a new pod beside an old one, delete the old one once the new one is available.
    const oldPodsToDelete: string[] = [];
    const shouldNotRunPodsToDelete: string[] = [];
    const candidateNewNodes: string[] = [];
    const allowedNewNodes: string[] = [];
    let numSurge = 0;
    let numAvailable = 0;
    for (const nodeName of nodeNames) {
      const { ok, newPod, oldPod } = this.findUpdatedPodsOnNode(ds, byNode.get(nodeName)!, hash);
      if (!ok) {
        numSurge++;
        continue;
      }
      if (oldPod ? available(oldPod) : newPod ? available(newPod) : false) numAvailable++;
      if (!oldPod) continue;
      if (!newPod) {
        const node = this.nodes.get('', nodeName);
        if (!node) throw new Error(`couldn't get node for nodeName "${nodeName}": node "${nodeName}" not found`);
        const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
        if (!available(oldPod)) {
          if (!shouldRun) oldPodsToDelete.push(oldPod.metadata?.name ?? '');
          else allowedNewNodes.push(nodeName);
        } else if (!shouldRun) {
          shouldNotRunPodsToDelete.push(oldPod.metadata?.name ?? '');
        } else if (numSurge < maxSurge) {
          candidateNewNodes.push(nodeName);
        }
        continue;
      }
      if (!available(newPod)) {
        numSurge++;
        continue;
      }
      oldPodsToDelete.push(oldPod.metadata?.name ?? '');
    }
    // With surge the owner expects full availability: a pod on a node that stopped qualifying goes only once others are available.
    const deletable = Math.min(numAvailable - desired, shouldNotRunPodsToDelete.length);
    for (const name of shouldNotRunPodsToDelete.slice(0, Math.max(deletable, 0))) {
      if (this.pods.get(ds.metadata?.namespace ?? '', name)) oldPodsToDelete.push(name);
    }
    const remainingSurge = Math.min(Math.max(maxSurge - numSurge, 0), candidateNewNodes.length);
    await this.syncNodes(ds, oldPodsToDelete, [...allowedNewNodes, ...candidateNewNodes.slice(0, remainingSurge)], hash);
  }

  // ---- history

  /** controlledHistories: the DaemonSet's revisions, after adopting and releasing. */
  private controlledHistories(ds: TypedDaemonSet): Promise<Revision[]> {
    const selector = labels.fromLabelSelector(ds.spec?.selector);
    if ('error' in selector) return Promise.reject(new Error(selector.error));
    return new ControllerRefManager(this.ctx.client, ds, Resources.daemonsets, selector).claim(Resources.controllerrevisions, claimCandidates(this.revisions, ds));
  }

  /** Match: the revision stores the DaemonSet's current template. */
  private matches(ds: TypedDaemonSet, cr: Revision): boolean {
    return goJson(getPatch(ds)) === goJson(cr.data ?? null);
  }

  /**
   * constructHistory: the revision of the current template (created, or deduplicated
   * and renumbered to be the newest) and the old ones; missing hash labels are added.
   */
  private async constructHistory(ds: TypedDaemonSet): Promise<{ cur: Revision; old: Revision[] }> {
    try {
      const current: Revision[] = [];
      const old: Revision[] = [];
      for (let cr of await this.controlledHistories(ds)) {
        if (cr.metadata?.labels?.[POD_REVISION_LABEL] === undefined) {
          // The name stands in for the hash, so labelling needs no hashing (nor collision handling).
          const labelled = structuredClone(cr);
          labelled.metadata = { ...labelled.metadata, labels: { ...labelled.metadata?.labels, [POD_REVISION_LABEL]: labelled.metadata?.name ?? '' } };
          cr = await this.ctx.client.update<Revision>(Resources.controllerrevisions, ds.metadata?.namespace ?? '', labelled);
        }
        (this.matches(ds, cr) ? current : old).push(cr);
      }
      const currRevision = maxRevision(old) + 1;
      if (current.length === 0) return { cur: await this.snapshot(ds, currRevision), old };
      let cur = await this.dedupCurHistories(ds, current);
      if (cur.revision < currRevision) {
        const renumbered = structuredClone(cur);
        renumbered.revision = currRevision;
        cur = await this.ctx.client.update<Revision>(Resources.controllerrevisions, ds.metadata?.namespace ?? '', renumbered);
      }
      return { cur, old };
    } catch (err) {
      throw new Error(`failed to construct revisions of DaemonSet: ${message(err)}`, { cause: err });
    }
  }

  /** dedupCurHistories: keeps the highest-numbered of several equal revisions, relabelling pods onto it. */
  private async dedupCurHistories(ds: TypedDaemonSet, current: readonly Revision[]): Promise<Revision> {
    if (current.length === 1) return current[0]!;
    let keep = current[0]!;
    for (const cr of current) if (cr.revision >= keep.revision) keep = cr;
    const keepHash = keep.metadata?.labels?.[POD_REVISION_LABEL] ?? '';
    for (const pod of await this.getDaemonPods(ds)) {
      if (pod.metadata?.labels?.[POD_REVISION_LABEL] === keepHash) continue;
      await this.ctx.client.patch(Resources.pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'merge', { metadata: { labels: { [POD_REVISION_LABEL]: keepHash } } });
    }
    for (const cr of current) {
      if (cr.metadata?.name === keep.metadata?.name) continue;
      await this.ctx.client.delete(Resources.controllerrevisions, cr.metadata?.namespace ?? '', cr.metadata?.name ?? '');
    }
    return keep;
  }

  /** snapshot: a new revision `<ds>-<hash>`; a name taken by other data bumps status.collisionCount and retries. */
  private async snapshot(ds: TypedDaemonSet, revision: number): Promise<Revision> {
    const namespace = ds.metadata?.namespace ?? '';
    const hash = computeHash(ds.spec?.template, ds.status?.collisionCount);
    const name = `${ds.metadata?.name}-${hash}`;
    const history: Revision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace,
        labels: { ...ds.spec?.template.metadata?.labels, [POD_REVISION_LABEL]: hash },
        ...(ds.metadata?.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
        ownerReferences: [newControllerRef(ds, Resources.daemonsets)],
      },
      data: getPatch(ds),
      revision,
    };
    try {
      return await this.ctx.client.create<Revision>(Resources.controllerrevisions, namespace, history);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.ctx.client.get<Revision>(Resources.controllerrevisions, namespace, name);
      if (this.matches(ds, existing)) return existing;
      // A different template hashed to the same name: bump the collision count unless ours was stale.
      const fresh = structuredClone(await this.ctx.client.get<TypedDaemonSet>(Resources.daemonsets, namespace, ds.metadata?.name ?? ''));
      if ((fresh.status?.collisionCount ?? null) !== (ds.status?.collisionCount ?? null)) {
        throw new Error(`found a stale collision count (${ds.status?.collisionCount}, expected ${fresh.status?.collisionCount}) of DaemonSet "${ds.metadata?.name}" while processing; will retry until it is updated`, { cause: err });
      }
      const bumped: TypedDaemonSet = { ...fresh, status: { ...fresh.status!, collisionCount: (fresh.status?.collisionCount ?? 0) + 1 } };
      await this.ctx.client.update(Resources.daemonsets, namespace, bumped, { subresource: 'status' });
      throw err;
    }
  }

  /** cleanupHistory: deletes the oldest old revisions no pod uses, down to revisionHistoryLimit old ones. */
  private async cleanupHistory(ds: TypedDaemonSet, old: readonly Revision[]): Promise<void> {
    const byNode = await this.nodesToDaemonPods(ds, true);
    let toKill = old.length - (ds.spec?.revisionHistoryLimit ?? 10);
    if (toKill <= 0) return;
    const liveHashes = new Set<string>();
    for (const pods of byNode.values()) {
      for (const pod of pods) {
        const hash = pod.metadata?.labels?.[POD_REVISION_LABEL];
        if (hash) liveHashes.add(hash);
      }
    }
    for (const cr of [...old].sort((a, b) => a.revision - b.revision)) {
      if (toKill <= 0) break;
      if (liveHashes.has(cr.metadata?.labels?.[POD_REVISION_LABEL] ?? '')) continue;
      await this.ctx.client.delete(Resources.controllerrevisions, cr.metadata?.namespace ?? '', cr.metadata?.name ?? '');
      toKill--;
    }
  }

  // ---- status

  /** updateDaemonSetStatus: counts desired, scheduled, misscheduled, ready, updated and available daemon pods. */
  private async updateDaemonSetStatus(ds: TypedDaemonSet, nodes: readonly TypedNode[], hash: string, updateObservedGeneration: boolean): Promise<void> {
    const byNode = await this.nodesToDaemonPods(ds, false);
    const now = this.ctx.clock.now();
    const generation = templateGeneration(ds);
    const counts = { desired: 0, current: 0, misscheduled: 0, ready: 0, updated: 0, available: 0 };
    for (const node of nodes) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      const pods = byNode.get(node.metadata?.name ?? '') ?? [];
      if (!shouldRun) {
        if (pods.length > 0) counts.misscheduled++;
        continue;
      }
      counts.desired++;
      if (pods.length === 0) continue;
      counts.current++;
      const pod = [...pods].sort(compareDaemonPods)[0]!;
      if (isPodReady(pod)) {
        counts.ready++;
        if (isPodAvailable(pod, ds.spec?.minReadySeconds ?? 0, now)) counts.available++;
      }
      if (isPodUpdated(pod, hash, generation)) counts.updated++;
    }
    const status: DaemonSetStatus = {
      ...ds.status,
      desiredNumberScheduled: counts.desired,
      currentNumberScheduled: counts.current,
      numberMisscheduled: counts.misscheduled,
      numberReady: counts.ready,
      updatedNumberScheduled: counts.updated,
      numberAvailable: counts.available,
      numberUnavailable: counts.desired - counts.available,
    };
    try {
      await this.storeDaemonSetStatus(ds, status, updateObservedGeneration);
    } catch (err) {
      throw new Error(`error storing status for daemon set "${ds.metadata?.name}": ${message(err)}`, { cause: err });
    }
    // Look again once ready pods have had minReadySeconds to become available.
    const minReadySeconds = ds.spec?.minReadySeconds ?? 0;
    if (minReadySeconds > 0 && counts.ready !== counts.available) this.queue.addAfter(objectKey(ds), minReadySeconds * 1000);
  }

  /** storeDaemonSetStatus: writes the counts unless unchanged, retrying once on failure with a fresh copy. */
  private async storeDaemonSetStatus(ds: TypedDaemonSet, status: DaemonSetStatus, updateObservedGeneration: boolean): Promise<void> {
    const old = ds.status;
    const unchanged =
      (old?.desiredNumberScheduled ?? 0) === status.desiredNumberScheduled &&
      (old?.currentNumberScheduled ?? 0) === status.currentNumberScheduled &&
      (old?.numberMisscheduled ?? 0) === status.numberMisscheduled &&
      (old?.numberReady ?? 0) === status.numberReady &&
      (old?.updatedNumberScheduled ?? 0) === status.updatedNumberScheduled &&
      (old?.numberAvailable ?? 0) === status.numberAvailable &&
      (old?.numberUnavailable ?? 0) === status.numberUnavailable &&
      (old?.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0);
    if (unchanged) return;
    let toUpdate = structuredClone(ds);
    for (let attempt = 0; ; attempt++) {
      toUpdate = {
        ...toUpdate,
        status: {
          ...toUpdate.status,
          ...(updateObservedGeneration ? { observedGeneration: ds.metadata?.generation } : {}),
          desiredNumberScheduled: status.desiredNumberScheduled,
          currentNumberScheduled: status.currentNumberScheduled,
          numberMisscheduled: status.numberMisscheduled,
          numberReady: status.numberReady,
          updatedNumberScheduled: status.updatedNumberScheduled,
          numberAvailable: status.numberAvailable,
          numberUnavailable: status.numberUnavailable,
        },
      };
      try {
        await this.ctx.client.update(Resources.daemonsets, toUpdate.metadata?.namespace ?? '', toUpdate, { subresource: 'status' });
        return;
      } catch (err) {
        if (attempt >= STATUS_UPDATE_RETRIES) throw err;
        toUpdate = structuredClone(await this.ctx.client.get<TypedDaemonSet>(Resources.daemonsets, toUpdate.metadata?.namespace ?? '', toUpdate.metadata?.name ?? ''));
      }
    }
  }
}
