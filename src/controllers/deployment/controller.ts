// The Deployment controller (pkg/controller/deployment): rolls a Deployment's pod
// template out through ReplicaSets (RollingUpdate or Recreate), scales them for
// resizes, keeps revision history and reports rollout status and conditions.

import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { KubeObject, OwnerReference } from '../../api/types.js';
import { Resources, WorkQueue, objectKey, runWorkers, splitKey, type Disposable, type EventRecorder, type Informer } from '../../client/index.js';
import { labels } from '../../machinery/index.js';
import { ControllerRefManager, claimCandidates, controlledBy, controllerRefOf, indexByController, SYNC_COALESCE_MS } from '../common/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { DeploymentSync, type D, type P, type RS } from './sync.js';

/** ConcurrentDeploymentSyncs' default. */
const WORKERS = 5;

function selectorOf(obj: Deployment | ReplicaSet): labels.LabelSelector | undefined {
  const selector = labels.fromLabelSelector(obj.spec?.selector);
  return 'error' in selector ? undefined : selector;
}

export class DeploymentController implements Controller {
  readonly name = 'deployment';
  private readonly queue: WorkQueue<string>;
  private readonly deployments: Informer<D>;
  private readonly replicaSets: Informer<RS>;
  private readonly pods: Informer<P>;
  private readonly recorder: EventRecorder;
  private readonly syncer: DeploymentSync;
  private readonly subscriptions: Disposable[] = [];
  private workers: Promise<void> | undefined;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue<string>({ clock: ctx.clock, minIntervalMs: SYNC_COALESCE_MS });
    this.recorder = ctx.recorder('deployment-controller');
    this.deployments = ctx.informers.informer<D>(Resources.deployments);
    this.replicaSets = ctx.informers.informer<RS>(Resources.replicasets);
    this.pods = ctx.informers.informer<P>(Resources.pods);
    indexByController(this.replicaSets);
    indexByController(this.pods);
    this.syncer = new DeploymentSync({
      client: ctx.client,
      clock: ctx.clock,
      recorder: this.recorder,
      cachedReplicaSet: (ns, name) => this.replicaSets.get(ns, name),
      podsByReplicaSet: (d, rsList) => this.podsByReplicaSet(d, rsList),
      enqueueAfter: (d, ms) => this.queue.addAfter(objectKey(d), ms),
      enqueueRateLimited: (d) => this.queue.addRateLimited(objectKey(d)),
    });
    this.subscriptions.push(
      this.deployments.addHandlers({
        add: (d) => this.enqueue(d),
        update: (_old, cur) => this.enqueue(cur),
        delete: (d) => this.enqueue(d),
      }),
      this.replicaSets.addHandlers({
        add: (rs) => this.addReplicaSet(rs),
        update: (old, cur) => this.updateReplicaSet(old, cur),
        delete: (rs) => this.deleteReplicaSet(rs),
      }),
      this.pods.addHandlers({ delete: (pod) => this.deletePod(pod) }),
    );
  }

  run(): void {
    this.workers ??= runWorkers(this.queue, WORKERS, (key) => this.sync(key), (key, err) => this.ctx.onError(err, `syncing Deployment ${key}`));
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.dispose();
    this.queue.shutDown();
    await this.workers;
  }

  private enqueue(d: KubeObject): void {
    this.queue.add(objectKey(d));
  }

  private resolveControllerRef(namespace: string, ref: OwnerReference | undefined): D | undefined {
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.deployments.get(namespace, ref.name);
    return d?.metadata?.uid === ref.uid ? d : undefined;
  }

  /** GetDeploymentsForReplicaSet: the Deployments whose selector matches an orphaned ReplicaSet. */
  private deploymentsMatching(rs: RS): D[] {
    const rsLabels = rs.metadata?.labels;
    if (!rsLabels || Object.keys(rsLabels).length === 0) return [];
    return this.deployments.list(rs.metadata?.namespace ?? '').filter((d) => {
      const selector = selectorOf(d);
      return selector !== undefined && !selector.isEmpty() && selector.matches(rsLabels);
    });
  }

  private addReplicaSet(rs: RS): void {
    if (rs.metadata?.deletionTimestamp) return this.deleteReplicaSet(rs);
    const ref = controllerRefOf(rs);
    if (ref) {
      const d = this.resolveControllerRef(rs.metadata?.namespace ?? '', ref);
      if (d) this.enqueue(d);
      return;
    }
    for (const d of this.deploymentsMatching(rs)) this.enqueue(d);
  }

  private updateReplicaSet(old: RS, cur: RS): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = JSON.stringify(curRef) !== JSON.stringify(oldRef);
    if (refChanged && oldRef) {
      const d = this.resolveControllerRef(old.metadata?.namespace ?? '', oldRef);
      if (d) this.enqueue(d);
    }
    if (curRef) {
      const d = this.resolveControllerRef(cur.metadata?.namespace ?? '', curRef);
      if (d) this.enqueue(d);
      return;
    }
    const labelChanged = JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {});
    if (labelChanged || refChanged) for (const d of this.deploymentsMatching(cur)) this.enqueue(d);
  }

  private deleteReplicaSet(rs: RS): void {
    const d = this.resolveControllerRef(rs.metadata?.namespace ?? '', controllerRefOf(rs));
    if (d) this.enqueue(d);
  }

  /** A Recreate rollout waits for the old pods to be gone: their deletion may be what it waits for. */
  private deletePod(pod: P): void {
    const namespace = pod.metadata?.namespace ?? '';
    const rsRef = controllerRefOf(pod);
    if (!rsRef || rsRef.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.get(namespace, rsRef.name);
    if (!rs || rs.metadata?.uid !== rsRef.uid) return;
    const d = this.resolveControllerRef(namespace, controllerRefOf(rs));
    if (!d || d.spec?.strategy?.type !== 'Recreate') return;
    const rsList = controlledBy(this.replicaSets, d.metadata?.uid ?? '');
    let remaining = 0;
    for (const pods of this.podsByReplicaSet(d, rsList).values()) remaining += pods.length;
    if (remaining === 0) this.enqueue(d);
  }

  /** getPodMapForDeployment: the Deployment's pods grouped by the ReplicaSet that controls them. */
  private podsByReplicaSet(d: D, rsList: readonly RS[]): Map<string, P[]> {
    const selector = selectorOf(d);
    const map = new Map<string, P[]>();
    for (const rs of rsList) {
      const uid = rs.metadata?.uid ?? '';
      map.set(uid, selector ? controlledBy(this.pods, uid).filter((p) => selector.matches(p.metadata?.labels ?? {})) : []);
    }
    return map;
  }

  /** syncDeployment. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deployments.get(namespace, name);
    if (!cached) return;
    const d = structuredClone(cached);
    const selectorObj = d.spec?.selector;
    if (!selectorObj || (Object.keys(selectorObj).length === 0)) {
      this.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        d.status = { ...d.status, observedGeneration: d.metadata?.generation ?? 0 };
        await this.syncer.updateStatus(d);
      }
      return;
    }
    const rsList = await this.getReplicaSetsForDeployment(d);
    await this.syncer.run(d, rsList);
  }

  /** getReplicaSetsForDeployment: claims the ReplicaSets the Deployment's selector matches. */
  private async getReplicaSetsForDeployment(d: D): Promise<RS[]> {
    const selector = selectorOf(d);
    if (!selector) throw new Error(`deployment ${d.metadata?.namespace}/${d.metadata?.name} has invalid label selector`);
    const manager = new ControllerRefManager(this.ctx.client, d, Resources.deployments, selector);
    return manager.claim(Resources.replicasets, claimCandidates(this.replicaSets, d));
  }
}

export function newDeploymentController(ctx: ControllerContext): Controller {
  return new DeploymentController(ctx);
}
