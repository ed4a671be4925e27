import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Deployment, DeploymentCondition, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock, Resources, type ApiClient, type Clock, type WatchHandle } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { controllerRefOf, isPodReady, rfc3339, typed, type Typed } from '../common/index.js';
import { newReplicaSetController } from '../replicaset/index.js';
import { POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, newDeploymentController } from './index.js';

checkLeaksAfterAll();

type D = Typed<Deployment>;
type RS = Typed<ReplicaSet>;
type P = Typed<Pod>;

const ns = 'default';

function deployment(name: string, replicas: number, image: string, spec: Partial<Deployment['spec']> = {}): D {
  return typed<Deployment>({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
      ...spec,
    },
  });
}

const imageOf = (pod: { spec?: { containers: Array<{ image?: string }> } }) => pod.spec?.containers[0]?.image;

/**
 * Stands in for kubelets: marks pods Running and Ready as soon as they exist, for the
 * pods `ready` accepts. Writes are serialized; a lost race is retried on the next event.
 */
class FakeKubelet {
  private watch: WatchHandle | undefined;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: ApiClient,
    private readonly clock: Clock,
    private readonly ready: (pod: P) => boolean,
  ) {}

  async start(): Promise<void> {
    this.watch = await this.client.watch<P>(Resources.pods, ns, {}, (event) => {
      const pod = event.object;
      if ((event.type !== 'ADDED' && event.type !== 'MODIFIED') || pod.metadata?.deletionTimestamp || isPodReady(pod) || !this.ready(pod)) return;
      this.writes = this.writes.then(async () => {
        const status = { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(this.clock.now()) }] };
        await this.client.update(Resources.pods, ns, { ...pod, status }, { subresource: 'status' }).catch(() => undefined);
      });
    });
  }

  async stop(): Promise<void> {
    this.watch?.close();
    await this.watch?.done;
    await this.writes;
  }
}

async function replicaSetsOf(client: ApiClient, d: D): Promise<RS[]> {
  const list = await client.list<RS>(Resources.replicasets, ns);
  return list.items.filter((rs) => controllerRefOf(rs)?.uid === d.metadata?.uid).sort((a, b) => Number(a.metadata?.annotations?.[REVISION_ANNOTATION]) - Number(b.metadata?.annotations?.[REVISION_ANNOTATION]));
}

async function getDeployment(client: ApiClient, name: string): Promise<D> {
  return client.get<D>(Resources.deployments, ns, name);
}

function condition(d: D, type: string): DeploymentCondition | undefined {
  return d.status?.conditions?.find((c) => c.type === type);
}

/** What `kubectl rollout status` waits for. */
async function rolledOut(client: ApiClient, name: string): Promise<D> {
  return eventually(
    async () => {
      const d = await getDeployment(client, name);
      const want = d.spec?.replicas ?? 0;
      assert.ok((d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0), 'generation observed');
      assert.equal(d.status?.updatedReplicas ?? 0, want, 'updated replicas');
      assert.equal(d.status?.replicas ?? 0, want, 'no old replicas pending termination');
      assert.equal(d.status?.availableReplicas ?? 0, want, 'available replicas');
      return d;
    },
    { timeoutMs: 10_000 },
  );
}

async function setImage(client: ApiClient, name: string, image: string): Promise<void> {
  await client.patch(Resources.deployments, ns, name, 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } });
}

async function events(client: ApiClient, name: string, reason: string): Promise<string[]> {
  const list = await client.list<Typed<Event>>(Resources.events, ns);
  return list.items.filter((e) => e.involvedObject.name === name && e.reason === reason).map((e) => e.message ?? '');
}

