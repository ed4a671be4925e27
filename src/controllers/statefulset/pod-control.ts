// StatefulPodControl (stateful_pod_control.go): creates, updates and deletes a
// set's pods and their claims, keeps claims' owner references in line with the
// retention policy, and records upstream's events for each.

import type { KubeObject } from '../../api/types.js';
import { Resources, isAlreadyExists, isConflict, type ApiClient, type EventRecorder, type Informer } from '../../client/index.js';
import {
  getOrdinal,
  getPersistentVolumeClaimName,
  hasStaleOwnerRef,
  hasUnexpectedController,
  identityMatches,
  isClaimOwnerUpToDate,
  persistentVolumeClaims,
  retentionPolicy,
  storageMatches,
  updateClaimOwnerRefs,
  updateIdentity,
  updateStorage,
  type Claim,
  type TypedStatefulSet,
  type StatefulPod,
} from './utils.js';

const UPDATE_ATTEMPTS = 4;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function title(verb: string): string {
  return verb.charAt(0).toUpperCase() + verb.slice(1);
}

export class StatefulPodControl {
  constructor(
    private readonly client: ApiClient,
    private readonly claims: Informer<Claim>,
    private readonly recorder: EventRecorder,
  ) {}

  /** CreateStatefulPod: the pod's claims first, then the pod, then the claims' retention owner refs. */
  async createStatefulPod(set: TypedStatefulSet, pod: StatefulPod): Promise<void> {
    try {
      await this.createPersistentVolumeClaims(set, pod);
    } catch (err) {
      this.recordPodEvent('create', set, pod, err);
      throw err;
    }
    try {
      await this.client.create(Resources.pods, set.metadata?.namespace ?? '', pod);
    } catch (err) {
      // An existing pod is an outdated cache, not news worth an event.
      if (!isAlreadyExists(err)) this.recordPodEvent('create', set, pod, err);
      throw err;
    }
    try {
      await this.updatePodClaimForRetentionPolicy(set, pod);
    } catch (err) {
      this.recordPodEvent('update', set, pod, err);
      throw err;
    }
    this.recordPodEvent('create', set, pod);
  }

  /** UpdateStatefulPod: restores the pod's identity, storage and claim ownership, retrying on conflicts. */
  async updateStatefulPod(set: TypedStatefulSet, original: StatefulPod): Promise<void> {
    let pod = structuredClone(original);
    let attempted = false;
    let failure: unknown;
    for (let attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt++) {
      try {
        let consistent = true;
        if (!identityMatches(set, pod)) {
          updateIdentity(set, pod);
          consistent = false;
        }
        if (!storageMatches(set, pod)) {
          updateStorage(set, pod);
          consistent = false;
          await this.createPersistentVolumeClaims(set, pod);
        }
        if (!this.claimsMatchRetentionPolicy(set, pod)) {
          await this.updatePodClaimForRetentionPolicy(set, pod);
          consistent = false;
        }
        if (consistent) return;
        attempted = true;
        await this.client.update(Resources.pods, set.metadata?.namespace ?? '', pod);
        failure = undefined;
        break;
      } catch (err) {
        failure = err;
        if (!attempted) {
          this.recordPodEvent('update', set, pod, err);
          throw err;
        }
        if (!isConflict(err) || attempt === UPDATE_ATTEMPTS) break;
        pod = structuredClone(await this.client.get<StatefulPod>(Resources.pods, set.metadata?.namespace ?? '', pod.metadata?.name ?? ''));
      }
    }
    this.recordPodEvent('update', set, pod, failure);
    if (failure !== undefined) throw failure;
  }

