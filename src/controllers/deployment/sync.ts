// One sync of a Deployment (sync.go, rolling.go, recreate.go, progress.go,
// rollback.go): find or create the new ReplicaSet, scale ReplicaSets for the rollout
// strategy or a resize, clean up old revisions and report status.

import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Resources, isAlreadyExists, isNotFound, type ApiClient, type Clock, type EventRecorder } from '../../client/index.js';
import { NAMESPACE_TERMINATING_CAUSE, computeHash, controllerRefOf, errorMessage, hasStatusCause, newControllerRef, typed, type Typed } from '../common/index.js';
import { calculateStatus, statusEqual, wireStatus } from './status.js';
import {
  FAILED_RS_CREATE_REASON,
  FOUND_NEW_RS_REASON,
  NEW_RS_AVAILABLE_REASON,
  NEW_RS_REASON,
  PAUSED_DEPLOY_REASON,
  POD_TEMPLATE_HASH_LABEL,
  REPLICA_SET_UPDATED_REASON,
  RESUMED_DEPLOY_REASON,
  REVISION_ANNOTATION,
  ROLLBACK_DONE,
  ROLLBACK_REVISION_NOT_FOUND,
  ROLLBACK_TEMPLATE_UNCHANGED,
  ROLLBACK_TO_ANNOTATION,
  TIMED_OUT_REASON,
  activeReplicaSets,
  availableReplicas,
  actualReplicas,
  byCreationTimestamp,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  desiredReplicasAnnotation,
  equalIgnoreHash,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  getDeploymentCondition,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isRollingUpdate,
  isSaturated,
  lastRevision,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newDeploymentCondition,
  newRSNewReplicas,
  proportion,
  removeDeploymentCondition,
  replicaSetToDeploymentCondition,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  revisionOf,
  setDeploymentAnnotationsTo,
  setDeploymentCondition,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
} from './util.js';

export type D = Typed<Deployment>;
export type RS = Typed<ReplicaSet>;
export type P = Typed<Pod>;

/** maxRevHistoryLengthInChars: revision-history keeps about 100 entries. */
const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;

/** What a sync needs from the controller around it. */
export interface SyncEnvironment {
  readonly client: ApiClient;
  readonly clock: Clock;
  readonly recorder: EventRecorder;
  /** The cached ReplicaSet of this name (the AlreadyExists check reads the cache, as upstream's lister). */
  cachedReplicaSet(namespace: string, name: string): RS | undefined;
  /** The pods of each of the Deployment's ReplicaSets, by ReplicaSet uid (Recreate waits for old ones to go). */
  podsByReplicaSet(deployment: D, replicaSets: readonly RS[]): Map<string, P[]>;
  enqueueAfter(deployment: D, delayMs: number): void;
  enqueueRateLimited(deployment: D): void;
}

export class DeploymentSync {
  constructor(private readonly env: SyncEnvironment) {}

  private now(): number {
    return this.env.clock.now();
  }

  /** The part of syncDeployment after the ReplicaSets are claimed: dispatch by state and strategy. */
  async run(d: D, rsList: RS[]): Promise<void> {
    if (d.metadata?.deletionTimestamp) return this.syncStatusOnly(d, rsList);
    // Paused/resumed conditions first, so a resumed rollout does not look stuck.
    await this.checkPausedConditions(d);
    if (d.spec?.paused) return this.sync(d, rsList);
    // Rollback is not re-entrant: finish it before scaling anything.
    if (rollbackTo(d) !== undefined) return this.rollback(d, rsList);
    if (await this.isScalingEvent(d, rsList)) return this.sync(d, rsList);
    switch (d.spec?.strategy?.type) {
      case 'Recreate':
        return this.rolloutRecreate(d, rsList);
      case 'RollingUpdate':
        return this.rolloutRolling(d, rsList);
    }
    throw new Error(`unexpected deployment strategy type: ${d.spec?.strategy?.type}`);
  }

  // ---- status writes ----

