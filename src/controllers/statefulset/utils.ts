// Pure StatefulSet helpers (pkg/controller/statefulset/stateful_set_utils.go):
// ordinals and stable identities, storage from volumeClaimTemplates, claim
// ownership under the PVC retention policy, pod health, revisions and status.

import type { ControllerRevision, StatefulSet, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { KubeObject, OwnerReference } from '../../api/types.js';
import { Resources, apiVersionOfType, type ResourceType } from '../../client/index.js';
import { isPodAvailable, isPodReady, newControllerRef, podFromTemplate, scaledValue, typed, type Typed } from '../common/index.js';
import { POD_REVISION_LABEL, goJson, newControllerRevision } from '../history/index.js';

/** apps.StatefulSetPodNameLabel */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** apps.PodIndexLabel (PodIndexLabel is GA) */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export type TypedStatefulSet = Typed<StatefulSet>;
export type StatefulPod = Typed<Pod>;
export type Claim = Typed<PersistentVolumeClaim>;

const STATEFUL_POD_NAME = /^(.*)-([0-9]+)$/;
const MAX_INT32 = 2147483647;

/** getParentNameAndOrdinal: `<parent>-<ordinal>`, or no parent and -1. */
export function parentNameAndOrdinal(podName: string): { parent: string; ordinal: number } {
  const match = STATEFUL_POD_NAME.exec(podName);
  if (!match) return { parent: '', ordinal: -1 };
  const ordinal = Number(match[2]);
  return { parent: match[1]!, ordinal: ordinal <= MAX_INT32 ? ordinal : -1 };
}

export function getOrdinal(pod: Pod): number {
  return parentNameAndOrdinal(pod.metadata?.name ?? '').ordinal;
}

export function replicasOf(set: StatefulSet): number {
  return set.spec?.replicas ?? 1;
}

export function getStartOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

export function getEndOrdinal(set: StatefulSet): number {
  return getStartOrdinal(set) + replicasOf(set) - 1;
}

export function podInOrdinalRange(pod: Pod, set: StatefulSet): boolean {
  const ordinal = getOrdinal(pod);
  return ordinal >= getStartOrdinal(set) && ordinal <= getEndOrdinal(set);
}

export function getPodName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata?.name}-${ordinal}`;
}

/** `<claim>-<set>-<ordinal>` */
export function getPersistentVolumeClaimName(set: StatefulSet, claim: PersistentVolumeClaim, ordinal: number): string {
  return `${claim.metadata?.name}-${set.metadata?.name}-${ordinal}`;
}

export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parentNameAndOrdinal(pod.metadata?.name ?? '').parent === set.metadata?.name;
}

/** identityMatches: the pod's name, namespace and pod-name label are those of its ordinal in set. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentNameAndOrdinal(pod.metadata?.name ?? '');
  return (
    ordinal >= 0 &&
    set.metadata?.name === parent &&
    pod.metadata?.name === getPodName(set, ordinal) &&
    pod.metadata?.namespace === set.metadata?.namespace &&
    pod.metadata?.labels?.[POD_NAME_LABEL] === pod.metadata?.name
  );
}

/** storageMatches: every claim template is mounted from the pod's own claim. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  return (set.spec?.volumeClaimTemplates ?? []).every((claim) => {
    const volume = volumes.get(claim.metadata?.name ?? '');
    return volume?.persistentVolumeClaim?.claimName === getPersistentVolumeClaimName(set, claim, ordinal);
  });
}

export interface RetentionPolicy {
  readonly whenDeleted: string;
  readonly whenScaled: string;
}

export function retentionPolicy(set: StatefulSet): RetentionPolicy {
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy;
  return { whenDeleted: policy?.whenDeleted ?? 'Retain', whenScaled: policy?.whenScaled ?? 'Retain' };
}

function matchesRef(ref: OwnerReference, name: string | undefined, type: ResourceType): boolean {
  return ref.apiVersion === apiVersionOfType(type) && ref.kind === type.kind && ref.name === name;
}

function ownerRefs(claim: PersistentVolumeClaim): OwnerReference[] {
  return (claim.metadata?.ownerReferences ?? []) as OwnerReference[];
}

/** hasUnexpectedController: under a delete policy, another controller (or a stale set/pod) owns the claim. */
export function hasUnexpectedController(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  const policy = retentionPolicy(set);
  if (policy.whenScaled === 'Retain' && policy.whenDeleted === 'Retain') return false;
  for (const ref of ownerRefs(claim)) {
    if (matchesRef(ref, set.metadata?.name, Resources.statefulsets)) {
      if (ref.uid !== set.metadata?.uid) return true;
      continue;
    }
    if (matchesRef(ref, pod.metadata?.name, Resources.pods)) {
      if (ref.uid !== pod.metadata?.uid) return true;
      continue;
    }
    if (ref.controller === true) return true;
  }
  return false;
}

/** hasNonControllerOwner: the set or pod owns the claim without being its controller. */
export function hasNonControllerOwner(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  return ownerRefs(claim).some((ref) => (ref.uid === set.metadata?.uid || ref.uid === pod.metadata?.uid) && ref.controller !== true);
}

function hasOwnerRef(claim: PersistentVolumeClaim, ownerUid: string | undefined): boolean {
  return ownerRefs(claim).some((ref) => ref.uid === ownerUid);
}

/** hasStaleOwnerRef: a reference to an object of this name and kind, but another uid. */
export function hasStaleOwnerRef(claim: PersistentVolumeClaim, name: string | undefined, uid: string | undefined, type: ResourceType): boolean {
  const ref = ownerRefs(claim).find((r) => matchesRef(r, name, type));
  return ref !== undefined && ref.uid !== uid;
}

/**
 * isClaimOwnerUpToDate: whether the claim's owner references agree with the
 * retention policy (Retain/Retain: none; whenDeleted=Delete: the set; whenScaled=Delete:
 * the pod once scaled down). Claims in a state the controller does not manage count as up to date.
 */
export function isClaimOwnerUpToDate(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): boolean {
  if (hasStaleOwnerRef(claim, set.metadata?.name, set.metadata?.uid, Resources.statefulsets) || hasStaleOwnerRef(claim, pod.metadata?.name, pod.metadata?.uid, Resources.pods)) return true;
  const setRef = hasOwnerRef(claim, set.metadata?.uid);
  const podRef = hasOwnerRef(claim, pod.metadata?.uid);
  if (hasUnexpectedController(claim, set, pod)) return !(setRef || podRef);
  if (hasNonControllerOwner(claim, set, pod)) return false;
  const policy = retentionPolicy(set);
  const scaledDown = !podInOrdinalRange(pod, set);
  if (policy.whenScaled === 'Delete' && policy.whenDeleted === 'Delete') return scaledDown !== setRef && scaledDown === podRef;
  if (policy.whenScaled === 'Delete') return !setRef && scaledDown === podRef;
  if (policy.whenDeleted === 'Delete') return setRef && !podRef;
  return !setRef && !podRef;
}

function addControllerRef(refs: OwnerReference[], owner: KubeObject, type: ResourceType): OwnerReference[] {
  if (refs.some((ref) => ref.uid === owner.metadata?.uid)) return refs;
  return [...refs, newControllerRef(owner, type)];
}

/** updateClaimOwnerRefForSetAndPod: rewrites the claim's references to the set and pod for the policy. */
export function updateClaimOwnerRefs(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod): void {
  const unexpected = hasUnexpectedController(claim, set, pod);
  let refs = ownerRefs(claim).filter((ref) => !matchesRef(ref, set.metadata?.name, Resources.statefulsets) && !matchesRef(ref, pod.metadata?.name, Resources.pods));
  if (!unexpected) {
    const policy = retentionPolicy(set);
    const scaledDown = !podInOrdinalRange(pod, set);
    if (policy.whenScaled === 'Delete' && scaledDown) refs = addControllerRef(refs, typed(pod), Resources.pods);
    if (policy.whenDeleted === 'Delete' && !(policy.whenScaled === 'Delete' && scaledDown)) refs = addControllerRef(refs, typed(set), Resources.statefulsets);
  }
  claim.metadata = { ...claim.metadata, ownerReferences: refs };
}

/** getPersistentVolumeClaims: the pod's claims by template name, labelled with the set's matchLabels. */
export function persistentVolumeClaims(set: StatefulSet, pod: Pod): Map<string, Claim> {
  const ordinal = getOrdinal(pod);
  const claims = new Map<string, Claim>();
  for (const template of set.spec?.volumeClaimTemplates ?? []) {
    const claim = typed(structuredClone(template));
    claim.metadata = {
      ...claim.metadata,
      name: getPersistentVolumeClaimName(set, template, ordinal),
      namespace: set.metadata?.namespace,
      labels: { ...claim.metadata?.labels, ...set.spec?.selector?.matchLabels },
    };
    claims.set(template.metadata?.name ?? '', claim);
  }
  return claims;
}

/** updateStorage: mounts the pod's claims under the template names, replacing conflicting volumes. */
export function updateStorage(set: StatefulSet, pod: Pod): void {
  const claims = persistentVolumeClaims(set, pod);
  const volumes: Volume[] = [...claims].map(([name, claim]) => ({ name, persistentVolumeClaim: { claimName: claim.metadata?.name ?? '' } }));
  for (const volume of pod.spec?.volumes ?? []) if (!claims.has(volume.name)) volumes.push(volume);
  pod.spec = { ...pod.spec!, volumes };
}

/** updateIdentity: name, namespace, pod-name and pod-index labels from the ordinal. */
export function updateIdentity(set: StatefulSet, pod: Pod): void {
  const ordinal = getOrdinal(pod);
  const name = getPodName(set, ordinal);
  pod.metadata = {
    ...pod.metadata,
    name,
    namespace: set.metadata?.namespace,
    labels: { ...pod.metadata?.labels, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
  };
}

/** initIdentity: updateIdentity plus the immutable hostname and subdomain, set only at creation. */
export function initIdentity(set: StatefulSet, pod: Pod): void {
  updateIdentity(set, pod);
  pod.spec = { ...pod.spec!, hostname: pod.metadata?.name, subdomain: set.spec?.serviceName };
  if (!pod.spec.subdomain) delete pod.spec.subdomain;
}

export const isRunningAndReady = (pod: Pod): boolean => pod.status?.phase === 'Running' && isPodReady(pod);
export const isRunningAndAvailable = (pod: Pod, minReadySeconds: number, nowMs: number): boolean => isPodAvailable(pod, minReadySeconds, nowMs);
/** isCreated: the API server gave it a phase (a stub the controller means to create has none). */
export const isCreated = (pod: Pod): boolean => (pod.status?.phase ?? '') !== '';
export const isPending = (pod: Pod): boolean => pod.status?.phase === 'Pending';
export const isFailed = (pod: Pod): boolean => pod.status?.phase === 'Failed';
export const isSucceeded = (pod: Pod): boolean => pod.status?.phase === 'Succeeded';
export const isTerminating = (pod: Pod): boolean => pod.metadata?.deletionTimestamp !== undefined;
export const isHealthy = (pod: Pod): boolean => isRunningAndReady(pod) && !isTerminating(pod);
/** isUnavailable: not available for minReadySeconds, or terminating. */
export const isUnavailable = (pod: Pod, minReadySeconds: number, nowMs: number): boolean => !isPodAvailable(pod, minReadySeconds, nowMs) || isTerminating(pod);
/** allowsBurst: Parallel pod management. */
export const allowsBurst = (set: StatefulSet): boolean => set.spec?.podManagementPolicy === 'Parallel';

export function getPodRevision(pod: Pod): string {
  return pod.metadata?.labels?.[POD_REVISION_LABEL] ?? '';
}

function setPodRevision(pod: Pod, revision: string): void {
  pod.metadata = { ...pod.metadata, labels: { ...pod.metadata?.labels, [POD_REVISION_LABEL]: revision } };
}

/** newStatefulSetPod: the pod of ordinal, from the set's template, with identity and storage. */
export function newStatefulSetPod(set: TypedStatefulSet, ordinal: number): StatefulPod {
  const pod = typed(podFromTemplate(set.spec!.template, set, newControllerRef(set, Resources.statefulsets)));
  pod.metadata!.name = getPodName(set, ordinal);
  initIdentity(set, pod);
  updateStorage(set, pod);
  return pod;
}

/**
 * newVersionedStatefulSetPod: ordinals below the partition (or, without rollingUpdate,
 * below the current replicas) get the current revision, the others the update revision.
 * The operator precedence is upstream's.
 */
export function newVersionedStatefulSetPod(currentSet: TypedStatefulSet, updateSet: TypedStatefulSet, currentRevision: string, updateRevision: string, ordinal: number): StatefulPod {
  const strategy = currentSet.spec?.updateStrategy;
  const rollingUpdate = strategy?.rollingUpdate;
  const useCurrent =
    ((strategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && rollingUpdate === undefined && ordinal < getStartOrdinal(currentSet) + (currentSet.status?.currentReplicas ?? 0)) ||
    (rollingUpdate !== undefined && ordinal < getStartOrdinal(currentSet) + (rollingUpdate.partition ?? 0));
  const pod = newStatefulSetPod(useCurrent ? currentSet : updateSet, ordinal);
  setPodRevision(pod, useCurrent ? currentRevision : updateRevision);
  return pod;
}

/** getPatch: the strategic merge patch that restores the set's pod template. */
export function getPatch(set: StatefulSet): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...(structuredClone(set.spec?.template ?? {}) as Record<string, unknown>), $patch: 'replace' } } };
}

/** newRevision: a ControllerRevision of the set's template, carrying the set's annotations. */
export function newRevision(set: TypedStatefulSet, revision: number, collisionCount: number): Typed<ControllerRevision> {
  const cr = newControllerRevision(set, Resources.statefulsets, set.spec?.template?.metadata?.labels, getPatch(set), revision, collisionCount);
  cr.metadata!.annotations = { ...cr.metadata!.annotations, ...set.metadata?.annotations };
  return cr;
}

/** ApplyRevision: the set with its template restored from revision (the patch replaces spec.template). */
export function applyRevision(set: TypedStatefulSet, revision: ControllerRevision): TypedStatefulSet {
  const clone = structuredClone(set);
  const data = revision.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const template = data?.spec?.template;
  if (template) {
    const { $patch: _directive, ...restored } = structuredClone(template);
    clone.spec = { ...clone.spec!, template: restored as NonNullable<StatefulSet['spec']>['template'] };
  }
  return clone;
}

/** Whether set's stored status differs from status in anything the controller writes. */
export function inconsistentStatus(set: StatefulSet, status: StatefulSetStatus): boolean {
  const old = set.status ?? { replicas: 0 };
  return (
    (status.observedGeneration ?? 0) > (old.observedGeneration ?? 0) ||
    status.replicas !== old.replicas ||
    (status.currentReplicas ?? 0) !== (old.currentReplicas ?? 0) ||
    (status.readyReplicas ?? 0) !== (old.readyReplicas ?? 0) ||
    (status.updatedReplicas ?? 0) !== (old.updatedReplicas ?? 0) ||
    (status.currentRevision ?? '') !== (old.currentRevision ?? '') ||
    (status.availableReplicas ?? 0) !== (old.availableReplicas ?? 0) ||
    (status.updateRevision ?? '') !== (old.updateRevision ?? '')
  );
}

/** completeRollingUpdate: once every replica is updated and ready, the update revision becomes current. */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): void {
  const replicas = replicasOf(set);
  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && status.updatedReplicas === replicas && status.readyReplicas === replicas && status.replicas === replicas) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
}

/** getStatefulSetMaxUnavailable: maxUnavailable (default 1) scaled down from a percentage, at least 1. */
export function maxUnavailableOf(set: StatefulSet, replicaCount: number): number | Error {
  const value = scaledValue(set.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, replicaCount, false);
  if (value instanceof Error) return value;
  return Math.max(value, 1);
}

/** Two patches (revision data) are equal when their JSON is. */
export function samePatch(a: unknown, b: unknown): boolean {
  return goJson(a) === goJson(b);
}
