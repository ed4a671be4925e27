// Pod volumes and the paths they project (pkg/apis/core/validation:
// ValidateVolumes, validateVolumeSource and the per-source validators).

import { validation } from '../../machinery/index.js';
import { validatePVCSpec, validateTemplateObjectMeta } from './storage-core.js';
import { parseQuantityValue } from './resources.js';
import {
  compareGoStrings,
  dnsLabel,
  forbidden,
  invalid,
  isNil,
  isObj,
  listAt,
  notSupported,
  numAt,
  objAt,
  optStr,
  qualifiedName,
  required,
  strAt,
  stringsAt,
  type Errs,
  type FieldPath,
  type Obj,
} from './util.js';

export const FILE_MODE_ERROR_MSG = 'must be a number between 0 and 0777 (octal), both inclusive';
const PD_PARTITION_ERROR_MSG = validation.inclusiveRangeError(1, 255);
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

/** validatePathNoBacksteps. */
export function validatePathNoBacksteps(targetPath: string, path: FieldPath): Errs {
  return targetPath.split('/').includes('..') ? [invalid(path, targetPath, "must not contain '..'")] : [];
}

/** validateLocalDescendingPath: relative, no '..' elements. */
export function validateLocalDescendingPath(targetPath: string, path: FieldPath): Errs {
  const errs: Errs = [];
  if (targetPath.startsWith('/')) errs.push(invalid(path, targetPath, 'must be a relative path'));
  return [...errs, ...validatePathNoBacksteps(targetPath, path)];
}

/** ValidateLocalNonReservedPath. */
export function validateLocalNonReservedPath(targetPath: string, path: FieldPath): Errs {
  const errs = validateLocalDescendingPath(targetPath, path);
  if (targetPath.startsWith('..') && !targetPath.startsWith('../')) errs.push(invalid(path, targetPath, "must not start with '..'"));
  return errs;
}

function validateFileMode(obj: Obj, key: string, path: FieldPath): Errs {
  const mode = numAt(obj, key);
  return mode !== undefined && (mode > 0o777 || mode < 0) ? [invalid(path.child(key), mode, FILE_MODE_ERROR_MSG)] : [];
}

function requiredString(obj: Obj, key: string, path: FieldPath, detail = ''): Errs {
  return strAt(obj, key) === '' ? [required(path.child(key), detail)] : [];
}

function validateKeyToPath(item: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  errs.push(...requiredString(item, 'key', path));
  errs.push(...requiredString(item, 'path', path));
  errs.push(...validateLocalNonReservedPath(strAt(item, 'path'), path.child('path')));
  errs.push(...validateFileMode(item, 'mode', path));
  return errs;
}

function validateItems(source: Obj, path: FieldPath): Errs {
  return listAt(source, 'items').flatMap((item, i) => validateKeyToPath(item, path.child('items').index(i)));
}

// ---- downward API field selectors (shared with env valueFrom) ----

export const ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const VOLUME_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.labels', 'metadata.annotations', 'metadata.uid'];
const CONVERTIBLE_FIELD_LABELS = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);

/** fieldpath.SplitMaybeSubscriptedPath: "metadata.labels['key']". */
function splitSubscript(fieldPath: string): { path: string; subscript: string } | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const trimmed = fieldPath.slice(0, -2);
  const at = trimmed.indexOf("['");
  if (at <= 0) return undefined;
  return { path: trimmed.slice(0, at), subscript: trimmed.slice(at + 2) };
}

/** podshelper.ConvertDownwardAPIFieldLabel for v1. */
function convertFieldLabel(version: string, label: string): { label: string } | { error: string } {
  if (version !== 'v1') return { error: `unsupported pod version: ${version}` };
  const split = splitSubscript(label);
  if (split) {
    if (split.path === 'metadata.annotations' || split.path === 'metadata.labels') return { label };
    return { error: `field label does not support subscript: ${label}` };
  }
  if (CONVERTIBLE_FIELD_LABELS.has(label)) return { label };
  if (label === 'spec.host') return { label: 'spec.nodeName' };
  return { error: `field label not supported: ${label}` };
}

