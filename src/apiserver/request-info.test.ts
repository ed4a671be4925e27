import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRequestInfo } from './request-info.js';

const info = (method: string, url: string) => {
  const u = new URL(url, 'https://x');
  return parseRequestInfo(method, u.pathname, u.searchParams);
};

describe('parseRequestInfo', () => {
  it('reads resource requests as kube-apiserver does', () => {
    assert.deepEqual(info('GET', '/api/v1/namespaces/ns/pods'), {
      isResourceRequest: true, path: '/api/v1/namespaces/ns/pods', verb: 'list', apiGroup: '', apiVersion: 'v1', namespace: 'ns', resource: 'pods', subresource: '', name: '',
    });
    const get = info('GET', '/apis/apps/v1/namespaces/ns/deployments/web/scale');
    assert.ok(get.isResourceRequest);
    assert.equal(get.verb, 'get');
    assert.equal(get.apiGroup, 'apps');
    assert.equal(get.subresource, 'scale');
    assert.equal(get.name, 'web');
  });

  it('treats namespaces, their status and finalize as the namespaces resource', () => {
    const ns = info('GET', '/api/v1/namespaces/kube-system');
    assert.ok(ns.isResourceRequest);
    assert.equal(ns.resource, 'namespaces');
    assert.equal(ns.name, 'kube-system');
    assert.equal(ns.namespace, 'kube-system');
    const finalize = info('PUT', '/api/v1/namespaces/foo/finalize');
    assert.ok(finalize.isResourceRequest);
    assert.equal(finalize.resource, 'namespaces');
    assert.equal(finalize.subresource, 'finalize');
    assert.equal(finalize.verb, 'update');
  });

  it('derives watch, deletecollection and the legacy watch prefix', () => {
    assert.equal(info('GET', '/api/v1/pods?watch=true').verb, 'watch');
    assert.equal(info('GET', '/api/v1/watch/namespaces/ns/pods').verb, 'watch');
    assert.equal(info('DELETE', '/api/v1/namespaces/ns/configmaps').verb, 'deletecollection');
    assert.equal(info('DELETE', '/api/v1/namespaces/ns/configmaps/a').verb, 'delete');
    assert.equal(info('PATCH', '/api/v1/nodes/n1/status').verb, 'patch');
  });

  it('leaves discovery and other paths as non-resource requests', () => {
    for (const path of ['/api', '/api/v1', '/apis', '/apis/apps', '/apis/apps/v1', '/healthz', '/openapi/v2']) {
      assert.equal(info('GET', path).isResourceRequest, false, path);
    }
  });
});
