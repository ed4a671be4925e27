// The real kubectl against `skiff server --runtime none`: discovery, CRUD, output
// formats, errors, watch and paging, as a user would drive them.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { checkLeaksAfterAll } from '../src/testing/index.js';
import { kubectlBinaries, startCluster, type TestCluster } from '../src/testing/index.js';
import { DATASTORES, type Datastore } from './support/datastores.js';

checkLeaksAfterAll();

/** A request with no credentials at all (kubectl would prompt for a password). */
function fetchAnonymous(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const kubectlPath = kubectlBinaries().default;
const noKubectl = kubectlPath ? false : 'kubectl is not installed on this machine';

for (const datastore of DATASTORES) kubectlSuite(datastore);

function kubectlSuite(datastore: Datastore): void {
  describe(`kubectl against skiff server (${datastore.name})`, { skip: noKubectl || datastore.skip }, () => {
    let cluster: TestCluster;
    let backing: { url?: string; stop(): Promise<void> } | undefined;

    before(async () => {
      backing = await datastore.start();
      cluster = await startCluster(backing.url ? { datastore: backing.url } : {});
      const version = await cluster.kubectl(['version', '--client', '-o', 'json']);
      const client = JSON.parse(version.stdout) as { clientVersion: { gitVersion: string } };
      process.stdout.write(`# kubectl ${client.clientVersion.gitVersion} (${kubectlPath})\n`);
    });

    after(async () => {
      await cluster?.stop();
      await backing?.stop();
    });

    it('reports the server version', async () => {
      const result = await cluster.kubectl(['version', '-o', 'json']);
      assert.equal(result.code, 0, result.stderr);
      const parsed = JSON.parse(result.stdout) as { serverVersion: { major: string; minor: string; gitVersion: string } };
      assert.equal(parsed.serverVersion.major, '1');
      assert.match(parsed.serverVersion.gitVersion, /^v1\.\d+\.\d+/);
    });

    it('lists resources and versions through discovery', async () => {
      const resources = await cluster.kubectl(['api-resources']);
      assert.equal(resources.code, 0, resources.stderr);
      assert.match(resources.stdout, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
      assert.match(resources.stdout, /^pods\s+po\s+v1\s+true\s+Pod$/m);
      assert.match(resources.stdout, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
      const versions = await cluster.kubectl(['api-versions']);
      assert.equal(versions.code, 0, versions.stderr);
      for (const gv of ['v1', 'apps/v1', 'batch/v1', 'coordination.k8s.io/v1', 'rbac.authorization.k8s.io/v1']) {
        assert.ok(versions.stdout.split('\n').includes(gv), `api-versions lacks ${gv}`);
      }
    });

    it('starts with the four system namespaces', async () => {
      const result = await cluster.kubectl(['get', 'namespaces', '-o', 'name']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.stdout.trim().split('\n').sort(), ['namespace/default', 'namespace/kube-node-lease', 'namespace/kube-public', 'namespace/kube-system']);
    });

    it('applies a multi-document file and reads it back in every output format', async () => {
      const manifest = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {tier: backend}
data:
  color: blue
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: busybox}
`;
      const applied = await cluster.kubectl(['apply', '-f', '-'], { input: manifest });
      assert.equal(applied.code, 0, applied.stderr);
      assert.equal(applied.stdout, 'configmap/settings created\ndeployment.apps/web created\n');

      const json = await cluster.kubectl(['get', 'configmap', 'settings', '-o', 'json']);
      const cm = JSON.parse(json.stdout) as { metadata: { uid: string; resourceVersion: string; creationTimestamp: string; namespace: string }; data: Record<string, string> };
      assert.equal(cm.data.color, 'blue');
      assert.equal(cm.metadata.namespace, 'default');
      assert.match(cm.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.match(cm.metadata.resourceVersion, /^\d+$/);

      const yaml = await cluster.kubectl(['get', 'deployment', 'web', '-o', 'yaml']);
      assert.match(yaml.stdout, /^kind: Deployment$/m);
      assert.match(yaml.stdout, /^ {2}generation: 1$/m);

      const jsonpath = await cluster.kubectl(['get', 'configmap', 'settings', '-o', 'jsonpath={.data.color}']);
      assert.equal(jsonpath.stdout, 'blue');
      const columns = await cluster.kubectl(['get', 'configmaps', '-l', 'tier=backend', '-o', 'custom-columns=NAME:.metadata.name,COLOR:.data.color']);
      assert.equal(columns.stdout, 'NAME       COLOR\nsettings   blue\n');
      const names = await cluster.kubectl(['get', 'deploy', '-o', 'name']);
      assert.equal(names.stdout, 'deployment.apps/web\n');

      const again = await cluster.kubectl(['apply', '-f', '-'], { input: manifest });
      assert.equal(again.stdout, 'configmap/settings unchanged\ndeployment.apps/web unchanged\n');
    });

    it('prints upstream error messages for NotFound, AlreadyExists and Invalid', async () => {
      const missing = await cluster.kubectl(['get', 'configmap', 'nope']);
      assert.notEqual(missing.code, 0);
      assert.equal(missing.stderr.trim(), 'Error from server (NotFound): configmaps "nope" not found');

      const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dup' } });
      assert.equal((await cluster.kubectl(['create', '-f', '-'], { input: cm })).code, 0);
      const dup = await cluster.kubectl(['create', '-f', '-'], { input: cm });
      assert.match(dup.stderr, /Error from server \(AlreadyExists\).*configmaps "dup" already exists/);

      const bad = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_Valid' } });
      const invalid = await cluster.kubectl(['create', '-f', '-'], { input: bad });
      assert.match(invalid.stderr, /The ConfigMap "Not_Valid" is invalid: metadata.name: Invalid value: "Not_Valid": a lowercase RFC 1123 subdomain must consist of/);
    });

    it('replace with a stale resourceVersion is a Conflict', async () => {
      const created = await cluster.kubectl(['create', '-f', '-', '-o', 'json'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cas' }, data: { v: '1' } }) });
      const stale = JSON.parse(created.stdout) as { metadata: { resourceVersion: string }; data: Record<string, string> };
      const bumped = await cluster.kubectl(['label', 'configmap', 'cas', 'touched=yes']);
      assert.equal(bumped.code, 0, bumped.stderr);
      stale.data.v = '2';
      const replaced = await cluster.kubectl(['replace', '-f', '-'], { input: JSON.stringify(stale) });
      assert.notEqual(replaced.code, 0);
      assert.match(
        replaced.stderr,
        /Error from server \(Conflict\).*Operation cannot be fulfilled on configmaps "cas": the object has been modified; please apply your changes to the latest version and try again/,
      );
    });

    it('labels, annotates and merge-patches', async () => {
      await cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'meta' } }) });
      assert.equal((await cluster.kubectl(['label', 'configmap', 'meta', 'a=1'])).stdout, 'configmap/meta labeled\n');
      assert.equal((await cluster.kubectl(['annotate', 'configmap', 'meta', 'note=hello'])).stdout, 'configmap/meta annotated\n');
      const patched = await cluster.kubectl(['patch', 'configmap', 'meta', '--type=merge', '-p', '{"data":{"k":"v"}}']);
      assert.equal(patched.stdout, 'configmap/meta patched\n');
      const got = JSON.parse((await cluster.kubectl(['get', 'configmap', 'meta', '-o', 'json'])).stdout) as {
        metadata: { labels: Record<string, string>; annotations: Record<string, string> };
        data: Record<string, string>;
      };
      assert.equal(got.metadata.labels.a, '1');
      assert.equal(got.metadata.annotations.note, 'hello');
      assert.equal(got.data.k, 'v');
      assert.equal((await cluster.kubectl(['label', 'configmap', 'meta', 'a-'])).stdout, 'configmap/meta unlabeled\n');
    });

    it('pages lists with --chunk-size and keeps every item', async () => {
      const items = Array.from({ length: 25 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `page-${String(i).padStart(2, '0')}`, labels: { paged: 'yes' } } }));
      const created = await cluster.kubectl(['create', '-f', '-'], { input: items.map((i) => JSON.stringify(i)).join('\n') });
      assert.equal(created.code, 0, created.stderr);
      const listed = await cluster.kubectl(['get', 'configmaps', '-l', 'paged=yes', '--chunk-size=4', '-o', 'name']);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(listed.stdout.trim().split('\n'), items.map((i) => `configmap/${i.metadata.name}`));
    });

    it('watches changes with get -w', async () => {
      await cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before-watch' } }) });
      const watch = spawn(kubectlPath, ['get', 'configmaps', '-w', '-o', 'name'], { env: { ...process.env, KUBECONFIG: cluster.kubeconfig } });
      let output = '';
      const waitFor = (text: string) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`watch output lacks ${text}: ${output}`)), 10_000);
          const check = () => {
            if (!output.includes(text)) return;
            clearTimeout(timer);
            watch.stdout.off('data', check);
            resolve();
          };
          watch.stdout.on('data', check);
          check();
        });
      watch.stdout.on('data', (d: Buffer) => (output += d.toString()));
      try {
        // The initial list is printed before the watch starts from its resourceVersion.
        await waitFor('configmap/before-watch');
        await cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'during-watch' } }) });
        await waitFor('configmap/during-watch');
      } finally {
        watch.kill();
        await new Promise((resolve) => watch.once('close', resolve));
      }
    });

    it('deletes and reports it', async () => {
      await cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gone' } }) });
      const deleted = await cluster.kubectl(['delete', 'configmap', 'gone']);
      assert.equal(deleted.stdout, 'configmap "gone" deleted\n');
      const again = await cluster.kubectl(['delete', 'configmap', 'gone']);
      assert.equal(again.stderr.trim(), 'Error from server (NotFound): configmaps "gone" not found');
    });

    it('refuses requests without valid credentials', async () => {
      const badToken = await cluster.kubectl(['--kubeconfig=/dev/null', `--server=https://127.0.0.1:${cluster.port}`, '--insecure-skip-tls-verify', '--token=not-a-token', 'get', 'pods']);
      assert.notEqual(badToken.code, 0);
      assert.equal(badToken.stderr.trim(), 'error: You must be logged in to the server (Unauthorized)');
      const anonymous = await fetchAnonymous(cluster.port, '/api/v1/namespaces/default/pods');
      assert.equal(anonymous.status, 401);
      assert.equal((JSON.parse(anonymous.body) as { reason: string }).reason, 'Unauthorized');
      assert.equal((await fetchAnonymous(cluster.port, '/healthz')).body, 'ok');
    });
  });
}
