// The control-plane components `skiff server` runs beside the API server, each
// behind its own Lease as upstream's kube-controller-manager and kube-scheduler:
// several servers on one etcd run exactly one active of each.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ApiServer } from '../apiserver/index.js';
import { ApiEventRecorder, LeaderElector, type ApiClient } from '../client/index.js';
import { ControllerManager, type NamedControllerFactory } from '../controllers/index.js';

export interface ComponentOptions {
  readonly controllers: readonly NamedControllerFactory[];
  readonly scheduler?: NamedControllerFactory;
  readonly onError: (err: unknown, what: string) => void;
  readonly log: (message: string) => void;
}

interface ElectedComponent {
  readonly elector: LeaderElector;
  readonly manager: ControllerManager;
  readonly running: Promise<void>;
}

function elected(client: ApiClient, lease: string, identity: string, manager: ControllerManager, options: ComponentOptions): ElectedComponent {
  const recorder = new ApiEventRecorder(client, { component: lease }, undefined, (err) => options.onError(err, `${lease} events`));
  const elector = new LeaderElector({
    client,
    name: lease,
    identity,
    recorder,
    onStartedLeading: () => {
      options.log(`${lease}: leading (${identity})`);
      manager.start().catch((err: unknown) => options.onError(err, `starting ${lease}`));
    },
    onStoppedLeading: () => {
      void manager.stop().catch((err: unknown) => options.onError(err, `stopping ${lease}`));
    },
    onNewLeader: (leader) => {
      if (leader !== identity) options.log(`${lease}: ${leader} leads`);
    },
    onError: (err) => options.onError(err, `${lease} leader election`),
  });
  return { elector, manager, running: elector.run() };
}

export class ControlPlaneComponents {
  private readonly components: ElectedComponent[] = [];

  constructor(api: ApiServer, options: ComponentOptions) {
    const identity = `${hostname()}_${randomUUID()}`;
    if (options.controllers.length) {
      const client = api.loopbackClient({ name: 'system:kube-controller-manager', groups: [] }, 'kube-controller-manager');
      const manager = new ControllerManager({ client, controllers: options.controllers, onError: options.onError });
      this.components.push(elected(client, 'kube-controller-manager', identity, manager, options));
    }
    if (options.scheduler) {
      const client = api.loopbackClient({ name: 'system:kube-scheduler', groups: [] }, 'kube-scheduler');
      const manager = new ControllerManager({ client, controllers: [options.scheduler], onError: options.onError });
      this.components.push(elected(client, 'kube-scheduler', identity, manager, options));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.components.map(async ({ elector, manager, running }) => {
        await manager.stop();
        await elector.stop();
        await running;
      }),
    );
  }
}
