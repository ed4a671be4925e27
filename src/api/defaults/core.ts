// core/v1 scheme defaults (pkg/apis/core/v1/defaults.go and the generated
// SetObjectDefaults_* walkers): pods and pod templates, volumes, PVs and PVCs,
// secrets, endpoints, limit ranges, quotas, nodes, replication controllers.

import { imageTag } from './image.js';
import {
  canonicalQuantity,
  defaultResourceList,
  ensureObj,
  isEmptyCollection,
  isNil,
  isObj,
  objAt,
  objsAt,
  unsetString,
  type Obj,
} from './util.js';

/** Every VolumeSource member of v1.Volume, in declaration order. */
export const VOLUME_SOURCE_KEYS: readonly string[] = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

const DEFAULT_FILE_MODE = 420; // 0644

function setIfUnset(obj: Obj, key: string, value: unknown): void {
  if (unsetString(obj[key])) obj[key] = value;
}

function setIfNil(obj: Obj, key: string, value: unknown): void {
  if (isNil(obj[key])) obj[key] = value;
}

/** SetDefaults_ObjectFieldSelector. */
function defaultFieldRef(fieldRef: Obj | undefined): void {
  if (fieldRef) setIfUnset(fieldRef, 'apiVersion', 'v1');
}

/** SetDefaults_HTTPGetAction. */
function defaultHTTPGet(action: Obj | undefined): void {
  if (!action) return;
  setIfUnset(action, 'path', '/');
  setIfUnset(action, 'scheme', 'HTTP');
}

/** SetDefaults_Probe plus its HTTP handler. */
function defaultProbe(probe: Obj | undefined): void {
  if (!probe) return;
  for (const [key, value] of [
    ['timeoutSeconds', 1],
    ['periodSeconds', 10],
    ['successThreshold', 1],
    ['failureThreshold', 3],
  ] as const) {
    if (isNil(probe[key]) || probe[key] === 0) probe[key] = value;
  }
  defaultHTTPGet(objAt(probe, 'httpGet'));
}

/** SetDefaults_Container and the generated walk over its ports, env, resources, probes and hooks. */
export function defaultContainer(container: Obj): void {
  if (unsetString(container.imagePullPolicy)) {
    const image = typeof container.image === 'string' ? container.image : '';
    container.imagePullPolicy = imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent';
  }
  setIfUnset(container, 'terminationMessagePath', '/dev/termination-log');
  setIfUnset(container, 'terminationMessagePolicy', 'File');
  for (const port of objsAt(container, 'ports')) setIfUnset(port, 'protocol', 'TCP');
  for (const env of objsAt(container, 'env')) defaultFieldRef(objAt(objAt(env, 'valueFrom'), 'fieldRef'));
  // ResourceRequirements is a struct, not a pointer: it always serialises, as {} when empty.
  const resources = ensureObj(container, 'resources');
  defaultResourceList(resources.limits);
  defaultResourceList(resources.requests);
  defaultProbe(objAt(container, 'livenessProbe'));
  defaultProbe(objAt(container, 'readinessProbe'));
  defaultProbe(objAt(container, 'startupProbe'));
  const lifecycle = objAt(container, 'lifecycle');
  defaultHTTPGet(objAt(objAt(lifecycle, 'postStart'), 'httpGet'));
  defaultHTTPGet(objAt(objAt(lifecycle, 'preStop'), 'httpGet'));
}

/** SetDefaults_PersistentVolumeClaimSpec plus its resource lists. */
export function defaultPVCSpec(spec: Obj): void {
  setIfNil(spec, 'volumeMode', 'Filesystem');
  const resources = objAt(spec, 'resources');
  defaultResourceList(resources?.limits);
  defaultResourceList(resources?.requests);
}

function defaultRBD(rbd: Obj | undefined): void {
  if (!rbd) return;
  setIfUnset(rbd, 'pool', 'rbd');
  setIfUnset(rbd, 'user', 'admin');
  setIfUnset(rbd, 'keyring', '/etc/ceph/keyring');
}

function defaultISCSI(iscsi: Obj | undefined): void {
  if (iscsi) setIfUnset(iscsi, 'iscsiInterface', 'default');
}

function defaultAzureDisk(disk: Obj | undefined): void {
  if (!disk) return;
  setIfNil(disk, 'cachingMode', 'ReadWrite');
  setIfNil(disk, 'kind', 'Shared');
  setIfNil(disk, 'fsType', 'ext4');
  setIfNil(disk, 'readOnly', false);
}

function defaultScaleIO(scaleIO: Obj | undefined): void {
  if (!scaleIO) return;
  setIfUnset(scaleIO, 'storageMode', 'ThinProvisioned');
  setIfUnset(scaleIO, 'fsType', 'xfs');
}

function defaultHostPath(hostPath: Obj | undefined): void {
  if (hostPath) setIfNil(hostPath, 'type', '');
}

