// VolumeBinding (kube-scheduler's plugins/volumebinding, in spirit): a pod's
// PersistentVolumeClaims decide where it may run. Bound claims pin it to nodes their
// PersistentVolume's nodeAffinity selects; unbound WaitForFirstConsumer claims fit any
// node, and PreBind hands the chosen node to the provisioner (the selected-node
// annotation) and waits until the claims are Bound. Pure: listers and the two I/O
// steps come in through the args (see scheduler's volumeBindingArgs).

import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import {
  Code,
  SKIP,
  SUCCESS,
  StateSlot,
  status,
  type ClusterEventWithHint,
  type CycleState,
  type EnqueueExtensions,
  type FilterPlugin,
  type NodeInfo,
  type PluginFactory,
  type PreBindPlugin,
  type PreFilterPlugin,
  type ReservePlugin,
  type Status,
} from '../../framework/types.js';
import { NodeSelectorMatcher } from '../helper/index.js';

export const NAME = 'VolumeBinding';
export const ANNOTATION_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANNOTATION_DEFAULT_STORAGE_CLASS = 'storageclass.kubernetes.io/is-default-class';

export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ERR_REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';

export interface ClaimKey {
  readonly namespace: string;
  readonly name: string;
}

export interface VolumeBindingArgs {
  readonly claim?: (namespace: string, name: string) => PersistentVolumeClaim | undefined;
  readonly volume?: (name: string) => PersistentVolume | undefined;
  readonly storageClasses?: () => readonly StorageClass[];
  /** Sets the selected-node annotation on an unbound claim (PreBind). */
  readonly selectNode?: (claim: PersistentVolumeClaim, nodeName: string) => Promise<void>;
  /** Settles with undefined once every claim is Bound, or with why it gave up. */
  readonly waitForBound?: (claims: readonly ClaimKey[], timeoutMs: number) => Promise<string | undefined>;
  /** Upstream's bindTimeoutSeconds (600). */
  readonly bindTimeoutSeconds?: number;
}

/** The StorageClass a claim asks for: its storageClassName, or the default class when unset. */
export function claimClassName(claim: PersistentVolumeClaim, classes: readonly StorageClass[]): string {
  const named = claim.spec?.storageClassName;
  if (named !== undefined && named !== null) return named;
  // Upstream's DefaultStorageClass admission fills this in on create.
  const defaults = classes.filter((c) => c.metadata?.annotations?.[ANNOTATION_DEFAULT_STORAGE_CLASS] === 'true');
  defaults.sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''));
  return defaults[0]?.metadata?.name ?? '';
}

/** What PreFilter learned about the pod's claims. */
interface PodVolumeClaims {
  /** Bound claims' volumes whose nodeAffinity limits nodes. */
  readonly boundAffinities: readonly NodeSelectorMatcher[];
  readonly boundMissingVolume: boolean;
  /** Unbound WaitForFirstConsumer claims, to provision on the chosen node. */
  readonly delayed: readonly PersistentVolumeClaim[];
}

const stateSlot = new StateSlot<PodVolumeClaims>(`PreFilter${NAME}`);

function podClaimNames(pod: Pod): string[] {
  return (pod.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : []));
}

export class VolumeBinding implements PreFilterPlugin, FilterPlugin, ReservePlugin, PreBindPlugin, EnqueueExtensions {
  readonly name = NAME;

  constructor(private readonly args: VolumeBindingArgs = {}) {}

