// Two `skiff server`s on one etcd: exactly one runs the controller manager and one
// the scheduler (each behind its Lease); when that server stops, the other takes over.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { etcdAvailable, startEtcd, type EtcdProcess } from '../src/storage/etcd/index.js';
import { checkLeaksAfterAll, eventually, kubectlBinaries, startCluster, type TestCluster } from '../src/testing/index.js';

checkLeaksAfterAll();

const noKubectl = kubectlBinaries().default ? false : 'kubectl is not installed on this machine';
const etcdSkip = etcdAvailable();
const skip = noKubectl || (etcdSkip && process.env.CI !== 'true' ? etcdSkip : false);

describe('leader election between two servers on one etcd', { skip }, () => {
  let etcd: EtcdProcess;
  const servers: TestCluster[] = [];

  before(async () => {
    etcd = await startEtcd();
    const datastore = `etcd://${etcd.endpoints.map((e) => e.replace(/^https?:\/\//, '')).join(',')}`;
    for (let i = 0; i < 2; i++) servers.push(await startCluster({ datastore }));
  });

  after(async () => {
    for (const server of servers) await server.stop();
    await etcd?.stop();
  });

  const holder = async (server: TestCluster, lease: string) => {
    const result = await server.kubectl(['-n', 'kube-system', 'get', 'lease', lease, '-o', 'jsonpath={.spec.holderIdentity}']);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  };
  /** The identity a server logged when it started leading a lease. */
  const ledBy = (server: TestCluster, lease: string) => new RegExp(`${lease}: leading \\((\\S+)\\)`).exec(server.log())?.[1];

  it('runs one controller manager and one scheduler, and fails over when the leader stops', async () => {
    for (const lease of ['kube-controller-manager', 'kube-scheduler']) {
      await eventually(async () => {
        const identity = await holder(servers[0]!, lease);
        assert.ok(identity, `${lease} is held`);
        const leaders = servers.filter((s) => ledBy(s, lease) === identity);
        assert.equal(leaders.length, 1, `exactly one server leads ${lease}`);
        assert.equal(servers.filter((s) => ledBy(s, lease)).length, 1, `the other server never led ${lease}`);
      }, { timeoutMs: 20_000, intervalMs: 200 });
    }
    const leader = servers.find((s) => ledBy(s, 'kube-controller-manager'))!;
    const standby = servers.find((s) => s !== leader)!;
    await leader.stop();
    await eventually(async () => assert.ok(ledBy(standby, 'kube-controller-manager'), 'the standby took over'), { timeoutMs: 30_000, intervalMs: 200 });
    assert.equal(await holder(standby, 'kube-controller-manager'), ledBy(standby, 'kube-controller-manager'));

    // The new leader's controllers work: a ReplicaSet gets its pods.
    const create = await standby.kubectl(['create', 'deployment', 'after-failover', '--image=busybox', '--replicas=2']);
    assert.equal(create.code, 0, create.stderr);
    await eventually(async () => {
      const pods = await standby.kubectl(['get', 'pods', '-l', 'app=after-failover', '-o', 'name']);
      assert.equal(pods.stdout.trim().split('\n').filter(Boolean).length, 2);
    }, { timeoutMs: 30_000, intervalMs: 250 });

    // The garbage collector and namespace controller moved with the controller manager:
    // the new leader empties and removes a deleted namespace, and collects dependents.
    assert.equal((await standby.kubectl(['create', 'namespace', 'after-failover'])).code, 0);
    assert.equal((await standby.kubectl(['-n', 'after-failover', 'create', 'configmap', 'owner'])).code, 0);
    const uid = (await standby.kubectl(['-n', 'after-failover', 'get', 'configmap', 'owner', '-o', 'jsonpath={.metadata.uid}'])).stdout;
    const dependent = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dependent', namespace: 'after-failover', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid }] } };
    assert.equal((await standby.kubectl(['create', '-f', '-'], { input: JSON.stringify(dependent) })).code, 0);
    assert.equal((await standby.kubectl(['-n', 'after-failover', 'delete', 'configmap', 'owner'])).code, 0);
    await eventually(async () => {
      const left = await standby.kubectl(['-n', 'after-failover', 'get', 'configmap', 'dependent']);
      assert.match(left.stderr, /not found/);
    }, { timeoutMs: 30_000, intervalMs: 250 });
    const deleted = await standby.kubectl(['delete', 'namespace', 'after-failover', '--timeout=30s']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match((await standby.kubectl(['get', 'namespace', 'after-failover'])).stderr, /not found/);
  });
});
