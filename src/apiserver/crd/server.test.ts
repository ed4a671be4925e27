// The CRD machinery behind a real ApiServer over HTTPS, wired as the lead wires it:
// the CRD strategy replaces the built-in one and a CrdController serves the kinds.

import assert from 'node:assert/strict';
import { request } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUILTIN_RESOURCES } from '../../api/resources.js';
import { openMemoryStore, type Store } from '../../storage/index.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { ensurePki, type ClusterPki } from '../pki.js';
import { ApiServer } from '../server.js';
import { CrdController } from './controller.js';
import { customResourceDefinitionStrategy } from './validation.js';

checkLeaksAfterAll();

async function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

describe('CRDs through the API server', () => {
  let dir: string;
  let pki: ClusterPki;
  let store: Store;
  let server: ApiServer;
  let controller: CrdController;
  let port: number;

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          ca: pki.ca.certPem,
          cert: pki.admin.certPem,
          key: pki.admin.keyPem,
          agent: false,
          headers: { Accept: 'application/json', ...(payload ? { 'Content-Type': 'application/json' } : {}), ...headers },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-crd-'));
    pki = await ensurePki(join(dir, 'tls'));
    store = await openMemoryStore();
    server = new ApiServer({ store, pki, port: 0, host: '127.0.0.1' });
    server.serve(BUILTIN_RESOURCES.find((r) => r.plural === 'customresourcedefinitions')!, customResourceDefinitionStrategy());
    port = (await server.start()).port;
    controller = new CrdController({ store, api: server, deletionPollMs: 20 });
    await controller.start();
  });

  after(async () => {
    await controller.dispose();
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', kind: 'CronTab', shortNames: ['ct'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', properties: { cronSpec: { type: 'string' }, replicas: { type: 'integer', default: 1 } } },
                status: { type: 'object', properties: { ready: { type: 'boolean' } } },
              },
            },
          },
        },
      ],
    },
  };

  it('creates a CRD whose status the controller fills in', async () => {
    const created = await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual((created.body.spec as { conversion: unknown }).conversion, { strategy: 'None' });
    const status = await eventually(async () => {
      const got = await call('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com');
      const s = got.body.status as { conditions: Array<{ type: string; status: string }> | null };
      return s.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? s : undefined;
    }, 'Established');
    assert.deepEqual(
      status.conditions!.map((c) => `${c.type}=${c.status}`),
      ['NamesAccepted=True', 'Established=True'],
    );
  });

  it('rejects an invalid CRD with upstream messages', async () => {
    const bad = structuredClone(crd);
    bad.metadata.name = 'things.stable.example.com';
    const res = await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', bad);
    assert.equal(res.status, 422);
    assert.equal(
      res.body.message,
      'CustomResourceDefinition.apiextensions.k8s.io "things.stable.example.com" is invalid: metadata.name: Invalid value: "things.stable.example.com": must be spec.names.plural+"."+spec.group',
    );
  });

  it('serves the custom resources: create with defaults, 422 on schema errors, Table output', async () => {
    const path = '/apis/stable.example.com/v1/namespaces/default/crontabs';
    const created = await call('POST', path, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'c1' }, spec: { cronSpec: '*/5 * * * *' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.spec, { cronSpec: '*/5 * * * *', replicas: 1 });
    const bad = await call('POST', path, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'c2' }, spec: { replicas: 'x' } });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.message, 'CronTab.stable.example.com "c2" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
    const table = await call('GET', path, undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    assert.deepEqual(
      (table.body.columnDefinitions as Array<{ name: string }>).map((c) => c.name),
      ['Name', 'Age'],
    );
    assert.equal(((table.body.rows as Array<{ cells: unknown[] }>)[0]!.cells[0]), 'c1');
  });

  it('deletes the custom resources with the CRD and stops serving them', async () => {
    const del = await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com');
    assert.ok(del.status === 200 || del.status === 202, JSON.stringify(del.body));
    await eventually(async () => {
      const gone = await call('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com');
      return gone.status === 404 ? true : undefined;
    }, 'the CRD to go');
    await controller.idle();
    const list = await call('GET', '/apis/stable.example.com/v1/namespaces/default/crontabs');
    assert.equal(list.status, 404);
    assert.equal((await store.list('/registry/stable.example.com/crontabs/')).items.length, 0);
  });
});
