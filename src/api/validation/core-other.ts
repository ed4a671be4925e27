// The remaining core/v1 kinds: ConfigMap, Secret, Node, Endpoints,
// LimitRange, ResourceQuota, ServiceAccount.

import { validation } from '../../machinery/index.js';
import { validateTaints } from './affinity.js';
import { isOvercommitAllowed, resourceEntries, validateContainerResourceName, validateQuotaResourceName, validateResourceName, validateResourceQuantityValue } from './resources.js';
import {
  FIELD_IMMUTABLE_ERROR_MSG,
  dnsLabel,
  dnsSubdomain,
  forbidden,
  invalid,
  isNil,
  isObj,
  listAt,
  notSupported,
  objAt,
  optStr,
  qualifiedName,
  required,
  semanticEqual,
  sortedKeys,
  strAt,
  stringsAt,
  type Errs,
  type Obj,
} from './util.js';

const newPath = validation.newPath;
export const MAX_SECRET_SIZE = 1024 * 1024;

/** Bytes of a base64 value once decoded (what Go's []byte holds). */
function decodedLength(value: unknown): number {
  if (typeof value !== 'string') return 0;
  return Buffer.from(value, 'base64').length;
}

export function validateConfigMap(configMap: Obj): Errs {
  const errs: Errs = [];
  const data = objAt(configMap, 'data') ?? {};
  const binaryData = objAt(configMap, 'binaryData') ?? {};
  let totalSize = 0;
  for (const key of sortedKeys(data)) {
    errs.push(...validation.isConfigMapKey(key).map((msg) => invalid(newPath('data').key(key), key, msg)));
    if (Object.prototype.hasOwnProperty.call(binaryData, key)) errs.push(invalid(newPath('data').key(key), key, 'duplicate of key present in binaryData'));
    const value = data[key];
    totalSize += typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0;
  }
  for (const key of sortedKeys(binaryData)) {
    errs.push(...validation.isConfigMapKey(key).map((msg) => invalid(newPath('binaryData').key(key), key, msg)));
    totalSize += decodedLength(binaryData[key]);
  }
  // Upstream passes an empty path: the error refers to the whole object.
  if (totalSize > MAX_SECRET_SIZE) errs.push(validation.tooLong(newPath(''), MAX_SECRET_SIZE));
  return errs;
}

function immutableWhenSet(obj: Obj, old: Obj, keys: readonly string[]): Errs {
  if (old.immutable !== true) return [];
  const errs: Errs = [];
  if (obj.immutable !== true) errs.push(forbidden(newPath('immutable'), 'field is immutable when `immutable` is set'));
  for (const key of keys) {
    if (!semanticEqual(obj[key], old[key])) errs.push(forbidden(newPath(key), 'field is immutable when `immutable` is set'));
  }
  return errs;
}

export function validateConfigMapUpdate(configMap: Obj, old: Obj): Errs {
  return [...immutableWhenSet(configMap, old, ['data', 'binaryData']), ...validateConfigMap(configMap)];
}

export function validateSecret(secret: Obj): Errs {
  const errs: Errs = [];
  const dataPath = newPath('data');
  const data = objAt(secret, 'data') ?? {};
  let totalSize = 0;
  for (const key of sortedKeys(data)) {
    errs.push(...validation.isConfigMapKey(key).map((msg) => invalid(dataPath.key(key), key, msg)));
    totalSize += decodedLength(data[key]);
  }
  if (totalSize > MAX_SECRET_SIZE) errs.push(validation.tooLong(dataPath, MAX_SECRET_SIZE));
  const has = (key: string): boolean => key in data;
  switch (strAt(secret, 'type')) {
    case 'kubernetes.io/service-account-token': {
      const annotations = objAt(objAt(secret, 'metadata'), 'annotations') ?? {};
      const name = annotations['kubernetes.io/service-account.name'];
      if (typeof name !== 'string' || name === '') {
        errs.push(required(newPath('metadata', 'annotations').key('kubernetes.io/service-account.name'), ''));
      }
      break;
    }
    case 'kubernetes.io/dockercfg':
      errs.push(...validateJSONKey(data, '.dockercfg'));
      break;
    case 'kubernetes.io/dockerconfigjson':
      errs.push(...validateJSONKey(data, '.dockerconfigjson'));
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        errs.push(required(dataPath.key('username'), ''), required(dataPath.key('password'), ''));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (decodedLength(data['ssh-privatekey']) === 0) errs.push(required(dataPath.key('ssh-privatekey'), ''));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(required(dataPath.key('tls.crt'), ''));
      if (!has('tls.key')) errs.push(required(dataPath.key('tls.key'), ''));
      break;
    default:
      break;
  }
  return errs;
}

