import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../defaults/index.js';
import { hasValidation, validate, validateUpdate } from './index.js';

type Obj = Record<string, unknown>;

function errors(group: string, kind: string, obj: Obj): string[] {
  applyDefaults(group, 'v1', kind, obj);
  return validate(group, 'v1', kind, obj).map((e) => e.toString());
}

function updateErrors(group: string, kind: string, obj: Obj, old: Obj): string[] {
  applyDefaults(group, 'v1', kind, obj);
  applyDefaults(group, 'v1', kind, old);
  return validateUpdate(group, 'v1', kind, obj, old).map((e) => e.toString());
}

const RBAC = 'rbac.authorization.k8s.io';

test('RBAC: rules need verbs, resources need groups; roleRef is immutable', () => {
  assert.deepEqual(errors(RBAC, 'Role', { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] }), []);
  assert.deepEqual(errors(RBAC, 'Role', { rules: [{ resources: ['pods'] }, { nonResourceURLs: ['/healthz'], verbs: ['get'] }] }), [
    'rules[0].verbs: Required value: verbs must contain at least one value',
    'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
    'rules[1].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
  ]);
  assert.deepEqual(errors(RBAC, 'ClusterRole', { rules: [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }] }), []);
  const binding = (name: string): Obj => ({ roleRef: { kind: 'ClusterRole', name }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'ns' }] });
  assert.deepEqual(errors(RBAC, 'RoleBinding', binding('view')), []);
  assert.deepEqual(updateErrors(RBAC, 'RoleBinding', binding('edit'), binding('view')), [
    'roleRef: Invalid value: {"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"}: cannot change roleRef',
  ]);
  assert.deepEqual(errors(RBAC, 'ClusterRoleBinding', { roleRef: { kind: 'Role', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }, { kind: 'Robot', name: 'r' }] }), [
    'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    'subjects[0].namespace: Required value',
    'subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
  ]);
});

test('PodDisruptionBudget: minAvailable xor maxUnavailable', () => {
  assert.deepEqual(errors('policy', 'PodDisruptionBudget', { spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } }), []);
  assert.deepEqual(errors('policy', 'PodDisruptionBudget', { spec: { minAvailable: '50%', maxUnavailable: 1 } }), [
    'spec: Invalid value: {"minAvailable":"50%","maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set',
  ]);
  assert.deepEqual(errors('policy', 'PodDisruptionBudget', { spec: { maxUnavailable: '120%' } }), [
    'spec.maxUnavailable: Invalid value: "120%": must not be greater than 100%',
  ]);
});

test('PriorityClass: value range, system- prefix, immutable value', () => {
  const sched = 'scheduling.k8s.io';
  assert.deepEqual(errors(sched, 'PriorityClass', { metadata: { name: 'high' }, value: 1000000 }), []);
  assert.deepEqual(errors(sched, 'PriorityClass', { metadata: { name: 'high' }, value: 2000000000 }), [
    'value: Forbidden: maximum allowed value of a user defined priority is 1000000000',
  ]);
  assert.deepEqual(errors(sched, 'PriorityClass', { metadata: { name: 'system-high' }, value: 10 }), [
    "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-high is not a known system priority class",
  ]);
  assert.deepEqual(errors(sched, 'PriorityClass', { metadata: { name: 'system-node-critical' }, value: 2000001000 }), []);
  assert.deepEqual(updateErrors(sched, 'PriorityClass', { metadata: { name: 'high' }, value: 2 }, { metadata: { name: 'high' }, value: 1 }), [
    'value: Forbidden: may not be changed in an update.',
  ]);
});

test('StorageClass: provisioner required; parameters and provisioner immutable', () => {
  const storage = 'storage.k8s.io';
  assert.deepEqual(errors(storage, 'StorageClass', { provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' }), []);
  assert.deepEqual(errors(storage, 'StorageClass', { reclaimPolicy: 'Recycle' }), [
    'provisioner: Required value',
    'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
  ]);
  assert.deepEqual(updateErrors(storage, 'StorageClass', { provisioner: 'b', parameters: { type: 'gp3' } }, { provisioner: 'a' }), [
    'parameters: Forbidden: updates to parameters are forbidden.',
    'provisioner: Forbidden: updates to provisioner are forbidden.',
  ]);
});

test('NetworkPolicy and Ingress basics', () => {
  const net = 'networking.k8s.io';
  assert.deepEqual(
    errors(net, 'NetworkPolicy', {
      spec: { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 5432 }] }] },
    }),
    [],
  );
  assert.deepEqual(
    errors(net, 'NetworkPolicy', {
      spec: { ingress: [{ from: [{}, { ipBlock: { cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] } }], ports: [{ protocol: 'ICMP', port: 70000 }] }], policyTypes: ['Sideways'] },
    }),
    [
      'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
      'spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.ingress[0].from[0]: Required value: must specify a peer',
      'spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: "192.168.0.0/16": must be a strict subset of `cidr`',
      'spec.policyTypes[0]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
    ],
  );
  const backend = { service: { name: 'web', port: { number: 80 } } };
  assert.deepEqual(errors(net, 'Ingress', { spec: { rules: [{ host: 'example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] } }), []);
  assert.deepEqual(errors(net, 'Ingress', { spec: {} }), ['spec: Invalid value: null: either `defaultBackend` or `rules` must be specified']);
  assert.deepEqual(errors(net, 'Ingress', { spec: { rules: [{ host: '10.0.0.1', http: { paths: [{ path: 'api', backend }] } }] } }), [
    'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
    'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
  ]);
});

test('Lease and EndpointSlice basics', () => {
  assert.deepEqual(errors('coordination.k8s.io', 'Lease', { spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } }), []);
  assert.deepEqual(errors('coordination.k8s.io', 'Lease', { spec: { leaseDurationSeconds: 0, leaseTransitions: -1 } }), [
    'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
  ]);
  const disc = 'discovery.k8s.io';
  assert.deepEqual(errors(disc, 'EndpointSlice', { addressType: 'IPv4', endpoints: [{ addresses: ['10.1.2.3'] }], ports: [{ name: 'http', port: 80 }] }), []);
  assert.deepEqual(errors(disc, 'EndpointSlice', { addressType: 'IPX', endpoints: [{ addresses: [] }] }), [
    'addressType: Unsupported value: "IPX": supported values: "FQDN", "IPv4", "IPv6"',
    'endpoints[0].addresses: Required value: must contain at least 1 address',
  ]);
  assert.deepEqual(updateErrors(disc, 'EndpointSlice', { addressType: 'IPv6' }, { addressType: 'IPv4' }), ['addressType: Invalid value: "IPv6": field is immutable']);
});

test('unknown kinds have no validation', () => {
  assert.equal(hasValidation('example.com', 'Widget'), false);
  assert.deepEqual(validate('example.com', 'v1', 'Widget', { spec: { anything: true } }), []);
  assert.deepEqual(validateUpdate('', 'v1', 'ServiceAccount', {}, {}), []);
});
