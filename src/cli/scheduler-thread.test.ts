import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/types.js';
import { Resources } from '../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../testing/index.js';
import { ControlPlaneComponents } from './control-plane.js';
import { startSchedulerThread } from './scheduler-thread.js';
import { schedulingView } from './scheduler-worker.js';

checkLeaksAfterAll();

describe('schedulingView', () => {
  const pod: Pod = {
    metadata: { name: 'p', namespace: 'ns', labels: { app: 'a' } },
    spec: {
      nodeName: 'n1',
      tolerations: [{ key: 'k', operator: 'Exists' }],
      initContainers: [{ name: 'sidecar', image: 'envoy', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } }, env: [{ name: 'E', value: '1' }] }],
      containers: [
        {
          name: 'web',
          image: 'nginx',
          command: ['nginx'],
          ports: [{ containerPort: 80, hostPort: 8080 }],
          resources: { requests: { cpu: '100m' }, limits: { memory: '1Gi' } },
          volumeMounts: [{ name: 'kube-api-access-x1y2z', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
        },
      ],
      volumes: [
        { name: 'kube-api-access-x1y2z', projected: { sources: [] } },
        { name: 'config', configMap: { name: 'c' } },
        { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      ],
    },
    status: { phase: 'Running', startTime: '2026-01-01T00:00:00Z', nominatedNodeName: 'n2', podIP: '10.0.0.1', conditions: [{ type: 'PodScheduled', status: 'True' }], containerStatuses: [] },
  };

  it('keeps what scheduling reads and drops images, commands, mounts, node-local volumes and container statuses', () => {
    const view = schedulingView(pod);
    assert.deepEqual(view.spec?.containers, [{ name: 'web', resources: { requests: { cpu: '100m' }, limits: { memory: '1Gi' } }, ports: [{ containerPort: 80, hostPort: 8080 }] }]);
    assert.deepEqual(view.spec?.initContainers, [{ name: 'sidecar', resources: { requests: { cpu: '50m' } }, restartPolicy: 'Always' }]);
    assert.deepEqual(view.spec?.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]);
    assert.equal(view.spec?.nodeName, 'n1');
    assert.deepEqual(view.spec?.tolerations, pod.spec?.tolerations);
    assert.deepEqual(view.metadata, pod.metadata);
    assert.deepEqual(view.status, { phase: 'Running', startTime: '2026-01-01T00:00:00Z', nominatedNodeName: 'n2', conditions: [{ type: 'PodScheduled', status: 'True' }] });
    assert.equal(pod.spec?.containers[0]?.image, 'nginx', 'the pod given is left as it was');
  });
});

describe('the scheduler in a thread of its own', () => {
  let cp: TestControlPlane;
  let components: ControlPlaneComponents | undefined;
  const errors: unknown[] = [];
  const logs: string[] = [];

  before(async () => {
    cp = await startControlPlane();
    components = new ControlPlaneComponents(cp.server, { controllers: [], scheduler: 'thread', onError: (err) => errors.push(err), log: (message) => logs.push(message) });
  });

  after(async () => {
    await components?.stop();
    await cp?.close();
  });

  it('leads kube-scheduler, binds pods through the API server and records Scheduled', async () => {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'worker-1', labels: { 'kubernetes.io/hostname': 'worker-1' } },
      status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
    };
    await cp.client.create(Resources.nodes, '', node as unknown as KubeObject);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'threaded' }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '1' } } }] } };
    await cp.client.create(Resources.pods, 'default', pod as unknown as KubeObject);
    const bound = await eventually(async () => {
      const got = await cp.client.get<KubeObject & Pod>(Resources.pods, 'default', 'threaded');
      assert.equal(got.spec?.nodeName, 'worker-1');
      return got;
    });
    assert.equal(bound.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
    const lease = await cp.client.get<KubeObject & { spec: { holderIdentity: string } }>(Resources.leases, 'kube-system', 'kube-scheduler');
    assert.ok(logs.some((line) => line.includes(`kube-scheduler: leading (${lease.spec.holderIdentity})`)), logs.join('\n'));
    await eventually(async () => {
      const events = await cp.client.list(Resources.events, 'default');
      const scheduled = events.items.find((e) => (e as { reason?: string }).reason === 'Scheduled');
      assert.equal((scheduled as { message?: string } | undefined)?.message, 'Successfully assigned default/threaded to worker-1');
    });
  });

  it('reports a pod that fits nowhere as FailedScheduling', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'too-big' }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '64' } } }] } };
    await cp.client.create(Resources.pods, 'default', pod as unknown as KubeObject);
    await eventually(async () => {
      const got = await cp.client.get<KubeObject & Pod>(Resources.pods, 'default', 'too-big');
      const condition = got.status?.conditions?.find((c) => c.type === 'PodScheduled');
      assert.equal(condition?.reason, 'Unschedulable');
      assert.equal(condition?.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.');
    });
    assert.deepEqual(errors, []);
  });

  it('stops: the thread releases its Lease through the port before it ends', async () => {
    await components?.stop();
    components = undefined;
    const lease = await cp.client.get<KubeObject & { spec: { holderIdentity?: string } }>(Resources.leases, 'kube-system', 'kube-scheduler');
    assert.equal(lease.spec.holderIdentity ?? '', '');
    assert.deepEqual(errors, []);
  });
});

describe('a scheduler thread that exits on its own', () => {
  let cp: TestControlPlane;

  before(async () => {
    cp = await startControlPlane();
  });

  after(async () => {
    await cp?.close();
  });

  it('is reported, started again, and schedules again', async () => {
    const errors: unknown[] = [];
    const logs: string[] = [];
    const client = cp.server.loopbackClient({ name: 'system:kube-scheduler', groups: [] }, 'kube-scheduler');
    const thread = startSchedulerThread(client, 'crashing-scheduler', cp.server.encodeJson, { onError: (err) => errors.push(err), log: (message) => logs.push(message) });
    try {
      await eventually(() => assert.ok(logs.some((line) => line.startsWith('kube-scheduler: leading')), logs.join('\n')));
      const first = thread.worker;
      assert.ok(first);
      await first.terminate();
      await eventually(() => assert.ok(thread.worker && thread.worker !== first, 'a new thread runs'));
      assert.match(String(errors[0]), /the kube-scheduler thread exited; starting it again/);
      await cp.client.create(Resources.nodes, '', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'worker-2' },
        status: { allocatable: { cpu: '2', memory: '4Gi', pods: '10' }, conditions: [{ type: 'Ready', status: 'True' }] },
      } as unknown as KubeObject);
      await cp.client.create(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'after-restart' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } as unknown as KubeObject);
      await eventually(async () => assert.equal((await cp.client.get<KubeObject & Pod>(Resources.pods, 'default', 'after-restart')).spec?.nodeName, 'worker-2'));
    } finally {
      await thread.stop();
    }
  });
});