function validateJSONKey(data: Obj, key: string): Errs {
  const path = newPath('data').key(key);
  if (!Object.prototype.hasOwnProperty.call(data, key)) return [required(path, '')];
  try {
    const decoded: unknown = JSON.parse(Buffer.from(String(data[key]), 'base64').toString('utf8'));
    if (!isObj(decoded)) return [invalid(path, '<secret contents redacted>', 'json: cannot unmarshal into Go value of type map[string]interface {}')];
    return [];
  } catch (error) {
    return [invalid(path, '<secret contents redacted>', error instanceof Error ? error.message : String(error))];
  }
}

export function validateSecretUpdate(secret: Obj, old: Obj): Errs {
  const errs: Errs = [];
  const newType = strAt(secret, 'type');
  const oldType = strAt(old, 'type');
  if (newType !== oldType) errs.push(invalid(newPath('type'), newType, FIELD_IMMUTABLE_ERROR_MSG));
  errs.push(...immutableWhenSet(secret, old, ['data']));
  return [...errs, ...validateSecret(secret)];
}

function validateNodeResources(node: Obj): Errs {
  const errs: Errs = [];
  const status = objAt(node, 'status');
  for (const key of ['capacity', 'allocatable']) {
    for (const [name, value] of resourceEntries(status?.[key])) {
      errs.push(...validateResourceQuantityValue(name, value, newPath('status', key, name)));
    }
  }
  return errs;
}

export function validateNode(node: Obj): Errs {
  const spec = objAt(node, 'spec') ?? {};
  const errs = validateTaints(listAt(spec, 'taints'), newPath('metadata').child('taints'));
  errs.push(...validateNodeResources(node));
  const podCIDRs = stringsAt(spec, 'podCIDRs');
  const cidrPath = newPath('spec', 'podCIDRs');
  podCIDRs.forEach((cidr, i) => errs.push(...validation.isValidCIDR(cidrPath.index(i), cidr)));
  if (podCIDRs.length > 1) {
    const families = podCIDRs.map((c) => (c.includes(':') ? 6 : 4));
    const dualStack = podCIDRs.length === 2 && families[0] !== families[1];
    if (!dualStack) errs.push(invalid(cidrPath, podCIDRs, 'may specify no more than one CIDR for each IP family'));
    const seen = new Set<string>();
    podCIDRs.forEach((cidr, i) => {
      if (seen.has(cidr)) errs.push(validation.duplicate(cidrPath.index(i), cidr));
      seen.add(cidr);
    });
  }
  return errs;
}

export function validateNodeUpdate(node: Obj, old: Obj): Errs {
  const errs = validateNodeResources(node);
  const spec = objAt(node, 'spec') ?? {};
  const oldSpec = objAt(old, 'spec') ?? {};
  const addresses = listAt(objAt(node, 'status'), 'addresses');
  const seen = new Set<string>();
  addresses.forEach((address, i) => {
    const key = `${strAt(address, 'type')}\u0000${strAt(address, 'address')}`;
    if (seen.has(key)) {
      const badValue = new Map<string, unknown>([
        ['type', strAt(address, 'type')],
        ['address', strAt(address, 'address')],
      ]);
      errs.push(validation.duplicate(newPath('status', 'addresses').index(i), badValue));
    }
    seen.add(key);
  });
  const oldCIDRs = stringsAt(oldSpec, 'podCIDRs');
  const newCIDRs = stringsAt(spec, 'podCIDRs');
  if (oldCIDRs.length > 0) {
    const message = 'node updates may not change podCIDR except from "" to valid';
    if (oldCIDRs.length !== newCIDRs.length) errs.push(forbidden(newPath('spec', 'podCIDRs'), message));
    else oldCIDRs.forEach((cidr, i) => cidr !== newCIDRs[i] && errs.push(forbidden(newPath('spec', 'podCIDRs'), message)));
  }
  const oldProvider = strAt(oldSpec, 'providerID');
  if (oldProvider !== '' && oldProvider !== strAt(spec, 'providerID')) {
    errs.push(forbidden(newPath('spec', 'providerID'), 'node updates may not change providerID except from "" to valid'));
  }
  errs.push(...validateTaints(listAt(spec, 'taints'), newPath('metadata').child('taints')));
  if (strAt(spec, 'externalID') !== strAt(oldSpec, 'externalID')) errs.push(forbidden(newPath('spec', 'externalID'), 'may not be updated'));
  return errs;
}

