// Many deadlines on one clock timer: a min-heap of (time, key), the timer armed for
// the earliest, and everything due within a small window handed over in one batch.
// Thousands of nodes renewing leases or pods finishing need no timer each.

import type { Clock, TimerHandle } from '../../client/index.js';

interface Entry {
  readonly at: number;
  readonly key: string;
}

export class DueQueue {
  private heap: Entry[] = [];
  /** The current deadline per key; heap entries that disagree are stale and skipped. */
  private readonly due = new Map<string, number>();
  private timer: { handle: TimerHandle; at: number } | undefined;
  private closed = false;

  /**
   * @param onDue gets the keys whose time has come, in time order.
   * @param batchMs keys due this soon after the earliest ride along in its batch.
   */
  constructor(
    private readonly clock: Clock,
    private readonly onDue: (keys: string[]) => void,
    private readonly batchMs = 0,
  ) {}

  get size(): number {
    return this.due.size;
  }

  has(key: string): boolean {
    return this.due.has(key);
  }

  /** Sets (or moves) the key's deadline. */
  set(key: string, at: number): void {
    if (this.closed || this.due.get(key) === at) return;
    this.due.set(key, at);
    this.push({ at, key });
    this.arm();
  }

  delete(key: string): void {
    this.due.delete(key);
  }

  close(): void {
    this.closed = true;
    this.timer?.handle.cancel();
    this.timer = undefined;
    this.heap = [];
    this.due.clear();
  }

  private arm(): void {
    this.dropStale();
    const head = this.heap[0];
    if (!head || this.closed) return;
    if (this.timer && this.timer.at <= head.at) return;
    this.timer?.handle.cancel();
    const at = head.at;
    const handle = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.fire();
    }, at - this.clock.now());
    this.timer = { handle, at };
  }

  private fire(): void {
    if (this.closed) return;
    const limit = this.clock.now() + this.batchMs;
    const keys: string[] = [];
    for (;;) {
      this.dropStale();
      const head = this.heap[0];
      if (!head || head.at > limit) break;
      this.pop();
      this.due.delete(head.key);
      keys.push(head.key);
    }
    if (keys.length > 0) this.onDue(keys);
    this.arm();
  }

  private dropStale(): void {
    while (this.heap.length > 0 && this.due.get(this.heap[0]!.key) !== this.heap[0]!.at) this.pop();
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.at <= entry.at) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.at < heap[left]!.at ? right : left;
      if (heap[child]!.at >= last.at) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}
