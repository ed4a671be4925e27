import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_RESOURCES } from '../api/resources.js';
import { aggregatedDiscovery, apiGroupList, apiResourceList, sortVersions, wantsAggregatedDiscovery } from './discovery.js';

describe('discovery', () => {
  it('orders versions by Kubernetes priority', () => {
    assert.deepEqual(sortVersions(['v1beta1', 'v2', 'v1', 'v1alpha1', 'v2beta2', 'v2beta1']), ['v2', 'v1', 'v2beta2', 'v2beta1', 'v1beta1', 'v1alpha1']);
  });

  it('lists groups with apps before batch, and no core group in /apis', () => {
    const list = apiGroupList(BUILTIN_RESOURCES) as { groups: Array<{ name: string; preferredVersion: { groupVersion: string } }> };
    const names = list.groups.map((g) => g.name);
    assert.ok(!names.includes(''));
    assert.ok(names.indexOf('apps') < names.indexOf('batch'));
    assert.equal(list.groups.find((g) => g.name === 'apps')?.preferredVersion.groupVersion, 'apps/v1');
  });

  it('describes resources and subresources like kube-apiserver', () => {
    const list = apiResourceList(BUILTIN_RESOURCES, 'apps', 'v1') as { resources: Array<Record<string, unknown>> };
    const deployments = list.resources.find((r) => r.name === 'deployments');
    assert.deepEqual(deployments?.shortNames, ['deploy']);
    assert.deepEqual(deployments?.categories, ['all']);
    const scale = list.resources.find((r) => r.name === 'deployments/scale');
    assert.deepEqual(scale, { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
    assert.equal(apiResourceList(BUILTIN_RESOURCES, 'nope', 'v1'), undefined);
  });

  it('serves aggregated discovery for the versions kubectl asks for', () => {
    assert.equal(wantsAggregatedDiscovery('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'), 'v2');
    assert.equal(wantsAggregatedDiscovery('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2beta1');
    assert.equal(wantsAggregatedDiscovery('application/json'), undefined);
    const core = aggregatedDiscovery(BUILTIN_RESOURCES, true, 'v2') as { items: Array<{ versions: Array<{ resources: Array<{ resource: string; scope: string }> }> }> };
    assert.equal(core.items.length, 1);
    const pods = core.items[0]!.versions[0]!.resources.find((r) => r.resource === 'pods');
    assert.equal(pods?.scope, 'Namespaced');
  });
});