describe('Deployment controller', () => {
  let cp: TestControlPlane;
  let stop: () => Promise<void>;
  let kubelet: FakeKubelet;

  before(async () => {
    cp = await startControlPlane();
    ({ stop } = await cp.run(newReplicaSetController, newDeploymentController));
    // Pods whose image names "broken" never become ready.
    kubelet = new FakeKubelet(cp.client, cp.clock, (pod) => !imageOf(pod)?.includes('broken'));
    await kubelet.start();
  });
  after(async () => {
    await kubelet.stop();
    await stop();
    await cp.close();
  });

  it('rolls out with maxUnavailable=0 without ever dropping below the desired available pods', async () => {
    const name = 'surge';
    const created = await cp.client.create<D>(Resources.deployments, ns, deployment(name, 3, 'app:v1', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
    const first = await rolledOut(cp.client, name);
    assert.equal(first.metadata?.annotations?.[REVISION_ANNOTATION], '1');
    assert.equal(condition(first, 'Available')?.reason, 'MinimumReplicasAvailable');
    assert.equal(condition(first, 'Progressing')?.reason, 'NewReplicaSetAvailable');
    const [v1] = await replicaSetsOf(cp.client, created);
    const hash = v1!.metadata!.labels![POD_TEMPLATE_HASH_LABEL]!;
    assert.equal(v1!.metadata!.name, `${name}-${hash}`);
    assert.equal(v1!.spec!.selector.matchLabels![POD_TEMPLATE_HASH_LABEL], hash);
    assert.equal(v1!.spec!.template!.metadata!.labels![POD_TEMPLATE_HASH_LABEL], hash);
    assert.deepEqual(
      { revision: v1!.metadata!.annotations![REVISION_ANNOTATION], desired: v1!.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], max: v1!.metadata!.annotations!['deployment.kubernetes.io/max-replicas'] },
      { revision: '1', desired: '3', max: '4' },
    );

    // Watch availability through the whole rollout: ready pods that are not going away, and the reported count.
    const readyPods = new Set<string>();
    const podCounts: number[] = [];
    const reported: number[] = [];
    const podWatch = await cp.client.watch<P>(Resources.pods, ns, { labelSelector: `app=${name}` }, (event) => {
      const key = event.object.metadata!.name!;
      if (event.type === 'DELETED' || event.object.metadata?.deletionTimestamp || !isPodReady(event.object)) readyPods.delete(key);
      else readyPods.add(key);
      podCounts.push(readyPods.size);
    });
    const deploymentWatch = await cp.client.watch<D>(Resources.deployments, ns, { fieldSelector: `metadata.name=${name}` }, (event) => reported.push(event.object.status?.availableReplicas ?? 0));
    try {
      await eventually(() => assert.equal(readyPods.size, 3));
      podCounts.length = 0;
      await setImage(cp.client, name, 'app:v2');
      const done = await rolledOut(cp.client, name);
      assert.equal(done.metadata?.annotations?.[REVISION_ANNOTATION], '2');
    } finally {
      podWatch.close();
      deploymentWatch.close();
      await Promise.all([podWatch.done, deploymentWatch.done]);
    }
    assert.ok(podCounts.length > 0);
    assert.ok(Math.min(...podCounts) >= 3, `ready pods dropped to ${Math.min(...podCounts)}`);
    assert.ok(Math.min(...reported) >= 3, `reported availability dropped to ${Math.min(...reported)}`);

    const [old, current] = await replicaSetsOf(cp.client, created);
    assert.equal(old!.metadata!.name, v1!.metadata!.name);
    assert.equal(old!.spec!.replicas, 0);
    assert.equal(current!.spec!.replicas, 3);
    assert.equal(current!.metadata!.annotations![REVISION_ANNOTATION], '2');
    await eventually(async () => {
      const scaling = await events(cp.client, name, 'ScalingReplicaSet');
      assert.ok(scaling.includes(`Scaled up replica set ${old!.metadata!.name} to 3`), scaling.join('\n'));
      assert.ok(scaling.includes(`Scaled up replica set ${current!.metadata!.name} to 1`), scaling.join('\n'));
      assert.ok(scaling.includes(`Scaled down replica set ${old!.metadata!.name} to 2 from 3`), scaling.join('\n'));
      assert.ok(scaling.includes(`Scaled down replica set ${old!.metadata!.name} to 0 from 1`), scaling.join('\n'));
    });
  });

  it('Recreate stops every old pod before starting new ones', async () => {
    const name = 'recreate';
    const created = await cp.client.create<D>(Resources.deployments, ns, deployment(name, 2, 'app:v1', { strategy: { type: 'Recreate' } }));
    await rolledOut(cp.client, name);
    const images = new Map<string, string>();
    let overlap = false;
    const podWatch = await cp.client.watch<P>(Resources.pods, ns, { labelSelector: `app=${name}` }, (event) => {
      const key = event.object.metadata!.name!;
      if (event.type === 'DELETED') images.delete(key);
      else images.set(key, imageOf(event.object) ?? '');
      if (new Set(images.values()).size > 1) overlap = true;
    });
    try {
      await setImage(cp.client, name, 'app:v2');
      await rolledOut(cp.client, name);
    } finally {
      podWatch.close();
      await podWatch.done;
    }
    assert.equal(overlap, false, 'old and new pods ran at the same time');
    const rss = await replicaSetsOf(cp.client, created);
    assert.deepEqual(rss.map((rs) => rs.spec?.replicas), [0, 2]);
  });

  it('scales a paused Deployment proportionally and resumes the rollout', async () => {
    const name = 'paused';
    const created = await cp.client.create<D>(Resources.deployments, ns, deployment(name, 10, 'app:v1', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
    await rolledOut(cp.client, name);
    // The new pods never become ready: the rollout stops at old 8 / new 5 (13 pods, 8 available).
    await setImage(cp.client, name, 'app:broken');
    await eventually(async () => assert.deepEqual((await replicaSetsOf(cp.client, created)).map((rs) => rs.spec?.replicas), [8, 5]));
    await cp.client.patch(Resources.deployments, ns, name, 'merge', { spec: { paused: true } });
    await eventually(async () => assert.equal(condition(await getDeployment(cp.client, name), 'Progressing')?.reason, 'DeploymentPaused'));

    // `kubectl scale` goes through the scale subresource: 23 allowed pods (20 + maxSurge 3): 10 more, spread in proportion to size.
    await cp.client.patch(Resources.deployments, ns, name, 'merge', { spec: { replicas: 20 } }, { subresource: 'scale' });
    await eventually(async () => assert.deepEqual((await replicaSetsOf(cp.client, created)).map((rs) => rs.spec?.replicas), [14, 9]));

    // A template change while paused starts nothing.
    await setImage(cp.client, name, 'app:v2');
    await eventually(async () => {
      const d = await getDeployment(cp.client, name);
      assert.equal(d.status?.observedGeneration, d.metadata?.generation);
    });
    assert.equal((await replicaSetsOf(cp.client, created)).length, 2);

    await cp.client.patch(Resources.deployments, ns, name, 'merge', { spec: { paused: false } });
    const done = await rolledOut(cp.client, name);
    assert.equal(condition(done, 'Progressing')?.reason, 'NewReplicaSetAvailable');
    const rss = await replicaSetsOf(cp.client, created);
    assert.deepEqual(rss.map((rs) => rs.spec?.replicas), [0, 0, 20]);
  });

  it('undo to an older revision reuses its ReplicaSet and gives it the next revision', async () => {
    const name = 'undo';
    const created = await cp.client.create<D>(Resources.deployments, ns, deployment(name, 2, 'app:v1'));
    await rolledOut(cp.client, name);
    await setImage(cp.client, name, 'app:v2');
    await rolledOut(cp.client, name);
    const [v1, v2] = await replicaSetsOf(cp.client, created);

    // `kubectl rollout undo` (client-side since 1.27): the Deployment gets revision 1's template back.
    const template = structuredClone(v1!.spec!.template!);
    delete template.metadata!.labels![POD_TEMPLATE_HASH_LABEL];
    await cp.client.patch(Resources.deployments, ns, name, 'json', [{ op: 'replace', path: '/spec/template', value: template }]);
    const done = await rolledOut(cp.client, name);
    assert.equal(done.metadata?.annotations?.[REVISION_ANNOTATION], '3');

    const rss = await replicaSetsOf(cp.client, created);
    assert.deepEqual(
      rss.map((rs) => [rs.metadata?.name, rs.metadata?.annotations?.[REVISION_ANNOTATION], rs.metadata?.annotations?.[REVISION_HISTORY_ANNOTATION], rs.spec?.replicas]),
      [
        [v2!.metadata!.name, '2', undefined, 0],
        [v1!.metadata!.name, '3', '1', 2],
      ],
    );
  });

  it('honours the deprecated rollback annotation', async () => {
    const name = 'rollback';
    const created = await cp.client.create<D>(Resources.deployments, ns, deployment(name, 1, 'app:v1'));
    await rolledOut(cp.client, name);
    await setImage(cp.client, name, 'app:v2');
    await rolledOut(cp.client, name);
    await cp.client.patch(Resources.deployments, ns, name, 'merge', { metadata: { annotations: { 'deprecated.deployment.rollback.to': '1' } } });
    const done = await eventually(async () => {
      const d = await rolledOut(cp.client, name);
      assert.equal(imageOf(d.spec!.template), 'app:v1');
      assert.equal(d.metadata?.annotations?.['deprecated.deployment.rollback.to'], undefined);
      return d;
    });
    assert.equal(done.metadata?.annotations?.[REVISION_ANNOTATION], '3');
    assert.equal((await replicaSetsOf(cp.client, created)).length, 2);
    await eventually(async () => assert.deepEqual(await events(cp.client, name, 'DeploymentRollback'), [`Rolled back deployment "${name}" to revision 1`]));
  });

  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    const name = 'history';
    const created = await cp.client.create<D>(Resources.deployments, ns, deployment(name, 1, 'app:v1', { revisionHistoryLimit: 1 }));
    await rolledOut(cp.client, name);
    await setImage(cp.client, name, 'app:v2');
    await rolledOut(cp.client, name);
    await setImage(cp.client, name, 'app:v3');
    await rolledOut(cp.client, name);
    await eventually(async () => {
      const rss = await replicaSetsOf(cp.client, created);
      assert.deepEqual(rss.map((rs) => [rs.metadata?.annotations?.[REVISION_ANNOTATION], imageOf(rs.spec!.template!)]), [
        ['2', 'app:v2'],
        ['3', 'app:v3'],
      ]);
    });
  });
});

describe('Deployment progress deadline', () => {
  it('reports ProgressDeadlineExceeded when a rollout makes no progress in time', async () => {
    const clock = new FakeClock();
    const cp = await startControlPlane({ clock });
    const { stop } = await cp.run(newReplicaSetController, newDeploymentController);
    try {
      const name = 'stuck';
      await cp.client.create<D>(Resources.deployments, ns, deployment(name, 2, 'app:broken', { progressDeadlineSeconds: 30 }));
      const rsName = await eventually(async () => {
        const d = await getDeployment(cp.client, name);
        assert.equal(condition(d, 'Progressing')?.status, 'True');
        assert.equal(condition(d, 'Available')?.reason, 'MinimumReplicasUnavailable');
        const [rs] = await replicaSetsOf(cp.client, d);
        assert.equal(rs?.status?.replicas, 2);
        return rs!.metadata!.name!;
      });
      clock.advance(20_000);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(condition(await getDeployment(cp.client, name), 'Progressing')?.status, 'True');
      // The controller re-checks on its own when the deadline passes.
      clock.advance(12_000);
      await eventually(async () => {
        const d = await getDeployment(cp.client, name);
        const progressing = condition(d, 'Progressing');
        assert.equal(progressing?.status, 'False');
        assert.equal(progressing?.reason, 'ProgressDeadlineExceeded');
        assert.equal(progressing?.message, `ReplicaSet "${rsName}" has timed out progressing.`);
      });
    } finally {
      await stop();
      await cp.close();
    }
  });
});