/** SetDefaults_Volume and the defaulters of each volume source. */
export function defaultVolume(volume: Obj): void {
  if (VOLUME_SOURCE_KEYS.every((key) => isNil(volume[key]))) volume.emptyDir = {};
  const emptyDir = objAt(volume, 'emptyDir');
  if (emptyDir) canonicalQuantity(emptyDir, 'sizeLimit');
  const image = objAt(volume, 'image');
  if (image && unsetString(image.pullPolicy)) {
    const reference = typeof image.reference === 'string' ? image.reference : '';
    image.pullPolicy = imageTag(reference) === 'latest' ? 'Always' : 'IfNotPresent';
  }
  defaultHostPath(objAt(volume, 'hostPath'));
  const secret = objAt(volume, 'secret');
  if (secret) setIfNil(secret, 'defaultMode', DEFAULT_FILE_MODE);
  defaultISCSI(objAt(volume, 'iscsi'));
  defaultRBD(objAt(volume, 'rbd'));
  const downwardAPI = objAt(volume, 'downwardAPI');
  if (downwardAPI) {
    setIfNil(downwardAPI, 'defaultMode', DEFAULT_FILE_MODE);
    for (const item of objsAt(downwardAPI, 'items')) defaultFieldRef(objAt(item, 'fieldRef'));
  }
  const configMap = objAt(volume, 'configMap');
  if (configMap) setIfNil(configMap, 'defaultMode', DEFAULT_FILE_MODE);
  defaultAzureDisk(objAt(volume, 'azureDisk'));
  const projected = objAt(volume, 'projected');
  if (projected) {
    setIfNil(projected, 'defaultMode', DEFAULT_FILE_MODE);
    for (const source of objsAt(projected, 'sources')) {
      for (const item of objsAt(objAt(source, 'downwardAPI'), 'items')) defaultFieldRef(objAt(item, 'fieldRef'));
      const token = objAt(source, 'serviceAccountToken');
      if (token) setIfNil(token, 'expirationSeconds', 3600);
    }
  }
  defaultScaleIO(objAt(volume, 'scaleIO'));
  const claimTemplate = objAt(objAt(volume, 'ephemeral'), 'volumeClaimTemplate');
  if (claimTemplate) defaultPVCSpec(ensureObj(claimTemplate, 'spec'));
}

/** The deprecated spec.serviceAccount mirrors serviceAccountName (v1 conversion). */
function convertServiceAccount(spec: Obj): void {
  if (unsetString(spec.serviceAccountName) && typeof spec.serviceAccount === 'string' && spec.serviceAccount !== '') {
    spec.serviceAccountName = spec.serviceAccount;
  }
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '') spec.serviceAccount = spec.serviceAccountName;
  else if (spec.serviceAccount === '' || spec.serviceAccount === null) delete spec.serviceAccount;
}

/** Requests default to limits for each resource that has a limit and no request (pods only). */
function requestsFromLimits(container: Obj): void {
  const resources = objAt(container, 'resources');
  const limits = objAt(resources, 'limits');
  if (!resources || !limits || Object.keys(limits).length === 0) return;
  const requests = ensureObj(resources, 'requests');
  for (const [name, value] of Object.entries(limits)) {
    if (!(name in requests)) requests[name] = value;
  }
}

/** With host networking every container port is also a host port. */
function defaultHostNetworkPorts(containers: Obj[]): void {
  for (const container of containers) {
    for (const port of objsAt(container, 'ports')) {
      if (isNil(port.hostPort) || port.hostPort === 0) port.hostPort = port.containerPort;
    }
  }
}

/**
 * A PodSpec wherever it appears. `isPod` adds SetDefaults_Pod, which only a
 * Pod gets (never a template): requests from limits, enableServiceLinks,
 * host-network host ports.
 */
export function defaultPodSpec(spec: Obj, isPod: boolean): void {
  convertServiceAccount(spec);
  const containers = objsAt(spec, 'containers');
  const initContainers = objsAt(spec, 'initContainers');
  if (isPod) {
    containers.forEach(requestsFromLimits);
    initContainers.forEach(requestsFromLimits);
    setIfNil(spec, 'enableServiceLinks', true);
    if (spec.hostNetwork === true) {
      defaultHostNetworkPorts(containers);
      defaultHostNetworkPorts(initContainers);
    }
  }
  // SetDefaults_PodSpec.
  setIfUnset(spec, 'dnsPolicy', 'ClusterFirst');
  setIfUnset(spec, 'restartPolicy', 'Always');
  setIfNil(spec, 'securityContext', {});
  setIfNil(spec, 'terminationGracePeriodSeconds', 30);
  setIfUnset(spec, 'schedulerName', 'default-scheduler');
  for (const volume of objsAt(spec, 'volumes')) defaultVolume(volume);
  initContainers.forEach(defaultContainer);
  containers.forEach(defaultContainer);
  objsAt(spec, 'ephemeralContainers').forEach(defaultContainer);
  defaultResourceList(spec.overhead);
  const podResources = objAt(spec, 'resources');
  defaultResourceList(podResources?.limits);
  defaultResourceList(podResources?.requests);
}

