// The scheduling queue (kube-scheduler's internal/queue PriorityQueue): activeQ (a
// heap in queue-sort order), backoffQ (by backoff expiry: 1 s doubling per attempt up
// to 10 s), unschedulable pods (moved back by the cluster events their rejecting
// plugins registered, filtered by queueing hints, or after 5 minutes), pods held by
// scheduling gates, and the nominator of pods preemption made room for.

import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Clock, TimerHandle } from '../client/index.js';
import { newPodInfo, podKey } from './framework/nodeinfo.js';
import type { PodNominator } from './framework/runtime.js';
import { QueueingHint, type ActionType, type ClusterEvent, type ClusterEventWithHint, type PodInfo } from './framework/types.js';
import { KeyedHeap } from './heap.js';

/** A pod in the queue with its scheduling history (framework.QueuedPodInfo). */
export interface QueuedPodInfo {
  /** The pod as last seen (same as podInfo.pod; QueueSort plugins read it). */
  pod: Pod;
  podInfo: PodInfo;
  /** When the pod was last added to a queue (PrioritySort's tie breaker, backoff's start). */
  timestamp: number;
  /** spec.priority, read once: it is immutable, and QueueSort compares it constantly. */
  readonly priority: number;
  /** Scheduling attempts so far. */
  attempts: number;
  initialAttemptTimestamp: number | undefined;
  /** Plugins that rejected the pod in its last attempt: only their events move it. */
  unschedulablePlugins: Set<string>;
  /** Plugins that said Pending: their events move it straight to activeQ. */
  pendingPlugins: Set<string>;
  /** Held by spec.schedulingGates. */
  gated: boolean;
}

