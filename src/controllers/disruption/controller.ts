// The disruption controller (pkg/controller/disruption): keeps each
// PodDisruptionBudget's status (healthy, desired and expected pods, disruptions
// allowed, evictions in flight) current, so the eviction API can decide. It also
// clears DisruptionTarget conditions left on pods whose eviction never happened.

import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { OwnerReference } from '../../api/types.js';
import { Resources, WorkQueue, isConflict, objectKey, runWorkers, splitKey, type Disposable, type EventRecorder, type Informer } from '../../client/index.js';
import { controllerRefOf, errorMessage, parseTime, rfc3339, typed, type Typed, SYNC_COALESCE_MS } from '../common/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { countHealthyPods, disruptedPodMap, expectedPodCount, failSafeStatus, nextStatus, pdbSelector, type ControllerScale } from './status.js';

type PDB = Typed<PodDisruptionBudget>;
type P = Typed<Pod>;

/** DisruptionTarget: the pod condition the eviction API sets before deleting. */
export const DISRUPTION_TARGET_CONDITION = 'DisruptionTarget';
/** v1.PodReasonTerminationByKubelet: kubelet-set disruption conditions are never stale. */
const TERMINATION_BY_KUBELET = 'TerminationByKubelet';
/** stalePodDisruptionTimeout: a DisruptionTarget condition on a pod still not terminating after this is reset. */
export const STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60 * 1000;

export interface DisruptionControllerOptions {
  readonly stalePodDisruptionTimeoutMs?: number;
}

/** The group of an owner reference's apiVersion ("apps/v1" -> "apps", "v1" -> ""). */
function groupOf(ref: OwnerReference): string {
  const slash = ref.apiVersion.indexOf('/');
  return slash < 0 ? '' : ref.apiVersion.slice(0, slash);
}

/** verifyGroupKind. */
function refersTo(ref: OwnerReference | undefined, kind: string, groups: readonly string[]): ref is OwnerReference {
  return ref !== undefined && ref.kind === kind && groups.includes(groupOf(ref));
}