export function validateEndpoints(endpoints: Obj): Errs {
  const errs: Errs = [];
  listAt(endpoints, 'subsets').forEach((subset, i) => {
    const idxPath = newPath('subsets').index(i);
    const addresses = listAt(subset, 'addresses');
    const notReady = listAt(subset, 'notReadyAddresses');
    if (addresses.length === 0 && notReady.length === 0) errs.push(required(idxPath, 'must specify `addresses` or `notReadyAddresses`'));
    for (const [key, list] of [
      ['addresses', addresses],
      ['notReadyAddresses', notReady],
    ] as const) {
      list.forEach((address, j) => {
        const addrPath = idxPath.child(key).index(j);
        const ip = strAt(address, 'ip');
        errs.push(...validation.isValidIPForLegacyField(addrPath.child('ip'), ip, false));
        const hostname = strAt(address, 'hostname');
        if (hostname !== '') errs.push(...dnsLabel(hostname, addrPath.child('hostname')));
        const nodeName = optStr(address, 'nodeName');
        if (nodeName !== undefined) errs.push(...dnsSubdomain(nodeName, addrPath.child('nodeName')));
        errs.push(...validateNonSpecialIP(ip, addrPath.child('ip')));
      });
    }
    const ports = listAt(subset, 'ports');
    ports.forEach((port, j) => {
      const portPath = idxPath.child('ports').index(j);
      const name = strAt(port, 'name');
      if (ports.length > 1 && name === '') errs.push(required(portPath.child('name'), ''));
      else if (name !== '') errs.push(...dnsLabel(name, portPath.child('name')));
      const number = typeof port.port === 'number' ? port.port : 0;
      errs.push(...validation.isValidPortNum(number).map((msg) => invalid(portPath.child('port'), number, msg)));
      const protocol = strAt(port, 'protocol');
      if (protocol === '') errs.push(required(portPath.child('protocol'), ''));
      else if (!['SCTP', 'TCP', 'UDP'].includes(protocol)) errs.push(notSupported(portPath.child('protocol'), protocol, ['SCTP', 'TCP', 'UDP']));
      const appProtocol = optStr(port, 'appProtocol');
      if (appProtocol !== undefined) errs.push(...qualifiedName(appProtocol, portPath.child('appProtocol')));
    });
  });
  return errs;
}