/** QueueSort: true when a should be scheduled before b. */
export type QueueSortLess = (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;

/** PrioritySort: higher spec.priority first, then the earlier enqueue time. */
export const prioritySortLess: QueueSortLess = (a, b) => {
  const pa = a.priority;
  const pb = b.priority;
  return pa > pb || (pa === pb && a.timestamp < b.timestamp);
};

/** Events the queue moves pods on (framework's well-known events). */
export const Events = {
  NodeAdd: { resource: 'Node', action: 'Add' },
  AssignedPodAdd: { resource: 'AssignedPod', action: 'Add' },
  AssignedPodUpdate: { resource: 'AssignedPod', action: 'Update' },
  AssignedPodDelete: { resource: 'AssignedPod', action: 'Delete' },
  UnscheduledPodDelete: { resource: 'UnscheduledPod', action: 'Delete' },
  /** Matches every pod whatever rejected it (UnschedulableTimeout, ForceActivate). */
  Wildcard: { resource: '*', action: 'All' },
} as const satisfies Record<string, ClusterEvent>;

function actionMatches(registered: ActionType, incoming: ActionType): boolean {
  if (registered === 'All' || incoming === 'All' || registered === incoming) return true;
  // "Update" is every Update* bit: it matches any update in either direction.
  if (registered === 'Update') return incoming.startsWith('Update');
  if (incoming === 'Update') return registered.startsWith('Update');
  return false;
}

/** ClusterEvent.Match: does a registered event cover an incoming one? */
export function eventMatches(registered: ClusterEvent, incoming: ClusterEvent): boolean {
  if (registered.resource === '*' && registered.action === 'All') return true;
  const resourceMatches =
    registered.resource === '*' ||
    registered.resource === incoming.resource ||
    (registered.resource === 'Pod' && (incoming.resource === 'AssignedPod' || incoming.resource === 'UnscheduledPod'));
  return resourceMatches && actionMatches(registered.action, incoming.action);
}

export interface SchedulingQueueOptions {
  readonly clock: Clock;
  readonly less?: QueueSortLess;
  /** Events each plugin registered (Framework.eventsToRegister). */
  readonly eventsToRegister?: ReadonlyMap<string, readonly ClusterEventWithHint[]>;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** podMaxInUnschedulablePodsDuration (5 minutes). */
  readonly maxInUnschedulableMs?: number;
  /** Looks a pod up in the informer (the nominator ignores pods gone or bound meanwhile). */
  readonly getPod?: (namespace: string, name: string) => Pod | undefined;
}

const UNSCHEDULABLE_FLUSH_INTERVAL_MS = 30_000;

/** How a scheduling attempt set (or cleared) a pod's nomination (framework.NominatingInfo). */
export type NominatingInfo = { readonly mode: 'override'; readonly nodeName: string } | { readonly mode: 'noop' };

/** Pods preemption made room for, by node (the queue's nominator). */
export class Nominator implements PodNominator {
  private readonly byNode = new Map<string, PodInfo[]>();
  private readonly nodeOfPod = new Map<string, string>();

  constructor(private readonly getPod?: (namespace: string, name: string) => Pod | undefined) {}

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    return this.byNode.get(nodeName) ?? EMPTY;
  }

  nominatedNodeOf(pod: Pod): string | undefined {
    return this.nodeOfPod.get(podKey(pod));
  }

  get size(): number {
    return this.nodeOfPod.size;
  }

  add(podInfo: PodInfo, info: NominatingInfo = { mode: 'noop' }): void {
    this.delete(podInfo.pod);
    const nodeName = info.mode === 'override' ? info.nodeName : (podInfo.pod.status?.nominatedNodeName ?? '');
    if (!nodeName) return;
    if (this.getPod) {
      // A pod deleted or bound meanwhile holds no place any more.
      const live = this.getPod(podInfo.pod.metadata?.namespace ?? '', podInfo.pod.metadata?.name ?? '');
      if (!live || live.spec?.nodeName) return;
    }
    const key = podKey(podInfo.pod);
    this.nodeOfPod.set(key, nodeName);
    let list = this.byNode.get(nodeName);
    if (!list) this.byNode.set(nodeName, (list = []));
    list.push(podInfo);
  }

  delete(pod: Pod): void {
    const key = podKey(pod);
    const nodeName = this.nodeOfPod.get(key);
    if (nodeName === undefined) return;
    this.nodeOfPod.delete(key);
    const list = this.byNode.get(nodeName);
    if (!list) return;
    const i = list.findIndex((pi) => podKey(pi.pod) === key);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byNode.delete(nodeName);
  }

  /** UpdateNominatedPod: keeps a nomination the update itself does not mention. */
  update(oldPod: Pod, newInfo: PodInfo): void {
    let info: NominatingInfo = { mode: 'noop' };
    if (!oldPod.status?.nominatedNodeName && !newInfo.pod.status?.nominatedNodeName) {
      const kept = this.nodeOfPod.get(podKey(oldPod));
      if (kept) info = { mode: 'override', nodeName: kept };
    }
    this.delete(oldPod);
    this.add(newInfo, info);
  }
}

const EMPTY: readonly PodInfo[] = Object.freeze([]);

function hasSchedulingGates(pod: Pod): boolean {
  return (pod.spec?.schedulingGates?.length ?? 0) > 0;
}

