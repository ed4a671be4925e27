// networking, rbac, storage, scheduling, certificates, coordination, discovery and
// admissionregistration kinds, the default Table, and the registry. Cases after
// upstream printers_test.go (TestPrintIngress, TestPrintStorageClass, ...).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPrinter, printedResources, printerFor } from './index.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const at = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();
const SOON = at(1900);
const TEN_YEARS = at(-10 * 365 * D);

function cells(group: string, resource: string, obj: Record<string, unknown>): unknown[] {
  const p = printerFor(group, resource);
  const row = p.row(obj, NOW);
  assert.equal(row.length, p.columns.length, 'one cell per column');
  return row;
}

test('ingresses: TestPrintIngress', () => {
  assert.deepEqual(
    cells('networking.k8s.io', 'ingresses', {
      metadata: { name: 'test1', creationTimestamp: TEN_YEARS },
      spec: { ingressClassName: 'foo', defaultBackend: { service: { name: 'default-backend', port: { name: 'default-backend', number: 80 } } } },
      status: { loadBalancer: { ingress: [{ ip: '2.3.4.5', hostname: 'localhost.localdomain' }] } },
    }),
    ['test1', 'foo', '*', '2.3.4.5', '80', '10y'],
  );
  assert.deepEqual(
    cells('networking.k8s.io', 'ingresses', {
      metadata: { name: 'web', creationTimestamp: at(-5 * M) },
      spec: { rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }, {}, { host: 'c.example.com' }, { host: 'd.example.com' }], tls: [{ hosts: ['a.example.com'] }] },
      status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }, { ip: '10.0.0.9' }] } },
    }),
    ['web', '<none>', 'a.example.com,b.example.com,c.example.com + 2 more...', '10.0.0.9,lb.example.com', '80, 443', '5m'],
  );
});

test('ingressclasses: TestPrintIngressClass', () => {
  assert.deepEqual(
    cells('networking.k8s.io', 'ingressclasses', { metadata: { name: 'test1', creationTimestamp: TEN_YEARS }, spec: { controller: 'example.com/controller', parameters: { kind: 'customgroup', name: 'example' } } }),
    ['test1', 'example.com/controller', 'customgroup/example', '10y'],
  );
  assert.deepEqual(
    cells('networking.k8s.io', 'ingressclasses', {
      metadata: { name: 'test1', creationTimestamp: TEN_YEARS },
      spec: { controller: 'example.com/controller', parameters: { apiGroup: 'example.com', kind: 'customgroup', name: 'example' } },
    }),
    ['test1', 'example.com/controller', 'customgroup.example.com/example', '10y'],
  );
  assert.deepEqual(cells('networking.k8s.io', 'ingressclasses', { metadata: { name: 'test2', creationTimestamp: at(-11 * 365 * D) }, spec: { controller: 'example.com/controller2' } }), [
    'test2',
    'example.com/controller2',
    '<none>',
    '11y',
  ]);
});

test('networkpolicies: TestPrintNetworkPolicy', () => {
  assert.deepEqual(cells('networking.k8s.io', 'networkpolicies', { metadata: { name: 'policy1', creationTimestamp: SOON }, spec: {} }), ['policy1', '<none>', '0s']);
  assert.deepEqual(cells('networking.k8s.io', 'networkpolicies', { metadata: { name: 'policy2', creationTimestamp: SOON }, spec: { podSelector: { matchLabels: { foo: 'bar' } } } }), [
    'policy2',
    'foo=bar',
    '0s',
  ]);
  assert.equal(
    cells('networking.k8s.io', 'networkpolicies', {
      metadata: { name: 'p' },
      spec: {
        podSelector: {
          matchExpressions: [
            { key: 'role', operator: 'NotIn', values: ['db'] },
            { key: 'app', operator: 'Exists' },
            { key: 'legacy', operator: 'DoesNotExist' },
          ],
        },
      },
    })[1],
    'app,!legacy,role notin (db)',
  );
});

