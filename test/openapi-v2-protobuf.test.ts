// Real kubectl against a test-only HTTP server that serves discovery and /openapi/v2 in
// the protobuf form only (as kube-apiserver negotiates it; /openapi/v3 is 404, so kubectl
// falls back to v2 everywhere). kubectl 1.27's client-side apply fetches nothing else;
// the strategic merge patch it sends shows it read the patch metadata out of our
// encoding, and `explain --output=plaintext-openapiv2` finds kinds through
// x-kubernetes-group-version-kind.
// (Test-only I/O in a pure folder: the server and kubectl processes live here, the
// encoder stays pure.)

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildOpenAPIV2 } from '../src/api/openapi/index.js';
import { BUILTIN_RESOURCES } from '../src/api/resources.js';
import { checkLeaksAfterAll, kubectlBinaries } from '../src/testing/index.js';
import { encodeOpenAPIV2Protobuf, negotiateOpenAPIV2, OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from '../src/api/openapi-proto/index.js';

type Json = Record<string, unknown>;

checkLeaksAfterAll();

const SDK = '/usr/lib/google-cloud-sdk/bin';
const { versions } = kubectlBinaries();
const KUBECTL_1_27 = versions.get('1.27') ?? join(SDK, 'kubectl.1.27');
const KUBECTL_1_33 = versions.get('1.33') ?? join(SDK, 'kubectl.1.33');

interface Request {
  method: string;
  path: string;
  accept: string;
  contentType: string;
  body: string;
}

const APPLIED = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'busybox:1' }, { name: 'b', image: 'busybox:1' }] } },
  },
};
const LIVE = {
  ...APPLIED,
  metadata: { ...APPLIED.metadata, uid: '6f1c1a52-0000-4000-8000-000000000001', resourceVersion: '5', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(APPLIED) } },
};
const WEB = '/apis/apps/v1/namespaces/default/deployments/web';

/** A minimal API server: discovery of the built-in resources, /openapi/v2 and one Deployment. */
class TestServer {
  readonly requests: Request[] = [];
  private v2: Buffer;
  private readonly server: Server;