  /**
   * UpdateStatus of d (status and the revision annotation). Upstream's status strategy
   * lets annotations through with the status; where the status subresource keeps
   * metadata, the revision annotation follows in a metadata patch.
   */
  async updateStatus(d: D): Promise<void> {
    const ns = d.metadata?.namespace ?? '';
    const written = await this.env.client.update<D>(Resources.deployments, ns, { ...d, status: wireStatus(d.status ?? {}) }, { subresource: 'status' });
    this.adoptVersion(d, written);
    const revision = d.metadata?.annotations?.[REVISION_ANNOTATION];
    if (revision !== undefined && written.metadata?.annotations?.[REVISION_ANNOTATION] !== revision) {
      const patched = await this.env.client.patch<D>(Resources.deployments, ns, d.metadata?.name ?? '', 'merge', {
        metadata: { resourceVersion: written.metadata?.resourceVersion, annotations: { [REVISION_ANNOTATION]: revision } },
      });
      this.adoptVersion(d, patched);
    }
  }

  /** Carries the new resourceVersion forward so later writes of this sync do not conflict with our own. */
  private adoptVersion(d: D, written: D): void {
    d.metadata = { ...d.metadata, resourceVersion: written.metadata?.resourceVersion };
  }

  // ---- sync.go ----

  private async syncStatusOnly(d: D, rsList: RS[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }

  /** sync: reconciles a resize, or a paused Deployment. */
  private async sync(d: D, rsList: RS[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.scale(d, newRS, oldRSs);
    if (d.spec?.paused && rollbackTo(d) === undefined) await this.cleanupDeployment(oldRSs, d);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }

  private async checkPausedConditions(d: D): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const cond = getDeploymentCondition(d.status, 'Progressing');
    // A reported lack of progress is not overwritten by pausing.
    if (cond?.reason === TIMED_OUT_REASON) return;
    const pausedCondExists = cond?.reason === PAUSED_DEPLOY_REASON;
    d.status ??= {};
    if (d.spec?.paused && !pausedCondExists) {
      setDeploymentCondition(d.status, newDeploymentCondition('Progressing', 'Unknown', PAUSED_DEPLOY_REASON, 'Deployment is paused', this.now()));
    } else if (!d.spec?.paused && pausedCondExists) {
      setDeploymentCondition(d.status, newDeploymentCondition('Progressing', 'Unknown', RESUMED_DEPLOY_REASON, 'Deployment is resumed', this.now()));
    } else return;
    await this.updateStatus(d);
  }

  private async getAllReplicaSetsAndSyncRevision(d: D, rsList: RS[], createIfNotExisted: boolean): Promise<{ newRS: RS | undefined; oldRSs: RS[] }> {
    const { all: oldRSs } = findOldReplicaSets(d, rsList);
    const newRS = await this.getNewReplicaSet(d, rsList, oldRSs, createIfNotExisted);
    return { newRS, oldRSs };
  }

  /**
   * getNewReplicaSet: the ReplicaSet running the Deployment's template, its revision
   * raised above every old one (a rollback reuses an old ReplicaSet this way), created
   * when missing if createIfNotExisted.
   */
  private async getNewReplicaSet(d: D, rsList: RS[], oldRSs: RS[], createIfNotExisted: boolean): Promise<RS | undefined> {
    const client = this.env.client;
    const ns = d.metadata?.namespace ?? '';
    const existing = findNewReplicaSet(d, rsList);
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      const rsCopy = structuredClone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, rsCopy, newRevision, true, MAX_REV_HISTORY_LENGTH_IN_CHARS);
      const minReadySeconds = d.spec?.minReadySeconds ?? 0;
      if (annotationsUpdated || (rsCopy.spec?.minReadySeconds ?? 0) !== minReadySeconds) {
        rsCopy.spec = { ...rsCopy.spec!, minReadySeconds };
        return client.update<RS>(Resources.replicasets, ns, rsCopy);
      }
      // The ReplicaSet's own revision is the reliable one.
      let needsUpdate = setDeploymentRevision(d, rsCopy.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
      if (hasProgressDeadline(d) && !getDeploymentCondition(d.status, 'Progressing')) {
        d.status ??= {};
        setDeploymentCondition(d.status, newDeploymentCondition('Progressing', 'True', FOUND_NEW_RS_REASON, `Found new replica set "${rsCopy.metadata?.name}"`, this.now()));
        needsUpdate = true;
      }
      if (needsUpdate) await this.updateStatus(d);
      return rsCopy;
    }
    if (!createIfNotExisted) return undefined;

    const template = structuredClone(d.spec!.template);
    const hash = computeHash(template, d.status?.collisionCount);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const newRS: RS = typed<ReplicaSet>({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        // Deterministic, so a repeated sync cannot create a second one.
        name: `${d.metadata?.name}-${hash}`,
        namespace: ns,
        ownerReferences: [newControllerRef(d, Resources.deployments)],
        labels: { ...template.metadata.labels },
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    });
    const newReplicasCount = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    newRS.spec!.replicas = newReplicasCount;
    setNewReplicaSetAnnotations(d, newRS, newRevision, false, MAX_REV_HISTORY_LENGTH_IN_CHARS);

    let created: RS;
    let alreadyExists = false;
    try {
      created = await client.create<RS>(Resources.replicasets, ns, newRS);
    } catch (err) {
      if (isAlreadyExists(err)) {
        alreadyExists = true;
        const rs = this.env.cachedReplicaSet(ns, newRS.metadata!.name!);
        if (!rs) throw err;
        const ref = controllerRefOf(rs);
        if (!ref || ref.uid !== d.metadata?.uid || !equalIgnoreHash(d.spec?.template, rs.spec?.template)) {
          // A hash collision: another template already has this name. Bump collisionCount and try again next sync.
          d.status = { ...d.status, collisionCount: (d.status?.collisionCount ?? 0) + 1 };
          await this.updateStatus(d).catch(() => undefined);
          throw err;
        }
        created = rs;
      } else if (hasStatusCause(err, NAMESPACE_TERMINATING_CAUSE)) {
        throw err;
      } else {
        const msg = `Failed to create new replica set "${newRS.metadata!.name}": ${errorMessage(err)}`;
        if (hasProgressDeadline(d)) {
          d.status ??= {};
          setDeploymentCondition(d.status, newDeploymentCondition('Progressing', 'False', FAILED_RS_CREATE_REASON, msg, this.now()));
          // The creation failure is the error worth reporting.
          await this.updateStatus(d).catch(() => undefined);
        }
        this.env.recorder.event(d, 'Warning', FAILED_RS_CREATE_REASON, msg);
        throw err;
      }
    }
    if (!alreadyExists && newReplicasCount > 0) {
      this.env.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata?.name} to ${newReplicasCount}`);
    }
    let needsUpdate = setDeploymentRevision(d, String(newRevision));
    if (!alreadyExists && hasProgressDeadline(d)) {
      d.status ??= {};
      setDeploymentCondition(d.status, newDeploymentCondition('Progressing', 'True', NEW_RS_REASON, `Created new replica set "${created.metadata?.name}"`, this.now()));
      needsUpdate = true;
    }
    if (needsUpdate) await this.updateStatus(d);
    return created;
  }

  /**
   * scale: a resize outside a rollout. One active ReplicaSet takes the new size; a
   * saturated new one leaves old ones at zero; otherwise a rolling Deployment spreads
   * the difference over its active ReplicaSets in proportion to their sizes.
   */
  private async scale(d: D, newRS: RS | undefined, oldRSs: RS[]): Promise<void> {
    const desired = replicasOf(d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (replicasOf(activeOrLatest) === desired) return;
      await this.scaleReplicaSetAndRecordEvent(activeOrLatest, desired, d);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeReplicaSets(oldRSs)) await this.scaleReplicaSetAndRecordEvent(old, 0, d);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const allRSs = activeReplicaSets([...oldRSs, newRS]);
    const allowedSize = desired > 0 ? desired + maxSurge(d) : 0;
    const toAdd = allowedSize - specReplicas(allRSs);
    // Larger ReplicaSets first; among equals, newer ones grow first and older ones shrink first.
    let operation = '';
    if (toAdd > 0) {
      allRSs.sort(bySizeNewer);
      operation = 'up';
    } else if (toAdd < 0) {
      allRSs.sort(bySizeOlder);
      operation = 'down';
    }
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of allRSs) {
      if (toAdd === 0) {
        sizes.set(rs.metadata!.name!, replicasOf(rs));
        continue;
      }
      const share = proportion(rs, d, toAdd, added);
      sizes.set(rs.metadata!.name!, replicasOf(rs) + share);
      added += share;
    }
    for (const [i, rs] of allRSs.entries()) {
      const name = rs.metadata!.name!;
      // Leftovers go to the largest ReplicaSet.
      if (i === 0 && toAdd !== 0) sizes.set(name, Math.max(0, sizes.get(name)! + toAdd - added));
      await this.scaleReplicaSet(rs, sizes.get(name)!, d, operation);
    }
  }

  private async scaleReplicaSetAndRecordEvent(rs: RS, newScale: number, d: D): Promise<{ scaled: boolean; rs: RS }> {
    if (replicasOf(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, d, replicasOf(rs) < newScale ? 'up' : 'down');
  }

  /** scaleReplicaSet: writes the size and the desired/max annotations; a ScalingReplicaSet event for a new size. */
  private async scaleReplicaSet(rs: RS, newScale: number, d: D, operation: string): Promise<{ scaled: boolean; rs: RS }> {
    const sizeNeedsUpdate = replicasOf(rs) !== newScale;
    const desired = replicasOf(d);
    const max = desired + maxSurge(d);
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const oldScale = replicasOf(rs);
    const rsCopy = structuredClone(rs);
    rsCopy.spec = { ...rsCopy.spec!, replicas: newScale };
    setReplicasAnnotations(rsCopy, desired, max);
    const updated = await this.env.client.update<RS>(Resources.replicasets, rs.metadata?.namespace ?? '', rsCopy);
    if (sizeNeedsUpdate) this.env.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${updated.metadata?.name} to ${newScale} from ${oldScale}`);
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  /** cleanupDeployment: deletes the oldest empty ReplicaSets beyond revisionHistoryLimit. */
  private async cleanupDeployment(oldRSs: RS[], d: D): Promise<void> {
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    const diff = cleanable.length - d.spec!.revisionHistoryLimit!;
    if (diff <= 0) return;
    cleanable.sort(byRevision);
    for (const rs of cleanable.slice(0, diff)) {
      // Only ReplicaSets that are empty and whose emptiness the ReplicaSet controller has confirmed.
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || rs.metadata?.deletionTimestamp) continue;
      try {
        await this.env.client.delete(Resources.replicasets, rs.metadata?.namespace ?? '', rs.metadata?.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  private async syncDeploymentStatus(allRSs: (RS | undefined)[], newRS: RS | undefined, d: D): Promise<void> {
    const newStatus = calculateStatus(allRSs, newRS, d, this.now());
    if (statusEqual(d.status, newStatus)) return;
    d.status = newStatus;
    await this.updateStatus(d);
  }

  /** isScalingEvent: an active ReplicaSet was sized for another Deployment size than the current one. */
  private async isScalingEvent(d: D, rsList: RS[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
      const desired = desiredReplicasAnnotation(rs);
      return desired !== undefined && desired !== replicasOf(d);
    });
  }

  // ---- rolling.go ----

  private async rolloutRolling(d: D, rsList: RS[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true);
    const allRSs = [...oldRSs, newRS];
    if (await this.reconcileNewReplicaSet(allRSs, newRS!, d)) return this.syncRolloutStatus(allRSs, newRS, d);
    if (await this.reconcileOldReplicaSets(allRSs, activeReplicaSets(oldRSs), newRS!, d)) return this.syncRolloutStatus(allRSs, newRS, d);
    if (deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(oldRSs, d);
    return this.syncRolloutStatus(allRSs, newRS, d);
  }

  private async reconcileNewReplicaSet(allRSs: (RS | undefined)[], newRS: RS, d: D): Promise<boolean> {
    const desired = replicasOf(d);
    if (replicasOf(newRS) === desired) return false;
    if (replicasOf(newRS) > desired) return (await this.scaleReplicaSetAndRecordEvent(newRS, desired, d)).scaled;
    return (await this.scaleReplicaSetAndRecordEvent(newRS, newRSNewReplicas(d, allRSs, newRS), d)).scaled;
  }

  /**
   * reconcileOldReplicaSets: scales old ReplicaSets down as far as availability
   * allows: total pods - minAvailable - the new ReplicaSet's unavailable pods, unhealthy
   * old pods first.
   */
  private async reconcileOldReplicaSets(allRSs: (RS | undefined)[], oldRSs: RS[], newRS: RS, d: D): Promise<boolean> {
    if (specReplicas(oldRSs) === 0) return false;
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newRSUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = specReplicas(allRSs) - minAvailable - newRSUnavailable;
    if (maxScaledDown <= 0) return false;
    let cleaned: { oldRSs: RS[]; count: number };
    try {
      cleaned = await this.cleanupUnhealthyReplicas(oldRSs, d, maxScaledDown);
    } catch {
      return false;
    }
    let scaledDown: number;
    try {
      scaledDown = await this.scaleDownOldReplicaSetsForRollingUpdate([...cleaned.oldRSs, newRS], cleaned.oldRSs, d);
    } catch {
      return false;
    }
    return cleaned.count + scaledDown > 0;
  }

  /** cleanupUnhealthyReplicas: removes old ReplicaSets' unavailable pods first; they add nothing to availability. */
  private async cleanupUnhealthyReplicas(oldRSs: RS[], d: D, maxCleanupCount: number): Promise<{ oldRSs: RS[]; count: number }> {
    const sorted = [...oldRSs].sort(byCreationTimestamp);
    let total = 0;
    for (const [i, rs] of sorted.entries()) {
      if (total >= maxCleanupCount) break;
      const replicas = replicasOf(rs);
      const available = rs.status?.availableReplicas ?? 0;
      if (replicas === 0 || replicas === available) continue;
      const count = Math.min(maxCleanupCount - total, replicas - available);
      const newCount = replicas - count;
      if (newCount > replicas) throw new Error(`when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata?.namespace}/${rs.metadata?.name} ${replicas} -> ${newCount}`);
      const { rs: updated } = await this.scaleReplicaSetAndRecordEvent(rs, newCount, d);
      total += count;
      sorted[i] = updated;
    }
    return { oldRSs: sorted, count: total };
  }

  /** scaleDownOldReplicaSetsForRollingUpdate: old ReplicaSets give up pods only while availability stays above minAvailable. */
  private async scaleDownOldReplicaSetsForRollingUpdate(allRSs: (RS | undefined)[], oldRSs: RS[], d: D): Promise<number> {
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const available = availableReplicas(allRSs);
    if (available <= minAvailable) return 0;
    const totalToScaleDown = available - minAvailable;
    let total = 0;
    for (const rs of [...oldRSs].sort(byCreationTimestamp)) {
      if (total >= totalToScaleDown) break;
      if (replicasOf(rs) === 0) continue;
      const count = Math.min(replicasOf(rs), totalToScaleDown - total);
      const newCount = replicasOf(rs) - count;
      await this.scaleReplicaSetAndRecordEvent(rs, newCount, d);
      total += count;
    }
    return total;
  }

  // ---- recreate.go ----

  private async rolloutRecreate(d: D, rsList: RS[]): Promise<void> {
    // The new ReplicaSet is only created once the old pods are gone.
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    let allRSs: (RS | undefined)[] = [...oldRSs, newRS];
    let scaledDown = false;
    for (const rs of activeReplicaSets(oldRSs)) {
      if ((await this.scaleReplicaSetAndRecordEvent(rs, 0, d)).scaled) scaledDown = true;
    }
    if (scaledDown) return this.syncRolloutStatus(allRSs, newRS, d);
    if (this.oldPodsRunning(newRS, oldRSs, this.env.podsByReplicaSet(d, rsList))) return this.syncRolloutStatus(allRSs, newRS, d);
    if (!newRS) {
      ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true));
      allRSs = [...oldRSs, newRS];
    }
    await this.scaleReplicaSetAndRecordEvent(newRS!, replicasOf(d), d);
    if (deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(oldRSs, d);
    return this.syncRolloutStatus(allRSs, newRS, d);
  }

  /** oldPodsRunning: an old ReplicaSet still has pods, or pods not yet terminal. */
  private oldPodsRunning(newRS: RS | undefined, oldRSs: RS[], podMap: Map<string, P[]>): boolean {
    if (actualReplicas(oldRSs) > 0) return true;
    for (const [uid, pods] of podMap) {
      if (newRS && newRS.metadata?.uid === uid) continue;
      if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
    }
    return false;
  }

  // ---- progress.go ----

  /** syncRolloutStatus: status plus the Progressing condition (progress, completion, deadline) and replica failures. */
  private async syncRolloutStatus(allRSs: (RS | undefined)[], newRS: RS | undefined, d: D): Promise<void> {
    const now = this.now();
    const newStatus = calculateStatus(allRSs, newRS, d, now);
    if (!hasProgressDeadline(d)) removeDeploymentCondition(newStatus, 'Progressing');
    const currentCond = getDeploymentCondition(d.status, 'Progressing');
    const isCompleteDeployment = newStatus.replicas === newStatus.updatedReplicas && currentCond?.reason === NEW_RS_AVAILABLE_REASON;
    if (hasProgressDeadline(d) && !isCompleteDeployment) {
      const name = newRS?.metadata?.name;
      if (deploymentComplete(d, newStatus)) {
        const msg = name ? `ReplicaSet "${name}" has successfully progressed.` : `Deployment "${d.metadata?.name}" has successfully progressed.`;
        setDeploymentCondition(newStatus, newDeploymentCondition('Progressing', 'True', NEW_RS_AVAILABLE_REASON, msg, now));
      } else if (deploymentProgressing(d, newStatus)) {
        const msg = name ? `ReplicaSet "${name}" is progressing.` : `Deployment "${d.metadata?.name}" is progressing.`;
        const condition = newDeploymentCondition('Progressing', 'True', REPLICA_SET_UPDATED_REASON, msg, now);
        // Progress refreshes lastUpdateTime even with the same reason; lastTransitionTime stays while True.
        if (currentCond) {
          if (currentCond.status === 'True') condition.lastTransitionTime = currentCond.lastTransitionTime;
          removeDeploymentCondition(newStatus, 'Progressing');
        }
        setDeploymentCondition(newStatus, condition);
      } else if (deploymentTimedOut(d, newStatus, now)) {
        const msg = name ? `ReplicaSet "${name}" has timed out progressing.` : `Deployment "${d.metadata?.name}" has timed out progressing.`;
        setDeploymentCondition(newStatus, newDeploymentCondition('Progressing', 'False', TIMED_OUT_REASON, msg, now));
      }
    }
    const failure = replicaFailures(allRSs, newRS)[0];
    if (failure) setDeploymentCondition(newStatus, failure);
    else removeDeploymentCondition(newStatus, 'ReplicaFailure');
    if (statusEqual(d.status, newStatus)) {
      this.requeueStuckDeployment(d, newStatus);
      return;
    }
    d.status = newStatus;
    await this.updateStatus(d);
  }

  /** requeueStuckDeployment: comes back when the progress deadline would pass, to report it. */
  private requeueStuckDeployment(d: D, newStatus: DeploymentStatus): void {
    const currentCond = getDeploymentCondition(d.status, 'Progressing');
    if (!hasProgressDeadline(d) || !currentCond) return;
    if (deploymentComplete(d, newStatus) || currentCond.reason === TIMED_OUT_REASON) return;
    const lastUpdate = currentCond.lastUpdateTime ? Date.parse(currentCond.lastUpdateTime) : 0;
    const after = lastUpdate + d.spec!.progressDeadlineSeconds! * 1000 - this.now();
    if (after < 1000) this.env.enqueueRateLimited(d);
    // A second more, so the check lands after the deadline rather than on it.
    else this.env.enqueueAfter(d, after + 1000);
  }

  // ---- rollback.go (the deprecated rollback annotation) ----

  private async rollback(d: D, rsList: RS[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true);
    const allRSs = [...oldRSs, newRS];
    let revision = rollbackTo(d)!;
    if (revision === 0) {
      revision = lastRevision(allRSs);
      if (revision === 0) {
        this.env.recorder.event(d, 'Warning', ROLLBACK_REVISION_NOT_FOUND, 'Unable to find last revision.');
        return this.updateDeploymentAndClearRollbackTo(d);
      }
    }
    for (const rs of allRSs) {
      if (!rs || revisionOf(rs) !== revision) continue;
      // Copying the template back is the rollback; the next sync gives that ReplicaSet a new revision.
      if (!equalIgnoreHash(d.spec?.template, rs.spec?.template)) {
        const template = structuredClone(rs.spec!.template!);
        const { [POD_TEMPLATE_HASH_LABEL]: _hash, ...labels } = template.metadata?.labels ?? {};
        template.metadata = { ...template.metadata, labels };
        d.spec = { ...d.spec!, template };
        setDeploymentAnnotationsTo(d, rs);
        await this.updateDeploymentAndClearRollbackTo(d);
        this.env.recorder.event(d, 'Normal', ROLLBACK_DONE, `Rolled back deployment "${d.metadata?.name}" to revision ${revision}`);
        return;
      }
      this.env.recorder.event(d, 'Warning', ROLLBACK_TEMPLATE_UNCHANGED, `The rollback revision contains the same template as current deployment "${d.metadata?.name}"`);
      return this.updateDeploymentAndClearRollbackTo(d);
    }
    this.env.recorder.event(d, 'Warning', ROLLBACK_REVISION_NOT_FOUND, 'Unable to find the revision to rollback to.');
    return this.updateDeploymentAndClearRollbackTo(d);
  }

  private async updateDeploymentAndClearRollbackTo(d: D): Promise<void> {
    const annotations = { ...d.metadata?.annotations };
    delete annotations[ROLLBACK_TO_ANNOTATION];
    d.metadata = { ...d.metadata, annotations };
    const { status: _status, ...rest } = d;
    await this.env.client.update(Resources.deployments, d.metadata?.namespace ?? '', rest);
  }
}

/** getRollbackTo: the revision the deprecated rollback annotation asks for (0: the previous one). */
export function rollbackTo(d: Deployment): number | undefined {
  const value = d.metadata?.annotations?.[ROLLBACK_TO_ANNOTATION];
  if (!value || !/^[+-]?\d+$/.test(value)) return undefined;
  return Number(value);
}

/** getReplicaFailures: the new ReplicaSet's ReplicaFailure condition, else any old one's. */
function replicaFailures(allRSs: (RS | undefined)[], newRS: RS | undefined): DeploymentCondition[] {
  const of = (rs: RS | undefined) => (rs?.status?.conditions ?? []).filter((c) => c.type === 'ReplicaFailure').map(replicaSetToDeploymentCondition);
  const fromNew = of(newRS);
  return fromNew.length > 0 ? fromNew : allRSs.flatMap(of);
}
