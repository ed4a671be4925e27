// The HTTPS client against a real API server (the shared client conformance suite,
// bearer tokens, User-Agent) and against a scripted HTTPS server (chunk boundaries
// in the watch stream, error bodies that are not Status objects).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiServer, ensurePki, type ClusterPki } from '../apiserver/index.js';
import { newGarbageCollectorController, newNamespaceController } from '../controllers/index.js';
import { openMemoryStore, type Store } from '../storage/index.js';
import { checkLeaksAfterAll, eventually } from '../testing/index.js';
import { runClientConformance } from './conformance.js';
import { HttpClient, errorFromResponse, resourcePath, userAgent } from './http.js';
import { Resources } from './resources.js';
import { isGone, isNotFound, type WatchEvent } from './types.js';

checkLeaksAfterAll();

interface RunningServer {
  readonly dir: string;
  readonly pki: ClusterPki;
  readonly store: Store;
  readonly server: ApiServer;
  readonly url: string;
  close(): Promise<void>;
}

async function startApiServer(options: { tokenFile?: (dir: string) => string } = {}): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-http-client-'));
  const pki = await ensurePki(join(dir, 'tls'));
  const store = openMemoryStore();
  // As upstream's integration tests: no ServiceAccount admission (no controller creates accounts here).
  const server = new ApiServer({ store, pki, port: 0, host: '127.0.0.1', disableAdmissionPlugins: ['ServiceAccount'], ...(options.tokenFile ? { tokenFile: options.tokenFile(dir) } : {}) });
  const { port } = await server.start();
  // Deletion semantics the conformance suite checks (the controller manager's, in a cluster).
  const registry = { store, access: server.resourceAccess() };
  const sink = { onError: () => {} };
  const controllers = [newGarbageCollectorController(sink, registry), newNamespaceController(sink, registry)];
  for (const controller of controllers) controller.run();
  return {
    dir,
    pki,
    store,
    server,
    url: `https://127.0.0.1:${port}`,
    async close() {
      await Promise.all(controllers.map((c) => c.stop()));
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

runClientConformance('HTTPS', async () => {
  const api = await startApiServer();
  const client = new HttpClient({ server: api.url, ca: api.pki.ca.certPem, cert: api.pki.admin.certPem, key: api.pki.admin.keyPem, component: 'conformance' });
  return {
    client,
    compact: async () => api.store.compact(await api.store.currentRevision()),
    close: async () => {
      client.close();
      await api.close();
    },
  };
});

describe('HttpClient paths and errors', () => {
  it('routes core, group, cluster-scoped and all-namespace paths as kube-apiserver does', () => {
    assert.equal(resourcePath(Resources.pods, 'default', 'web-1', 'binding'), '/api/v1/namespaces/default/pods/web-1/binding');
    assert.equal(resourcePath(Resources.deployments, 'prod'), '/apis/apps/v1/namespaces/prod/deployments');
    assert.equal(resourcePath(Resources.pods, ''), '/api/v1/pods');
    assert.equal(resourcePath(Resources.nodes, 'ignored', 'n1'), '/api/v1/nodes/n1');
    assert.equal(resourcePath(Resources.leases, 'kube-system', 'a b'), '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/a%20b');
  });

  it('turns a non-Status error body into a StatusError with the code and a reason', () => {
    const err = errorFromResponse(409, 'busy\n');
    assert.equal(err.code, 409);
    assert.equal(err.reason, 'Conflict');
    assert.equal(err.message, 'busy');
    const status = errorFromResponse(404, JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', message: 'pods "x" not found', code: 404 }));
    assert.equal(status.message, 'pods "x" not found');
    assert.ok(isNotFound(status));
  });

  it('names the component in the User-Agent', () => {
    assert.match(userAgent('kube-scheduler'), /^skiff\/0\.1\.0 \([a-z0-9]+\/[a-z0-9]+\) kube-scheduler$/);
  });
});

describe('HttpClient against an API server', () => {
  let api: RunningServer;

  before(async () => {
    api = await startApiServer({
      tokenFile: (dir) => {
        const path = join(dir, 'tokens.csv');
        writeFileSync(path, 'secret-token,token-admin,uid-1,"system:masters"\n');
        return path;
      },
    });
  });
  after(async () => api?.close());

  it('authenticates with a bearer token and attributes updates to the User-Agent component', async () => {
    const client = new HttpClient({ server: api.url, ca: api.pki.ca.certPem, token: 'secret-token', component: 'token-test' });
    try {
      const created = await client.create(Resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'by-token' }, data: {} });
      assert.equal(created.metadata?.managedFields?.[0]?.manager, 'skiff');
      const wrong = new HttpClient({ server: api.url, ca: api.pki.ca.certPem, token: 'wrong' });
      try {
        await assert.rejects(wrong.get(Resources.configmaps, 'default', 'by-token'), (err: unknown) => (err as { code?: number }).code === 401);
      } finally {
        wrong.close();
      }
    } finally {
      client.close();
    }
  });

  it('refuses a server whose certificate the pinned CA did not sign', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'skiff-other-ca-'));
    const other = await ensurePki(otherDir);
    const client = new HttpClient({ server: api.url, ca: other.ca.certPem, cert: api.pki.admin.certPem, key: api.pki.admin.keyPem });
    try {
      await assert.rejects(client.get(Resources.namespaces, '', 'default'), /certificate|self.signed|unable to verify/i);
    } finally {
      client.close();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('ends a watch when closed, and close() ends every open watch', async () => {
    const client = new HttpClient({ server: api.url, ca: api.pki.ca.certPem, cert: api.pki.admin.certPem, key: api.pki.admin.keyPem });
    const first = await client.watch(Resources.configmaps, 'default', {}, () => {});
    first.close();
    await first.done;
    const second = await client.watch(Resources.pods, '', {}, () => {});
    client.close();
    await second.done;
    await assert.rejects(client.get(Resources.namespaces, '', 'default'), /closed/);
  });
});

describe('HttpClient watch stream parsing', () => {
  let dir: string;
  let pki: ClusterPki;
  let server: Server;
  let url: string;
  let respond: (req: IncomingMessage, res: ServerResponse) => void = () => {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-fake-api-'));
    pki = await ensurePki(dir);
    server = createServer({ key: pki.server.keyPem, cert: pki.server.certPem }, (req, res) => respond(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const newClient = () => new HttpClient({ server: url, ca: pki.ca.certPem });

  it('reassembles events split across chunks, including inside a UTF-8 character', async () => {
    const line = (name: string) => JSON.stringify({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, resourceVersion: '5' }, data: { greeting: 'grüße' } } }) + '\n';
    const wire = Buffer.from(line('a') + line('b') + line('c'));
    const splitInsideUmlaut = wire.indexOf(Buffer.from('ü')) + 1;
    const cuts = [7, splitInsideUmlaut, wire.indexOf(Buffer.from('\n')) + 1, wire.length - 3];
    let query = '';
    respond = (req, res) => {
      query = req.url ?? '';
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      let from = 0;
      const writeNext = (i: number) => {
        const to = i < cuts.length ? cuts[i]! : wire.length;
        res.write(wire.subarray(from, to));
        from = to;
        if (to < wire.length) setTimeout(() => writeNext(i + 1), 5);
      };
      writeNext(0);
    };
    const client = newClient();
    const seen: WatchEvent[] = [];
    const handle = await client.watch(Resources.configmaps, 'default', { resourceVersion: '4', labelSelector: 'app=x', allowWatchBookmarks: true, timeoutSeconds: 30 }, (e) => seen.push(e));
    try {
      await eventually(() => assert.deepEqual(seen.map((e) => `${e.type} ${e.object.metadata?.name} ${(e.object.data as { greeting: string }).greeting}`), ['ADDED a grüße', 'ADDED b grüße', 'ADDED c grüße']));
      assert.equal(query, '/api/v1/namespaces/default/configmaps?watch=true&labelSelector=app%3Dx&resourceVersion=4&allowWatchBookmarks=true&timeoutSeconds=30');
    } finally {
      handle.close();
      await handle.done;
      client.close();
    }
  });

  it('rejects with 410 when the server answers a watch with HTTP 410, and settles done when the stream ends', async () => {
    respond = (_req, res) => {
      res.writeHead(410, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Expired', message: 'too old resource version: 1 (9)', code: 410 }));
    };
    const client = newClient();
    try {
      await assert.rejects(client.watch(Resources.configmaps, '', { resourceVersion: '1' }, () => {}), (err: unknown) => isGone(err));
      const events: string[] = [];
      respond = (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.flushHeaders();
        setTimeout(() => res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'InternalError', message: 'boom', code: 500 } }) + '\n'), 20);
      };
      const handle = await client.watch(Resources.configmaps, '', {}, (e) => events.push(`${e.type} ${(e.object as { code?: number }).code}`));
      await handle.done;
      assert.deepEqual(events, ['ERROR 500']);
    } finally {
      client.close();
    }
  });
});