export function validateObjectFieldSelector(selector: Obj, expressions: readonly string[], path: FieldPath): Errs {
  const apiVersion = strAt(selector, 'apiVersion');
  const fieldPath = strAt(selector, 'fieldPath');
  if (apiVersion === '') return [required(path.child('apiVersion'), '')];
  if (fieldPath === '') return [required(path.child('fieldPath'), '')];
  const converted = convertFieldLabel(apiVersion, fieldPath);
  if ('error' in converted) return [invalid(path.child('fieldPath'), fieldPath, `error converting fieldPath: ${converted.error}`)];
  const split = splitSubscript(converted.label);
  if (split) {
    if (split.path === 'metadata.annotations') return qualifiedName(split.subscript.toLowerCase(), path);
    if (split.path === 'metadata.labels') return qualifiedName(split.subscript, path);
    return [invalid(path, split.path, 'does not support subscript')];
  }
  if (!expressions.includes(converted.label)) {
    return [notSupported(path.child('fieldPath'), converted.label, [...expressions].sort(compareGoStrings))];
  }
  return [];
}

const RESOURCE_FIELD_PATHS = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];
const HUGEPAGES_FIELD_PREFIXES = ['limits.hugepages-', 'requests.hugepages-'];
const BINARY_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];

function validateDivisor(resource: string, selector: Obj, path: FieldPath): Errs {
  if (isNil(selector.divisor)) return [];
  const divisor = parseQuantityValue(selector.divisor);
  if (divisor === undefined || divisor.isZero()) return [];
  const text = divisor.toString();
  const divisorPath = path.child('divisor');
  const memoryLike = `only divisor's values ${BINARY_DIVISORS.join(', ')} are supported with the`;
  const errs: Errs = [];
  if ((resource === 'limits.cpu' || resource === 'requests.cpu') && !['1m', '1'].includes(text)) {
    errs.push(invalid(divisorPath, resource, "only divisor's values 1m and 1 are supported with the cpu resource"));
  }
  if ((resource === 'limits.memory' || resource === 'requests.memory') && !BINARY_DIVISORS.includes(text)) {
    errs.push(invalid(divisorPath, resource, `${memoryLike} memory resource`));
  }
  if ((resource === 'limits.ephemeral-storage' || resource === 'requests.ephemeral-storage') && !BINARY_DIVISORS.includes(text)) {
    errs.push(invalid(divisorPath, resource, `${memoryLike} local ephemeral storage resource`));
  }
  if (HUGEPAGES_FIELD_PREFIXES.some((p) => resource.startsWith(p)) && !BINARY_DIVISORS.includes(text)) {
    errs.push(invalid(divisorPath, resource, `${memoryLike} hugepages resource`));
  }
  return errs;
}

export function validateResourceFieldSelector(selector: Obj, path: FieldPath, volume: boolean): Errs {
  const errs: Errs = [];
  const resource = strAt(selector, 'resource');
  if (volume && strAt(selector, 'containerName') === '') errs.push(required(path.child('containerName'), ''));
  else if (resource === '') errs.push(required(path.child('resource'), ''));
  else if (!RESOURCE_FIELD_PATHS.includes(resource) && !HUGEPAGES_FIELD_PREFIXES.some((p) => resource.startsWith(p))) {
    errs.push(notSupported(path.child('resource'), resource, RESOURCE_FIELD_PATHS));
  }
  return [...errs, ...validateDivisor(resource, selector, path)];
}

