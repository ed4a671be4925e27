// The API server in-process over HTTPS: bad input gets the right Status and loses
// nothing; limits answer 413, 415 and 429; watches from compacted revisions get 410.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openMemoryStore, type Store } from '../storage/index.js';
import { checkLeaksAfterAll } from '../testing/index.js';
import { ensurePki, type ClusterPki } from './pki.js';
import { ApiServer } from './server.js';

checkLeaksAfterAll();

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => Record<string, unknown>;
}

describe('API server over HTTPS', () => {
  let dir: string;
  let pki: ClusterPki;
  let store: Store;
  let server: ApiServer;
  let port: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-api-'));
    pki = await ensurePki(join(dir, 'tls'));
    store = openMemoryStore();
    server = new ApiServer({ store, pki, port: 0, host: '127.0.0.1', maxMutatingInflight: 2 });
    port = (await server.start()).port;
  });

  after(async () => {
    await server?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function call(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}, credentials = true): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const options: RequestOptions = {
        host: '127.0.0.1',
        port,
        method,
        path,
        ca: pki.ca.certPem,
        ...(credentials ? { cert: pki.admin.certPem, key: pki.admin.keyPem } : {}),
        headers: { ...(body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}), ...headers },
        agent: false,
      };
      const req = request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) as Record<string, unknown> });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const configMap = (name: string, data: Record<string, string> = {}) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

  it('answers 401 without credentials, except on health and version', async () => {
    const denied = await call('GET', '/api/v1/namespaces', undefined, {}, false);
    assert.equal(denied.status, 401);
    assert.equal(denied.json().reason, 'Unauthorized');
    assert.equal((await call('GET', '/healthz', undefined, {}, false)).body, 'ok');
    assert.equal((await call('GET', '/version', undefined, {}, false)).status, 200);
  });

  it('rejects malformed JSON with 400 and keeps serving', async () => {
    const bad = await call('POST', '/api/v1/namespaces/default/configmaps', '{"apiVersion": "v1", "kind": ');
    assert.equal(bad.status, 400);
    assert.equal(bad.json().reason, 'BadRequest');
    assert.match(String(bad.json().message), /json parse error/);
    assert.equal((await call('POST', '/api/v1/namespaces/default/configmaps', configMap('after-bad'))).status, 201);
  });

  it('rejects an unknown content type with 415', async () => {
    const reply = await call('POST', '/api/v1/namespaces/default/configmaps', configMap('x'), { 'Content-Type': 'text/plain' });
    assert.equal(reply.status, 415);
    assert.equal(reply.json().reason, 'UnsupportedMediaType');
  });

  it('rejects bodies over 3 MiB with 413 and writes nothing', async () => {
    const huge = configMap('huge', { blob: 'x'.repeat(3 * 1024 * 1024) });
    const reply = await call('POST', '/api/v1/namespaces/default/configmaps', huge);
    assert.equal(reply.status, 413);
    assert.equal(reply.json().reason, 'RequestEntityTooLarge');
    assert.equal((await call('GET', '/api/v1/namespaces/default/configmaps/huge')).status, 404);
  });

  it('answers 422 Invalid with field causes', async () => {
    const reply = await call('POST', '/api/v1/namespaces/default/configmaps', configMap('Bad_Name'));
    assert.equal(reply.status, 422);
    const status = reply.json() as { reason: string; message: string; details: { causes: Array<{ field: string; reason: string }> } };
    assert.equal(status.reason, 'Invalid');
    assert.match(status.message, /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    assert.deepEqual(status.details.causes.map((c) => [c.field, c.reason]), [['metadata.name', 'FieldValueInvalid']]);
  });

  it('answers 409 for an existing name and for a stale resourceVersion', async () => {
    const created = await call('POST', '/api/v1/namespaces/default/configmaps', configMap('cas', { v: '1' }));
    assert.equal(created.status, 201);
    assert.equal((await call('POST', '/api/v1/namespaces/default/configmaps', configMap('cas'))).json().reason, 'AlreadyExists');
    const object = created.json() as { metadata: { resourceVersion: string }; data: Record<string, string> };
    object.data.v = '2';
    assert.equal((await call('PUT', '/api/v1/namespaces/default/configmaps/cas', JSON.stringify(object))).status, 200);
    object.data.v = '3';
    const stale = await call('PUT', '/api/v1/namespaces/default/configmaps/cas', JSON.stringify(object));
    assert.equal(stale.status, 409);
    assert.equal(stale.json().reason, 'Conflict');
    const current = (await call('GET', '/api/v1/namespaces/default/configmaps/cas')).json() as { data: Record<string, string> };
    assert.equal(current.data.v, '2');
  });

  it('creates in a missing namespace only with 404, and unknown paths are 404', async () => {
    const reply = await call('POST', '/api/v1/namespaces/nowhere/configmaps', configMap('x'));
    assert.equal(reply.status, 404);
    assert.equal(reply.json().message, 'namespaces "nowhere" not found');
    assert.equal((await call('GET', '/apis/nope.example.com/v1/things')).status, 404);
  });

  it('answers 429 with Retry-After past the mutating in-flight limit', async () => {
    // Two slow writers hold both mutating slots while their bodies trickle in.
    const held: Array<ReturnType<typeof request>> = [];
    const body = configMap('slow');
    const holdersDone = Array.from({ length: 2 }, (_, i) => {
      return new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, method: 'POST', path: '/api/v1/namespaces/default/configmaps', ca: pki.ca.certPem, cert: pki.admin.certPem, key: pki.admin.keyPem, agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body.replace('slow', `slow${i}`))) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.write(body.replace('slow', `slow${i}`).slice(0, 10));
        held.push(req);
      });
    });
    // The server counts a request once its headers arrive: poll until the limit bites.
    let reply: Reply | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      reply = await call('POST', '/api/v1/namespaces/default/configmaps', configMap(`probe${attempt}`));
      if (reply.status === 429) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(reply?.status, 429);
    assert.equal(reply?.headers['retry-after'], '1');
    held.forEach((req, i) => req.end(body.replace('slow', `slow${i}`).slice(10)));
    assert.deepEqual(await Promise.all(holdersDone), [201, 201]);
  });

  it('ends a watch from a compacted resourceVersion with a 410 ERROR event', async () => {
    await call('POST', '/api/v1/namespaces/default/configmaps', configMap('w1'));
    const rv = Number(((await call('GET', '/api/v1/namespaces/default/configmaps')).json().metadata as { resourceVersion: string }).resourceVersion);
    await call('POST', '/api/v1/namespaces/default/configmaps', configMap('w2'));
    await store.compact(rv);
    const reply = await call('GET', `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv - 1}&timeoutSeconds=2`);
    const event = JSON.parse(reply.body.trim().split('\n')[0]!) as { type: string; object: { code: number; reason: string } };
    assert.equal(event.type, 'ERROR');
    assert.equal(event.object.code, 410);
    assert.equal(event.object.reason, 'Expired');
  });
});
