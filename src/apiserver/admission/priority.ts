// The Priority admission plugin (upstream plugin/pkg/admission/priority): on pod
// create it resolves spec.priority (and spec.preemptionPolicy) from
// spec.priorityClassName, or from the globalDefault PriorityClass when the pod names
// none; on update it keeps what create set. PriorityClass create/update may not add
// a second globalDefault. Subresources are not admitted. Pure: the caller passes the
// PriorityClasses it has.

import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { newForbidden, type StatusError } from '../status.js';
import { withOverrides } from '../../machinery/index.js';

/** scheduling.DefaultPriorityWhenNoDefaultClassExists */
export const DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS = 0;
/** scheduling.HighestUserDefinablePriority */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
export const SYSTEM_CLUSTER_CRITICAL = 'system-cluster-critical';
export const SYSTEM_NODE_CRITICAL = 'system-node-critical';

/** The PriorityClasses the API server creates at startup (scheduling's SystemPriorityClasses). */
export const SYSTEM_PRIORITY_CLASSES: readonly PriorityClass[] = Object.freeze([
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: SYSTEM_NODE_CRITICAL },
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    description: 'Used for system critical pods that must not be moved from their current node.',
    preemptionPolicy: 'PreemptLowerPriority',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: SYSTEM_CLUSTER_CRITICAL },
    value: SYSTEM_CRITICAL_PRIORITY,
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
    preemptionPolicy: 'PreemptLowerPriority',
  },
]);

const PODS = { group: '', resource: 'pods' };
const PRIORITY_CLASSES = { group: 'scheduling.k8s.io', resource: 'priorityclasses' };

/** extractResourceName: the object's name, else its generateName, else "Unknown". */
function nameForError(obj: { metadata?: { name?: string; generateName?: string } }): string {
  return obj.metadata?.name || obj.metadata?.generateName || 'Unknown';
}

/** getDefaultPriorityClass: of several globalDefault classes (a race), the lowest value wins. */
export function defaultPriorityClass(classes: readonly PriorityClass[]): PriorityClass | undefined {
  let found: PriorityClass | undefined;
  for (const pc of classes) if (pc.globalDefault && (!found || found.value > pc.value)) found = pc;
  return found;
}

function findClass(name: string, classes: readonly PriorityClass[]): PriorityClass | undefined {
  return classes.find((pc) => pc.metadata?.name === name) ?? SYSTEM_PRIORITY_CLASSES.find((pc) => pc.metadata?.name === name);
}

export interface PodAdmissionRequest {
  readonly operation: 'CREATE' | 'UPDATE';
  /** Set for pods/status, pods/binding, ...: those are not admitted. */
  readonly subresource?: string;
  readonly pod: Pod;
  /** The stored pod, for UPDATE. */
  readonly oldPod?: Pod;
}

/**
 * admitPod: the pod with spec.priority, spec.priorityClassName (from the default
 * class) and spec.preemptionPolicy resolved, or a 403 Forbidden StatusError. Never
 * changes its argument.
 */
export function admitPodPriority(request: PodAdmissionRequest, classes: readonly PriorityClass[]): Pod | StatusError {
  const { pod } = request;
  if (request.subresource) return pod;
  const spec = pod.spec ?? { containers: [] };

  if (request.operation === 'UPDATE') {
    // Create set these; an update that leaves them out keeps them (validation forbids changing them).
    const old = request.oldPod?.spec;
    const keepPriority = spec.priority === undefined && old?.priority !== undefined;
    const keepPolicy = spec.preemptionPolicy === undefined && old?.preemptionPolicy !== undefined;
    if (!keepPriority && !keepPolicy) return pod;
    return {
      ...pod,
      spec: { ...spec, ...(keepPriority ? { priority: old!.priority } : {}), ...(keepPolicy ? { preemptionPolicy: old!.preemptionPolicy } : {}) },
    };
  }

  let className = spec.priorityClassName ?? '';
  let priority: number;
  let policy: string | undefined;
  if (!className) {
    const dpc = defaultPriorityClass(classes);
    if (dpc) {
      className = dpc.metadata?.name ?? '';
      priority = dpc.value;
      policy = dpc.preemptionPolicy ?? 'PreemptLowerPriority';
    } else {
      priority = DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS;
      policy = 'PreemptLowerPriority';
    }
  } else {
    const pc = findClass(className, classes);
    if (!pc) return newForbidden(PODS, nameForError(pod), `no PriorityClass with name ${className} was found`);
    priority = pc.value;
    // PriorityClass defaulting gives every class a policy.
    policy = pc.preemptionPolicy ?? 'PreemptLowerPriority';
  }

  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
    return newForbidden(
      PODS,
      nameForError(pod),
      `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
    );
  }
  if (policy !== undefined && spec.preemptionPolicy && spec.preemptionPolicy !== policy) {
    return newForbidden(
      PODS,
      nameForError(pod),
      `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
    );
  }
  const resolved: Record<string, unknown> = {};
  if (className) resolved.priorityClassName = className;
  resolved.priority = priority;
  if (policy !== undefined) resolved.preemptionPolicy = policy;
  // Member by member, not spread and extended: the spec goes on through admission and the registry.
  return { ...pod, spec: withOverrides(spec, resolved) };
}

/**
 * validatePriorityClass: only one PriorityClass may be globalDefault. Returns the
 * 403 Forbidden StatusError, or undefined when the class may be written.
 */
export function validatePriorityClass(operation: 'CREATE' | 'UPDATE', pc: PriorityClass, classes: readonly PriorityClass[]): StatusError | undefined {
  if (!pc.globalDefault) return undefined;
  const dpc = defaultPriorityClass(classes);
  if (!dpc) return undefined;
  if (operation === 'CREATE' || dpc.metadata?.name !== pc.metadata?.name) {
    return newForbidden(PRIORITY_CLASSES, nameForError(pc), `PriorityClass ${dpc.metadata?.name ?? ''} is already marked as default. Only one default can exist`);
  }
  return undefined;
}