function validateDownwardAPIFile(file: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  errs.push(...requiredString(file, 'path', path));
  errs.push(...validateLocalNonReservedPath(strAt(file, 'path'), path.child('path')));
  const fieldRef = objAt(file, 'fieldRef');
  const resourceFieldRef = objAt(file, 'resourceFieldRef');
  if (fieldRef) {
    errs.push(...validateObjectFieldSelector(fieldRef, VOLUME_FIELD_PATHS, path.child('fieldRef')));
    if (resourceFieldRef) errs.push(invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  } else if (resourceFieldRef) {
    errs.push(...validateResourceFieldSelector(resourceFieldRef, path.child('resourceFieldRef'), true));
  } else {
    errs.push(required(path, 'one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...validateFileMode(file, 'mode', path));
  return errs;
}

function validateProjected(projected: Obj, path: FieldPath, opts: VolumeOptions): Errs {
  const errs = validateFileMode(projected, 'defaultMode', path);
  const allPaths = new Set<string>();
  const claim = (p: string, badValue: string): void => {
    if (allPaths.has(p)) errs.push(invalid(path, badValue, 'conflicting duplicate paths'));
    else allPaths.add(p);
  };
  listAt(projected, 'sources').forEach((source, i) => {
    let numSources = 0;
    const srcPath = path.child('sources').index(i);
    for (const kind of ['secret', 'configMap'] as const) {
      const ref = objAt(source, kind);
      if (!ref) continue;
      numSources++;
      const refPath = srcPath.child(kind);
      errs.push(...requiredString(ref, 'name', refPath));
      listAt(ref, 'items').forEach((item, j) => {
        errs.push(...validateKeyToPath(item, refPath.child('items').index(j)));
        if (strAt(item, 'path') !== '') claim(strAt(item, 'path'), strAt(ref, 'name'));
      });
    }
    const downwardAPI = objAt(source, 'downwardAPI');
    if (downwardAPI) {
      numSources++;
      for (const file of listAt(downwardAPI, 'items')) {
        errs.push(...validateDownwardAPIFile(file, srcPath.child('downwardAPI')));
        if (strAt(file, 'path') !== '') claim(strAt(file, 'path'), strAt(file, 'path'));
      }
    }
    const token = objAt(source, 'serviceAccountToken');
    if (token) {
      numSources++;
      const tokenPath = srcPath.child('serviceAccountToken');
      const expiration = numAt(token, 'expirationSeconds') ?? 0;
      if (expiration < 600) errs.push(invalid(tokenPath.child('expirationSeconds'), expiration, 'may not specify a duration less than 10 minutes'));
      if (expiration > 2 ** 32) errs.push(invalid(tokenPath.child('expirationSeconds'), expiration, 'may not specify a duration larger than 2^32 seconds'));
      if (strAt(token, 'path') === '') errs.push(required(path.child('path'), ''));
      else if (!opts.allowNonLocalProjectedTokenPath) errs.push(...validateLocalNonReservedPath(strAt(token, 'path'), path.child('path')));
    }
    const bundle = objAt(source, 'clusterTrustBundle');
    if (bundle) {
      numSources++;
      const bundlePath = srcPath.child('clusterTrustBundle');
      if (strAt(bundle, 'path') === '') errs.push(required(bundlePath.child('path'), ''));
      errs.push(...validateLocalNonReservedPath(strAt(bundle, 'path'), bundlePath.child('path')));
      claim(strAt(bundle, 'path'), strAt(bundle, 'path'));
    }
    if (numSources > 1) errs.push(forbidden(srcPath, 'may not specify more than 1 volume type per source'));
  });
  return errs;
}

function validateHostPath(hostPath: Obj, path: FieldPath): Errs {
  const p = strAt(hostPath, 'path');
  if (p === '') return [required(path.child('path'), '')];
  const errs = validatePathNoBacksteps(p, path.child('path'));
  const type = optStr(hostPath, 'type');
  if (type !== undefined && !HOST_PATH_TYPES.includes(type)) errs.push(notSupported(path.child('type'), type, HOST_PATH_TYPES));
  return errs;
}

const ISCSI_IQN = /iqn\.\d{4}-\d{2}\.([A-Za-z0-9\-.]+)(:[^,;*&$|\s]+)$/;
const ISCSI_EUI = /^eui.[A-Za-z0-9]{16}$/;
const ISCSI_NAA = /^naa.[A-Za-z0-9]{32}$/;

function iqnErrors(value: string, path: FieldPath, prefixMessage: string): Errs {
  if (!value.startsWith('iqn') && !value.startsWith('eui') && !value.startsWith('naa')) return [invalid(path, value, prefixMessage)];
  if (value.startsWith('iqn') && !ISCSI_IQN.test(value)) return [invalid(path, value, 'must be valid format')];
  if (value.startsWith('eui') && !ISCSI_EUI.test(value)) return [invalid(path, value, 'must be valid format')];
  if (value.startsWith('naa') && !ISCSI_NAA.test(value)) return [invalid(path, value, 'must be valid format')];
  return [];
}

/** validateISCSIVolumeSource (pods) or validateISCSIPersistentVolumeSource (PVs). */
export function validateISCSI(iscsi: Obj, path: FieldPath, persistent: boolean): Errs {
  const errs = requiredString(iscsi, 'targetPortal', path);
  const iqn = strAt(iscsi, 'iqn');
  if (iqn === '') errs.push(required(path.child('iqn'), ''));
  else errs.push(...iqnErrors(iqn, path.child('iqn'), persistent ? 'must be valid format' : 'must be valid format starting with iqn, eui, or naa'));
  const lun = numAt(iscsi, 'lun') ?? 0;
  if (lun < 0 || lun > 255) errs.push(invalid(path.child('lun'), lun, validation.inclusiveRangeError(0, 255)));
  if ((iscsi.chapAuthDiscovery === true || iscsi.chapAuthSession === true) && isNil(iscsi.secretRef)) errs.push(required(path.child('secretRef'), ''));
  if (persistent && objAt(iscsi, 'secretRef') && strAt(objAt(iscsi, 'secretRef'), 'name') === '') {
    errs.push(required(path.child('secretRef', 'name'), ''));
  }
  const initiator = optStr(iscsi, 'initiatorName');
  if (initiator !== undefined) {
    const initiatorPath = path.child('initiatorname');
    if (!initiator.startsWith('iqn') && !initiator.startsWith('eui') && !initiator.startsWith('naa')) {
      errs.push(invalid(initiatorPath, initiator, persistent ? 'must be valid format' : 'must be valid format starting with iqn, eui, or naa'));
    }
    if (initiator.startsWith('iqn') && !ISCSI_IQN.test(initiator)) errs.push(invalid(initiatorPath, initiator, 'must be valid format'));
    else if (initiator.startsWith('eui') && !ISCSI_EUI.test(initiator)) errs.push(invalid(initiatorPath, initiator, 'must be valid format'));
    else if (initiator.startsWith('naa') && !ISCSI_NAA.test(initiator)) errs.push(invalid(initiatorPath, initiator, 'must be valid format'));
  }
  return errs;
}

function validateFC(fc: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  const wwns = stringsAt(fc, 'targetWWNs');
  const wwids = stringsAt(fc, 'wwids');
  if (wwns.length < 1 && wwids.length < 1) errs.push(required(path.child('targetWWNs'), 'must specify either targetWWNs or wwids, but not both'));
  if (wwns.length !== 0 && wwids.length !== 0) {
    errs.push(invalid(path.child('targetWWNs'), wwns, 'targetWWNs and wwids can not be specified simultaneously'));
  }
  if (wwns.length !== 0) {
    const lun = numAt(fc, 'lun');
    if (lun === undefined) errs.push(required(path.child('lun'), 'lun is required if targetWWNs is specified'));
    else if (lun < 0 || lun > 255) errs.push(invalid(path.child('lun'), lun, validation.inclusiveRangeError(0, 255)));
  }
  return errs;
}

function validateFlexOptions(flex: Obj, path: FieldPath): Errs {
  const errs = requiredString(flex, 'driver', path);
  for (const key of Object.keys(objAt(flex, 'options') ?? {}).sort(compareGoStrings)) {
    const slash = key.indexOf('/');
    const namespace = slash >= 0 ? key.slice(0, slash) : key;
    const normalized = `.${namespace.toLowerCase()}`;
    if (normalized.endsWith('.kubernetes.io') || normalized.endsWith('.k8s.io')) {
      errs.push(invalid(path.child('options').key(key), key, 'kubernetes.io and k8s.io namespaces are reserved'));
    }
  }
  return errs;
}

function validateAzureDisk(disk: Obj, path: FieldPath): Errs {
  const errs = [...requiredString(disk, 'diskName', path), ...requiredString(disk, 'diskURI', path)];
  const cachingMode = optStr(disk, 'cachingMode');
  if (cachingMode !== undefined && !['None', 'ReadOnly', 'ReadWrite'].includes(cachingMode)) {
    errs.push(notSupported(path.child('cachingMode'), cachingMode, ['None', 'ReadOnly', 'ReadWrite']));
  }
  const kind = optStr(disk, 'kind');
  if (kind !== undefined && !['Dedicated', 'Managed', 'Shared'].includes(kind)) {
    errs.push(notSupported(path.child('kind'), kind, ['Dedicated', 'Managed', 'Shared']));
  }
  const uri = strAt(disk, 'diskURI');
  if (kind === 'Managed' && !uri.startsWith('/subscriptions/')) {
    errs.push(notSupported(path.child('diskURI'), uri, ['/subscriptions/{sub-id}/resourcegroups/{group-name}/providers/microsoft.compute/disks/{disk-id}']));
  }
  if (kind !== undefined && kind !== 'Managed' && !uri.startsWith('https://')) {
    errs.push(notSupported(path.child('diskURI'), uri, ['https://{account-name}.blob.core.windows.net/{container-name}/{disk-name}.vhd']));
  }
  return errs;
}

function validateStorageOS(source: Obj, path: FieldPath, persistent: boolean): Errs {
  const errs: Errs = [];
  const volumeName = strAt(source, 'volumeName');
  if (volumeName === '') errs.push(required(path.child('volumeName'), ''));
  else errs.push(...dnsLabel(volumeName, path.child('volumeName')));
  const volumeNamespace = strAt(source, 'volumeNamespace');
  if (volumeNamespace !== '') errs.push(...dnsLabel(volumeNamespace, path.child('volumeNamespace')));
  const secretRef = objAt(source, 'secretRef');
  if (secretRef) {
    if (strAt(secretRef, 'name') === '') errs.push(required(path.child('secretRef', 'name'), ''));
    if (persistent && strAt(secretRef, 'namespace') === '') errs.push(required(path.child('secretRef', 'namespace'), ''));
  }
  return errs;
}

/** ValidateCSIDriverName. */
export function validateCSIDriverName(driver: string, path: FieldPath): Errs {
  const errs: Errs = [];
  if (driver.length === 0) errs.push(required(path, ''));
  if (driver.length > 63) errs.push(validation.tooLong(path, 63));
  errs.push(...validation.isDNS1123Subdomain(driver.toLowerCase()).map((msg) => invalid(path, driver, msg)));
  return errs;
}

function validateQuobyte(quobyte: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  const registry = strAt(quobyte, 'registry');
  if (registry === '') errs.push(required(path.child('registry'), 'must be a host:port pair or multiple pairs separated by commas'));
  else if (strAt(quobyte, 'tenant').length >= 65) {
    errs.push(required(path.child('tenant'), 'must be a UUID and may not exceed a length of 64 characters'));
  } else {
    for (const pair of registry.split(',')) {
      if (!/^(\[[^\]]*\]|[^:[\]]*):[^:]*$/.test(pair)) {
        errs.push(invalid(path.child('registry'), registry, 'must be a host:port pair or multiple pairs separated by commas'));
      }
    }
  }
  errs.push(...requiredString(quobyte, 'volume', path));
  return errs;
}

export interface VolumeOptions {
  readonly resourceIsPod: boolean;
  readonly allowNonLocalProjectedTokenPath?: boolean;
}

type SourceValidator = (source: Obj, path: FieldPath, volumeName: string, podName: string | undefined, opts: VolumeOptions) => Errs;

/** [source key, path name used in the "more than 1" error, path name for its own errors, validator]. */
const VOLUME_SOURCES: ReadonlyArray<readonly [string, string, string, SourceValidator]> = [
  [
    'emptyDir',
    'emptyDir',
    'emptyDir',
    (s, p) => {
      const size = isNil(s.sizeLimit) ? undefined : parseQuantityValue(s.sizeLimit);
      return size !== undefined && size.sign() < 0 ? [forbidden(p.child('sizeLimit'), 'SizeLimit field must be a valid resource quantity')] : [];
    },
  ],
  ['hostPath', 'hostPath', 'hostPath', (s, p) => validateHostPath(s, p)],
  ['gitRepo', 'gitRepo', 'gitRepo', (s, p) => [...requiredString(s, 'repository', p), ...validateLocalDescendingPath(strAt(s, 'directory'), p.child('directory'))]],
  ['gcePersistentDisk', 'gcePersistentDisk', 'persistentDisk', (s, p) => validatePersistentDisk(s, p, 'pdName')],
  ['awsElasticBlockStore', 'awsElasticBlockStore', 'awsElasticBlockStore', (s, p) => validatePersistentDisk(s, p, 'volumeID')],
  ['secret', 'secret', 'secret', (s, p) => [...requiredString(s, 'secretName', p), ...validateFileMode(s, 'defaultMode', p), ...validateItems(s, p)]],
  ['nfs', 'nfs', 'nfs', (s, p) => validateNFS(s, p)],
  [
    'iscsi',
    'iscsi',
    'iscsi',
    (s, p, volumeName) => {
      const errs = validateISCSI(s, p, false);
      if (!isNil(s.initiatorName) && `${volumeName}:${strAt(s, 'targetPortal')}`.length > 64) {
        errs.push(invalid(p.child('name'), volumeName, 'Total length of <volume name>:<iscsi.targetPortal> must be under 64 characters if iscsi.initiatorName is specified.'));
      }
      return errs;
    },
  ],
  ['glusterfs', 'glusterfs', 'glusterfs', (s, p) => [...requiredString(s, 'endpoints', p), ...requiredString(s, 'path', p)]],
  ['flocker', 'flocker', 'flocker', (s, p) => validateFlocker(s, p)],
  ['persistentVolumeClaim', 'persistentVolumeClaim', 'persistentVolumeClaim', (s, p) => requiredString(s, 'claimName', p)],
  ['rbd', 'rbd', 'rbd', (s, p) => validateRBD(s, p)],
  ['cinder', 'cinder', 'cinder', (s, p) => validateCinder(s, p, false)],
  ['cephfs', 'cephFS', 'cephfs', (s, p) => (stringsAt(s, 'monitors').length === 0 ? [required(p.child('monitors'), '')] : [])],
  ['quobyte', 'quobyte', 'quobyte', (s, p) => validateQuobyte(s, p)],
  [
    'downwardAPI',
    'downwarAPI',
    'downwardAPI',
    (s, p) => [...validateFileMode(s, 'defaultMode', p), ...listAt(s, 'items').flatMap((file) => validateDownwardAPIFile(file, p))],
  ],
  ['fc', 'fc', 'fc', (s, p) => validateFC(s, p)],
  ['flexVolume', 'flexVolume', 'flexVolume', (s, p) => validateFlexOptions(s, p)],
  ['configMap', 'configMap', 'configMap', (s, p) => [...requiredString(s, 'name', p), ...validateFileMode(s, 'defaultMode', p), ...validateItems(s, p)]],
  ['azureFile', 'azureFile', 'azureFile', (s, p) => [...requiredString(s, 'secretName', p), ...requiredString(s, 'shareName', p)]],
  ['vsphereVolume', 'vsphereVolume', 'vsphereVolume', (s, p) => requiredString(s, 'volumePath', p)],
  ['photonPersistentDisk', 'photonPersistentDisk', 'photonPersistentDisk', (s, p) => requiredString(s, 'pdID', p)],
  ['portworxVolume', 'portworxVolume', 'portworxVolume', (s, p) => requiredString(s, 'volumeID', p)],
  ['azureDisk', 'azureDisk', 'azureDisk', (s, p) => validateAzureDisk(s, p)],
  ['storageos', 'storageos', 'storageos', (s, p) => validateStorageOS(s, p, false)],
  ['projected', 'projected', 'projected', (s, p, _n, _pod, opts) => validateProjected(s, p, opts)],
  ['scaleIO', 'scaleIO', 'scaleIO', (s, p) => ['gateway', 'system', 'volumeName'].flatMap((k) => requiredString(s, k, p))],
  ['csi', 'csi', 'csi', (s, p) => validateCSIVolume(s, p)],
  [
    'ephemeral',
    'ephemeral',
    'ephemeral',
    (s, p, volumeName, podName) => {
      const template = objAt(s, 'volumeClaimTemplate');
      const errs: Errs = [];
      if (!template) errs.push(required(p.child('volumeClaimTemplate'), ''));
      else {
        const templatePath = p.child('volumeClaimTemplate');
        errs.push(...validateTemplateObjectMeta(objAt(template, 'metadata'), templatePath.child('metadata')));
        errs.push(...validatePVCSpec(objAt(template, 'spec') ?? {}, templatePath.child('spec')));
      }
      if (podName !== undefined && podName !== '' && volumeName !== '') {
        const pvcName = `${podName}-${volumeName}`;
        for (const msg of validation.isDNS1123Subdomain(pvcName)) {
          errs.push(invalid(p.child('name'), volumeName, `PVC name ${validation.goQuote(pvcName)}: ${msg}`));
        }
      }
      return errs;
    },
  ],
  [
    'image',
    'image',
    'image',
    (s, p, _n, _pod, opts) => {
      const errs: Errs = [];
      const reference = strAt(s, 'reference');
      if (opts.resourceIsPod && reference === '') errs.push(required(p.child('reference'), ''));
      if (reference !== reference.trim()) errs.push(invalid(p.child('reference'), reference, 'must not have leading or trailing whitespace'));
      errs.push(...validatePullPolicy(strAt(s, 'pullPolicy'), p.child('pullPolicy')));
      return errs;
    },
  ],
];

function validatePersistentDisk(source: Obj, path: FieldPath, idKey: string): Errs {
  const errs = requiredString(source, idKey, path);
  const partition = numAt(source, 'partition') ?? 0;
  if (partition < 0 || partition > 255) errs.push(invalid(path.child('partition'), partition, PD_PARTITION_ERROR_MSG));
  return errs;
}

function validateNFS(nfs: Obj, path: FieldPath): Errs {
  const errs = [...requiredString(nfs, 'server', path), ...requiredString(nfs, 'path', path)];
  if (!strAt(nfs, 'path').startsWith('/')) errs.push(invalid(path.child('path'), strAt(nfs, 'path'), 'must be an absolute path'));
  return errs;
}

function validateFlocker(flocker: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  const name = strAt(flocker, 'datasetName');
  const uuid = strAt(flocker, 'datasetUUID');
  if (name === '' && uuid === '') errs.push(required(path, 'one of datasetName and datasetUUID is required'));
  if (name !== '' && uuid !== '') errs.push(invalid(path, 'resource', 'datasetName and datasetUUID can not be specified simultaneously'));
  if (name.includes('/')) errs.push(invalid(path.child('datasetName'), name, "must not contain '/'"));
  return errs;
}

export function validateRBD(rbd: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  if (stringsAt(rbd, 'monitors').length === 0) errs.push(required(path.child('monitors'), ''));
  errs.push(...requiredString(rbd, 'image', path));
  return errs;
}

export function validateCinder(cinder: Obj, path: FieldPath, persistent: boolean): Errs {
  const errs = requiredString(cinder, 'volumeID', path);
  const secretRef = objAt(cinder, 'secretRef');
  if (secretRef) {
    if (strAt(secretRef, 'name') === '') errs.push(required(path.child('secretRef', 'name'), ''));
    if (persistent && strAt(secretRef, 'namespace') === '') errs.push(required(path.child('secretRef', 'namespace'), ''));
  }
  return errs;
}

function validateCSIVolume(csi: Obj, path: FieldPath): Errs {
  const errs = validateCSIDriverName(strAt(csi, 'driver'), path.child('driver'));
  const ref = objAt(csi, 'nodePublishSecretRef');
  if (ref) {
    const name = strAt(ref, 'name');
    if (name === '') errs.push(required(path.child('nodePublishSecretRef', 'name'), ''));
    else errs.push(...validation.isDNS1123Subdomain(name).map((msg) => invalid(path.child('name'), name, msg)));
  }
  return errs;
}

/** validatePullPolicy. */
export function validatePullPolicy(policy: string, path: FieldPath): Errs {
  if (policy === 'Always' || policy === 'IfNotPresent' || policy === 'Never') return [];
  if (policy === '') return [required(path, '')];
  return [notSupported(path, policy, ['Always', 'IfNotPresent', 'Never'])];
}

/** The declared source keys of a volume in upstream's checking order. */
export const VOLUME_SOURCE_ORDER: readonly string[] = VOLUME_SOURCES.map(([key]) => key);

function validateVolumeSource(volume: Obj, path: FieldPath, volumeName: string, podName: string | undefined, opts: VolumeOptions): Errs {
  const errs: Errs = [];
  let numVolumes = 0;
  for (const [key, forbiddenName, childName, validate] of VOLUME_SOURCES) {
    const source = volume[key];
    if (isNil(source)) continue;
    if (numVolumes > 0) {
      errs.push(forbidden(path.child(forbiddenName), 'may not specify more than 1 volume type'));
      continue;
    }
    numVolumes++;
    errs.push(...validate(isObj(source) ? source : {}, path.child(childName), volumeName, podName, opts));
  }
  if (numVolumes === 0) errs.push(required(path, 'must specify a volume type'));
  return errs;
}

/** A volume source as the rest of pod validation needs it. */
export interface VolumeInfo {
  readonly isPVC: boolean;
  readonly isImage: boolean;
}

/** ValidateVolumes: the valid volumes by name, and the errors. */
export function validateVolumes(volumes: Obj[], podName: string | undefined, path: FieldPath, opts: VolumeOptions): { vols: Map<string, VolumeInfo>; errs: Errs } {
  const errs: Errs = [];
  const vols = new Map<string, VolumeInfo>();
  const createdPVCs = new Set<string>();
  if (podName !== undefined && podName !== '') {
    for (const volume of volumes) if (!isNil(volume.ephemeral)) createdPVCs.add(`${podName}-${strAt(volume, 'name')}`);
  }
  volumes.forEach((volume, i) => {
    const idxPath = path.index(i);
    const namePath = idxPath.child('name');
    const name = strAt(volume, 'name');
    const el = validateVolumeSource(volume, idxPath, name, podName, opts);
    if (name === '') el.push(required(namePath, ''));
    else el.push(...dnsLabel(name, namePath));
    if (vols.has(name)) el.push(validation.duplicate(namePath, name));
    if (el.length === 0) vols.set(name, { isPVC: !isNil(volume.persistentVolumeClaim) || !isNil(volume.ephemeral), isImage: !isNil(volume.image) });
    else errs.push(...el);
    const claim = objAt(volume, 'persistentVolumeClaim');
    if (claim && createdPVCs.has(strAt(claim, 'claimName'))) {
      errs.push(invalid(idxPath.child('persistentVolumeClaim').child('claimName'), strAt(claim, 'claimName'), 'must not reference a PVC that gets created for an ephemeral volume'));
    }
  });
  return { vols, errs };
}

