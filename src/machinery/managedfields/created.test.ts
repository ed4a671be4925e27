import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { applyDefaults } from '../../api/defaults/index.js';
import type { KubeObject } from '../../api/types.js';
import { createdFieldsV1 } from './created.js';
import { updateManagedFields, updateManagedFieldsGeneral, resetFieldsFor, type UpdateOptions } from './fieldmanager.js';
import { FieldSet } from './fieldset.js';
import { makePath } from './pathelement.js';
import { TypeSchema } from './schema.js';

checkLeaksAfterAll();

type Obj = Record<string, unknown>;

/** Real manifests of the built-in kinds, the shapes clients create. */
const MANIFESTS: { group: string; version: string; obj: Obj }[] = [
  {
    group: '',
    version: 'v1',
    obj: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-5d4b7c9f8-abcde',
        generateName: 'web-5d4b7c9f8-',
        labels: { app: 'web', 'pod-template-hash': '5d4b7c9f8' },
        annotations: { 'example.com/note': 'x' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4b7c9f8', uid: '6f1c2c1e', controller: true, blockOwnerDeletion: true }],
        finalizers: ['example.com/keep'],
      },
      spec: {
        initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'true'] }],
        containers: [
          {
            name: 'app',
            image: 'nginx:1.25',
            ports: [
              { name: 'http', containerPort: 8080, protocol: 'TCP' },
              { containerPort: 53, protocol: 'UDP' },
              { containerPort: 53 },
            ],
            env: [
              { name: 'MODE', value: 'production' },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ],
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
            readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
            securityContext: { capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } },
          },
          { name: 'sidecar', image: 'busybox', args: ['sleep', '3600'] },
        ],
        volumes: [
          { name: 'data', emptyDir: {} },
          { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'a' }] } },
        ],
        tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] },
          },
        },
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        hostAliases: [{ ip: '10.0.0.1', hostnames: ['db'] }],
        readinessGates: [{ conditionType: 'example.com/ready' }],
      },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] },
    },
  },
  {
    group: 'apps',
    version: 'v1',
    obj: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        template: {
          metadata: { labels: { app: 'web', tier: 'front' } },
          spec: { containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
        },
      },
    },
  },
  {
    group: 'apps',
    version: 'v1',
    obj: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        replicas: 2,
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    },
  },
  {
    group: 'apps',
    version: 'v1',
    obj: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'kube-system' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { hostNetwork: true, containers: [{ name: 'agent', image: 'agent:1' }] } },
      },
    },
  },
  {
    group: 'batch',
    version: 'v1',
    obj: {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly' },
      spec: {
        schedule: '0 3 * * *',
        timeZone: 'Etc/UTC',
        jobTemplate: { spec: { completions: 1, template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'job', image: 'busybox' }] } } } },
      },
    },
  },
  {
    group: 'batch',
    version: 'v1',
    obj: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi' },
      spec: { completionMode: 'Indexed', completions: 3, parallelism: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } } },
    },
  },
  {
    group: '',
    version: 'v1',
    obj: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: {
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 8080 },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ],
        type: 'ClusterIP',
      },
    },
  },
  { group: '', version: 'v1', obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1', 'b.conf': 'x=y' }, binaryData: { c: 'AA==' } } },
  { group: '', version: 'v1', obj: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', stringData: { p: 'q' } } },
  { group: '', version: 'v1', obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { team: 'a' } } } },
  {
    group: '',
    version: 'v1',
    obj: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } },
      spec: { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], podCIDR: '10.244.1.0/24' },
      status: { capacity: { cpu: '32', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
    },
  },
  {
    group: '',
    version: 'v1',
    obj: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
  },
  {
    group: 'policy',
    version: 'v1',
    obj: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } },
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    obj: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } },
  },
  {
    group: 'example.com',
    version: 'v1',
    obj: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3, tags: ['a', 'b'], nested: { deep: { x: null } } } },
  },
];

/** A deterministic generator (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REPLACEMENTS: unknown[] = [null, {}, [], 'x', 0, 1.5, true, { a: 1 }, [{}], [1, 1], [{ name: 'dup' }, { name: 'dup' }], [null], { creationTimestamp: null }];

/** The containers (objects and arrays) of a value with their parents, for mutation. */
function slots(value: unknown, out: { parent: Obj | unknown[]; key: string | number }[] = []): typeof out {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push({ parent: value, key: i });
      slots(v, out);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push({ parent: value as Obj, key: k });
      slots(v, out);
    }
  }
  return out;
}

