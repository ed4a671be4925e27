// The smaller groups: networking.k8s.io (Ingress, IngressClass,
// NetworkPolicy), policy (PodDisruptionBudget), scheduling.k8s.io
// (PriorityClass), storage.k8s.io (StorageClass), rbac.authorization.k8s.io,
// coordination.k8s.io (Lease), discovery.k8s.io (EndpointSlice).

import { labels, validation } from '../../machinery/index.js';
import { validateNonSpecialIP } from './core-other.js';
import { validatePreemptionPolicy } from './pod.js';
import { notMoreThan100Percent, validatePositiveIntOrPercent } from './workloads.js';
import { validateCSIDriverName } from './volumes.js';
import {
  compareGoStrings,
  dnsLabel,
  dnsSubdomain,
  forbidden,
  selectorValue,
  immutable,
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
  semanticEqual,
  strAt,
  stringMapAt,
  stringsAt,
  type Errs,
  type FieldPath,
  type Obj,
} from './util.js';

const newPath = validation.newPath;

function selectorErrs(selector: Obj | undefined, path: FieldPath): Errs {
  return labels.validateLabelSelector(selector as labels.LabelSelectorObject | undefined, {}, path);
}

// ---- NetworkPolicy ----

function validateNetworkPolicyPort(port: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  const protocol = optStr(port, 'protocol');
  if (protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(protocol)) errs.push(notSupported(path.child('protocol'), protocol, ['TCP', 'UDP', 'SCTP']));
  const endPort = numAt(port, 'endPort');
  if (!isNil(port.port)) {
    if (typeof port.port === 'number') {
      errs.push(...validation.isValidPortNum(port.port).map((msg) => invalid(path.child('port'), port.port, msg)));
      if (endPort !== undefined) {
        if (endPort < port.port) errs.push(invalid(path.child('endPort'), port.port, 'must be greater than or equal to `port`'));
        errs.push(...validation.isValidPortNum(endPort).map((msg) => invalid(path.child('endPort'), endPort, msg)));
      }
    } else {
      if (endPort !== undefined) errs.push(invalid(path.child('endPort'), endPort, 'may not be specified when `port` is non-numeric'));
      const name = String(port.port);
      errs.push(...validation.isValidPortName(name).map((msg) => invalid(path.child('port'), name, msg)));
    }
  } else if (endPort !== undefined) {
    errs.push(invalid(path.child('endPort'), endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

function validateIPBlock(block: Obj, path: FieldPath): Errs {
  const cidr = strAt(block, 'cidr');
  if (cidr === '') return [required(path.child('cidr'), '')];
  const errs = validation.isValidCIDRForLegacyField(path.child('cidr'), cidr, false);
  if (errs.length > 0) return errs;
  const parsed = parseCIDR(cidr);
  stringsAt(block, 'except').forEach((except, i) => {
    const exceptPath = path.child('except').index(i);
    const exceptErrs = validation.isValidCIDRForLegacyField(exceptPath, except, false);
    errs.push(...exceptErrs);
    const parsedExcept = parseCIDR(except);
    if (exceptErrs.length > 0 || !parsed || !parsedExcept) return;
    if (parsed.v6 !== parsedExcept.v6 || parsed.bits >= parsedExcept.bits || !prefixMatches(parsed, parsedExcept.addr)) {
      errs.push(invalid(exceptPath, except, 'must be a strict subset of `cidr`'));
    }
  });
  return errs;
}

interface SimpleCIDR {
  readonly v6: boolean;
  readonly addr: bigint;
  readonly bits: number;
}

function parseCIDR(cidr: string): SimpleCIDR | undefined {
  const [ip, bitsText] = cidr.split('/');
  if (ip === undefined || bitsText === undefined) return undefined;
  const bits = Number(bitsText);
  if (!ip.includes(':')) {
    const octets = ip.split('.').map(Number);
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined;
    return { v6: false, addr: octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n), bits };
  }
  const canonical = validation.canonicalIP(ip);
  if (canonical === undefined) return undefined;
  const [head = '', tail = ''] = canonical.split('::');
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === '' ? [] : tail.split(':');
  const groups = canonical.includes('::') ? [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts] : canonical.split(':');
  return { v6: true, addr: groups.reduce((acc: bigint, g: string) => (acc << 16n) | BigInt(parseInt(g, 16) || 0), 0n), bits };
}

function prefixMatches(net: SimpleCIDR, addr: bigint): boolean {
  const width = net.v6 ? 128 : 32;
  const shift = BigInt(width - net.bits);
  return addr >> shift === net.addr >> shift;
}

function validateNetworkPolicyPeer(peer: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  let numPeers = 0;
  for (const key of ['podSelector', 'namespaceSelector']) {
    const selector = objAt(peer, key);
    if (!selector) continue;
    numPeers++;
    errs.push(...selectorErrs(selector, path.child(key)));
  }
  const ipBlock = objAt(peer, 'ipBlock');
  if (ipBlock) {
    numPeers++;
    errs.push(...validateIPBlock(ipBlock, path.child('ipBlock')));
  }
  if (numPeers === 0) errs.push(required(path, 'must specify a peer'));
  else if (numPeers > 1 && ipBlock) errs.push(forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

export function validateNetworkPolicy(policy: Obj): Errs {
  const path = newPath('spec');
  const spec = objAt(policy, 'spec') ?? {};
  const errs = selectorErrs(objAt(spec, 'podSelector') ?? {}, path.child('podSelector'));
  listAt(spec, 'ingress').forEach((rule, i) => {
    const rulePath = path.child('ingress').index(i);
    listAt(rule, 'ports').forEach((port, j) => errs.push(...validateNetworkPolicyPort(port, rulePath.child('ports').index(j))));
    listAt(rule, 'from').forEach((peer, j) => errs.push(...validateNetworkPolicyPeer(peer, rulePath.child('from').index(j))));
  });
  listAt(spec, 'egress').forEach((rule, i) => {
    const rulePath = path.child('egress').index(i);
    listAt(rule, 'to').forEach((peer, j) => errs.push(...validateNetworkPolicyPeer(peer, rulePath.child('to').index(j))));
    listAt(rule, 'ports').forEach((port, j) => errs.push(...validateNetworkPolicyPort(port, rulePath.child('ports').index(j))));
  });
  const policyTypes = stringsAt(spec, 'policyTypes');
  if (policyTypes.length > 2) {
    errs.push(invalid(path.child('policyTypes'), policyTypes, 'may not specify more than two policyTypes'));
    return errs;
  }
  policyTypes.forEach((type, i) => {
    if (type !== 'Ingress' && type !== 'Egress') errs.push(notSupported(path.child('policyTypes').index(i), type, ['Ingress', 'Egress']));
  });
  return errs;
}

// ---- Ingress ----

const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

function validateIngressBackend(backend: Obj, path: FieldPath): Errs {
  const resource = objAt(backend, 'resource');
  const service = objAt(backend, 'service');
  if (resource && service) return [invalid(path, '', 'cannot set both resource and service backends')];
  if (resource) {
    const errs: Errs = [];
    const resourcePath = path.child('resource');
    const apiGroup = optStr(resource, 'apiGroup');
    if (apiGroup !== undefined) errs.push(...dnsSubdomain(apiGroup, resourcePath.child('apiGroup')));
    if (strAt(resource, 'kind') === '') errs.push(required(resourcePath.child('kind'), ''));
    if (strAt(resource, 'name') === '') errs.push(required(resourcePath.child('name'), ''));
    return errs;
  }
  if (!service) return [invalid(path, '', 'resource or service backend is required')];
  const errs: Errs = [];
  const name = strAt(service, 'name');
  if (name === '') errs.push(required(path.child('service', 'name'), ''));
  else errs.push(...validation.isDNS1035Label(name).map((msg) => invalid(path.child('service', 'name'), name, msg)));
  const port = objAt(service, 'port') ?? {};
  const portName = strAt(port, 'name');
  const portNumber = numAt(port, 'number') ?? 0;
  if (portName !== '' && portNumber !== 0) errs.push(invalid(path, '', 'cannot set both port name & port number'));
  else if (portName !== '') errs.push(...validation.isValidPortName(portName).map((msg) => invalid(path.child('service', 'port', 'name'), portName, msg)));
  else if (portNumber !== 0) errs.push(...validation.isValidPortNum(portNumber).map((msg) => invalid(path.child('service', 'port', 'number'), portNumber, msg)));
  else errs.push(required(path, 'port name or number is required'));
  return errs;
}

function validateHTTPIngressPath(httpPath: Obj, path: FieldPath): Errs {
  const pathType = optStr(httpPath, 'pathType');
  if (pathType === undefined) return [required(path.child('pathType'), 'pathType must be specified')];
  const errs: Errs = [];
  const value = strAt(httpPath, 'path');
  switch (pathType) {
    case 'Exact':
    case 'Prefix':
      if (!value.startsWith('/')) errs.push(invalid(path.child('path'), value, 'must be an absolute path'));
      if (value.length > 0) {
        for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(invalid(path.child('path'), value, `must not contain '${seq}'`));
        for (const suffix of INVALID_PATH_SUFFIXES) if (value.endsWith(suffix)) errs.push(invalid(path.child('path'), value, `cannot end with '${suffix}'`));
      }
      break;
    case 'ImplementationSpecific':
      if (value.length > 0 && !value.startsWith('/')) errs.push(invalid(path.child('path'), value, 'must be an absolute path'));
      break;
    default:
      errs.push(notSupported(path.child('pathType'), pathType, ['Exact', 'ImplementationSpecific', 'Prefix']));
  }
  errs.push(...validateIngressBackend(objAt(httpPath, 'backend') ?? {}, path.child('backend')));
  return errs;
}

function isIPAddress(host: string): boolean {
  return validation.canonicalIP(host) !== undefined;
}

export function validateIngress(ingress: Obj): Errs {
  const path = newPath('spec');
  const spec = objAt(ingress, 'spec') ?? {};
  const errs: Errs = [];
  const rules = listAt(spec, 'rules');
  const defaultBackend = objAt(spec, 'defaultBackend');
  if (rules.length === 0 && !defaultBackend) {
    errs.push(invalid(path, Array.isArray(spec.rules) ? [] : null, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (defaultBackend) errs.push(...validateIngressBackend(defaultBackend, path.child('defaultBackend')));
  rules.forEach((rule, i) => {
    const rulePath = path.child('rules').index(i);
    const host = strAt(rule, 'host');
    if (host !== '') {
      if (isIPAddress(host)) errs.push(invalid(rulePath.child('host'), host, 'must be a DNS name, not an IP address'));
      const msgs = host.includes('*') ? validation.isWildcardDNS1123Subdomain(host) : validation.isDNS1123Subdomain(host);
      errs.push(...msgs.map((msg) => invalid(rulePath.child('host'), host, msg)));
    }
    const http = objAt(rule, 'http');
    if (http) {
      const paths = listAt(http, 'paths');
      if (paths.length === 0) errs.push(required(rulePath.child('http').child('paths'), ''));
      paths.forEach((p, j) => errs.push(...validateHTTPIngressPath(p, rulePath.child('http').child('paths').index(j))));
    }
  });
  listAt(spec, 'tls').forEach((tls, i) => {
    const tlsPath = path.child('tls').index(i);
    stringsAt(tls, 'hosts').forEach((host, j) => {
      const msgs = host.includes('*') ? validation.isWildcardDNS1123Subdomain(host) : validation.isDNS1123Subdomain(host);
      errs.push(...msgs.map((msg) => invalid(tlsPath.child('hosts').index(j), host, msg)));
    });
    const secretName = strAt(tls, 'secretName');
    if (secretName !== '') errs.push(...dnsSubdomain(secretName, tlsPath.child('secretName')));
  });
  const className = optStr(spec, 'ingressClassName');
  if (className !== undefined) errs.push(...dnsSubdomain(className, path.child('ingressClassName')));
  return errs;
}

export function validateIngressClass(ingressClass: Obj): Errs {
  const path = newPath('spec');
  const spec = objAt(ingressClass, 'spec') ?? {};
  const controller = strAt(spec, 'controller');
  const errs: Errs = [];
  if (controller.length > 250) errs.push(validation.tooLong(path.child('controller'), 250));
  errs.push(...validation.isDomainPrefixedPath(path.child('controller'), controller));
  const parameters = objAt(spec, 'parameters');
  if (parameters) {
    const paramsPath = path.child('parameters');
    if (strAt(parameters, 'kind') === '') errs.push(required(paramsPath.child('kind'), ''));
    if (strAt(parameters, 'name') === '') errs.push(required(paramsPath.child('name'), ''));
    const scope = optStr(parameters, 'scope');
    const namespace = optStr(parameters, 'namespace');
    if (scope === undefined) errs.push(required(paramsPath.child('scope'), ''));
    else if (scope === 'Namespace') {
      if (namespace === undefined) errs.push(required(paramsPath.child('namespace'), '`parameters.scope` is set to "Namespace"'));
      else errs.push(...dnsLabel(namespace, paramsPath.child('namespace')));
    } else if (scope === 'Cluster') {
      if (namespace !== undefined) errs.push(forbidden(paramsPath.child('namespace'), '`parameters.scope` is set to "Cluster"'));
    } else errs.push(notSupported(paramsPath.child('scope'), scope, ['Cluster', 'Namespace']));
  }
  return errs;
}

export function validateIngressClassUpdate(ingressClass: Obj, old: Obj): Errs {
  const errs = immutable(strAt(objAt(ingressClass, 'spec'), 'controller'), strAt(objAt(old, 'spec'), 'controller'), newPath('spec').child('controller'));
  return [...errs, ...validateIngressClass(ingressClass)];
}

// ---- PodDisruptionBudget ----

export function validatePodDisruptionBudget(pdb: Obj): Errs {
  const path = newPath('spec');
  const spec = objAt(pdb, 'spec') ?? {};
  const errs: Errs = [];
  if (!isNil(spec.minAvailable) && !isNil(spec.maxUnavailable)) {
    const badValue = new Map<string, unknown>([
      ['minAvailable', spec.minAvailable],
      ['selector', isObj(spec.selector) ? selectorValue(spec.selector) : undefined],
      ['maxUnavailable', spec.maxUnavailable],
      ['unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy ?? undefined],
    ]);
    errs.push(invalid(path, badValue, 'minAvailable and maxUnavailable cannot be both set'));
  }
  for (const key of ['minAvailable', 'maxUnavailable']) {
    if (isNil(spec[key])) continue;
    errs.push(...validatePositiveIntOrPercent(spec[key], path.child(key)));
    errs.push(...notMoreThan100Percent(spec[key], path.child(key)));
  }
  errs.push(...selectorErrs(objAt(spec, 'selector'), path.child('selector')));
  const policy = optStr(spec, 'unhealthyPodEvictionPolicy');
  if (policy !== undefined && policy !== 'AlwaysAllow' && policy !== 'IfHealthyBudget') {
    errs.push(notSupported(path.child('unhealthyPodEvictionPolicy'), policy, ['AlwaysAllow', 'IfHealthyBudget']));
  }
  return errs;
}

// ---- PriorityClass ----

const HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000;
const SYSTEM_PRIORITY_CLASSES: ReadonlyArray<readonly [string, number]> = [
  ['system-node-critical', 2000001000],
  ['system-cluster-critical', 2000000000],
];

export function validatePriorityClass(priorityClass: Obj): Errs {
  const errs: Errs = [];
  const name = strAt(objAt(priorityClass, 'metadata'), 'name');
  const value = numAt(priorityClass, 'value') ?? 0;
  const globalDefault = priorityClass.globalDefault === true;
  if (name.startsWith('system-')) {
    const known = SYSTEM_PRIORITY_CLASSES.find(([n]) => n === name);
    let error: string | undefined;
    if (!known) error = `${name} is not a known system priority class`;
    else if (known[1] !== value) error = `value of ${name} PriorityClass must be ${known[1]}`;
    else if (globalDefault) error = `globalDefault of ${name} PriorityClass must be false`;
    if (error !== undefined) {
      errs.push(forbidden(newPath('metadata', 'name'), `priority class names with 'system-' prefix are reserved for system use only. error: ${error}`));
    }
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(forbidden(newPath('value'), `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  const preemptionPolicy = optStr(priorityClass, 'preemptionPolicy');
  if (preemptionPolicy !== undefined) errs.push(...validatePreemptionPolicy(preemptionPolicy, newPath('preemptionPolicy')));
  return errs;
}

export function validatePriorityClassUpdate(priorityClass: Obj, old: Obj): Errs {
  const errs: Errs = [];
  if ((numAt(priorityClass, 'value') ?? 0) !== (numAt(old, 'value') ?? 0)) errs.push(forbidden(newPath('value'), 'may not be changed in an update.'));
  errs.push(...immutable(priorityClass.preemptionPolicy, old.preemptionPolicy, newPath('preemptionPolicy')));
  return errs;
}

// ---- StorageClass ----

export function validateStorageClass(storageClass: Obj): Errs {
  const errs: Errs = [];
  const provisioner = strAt(storageClass, 'provisioner');
  if (provisioner === '') errs.push(required(newPath('provisioner'), ''));
  else errs.push(...qualifiedName(provisioner.toLowerCase(), newPath('provisioner')));
  const parameters = stringMapAt(storageClass, 'parameters') ?? {};
  const paramsPath = newPath('parameters');
  const keys = Object.keys(parameters);
  if (keys.length > 512) errs.push(validation.tooLong(paramsPath, 512));
  else {
    let total = 0;
    for (const key of keys.sort(compareGoStrings)) {
      if (key.length < 1) errs.push(invalid(paramsPath, key, 'field can not be empty.'));
      total += Buffer.byteLength(key) + Buffer.byteLength(parameters[key] ?? '');
    }
    if (total > 256 * 1024) errs.push(validation.tooLong(paramsPath, 256 * 1024));
  }
  const reclaimPolicy = optStr(storageClass, 'reclaimPolicy') ?? '';
  if (reclaimPolicy !== '' && reclaimPolicy !== 'Delete' && reclaimPolicy !== 'Retain') {
    errs.push(notSupported(newPath('reclaimPolicy'), reclaimPolicy, ['Delete', 'Retain']));
  }
  const mode = optStr(storageClass, 'volumeBindingMode');
  if (mode === undefined) errs.push(required(newPath('volumeBindingMode'), ''));
  else if (mode !== 'Immediate' && mode !== 'WaitForFirstConsumer') errs.push(notSupported(newPath('volumeBindingMode'), mode, ['Immediate', 'WaitForFirstConsumer']));
  listAt(storageClass, 'allowedTopologies').forEach((term, i) => {
    const termPath = newPath('allowedTopologies').index(i);
    const exprs = listAt(term, 'matchLabelExpressions');
    if (exprs.length === 0) errs.push(required(termPath.child('matchLabelExpressions'), 'must contain at least one key/value pair'));
    const keysSeen = new Set<string>();
    exprs.forEach((expr, j) => {
      const exprPath = termPath.child('matchLabelExpressions').index(j);
      const values = stringsAt(expr, 'values');
      if (values.length === 0) errs.push(required(exprPath.child('values'), ''));
      const seen = new Set<string>();
      values.forEach((v, k) => {
        if (seen.has(v)) errs.push(validation.duplicate(exprPath.child('values').index(k), v));
        seen.add(v);
      });
      errs.push(...validation.validateLabelName(strAt(expr, 'key'), exprPath.child('key')));
      if (keysSeen.has(strAt(expr, 'key'))) errs.push(validation.duplicate(exprPath.child('key'), strAt(expr, 'key')));
      keysSeen.add(strAt(expr, 'key'));
    });
  });
  return errs;
}

export function validateStorageClassUpdate(storageClass: Obj, old: Obj): Errs {
  const errs: Errs = [];
  if (!semanticEqual(storageClass.parameters, old.parameters)) errs.push(forbidden(newPath('parameters'), 'updates to parameters are forbidden.'));
  if (strAt(storageClass, 'provisioner') !== strAt(old, 'provisioner')) errs.push(forbidden(newPath('provisioner'), 'updates to provisioner are forbidden.'));
  if ((optStr(storageClass, 'reclaimPolicy') ?? '') !== (optStr(old, 'reclaimPolicy') ?? '')) {
    errs.push(forbidden(newPath('reclaimPolicy'), 'updates to reclaimPolicy are forbidden.'));
  }
  errs.push(...immutable(storageClass.volumeBindingMode, old.volumeBindingMode, newPath('volumeBindingMode')));
  return [...errs, ...validateStorageClass(storageClass)];
}

export function validateCSIDriver(driver: Obj): Errs {
  return validateCSIDriverName(strAt(objAt(driver, 'metadata'), 'name'), newPath('metadata').child('name'));
}

// ---- RBAC ----

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function validatePolicyRule(rule: Obj, namespaced: boolean, path: FieldPath): Errs {
  const errs: Errs = [];
  if (stringsAt(rule, 'verbs').length === 0) errs.push(required(path.child('verbs'), 'verbs must contain at least one value'));
  const urls = stringsAt(rule, 'nonResourceURLs');
  if (urls.length > 0) {
    if (namespaced) errs.push(invalid(path.child('nonResourceURLs'), urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (stringsAt(rule, 'apiGroups').length > 0 || stringsAt(rule, 'resources').length > 0 || stringsAt(rule, 'resourceNames').length > 0) {
      errs.push(invalid(path.child('nonResourceURLs'), urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (stringsAt(rule, 'apiGroups').length === 0) errs.push(required(path.child('apiGroups'), 'resource rules must supply at least one api group'));
  if (stringsAt(rule, 'resources').length === 0) errs.push(required(path.child('resources'), 'resource rules must supply at least one resource'));
  return errs;
}

export function validateRole(role: Obj): Errs {
  return listAt(role, 'rules').flatMap((rule, i) => validatePolicyRule(rule, true, newPath('rules').index(i)));
}

export function validateClusterRole(role: Obj): Errs {
  const errs = listAt(role, 'rules').flatMap((rule, i) => validatePolicyRule(rule, false, newPath('rules').index(i)));
  const aggregation = objAt(role, 'aggregationRule');
  if (aggregation) {
    const selectorsPath = newPath('aggregationRule', 'clusterRoleSelectors');
    const selectors = listAt(aggregation, 'clusterRoleSelectors');
    if (selectors.length === 0) errs.push(required(selectorsPath, 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    selectors.forEach((selector, i) => {
      errs.push(...selectorErrs(selector, selectorsPath.index(i)));
      if ('error' in labels.fromLabelSelector(selector as labels.LabelSelectorObject)) {
        errs.push(invalid(selectorsPath.index(i), selectorValue(selector), 'invalid label selector.'));
      }
    });
  }
  return errs;
}

function validateSubject(subject: Obj, namespaced: boolean, path: FieldPath): Errs {
  const errs: Errs = [];
  const name = strAt(subject, 'name');
  const apiGroup = strAt(subject, 'apiGroup');
  if (name === '') errs.push(required(path.child('name'), ''));
  switch (strAt(subject, 'kind')) {
    case 'ServiceAccount':
      if (name !== '') errs.push(...dnsSubdomain(name, path.child('name')));
      if (apiGroup !== '') errs.push(notSupported(path.child('apiGroup'), apiGroup, ['']));
      if (!namespaced && strAt(subject, 'namespace') === '') errs.push(required(path.child('namespace'), ''));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(notSupported(path.child('apiGroup'), apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(path.child('kind'), strAt(subject, 'kind'), ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(binding: Obj, namespaced: boolean): Errs {
  const errs: Errs = [];
  const roleRef = objAt(binding, 'roleRef') ?? {};
  const refPath = newPath('roleRef');
  const apiGroup = strAt(roleRef, 'apiGroup');
  if (apiGroup !== RBAC_GROUP) errs.push(notSupported(refPath.child('apiGroup'), apiGroup, [RBAC_GROUP]));
  const kind = strAt(roleRef, 'kind');
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(kind)) errs.push(notSupported(refPath.child('kind'), kind, kinds));
  const name = strAt(roleRef, 'name');
  if (name === '') errs.push(required(refPath.child('name'), ''));
  else errs.push(...validation.isValidPathSegmentName(name).map((msg) => invalid(refPath.child('name'), name, msg)));
  listAt(binding, 'subjects').forEach((subject, i) => errs.push(...validateSubject(subject, namespaced, newPath('subjects').index(i))));
  return errs;
}

function roleRefImmutable(binding: Obj, old: Obj): Errs {
  const ref = objAt(binding, 'roleRef') ?? {};
  const oldRef = objAt(old, 'roleRef') ?? {};
  const same = ['apiGroup', 'kind', 'name'].every((k) => strAt(ref, k) === strAt(oldRef, k));
  if (same) return [];
  const badValue = new Map<string, unknown>([
    ['apiGroup', strAt(ref, 'apiGroup')],
    ['kind', strAt(ref, 'kind')],
    ['name', strAt(ref, 'name')],
  ]);
  return [invalid(newPath('roleRef'), badValue, 'cannot change roleRef')];
}

export function validateRoleBinding(binding: Obj): Errs {
  return validateBinding(binding, true);
}

export function validateRoleBindingUpdate(binding: Obj, old: Obj): Errs {
  return [...validateBinding(binding, true), ...roleRefImmutable(binding, old)];
}

export function validateClusterRoleBinding(binding: Obj): Errs {
  return validateBinding(binding, false);
}

export function validateClusterRoleBindingUpdate(binding: Obj, old: Obj): Errs {
  return [...validateBinding(binding, false), ...roleRefImmutable(binding, old)];
}

// ---- Lease ----

export function validateLease(lease: Obj): Errs {
  const path = newPath('spec');
  const spec = objAt(lease, 'spec') ?? {};
  const errs: Errs = [];
  const duration = numAt(spec, 'leaseDurationSeconds');
  if (duration !== undefined && duration <= 0) errs.push(invalid(path.child('leaseDurationSeconds'), duration, 'must be greater than 0'));
  const transitions = numAt(spec, 'leaseTransitions');
  if (transitions !== undefined && transitions < 0) errs.push(invalid(path.child('leaseTransitions'), transitions, 'must be greater than or equal to 0'));
  const strategy = optStr(spec, 'strategy');
  if (strategy !== undefined) {
    const strategyPath = path.child('strategy').child('strategy');
    if (!strategy.includes('/')) {
      if (strategy !== 'OldestEmulationVersion') errs.push(notSupported(strategyPath, strategy, ['OldestEmulationVersion']));
    } else {
      errs.push(...validation.isQualifiedName(strategy).map((msg) => invalid(strategyPath, strategy, msg)));
    }
  }
  const preferredHolder = optStr(spec, 'preferredHolder');
  if (preferredHolder !== undefined && preferredHolder !== '' && (strategy === undefined || strategy === '')) {
    errs.push(forbidden(path.child('preferredHolder'), 'may only be specified if `strategy` is defined'));
  }
  return errs;
}

// ---- EndpointSlice ----

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

export function validateEndpointSlice(slice: Obj): Errs {
  const errs: Errs = [];
  const addressType = strAt(slice, 'addressType');
  if (addressType === '') errs.push(required(newPath('addressType'), ''));
  else if (!ADDRESS_TYPES.includes(addressType)) errs.push(notSupported(newPath('addressType'), addressType, ADDRESS_TYPES));
  const endpoints = listAt(slice, 'endpoints');
  const endpointsPath = newPath('endpoints');
  if (endpoints.length > 1000) errs.push(validation.tooMany(endpointsPath, endpoints.length, 1000));
  else {
    endpoints.forEach((endpoint, i) => {
      const idxPath = endpointsPath.index(i);
      const addressesPath = idxPath.child('addresses');
      const addresses = stringsAt(endpoint, 'addresses');
      if (addresses.length === 0) errs.push(required(addressesPath, 'must contain at least 1 address'));
      else if (addresses.length > 100) errs.push(validation.tooMany(addressesPath, addresses.length, 100));
      addresses.forEach((address, j) => {
        const addressPath = addressesPath.index(j);
        if (addressType === 'IPv4' || addressType === 'IPv6') {
          const family = address.includes(':') ? 'IPv6' : 'IPv4';
          const ipErrs = validation.isValidIPForLegacyField(addressPath, address, false);
          if (ipErrs.length > 0 || family !== addressType) {
            errs.push(invalid(addressPath, address, `must be a valid ${addressType} address`));
          } else errs.push(...validateNonSpecialIP(address, addressPath));
        } else if (addressType === 'FQDN') {
          errs.push(...validation.isFullyQualifiedDomainName(addressPath, address));
        }
      });
      const nodeName = optStr(endpoint, 'nodeName');
      if (nodeName !== undefined) errs.push(...dnsSubdomain(nodeName, idxPath.child('nodeName')));
      const topology = stringMapAt(endpoint, 'deprecatedTopology');
      if (topology && Object.keys(topology).length > 16) errs.push(validation.tooMany(idxPath.child('deprecatedTopology'), Object.keys(topology).length, 16));
      errs.push(...validation.validateLabels(topology, idxPath.child('deprecatedTopology')));
      const hostname = optStr(endpoint, 'hostname');
      if (hostname !== undefined) errs.push(...dnsLabel(hostname, idxPath.child('hostname')));
    });
  }
  const ports = listAt(slice, 'ports');
  const portsPath = newPath('ports');
  if (ports.length > 20000) errs.push(validation.tooMany(portsPath, ports.length, 20000));
  else {
    const names = new Set<string>();
    ports.forEach((port, i) => {
      const idxPath = portsPath.index(i);
      const name = strAt(port, 'name');
      if (name !== '') errs.push(...dnsLabel(name, idxPath.child('name')));
      if (names.has(name)) errs.push(validation.duplicate(idxPath.child('name'), name));
      else names.add(name);
      const protocol = optStr(port, 'protocol');
      if (protocol === undefined) errs.push(required(idxPath.child('protocol'), ''));
      else if (!['SCTP', 'TCP', 'UDP'].includes(protocol)) errs.push(notSupported(idxPath.child('protocol'), protocol, ['SCTP', 'TCP', 'UDP']));
      const appProtocol = optStr(port, 'appProtocol');
      if (appProtocol !== undefined) errs.push(...qualifiedName(appProtocol, idxPath.child('appProtocol')));
    });
  }
  return errs;
}

export function validateEndpointSliceUpdate(slice: Obj, old: Obj): Errs {
  return [...validateEndpointSlice(slice), ...immutable(slice.addressType, old.addressType, newPath('addressType'))];
}