/** ValidateNonSpecialIP: no unspecified, loopback or link-local addresses. */
export function validateNonSpecialIP(ip: string, path: validation.FieldPath): Errs {
  const canonical = validation.canonicalIP(ip);
  if (canonical === undefined) return [invalid(path, ip, 'must be a valid IP address')];
  const errs: Errs = [];
  if (canonical === '0.0.0.0' || canonical === '::') errs.push(invalid(path, ip, `may not be unspecified (${ip})`));
  if (canonical.startsWith('127.') || canonical === '::1') errs.push(invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (canonical.startsWith('169.254.') || /^fe[89ab][0-9a-f]:/i.test(canonical)) {
    errs.push(invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  }
  if (canonical.startsWith('224.0.0.') || /^ff02:/i.test(canonical)) {
    errs.push(invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
  return errs;
}

const LIMIT_TYPES = new Set(['Pod', 'Container', 'PersistentVolumeClaim']);

export function validateLimitRange(limitRange: Obj): Errs {
  const errs: Errs = [];
  const path = newPath('spec', 'limits');
  const types = new Set<string>();
  listAt(objAt(limitRange, 'spec'), 'limits').forEach((limit, i) => {
    const idxPath = path.index(i);
    const type = strAt(limit, 'type');
    const typeErrs = validation.isQualifiedName(type).map((msg) => invalid(idxPath.child('type'), type, msg));
    if (typeErrs.length === 0 && !type.includes('/') && !LIMIT_TYPES.has(type)) {
      typeErrs.push(invalid(idxPath.child('type'), type, 'must be a standard limit type or fully qualified'));
    }
    errs.push(...typeErrs);
    if (types.has(type)) errs.push(validation.duplicate(idxPath.child('type'), type));
    types.add(type);
    const nameCheck = (name: string, p: validation.FieldPath): Errs =>
      type === 'Pod' || type === 'Container' ? validateContainerResourceName(name, p) : validateResourceName(name, p);
    const maps: Record<string, Map<string, ReturnType<typeof resourceEntries>[number][1]>> = {};
    const keys = new Set<string>();
    const collect = (field: string): void => {
      maps[field] = new Map();
      for (const [name, value] of resourceEntries(limit[field])) {
        errs.push(...nameCheck(name, idxPath.child(field).key(name)));
        keys.add(name);
        maps[field]?.set(name, value);
      }
    };
    collect('max');
    collect('min');
    if (type === 'Pod') {
      if (Object.keys(objAt(limit, 'default') ?? {}).length > 0) errs.push(forbidden(idxPath.child('default'), "may not be specified when `type` is 'Pod'"));
      if (Object.keys(objAt(limit, 'defaultRequest') ?? {}).length > 0) errs.push(forbidden(idxPath.child('defaultRequest'), "may not be specified when `type` is 'Pod'"));
      maps.default = new Map();
      maps.defaultRequest = new Map();
    } else {
      collect('default');
      collect('defaultRequest');
    }
    if (type === 'PersistentVolumeClaim' && isNil(objAt(limit, 'min')?.storage) && isNil(objAt(limit, 'max')?.storage)) {
      errs.push(required(idxPath.child('limits'), 'either minimum or maximum storage value is required, but neither was provided'));
    }
    collect('maxLimitRequestRatio');
    for (const name of [...keys].sort(validation.compareGoStrings)) {
      const min = maps.min?.get(name);
      const max = maps.max?.get(name);
      const def = maps.default?.get(name);
      const defReq = maps.defaultRequest?.get(name);
      const ratio = maps.maxLimitRequestRatio?.get(name);
      if (min && max && min.cmp(max) > 0) errs.push(invalid(idxPath.child('min').key(name), min.toString(), `min value ${min} is greater than max value ${max}`));
      if (defReq && min && min.cmp(defReq) > 0) {
        errs.push(invalid(idxPath.child('defaultRequest').key(name), defReq.toString(), `min value ${min} is greater than default request value ${defReq}`));
      }
      if (defReq && max && defReq.cmp(max) > 0) {
        errs.push(invalid(idxPath.child('defaultRequest').key(name), defReq.toString(), `default request value ${defReq} is greater than max value ${max}`));
      }
      if (defReq && def && defReq.cmp(def) > 0) {
        errs.push(invalid(idxPath.child('defaultRequest').key(name), defReq.toString(), `default request value ${defReq} is greater than default limit value ${def}`));
      }
      if (def && min && min.cmp(def) > 0) errs.push(invalid(idxPath.child('default').key(name), min.toString(), `min value ${min} is greater than default value ${def}`));
      if (def && max && def.cmp(max) > 0) errs.push(invalid(idxPath.child('default').key(name), max.toString(), `default value ${def} is greater than max value ${max}`));
      if (ratio && ratio.cmpInt64(1) < 0) errs.push(invalid(idxPath.child('maxLimitRequestRatio').key(name), ratio.toString(), `ratio ${ratio} is less than 1`));
      if (!isOvercommitAllowed(name) && def && defReq && def.cmp(defReq) !== 0) {
        errs.push(invalid(idxPath.child('defaultRequest').key(name), defReq.toString(), `default value ${def} must equal to defaultRequest value ${defReq} in ${name}`));
      }
    }
  });
  return errs;
}

const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity', 'VolumeAttributesClass'];

export function validateResourceQuota(quota: Obj): Errs {
  const errs: Errs = [];
  const spec = objAt(quota, 'spec');
  for (const [name, value] of resourceEntries(spec?.hard)) {
    const p = newPath('spec', 'hard').key(name);
    errs.push(...validateQuotaResourceName(name, p), ...validateResourceQuantityValue(name, value, p));
  }
  const scopes = stringsAt(spec, 'scopes');
  for (const scope of scopes) {
    if (!QUOTA_SCOPES.includes(scope)) errs.push(invalid(newPath('spec', 'scopes'), scopes, 'unsupported scope'));
  }
  for (const [a, b] of [
    ['BestEffort', 'NotBestEffort'],
    ['Terminating', 'NotTerminating'],
  ]) {
    if (scopes.includes(a ?? '') && scopes.includes(b ?? '')) {
      errs.push(invalid(newPath('spec', 'scopes'), scopes, 'conflicting scopes'));
    }
  }
  const status = objAt(quota, 'status');
  for (const key of ['hard', 'used']) {
    for (const [name, value] of resourceEntries(status?.[key])) {
      const p = newPath('status', key).key(name);
      errs.push(...validateQuotaResourceName(name, p), ...validateResourceQuantityValue(name, value, p));
    }
  }
  return errs;
}

export function validateResourceQuotaUpdate(quota: Obj, old: Obj): Errs {
  const errs = validateResourceQuota(quota);
  const newScopes = new Set(stringsAt(objAt(quota, 'spec'), 'scopes'));
  const oldScopes = new Set(stringsAt(objAt(old, 'spec'), 'scopes'));
  const same = newScopes.size === oldScopes.size && [...newScopes].every((s) => oldScopes.has(s));
  if (!same) {
    const scopes = stringsAt(objAt(quota, 'spec'), 'scopes');
    errs.push(invalid(newPath('spec', 'scopes'), Array.isArray(objAt(quota, 'spec')?.scopes) ? scopes : null, FIELD_IMMUTABLE_ERROR_MSG));
  }
  return errs;
}

