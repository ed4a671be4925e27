import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../defaults/index.js';
import { validate, validateUpdate } from './index.js';

type Obj = Record<string, unknown>;

function errors(kind: string, obj: Obj): string[] {
  applyDefaults('', 'v1', kind, obj);
  return validate('', 'v1', kind, obj).map((e) => e.toString());
}

function updateErrors(kind: string, obj: Obj, old: Obj): string[] {
  applyDefaults('', 'v1', kind, obj);
  applyDefaults('', 'v1', kind, old);
  return validateUpdate('', 'v1', kind, obj, old).map((e) => e.toString());
}

test('ConfigMap: keys, binaryData overlap, total size', () => {
  assert.deepEqual(errors('ConfigMap', { data: { 'app.properties': 'a=b', KEY_1: 'x' }, binaryData: { 'logo.png': 'iVBORw0KGgo=' } }), []);
  assert.deepEqual(errors('ConfigMap', { data: { 'bad key': 'x', dup: 'y' }, binaryData: { dup: 'eQ==' } }), [
    `data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    'data[dup]: Invalid value: "dup": duplicate of key present in binaryData',
  ]);
  assert.deepEqual(errors('ConfigMap', { data: { big: 'x'.repeat(1024 * 1024 + 1) } }), ['[]: Too long: may not be more than 1048576 bytes']);
});

test('ConfigMap and Secret: immutable: true freezes data', () => {
  const old: Obj = { immutable: true, data: { a: 'b' } };
  assert.deepEqual(updateErrors('ConfigMap', { immutable: true, data: { a: 'b' } }, old), []);
  assert.deepEqual(updateErrors('ConfigMap', { data: { a: 'c' } }, structuredClone(old)), [
    'immutable: Forbidden: field is immutable when `immutable` is set',
    'data: Forbidden: field is immutable when `immutable` is set',
  ]);
  const secret: Obj = { immutable: true, data: { a: 'Yg==' } };
  assert.deepEqual(updateErrors('Secret', { immutable: true, data: { a: 'Yw==' } }, secret), ['data: Forbidden: field is immutable when `immutable` is set']);
});

test('Secret: type-specific keys, size, type immutable', () => {
  assert.deepEqual(errors('Secret', { data: { password: 'aHVudGVyMg==' } }), []);
  assert.deepEqual(errors('Secret', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } }), ['data[tls.key]: Required value']);
  assert.deepEqual(errors('Secret', { type: 'kubernetes.io/dockerconfigjson', data: {} }), ['data[.dockerconfigjson]: Required value']);
  assert.deepEqual(errors('Secret', { type: 'kubernetes.io/service-account-token', metadata: { name: 's' } }), [
    'metadata.annotations[kubernetes.io/service-account.name]: Required value',
  ]);
  const big = Buffer.alloc(1024 * 1024 + 1).toString('base64');
  assert.deepEqual(errors('Secret', { data: { big } }), ['data: Too long: may not be more than 1048576 bytes']);
  assert.deepEqual(updateErrors('Secret', { type: 'kubernetes.io/basic-auth', data: { username: 'YQ==' } }, { type: 'Opaque', data: { username: 'YQ==' } }), [
    'type: Invalid value: "kubernetes.io/basic-auth": field is immutable',
  ]);
});

test('Node: taints and podCIDRs', () => {
  assert.deepEqual(errors('Node', { spec: { podCIDRs: ['10.244.0.0/24'], taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } }), []);
  assert.deepEqual(
    errors('Node', {
      spec: {
        podCIDRs: ['10.244.0.1/24'],
        taints: [
          { key: 'a', effect: 'Sometimes' },
          { key: 'b', effect: 'NoSchedule' },
          { key: 'b', effect: 'NoSchedule' },
        ],
      },
    }),
    [
      'metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      'metadata.taints[2]: Duplicate value: {"key":"b","effect":"NoSchedule"}: taints must be unique by key and effect pair',
      'spec.podCIDRs[0]: Invalid value: "10.244.0.1/24": must not have bits set beyond the prefix length',
    ],
  );
  assert.deepEqual(updateErrors('Node', { spec: { podCIDRs: ['10.244.1.0/24'] } }, { spec: { podCIDRs: ['10.244.0.0/24'] } }), [
    'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
  ]);
});

test('PersistentVolumeClaim: access modes and storage request required; spec immutable', () => {
  const pvc = (): Obj => ({ spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  assert.deepEqual(errors('PersistentVolumeClaim', pvc()), []);
  assert.deepEqual(errors('PersistentVolumeClaim', { spec: {} }), ['spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value']);
  assert.deepEqual(errors('PersistentVolumeClaim', { spec: { accessModes: ['ReadWriteSometimes'], resources: { requests: { storage: '0' } } } }), [
    'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    'spec.resources[storage]: Invalid value: "0": must be greater than zero',
  ]);
  const changed = pvc();
  (changed.spec as Obj).accessModes = ['ReadWriteMany'];
  const errs = updateErrors('PersistentVolumeClaim', changed, pvc());
  assert.equal(errs.length, 1);
  assert.ok(errs[0]?.startsWith('spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n'));
  const bound = pvc();
  bound.status = { phase: 'Bound', capacity: { storage: '1Gi' } };
  const grown = structuredClone(bound);
  ((grown.spec as Obj).resources as { requests: Obj }).requests.storage = '2Gi';
  assert.deepEqual(updateErrors('PersistentVolumeClaim', grown, bound), []);
  const volumeName = pvc();
  (volumeName.spec as Obj).volumeName = 'pv-1';
  assert.deepEqual(updateErrors('PersistentVolumeClaim', volumeName, pvc()), []);
});

test('PersistentVolume: capacity, access modes, one source; source immutable', () => {
  const pv = (): Obj => ({ metadata: { name: 'pv1' }, spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } } });
  assert.deepEqual(errors('PersistentVolume', pv()), []);
  assert.deepEqual(errors('PersistentVolume', { metadata: { name: 'pv' }, spec: {} }), [
    'spec.accessModes: Required value',
    'spec.capacity: Required value',
    'spec.capacity: Unsupported value: null: supported values: "storage"',
    'spec: Required value: must specify a volume type',
  ]);
  const moved = pv();
  (moved.spec as Obj).hostPath = { path: '/other' };
  const errs = updateErrors('PersistentVolume', moved, pv());
  assert.equal(errs.length, 1);
  assert.ok(errs[0]?.startsWith('spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation\n'));
});

test('LimitRange: min must not exceed max', () => {
  assert.deepEqual(errors('LimitRange', { spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { cpu: '100m' } }] } }), []);
  assert.deepEqual(errors('LimitRange', { spec: { limits: [{ type: 'Pod', max: { cpu: '1' }, min: { cpu: '2' } }] } }), [
    'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
  ]);
});

test('PodTemplate and Endpoints', () => {
  assert.deepEqual(errors('PodTemplate', { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } }), []);
  assert.deepEqual(errors('PodTemplate', { template: { spec: { containers: [] } } }), ['template.spec.containers: Required value']);
  assert.deepEqual(errors('Endpoints', { subsets: [{ addresses: [{ ip: '10.1.2.3' }], ports: [{ port: 80 }] }] }), []);
  assert.deepEqual(errors('Endpoints', { subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 0 }] }] }), [
    'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    'subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
  ]);
});
