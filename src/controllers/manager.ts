// The controller manager: builds a set of controllers on one shared informer
// factory, starts the informers, waits for their caches and runs the controllers;
// stop() undoes it all. Leader election decides when it runs (see the CLI).

import { ApiEventRecorder, InformerFactory, realClock, type ApiClient, type Clock } from '../client/index.js';
import type { Controller, ControllerContext, ControllerFactory } from './types.js';

export interface NamedControllerFactory {
  readonly name: string;
  readonly factory: ControllerFactory;
}

export interface ControllerManagerOptions {
  readonly client: ApiClient;
  readonly controllers: readonly NamedControllerFactory[];
  readonly clock?: Clock;
  readonly onError: (err: unknown, what: string) => void;
}

export class ControllerManager {
  private running: { controllers: Controller[]; informers: InformerFactory; recorders: ApiEventRecorder[] } | undefined;
  private starting: Promise<void> | undefined;

  constructor(private readonly options: ControllerManagerOptions) {}

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** Builds and runs every controller; resolves once they run (informers synced). */
  start(): Promise<void> {
    this.starting ??= this.startControllers();
    return this.starting;
  }

  private async startControllers(): Promise<void> {
    const { client, onError } = this.options;
    const clock = this.options.clock ?? realClock;
    const informers = new InformerFactory(client, clock, (err) => onError(err, 'informer'));
    const recorders: ApiEventRecorder[] = [];
    const context: ControllerContext = {
      client,
      informers,
      clock,
      recorder: (component) => {
        const recorder = new ApiEventRecorder(client, { component }, clock, (err) => onError(err, `${component} events`));
        recorders.push(recorder);
        return recorder;
      },
      onError,
    };
    const controllers: Controller[] = [];
    for (const { name, factory } of this.options.controllers) {
      try {
        controllers.push(factory(context));
      } catch (err) {
        onError(err, `starting ${name}`);
      }
    }
    this.running = { controllers, informers, recorders };
    informers.start();
    await informers.waitForSync();
    if (this.running?.controllers !== controllers) return;
    for (const controller of controllers) controller.run();
  }

  async stop(): Promise<void> {
    // Not awaiting a start still waiting for caches: stopping the informers ends that wait's purpose.
    this.starting = undefined;
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    await Promise.all(running.controllers.map((c) => c.stop().catch((err: unknown) => this.options.onError(err, `stopping ${c.name}`))));
    await running.informers.stop();
    // Events still queued are dropped (a scheduler with thousands of unschedulable pods
    // has thousands queued): only writes in flight are waited for.
    await Promise.all(running.recorders.map((r) => r.shutdown()));
  }
}
