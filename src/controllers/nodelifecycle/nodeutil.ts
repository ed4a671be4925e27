// Node and pod helpers the node lifecycle, taint eviction and pod GC controllers share
// (upstream's pkg/controller/util/node, pkg/util/taints and pkg/api/v1/pod): well-known
// taints, condition lookups and updates, and the read-modify-write of a node's taints.

import type { Node, NodeCondition, Pod, PodCondition, PodStatus, Taint } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { isConflict, isNotFound, Resources, type ApiClient } from '../../client/index.js';

/** Typed objects usable where the client takes a KubeObject. */
export type NodeObject = Node & KubeObject;
export type PodObject = Pod & KubeObject;

/** kubernetes-types marks status read-only; a controller's own copy may be written. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A deep copy of a shared (read-only) object, to change and write back. */
export function cloneForUpdate<T>(obj: T): Mutable<T> {
  return structuredClone(obj) as Mutable<T>;
}

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

export const UNREACHABLE_TAINT: Readonly<Taint> = Object.freeze({ key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' });
export const NOT_READY_TAINT: Readonly<Taint> = Object.freeze({ key: TAINT_NODE_NOT_READY, effect: 'NoExecute' });

/** metav1.Time as JSON: RFC 3339 in whole seconds. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.Time parsed to ms, undefined when absent or malformed. */
export function parseTime(time: string | undefined): number | undefined {
  if (!time) return undefined;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : ms;
}

export function getNodeCondition(node: Node | undefined, type: string): NodeCondition | undefined {
  return node?.status?.conditions?.find((c) => c.type === type);
}

export function getPodCondition(pod: Pod | undefined, type: string): PodCondition | undefined {
  return pod?.status?.conditions?.find((c) => c.type === type);
}

/** nodeutil.IsNodeReady: the Ready condition is True. */
export function isNodeReady(node: Node): boolean {
  return getNodeCondition(node, 'Ready')?.status === 'True';
}

/** Taint.MatchTaint: same key and effect (value and timeAdded do not matter). */
export function taintMatches(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

export function taintExists(taints: readonly Taint[] | undefined, taint: Taint): boolean {
  return (taints ?? []).some((t) => taintMatches(t, taint));
}

/**
 * apipod.UpdatePodCondition: sets a condition in a (cloned) status, keeping its
 * lastTransitionTime when the status did not change; reports whether anything changed.
 */
export function updatePodCondition(status: PodStatus, condition: PodCondition, now: string): boolean {
  const conditions = (status.conditions ??= []);
  const index = conditions.findIndex((c) => c.type === condition.type);
  const next: PodCondition = { ...condition, lastTransitionTime: now };
  if (index < 0) {
    conditions.push(next);
    return true;
  }
  const old = conditions[index]!;
  if (next.status === old.status) {
    if (old.lastTransitionTime === undefined) delete next.lastTransitionTime;
    else next.lastTransitionTime = old.lastTransitionTime;
  }
  const equal =
    next.status === old.status &&
    (next.reason ?? '') === (old.reason ?? '') &&
    (next.message ?? '') === (old.message ?? '') &&
    next.lastProbeTime === old.lastProbeTime &&
    next.lastTransitionTime === old.lastTransitionTime;
  conditions[index] = next;
  return !equal;
}

const SWAP_ATTEMPTS = 5;

/**
 * SwapNodeControllerTaint: adds taints (stamped with timeAdded) a node lacks and
 * removes the given ones, as one read-modify-write of the node retried on conflict.
 * Starts from the caller's (cached) copy; a conflict re-reads the node. Returns
 * whether the node was written; a node that is gone is not an error.
 */
export async function swapNodeTaints(client: ApiClient, node: Node, add: readonly Taint[], remove: readonly Taint[], now: number): Promise<boolean> {
  let current: Node = node;
  for (let attempt = 1; ; attempt++) {
    const taints = current.spec?.taints ?? [];
    let next = taints.filter((t) => !remove.some((r) => taintMatches(t, r)));
    const missing = add.filter((a) => !next.some((t) => taintMatches(t, a)));
    next = [...next, ...missing.map((t) => ({ ...t, timeAdded: rfc3339(now) }))];
    if (next.length === taints.length && missing.length === 0) return false;
    const updated = structuredClone(current) as NodeObject;
    updated.spec = { ...updated.spec, taints: next };
    if (next.length === 0) delete updated.spec.taints;
    try {
      await client.update(Resources.nodes, '', updated);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      if (!isConflict(err) || attempt >= SWAP_ATTEMPTS) throw err;
    }
    try {
      current = await client.get<NodeObject>(Resources.nodes, '', node.metadata?.name ?? '');
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}

/** The node's zone key as upstream's nodetopology.GetZoneKey builds it ("" when unlabelled). */
export function zoneKey(node: Node): string {
  const labels = node.metadata?.labels ?? {};
  const region = labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? '';
  if (region === '' && zone === '') return '';
  return `${region}:\u0000:${zone}`;
}

/** A stand-in object naming a node for events (upstream's ObjectReference). */
export function nodeRef(node: Node): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: node.metadata?.name ?? '', uid: node.metadata?.uid ?? '' } };
}

/** Runs fn over items with at most `limit` in flight (workqueue.ParallelizeUntil). */
export async function parallelize<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Runs an async pass at most once at a time; a trigger during a pass runs one more after it. */
export class SerialPass {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  trigger(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.pass();
        } catch (err) {
          this.onError(err);
        }
      } while (this.again);
    })().finally(() => (this.running = undefined));
  }

  /** Resolves when no pass is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
