// A component behind a Lease, as upstream's kube-controller-manager and
// kube-scheduler run: its controllers run only while this identity leads.

import { ApiEventRecorder, LeaderElector, type ApiClient } from '../client/index.js';
import { ControllerManager, type NamedControllerFactory } from '../controllers/index.js';

export interface ComponentReporting {
  readonly onError: (err: unknown, what: string) => void;
  readonly log: (message: string) => void;
}

/** A running component; stop() ends it and disposes of what it owns. */
export interface StoppableComponent {
  stop(): Promise<void>;
}

/** Controllers that run while `identity` holds the Lease named `lease` (in kube-system). */
export function electedComponent(client: ApiClient, lease: string, identity: string, controllers: readonly NamedControllerFactory[], options: ComponentReporting): StoppableComponent {
  const manager = new ControllerManager({ client, controllers, onError: options.onError });
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
  const running = elector.run();
  return {
    async stop() {
      await manager.stop();
      await elector.stop();
      await running;
    },
  };
}