  preFilter(state: CycleState, pod: Pod): { status: Status } {
    const names = podClaimNames(pod);
    if (names.length === 0) return { status: SKIP };
    const namespace = pod.metadata?.namespace ?? '';
    const classes = this.args.storageClasses?.() ?? [];
    const boundAffinities: NodeSelectorMatcher[] = [];
    const delayed: PersistentVolumeClaim[] = [];
    let boundMissingVolume = false;
    let unboundImmediate = false;
    for (const name of names) {
      const claim = this.args.claim?.(namespace, name);
      if (!claim) return { status: status(Code.UnschedulableAndUnresolvable, `persistentvolumeclaim "${name}" not found`) };
      if (claim.metadata?.deletionTimestamp) return { status: status(Code.UnschedulableAndUnresolvable, `persistentvolumeclaim "${name}" is being deleted`) };
      const volumeName = claim.spec?.volumeName;
      if (volumeName) {
        const volume = this.args.volume?.(volumeName);
        if (!volume) boundMissingVolume = true;
        const required = volume?.spec?.nodeAffinity?.required;
        if (required) boundAffinities.push(new NodeSelectorMatcher(required));
        continue;
      }
      const className = claimClassName(claim, classes);
      const storageClass = classes.find((c) => c.metadata?.name === className);
      if (className !== '' && !storageClass) return { status: status(Code.UnschedulableAndUnresolvable, `storageclass.storage.k8s.io "${className}" not found`) };
      if (storageClass?.volumeBindingMode === 'WaitForFirstConsumer') delayed.push(claim);
      else unboundImmediate = true;
    }
    if (unboundImmediate) return { status: status(Code.UnschedulableAndUnresolvable, ERR_REASON_UNBOUND_IMMEDIATE) };
    stateSlot.write(state, { boundAffinities, boundMissingVolume, delayed });
    return { status: SUCCESS };
  }

  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    const claims = stateSlot.read(state);
    if (!claims) return status(Code.Error, `error reading "${stateSlot.key}" from cycleState: not found`);
    if (claims.boundMissingVolume) return status(Code.UnschedulableAndUnresolvable, ERR_REASON_PV_NOT_EXIST);
    for (const affinity of claims.boundAffinities) {
      if (!affinity.matches(nodeInfo.node)) return status(Code.UnschedulableAndUnresolvable, ERR_REASON_NODE_CONFLICT);
    }
    // Delayed claims are provisioned wherever the pod goes (local-path serves every node).
    return SUCCESS;
  }

  reserve(): Status {
    return SUCCESS;
  }

  unreserve(): void {}

  async preBind(state: CycleState, _pod: Pod, nodeName: string): Promise<Status> {
    const claims = stateSlot.read(state);
    if (!claims || claims.delayed.length === 0) return SUCCESS;
    const { selectNode, waitForBound } = this.args;
    if (!selectNode || !waitForBound) return status(Code.Error, 'binding volumes: no volume binder configured');
    try {
      for (const claim of claims.delayed) {
        if (claim.metadata?.annotations?.[ANNOTATION_SELECTED_NODE] !== nodeName) await selectNode(claim, nodeName);
      }
      const keys = claims.delayed.map((c) => ({ namespace: c.metadata?.namespace ?? '', name: c.metadata?.name ?? '' }));
      const failure = await waitForBound(keys, (this.args.bindTimeoutSeconds ?? 600) * 1000);
      return failure === undefined ? SUCCESS : status(Code.Error, `binding volumes: ${failure}`);
    } catch (err) {
      return status(Code.Error, `binding volumes: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  eventsToRegister(): readonly ClusterEventWithHint[] {
    return [
      { event: { resource: 'PersistentVolumeClaim', action: 'Add' } },
      { event: { resource: 'PersistentVolumeClaim', action: 'Update' } },
      { event: { resource: 'PersistentVolume', action: 'Add' } },
      { event: { resource: 'PersistentVolume', action: 'Update' } },
      { event: { resource: 'StorageClass', action: 'Add' } },
      { event: { resource: 'StorageClass', action: 'Update' } },
      { event: { resource: 'Node', action: 'Add' } },
      { event: { resource: 'Node', action: 'UpdateNodeLabel' } },
    ];
  }
}

export const newVolumeBinding: PluginFactory = (args) => new VolumeBinding((args ?? {}) as VolumeBindingArgs);