/** The object with a few random parts replaced, removed, duplicated or added. */
function mutate(obj: Obj, next: () => number): Obj {
  const copy = structuredClone(obj);
  const edits = 1 + Math.floor(next() * 3);
  for (let e = 0; e < edits; e++) {
    const all = slots(copy);
    const slot = all[Math.floor(next() * all.length)];
    if (!slot) break;
    const choice = next();
    const parent = slot.parent as Record<string | number, unknown>;
    if (choice < 0.5) parent[slot.key] = structuredClone(REPLACEMENTS[Math.floor(next() * REPLACEMENTS.length)]);
    else if (choice < 0.65 && !Array.isArray(slot.parent)) delete parent[slot.key];
    else if (choice < 0.8 && Array.isArray(slot.parent)) slot.parent.push(structuredClone(slot.parent[slot.key as number]));
    else if (choice < 0.9 && !Array.isArray(slot.parent)) parent[`unknown${e}`] = { z: [1] };
    else parent[slot.key] = undefined;
  }
  return copy;
}

const SERVER_META = { namespace: 'default', uid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', creationTimestamp: '2025-01-01T00:00:00Z', generation: 1 };

function variants(m: (typeof MANIFESTS)[number], next: () => number): Obj[] {
  const kind = String(m.obj.kind);
  const defaulted = structuredClone(m.obj);
  applyDefaults(m.group, m.version, kind, defaulted);
  const served = { ...defaulted, metadata: { ...(defaulted.metadata as Obj), ...SERVER_META } };
  const out: Obj[] = [m.obj, defaulted, served, { apiVersion: m.obj.apiVersion, kind, metadata: { name: 'bare' } }, {}];
  for (let i = 0; i < 60; i++) out.push(mutate(i % 2 ? served : m.obj, next));
  return out;
}

test('the create shortcut gives the managedFields of the general path, byte for byte, over real and mutated manifests', () => {
  const next = random(20250101);
  let cases = 0;
  let shortcut = 0;
  for (const m of MANIFESTS) {
    const kind = String(m.obj.kind);
    const schemas = [TypeSchema.forKind(m.group, m.version, kind), TypeSchema.deduced()];
    for (const obj of variants(m, next)) {
      for (const schema of schemas) {
        for (const subresource of [undefined, 'status']) {
          for (const hasStatus of [true, false]) {
            for (const manager of ['kubectl-create', '']) {
              const resetFields = resetFieldsFor({ hasStatus, subresource });
              const options: UpdateOptions = { manager, apiVersion: String(m.obj.apiVersion ?? 'v1'), time: '2025-01-01T00:00:00Z', subresource, resetFields };
              const fast = updateManagedFields(undefined, obj as KubeObject, options, schema);
              const general = updateManagedFieldsGeneral(undefined, obj as KubeObject, options, schema);
              const what = `${kind} ${JSON.stringify(obj)} subresource=${subresource} hasStatus=${hasStatus} deduced=${schema === TypeSchema.deduced()}`;
              assert.equal(JSON.stringify(fast), JSON.stringify(general), what);
              assert.deepEqual(fast, general, what);
              cases++;
              const { managedFields: _m, ...meta } = (obj.metadata ?? {}) as Obj;
              if (createdFieldsV1(schema.zeroView(), { ...obj, metadata: meta }, schema.root, resetFields, FieldSet.of(makePath('apiVersion')))) shortcut++;
            }
          }
        }
      }
    }
  }
  assert.ok(cases > 7000, `${cases} cases`);
  // The shortcut handles nearly everything; the rest proves the fallback.
  assert.ok(shortcut / cases > 0.8, `shortcut taken in ${shortcut} of ${cases} cases`);
  assert.ok(shortcut < cases, 'some cases take the general path');
});

test('the create shortcut records one Update entry of the creating manager', () => {
  const schema = TypeSchema.forKind('', 'v1', 'ConfigMap');
  const created = updateManagedFields(
    undefined,
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default', uid: 'u', labels: { a: 'b' } }, data: { k: 'v' } },
    { manager: 'kubectl-create', apiVersion: 'v1', time: new Date('2025-01-02T03:04:05.678Z') },
    schema,
  );
  assert.deepEqual(created.metadata?.managedFields, [
    {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'v1',
      time: '2025-01-02T03:04:05Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { '.': {}, 'f:k': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } } },
    },
  ]);
  // Only server-owned fields: nothing to record.
  const bare = updateManagedFields(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' } }, { manager: 'm', apiVersion: 'v1', time: '2025-01-01T00:00:00Z' }, schema);
  assert.equal(bare.metadata?.managedFields, undefined);
});

test('a create that carries managedFields keeps them (the general path)', () => {
  const schema = TypeSchema.forKind('', 'v1', 'ConfigMap');
  const sent = [{ manager: 'other', operation: 'Update' as const, apiVersion: 'v1', time: '2024-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:k': {} } } }];
  const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', managedFields: sent }, data: { k: 'v', j: 'w' } } as KubeObject;
  const options = { manager: 'me', apiVersion: 'v1', time: '2025-01-01T00:00:00Z' };
  const fast = updateManagedFields(undefined, obj, options, schema);
  assert.deepEqual(fast, updateManagedFieldsGeneral(undefined, obj, options, schema));
  assert.deepEqual(
    fast.metadata?.managedFields?.map((e) => e.manager),
    ['me'],
  );
});
