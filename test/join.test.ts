// Joining a node: `skiff token create`, bootstrap-token authentication, the pinned CA
// hash, and TLS bootstrap through CertificateSigningRequests signed by the controller manager.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HttpClient, Resources } from '../src/client/index.js';
import { bootstrapNodeCredentials } from '../src/kubelet/bootstrap/index.js';
import { checkLeaksAfterAll, startCluster, type TestCluster } from '../src/testing/index.js';

checkLeaksAfterAll();

const SKIFF = join(import.meta.dirname, '..', '..', 'bin', 'skiff');
const run = promisify(execFile);

describe('node join with a bootstrap token', () => {
  let cluster: TestCluster;
  let dir: string;
  let join_: { server: string; token: string; hash: string };

  before(async () => {
    cluster = await startCluster();
    dir = mkdtempSync(join(tmpdir(), 'skiff-join-'));
    const { stdout } = await run(process.execPath, [SKIFF, 'token', 'create', '--print-join-command', '--data-dir', cluster.dataDir]);
    const match = /^skiff agent --server (\S+) --token (\S+) --ca-cert-hash (sha256:[0-9a-f]{64})\n$/.exec(stdout);
    assert.ok(match, `join command: ${stdout}`);
    join_ = { server: match[1]!, token: match[2]!, hash: match[3]! };
  });
  after(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the token without its secret', async () => {
    const { stdout } = await run(process.execPath, [SKIFF, 'token', 'list', '--data-dir', cluster.dataDir]);
    assert.match(stdout, /^TOKEN\s+TTL\s+EXPIRES\s+DESCRIPTION\n/);
    assert.ok(stdout.includes(`${join_.token.split('.')[0]}.<hidden>`));
    assert.ok(!stdout.includes(join_.token.split('.')[1]!), 'the secret half is not printed');
  });

  it('refuses a CA whose hash does not match, before sending the token', async () => {
    await assert.rejects(
      bootstrapNodeCredentials({ server: join_.server, token: join_.token, caCertHash: `sha256:${'0'.repeat(64)}`, nodeName: 'node-x', nodeIPs: ['127.0.0.1'], hostnames: ['node-x'], dir: join(dir, 'wrong') }),
      /refusing to join/,
    );
  });

  it('rejects an unknown token with 401', async () => {
    const client = new HttpClient({ server: join_.server, ca: cluster.tls.ca, token: 'abcdef.0123456789abcdef' });
    try {
      await assert.rejects(client.list(Resources.namespaces, ''), (err: { code?: number }) => err.code === 401);
    } finally {
      client.close();
    }
  });

  it('lets a bootstrap token ask for certificates and nothing else', async () => {
    const client = new HttpClient({ server: join_.server, ca: cluster.tls.ca, token: join_.token });
    try {
      await client.list(Resources.certificatesigningrequests, '');
      await assert.rejects(client.list(Resources.secrets, 'kube-system'), (err: { code?: number }) => err.code === 403);
      await assert.rejects(client.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'not-for-tokens' } }), (err: { code?: number }) => err.code === 403);
    } finally {
      client.close();
    }
  });

  it('gets client and serving certificates signed by the cluster CA, and reuses them', async () => {
    const options = { server: join_.server, token: join_.token, caCertHash: join_.hash, nodeName: 'node-2', nodeIPs: ['127.0.0.2'], hostnames: ['node-2'], dir: join(dir, 'node-2') };
    const credentials = await bootstrapNodeCredentials(options);
    const ca = new X509Certificate(cluster.tls.ca);
    const client = new X509Certificate(credentials.client.certPem);
    assert.match(client.subject, /CN=system:node:node-2/);
    assert.ok(client.verify(ca.publicKey));
    const serving = new X509Certificate(credentials.serving.certPem);
    assert.match(serving.subjectAltName ?? '', /IP Address:127\.0\.0\.2/);
    assert.ok(serving.verify(ca.publicKey));

    // The node's own certificate authenticates it as system:node:node-2.
    const asNode = new HttpClient({ server: join_.server, ca: credentials.caPem, cert: credentials.client.certPem, key: credentials.client.keyPem });
    try {
      const review = await asNode.create(
        { group: 'authentication.k8s.io', version: 'v1', plural: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false },
        '',
        { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      );
      assert.equal((review.status as { userInfo?: { username?: string } }).userInfo?.username, 'system:node:node-2');
    } finally {
      asNode.close();
    }
    const csrs = await cluster.kubectl(['get', 'csr']);
    assert.match(csrs.stdout, /node-csr-\S+\s+\S+\s+kubernetes.io\/kube-apiserver-client-kubelet\s+system:bootstrap:[a-z0-9]{6}\s+<none>\s+Approved,Issued/);

    // A second start finds valid certificates and needs no token.
    const again = await bootstrapNodeCredentials({ ...options, token: undefined });
    assert.equal(again.client.certPem, credentials.client.certPem);
  });
});
