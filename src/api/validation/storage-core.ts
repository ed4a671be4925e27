// PersistentVolumes and PersistentVolumeClaims (core/v1), and the template
// ObjectMeta rules shared by PVC templates.

import { labels as validationLabels, validation } from '../../machinery/index.js';
import { parseQuantityValue, resourceEntries, validateResourceQuantityValue } from './resources.js';
import { validateCinder, validateCSIDriverName, validateISCSI, validatePathNoBacksteps, validateRBD } from './volumes.js';
import { validateNodeSelector } from './affinity.js';
import { specDiff } from './diff.js';
import {
  dnsLabel,
  dnsSubdomain,
  forbidden,
  invalid,
  isNil,
  isObj,
  notSupported,
  objAt,
  optStr,
  required,
  semanticEqual,
  strAt,
  stringsAt,
  type Errs,
  type FieldPath,
  type Obj,
} from './util.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const VOLUME_MODES = ['Block', 'Filesystem'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];

/** ObjectMeta fields in declaration order, with the name validateFieldAllowList prints (first rune lowered). */
const OBJECT_META_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['name', 'name'],
  ['generateName', 'generateName'],
  ['namespace', 'namespace'],
  ['selfLink', 'selfLink'],
  ['uid', 'uID'],
  ['resourceVersion', 'resourceVersion'],
  ['generation', 'generation'],
  ['creationTimestamp', 'creationTimestamp'],
  ['deletionTimestamp', 'deletionTimestamp'],
  ['deletionGracePeriodSeconds', 'deletionGracePeriodSeconds'],
  ['ownerReferences', 'ownerReferences'],
  ['finalizers', 'finalizers'],
  ['managedFields', 'managedFields'],
];

