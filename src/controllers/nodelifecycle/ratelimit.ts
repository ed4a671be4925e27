// The rate limiting of NoExecute tainting, as upstream's node lifecycle controller
// does it: one queue of nodes to taint per zone, drained through a token bucket
// (burst 1) whose rate depends on the zone's health. Pure: time is passed in.

/** flowcontrol's token bucket with burst 1; qps 0 never accepts. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly qps: number,
    now: number,
    private readonly burst = 1,
  ) {
    this.tokens = qps > 0 ? burst : 0;
    this.last = now;
  }

  private refill(now: number): void {
    if (this.qps <= 0) return;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = Math.max(this.last, now);
  }

  tryAccept(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is available (Infinity when qps is 0). */
  msUntilToken(now: number): number {
    if (this.qps <= 0) return Infinity;
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.qps) * 1000);
  }
}

export interface TimedValue {
  readonly value: string;
  readonly uid: string;
  processAt: number;
}

/** What the action reports: done (drop the item) or retry after a delay. */
export type TryResult = { readonly done: true } | { readonly done: false; readonly retryAfterMs: number };

/**
 * scheduler.RateLimitedTimedQueue: values processed in order, at most as fast as the
 * limiter allows. A processed value stays a member, so adding it again is refused
 * until remove() (upstream's UniqueQueue RemoveFromQueue versus Remove).
 */
export class RateLimitedTimedQueue {
  private readonly pending = new Map<string, TimedValue>();
  private readonly members = new Set<string>();
  private limiter: TokenBucket;

  constructor(qps: number, now: number) {
    this.limiter = new TokenBucket(qps, now);
  }

  get qps(): number {
    return this.limiter.qps;
  }

  /** Values waiting to be processed. */
  get size(): number {
    return this.pending.size;
  }

  isPending(value: string): boolean {
    return this.pending.has(value);
  }

  /** Adds a value unless it is a member already; true when added. */
  add(value: string, uid: string, now: number): boolean {
    if (this.members.has(value)) return false;
    this.members.add(value);
    this.pending.set(value, { value, uid, processAt: now });
    return true;
  }

  /** Forgets a value so it can be added again; true when it was a member. */
  remove(value: string): boolean {
    this.pending.delete(value);
    return this.members.delete(value);
  }

  /**
   * Processes due values in processAt order while the limiter accepts; each action
   * either finishes its value or asks for a retry later. Returns how long until the
   * next value could be processed (Infinity when nothing waits or the rate is 0).
   */
  async try(now: () => number, action: (value: TimedValue) => Promise<TryResult>): Promise<number> {
    for (;;) {
      const head = this.head();
      if (!head) return Infinity;
      const at = now();
      if (head.processAt > at) return head.processAt - at;
      if (!this.limiter.tryAccept(at)) return this.limiter.msUntilToken(at);
      const result = await action(head);
      // The value may have been removed (or removed and added again) meanwhile.
      if (this.pending.get(head.value) !== head) continue;
      if (result.done) this.pending.delete(head.value);
      else head.processAt = now() + result.retryAfterMs + 1;
    }
  }

  /** SwapLimiter: a new rate; a limiter that is out of tokens passes that on to the new one. */
  swapLimiter(qps: number, now: number): void {
    if (this.limiter.qps === qps) return;
    const next = new TokenBucket(qps, now);
    if (qps > 0 && !this.limiter.tryAccept(now)) next.tryAccept(now);
    this.limiter = next;
  }

  private head(): TimedValue | undefined {
    let best: TimedValue | undefined;
    for (const item of this.pending.values()) if (!best || item.processAt < best.processAt) best = item;
    return best;
  }
}

export type ZoneState = 'Initial' | 'Normal' | 'FullDisruption' | 'PartialDisruption';

/**
 * ComputeZoneState: fully disrupted when no node is Ready, partially when more than
 * two are not and they are at least `unhealthyThreshold` of the zone.
 * `ready` holds one entry per node: whether its Ready condition is True.
 */
export function computeZoneState(ready: readonly boolean[], unhealthyThreshold: number): { notReady: number; state: ZoneState } {
  const readyCount = ready.filter(Boolean).length;
  const notReady = ready.length - readyCount;
  if (readyCount === 0 && notReady > 0) return { notReady, state: 'FullDisruption' };
  if (notReady > 2 && notReady / ready.length >= unhealthyThreshold) return { notReady, state: 'PartialDisruption' };
  return { notReady, state: 'Normal' };
}