export class DisruptionController implements Controller {
  readonly name = 'disruption';
  private readonly queue: WorkQueue<string>;
  private readonly staleQueue: WorkQueue<string>;
  private readonly pdbs: Informer<PDB>;
  private readonly pods: Informer<P>;
  private readonly rcs: Informer<Typed<ReplicationController>>;
  private readonly rss: Informer<Typed<ReplicaSet>>;
  private readonly deployments: Informer<Typed<Deployment>>;
  private readonly statefulSets: Informer<Typed<StatefulSet>>;
  private readonly recorder: EventRecorder;
  private readonly subscriptions: Disposable[] = [];
  private readonly staleTimeoutMs: number;
  private workers: Promise<void> | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    options: DisruptionControllerOptions = {},
  ) {
    this.staleTimeoutMs = options.stalePodDisruptionTimeoutMs ?? STALE_POD_DISRUPTION_TIMEOUT_MS;
    this.queue = new WorkQueue<string>({ clock: ctx.clock, minIntervalMs: SYNC_COALESCE_MS });
    this.staleQueue = new WorkQueue<string>({ clock: ctx.clock });
    this.recorder = ctx.recorder('controllermanager');
    this.pdbs = ctx.informers.informer<PDB>(Resources.poddisruptionbudgets);
    this.pods = ctx.informers.informer<P>(Resources.pods);
    this.rcs = ctx.informers.informer(Resources.replicationcontrollers);
    this.rss = ctx.informers.informer(Resources.replicasets);
    this.deployments = ctx.informers.informer(Resources.deployments);
    this.statefulSets = ctx.informers.informer(Resources.statefulsets);
    const onPod = (pod: P) => {
      const pdb = this.pdbForPod(pod);
      if (pdb) this.queue.add(objectKey(pdb));
      this.checkStaleDisruptionCondition(pod);
    };
    // A workload's scale is the denominator of percentage budgets.
    const onScale = (old: { spec?: { replicas?: number } } & { metadata?: { namespace?: string } }, cur: typeof old) => {
      if (old.spec?.replicas === cur.spec?.replicas) return;
      for (const pdb of this.pdbs.list(cur.metadata?.namespace ?? '')) this.queue.add(objectKey(pdb));
    };
    this.subscriptions.push(
      this.pdbs.addHandlers({
        add: (pdb) => this.queue.add(objectKey(pdb)),
        update: (_old, cur) => this.queue.add(objectKey(cur)),
        delete: (pdb) => this.queue.add(objectKey(pdb)),
      }),
      this.pods.addHandlers({
        add: onPod,
        update: (_old, cur) => onPod(cur),
        delete: (pod) => {
          const pdb = this.pdbForPod(pod);
          if (pdb) this.queue.add(objectKey(pdb));
        },
      }),
      this.rcs.addHandlers({ update: onScale }),
      this.rss.addHandlers({ update: onScale }),
      this.deployments.addHandlers({ update: onScale }),
      this.statefulSets.addHandlers({ update: onScale }),
    );
  }

  run(): void {
    this.workers ??= Promise.all([
      runWorkers(this.queue, 1, (key) => this.sync(key), (key, err) => this.ctx.onError(err, `syncing PodDisruptionBudget ${key}`)),
      runWorkers(this.staleQueue, 1, (key) => this.syncStalePodDisruption(key), (key, err) => this.ctx.onError(err, `clearing DisruptionTarget condition of pod ${key}`)),
    ]).then(() => undefined);
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.dispose();
    this.queue.shutDown();
    this.staleQueue.shutDown();
    await this.workers;
  }

  /** getPdbForPod: the first PDB selecting the pod (with a warning when several do). */
  private pdbForPod(pod: P): PDB | undefined {
    const podLabels = pod.metadata?.labels ?? {};
    const matching = this.pdbs
      .list(pod.metadata?.namespace ?? '')
      .filter((pdb) => pdbSelector(pdb)?.matches(podLabels))
      .sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
    if (matching.length > 1) {
      const message = `Pod "${pod.metadata?.namespace ?? ''}"/"${pod.metadata?.name ?? ''}" matches multiple PodDisruptionBudgets.  Chose "${matching[0]!.metadata?.name ?? ''}" arbitrarily.`;
      this.recorder.event(pod, 'Warning', 'MultiplePodDisruptionBudgets', message);
    }
    return matching[0];
  }

  /** The finders in upstream's order: ReplicationController, Deployment (through its ReplicaSet), ReplicaSet, StatefulSet. */
  private findController(pod: Pod): ControllerScale | undefined {
    const namespace = pod.metadata?.namespace ?? '';
    const ref = controllerRefOf(typed(pod));
    if (refersTo(ref, 'ReplicationController', [''])) {
      const rc = this.rcs.get(namespace, ref.name);
      if (rc?.metadata?.uid === ref.uid) return { uid: ref.uid, scale: rc.spec?.replicas ?? 1 };
    }
    if (refersTo(ref, 'ReplicaSet', ['apps', 'extensions'])) {
      const rs = this.rss.get(namespace, ref.name);
      if (rs?.metadata?.uid === ref.uid) {
        const rsRef = controllerRefOf(rs);
        if (rsRef?.kind === 'Deployment') {
          if (!refersTo(rsRef, 'Deployment', ['apps', 'extensions'])) return undefined;
          const deployment = this.deployments.get(namespace, rsRef.name);
          return deployment?.metadata?.uid === rsRef.uid ? { uid: rsRef.uid, scale: deployment.spec?.replicas ?? 1 } : undefined;
        }
        return { uid: ref.uid, scale: rs.spec?.replicas ?? 1 };
      }
    }
    if (refersTo(ref, 'StatefulSet', ['apps'])) {
      const set = this.statefulSets.get(namespace, ref.name);
      if (set?.metadata?.uid === ref.uid) return { uid: ref.uid, scale: set.spec?.replicas ?? 1 };
    }
    return undefined;
  }

  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pdb = this.pdbs.get(namespace, name);
    if (!pdb) return;
    try {
      await this.trySync(pdb);
    } catch (err) {
      // A conflict is retried as is; anything else first closes the budget.
      if (isConflict(err)) throw err;
      await this.writeStatus(pdb, failSafeStatus(pdb, errorMessage(err), this.ctx.clock.now()));
    }
  }

  private async trySync(pdb: PDB): Promise<void> {
    const selector = pdbSelector(pdb);
    if (!selector) throw new Error(`invalid selector ${JSON.stringify(pdb.spec?.selector)}`);
    const pods = this.pods.list(pdb.metadata?.namespace ?? '').filter((pod) => selector.matches(pod.metadata?.labels ?? {}));
    if (pods.length === 0) this.recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    const expected = expectedPodCount(pdb, pods, (pod) => this.findController(pod));
    if (expected instanceof Error) {
      this.recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${expected.message}`);
      throw expected;
    }
    if (expected.unmanagedPods.length > 0) {
      this.recorder.event(
        pdb,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    const now = this.ctx.clock.now();
    const { disrupted, recheckAt, notDeleted } = disruptedPodMap(pods, pdb, now);
    for (const pod of notDeleted) {
      this.recorder.event(typed(pod), 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata?.namespace ?? ''}/${pdb.metadata?.name ?? ''} to be deleted but it wasn't`);
    }
    const healthy = countHealthyPods(pods, disrupted, now);
    const status = nextStatus(pdb, healthy, expected.desiredHealthy, expected.expectedCount, disrupted, now);
    if (status) await this.writeStatus(pdb, status);
    // Evictions in flight stop counting against the budget once they time out.
    if (recheckAt !== undefined) this.queue.addAfter(objectKey(pdb), recheckAt - now);
  }

  private async writeStatus(pdb: PDB, status: PodDisruptionBudget['status']): Promise<void> {
    await this.ctx.client.update(Resources.poddisruptionbudgets, pdb.metadata?.namespace ?? '', { ...pdb, status }, { subresource: 'status' });
  }

  /** nonTerminatingPodHasStaleDisruptionCondition: how long until the pod's DisruptionTarget condition is stale, if it has one. */
  private staleDisruptionIn(pod: Pod): number | undefined {
    if (pod.metadata?.deletionTimestamp) return undefined;
    const condition = pod.status?.conditions?.find((c) => c.type === DISRUPTION_TARGET_CONDITION);
    if (!condition || condition.status !== 'True' || condition.reason === TERMINATION_BY_KUBELET) return undefined;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return undefined;
    const since = parseTime(condition.lastTransitionTime) ?? 0;
    return Math.max(0, since + this.staleTimeoutMs - this.ctx.clock.now());
  }

  private checkStaleDisruptionCondition(pod: P): void {
    const wait = this.staleDisruptionIn(pod);
    if (wait !== undefined) this.staleQueue.addAfter(objectKey(pod), wait);
  }

  /** syncStalePodDisruption: reset a DisruptionTarget condition whose pod was never deleted. */
  private async syncStalePodDisruption(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(namespace, name);
    if (!pod) return;
    const wait = this.staleDisruptionIn(pod);
    if (wait === undefined) return;
    if (wait > 0) {
      this.staleQueue.addAfter(key, wait);
      return;
    }
    const conditions = (pod.status?.conditions ?? []).map((c) => (c.type === DISRUPTION_TARGET_CONDITION ? { type: c.type, status: 'False', lastTransitionTime: rfc3339(this.ctx.clock.now()) } : c));
    await this.ctx.client.update(Resources.pods, namespace, typed<Pod>({ ...pod, status: { ...pod.status, conditions } }), { subresource: 'status' });
  }
}

export function newDisruptionController(ctx: ControllerContext, options?: DisruptionControllerOptions): Controller {
  return new DisruptionController(ctx, options);
}
