// Workloads on simulated nodes, driven by the real kubectl: the scheduler, the
// controller manager and hollow nodes in one `skiff server --runtime simulated`.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { checkLeaksAfterAll, eventually, kubectlBinaries, startCluster, type TestCluster } from '../src/testing/index.js';

checkLeaksAfterAll();

const binaries = kubectlBinaries();
const noKubectl = binaries.default ? false : 'kubectl is not installed on this machine';

interface PodView {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string };
}

describe('workloads on simulated nodes (kubectl)', { skip: noKubectl }, () => {
  let cluster: TestCluster;
  const ok = async (args: string[], input?: string) => {
    const result = await cluster.kubectl(args, input === undefined ? { timeoutMs: 90_000 } : { input, timeoutMs: 90_000 });
    assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const json = async <T>(args: string[]): Promise<T> => JSON.parse(await ok([...args, '-o', 'json'])) as T;
  const pods = async (ns: string, selector: string) => (await json<{ items: PodView[] }>(['-n', ns, 'get', 'pods', '-l', selector])).items;
  const apply = (manifest: object) => ok(['apply', '-f', '-'], JSON.stringify(manifest));

  before(async () => {
    cluster = await startCluster({ runtime: 'simulated', extraArgs: ['--simulated-nodes', '3', '--node-monitor-grace-period', '4'] });
    await ok(['create', 'namespace', 'apps']);
  });

  after(async () => {
    await cluster?.stop();
  });

  it('registers the simulated nodes as Ready', async () => {
    await eventually(
      async () => {
        const nodes = await ok(['get', 'nodes', '-o', 'wide']);
        assert.match(nodes, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP/);
        assert.equal(nodes.trim().split('\n').slice(1).filter((line) => /\sReady\s/.test(line)).length, 3, nodes);
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    // Their pod CIDRs lie inside the simulated cluster's CIDR: the IPAM controller takes them as they are.
    assert.doesNotMatch(cluster.log(), /occupying a pod CIDR/);
  });

  it('runs a Deployment and rolls it out with maxUnavailable=0 without losing availability', async () => {
    await apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'apps' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
      },
    });
    await ok(['-n', 'apps', 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    const running = await pods('apps', 'app=web');
    assert.equal(running.length, 3);
    for (const pod of running) {
      assert.equal(pod.status.phase, 'Running');
      assert.ok(pod.spec.nodeName?.length, 'scheduled');
      assert.match(pod.status.podIP ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    }

    // Watch availability through the whole rollout.
    const watcher = spawn(binaries.default, ['-n', 'apps', 'get', 'deployment', 'web', '-w', '-o', 'jsonpath={.status.availableReplicas}{"\\n"}'], {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfig },
    });
    let seen = '';
    watcher.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    try {
      await ok(['-n', 'apps', 'set', 'image', 'deployment/web', 'web=nginx:1.26']);
      await ok(['-n', 'apps', 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    } finally {
      watcher.kill();
    }
    const available = seen.split('\n').filter(Boolean).map(Number);
    assert.ok(available.length > 1, `saw the rollout: ${seen}`);
    assert.ok(Math.min(...available) >= 3, `available replicas never dropped below 3: ${available.join(',')}`);
    const images = (await pods('apps', 'app=web')).filter((p) => !p.metadata.deletionTimestamp);
    assert.equal(images.length, 3);
  });

  it('keeps rollout history and undoes a rollout', async () => {
    const history = await ok(['-n', 'apps', 'rollout', 'history', 'deployment/web']);
    assert.match(history, /^REVISION\s+CHANGE-CAUSE$/m);
    assert.match(history, /^1\s+/m);
    assert.match(history, /^2\s+/m);
    await ok(['-n', 'apps', 'rollout', 'undo', 'deployment/web']);
    await ok(['-n', 'apps', 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    assert.equal(await ok(['-n', 'apps', 'get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'nginx:1.25');
    assert.equal(await ok(['-n', 'apps', 'get', 'deployment', 'web', '-o', "jsonpath={.metadata.annotations['deployment\\.kubernetes\\.io/revision']}"]), '3');
  });

  it('reports why a pod cannot be scheduled', async () => {
    await ok(['-n', 'apps', 'run', 'huge', '--image=busybox', '--overrides', JSON.stringify({ spec: { containers: [{ name: 'huge', image: 'busybox', resources: { requests: { cpu: '100' } } }] } })]);
    await eventually(
      async () => {
        const described = await ok(['-n', 'apps', 'describe', 'pod', 'huge']);
        assert.match(described, /FailedScheduling\s+.*0\/3 nodes are available: 3 Insufficient cpu\./);
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    await ok(['-n', 'apps', 'delete', 'pod', 'huge', '--wait=false']);
  });

  it('drains a node while a PodDisruptionBudget keeps the service up', async () => {
    await apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'guarded', namespace: 'apps' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'guarded' } }, template: { metadata: { labels: { app: 'guarded' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await apply({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'guarded', namespace: 'apps' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'guarded' } } } });
    await ok(['-n', 'apps', 'rollout', 'status', 'deployment/guarded', '--timeout=60s']);
    await eventually(async () => assert.equal(await ok(['-n', 'apps', 'get', 'pdb', 'guarded', '-o', 'jsonpath={.status.disruptionsAllowed}']), '1'), { timeoutMs: 20_000, intervalMs: 200 });
    const victim = (await pods('apps', 'app=guarded'))[0]!.spec.nodeName!;
    const drained = await ok(['drain', victim, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=90s']);
    assert.match(drained, new RegExp(`node/${victim} drained`));
    const after = (await pods('apps', 'app=guarded')).filter((p) => !p.metadata.deletionTimestamp);
    assert.ok(after.every((p) => p.spec.nodeName !== victim), 'no guarded pod is left on the drained node');
    assert.match(await ok(['get', 'node', victim]), /SchedulingDisabled/);
    await ok(['uncordon', victim]);
  });

  it('evicts pods from a node tainted NoExecute', async () => {
    const before = await pods('apps', 'app=web');
    const node = before[0]!.spec.nodeName!;
    await ok(['taint', 'node', node, 'skiff.dev/maintenance=now:NoExecute']);
    try {
      await eventually(
        async () => {
          const now = (await pods('apps', 'app=web')).filter((p) => !p.metadata.deletionTimestamp);
          assert.equal(now.length, 3);
          assert.ok(now.every((p) => p.spec.nodeName !== node && p.status.phase === 'Running'), 'replaced on other nodes');
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
    } finally {
      await ok(['taint', 'node', node, 'skiff.dev/maintenance=now:NoExecute-']);
    }
  });

  it('marks a node that stops heartbeating NotReady and moves its pods away', async () => {
    await apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'mobile', namespace: 'apps' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'mobile' } },
        template: {
          metadata: { labels: { app: 'mobile' } },
          spec: {
            containers: [{ name: 'c', image: 'busybox' }],
            tolerations: [
              { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 },
              { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 },
            ],
          },
        },
      },
    });
    await ok(['-n', 'apps', 'rollout', 'status', 'deployment/mobile', '--timeout=60s']);
    const node = (await pods('apps', 'app=mobile'))[0]!.spec.nodeName!;
    // A simulated node stops its kubelet's heartbeats when asked to through this annotation.
    await ok(['annotate', 'node', node, 'skiff.dev/simulated-heartbeats=stopped']);
    try {
      await eventually(async () => assert.match(await ok(['get', 'node', node]), /\sNotReady/), { timeoutMs: 30_000, intervalMs: 250 });
      const taints = await ok(['get', 'node', node, '-o', 'jsonpath={.spec.taints[*].key}']);
      assert.match(taints, /node\.kubernetes\.io\/unreachable/);
      await eventually(
        async () => {
          const now = (await pods('apps', 'app=mobile')).filter((p) => !p.metadata.deletionTimestamp);
          assert.equal(now.filter((p) => p.status.phase === 'Running' && p.spec.nodeName !== node).length, 3);
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
    } finally {
      await ok(['annotate', 'node', node, 'skiff.dev/simulated-heartbeats-']);
    }
    await eventually(async () => assert.match(await ok(['get', 'node', node]), /\sReady\s/), { timeoutMs: 30_000, intervalMs: 250 });
  });

  it('runs StatefulSets in order, DaemonSets on every node, Jobs to completion and CronJob jobs', async () => {
    await apply({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'apps' },
      spec: { replicas: 2, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await apply({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'apps' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await ok(['-n', 'apps', 'create', 'job', 'once', '--image=busybox', '--', 'true']);
    await ok(['-n', 'apps', 'create', 'cronjob', 'nightly', '--image=busybox', '--schedule=0 3 * * *', '--', 'true']);
    await ok(['-n', 'apps', 'create', 'job', 'manual', '--from=cronjob/nightly']);
    await ok(['-n', 'apps', 'rollout', 'status', 'statefulset/db', '--timeout=60s']);
    assert.deepEqual((await pods('apps', 'app=db')).map((p) => p.metadata.name).sort(), ['db-0', 'db-1']);
    await ok(['-n', 'apps', 'rollout', 'status', 'daemonset/agent', '--timeout=60s']);
    assert.deepEqual(new Set((await pods('apps', 'app=agent')).map((p) => p.spec.nodeName)).size, 3);
    await ok(['-n', 'apps', 'wait', '--for=condition=complete', 'job/once', 'job/manual', '--timeout=60s']);
    assert.match(await ok(['-n', 'apps', 'get', 'jobs']), /^once\s+Complete\s+1\/1\s/m);
  });

  it('cascades deletion to dependents (background, orphan, foreground)', async () => {
    await ok(['-n', 'apps', 'delete', 'deployment', 'guarded', '--cascade=orphan']);
    const orphans = await json<{ items: Array<{ metadata: { ownerReferences?: unknown[] } }> }>(['-n', 'apps', 'get', 'rs', '-l', 'app=guarded']);
    assert.equal(orphans.items.length, 1);
    assert.equal(orphans.items[0]!.metadata.ownerReferences, undefined);
    await ok(['-n', 'apps', 'delete', 'rs', '-l', 'app=guarded', '--cascade=foreground']);
    assert.equal((await pods('apps', 'app=guarded')).length, 0, 'foreground deletion returns after the pods are gone');
    await ok(['-n', 'apps', 'delete', 'deployment', 'web']);
    await eventually(async () => assert.equal((await pods('apps', 'app=web')).length, 0), { timeoutMs: 30_000, intervalMs: 250 });
  });

  it('empties a namespace that is deleted', async () => {
    await ok(['delete', 'namespace', 'apps', '--timeout=60s']);
    const gone = await cluster.kubectl(['get', 'namespace', 'apps']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /namespaces "apps" not found/);
  });
});
