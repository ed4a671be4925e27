// client-go's flowcontrol.Backoff as the kubelet uses it for container restarts
// (CrashLoopBackOff) and image pulls (ImagePullBackOff): per key, the delay starts at
// the initial value and doubles up to the maximum; an entry not touched for twice the
// maximum (10 minutes for 5-minute backoffs) is forgotten, so a container that ran
// that long restarts without delay. Pure, on an injected clock.

import type { Clock } from '../../client/index.js';

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    readonly initialMs: number,
    readonly maxMs: number,
  ) {}

  /** The current delay for key (0 when none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Records an attempt at eventTime: the delay doubles, or starts over when expired. */
  next(key: string, eventTime: number): void {
    const entry = this.entries.get(key);
    if (!entry || this.expired(eventTime, entry)) {
      this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: eventTime });
      return;
    }
    entry.backoffMs = Math.min(entry.backoffMs * 2, this.maxMs);
    entry.lastUpdate = eventTime;
  }

  /** Whether now is still within the delay counted from eventTime (a container's finish time). */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || this.expired(eventTime, entry)) return false;
    return this.clock.now() - eventTime < entry.backoffMs;
  }

  /** Whether now is within the delay counted from the last update (image pulls). */
  isInBackOffSinceUpdate(key: string): boolean {
    const entry = this.entries.get(key);
    const now = this.clock.now();
    if (!entry || this.expired(now, entry)) return false;
    return now - entry.lastUpdate < entry.backoffMs;
  }

  /** When the delay counted from `since` (default the last update) ends, or undefined. */
  until(key: string, since?: number): number | undefined {
    const entry = this.entries.get(key);
    return entry ? (since ?? entry.lastUpdate) + entry.backoffMs : undefined;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key with the prefix (a pod's containers once it is gone). */
  resetPrefix(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  private expired(eventTime: number, entry: Entry): boolean {
    return eventTime - entry.lastUpdate > 2 * this.maxMs;
  }
}

/** Go's time.Duration.String() for whole-ish durations: "10s", "1m20s", "5m0s", "1.5s". */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  const secText = `${Number.isInteger(seconds) ? seconds : seconds.toFixed(3).replace(/0+$/, '')}s`;
  if (hours > 0) return `${hours}h${minutes}m${secText}`;
  if (minutes > 0) return `${minutes}m${secText}`;
  return secText;
}
