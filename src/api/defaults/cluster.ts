// Defaults of the smaller groups: networking, rbac, storage, scheduling,
// discovery (pkg/apis/<group>/v1/defaults.go).

import { ensureObj, isEmptyCollection, isNil, objAt, objsAt, unsetString, type Obj } from './util.js';

export function defaultNetworkPolicy(policy: Obj): void {
  const spec = ensureObj(policy, 'spec');
  // podSelector is a struct, not a pointer: it always serialises.
  ensureObj(spec, 'podSelector');
  for (const rule of [...objsAt(spec, 'ingress'), ...objsAt(spec, 'egress')]) {
    for (const port of objsAt(rule, 'ports')) if (isNil(port.protocol)) port.protocol = 'TCP';
  }
  if (isEmptyCollection(spec.policyTypes)) {
    spec.policyTypes = isEmptyCollection(spec.egress) ? ['Ingress'] : ['Ingress', 'Egress'];
  }
}

export function defaultIngressClass(ingressClass: Obj): void {
  const parameters = objAt(objAt(ingressClass, 'spec'), 'parameters');
  if (parameters && isNil(parameters.scope)) parameters.scope = 'Cluster';
}

function defaultSubjects(binding: Obj): void {
  for (const subject of objsAt(binding, 'subjects')) {
    if (!unsetString(subject.apiGroup)) continue;
    if (subject.kind === 'ServiceAccount') subject.apiGroup = '';
    else if (subject.kind === 'User' || subject.kind === 'Group') subject.apiGroup = 'rbac.authorization.k8s.io';
  }
}

/** RoleBinding and ClusterRoleBinding. */
export function defaultRoleBinding(binding: Obj): void {
  const roleRef = ensureObj(binding, 'roleRef');
  if (unsetString(roleRef.apiGroup)) roleRef.apiGroup = 'rbac.authorization.k8s.io';
  defaultSubjects(binding);
}

export function defaultStorageClass(storageClass: Obj): void {
  if (isNil(storageClass.reclaimPolicy)) storageClass.reclaimPolicy = 'Delete';
  if (isNil(storageClass.volumeBindingMode)) storageClass.volumeBindingMode = 'Immediate';
}

export function defaultCSIDriver(driver: Obj): void {
  const spec = ensureObj(driver, 'spec');
  if (isNil(spec.attachRequired)) spec.attachRequired = true;
  if (isNil(spec.podInfoOnMount)) spec.podInfoOnMount = false;
  if (isNil(spec.storageCapacity)) spec.storageCapacity = false;
  if (isNil(spec.fsGroupPolicy)) spec.fsGroupPolicy = 'ReadWriteOnceWithFSType';
  if (isEmptyCollection(spec.volumeLifecycleModes)) spec.volumeLifecycleModes = ['Persistent'];
  if (isNil(spec.requiresRepublish)) spec.requiresRepublish = false;
  // SELinuxMountReadWriteOncePod is beta (on) in 1.33.
  if (isNil(spec.seLinuxMount)) spec.seLinuxMount = false;
}

export function defaultPriorityClass(priorityClass: Obj): void {
  if (isNil(priorityClass.preemptionPolicy)) priorityClass.preemptionPolicy = 'PreemptLowerPriority';
}

export function defaultEndpointSlice(slice: Obj): void {
  for (const port of objsAt(slice, 'ports')) {
    if (isNil(port.name)) port.name = '';
    if (isNil(port.protocol)) port.protocol = 'TCP';
  }
}