/** A PodTemplateSpec embedded in a workload: the pod spec without the Pod-only defaults. */
export function defaultPodTemplateSpec(template: Obj | undefined): void {
  if (!template) return;
  defaultPodSpec(ensureObj(template, 'spec'), false);
}

export function defaultPod(pod: Obj): void {
  defaultPodSpec(ensureObj(pod, 'spec'), true);
}

export function defaultPodTemplate(obj: Obj): void {
  defaultPodTemplateSpec(ensureObj(obj, 'template'));
}

export function defaultReplicationController(rc: Obj): void {
  const spec = ensureObj(rc, 'spec');
  const template = objAt(spec, 'template');
  const labels = objAt(objAt(template, 'metadata'), 'labels');
  if (labels) {
    if (isEmptyCollection(spec.selector)) spec.selector = { ...labels };
    const metadata = ensureObj(rc, 'metadata');
    if (isEmptyCollection(metadata.labels)) metadata.labels = { ...labels };
  }
  setIfNil(spec, 'replicas', 1);
  defaultPodTemplateSpec(template);
}

/** v1 conversion folds stringData into data (base64) and drops it; then SetDefaults_Secret. */
export function defaultSecret(secret: Obj): void {
  const stringData = objAt(secret, 'stringData');
  if (stringData) {
    const data = ensureObj(secret, 'data');
    for (const [key, value] of Object.entries(stringData)) {
      if (typeof value === 'string') data[key] = Buffer.from(value, 'utf8').toString('base64');
    }
  }
  delete secret.stringData;
  setIfUnset(secret, 'type', 'Opaque');
}

export function defaultPersistentVolume(pv: Obj): void {
  const status = ensureObj(pv, 'status');
  setIfUnset(status, 'phase', 'Pending');
  const spec = ensureObj(pv, 'spec');
  setIfUnset(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setIfNil(spec, 'volumeMode', 'Filesystem');
  defaultResourceList(spec.capacity);
  defaultHostPath(objAt(spec, 'hostPath'));
  defaultRBD(objAt(spec, 'rbd'));
  defaultISCSI(objAt(spec, 'iscsi'));
  defaultAzureDisk(objAt(spec, 'azureDisk'));
  defaultScaleIO(objAt(spec, 'scaleIO'));
}

/** A PersistentVolumeClaim, also as a StatefulSet volumeClaimTemplate. */
export function defaultPersistentVolumeClaim(pvc: Obj): void {
  const status = ensureObj(pvc, 'status');
  setIfUnset(status, 'phase', 'Pending');
  defaultPVCSpec(ensureObj(pvc, 'spec'));
  defaultResourceList(status.capacity);
  defaultResourceList(status.allocatedResources);
}

export function defaultEndpoints(endpoints: Obj): void {
  for (const subset of objsAt(endpoints, 'subsets')) {
    for (const port of objsAt(subset, 'ports')) setIfUnset(port, 'protocol', 'TCP');
  }
}

/** SetDefaults_LimitRangeItem: container defaults fill from max, requests from defaults then min. */
export function defaultLimitRange(limitRange: Obj): void {
  for (const item of objsAt(objAt(limitRange, 'spec'), 'limits')) {
    if (item.type === 'Container') {
      const defaults = ensureObj(item, 'default');
      const defaultRequest = ensureObj(item, 'defaultRequest');
      for (const [name, value] of Object.entries(objAt(item, 'max') ?? {})) if (!(name in defaults)) defaults[name] = value;
      for (const [name, value] of Object.entries(defaults)) if (!(name in defaultRequest)) defaultRequest[name] = value;
      for (const [name, value] of Object.entries(objAt(item, 'min') ?? {})) if (!(name in defaultRequest)) defaultRequest[name] = value;
      // Empty maps are omitted on the wire, as Go's omitempty does.
      if (Object.keys(defaults).length === 0) delete item.default;
      if (Object.keys(defaultRequest).length === 0) delete item.defaultRequest;
    }
    for (const key of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) defaultResourceList(item[key]);
  }
}

export function defaultResourceQuota(quota: Obj): void {
  defaultResourceList(objAt(quota, 'spec')?.hard);
  const status = objAt(quota, 'status');
  defaultResourceList(status?.hard);
  defaultResourceList(status?.used);
}

/** SetDefaults_NodeStatus: allocatable defaults to capacity. */
export function defaultNode(node: Obj): void {
  const status = objAt(node, 'status');
  if (!status) return;
  if (isNil(status.allocatable) && isObj(status.capacity)) status.allocatable = { ...status.capacity };
  defaultResourceList(status.capacity);
  defaultResourceList(status.allocatable);
}