function isZeroJSON(value: unknown): boolean {
  if (isNil(value) || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObj(value) && Object.keys(value).length === 0;
}

/** ValidateTemplateObjectMeta: only labels and annotations may be set. */
export function validateTemplateObjectMeta(meta: Obj | undefined, path: FieldPath): Errs {
  const errs = validation.validateAnnotations(objAt(meta, 'annotations') as Record<string, string> | undefined, path.child('annotations'));
  errs.push(...validation.validateLabels(objAt(meta, 'labels') as Record<string, string> | undefined, path.child('labels')));
  for (const [key, goName] of OBJECT_META_FIELDS) {
    if (!isZeroJSON(meta?.[key])) errs.push(forbidden(path.child(goName), 'cannot be set'));
  }
  return errs;
}

function validateAccessModes(modes: string[], path: FieldPath): Errs {
  const errs: Errs = [];
  let rwop = false;
  let other = false;
  for (const mode of modes) {
    if (!ACCESS_MODES.includes(mode)) errs.push(notSupported(path, mode, ACCESS_MODES));
    if (mode === 'ReadWriteOncePod') rwop = true;
    else if (ACCESS_MODES.includes(mode)) other = true;
  }
  if (rwop && other) errs.push(forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validateDataSource(source: Obj, path: FieldPath, withNamespace: boolean): Errs {
  const errs: Errs = [];
  if (strAt(source, 'name') === '') errs.push(required(path.child('name'), ''));
  const kind = strAt(source, 'kind');
  if (kind === '') errs.push(required(path.child('kind'), ''));
  const apiGroup = strAt(source, 'apiGroup');
  if (apiGroup === '' && kind !== 'PersistentVolumeClaim') {
    errs.push(invalid(path, kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  }
  if (apiGroup !== '') errs.push(...dnsSubdomain(apiGroup, path.child('apiGroup')));
  const namespace = withNamespace ? strAt(source, 'namespace') : '';
  if (namespace !== '') errs.push(...dnsLabel(namespace, path.child('namespace')));
  return errs;
}

/** ValidatePersistentVolumeClaimSpec. */
export function validatePVCSpec(spec: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  const modes = stringsAt(spec, 'accessModes');
  if (modes.length === 0) errs.push(required(path.child('accessModes'), 'at least 1 access mode is required'));
  const selector = objAt(spec, 'selector');
  if (selector) errs.push(...validateSelector(selector, path.child('selector')));
  errs.push(...validateAccessModes(modes, path.child('accessModes')));
  const storagePath = path.child('resources').key('storage');
  const requests = objAt(objAt(spec, 'resources'), 'requests');
  const storage = requests && !isNil(requests.storage) ? parseQuantityValue(requests.storage) : undefined;
  if (!requests || isNil(requests.storage)) errs.push(required(storagePath, ''));
  else if (storage !== undefined) {
    if (storage.sign() <= 0) errs.push(invalid(storagePath, storage.toString(), 'must be greater than zero'));
    else errs.push(...validateResourceQuantityValue('storage', storage, storagePath));
  }
  const storageClassName = optStr(spec, 'storageClassName');
  if (storageClassName !== undefined && storageClassName !== '') errs.push(...dnsSubdomain(storageClassName, path.child('storageClassName')));
  const volumeMode = optStr(spec, 'volumeMode');
  if (volumeMode !== undefined && !VOLUME_MODES.includes(volumeMode)) errs.push(notSupported(path.child('volumeMode'), volumeMode, VOLUME_MODES));
  const dataSource = objAt(spec, 'dataSource');
  const dataSourceRef = objAt(spec, 'dataSourceRef');
  if (dataSource) errs.push(...validateDataSource(dataSource, path.child('dataSource'), false));
  if (dataSourceRef) errs.push(...validateDataSource(dataSourceRef, path.child('dataSourceRef'), true));
  if (dataSourceRef && strAt(dataSourceRef, 'namespace') !== '') {
    if (dataSource) errs.push(invalid(path, path.child('dataSource').toString(), 'may not be specified when dataSourceRef.namespace is specified'));
  } else if (dataSource && dataSourceRef) {
    const same =
      strAt(dataSource, 'apiGroup') === strAt(dataSourceRef, 'apiGroup') &&
      strAt(dataSource, 'kind') === strAt(dataSourceRef, 'kind') &&
      strAt(dataSource, 'name') === strAt(dataSourceRef, 'name');
    if (!same) errs.push(invalid(path, path.child('dataSource').toString(), 'must match dataSourceRef'));
  }
  const vac = optStr(spec, 'volumeAttributesClassName');
  if (vac !== undefined && vac !== '') errs.push(...dnsSubdomain(vac, path.child('volumeAttributesClassName')));
  return errs;
}

function validateSelector(selector: Obj, path: FieldPath): Errs {
  return validationLabels.validateLabelSelector(selector, {}, path);
}


export function validatePersistentVolumeClaim(pvc: Obj): Errs {
  return validatePVCSpec(objAt(pvc, 'spec') ?? {}, validation.newPath('spec'));
}

/** ValidatePersistentVolumeClaimUpdate (spec part). */
export function validatePersistentVolumeClaimUpdate(pvc: Obj, old: Obj): Errs {
  const errs = validatePersistentVolumeClaim(pvc);
  const newSpec = structuredClone(objAt(pvc, 'spec') ?? {});
  const oldSpec = structuredClone(objAt(old, 'spec') ?? {});
  // volumeName may be set once; storageClassName may go from nil to a value.
  if (strAt(oldSpec, 'volumeName') === '') oldSpec.volumeName = newSpec.volumeName;
  const oldAnnotations = objAt(objAt(old, 'metadata'), 'annotations') ?? {};
  const betaClass = oldAnnotations['volume.beta.kubernetes.io/storage-class'];
  if (isNil(oldSpec.storageClassName) && !isNil(newSpec.storageClassName) && (betaClass === undefined || betaClass === newSpec.storageClassName)) {
    oldSpec.storageClassName = newSpec.storageClassName;
  }
  const bound = strAt(objAt(pvc, 'status'), 'phase') === 'Bound';
  if (bound) {
    const newRequests = objAt(objAt(newSpec, 'resources'), 'requests');
    if (newRequests) newRequests.storage = objAt(objAt(oldSpec, 'resources'), 'requests')?.storage;
    if (!isNil(newSpec.volumeAttributesClassName)) newSpec.volumeAttributesClassName = oldSpec.volumeAttributesClassName;
  }
  if (!semanticEqual(newSpec, oldSpec)) {
    errs.push(
      forbidden(
        validation.newPath('spec'),
        `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${specDiff('core.PersistentVolumeClaimSpec', oldSpec, newSpec)}`,
      ),
    );
  }
  const storageOf = (o: Obj): ReturnType<typeof parseQuantityValue> => {
    const value = objAt(objAt(objAt(o, 'spec'), 'resources'), 'requests')?.storage;
    return isNil(value) ? undefined : parseQuantityValue(value);
  };
  const newSize = storageOf(pvc);
  const oldSize = storageOf(old);
  if (newSize && oldSize && newSize.cmp(oldSize) < 0) {
    const capacity = objAt(objAt(old, 'status'), 'capacity')?.storage;
    const statusSize = isNil(capacity) ? undefined : parseQuantityValue(capacity);
    // RecoverVolumeExpansionFailure is on in 1.33: shrinking is allowed down to (not to) status.capacity.
    if (newSize.cmp(statusSize ?? parseQuantityValue('0')!) <= 0) {
      errs.push(forbidden(validation.newPath('spec', 'resources', 'requests', 'storage'), 'field can not be less than status.capacity'));
    }
  }
  errs.push(...immutableVolumeMode(pvc, old));
  return errs;
}

function immutableVolumeMode(obj: Obj, old: Obj): Errs {
  const newMode = objAt(obj, 'spec')?.volumeMode ?? null;
  const oldMode = objAt(old, 'spec')?.volumeMode ?? null;
  return newMode === oldMode ? [] : [invalid(validation.newPath('volumeMode'), newMode, validation.FIELD_IMMUTABLE_ERROR_MSG)];
}

/** The PersistentVolumeSource members in upstream's checking order, with the path name of their own errors. */
const PV_SOURCES: ReadonlyArray<readonly [string, string]> = [
  ['hostPath', 'hostPath'],
  ['gcePersistentDisk', 'persistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['glusterfs', 'glusterfs'],
  ['flocker', 'flocker'],
  ['nfs', 'nfs'],
  ['rbd', 'rbd'],
  ['quobyte', 'quobyte'],
  ['cephfs', 'cephfs'],
  ['iscsi', 'iscsi'],
  ['cinder', 'cinder'],
  ['fc', 'fc'],
  ['flexVolume', 'flexVolume'],
  ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'],
  ['azureDisk', 'azureDisk'],
  ['scaleIO', 'scaleIO'],
  ['local', 'local'],
  ['storageos', 'storageos'],
  ['csi', 'csi'],
];

function requiredStr(obj: Obj, key: string, path: FieldPath): Errs {
  return strAt(obj, key) === '' ? [required(path.child(key), '')] : [];
}

function validatePVSecretReference(ref: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  const name = strAt(ref, 'name');
  if (name === '') errs.push(required(path.child('name'), ''));
  else errs.push(...dnsSubdomain(name, path.child('name')));
  const namespace = strAt(ref, 'namespace');
  if (namespace === '') errs.push(required(path.child('namespace'), ''));
  else errs.push(...dnsLabel(namespace, path.child('namespace')));
  return errs;
}

function validatePVSource(key: string, source: Obj, path: FieldPath, pvName: string): Errs {
  switch (key) {
    case 'hostPath': {
      const p = strAt(source, 'path');
      if (p === '') return [required(path.child('path'), '')];
      const errs = validatePathNoBacksteps(p, path.child('path'));
      const type = optStr(source, 'type');
      const types = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
      if (type !== undefined && !types.includes(type)) errs.push(notSupported(path.child('type'), type, types));
      return errs;
    }
    case 'gcePersistentDisk':
      return requiredStr(source, 'pdName', path);
    case 'awsElasticBlockStore':
      return requiredStr(source, 'volumeID', path);
    case 'glusterfs':
      return [...requiredStr(source, 'endpoints', path), ...requiredStr(source, 'path', path)];
    case 'nfs': {
      const errs = [...requiredStr(source, 'server', path), ...requiredStr(source, 'path', path)];
      if (!strAt(source, 'path').startsWith('/')) errs.push(invalid(path.child('path'), strAt(source, 'path'), 'must be an absolute path'));
      return errs;
    }
    case 'rbd':
      return validateRBD(source, path);
    case 'cephfs':
      return stringsAt(source, 'monitors').length === 0 ? [required(path.child('monitors'), '')] : [];
    case 'iscsi': {
      const errs = validateISCSI(source, path, true);
      if (!isNil(source.initiatorName) && `${pvName}:${strAt(source, 'targetPortal')}`.length > 64) {
        errs.push(
          invalid(path.child('targetportal'), strAt(source, 'targetPortal'), 'Total length of <volume name>:<iscsi.targetPortal> must be under 64 characters if iscsi.initiatorName is specified.'),
        );
      }
      return errs;
    }
    case 'cinder':
      return validateCinder(source, path, true);
    case 'local': {
      const p = strAt(source, 'path');
      return p === '' ? [required(path.child('path'), '')] : validatePathNoBacksteps(p, path.child('path'));
    }
    case 'csi': {
      const errs = validateCSIDriverName(strAt(source, 'driver'), path.child('driver'));
      errs.push(...requiredStr(source, 'volumeHandle', path));
      for (const ref of ['controllerPublishSecretRef', 'controllerExpandSecretRef', 'nodePublishSecretRef', 'nodeExpandSecretRef']) {
        const value = objAt(source, ref);
        if (value) errs.push(...validatePVSecretReference(value, path.child(ref)));
      }
      return errs;
    }
    default:
      return [];
  }
}

/** ValidatePersistentVolumeSpec for a stored PV (not an inline CSI spec). */
export function validatePersistentVolume(pv: Obj): Errs {
  const path = validation.newPath('spec');
  const spec = objAt(pv, 'spec') ?? {};
  const pvName = strAt(objAt(pv, 'metadata'), 'name');
  const errs: Errs = [];
  const modes = stringsAt(spec, 'accessModes');
  if (modes.length === 0) errs.push(required(path.child('accessModes'), ''));
  errs.push(...validateAccessModes(modes, path.child('accessModes')));
  const capacity = objAt(spec, 'capacity');
  if (!capacity || Object.keys(capacity).length === 0) errs.push(required(path.child('capacity'), ''));
  if (!capacity || isNil(capacity.storage) || Object.keys(capacity).length > 1) {
    errs.push(notSupported(path.child('capacity'), capacity ?? null, ['storage']));
  }
  for (const [name, value] of resourceEntries(capacity)) {
    const capPath = path.child('capacity').key(name);
    if (value.value() < 0n) errs.push(invalid(capPath, Number(value.value()), 'must be a valid resource quantity'));
    if (value.sign() <= 0) errs.push(invalid(capPath, value.toString(), 'must be greater than zero'));
  }
  const reclaim = strAt(spec, 'persistentVolumeReclaimPolicy');
  if (reclaim !== '' && !RECLAIM_POLICIES.includes(reclaim)) errs.push(notSupported(path.child('persistentVolumeReclaimPolicy'), reclaim, RECLAIM_POLICIES));
  let nodeAffinitySpecified = false;
  const nodeAffinity = objAt(spec, 'nodeAffinity');
  if (nodeAffinity) {
    nodeAffinitySpecified = true;
    const requiredTerms = objAt(nodeAffinity, 'required');
    if (requiredTerms) {
      errs.push(...validateNodeSelector(requiredTerms, false, path.child('nodeAffinity').child('required')));
    } else {
      errs.push(required(path.child('nodeAffinity').child('required'), 'must specify required node constraints'));
    }
  }
  let numVolumes = 0;
  for (const [key, childName] of PV_SOURCES) {
    if (isNil(spec[key])) continue;
    if (numVolumes > 0 && key !== 'flexVolume') {
      errs.push(forbidden(path.child(key), 'may not specify more than 1 volume type'));
      continue;
    }
    numVolumes++;
    const source = isObj(spec[key]) ? (spec[key] as Obj) : {};
    errs.push(...validatePVSource(key, source, path.child(childName), pvName));
    if (key === 'local' && !nodeAffinitySpecified) errs.push(required(path.child('nodeAffinity'), 'Local volume requires node affinity'));
  }
  if (numVolumes === 0) errs.push(required(path, 'must specify a volume type'));
  const hostPath = objAt(spec, 'hostPath');
  if (hostPath && strAt(hostPath, 'path').replace(/\/+$/, '') === '' && strAt(hostPath, 'path') !== '' && reclaim === 'Recycle') {
    errs.push(forbidden(path.child('persistentVolumeReclaimPolicy'), "may not be 'recycle' for a hostPath mount of '/'"));
  }
  const storageClassName = strAt(spec, 'storageClassName');
  if (storageClassName !== '') errs.push(...dnsSubdomain(storageClassName, path.child('storageClassName')));
  const volumeMode = optStr(spec, 'volumeMode');
  if (volumeMode !== undefined && !VOLUME_MODES.includes(volumeMode)) errs.push(notSupported(path.child('volumeMode'), volumeMode, VOLUME_MODES));
  return errs;
}

const PV_SOURCE_KEYS = new Set(PV_SOURCES.map(([key]) => key));

export function validatePersistentVolumeUpdate(pv: Obj, old: Obj): Errs {
  const errs = validatePersistentVolume(pv);
  const pick = (o: Obj): Obj => {
    const spec = objAt(o, 'spec') ?? {};
    return Object.fromEntries(Object.entries(spec).filter(([k]) => PV_SOURCE_KEYS.has(k)));
  };
  const newSource = pick(pv);
  const oldSource = pick(old);
  // A CSI controllerExpandSecretRef may be added once.
  const newCSI = objAt(newSource, 'csi');
  const oldCSI = objAt(oldSource, 'csi');
  if (newCSI && oldCSI && isNil(oldCSI.controllerExpandSecretRef) && !isNil(newCSI.controllerExpandSecretRef)) {
    newSource.csi = { ...newCSI };
    delete (newSource.csi as Obj).controllerExpandSecretRef;
  }
  if (!semanticEqual(newSource, oldSource)) {
    errs.push(
      forbidden(
        validation.newPath('spec', 'persistentvolumesource'),
        `spec.persistentvolumesource is immutable after creation\n${specDiff('core.PersistentVolumeSource', oldSource, newSource)}`,
      ),
    );
  }
  errs.push(...immutableVolumeMode(pv, old));
  const oldAffinity = objAt(objAt(old, 'spec'), 'nodeAffinity');
  const newAffinity = objAt(objAt(pv, 'spec'), 'nodeAffinity');
  if (oldAffinity && !semanticEqual(oldAffinity, newAffinity)) {
    errs.push(
      invalid(
        validation.newPath('nodeAffinity'),
        newAffinity ?? null,
        `${validation.FIELD_IMMUTABLE_ERROR_MSG}, except for updating from beta label to GA`,
      ),
    );
  }
  return errs;
}

