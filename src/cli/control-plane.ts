// The control-plane components `skiff server` runs beside the API server, each
// behind its own Lease as upstream's kube-controller-manager and kube-scheduler:
// several servers on one etcd run exactly one active of each. The scheduler may run
// in a worker thread of its own (see scheduler-thread.ts), as upstream runs it in a
// process of its own: it then takes its CPU from another core.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ApiServer } from '../apiserver/index.js';
import type { NamedControllerFactory } from '../controllers/index.js';
import { electedComponent, type ComponentReporting, type StoppableComponent } from './elected.js';
import { startSchedulerThread } from './scheduler-thread.js';

export interface ComponentOptions extends ComponentReporting {
  readonly controllers: readonly NamedControllerFactory[];
  /** kube-scheduler: on this thread (a factory), or the default scheduler in a worker thread of its own ('thread'). */
  readonly scheduler?: NamedControllerFactory | 'thread';
}

export class ControlPlaneComponents {
  private readonly components: StoppableComponent[] = [];

  constructor(api: ApiServer, options: ComponentOptions) {
    const identity = `${hostname()}_${randomUUID()}`;
    if (options.controllers.length) {
      const client = api.loopbackClient({ name: 'system:kube-controller-manager', groups: [] }, 'kube-controller-manager');
      this.components.push(electedComponent(client, 'kube-controller-manager', identity, options.controllers, options));
    }
    if (options.scheduler) {
      const client = api.loopbackClient({ name: 'system:kube-scheduler', groups: [] }, 'kube-scheduler');
      this.components.push(
        options.scheduler === 'thread'
          ? startSchedulerThread(client, identity, api.encodeJson, options)
          : electedComponent(client, 'kube-scheduler', identity, [options.scheduler], options),
      );
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.components.map((component) => component.stop()));
  }
}
