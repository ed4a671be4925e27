// Everyday kubectl workflows against `skiff server --runtime none`: typed create
// commands (protobuf bodies on kubectl 1.32+), explain, describe, kustomize, scale,
// wait, CRDs with custom resources, auth, and the oldest supported kubectl.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkLeaksAfterAll, kubectlBinaries, startCluster, type TestCluster } from '../src/testing/index.js';
import { DATASTORES, type Datastore } from './support/datastores.js';

checkLeaksAfterAll();

const binaries = kubectlBinaries();
const noKubectl = binaries.default ? false : 'kubectl is not installed on this machine';

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    scope: 'Namespaced',
    names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
        additionalPrinterColumns: [
          { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { cronSpec: { type: 'string', pattern: '^(\\S+ ){4}\\S+$' }, replicas: { type: 'integer', minimum: 0, default: 1 } } },
              status: { type: 'object', properties: { replicas: { type: 'integer' } } },
            },
          },
        },
      },
    ],
  },
};

for (const datastore of DATASTORES) workflows(datastore);

function workflows(datastore: Datastore): void {
  describe(`kubectl workflows (${datastore.name})`, { skip: noKubectl || datastore.skip }, () => {
    let cluster: TestCluster;
    let backing: { url?: string; stop(): Promise<void> } | undefined;
    const ok = async (args: string[], input?: string) => {
      const result = await cluster.kubectl(args, input === undefined ? {} : { input });
      assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };

    before(async () => {
      backing = await datastore.start();
      cluster = await startCluster(backing.url ? { datastore: backing.url } : {});
    });

    after(async () => {
      await cluster?.stop();
      await backing?.stop();
    });

    it('creates with the typed generators (protobuf bodies on kubectl 1.32+)', async () => {
      assert.equal(await ok(['create', 'namespace', 'team']), 'namespace/team created\n');
      assert.equal(await ok(['-n', 'team', 'create', 'configmap', 'cfg', '--from-literal=a=1']), 'configmap/cfg created\n');
      assert.equal(await ok(['-n', 'team', 'create', 'secret', 'generic', 'sec', '--from-literal=password=s3cret']), 'secret/sec created\n');
      assert.equal(await ok(['-n', 'team', 'create', 'deployment', 'web', '--image=busybox', '--replicas=2', '--port=80']), 'deployment.apps/web created\n');
      assert.equal(await ok(['-n', 'team', 'create', 'service', 'clusterip', 'web', '--tcp=80:8080']), 'service/web created\n');
      assert.equal(await ok(['-n', 'team', 'create', 'job', 'once', '--image=busybox', '--', 'true']), 'job.batch/once created\n');
      const secret = JSON.parse(await ok(['-n', 'team', 'get', 'secret', 'sec', '-o', 'json'])) as { type: string; data: Record<string, string> };
      assert.equal(Buffer.from(secret.data.password!, 'base64').toString(), 's3cret');
      const deployment = JSON.parse(await ok(['-n', 'team', 'get', 'deploy', 'web', '-o', 'json'])) as {
        spec: { replicas: number; template: { spec: { containers: Array<{ image: string; ports: Array<{ containerPort: number; protocol: string }> }> } } };
      };
      assert.equal(deployment.spec.replicas, 2);
      assert.deepEqual(deployment.spec.template.spec.containers[0]!.ports, [{ containerPort: 80, protocol: 'TCP' }]);
      const service = await ok(['-n', 'team', 'get', 'svc', 'web', '-o', 'wide']);
      assert.match(service, /^web\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+\S+\s+app=web$/m);
    });

    it('scales through the scale subresource', async () => {
      assert.equal(await ok(['-n', 'team', 'scale', 'deployment', 'web', '--replicas=4']), 'deployment.apps/web scaled\n');
      assert.equal(await ok(['-n', 'team', 'get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '4');
    });

    it('server-side applies with managed fields, conflicts and --force-conflicts', async () => {
      const manifest = JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'ssa', namespace: 'team' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'ssa' } }, template: { metadata: { labels: { app: 'ssa' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
      });
      assert.equal(await ok(['apply', '--server-side', '-f', '-'], manifest), 'deployment.apps/ssa serverside-applied\n');
      assert.equal(await ok(['apply', '--server-side', '-f', '-'], manifest), 'deployment.apps/ssa serverside-applied\n');
      await ok(['-n', 'team', 'scale', 'deployment', 'ssa', '--replicas=5']);
      const conflict = await cluster.kubectl(['apply', '--server-side', '-f', '-'], { input: manifest });
      assert.notEqual(conflict.code, 0);
      assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps\/v1: \.spec\.replicas/);
      await ok(['apply', '--server-side', '--force-conflicts', '-f', '-'], manifest);
      const live = JSON.parse(await ok(['-n', 'team', 'get', 'deployment', 'ssa', '-o', 'json', '--show-managed-fields'])) as {
        spec: { replicas: number };
        metadata: { managedFields: Array<{ manager: string; operation: string; fieldsV1: { 'f:spec'?: Record<string, unknown> } }> };
      };
      assert.equal(live.spec.replicas, 2);
      const applier = live.metadata.managedFields.find((m) => m.operation === 'Apply');
      assert.equal(applier?.manager, 'kubectl');
      assert.ok(applier?.fieldsV1['f:spec']?.['f:replicas'], 'the applier owns .spec.replicas again');
    });

    it('explains fields from the served OpenAPI', async () => {
      const explained = await ok(['explain', 'pods.spec.containers.image']);
      assert.match(explained, /KIND:\s+Pod/);
      assert.match(explained, /FIELD:\s+image <string>/);
      assert.match(explained, /Container image name/);
    });

    it('describes objects', async () => {
      const described = await ok(['-n', 'team', 'describe', 'deployment', 'web']);
      assert.match(described, /^Name:\s+web$/m);
      assert.match(described, /^Namespace:\s+team$/m);
      assert.match(described, /^Selector:\s+app=web$/m);
      assert.match(described, /^Replicas:\s+4 desired/m);
    });

    it('applies a kustomization with -k', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'skiff-kustomize-'));
      try {
        writeFileSync(join(dir, 'kustomization.yaml'), 'namespace: team\nnamePrefix: k-\nconfigMapGenerator:\n- name: generated\n  literals: [color=green]\nresources: [cm.yaml]\n');
        writeFileSync(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {x: "1"}\n');
        const out = await ok(['apply', '-k', dir]);
        assert.match(out, /^configmap\/k-generated-\w+ created$/m);
        assert.match(out, /^configmap\/k-plain created$/m);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('serves a CRD and its custom resources with printer columns, defaults and validation', async () => {
      await ok(['apply', '-f', '-'], JSON.stringify(CRD));
      await ok(['wait', '--for=condition=established', '--timeout=20s', 'crd/crontabs.stable.example.com']);
      assert.match(await ok(['api-resources', '--api-group=stable.example.com']), /^crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab$/m);
      await ok(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'nightly' }, spec: { cronSpec: '0 3 * * *' } }));
      assert.match(await ok(['get', 'ct']), /^nightly\s+0 3 \* \* \*\s+1$/m);
      const bad = await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'broken' }, spec: { cronSpec: 'bad', replicas: -1 } }) });
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /The CronTab "broken" is invalid/);
      assert.match(bad.stderr, /spec\.replicas: Invalid value: -1: spec\.replicas in body should be greater than or equal to 0/);
      assert.equal(await ok(['scale', 'crontab', 'nightly', '--replicas=3']), 'crontab.stable.example.com/nightly scaled\n');
      assert.match(await ok(['explain', 'crontab.spec']), /cronSpec\s+<string>/);
      await ok(['delete', 'crd', 'crontabs.stable.example.com']);
      const gone = await cluster.kubectl(['get', 'crontabs']);
      assert.notEqual(gone.code, 0);
    });

    it('answers auth can-i and whoami', async () => {
      assert.equal(await ok(['auth', 'can-i', 'create', 'deployments']), 'yes\n');
      assert.match(await ok(['auth', 'whoami']), /^Username\s+skiff-admin$/m);
      await ok(['-n', 'team', 'create', 'serviceaccount', 'robot']);
      const token = (await ok(['-n', 'team', 'create', 'token', 'robot'])).trim();
      // Only the token: with the kubeconfig's client certificate the certificate would win, as upstream.
      const asRobot = await cluster.kubectl(['--kubeconfig=/dev/null', `--server=https://127.0.0.1:${cluster.port}`, '--insecure-skip-tls-verify', `--token=${token}`, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
      assert.equal(asRobot.stdout, 'system:serviceaccount:team:robot', asRobot.stderr);
    });

    it('deletes collections by selector and waits for deletion', async () => {
      for (const name of ['a', 'b', 'c']) await ok(['-n', 'team', 'create', 'configmap', `sel-${name}`, '--from-literal=k=v']);
      await ok(['-n', 'team', 'label', 'configmap', 'sel-a', 'sel-b', 'batch=yes']);
      const deleted = await ok(['-n', 'team', 'delete', 'configmap', '-l', 'batch=yes']);
      assert.equal(deleted, 'configmap "sel-a" deleted\nconfigmap "sel-b" deleted\n');
      await ok(['-n', 'team', 'wait', '--for=delete', 'configmap/sel-a', '--timeout=10s']);
      assert.equal(await ok(['-n', 'team', 'get', 'configmap', 'sel-c', '-o', 'name']), 'configmap/sel-c\n');
    });

    it('deletes with background, foreground and orphan propagation', async () => {
      const withDependents = async (owner: string) => {
        await ok(['-n', 'team', 'create', 'configmap', owner]);
        const uid = (await ok(['-n', 'team', 'get', 'configmap', owner, '-o', 'jsonpath={.metadata.uid}'])).trim();
        for (const i of [1, 2]) {
          const dependent = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${owner}-dep${i}`, namespace: 'team', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: owner, uid, blockOwnerDeletion: true }] } };
          await ok(['create', '-f', '-'], JSON.stringify(dependent));
        }
      };
      const names = async () => (await ok(['-n', 'team', 'get', 'configmaps', '-o', 'name'])).split('\n').filter((n) => n.includes('-dep'));
      await withDependents('bg');
      await ok(['-n', 'team', 'delete', 'configmap', 'bg', '--cascade=background']);
      await ok(['-n', 'team', 'wait', '--for=delete', 'configmap/bg-dep1', 'configmap/bg-dep2', '--timeout=20s']);
      await withDependents('fg');
      // kubectl waits for the owner, which goes only after its blocking dependents.
      await ok(['-n', 'team', 'delete', 'configmap', 'fg', '--cascade=foreground', '--timeout=20s']);
      assert.deepEqual((await names()).filter((n) => n.includes('fg-')), []);
      await withDependents('or');
      await ok(['-n', 'team', 'delete', 'configmap', 'or', '--cascade=orphan', '--timeout=20s']);
      assert.deepEqual((await names()).filter((n) => n.includes('or-')), ['configmap/or-dep1', 'configmap/or-dep2']);
      assert.equal(await ok(['-n', 'team', 'get', 'configmap', 'or-dep1', '-o', 'jsonpath={.metadata.ownerReferences}']), '');
    });

    it('empties and removes a deleted namespace', async () => {
      await ok(['create', 'namespace', 'doomed']);
      await ok(['-n', 'doomed', 'create', 'configmap', 'c', '--from-literal=a=b']);
      await ok(['-n', 'doomed', 'create', 'deployment', 'd', '--image=busybox']);
      assert.equal(await ok(['delete', 'namespace', 'doomed', '--timeout=30s']), 'namespace "doomed" deleted\n');
      const gone = await cluster.kubectl(['get', 'namespace', 'doomed']);
      assert.match(gone.stderr, /namespaces "doomed" not found/);
    });

    it('works with the oldest supported kubectl too', { skip: binaries.versions.has('1.27') ? false : 'kubectl 1.27 is not installed' }, async () => {
      const old = binaries.versions.get('1.27')!;
      const applied = await cluster.kubectl(['apply', '-f', '-'], { binary: old, input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-127', namespace: 'team' }, data: { v: '1' } }) });
      assert.equal(applied.stdout, 'configmap/from-127 created\n', applied.stderr);
      const listed = await cluster.kubectl(['-n', 'team', 'get', 'configmaps', 'from-127'], { binary: old });
      assert.match(listed.stdout, /^from-127\s+1\s+\S+$/m);
    });
  });
}
