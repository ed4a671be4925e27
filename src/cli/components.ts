// What `skiff server` runs beside the API server: the controller manager's
// controllers and the local node runtime.

import type { ApiServer } from '../apiserver/index.js';
import { SimulatedNodes } from '../kubelet/simulated/index.js';
import { newTaintEvictionController } from '../controllers/tainteviction/index.js';
import { newPodGCController } from '../controllers/podgc/index.js';
import { newEndpointsController } from '../controllers/endpoints/index.js';
import { newEndpointSliceController } from '../controllers/endpointslice/index.js';
import { newRootCACertPublisher, newServiceAccountsController } from '../controllers/serviceaccount/index.js';
import { newResourceQuotaController } from '../controllers/resourcequota/index.js';
import { newDisruptionController } from '../controllers/disruption/index.js';
import { newGarbageCollectorController, newNamespaceController, type NamedControllerFactory, type RegistryAccess } from '../controllers/index.js';
import { newReplicaSetController } from '../controllers/replicaset/index.js';
import { newDeploymentController } from '../controllers/deployment/index.js';
import { newStatefulSetController } from '../controllers/statefulset/index.js';
import { newDaemonSetController } from '../controllers/daemonset/index.js';
import { newNodeLifecycleController } from '../controllers/nodelifecycle/index.js';
import { newJobController } from '../controllers/job/index.js';
import { newCronJobController } from '../controllers/cronjob/index.js';
import { newTtlAfterFinishedController } from '../controllers/ttlafterfinished/index.js';
import { rm } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { newLocalPathController } from '../controllers/localpath/index.js';
import { newNodeIpamController } from '../controllers/nodeipam/index.js';
import { newCsrApprovingController, newCsrSigningController } from '../controllers/certificates/index.js';

export interface ControllerSettings {
  /** The cluster CA, published to every namespace as kube-root-ca.crt. */
  readonly caPem: string;
  /** Its key: the kubelet signers issue node certificates with it. */
  readonly caKeyPem: string;
  readonly nodeMonitorGracePeriodMs: number;
  /** Pod addresses of the whole cluster; each node gets a /24 of it (kube-controller-manager --cluster-cidr). */
  readonly clusterCIDR: string;
  /** The datastore and registry of this process's API server: the garbage collector and namespace controller act on them. */
  readonly registry: RegistryAccess;
  /** The node `skiff server` runs itself: its local-path volumes can be removed from here. */
  readonly localNode?: { readonly name: string; readonly localPathDir: string };
}

/** Removes a deleted local-path volume when it lives on this machine's node (and only inside its directory). */
function localPathRemover(localNode: ControllerSettings['localNode']): ((nodeName: string, path: string) => Promise<boolean>) | undefined {
  if (!localNode) return undefined;
  return async (nodeName, path) => {
    const target = resolve(path);
    if (nodeName !== localNode.name || !target.startsWith(resolve(localNode.localPathDir) + sep)) return false;
    await rm(target, { recursive: true, force: true });
    return true;
  };
}

/** The controllers of kube-controller-manager's default set, in upstream's names. */
export function builtinControllers(settings: ControllerSettings): NamedControllerFactory[] {
  return [
    // Upstream runs these two in kube-controller-manager too: behind its Lease, one server of several acts.
    { name: 'garbage-collector-controller', factory: (ctx) => newGarbageCollectorController(ctx, settings.registry) },
    { name: 'namespace-controller', factory: (ctx) => newNamespaceController(ctx, settings.registry) },
    { name: 'deployment-controller', factory: (ctx) => newDeploymentController(ctx) },
    { name: 'replicaset-controller', factory: (ctx) => newReplicaSetController(ctx) },
    { name: 'statefulset-controller', factory: (ctx) => newStatefulSetController(ctx) },
    { name: 'daemonset-controller', factory: (ctx) => newDaemonSetController(ctx) },
    { name: 'endpoints-controller', factory: (ctx) => newEndpointsController(ctx) },
    { name: 'endpointslice-controller', factory: (ctx) => newEndpointSliceController(ctx) },
    { name: 'serviceaccount-controller', factory: (ctx) => newServiceAccountsController(ctx) },
    { name: 'root-ca-certificate-publisher-controller', factory: (ctx) => newRootCACertPublisher(ctx, { caPem: settings.caPem }) },
    { name: 'resourcequota-controller', factory: (ctx) => newResourceQuotaController(ctx) },
    { name: 'disruption-controller', factory: (ctx) => newDisruptionController(ctx) },
    { name: 'job-controller', factory: (ctx) => newJobController(ctx) },
    { name: 'cronjob-controller', factory: (ctx) => newCronJobController(ctx) },
    { name: 'ttl-after-finished-controller', factory: (ctx) => newTtlAfterFinishedController(ctx) },
    {
      name: 'node-lifecycle-controller',
      factory: (ctx) =>
        newNodeLifecycleController(ctx, {
          nodeMonitorGracePeriodMs: settings.nodeMonitorGracePeriodMs,
          nodeMonitorPeriodMs: Math.min(5000, settings.nodeMonitorGracePeriodMs / 4),
        }),
    },
    { name: 'taint-eviction-controller', factory: (ctx) => newTaintEvictionController(ctx) },
    { name: 'pod-garbage-collector', factory: (ctx) => newPodGCController(ctx) },
    {
      name: 'persistentvolume-binder-controller',
      factory: (ctx) => {
        const removeDirectory = localPathRemover(settings.localNode);
        return newLocalPathController(ctx, removeDirectory ? { removeDirectory } : {});
      },
    },
    { name: 'node-ipam-controller', factory: (ctx) => newNodeIpamController(ctx, { clusterCIDR: settings.clusterCIDR, nodeCidrMaskSize: 24 }) },
    { name: 'certificatesigningrequest-approving-controller', factory: (ctx) => newCsrApprovingController(ctx) },
    { name: 'certificatesigningrequest-signing-controller', factory: (ctx) => newCsrSigningController(ctx, { ca: { certPem: settings.caPem, keyPem: settings.caKeyPem } }) },
  ];
}

/** Hollow nodes in this process; their lease lasts as long as the controller's grace period. */
export function startSimulatedNodes(
  api: ApiServer,
  count: number,
  nodeMonitorGracePeriodMs: number,
  onError: (err: unknown, what: string) => void,
  log: (message: string) => void,
): { stop(): Promise<void> } {
  const nodes = new SimulatedNodes({
    client: api.loopbackClient({ name: 'system:node:simulated', groups: ['system:nodes'] }, 'kubelet'),
    count,
    leaseDurationSeconds: Math.max(1, Math.round(nodeMonitorGracePeriodMs / 1000)),
    onError,
  });
  // Thousands of nodes take a while to register; the API serves meanwhile.
  const started = Date.now();
  nodes.start().then(
    () => log(`${count} simulated node${count === 1 ? '' : 's'} registered in ${((Date.now() - started) / 1000).toFixed(1)} s`),
    (err: unknown) => onError(err, 'starting simulated nodes'),
  );
  return nodes;
}