  /** DeleteStatefulPod: deletes the pod (its claims stay, unless the retention policy says otherwise). */
  async deleteStatefulPod(set: TypedStatefulSet, pod: StatefulPod): Promise<void> {
    try {
      await this.client.delete(Resources.pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
    } catch (err) {
      this.recordPodEvent('delete', set, pod, err);
      throw err;
    }
    this.recordPodEvent('delete', set, pod);
  }

  /** ClaimsMatchRetentionPolicy: every existing claim of the pod has the owner refs the policy wants. */
  claimsMatchRetentionPolicy(set: TypedStatefulSet, pod: StatefulPod): boolean {
    const ordinal = getOrdinal(pod);
    for (const template of set.spec?.volumeClaimTemplates ?? []) {
      const claim = this.claims.get(set.metadata?.namespace ?? '', getPersistentVolumeClaimName(set, template, ordinal));
      // A missing claim is picked up by a later sync.
      if (claim && !isClaimOwnerUpToDate(claim, set, pod)) return false;
    }
    return true;
  }

  /** UpdatePodClaimForRetentionPolicy: rewrites the owner refs of the pod's claims for the policy. */
  async updatePodClaimForRetentionPolicy(set: TypedStatefulSet, pod: StatefulPod): Promise<void> {
    const ordinal = getOrdinal(pod);
    for (const template of set.spec?.volumeClaimTemplates ?? []) {
      const claimName = getPersistentVolumeClaimName(set, template, ordinal);
      const cached = this.claims.get(set.metadata?.namespace ?? '', claimName);
      if (!cached) continue;
      if (hasUnexpectedController(cached, set, pod)) {
        this.recorder.event(set, 'Warning', 'ConflictingController', `PersistentVolumeClaim ${claimName} has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim`);
      }
      if (isClaimOwnerUpToDate(cached, set, pod)) continue;
      const claim = structuredClone(cached);
      updateClaimOwnerRefs(claim, set, pod);
      try {
        await this.client.update(Resources.persistentvolumeclaims, claim.metadata?.namespace ?? '', claim);
      } catch (err) {
        throw new Error(`could not update claim ${claimName} for delete policy ownerRefs: ${message(err)}`, { cause: err });
      }
    }
  }

  /** PodClaimIsStale: under whenScaled=Delete, a claim still owned by an earlier pod of this name blocks creation. */
  podClaimIsStale(set: TypedStatefulSet, pod: StatefulPod): boolean {
    if (retentionPolicy(set).whenScaled === 'Retain') return false;
    for (const claim of persistentVolumeClaims(set, pod).values()) {
      const existing = this.claims.get(claim.metadata?.namespace ?? '', claim.metadata?.name ?? '');
      if (existing && hasStaleOwnerRef(existing, pod.metadata?.name, pod.metadata?.uid, Resources.pods)) return true;
    }
    return false;
  }

  /** createMissingPersistentVolumeClaims: for pending pods, claims deleted under them are recreated. */
  async createMissingPersistentVolumeClaims(set: TypedStatefulSet, pod: StatefulPod): Promise<void> {
    await this.createPersistentVolumeClaims(set, pod);
    try {
      await this.updatePodClaimForRetentionPolicy(set, pod);
    } catch (err) {
      this.recordPodEvent('update', set, pod, err);
      throw err;
    }
  }

  /** createPersistentVolumeClaims: creates the pod's missing claims; one being deleted is an error. */
  private async createPersistentVolumeClaims(set: TypedStatefulSet, pod: StatefulPod): Promise<void> {
    const errors: Error[] = [];
    for (const claim of persistentVolumeClaims(set, pod).values()) {
      const name = claim.metadata?.name ?? '';
      const existing = this.claims.get(claim.metadata?.namespace ?? '', name);
      if (existing) {
        if (existing.metadata?.deletionTimestamp) errors.push(new Error(`pvc ${name} is being deleted`));
        continue;
      }
      try {
        await this.client.create(Resources.persistentvolumeclaims, claim.metadata?.namespace ?? '', claim);
        this.recordClaimEvent('create', set, pod, claim);
      } catch (err) {
        errors.push(new Error(`failed to create PVC ${name}: ${message(err)}`, { cause: err }));
        if (!isAlreadyExists(err)) this.recordClaimEvent('create', set, pod, claim, err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `[${errors.map((e) => e.message).join(', ')}]`);
  }

  private recordPodEvent(verb: string, set: TypedStatefulSet, pod: KubeObject, err?: unknown): void {
    if (err === undefined) {
      this.recorder.event(set, 'Normal', `Successful${title(verb)}`, `${verb} Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} successful`);
    } else {
      this.recorder.event(set, 'Warning', `Failed${title(verb)}`, `${verb} Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} failed error: ${message(err)}`);
    }
  }

  private recordClaimEvent(verb: string, set: TypedStatefulSet, pod: KubeObject, claim: KubeObject, err?: unknown): void {
    if (err === undefined) {
      this.recorder.event(set, 'Normal', `Successful${title(verb)}`, `${verb} Claim ${claim.metadata?.name} Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} success`);
    } else {
      this.recorder.event(set, 'Warning', `Failed${title(verb)}`, `${verb} Claim ${claim.metadata?.name} for Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} failed error: ${message(err)}`);
    }
  }
}
