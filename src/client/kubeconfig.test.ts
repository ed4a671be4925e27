// Kubeconfig loading: the admin kubeconfig `skiff server` writes connects an
// HttpClient; file references resolve beside the kubeconfig; bad files say why.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { ApiServer, ensurePki, kubeconfigYaml, type ClusterPki } from '../apiserver/index.js';
import { openMemoryStore, type Store } from '../storage/index.js';
import { checkLeaksAfterAll } from '../testing/index.js';
import { HttpClient } from './http.js';
import { KubeconfigError, loadKubeconfig } from './kubeconfig.js';
import { Resources } from './resources.js';

checkLeaksAfterAll();

describe('loadKubeconfig', () => {
  let dir: string;
  let pki: ClusterPki;
  let store: Store;
  let server: ApiServer;
  let url: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-kubeconfig-'));
    pki = await ensurePki(join(dir, 'tls'));
    store = openMemoryStore();
    server = new ApiServer({ store, pki, port: 0, host: '127.0.0.1' });
    url = `https://127.0.0.1:${(await server.start()).port}`;
  });
  after(async () => {
    await server?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the admin kubeconfig the server writes, from a path or from text', async () => {
    const text = kubeconfigYaml({ server: url, caPem: pki.ca.certPem, client: pki.admin });
    const path = join(dir, 'admin.yaml');
    writeFileSync(path, text);
    for (const source of [path, text]) {
      const options = loadKubeconfig(source);
      assert.equal(options.server, url);
      assert.equal(options.cert?.toString(), pki.admin.certPem);
      const client = new HttpClient({ ...options, component: 'kubeconfig-test' });
      try {
        assert.equal((await client.get(Resources.namespaces, '', 'kube-system')).metadata?.name, 'kube-system');
      } finally {
        client.close();
      }
    }
  });

  it('reads certificate and token files relative to the kubeconfig and honours a chosen context', () => {
    const sub = join(dir, 'files');
    mkdirSync(join(sub, 'certs'), { recursive: true });
    writeFileSync(join(sub, 'certs', 'ca.crt'), pki.ca.certPem);
    writeFileSync(join(sub, 'certs', 'admin.crt'), pki.admin.certPem);
    writeFileSync(join(sub, 'certs', 'admin.key'), pki.admin.keyPem);
    writeFileSync(join(sub, 'token'), 'file-token\n');
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'certs',
      clusters: [
        { name: 'local', cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority': 'certs/ca.crt', 'tls-server-name': 'kubernetes' } },
        { name: 'lab', cluster: { server: 'https://lab.example:6443', 'insecure-skip-tls-verify': true } },
      ],
      users: [
        { name: 'admin', user: { 'client-certificate': 'certs/admin.crt', 'client-key': 'certs/admin.key' } },
        { name: 'robot', user: { tokenFile: 'token' } },
        { name: 'inline', user: { token: 'inline-token' } },
      ],
      contexts: [
        { name: 'certs', context: { cluster: 'local', user: 'admin' } },
        { name: 'robot', context: { cluster: 'lab', user: 'robot' } },
        { name: 'inline', context: { cluster: 'lab', user: 'inline' } },
      ],
    };
    const path = join(sub, 'config');
    writeFileSync(path, stringify(config));

    const certs = loadKubeconfig(path);
    assert.equal(certs.server, 'https://10.0.0.1:6443');
    assert.equal(certs.ca?.toString(), pki.ca.certPem);
    assert.equal(certs.key?.toString(), pki.admin.keyPem);
    assert.equal(certs.tlsServerName, 'kubernetes');
    assert.equal(certs.token, undefined);

    const robot = loadKubeconfig(path, { context: 'robot' });
    assert.deepEqual(robot, { server: 'https://lab.example:6443', token: 'file-token', insecureSkipTlsVerify: true });
    assert.equal(loadKubeconfig(path, { context: 'inline' }).token, 'inline-token');
  });

  it('says what is wrong with an unusable kubeconfig', () => {
    const base = (patch: Record<string, unknown>) =>
      stringify({
        'current-context': 'c',
        clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:6443' } }],
        users: [{ name: 'u', user: {} }],
        contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
        ...patch,
      });
    assert.equal(loadKubeconfig(base({})).server, 'https://127.0.0.1:6443');
    assert.throws(() => loadKubeconfig(join(dir, 'nope.yaml')), (err: unknown) => err instanceof KubeconfigError && /does not exist/.test(err.message));
    assert.throws(() => loadKubeconfig(base({ 'current-context': 'other' })), /context "other" not found in contexts/);
    assert.throws(() => loadKubeconfig(base({ clusters: [{ name: 'k', cluster: {} }] })), /cluster "k" has no server/);
    assert.throws(() => loadKubeconfig(base({ users: [{ name: 'u', user: { 'client-certificate-data': 'eA==' } }] })), /both a client certificate and a client key/);
    assert.throws(() => loadKubeconfig('a: [\nb'), /invalid YAML/);
  });
});