test('rolebindings and clusterrolebindings: TestPrintRoleBinding', () => {
  for (const resource of ['rolebindings', 'clusterrolebindings']) {
    assert.deepEqual(
      cells('rbac.authorization.k8s.io', resource, {
        metadata: { name: 'binding1', creationTimestamp: SOON },
        subjects: [{ kind: 'User', name: 'system:kube-controller-manager' }],
        roleRef: { kind: 'Role', name: 'extension-apiserver-authentication-reader' },
      }).slice(0, 3),
      ['binding1', 'Role/extension-apiserver-authentication-reader', '0s'],
    );
    assert.deepEqual(
      cells('rbac.authorization.k8s.io', resource, {
        metadata: { name: 'binding2', creationTimestamp: SOON },
        subjects: [
          { kind: 'User', name: 'user-name' },
          { kind: 'Group', name: 'group-name' },
          { kind: 'ServiceAccount', name: 'service-account-name', namespace: 'service-account-namespace' },
        ],
        roleRef: { kind: 'Role', name: 'role-name' },
      }),
      ['binding2', 'Role/role-name', '0s', 'user-name', 'group-name', 'service-account-namespace/service-account-name'],
    );
  }
  assert.deepEqual(
    cells('rbac.authorization.k8s.io', 'clusterrolebindings', {
      metadata: { name: 'b' },
      subjects: [
        { kind: 'Group', name: 'a' },
        { kind: 'Group', name: 'b' },
      ],
      roleRef: { kind: 'ClusterRole', name: 'view' },
    }).slice(3),
    ['', 'a, b', ''],
  );
  assert.deepEqual(
    printerFor('rbac.authorization.k8s.io', 'rolebindings').columns.map((c) => [c.name, c.priority, c.description]).slice(3),
    [
      ['Users', 1, 'Users in the roleBinding'],
      ['Groups', 1, 'Groups in the roleBinding'],
      ['ServiceAccounts', 1, 'ServiceAccounts in the roleBinding'],
    ],
  );
  assert.equal(printerFor('rbac.authorization.k8s.io', 'clusterrolebindings').columns[3]?.description, 'Users in the clusterRoleBinding');
});

test('roles, clusterroles, limitranges and CRDs print the default Table', () => {
  for (const [group, resource] of [
    ['rbac.authorization.k8s.io', 'roles'],
    ['rbac.authorization.k8s.io', 'clusterroles'],
    ['', 'limitranges'],
    ['apiextensions.k8s.io', 'customresourcedefinitions'],
    ['example.com', 'widgets'],
  ] as const) {
    assert.equal(printerFor(group, resource), defaultPrinter, `${group}/${resource}`);
  }
  assert.deepEqual(
    defaultPrinter.columns.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Created At', 'date', '', 0],
    ],
  );
  assert.deepEqual(defaultPrinter.row({ metadata: { name: 'admin', creationTimestamp: '2024-03-05T07:08:09Z' } }, NOW), ['admin', '2024-03-05T07:08:09Z']);
  assert.deepEqual(defaultPrinter.row({ metadata: { name: 'x', creationTimestamp: '2024-03-05T07:08:09.123456Z' } }, NOW), ['x', '2024-03-05T07:08:09Z']);
  assert.deepEqual(defaultPrinter.row({}, NOW), ['', '0001-01-01T00:00:00Z']);
});

test('priorityclasses: TestPrintPriorityClass', () => {
  assert.deepEqual(cells('scheduling.k8s.io', 'priorityclasses', { metadata: { name: 'pc1', creationTimestamp: SOON }, value: 1, preemptionPolicy: 'Never' }), ['pc1', 1, false, '0s', 'Never']);
  assert.deepEqual(
    cells('scheduling.k8s.io', 'priorityclasses', { metadata: { name: 'pc2', creationTimestamp: at(-5 * M) }, value: 1000000000, globalDefault: true, preemptionPolicy: 'PreemptLowerPriority' }),
    ['pc2', 1000000000, true, '5m', 'PreemptLowerPriority'],
  );
  assert.deepEqual(cells('scheduling.k8s.io', 'priorityclasses', { metadata: { name: 'pc2', creationTimestamp: at(-5 * M) }, value: 1000000000, globalDefault: true }), [
    'pc2',
    1000000000,
    true,
    '5m',
    '',
  ]);
});

