// The TTL-after-finished controller (pkg/controller/ttlafterfinished): deletes a
// finished Job (Complete or Failed) spec.ttlSecondsAfterFinished after it
// finished, in the foreground so its pods go first. Waiting is a delayed requeue
// on the controller's clock; the work queue owns those timers.

import type { Job } from 'kubernetes-types/batch/v1.js';
import type { KubeObject } from '../../api/types.js';
import { Resources, WorkQueue, isNotFound, objectKey, runWorkers, splitKey, type Disposable, type Informer } from '../../client/index.js';
import type { Controller, ControllerContext } from '../index.js';

type JobObject = Job & KubeObject;

const COMPONENT = 'ttl-after-finished-controller';
const WORKERS = 5;

/** needsCleanup: finished, with a TTL. */
function needsCleanup(job: Job): boolean {
  return job.spec?.ttlSecondsAfterFinished !== undefined && finishTime(job) !== undefined;
}

/** jobFinishTime: when the Complete or Failed condition turned True. */
export function finishTime(job: Job): number | undefined {
  const condition = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  if (!condition) return undefined;
  return condition.lastTransitionTime ? Date.parse(condition.lastTransitionTime) : Number.NaN;
}

export class TtlAfterFinishedController implements Controller {
  readonly name = COMPONENT;
  private readonly jobs: Informer<JobObject>;
  private readonly queue: WorkQueue<string>;
  private readonly handlers: Disposable[] = [];
  private workers: Promise<void> | undefined;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ clock: ctx.clock });
    this.jobs = ctx.informers.informer<JobObject>(Resources.jobs);
    const enqueue = (job: JobObject) => {
      if (!job.metadata?.deletionTimestamp && needsCleanup(job)) this.queue.add(objectKey(job));
    };
    this.handlers.push(this.jobs.addHandlers({ add: enqueue, update: (_old, job) => enqueue(job) }));
  }

  run(): void {
    this.workers = runWorkers(this.queue, WORKERS, (key) => this.processJob(key), (key, err) => this.ctx.onError(err, `${COMPONENT}: ${key}`));
  }

  async stop(): Promise<void> {
    for (const handler of this.handlers.splice(0)) handler.dispose();
    this.queue.shutDown();
    await this.workers;
  }

  private async processJob(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.jobs.get(namespace, name);
    if (!cached || !this.expired(key, cached)) return;
    // The cached TTL may be stale: check the Job as it is now before deleting it.
    let fresh: JobObject;
    try {
      fresh = await this.ctx.client.get<JobObject>(Resources.jobs, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!this.expired(key, fresh)) return;
    try {
      await this.ctx.client.delete(Resources.jobs, namespace, name, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** processTTL: true once the TTL has run out; before that, requeues for when it will. */
  private expired(key: string, job: JobObject): boolean {
    if (job.metadata?.deletionTimestamp || !needsCleanup(job)) return false;
    const finishedAt = finishTime(job)!;
    if (Number.isNaN(finishedAt)) throw new Error(`unable to find the time when the Job ${key} finished`);
    const remaining = finishedAt + job.spec!.ttlSecondsAfterFinished! * 1000 - this.ctx.clock.now();
    if (remaining <= 0) return true;
    this.queue.addAfter(key, remaining);
    return false;
  }
}

export function newTtlAfterFinishedController(ctx: ControllerContext): Controller {
  return new TtlAfterFinishedController(ctx);
}
