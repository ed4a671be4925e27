import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { podEvaluator, serviceEvaluator } from '../../controllers/resourcequota/index.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { StatusError } from '../status.js';
import { ResourceQuotaAdmission, checkRequest, type QuotaAdmissionAttributes, type QuotaAdmissionDeps } from './resourcequota.js';

checkLeaksAfterAll();

const NOW = Date.parse('2026-01-01T00:00:00Z');

function quota(name: string, hard: Record<string, string>, used: Record<string, string>, extra: Partial<NonNullable<ResourceQuota['spec']>> = {}): ResourceQuota {
  return { metadata: { name, namespace: 'ns', resourceVersion: '1' }, spec: { hard, ...extra }, status: { hard, used } };
}

function pod(name: string, resources: Record<string, Record<string, string>> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns' }, spec: { containers: [{ name: 'app', image: 'busybox', resources }] }, status: { phase: 'Pending' } };
}

const create = (object: KubeObject, resource = 'pods', group = ''): QuotaAdmissionAttributes => ({ operation: 'CREATE', group, resource, subresource: '', namespace: 'ns', name: object.metadata?.name ?? '', object, dryRun: false });

function refusal(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  assert.fail('the request was admitted');
}

/** Quotas in memory with resourceVersion checks, as the registry keeps them. */
class QuotaStore implements QuotaAdmissionDeps {
  readonly quotas = new Map<string, ResourceQuota>();
  writes = 0;
  constructor(...quotas: ResourceQuota[]) {
    for (const q of quotas) this.quotas.set(q.metadata!.name!, q);
  }
  async listQuotas(): Promise<ResourceQuota[]> {
    await Promise.resolve();
    return [...this.quotas.values()].map((q) => structuredClone(q));
  }
  async updateQuotaStatus(next: ResourceQuota): Promise<ResourceQuota> {
    await Promise.resolve();
    const current = this.quotas.get(next.metadata!.name!)!;
    if (current.metadata?.resourceVersion !== next.metadata?.resourceVersion) {
      throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Conflict', code: 409, message: 'conflict' });
    }
    const stored = { ...next, metadata: { ...next.metadata, resourceVersion: String(Number(current.metadata?.resourceVersion) + 1) } };
    this.quotas.set(next.metadata!.name!, stored);
    this.writes++;
    return stored;
  }
  now(): number {
    return NOW;
  }
}

