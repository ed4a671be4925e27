// Periodic compaction, as kube-apiserver does it: at every tick compact to the
// revision seen at the previous tick, so at least one interval of history (default
// 5 minutes) stays available to watches and paged lists.

import type { Store } from './types.js';

export interface CompactorOptions {
  readonly intervalMs?: number;
  /** Called with each failure; compaction is retried at the next tick. */
  readonly onError?: (err: unknown) => void;
  readonly onCompacted?: (revision: number) => void;
}

export class Compactor {
  private readonly timer: NodeJS.Timeout;
  private previous = 0;
  private running: Promise<void> | undefined;
  private disposed = false;

  constructor(private readonly store: Store, private readonly options: CompactorOptions = {}) {
    this.timer = setInterval(() => void this.tick(), options.intervalMs ?? 5 * 60_000);
    this.timer.unref();
    void this.tick();
  }

  /** One compaction step; exposed for tests and for an explicit trigger. */
  tick(): Promise<void> {
    if (this.running || this.disposed) return this.running ?? Promise.resolve();
    this.running = this.step().finally(() => (this.running = undefined));
    return this.running;
  }

  private async step(): Promise<void> {
    try {
      const target = this.previous;
      this.previous = await this.store.currentRevision();
      if (target > 0 && target > (await this.store.compactedRevision())) {
        await this.store.compact(target);
        this.options.onCompacted?.(target);
      }
    } catch (err) {
      if (!this.disposed) this.options.onError?.(err);
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearInterval(this.timer);
    await this.running;
  }
}