/** isPodUpdated: anything but status, resourceVersion, generation, managedFields and finalizers changed. */
export function isPodUpdated(oldPod: Pod, newPod: Pod): boolean {
  const strip = (pod: Pod) => {
    const { resourceVersion: _rv, generation: _g, managedFields: _mf, finalizers: _f, ...meta } = pod.metadata ?? {};
    return JSON.stringify([meta, pod.spec]);
  };
  return strip(oldPod) !== strip(newPod);
}

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly activeQ: KeyedHeap<QueuedPodInfo>;
  private readonly backoffQ: KeyedHeap<QueuedPodInfo>;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Set<string>();
  readonly nominator: Nominator;
  private readonly events: ReadonlyArray<{ readonly plugin: string; readonly event: ClusterEventWithHint }>;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  /** Bumped per pop; a pod popped at or before the last move request retries soon. */
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private waiters: Array<(qpi: QueuedPodInfo | undefined) => void> = [];
  private backoffTimer: { handle: TimerHandle; at: number } | undefined;
  private unschedulableTimer: TimerHandle | undefined;
  private closed = false;

  constructor(options: SchedulingQueueOptions) {
    this.clock = options.clock;
    const keyOf = (qpi: QueuedPodInfo) => podKey(qpi.podInfo.pod);
    this.activeQ = new KeyedHeap(keyOf, options.less ?? prioritySortLess);
    this.backoffQ = new KeyedHeap(keyOf, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
    this.nominator = new Nominator(options.getPod);
    const events: Array<{ plugin: string; event: ClusterEventWithHint }> = [];
    for (const [plugin, list] of options.eventsToRegister ?? new Map()) for (const event of list) events.push({ plugin, event });
    this.events = events;
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.maxInUnschedulableMs = options.maxInUnschedulableMs ?? 5 * 60_000;
    this.scheduleUnschedulableFlush();
  }

  // ---- adding and taking ----------------------------------------------------------

  /** A new pending pod (informer add). */
  add(pod: Pod): void {
    if (this.closed) return;
    const qpi = this.newQueuedPodInfo(pod);
    const key = podKey(pod);
    this.unschedulable.delete(key);
    this.backoffQ.delete(key);
    this.nominator.add(qpi.podInfo);
    this.moveToActive(qpi);
  }

  /** Takes the next pod to schedule; resolves undefined once the queue is closed. */
  pop(): Promise<QueuedPodInfo | undefined> {
    const qpi = this.activeQ.pop();
    if (qpi) return Promise.resolve(this.startAttempt(qpi));
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Synchronous pop for loops that drain what is there. */
  tryPop(): QueuedPodInfo | undefined {
    const qpi = this.activeQ.pop();
    return qpi ? this.startAttempt(qpi) : undefined;
  }

  /** The scheduling cycle number of the pod popped last. */
  get cycle(): number {
    return this.schedulingCycle;
  }

  private startAttempt(qpi: QueuedPodInfo): QueuedPodInfo {
    this.schedulingCycle++;
    qpi.attempts++;
    qpi.initialAttemptTimestamp ??= this.clock.now();
    this.inFlight.add(podKey(qpi.podInfo.pod));
    return qpi;
  }

  /** The attempt ended (scheduled, bound or handed back): the pod is no longer in flight. */
  done(pod: Pod): void {
    this.inFlight.delete(podKey(pod));
  }

  /**
   * AddUnschedulableIfNotPresent: a pod whose attempt failed. Errors (no rejecting
   * plugin) and pods that saw a move request during their attempt go to backoff; the
   * rest wait in unschedulable for an event their rejecting plugins care about.
   */
  addUnschedulableIfNotPresent(qpi: QueuedPodInfo, podSchedulingCycle: number): void {
    if (this.closed) return;
    const key = podKey(qpi.podInfo.pod);
    this.inFlight.delete(key);
    if (this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulable.has(key)) return;
    qpi.timestamp = this.clock.now();
    this.nominator.add(qpi.podInfo);
    const rejected = qpi.unschedulablePlugins.size + qpi.pendingPlugins.size > 0;
    if (!rejected || this.moveRequestCycle >= podSchedulingCycle) {
      this.moveToBackoffOrActive(qpi);
      return;
    }
    this.unschedulable.set(key, qpi);
  }

  /** A pending pod changed (informer update). */
  update(oldPod: Pod, newPod: Pod): void {
    if (this.closed) return;
    const key = podKey(newPod);
    const active = this.activeQ.get(key);
    if (active) {
      this.refresh(active, oldPod, newPod);
      this.activeQ.addOrUpdate(active);
      return;
    }
    const backingOff = this.backoffQ.get(key);
    if (backingOff) {
      this.refresh(backingOff, oldPod, newPod);
      this.backoffQ.addOrUpdate(backingOff);
      return;
    }
    const waiting = this.unschedulable.get(key);
    if (waiting) {
      this.refresh(waiting, oldPod, newPod);
      if (waiting.gated) {
        if (!hasSchedulingGates(newPod)) {
          // UpdatePodSchedulingGatesEliminated: the pod may try now.
          this.unschedulable.delete(key);
          waiting.gated = false;
          this.moveToActive(waiting);
        }
        return;
      }
      if (isPodUpdated(oldPod, newPod)) {
        this.unschedulable.delete(key);
        this.moveToBackoffOrActive(waiting);
      }
      return;
    }
    // Being scheduled right now: the failure handling reads the latest pod itself.
    if (this.inFlight.has(key)) return;
    this.add(newPod);
  }

  private refresh(qpi: QueuedPodInfo, oldPod: Pod, newPod: Pod): void {
    qpi.podInfo = newPodInfo(newPod);
    qpi.pod = newPod;
    this.nominator.update(oldPod, qpi.podInfo);
  }

  /** A pending pod was deleted (or bound by someone else). */
  delete(pod: Pod): void {
    const key = podKey(pod);
    this.nominator.delete(pod);
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
  }

  // ---- cluster events -------------------------------------------------------------

  /**
   * MoveAllToActiveOrBackoffQueue: unschedulable pods that a plugin which rejected
   * them says this event may help go to activeQ (or backoffQ while backing off).
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, oldObj?: unknown, newObj?: unknown): void {
    if (this.closed) return;
    this.moveRequestCycle = this.schedulingCycle;
    if (this.unschedulable.size === 0) return;
    for (const [key, qpi] of [...this.unschedulable]) {
      if (qpi.gated) continue;
      const verdict = this.requeueVerdict(qpi, event, oldObj, newObj);
      if (verdict === 'skip') continue;
      this.unschedulable.delete(key);
      if (verdict === 'active') this.moveToActive(qpi);
      else this.moveToBackoffOrActive(qpi);
    }
  }

  /** Whether any cluster event of this kind interests some plugin (cheap pre-check for handlers). */
  interestedIn(event: ClusterEvent): boolean {
    return this.events.some((e) => eventMatches(e.event.event, event));
  }

  /** isPodWorthRequeuing with queueing hints. */
  private requeueVerdict(qpi: QueuedPodInfo, event: ClusterEvent, oldObj: unknown, newObj: unknown): 'skip' | 'backoff' | 'active' {
    if (qpi.unschedulablePlugins.size + qpi.pendingPlugins.size === 0) return 'backoff';
    if (event.resource === '*' && event.action === 'All') return 'backoff';
    let verdict: 'skip' | 'backoff' | 'active' = 'skip';
    for (const { plugin, event: registered } of this.events) {
      const pending = qpi.pendingPlugins.has(plugin);
      if (!pending && !qpi.unschedulablePlugins.has(plugin)) continue;
      if (!eventMatches(registered.event, event)) continue;
      let hint = QueueingHint.Queue;
      if (registered.hint) {
        try {
          hint = registered.hint(qpi.podInfo.pod, oldObj, newObj);
        } catch {
          // A failing hint must not strand the pod: queue it, as upstream does on errors.
          hint = QueueingHint.Queue;
        }
      }
      if (hint === QueueingHint.Skip) continue;
      if (pending) return 'active';
      verdict = 'backoff';
    }
    return verdict;
  }

  // ---- backoff and flushing -----------------------------------------------------------

  /** calculateBackoffDuration: initial * 2^(attempts-1), capped. */
  backoffDuration(qpi: QueuedPodInfo): number {
    let duration = this.initialBackoffMs;
    for (let i = 1; i < qpi.attempts; i++) {
      if (duration > this.maxBackoffMs - duration) return this.maxBackoffMs;
      duration += duration;
    }
    return duration;
  }

  private backoffExpiry(qpi: QueuedPodInfo): number {
    return qpi.timestamp + this.backoffDuration(qpi);
  }

  private isBackingOff(qpi: QueuedPodInfo): boolean {
    return this.backoffExpiry(qpi) > this.clock.now();
  }

  private moveToBackoffOrActive(qpi: QueuedPodInfo): void {
    if (this.isBackingOff(qpi)) {
      this.backoffQ.addOrUpdate(qpi);
      this.scheduleBackoffFlush();
    } else {
      this.moveToActive(qpi);
    }
  }

  private moveToActive(qpi: QueuedPodInfo): void {
    // PreEnqueue (SchedulingGates): gated pods wait in unschedulable until the gates go.
    if (hasSchedulingGates(qpi.podInfo.pod)) {
      qpi.gated = true;
      this.unschedulable.set(podKey(qpi.podInfo.pod), qpi);
      return;
    }
    qpi.gated = false;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(this.startAttempt(qpi));
      return;
    }
    this.activeQ.addOrUpdate(qpi);
  }

  /** flushBackoffQCompleted, on a timer at the earliest expiry rather than a 1 s poll. */
  private scheduleBackoffFlush(): void {
    const head = this.backoffQ.peek();
    if (!head || this.closed) return;
    const at = this.backoffExpiry(head);
    if (this.backoffTimer && this.backoffTimer.at <= at) return;
    this.backoffTimer?.handle.cancel();
    const handle = this.clock.setTimeout(() => {
      this.backoffTimer = undefined;
      this.flushBackoffCompleted();
    }, Math.max(0, at - this.clock.now()));
    this.backoffTimer = { handle, at };
  }

  private flushBackoffCompleted(): void {
    const now = this.clock.now();
    for (;;) {
      const head = this.backoffQ.peek();
      if (!head || this.backoffExpiry(head) > now) break;
      this.backoffQ.pop();
      this.moveToActive(head);
    }
    this.scheduleBackoffFlush();
  }

  private scheduleUnschedulableFlush(): void {
    if (this.closed) return;
    this.unschedulableTimer = this.clock.setTimeout(() => {
      this.flushUnschedulableLeftover();
      this.scheduleUnschedulableFlush();
    }, UNSCHEDULABLE_FLUSH_INTERVAL_MS);
  }

  /** flushUnschedulablePodsLeftover: pods unschedulable for 5 minutes try again anyway. */
  flushUnschedulableLeftover(): void {
    const now = this.clock.now();
    for (const [key, qpi] of [...this.unschedulable]) {
      if (qpi.gated || now - qpi.timestamp < this.maxInUnschedulableMs) continue;
      this.unschedulable.delete(key);
      this.moveToBackoffOrActive(qpi);
    }
  }

  // ---- inspection and shutdown ------------------------------------------------------------

  /** Where a pod is (tests, debugging). */
  whereIs(pod: Pod): 'active' | 'backoff' | 'unschedulable' | 'gated' | 'inflight' | undefined {
    const key = podKey(pod);
    if (this.activeQ.has(key)) return 'active';
    if (this.backoffQ.has(key)) return 'backoff';
    const u = this.unschedulable.get(key);
    if (u) return u.gated ? 'gated' : 'unschedulable';
    return this.inFlight.has(key) ? 'inflight' : undefined;
  }

  get lengths(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.activeQ.length, backoff: this.backoffQ.length, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  close(): void {
    this.closed = true;
    this.backoffTimer?.handle.cancel();
    this.backoffTimer = undefined;
    this.unschedulableTimer?.cancel();
    this.unschedulableTimer = undefined;
    for (const waiter of this.waiters) waiter(undefined);
    this.waiters = [];
  }

  private newQueuedPodInfo(pod: Pod): QueuedPodInfo {
    return {
      pod,
      podInfo: newPodInfo(pod),
      timestamp: this.clock.now(),
      priority: pod.spec?.priority ?? 0,
      attempts: 0,
      initialAttemptTimestamp: undefined,
      unschedulablePlugins: new Set(),
      pendingPlugins: new Set(),
      gated: false,
    };
  }
}