describe('ResourceQuota admission', () => {
  it('refuses a pod beyond the quota with upstream\'s message', () => {
    const err = refusal(() => checkRequest([quota('compute', { pods: '2' }, { pods: '2' })], create(pod('web-1')), podEvaluator, NOW));
    assert.equal(err.code, 403);
    assert.equal(err.status.reason, 'Forbidden');
    assert.equal(err.message, 'pods "web-1" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2');
  });

  it('names every exceeded resource, and only those', () => {
    const q = quota('compute', { pods: '10', 'requests.cpu': '1', 'requests.memory': '1Gi' }, { pods: '1', 'requests.cpu': '800m', 'requests.memory': '1Gi' });
    const err = refusal(() => checkRequest([q], create(pod('big', { requests: { cpu: '500m', memory: '1Mi' } })), podEvaluator, NOW));
    assert.equal(err.message, 'pods "big" is forbidden: exceeded quota: compute, requested: requests.cpu=500m,requests.memory=1Mi, used: requests.cpu=800m,requests.memory=1Gi, limited: requests.cpu=1,requests.memory=1Gi');
  });

  it('refuses a pod that does not declare what the quota tracks', () => {
    const err = refusal(() => checkRequest([quota('limits', { 'limits.cpu': '2', 'limits.memory': '1Gi' }, { 'limits.cpu': '0', 'limits.memory': '0' })], create(pod('bare', { limits: { memory: '10Mi' } })), podEvaluator, NOW));
    assert.equal(err.message, 'pods "bare" is forbidden: failed quota: limits: must specify limits.cpu for: app');
  });

  it('refuses while a quota has no usage computed yet', () => {
    const err = refusal(() => checkRequest([quota('fresh', { pods: '2' }, {})], create(pod('p')), podEvaluator, NOW));
    assert.equal(err.message, 'pods "p" is forbidden: status unknown for quota: fresh, resources: pods');
  });

  it('charges the matching quotas and leaves the others alone', () => {
    const scoped = quota('best-effort', { pods: '5' }, { pods: '0' }, { scopes: ['BestEffort'] });
    const counting = quota('count', { 'count/pods': '5', services: '2' }, { 'count/pods': '1', services: '0' });
    const [afterScoped, afterCount] = checkRequest([scoped, counting], create(pod('p', { requests: { cpu: '1' } })), podEvaluator, NOW);
    assert.equal(afterScoped, scoped, 'a burstable pod is not in the BestEffort scope');
    assert.deepEqual(afterCount?.status?.used, { 'count/pods': '2', services: '0' });
  });

  it('lets exactly one of two concurrent creates take the last pod', async () => {
    const store = new QuotaStore(quota('compute', { pods: '2' }, { pods: '1' }));
    const admission = new ResourceQuotaAdmission(store);
    const results = await Promise.allSettled([admission.admit(create(pod('a'))), admission.admit(create(pod('b')))]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected'],
    );
    assert.match(String((results[1] as PromiseRejectedResult).reason), /exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2/);
    assert.deepEqual(store.quotas.get('compute')?.status?.used, { pods: '2' });
  });

  it('lets only one through when two API servers admit at once', async () => {
    const store = new QuotaStore(quota('compute', { pods: '2' }, { pods: '1' }));
    const results = await Promise.allSettled([new ResourceQuotaAdmission(store).admit(create(pod('a'))), new ResourceQuotaAdmission(store).admit(create(pod('b')))]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.match(String((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason), /exceeded quota: compute/);
    assert.deepEqual(store.quotas.get('compute')?.status?.used, { pods: '2' });
  });

  it('retries after a conflicting write by another writer and charges once', async () => {
    const store = new QuotaStore(quota('compute', { pods: '5' }, { pods: '1' }), quota('count', { 'count/pods': '5' }, { 'count/pods': '1' }));
    // Another API server charges `count` between our read and our write.
    const realList = store.listQuotas.bind(store);
    let raced = false;
    store.listQuotas = async () => {
      const listed = await realList();
      if (!raced) {
        raced = true;
        const other = store.quotas.get('count')!;
        store.quotas.set('count', { ...other, metadata: { ...other.metadata, resourceVersion: '7' }, status: { ...other.status, used: { 'count/pods': '2' } } });
      }
      return listed;
    };
    await new ResourceQuotaAdmission(store).admit(create(pod('p')));
    assert.deepEqual(store.quotas.get('compute')?.status?.used, { pods: '2' });
    assert.deepEqual(store.quotas.get('count')?.status?.used, { 'count/pods': '3' });
  });

  it('ignores dry runs, subresources and kinds without a quota', async () => {
    const store = new QuotaStore(quota('compute', { pods: '1', 'count/deployments.apps': '1' }, { pods: '0', 'count/deployments.apps': '0' }));
    const admission = new ResourceQuotaAdmission(store);
    await admission.admit({ ...create(pod('p')), dryRun: true });
    await admission.admit({ ...create(pod('p')), subresource: 'status', operation: 'UPDATE', oldObject: pod('p') });
    await admission.admit(create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } }, 'configmaps'));
    assert.equal(store.writes, 0);
    await admission.admit(create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }, 'deployments', 'apps'));
    const err = await admission.admit(create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'e' } }, 'deployments', 'apps')).catch((e: unknown) => e);
    assert.equal((err as StatusError).message, 'deployments.apps "e" is forbidden: exceeded quota: compute, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1');
  });

  it('charges a service update only the difference', () => {
    const q = quota('svc', { 'services.nodeports': '2', services: '5' }, { 'services.nodeports': '1', services: '1' });
    const old: KubeObject = { metadata: { name: 's', resourceVersion: '3' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
    const updated: KubeObject = { metadata: { name: 's', resourceVersion: '3' }, spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 81 }] } };
    const attrs: QuotaAdmissionAttributes = { operation: 'UPDATE', group: '', resource: 'services', subresource: '', namespace: 'ns', name: 's', object: updated, oldObject: old, dryRun: false };
    const [after] = checkRequest([q], attrs, serviceEvaluator, NOW);
    assert.deepEqual(after?.status?.used, { services: '1', 'services.nodeports': '2' });
  });
});

