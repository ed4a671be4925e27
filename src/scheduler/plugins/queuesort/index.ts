// PrioritySort (queuesort): the scheduling queue pops higher-priority pods first,
// and among equal priorities the one that entered the queue earlier.

import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Plugin, PluginFactory } from '../../framework/types.js';
import { podPriority } from '../helper/index.js';

export const NAME = 'PrioritySort';

/** What the queue sorts: a pod and when it was (last) added to the queue, in ms. */
export interface QueuedPodInfoLike {
  readonly pod: Pod;
  readonly timestamp: number;
  /**
   * spec.priority as the queue cached it (priority is immutable): a heap of thousands
   * of pods compares dozens of times per pop, and reading it off the pod each time
   * costs a cache miss or two per comparison.
   */
  readonly priority?: number;
}

/** The QueueSort extension point: exactly one plugin orders the active queue. */
export interface QueueSortPlugin extends Plugin {
  less(a: QueuedPodInfoLike, b: QueuedPodInfoLike): boolean;
}

/** PrioritySort.Less: spec.priority descending, then earlier timestamp first. */
export function prioritySortLess(a: QueuedPodInfoLike, b: QueuedPodInfoLike): boolean {
  const pa = a.priority ?? podPriority(a.pod);
  const pb = b.priority ?? podPriority(b.pod);
  return pa > pb || (pa === pb && a.timestamp < b.timestamp);
}

/** The same order as a comparator for Array.sort and heaps (negative: a pops first). */
export function prioritySortCompare(a: QueuedPodInfoLike, b: QueuedPodInfoLike): number {
  return podPriority(b.pod) - podPriority(a.pod) || a.timestamp - b.timestamp;
}

export function isQueueSort(p: Plugin): p is QueueSortPlugin {
  return typeof (p as Partial<QueueSortPlugin>).less === 'function';
}

export class PrioritySort implements QueueSortPlugin {
  readonly name = NAME;

  less(a: QueuedPodInfoLike, b: QueuedPodInfoLike): boolean {
    return prioritySortLess(a, b);
  }
}

export const newPrioritySort: PluginFactory = () => new PrioritySort();
