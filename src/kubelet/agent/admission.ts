// Node-level admission of a pod (lifecycle/predicate.go): does it fit in what is
// left of the node's allocatable cpu, memory and pod count? Rejections carry
// upstream's reason (OutOfcpu, OutOfmemory, OutOfpods) and message. Pure.

import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { quantity } from '../../machinery/index.js';

export interface Rejection {
  readonly reason: string;
  readonly message: string;
}

function amount(value: string | undefined, milli: boolean): number {
  if (value === undefined) return 0;
  const parsed = quantity.parseQuantity(value);
  if (!(parsed instanceof quantity.Quantity)) return 0;
  return milli ? parsed.milliValueNumber() : parsed.valueNumber();
}

function containerRequest(c: Container, resource: 'cpu' | 'memory'): number {
  // Requests default to limits when only limits are set.
  const value = c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
  return amount(value, resource === 'cpu');
}

/** The pod's effective request: max(sum of containers (+ sidecars), any init container) plus overhead. */
export function podRequest(pod: Pod, resource: 'cpu' | 'memory'): number {
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  const sum = [...(pod.spec?.containers ?? []), ...sidecars].reduce((total, c) => total + containerRequest(c, resource), 0);
  let initMax = 0;
  let sidecarsSoFar = 0;
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy === 'Always') sidecarsSoFar += containerRequest(c, resource);
    else initMax = Math.max(initMax, sidecarsSoFar + containerRequest(c, resource));
  }
  const overhead = amount(pod.spec?.overhead?.[resource], resource === 'cpu');
  return Math.max(sum, initMax) + overhead;
}

export function admitPod(pod: Pod, activePods: readonly Pod[], allocatable: Readonly<Record<string, string>>): Rejection | undefined {
  const maxPods = Number(allocatable.pods ?? '110');
  if (activePods.length + 1 > maxPods) {
    return { reason: 'OutOfpods', message: `Node didn't have enough resource: pods, requested: 1, used: ${activePods.length}, capacity: ${maxPods}` };
  }
  for (const resource of ['cpu', 'memory'] as const) {
    const requested = podRequest(pod, resource);
    if (requested === 0) continue;
    const capacity = amount(allocatable[resource], resource === 'cpu');
    const used = activePods.reduce((total, p) => total + podRequest(p, resource), 0);
    if (used + requested > capacity) {
      return { reason: `OutOf${resource}`, message: `Node didn't have enough resource: ${resource}, requested: ${requested}, used: ${used}, capacity: ${capacity}` };
    }
  }
  return undefined;
}

/** cgroup settings from a container's resources, as kuberuntime computes them (shares min 2, quota min 1000 µs). */
export function containerResources(c: Container): { cpuShares?: number; cpuQuota?: number; cpuPeriod?: number; memoryLimitBytes?: number } {
  const cpuRequest = c.resources?.requests?.cpu ?? c.resources?.limits?.cpu;
  const milliRequest = amount(cpuRequest, true);
  const out: { cpuShares?: number; cpuQuota?: number; cpuPeriod?: number; memoryLimitBytes?: number } = { cpuShares: Math.max(2, Math.floor((milliRequest * 1024) / 1000)) };
  const milliLimit = amount(c.resources?.limits?.cpu, true);
  if (milliLimit > 0) {
    out.cpuPeriod = 100_000;
    out.cpuQuota = Math.max(1000, Math.floor((milliLimit * 100_000) / 1000));
  }
  const memory = amount(c.resources?.limits?.memory, false);
  if (memory > 0) out.memoryLimitBytes = memory;
  return out;
}