  constructor(document: object) {
    this.v2 = Buffer.from(encodeOpenAPIV2Protobuf(document));
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString()));
    });
  }

  setDocument(document: object): void {
    this.v2 = Buffer.from(encodeOpenAPIV2Protobuf(document));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    this.requests.push({ method: req.method ?? '', path, accept: req.headers.accept ?? '', contentType: req.headers['content-type'] ?? '', body });
    const json = (code: number, value: unknown): void => {
      const text = JSON.stringify(value);
      res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (path === '/openapi/v2') {
      if (negotiateOpenAPIV2(req.headers.accept) !== 'protobuf') {
        res.writeHead(406, { 'Content-Length': 0 });
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF_CONTENT_TYPE, 'Content-Length': this.v2.length });
      res.end(this.v2);
      return;
    }
    if (path === '/version') return json(200, { major: '1', minor: '33', gitVersion: 'v1.33.0' });
    if (path === '/api') return json(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
    if (path === '/apis') {
      const groups = new Map<string, string[]>();
      for (const r of BUILTIN_RESOURCES) {
        if (!r.group) continue;
        const versions = groups.get(r.group) ?? [];
        if (!versions.includes(r.version)) versions.push(r.version);
        groups.set(r.group, versions);
      }
      return json(200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...groups].map(([name, versions]) => ({
          name,
          versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
          preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
        })),
      });
    }
    const gv = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))$/.exec(path);
    if (gv) {
      const groupVersion = gv[1] ?? gv[2]!;
      const resources = BUILTIN_RESOURCES.filter((r) => (r.group ? `${r.group}/${r.version}` : r.version) === groupVersion);
      return json(200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion,
        resources: resources.map((r) => ({ name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs, shortNames: r.shortNames })),
      });
    }
    if (path === WEB && (req.method === 'GET' || req.method === 'PATCH')) return json(200, LIVE);
    return json(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 });
  }
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('kubectl reads /openapi/v2 as protobuf', { skip: existsSync(KUBECTL_1_27) ? false : `${KUBECTL_1_27} is not installed` }, () => {
  let dir: string;
  let server: TestServer;
  const document = (): Json => buildOpenAPIV2(BUILTIN_RESOURCES) as Json;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-openapi-pb-'));
    server = new TestServer(document());
    const port = await server.start();
    writeFileSync(
      join(dir, 'kubeconfig'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${port}` } }],
        users: [{ name: 'u', user: {} }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', namespace: 'default' } }],
        'current-context': 'c',
      }),
    );
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function kubectl(binary: string, args: string[], stdin?: string): Promise<Run> {
    return new Promise((resolve) => {
      const child = execFile(
        binary,
        ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
        { env: { PATH: process.env.PATH ?? '', HOME: dir }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(stdin ?? '');
    });
  }

  function assertAccepted(run: Run): void {
    assert.doesNotMatch(run.stderr, /cannot parse|could not find the requested resource|error calculating patch from openapi/i, run.stderr);
    assert.equal(run.code, 0, run.stderr);
  }

  it('1.27 apply --dry-run=client -o yaml', async () => {
    const configMap = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'demo' }, data: { a: '1' } });
    const run = await kubectl(KUBECTL_1_27, ['apply', '--dry-run=client', '-o', 'yaml', '-f', '-'], configMap);
    assertAccepted(run);
    assert.match(run.stdout, /kubectl\.kubernetes\.io\/last-applied-configuration/);
    assert.ok(server.requests.some((r) => r.path === '/openapi/v2' && r.accept.includes('proto-openapi')));
  });

  it('1.27 explain --output=plaintext-openapiv2 finds kinds by x-kubernetes-group-version-kind', async () => {
    const run = await kubectl(KUBECTL_1_27, ['explain', '--output=plaintext-openapiv2', 'pods.spec.containers.ports']);
    assertAccepted(run);
    assert.match(run.stdout, /KIND:\s+Pod/);
    assert.match(run.stdout, /RESOURCE: ports <\[\]Object>/);
    assert.match(run.stdout, /containerPort\s+<integer> -required-/);
  });

  it('1.27 apply sends a strategic merge patch built from the served patch metadata', async () => {
    const changed = structuredClone(APPLIED);
    changed.spec.template.spec.containers[0]!.image = 'busybox:2';
    const patchOf = async (): Promise<Json> => {
      const before = server.requests.length;
      const run = await kubectl(KUBECTL_1_27, ['apply', '-f', '-'], JSON.stringify(changed));
      assertAccepted(run);
      const patch = server.requests.slice(before).find((r) => r.method === 'PATCH' && r.path === WEB);
      assert.ok(patch, 'no PATCH sent');
      assert.equal(patch.contentType, 'application/strategic-merge-patch+json');
      return ((JSON.parse(patch.body) as Json).spec as Json) ?? {};
    };
    // PodSpec.containers has x-kubernetes-patch-merge-key: name and
    // x-kubernetes-patch-strategy: merge: only the changed container, and the order.
    assert.deepEqual(await patchOf(), { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }], containers: [{ image: 'busybox:2', name: 'a' }] } } });
    // Without them in the served document the list is atomic: kubectl took the metadata
    // from /openapi/v2 (not from its compiled-in Go types).
    const stripped = document();
    const podSpec = (stripped.definitions as Record<string, Json>)['io.k8s.api.core.v1.PodSpec']!;
    const containers = (podSpec.properties as Record<string, Json>).containers!;
    for (const key of Object.keys(containers)) if (key.startsWith('x-')) delete containers[key];
    server.setDocument(stripped);
    try {
      assert.deepEqual(await patchOf(), { template: { spec: { containers: [{ image: 'busybox:2', name: 'a' }, { image: 'busybox:1', name: 'b' }] } } });
    } finally {
      server.setDocument(document());
    }
  });

  it('1.33 explain --output=plaintext-openapiv2 and create -f of a List', { skip: existsSync(KUBECTL_1_33) ? false : `${KUBECTL_1_33} is not installed` }, async () => {
    const explain = await kubectl(KUBECTL_1_33, ['explain', '--output=plaintext-openapiv2', 'deployments.spec.strategy']);
    assertAccepted(explain);
    assert.match(explain.stdout, /KIND:\s+Deployment/);
    assert.match(explain.stdout, /RESOURCE: strategy <Object>/);
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' }, data: { a: '1' } }] });
    const before = server.requests.length;
    const create = await kubectl(KUBECTL_1_33, ['create', '--dry-run=client', '-o', 'name', '-f', '-'], list);
    assertAccepted(create);
    assert.equal(create.stdout.trim(), 'configmap/one');
    assert.ok(server.requests.slice(before).some((r) => r.path === '/openapi/v2'), 'kubectl 1.33 did not fetch /openapi/v2');
  });
});
