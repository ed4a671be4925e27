import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { calculateUsage, formatResourceList, podEvaluator, podMatchesScope, podUsage, pvcUsage, serviceUsage } from './index.js';

checkLeaksAfterAll();

const NOW = Date.parse('2026-01-01T00:00:00Z');

function pod(name: string, containers: Array<{ requests?: Record<string, string>; limits?: Record<string, string> }>, extra: { phase?: string; init?: Array<{ requests?: Record<string, string>; sidecar?: boolean }>; activeDeadlineSeconds?: number; priorityClassName?: string } = {}): Pod {
  return {
    metadata: { name, namespace: 'ns' },
    spec: {
      containers: containers.map((c, i) => ({ name: `c${i}`, resources: { ...(c.requests ? { requests: c.requests } : {}), ...(c.limits ? { limits: c.limits } : {}) } })),
      ...(extra.init ? { initContainers: extra.init.map((c, i) => ({ name: `i${i}`, resources: { requests: c.requests ?? {} }, ...(c.sidecar ? { restartPolicy: 'Always' } : {}) })) } : {}),
      ...(extra.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: extra.activeDeadlineSeconds } : {}),
      ...(extra.priorityClassName ? { priorityClassName: extra.priorityClassName } : {}),
    },
    status: { phase: extra.phase ?? 'Running' },
  };
}

const usage = (p: Pod) => formatResourceList(podUsage(p, NOW));

describe('quota evaluators', () => {
  it("sums a pod's container requests and limits into the quota resources", () => {
    const p = pod('a', [
      { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
      { requests: { cpu: '250m', memory: '64Mi', 'ephemeral-storage': '1Gi', 'example.com/gpu': '1' } },
    ]);
    assert.deepEqual(usage(p), {
      'count/pods': '1',
      cpu: '350m',
      'ephemeral-storage': '1Gi',
      'limits.cpu': '200m',
      'limits.memory': '128Mi',
      memory: '128Mi',
      pods: '1',
      'requests.cpu': '350m',
      'requests.ephemeral-storage': '1Gi',
      'requests.example.com/gpu': '1',
      'requests.memory': '128Mi',
    });
  });

  it('counts init containers at their peak and sidecars as running alongside', () => {
    const p = pod('a', [{ requests: { cpu: '100m' } }], { init: [{ requests: { cpu: '500m' } }] });
    assert.equal(usage(p)['requests.cpu'], '500m');
    const withSidecar = pod('b', [{ requests: { cpu: '100m' } }], { init: [{ requests: { cpu: '50m' }, sidecar: true }, { requests: { cpu: '120m' } }] });
    assert.equal(usage(withSidecar)['requests.cpu'], '170m');
  });

  it('charges only count/pods for terminal pods and pods past their deletion grace period', () => {
    assert.deepEqual(usage(pod('done', [{ requests: { cpu: '1' } }], { phase: 'Succeeded' })), { 'count/pods': '1' });
    const stuck = pod('stuck', [{ requests: { cpu: '1' } }]);
    stuck.metadata = { ...stuck.metadata, deletionTimestamp: '2025-12-31T23:59:00Z', deletionGracePeriodSeconds: 30 };
    assert.deepEqual(usage(stuck), { 'count/pods': '1' });
  });

  it('places pods in the Terminating, BestEffort and PriorityClass scopes', () => {
    const bestEffort = pod('a', [{}], { activeDeadlineSeconds: 60, priorityClassName: 'high' });
    const burstable = pod('b', [{ requests: { cpu: '1' } }]);
    const scope = (scopeName: string, operator = 'Exists', values?: string[]) => ({ scopeName, operator, ...(values ? { values } : {}) });
    assert.equal(podMatchesScope(scope('Terminating'), bestEffort), true);
    assert.equal(podMatchesScope(scope('NotTerminating'), burstable), true);
    assert.equal(podMatchesScope(scope('BestEffort'), bestEffort), true);
    assert.equal(podMatchesScope(scope('NotBestEffort'), burstable), true);
    assert.equal(podMatchesScope(scope('PriorityClass', 'In', ['high', 'mid']), bestEffort), true);
    assert.equal(podMatchesScope(scope('PriorityClass', 'In', ['high']), burstable), false);
    assert.equal(podMatchesScope(scope('PriorityClass', 'NotIn', ['high']), burstable), true);
    assert.equal(podMatchesScope(scope('PriorityClass'), burstable), false);
  });

  it('requires every container to declare the cpu and memory a quota tracks', () => {
    const p = pod('a', [{ requests: { cpu: '1' } }, { limits: { cpu: '1' } }]);
    assert.equal(podEvaluator.constraints(['limits.cpu', 'requests.memory', 'pods'], p as KubeObject), 'must specify limits.cpu for: c0; requests.memory for: c0,c1');
    assert.equal(podEvaluator.constraints(['pods', 'requests.storage'], p as KubeObject), undefined);
  });

  it('charges services their node ports and load balancers, claims their storage', () => {
    assert.deepEqual(formatResourceList(serviceUsage({ spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 443 }] } })), { 'count/services': '1', services: '1', 'services.loadbalancers': '0', 'services.nodeports': '2' });
    assert.deepEqual(formatResourceList(serviceUsage({ spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } }))['services.loadbalancers'], '1');
    assert.deepEqual(formatResourceList(pvcUsage({ spec: { storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } } })), {
      'count/persistentvolumeclaims': '1',
      'fast.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
      'fast.storageclass.storage.k8s.io/requests.storage': '5Gi',
      persistentvolumeclaims: '1',
      'requests.storage': '5Gi',
    });
  });

  it("calculates a quota's usage over the objects in its scopes, zero for what nothing uses", () => {
    const quota: ResourceQuota = { spec: { hard: { pods: '10', 'requests.cpu': '4', 'count/deployments.apps': '5', services: '3', configmaps: '4' }, scopes: ['NotBestEffort'] } };
    const objects: Record<string, KubeObject[]> = {
      '/pods': [pod('a', [{ requests: { cpu: '1' } }]), pod('b', [{}]), pod('c', [{ requests: { cpu: '500m' } }], { phase: 'Failed' })] as KubeObject[],
      'apps/deployments': [{ metadata: { name: 'd' } }],
      '/services': [{ spec: { type: 'ClusterIP' } }],
    };
    const used = calculateUsage(quota, (group, resource) => objects[`${group}/${resource}`] ?? [], NOW);
    // Scopes exclude everything but pods from a scoped quota.
    assert.deepEqual(formatResourceList(used), { configmaps: '0', 'count/deployments.apps': '0', pods: '1', 'requests.cpu': '1', services: '0' });
    const unscoped = calculateUsage({ spec: { hard: quota.spec!.hard! } }, (group, resource) => objects[`${group}/${resource}`] ?? [], NOW);
    assert.deepEqual(formatResourceList(unscoped), { configmaps: '0', 'count/deployments.apps': '1', pods: '2', 'requests.cpu': '1', services: '1' });
  });
});
