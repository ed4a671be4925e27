// The status a Deployment reports (sync.go calculateStatus), and its wire shape.

import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { canonicalJson } from '../common/index.js';
import {
  MINIMUM_REPLICAS_AVAILABLE,
  MINIMUM_REPLICAS_UNAVAILABLE,
  actualReplicas,
  availableReplicas,
  maxUnavailable,
  newDeploymentCondition,
  readyReplicas,
  replicasOf,
  setDeploymentCondition,
  specReplicas,
} from './util.js';

/** calculateStatus: counts over the ReplicaSets and the Available condition. */
export function calculateStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, deployment: Deployment, now: number): DeploymentStatus {
  const available = availableReplicas(allRSs);
  const unavailable = Math.max(0, specReplicas(allRSs) - available);
  const status: DeploymentStatus = {
    observedGeneration: deployment.metadata?.generation ?? 0,
    replicas: actualReplicas(allRSs),
    updatedReplicas: actualReplicas([newRS]),
    readyReplicas: readyReplicas(allRSs),
    availableReplicas: available,
    unavailableReplicas: unavailable,
    ...(deployment.status?.collisionCount !== undefined ? { collisionCount: deployment.status.collisionCount } : {}),
    ...(deployment.status?.conditions ? { conditions: deployment.status.conditions.map((c) => ({ ...c })) } : {}),
  };
  if (available >= replicasOf(deployment) - maxUnavailable(deployment)) {
    setDeploymentCondition(status, newDeploymentCondition('Available', 'True', MINIMUM_REPLICAS_AVAILABLE, 'Deployment has minimum availability.', now));
  } else {
    setDeploymentCondition(status, newDeploymentCondition('Available', 'False', MINIMUM_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

const COUNTS = ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const;

/** The status as upstream serializes it: zero counts omitted (omitempty). */
export function wireStatus(status: DeploymentStatus): DeploymentStatus {
  const out: DeploymentStatus = { ...status };
  for (const field of COUNTS) if (!out[field]) delete out[field];
  if (out.conditions?.length === 0) delete out.conditions;
  return out;
}

/** reflect.DeepEqual of two statuses, reading a missing count as zero. */
export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  return canonicalJson(wireStatus(a ?? {})) === canonicalJson(wireStatus(b ?? {}));
}
