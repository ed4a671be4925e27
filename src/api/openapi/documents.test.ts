import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_RESOURCES } from '../resources.js';
import { buildOpenAPIV2, buildOpenAPIV3, documentHash, type SchemaObject, type ServedResource } from './index.js';

type Json = Record<string, unknown>;
type Operation = Json & { parameters?: Json[]; 'x-kubernetes-action'?: string; 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string } };
type PathItem = Json & { parameters?: Json[] } & Partial<Record<'get' | 'put' | 'post' | 'patch' | 'delete', Operation>>;

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

function forEachRef(value: unknown, fn: (ref: string) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) forEachRef(v, fn);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') fn(v);
      else forEachRef(v, fn);
    }
  }
}

function operations(paths: Record<string, PathItem>): Array<[string, string, Operation]> {
  const out: Array<[string, string, Operation]> = [];
  for (const [path, item] of Object.entries(paths)) for (const m of METHODS) if (item[m]) out.push([path, m, item[m] as Operation]);
  return out;
}

const served: readonly ServedResource[] = BUILTIN_RESOURCES;

describe('OpenAPI v2 document', () => {
  const doc = buildOpenAPIV2(served, { version: 'v1.33.1' }) as { swagger: string; info: Json; paths: Record<string, PathItem>; definitions: Record<string, SchemaObject> };

  it('is swagger 2.0 whose refs all resolve', () => {
    assert.equal(doc.swagger, '2.0');
    assert.deepEqual(doc.info, { title: 'Kubernetes', version: 'v1.33.1' });
    forEachRef(doc, (ref) => {
      assert.ok(ref.startsWith('#/definitions/'), ref);
      assert.ok(doc.definitions[ref.slice('#/definitions/'.length)], `dangling ${ref}`);
    });
  });

  it('has the operations kubectl reads, with their extensions', () => {
    const list = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments']?.get;
    assert.equal(list?.operationId, 'listAppsV1NamespacedDeployment');
    assert.equal(list?.['x-kubernetes-action'], 'list');
    assert.deepEqual(list?.['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
    assert.deepEqual((list?.responses as Json)['200'], { description: 'OK', schema: { $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentList' } });
    const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}']?.patch;
    assert.equal(patch?.['x-kubernetes-action'], 'patch');
    assert.ok((patch?.consumes as string[]).includes('application/strategic-merge-patch+json'));
    assert.ok(patch?.parameters?.some((p) => p.name === 'fieldValidation'));
    const scale = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']?.put;
    assert.deepEqual(scale?.['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' });
    assert.equal(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction']?.post?.['x-kubernetes-group-version-kind']?.kind, 'Eviction');
    assert.equal(doc.paths['/api/v1/watch/namespaces/{namespace}/pods']?.get?.['x-kubernetes-action'], 'watchlist');
    assert.equal(doc.paths['/api/v1/pods']?.get?.operationId, 'listCoreV1PodForAllNamespaces');
    assert.equal(doc.paths['/api/v1/nodes/{name}']?.get?.operationId, 'readCoreV1Node');
    assert.equal(doc.paths['/apis/rbac.authorization.k8s.io/v1/clusterroles']?.post?.tags?.toString(), 'rbacAuthorization_v1');
    // Create-only kinds have just the collection POST.
    const ssar = doc.paths['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'];
    assert.deepEqual(Object.keys(ssar ?? {}).filter((k) => k !== 'parameters'), ['post']);
    assert.equal(doc.paths['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/{name}'], undefined);
  });

  it('declares path parameters, unique operation ids and valid parameters', () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      const declared = (item.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name).sort();
      const used = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      assert.deepEqual(declared, used, path);
      for (const m of METHODS) {
        const op = item[m];
        if (!op) continue;
        assert.ok(!ids.has(op.operationId as string), `duplicate ${String(op.operationId)}`);
        ids.add(op.operationId as string);
        assert.ok((op.responses as Json)['200'], `${m} ${path} 200`);
        for (const p of op.parameters ?? []) {
          if (p.in === 'body') assert.ok(p.schema, `${path} body schema`);
          else assert.ok(typeof p.type === 'string', `${path} ${String(p.name)} type`);
        }
      }
    }
  });

  it('gives DeleteOptions and WatchEvent the GVKs of the served group versions', () => {
    const gvks = doc.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent']?.['x-kubernetes-group-version-kind'] ?? [];
    assert.ok(gvks.some((g) => g.group === '' && g.version === 'v1' && g.kind === 'WatchEvent'));
    assert.ok(gvks.some((g) => g.group === 'apps' && g.version === 'v1'));
    assert.ok(gvks.some((g) => g.group === 'autoscaling' && g.version === 'v2'));
  });

  it('serves only the definitions the served resources reach', () => {
    const small = buildOpenAPIV2([{ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true, verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'], subresources: [] }]) as { definitions: Json };
    assert.ok(small.definitions['io.k8s.api.coordination.v1.Lease']);
    assert.ok(small.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.Status']);
    assert.equal(small.definitions['io.k8s.api.core.v1.Pod'], undefined);
  });
});

describe('OpenAPI v3 documents', () => {
  const { root, groupVersions, hashes } = buildOpenAPIV3(served);

  it('lists every group version in the root with its hash', () => {
    const paths = (root as { paths: Record<string, { serverRelativeURL: string }> }).paths;
    assert.ok(paths['api/v1']);
    assert.ok(paths['apis/apps/v1']);
    assert.ok(paths['apis/rbac.authorization.k8s.io/v1']);
    assert.ok(paths['apis/apps']);
    assert.ok(paths['api']);
    for (const [key, entry] of Object.entries(paths)) {
      const doc = groupVersions.get(key);
      assert.ok(doc, key);
      assert.equal(entry.serverRelativeURL, `/openapi/v3/${key}?hash=${hashes.get(key)}`);
      assert.equal(hashes.get(key), documentHash(JSON.stringify(doc)));
      assert.match(hashes.get(key) ?? '', /^[0-9A-F]{128}$/);
    }
  });

  it('has refs that all resolve within each document', () => {
    for (const [key, doc] of groupVersions) {
      const schemas = (doc as { components: { schemas: Record<string, SchemaObject> } }).components.schemas;
      forEachRef(doc, (ref) => {
        assert.ok(ref.startsWith('#/components/schemas/'), `${key}: ${ref}`);
        assert.ok(schemas[ref.slice('#/components/schemas/'.length)], `${key}: dangling ${ref}`);
      });
    }
  });

  it('is shaped for kubectl explain: GVK on operations and schemas, allOf for described refs', () => {
    const apps = groupVersions.get('apis/apps/v1') as { openapi: string; paths: Record<string, PathItem>; components: { schemas: Record<string, SchemaObject> } };
    assert.equal(apps.openapi, '3.0.0');
    const collection = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments'];
    assert.deepEqual(collection?.get?.['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
    assert.deepEqual(collection?.post?.['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
    assert.deepEqual(apps.components.schemas['io.k8s.api.apps.v1.Deployment']?.['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    const strategy = apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec']?.properties?.strategy;
    assert.deepEqual(strategy?.allOf, [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy' }]);
    assert.equal(strategy?.$ref, undefined);
    assert.match(strategy?.description ?? '', /deployment strategy/);
    assert.equal(strategy?.['x-kubernetes-patch-strategy'], 'retainKeys');
    const containers = apps.components.schemas['io.k8s.api.core.v1.PodSpec']?.properties?.containers;
    assert.deepEqual(containers?.items, { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' });
    assert.equal(containers?.['x-kubernetes-patch-merge-key'], 'name');
    const intOrString = apps.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
    assert.deepEqual(intOrString?.oneOf, [{ type: 'integer' }, { type: 'string' }]);
    assert.equal(intOrString?.type, undefined);
    assert.equal(apps.components.schemas['io.k8s.api.core.v1.Service'], undefined, 'only what apps/v1 reaches');
  });

  it('advertises fieldValidation on PATCH so kubectl validates server-side', () => {
    for (const [key, doc] of groupVersions) {
      for (const [path, method, op] of operations((doc as { paths: Record<string, PathItem> }).paths)) {
        if (method !== 'patch' || op['x-kubernetes-action'] === 'connect') continue;
        assert.ok(op.parameters?.some((p) => p.name === 'fieldValidation'), `${key} ${path}`);
        assert.ok(op['x-kubernetes-group-version-kind'], `${key} ${path} gvk`);
      }
    }
  });

  it('puts core resources in api/v1 and nothing else there', () => {
    const core = groupVersions.get('api/v1') as { paths: Record<string, PathItem> };
    assert.ok(Object.keys(core.paths).every((p) => p.startsWith('/api/v1/')));
    assert.ok(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/log']?.get);
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/exec']?.get?.['x-kubernetes-action'], 'connect');
  });
});