test('storageclasses: TestPrintStorageClass', () => {
  const sc = (o: Record<string, unknown>) => cells('storage.k8s.io', 'storageclasses', o);
  assert.deepEqual(sc({ metadata: { name: 'sc1', creationTimestamp: SOON }, provisioner: 'kubernetes.io/glusterfs' }), ['sc1', 'kubernetes.io/glusterfs', 'Delete', 'Immediate', false, '0s']);
  assert.deepEqual(sc({ metadata: { name: 'sc2', creationTimestamp: at(-5 * M) }, provisioner: 'kubernetes.io/nfs' }), ['sc2', 'kubernetes.io/nfs', 'Delete', 'Immediate', false, '5m']);
  assert.deepEqual(sc({ metadata: { name: 'sc3', creationTimestamp: at(-5 * M) }, provisioner: 'kubernetes.io/nfs', reclaimPolicy: 'Delete' }), [
    'sc3',
    'kubernetes.io/nfs',
    'Delete',
    'Immediate',
    false,
    '5m',
  ]);
  assert.deepEqual(sc({ metadata: { name: 'sc4', creationTimestamp: at(-5 * M) }, provisioner: 'kubernetes.io/nfs', reclaimPolicy: 'Retain', volumeBindingMode: 'Immediate' }), [
    'sc4',
    'kubernetes.io/nfs',
    'Retain',
    'Immediate',
    false,
    '5m',
  ]);
  assert.deepEqual(sc({ metadata: { name: 'sc5', creationTimestamp: at(-5 * M) }, provisioner: 'kubernetes.io/nfs', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' }), [
    'sc5',
    'kubernetes.io/nfs',
    'Retain',
    'WaitForFirstConsumer',
    false,
    '5m',
  ]);
  assert.deepEqual(
    sc({ metadata: { name: 'sc6', creationTimestamp: at(-5 * M) }, provisioner: 'kubernetes.io/nfs', reclaimPolicy: 'Retain', allowVolumeExpansion: true, volumeBindingMode: 'WaitForFirstConsumer' }),
    ['sc6', 'kubernetes.io/nfs', 'Retain', 'WaitForFirstConsumer', true, '5m'],
  );
  assert.equal(sc({ metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'p' })[0], 'standard (default)');
  assert.equal(sc({ metadata: { name: 'old', annotations: { 'storageclass.beta.kubernetes.io/is-default-class': 'true' } }, provisioner: 'p' })[0], 'old (default)');
  assert.equal(sc({ metadata: { name: 'no', annotations: { 'storageclass.kubernetes.io/is-default-class': 'false' } }, provisioner: 'p' })[0], 'no');
});

test('csidrivers, csinodes, volumeattachments', () => {
  assert.deepEqual(
    printerFor('storage.k8s.io', 'csidrivers').columns.map((c) => [c.name, c.type]),
    [
      ['Name', 'string'],
      ['AttachRequired', 'boolean'],
      ['PodInfoOnMount', 'boolean'],
      ['StorageCapacity', 'boolean'],
      ['TokenRequests', 'string'],
      ['RequiresRepublish', 'boolean'],
      ['Modes', 'string'],
      ['Age', 'string'],
    ],
  );
  assert.deepEqual(cells('storage.k8s.io', 'csidrivers', { metadata: { name: 'hostpath.csi.k8s.io', creationTimestamp: at(-D) }, spec: {} }), [
    'hostpath.csi.k8s.io',
    true,
    false,
    false,
    '<unset>',
    false,
    '<none>',
    '24h',
  ]);
  assert.deepEqual(
    cells('storage.k8s.io', 'csidrivers', {
      metadata: { name: 'secrets-store.csi.k8s.io' },
      spec: { attachRequired: false, podInfoOnMount: true, storageCapacity: true, tokenRequests: [{ audience: 'api' }, { audience: 'vault', expirationSeconds: 600 }], requiresRepublish: true, volumeLifecycleModes: ['Persistent', 'Ephemeral'] },
    }).slice(0, 7),
    ['secrets-store.csi.k8s.io', false, true, true, 'api,vault', true, 'Persistent,Ephemeral'],
  );
  assert.equal(cells('storage.k8s.io', 'csidrivers', { metadata: { name: 'x' }, spec: { tokenRequests: [] } })[4], '');
  assert.deepEqual(cells('storage.k8s.io', 'csinodes', { metadata: { name: 'node-1', creationTimestamp: at(-3 * H) }, spec: { drivers: [{ name: 'a', nodeID: 'n' }, { name: 'b', nodeID: 'n' }] } }), ['node-1', 2, '3h']);
  assert.deepEqual(cells('storage.k8s.io', 'csinodes', { metadata: { name: 'node-2' } }), ['node-2', 0, '<unknown>']);
  const va = printerFor('storage.k8s.io', 'volumeattachments');
  assert.deepEqual(
    va.columns.map((c) => [c.name, c.type, c.format]),
    [
      ['Name', 'string', 'name'],
      ['Attacher', 'string', 'name'],
      ['PV', 'string', ''],
      ['Node', 'string', ''],
      ['Attached', 'boolean', ''],
      ['Age', 'string', ''],
    ],
  );
  assert.deepEqual(
    cells('storage.k8s.io', 'volumeattachments', { metadata: { name: 'csi-abc', creationTimestamp: at(-M) }, spec: { attacher: 'hostpath.csi.k8s.io', source: { persistentVolumeName: 'pv-1' }, nodeName: 'node-1' }, status: { attached: true } }),
    ['csi-abc', 'hostpath.csi.k8s.io', 'pv-1', 'node-1', true, '60s'],
  );
  assert.deepEqual(cells('storage.k8s.io', 'volumeattachments', { metadata: { name: 'v' }, spec: { attacher: 'a', source: { inlineVolumeSpec: {} }, nodeName: 'n' } }), ['v', 'a', '', 'n', false, '<unknown>']);
});

test('certificatesigningrequests: TestPrintCertificateSigningRequest', () => {
  const csr = (name: string, spec: Record<string, unknown>, status: Record<string, unknown> = {}) => cells('certificates.k8s.io', 'certificatesigningrequests', { metadata: { name, creationTimestamp: SOON }, spec, status });
  assert.deepEqual(csr('csr1', {}), ['csr1', '0s', '<none>', '', '<none>', 'Pending']);
  assert.deepEqual(csr('csr2', { username: 'CSR Requestor' }, { conditions: [{ type: 'Approved' }] }), ['csr2', '0s', '<none>', 'CSR Requestor', '<none>', 'Approved']);
  assert.deepEqual(csr('csr2', { username: 'CSR Requestor', signerName: 'example.com/test-signer' }, { conditions: [{ type: 'Approved' }] }), [
    'csr2',
    '0s',
    'example.com/test-signer',
    'CSR Requestor',
    '<none>',
    'Approved',
  ]);
  assert.deepEqual(csr('csr2', { username: 'CSR Requestor', signerName: 'example.com/test-signer', expirationSeconds: 7 * 24 * 3600 + 3600 }, { conditions: [{ type: 'Approved' }] }), [
    'csr2',
    '0s',
    'example.com/test-signer',
    'CSR Requestor',
    '7d1h',
    'Approved',
  ]);
  assert.deepEqual(csr('csr2', { username: 'CSR Requestor' }, { conditions: [{ type: 'Approved' }], certificate: 'Y2VydCBkYXRh' })[5], 'Approved,Issued');
  assert.deepEqual(csr('csr3', { username: 'CSR Requestor' }, { conditions: [{ type: 'Denied' }] })[5], 'Denied');
  assert.deepEqual(csr('csr4', {}, { conditions: [{ type: 'Approved' }, { type: 'Failed' }] })[5], 'Approved,Failed');
  assert.deepEqual(
    printerFor('certificates.k8s.io', 'certificatesigningrequests').columns.map((c) => c.name),
    ['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition'],
  );
});

test('leases: TestPrintLease', () => {
  assert.deepEqual(cells('coordination.k8s.io', 'leases', { metadata: { name: 'lease1', creationTimestamp: SOON }, spec: { holderIdentity: 'holder1' } }), ['lease1', 'holder1', '0s']);
  assert.deepEqual(cells('coordination.k8s.io', 'leases', { metadata: { name: 'lease2', creationTimestamp: at(-5 * M) }, spec: { holderIdentity: 'holder2' } }), ['lease2', 'holder2', '5m']);
  assert.deepEqual(cells('coordination.k8s.io', 'leases', { metadata: { name: 'free' }, spec: {} }), ['free', '', '<unknown>']);
});

test('endpointslices: TestPrintEndpointSlice', () => {
  const port = (name: string, p: number) => ({ name, port: p, protocol: 'TCP' });
  assert.deepEqual(
    cells('discovery.k8s.io', 'endpointslices', {
      metadata: { name: 'abcslice.123', creationTimestamp: SOON },
      addressType: 'IPv4',
      ports: [port('http', 80)],
      endpoints: [{ addresses: ['10.1.2.3', '2001:db8::1234:5678'] }],
    }),
    ['abcslice.123', 'IPv4', '80', '10.1.2.3,2001:db8::1234:5678', '0s'],
  );
  assert.deepEqual(
    cells('discovery.k8s.io', 'endpointslices', {
      metadata: { name: 'longerslicename.123', creationTimestamp: at(-5 * M) },
      addressType: 'IPv6',
      ports: [port('http', 80), port('https', 443)],
      endpoints: [{ addresses: ['10.1.2.3', '2001:db8::1234:5678'] }, { addresses: ['10.2.3.4', '2001:db8::2345:6789'] }],
    }),
    ['longerslicename.123', 'IPv6', '80,443', '10.1.2.3,2001:db8::1234:5678,10.2.3.4 + 1 more...', '5m'],
  );
  assert.deepEqual(
    cells('discovery.k8s.io', 'endpointslices', {
      metadata: { name: 'multiportslice.123', creationTimestamp: at(-5 * M) },
      addressType: 'IPv4',
      ports: [port('http', 80), port('https', 443), port('extra1', 3000), port('extra2', 3001)],
      endpoints: [{ addresses: ['10.1.2.3', '2001:db8::1234:5678'] }, { addresses: ['10.2.3.4', '2001:db8::2345:6789'] }],
    }),
    ['multiportslice.123', 'IPv4', '80,443,3000 + 1 more...', '10.1.2.3,2001:db8::1234:5678,10.2.3.4 + 1 more...', '5m'],
  );
  // No ports or endpoints yet; a port with only a name; one with neither.
  assert.deepEqual(cells('discovery.k8s.io', 'endpointslices', { metadata: { name: 'empty' }, addressType: 'IPv4', ports: null, endpoints: [] }).slice(2, 4), ['<unset>', '<unset>']);
  assert.equal(cells('discovery.k8s.io', 'endpointslices', { metadata: { name: 'named' }, ports: [{ name: 'http' }, {}] })[2], 'http,*');
});

test('webhook configurations', () => {
  for (const resource of ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']) {
    assert.deepEqual(cells('admissionregistration.k8s.io', resource, { metadata: { name: 'hooks', creationTimestamp: at(-2 * H) }, webhooks: [{ name: 'a.example.com' }, { name: 'b.example.com' }] }), [
      'hooks',
      2,
      '120m',
    ]);
    assert.deepEqual(cells('admissionregistration.k8s.io', resource, { metadata: { name: 'none' } }), ['none', 0, '<unknown>']);
  }
});

test('registry: every printer starts with Name and survives any input', () => {
  const keys = printedResources();
  assert.ok(keys.length >= 40, `${keys.length} printers`);
  const junk: Record<string, unknown>[] = [
    {},
    { metadata: null, spec: 5, status: 'x' },
    { metadata: { name: 7, labels: [1], creationTimestamp: 'not a time' }, spec: { containers: 'x', template: [], selector: 3, ports: {} }, status: { conditions: [null, 4, 'x'], containerStatuses: [null] } },
  ];
  for (const key of keys) {
    const slash = key.indexOf('/');
    const p = printerFor(key.slice(0, slash), key.slice(slash + 1));
    assert.notEqual(p, defaultPrinter, key);
    const nameColumn = p.columns.find((c) => c.name === 'Name');
    assert.equal(nameColumn?.format, 'name', key);
    if (key !== '/events' && key !== 'events.k8s.io/events') assert.equal(p.columns[0], nameColumn, key);
    for (const c of p.columns) {
      assert.ok(['string', 'integer', 'number', 'boolean', 'date'].includes(c.type), `${key} ${c.name}`);
      assert.ok(c.priority === 0 || c.priority === 1, `${key} ${c.name}`);
    }
    for (const obj of junk) assert.equal(p.row(obj, NOW).length, p.columns.length, key);
  }
  assert.equal(printerFor('', 'pods/status'), printerFor('', 'pods'));
  assert.equal(printerFor('', 'pods/log'), defaultPrinter);
});
