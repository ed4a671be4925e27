import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { Resources } from '../../client/index.js';
import { SimulatedNodes } from '../../kubelet/simulated/index.js';
import { newScheduler } from '../../scheduler/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import {
  ANNOTATION_BIND_COMPLETED,
  ANNOTATION_BOUND_BY_CONTROLLER,
  ANNOTATION_SELECTED_NODE,
  LOCAL_PATH_CLASS,
  LOCAL_PATH_PROVISIONER,
  ensureLocalPathStorageClass,
  newLocalPathController,
} from './index.js';

checkLeaksAfterAll();

type PodObject = Pod & KubeObject;
type ClaimObject = PersistentVolumeClaim & KubeObject;
type VolumeObject = PersistentVolume & KubeObject;

const PREFIX = '/srv/skiff-test/local-path';

describe('local-path storage with the VolumeBinding scheduler plugin', () => {
  let cp: TestControlPlane;
  let sim: SimulatedNodes;
  let running: { stop(): Promise<void> };
  const removed: Array<[string, string]> = [];

  before(async () => {
    cp = await startControlPlane();
    await ensureLocalPathStorageClass(cp.client);
    await ensureLocalPathStorageClass(cp.client);
    sim = new SimulatedNodes({ client: cp.client, count: 3, namePrefix: 'store-', onError: (err) => cp.errors.push(err) });
    await sim.start();
    running = await cp.run(
      (ctx) => newScheduler(ctx, { initialBackoffMs: 50, maxBackoffMs: 200 }),
      (ctx) =>
        newLocalPathController(ctx, {
          pathPrefix: PREFIX,
          removeDirectory: async (node, path) => {
            removed.push([node, path]);
            return true;
          },
        }),
    );
  });
  after(async () => {
    await running?.stop();
    await sim?.stop();
    await cp?.close();
    assert.deepEqual(cp.errors, []);
  });

  const claim = (name: string, extra: Partial<PersistentVolumeClaim['spec']> = {}) =>
    cp.client.create<ClaimObject>(Resources.persistentvolumeclaims, 'default', {
      metadata: { name },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, ...extra },
    });
  const pod = (name: string, claimName: string) =>
    cp.client.create<PodObject>(Resources.pods, 'default', {
      metadata: { name, labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'main', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
      },
    });

  it('creates the default local-path StorageClass', async () => {
    const sc = await cp.client.get<KubeObject>(Resources.storageclasses, '', LOCAL_PATH_CLASS);
    assert.equal(sc.provisioner, LOCAL_PATH_PROVISIONER);
    assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
    assert.equal(sc.reclaimPolicy, 'Delete');
    assert.equal(sc.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
  });

  it('schedules a StatefulSet-like pod, provisions its volume on that node and binds it', async () => {
    await claim('data-web-0');
    const created = await pod('web-0', 'data-web-0');
    const nodeName = await eventually(async () => {
      const current = await cp.client.get<PodObject>(Resources.pods, 'default', created.metadata!.name!);
      assert.ok(current.spec?.nodeName, 'scheduled');
      return current.spec.nodeName;
    }, { timeoutMs: 15000 });
    const bound = await cp.client.get<ClaimObject>(Resources.persistentvolumeclaims, 'default', 'data-web-0');
    assert.equal(bound.status?.phase, 'Bound', 'the pod is bound only after its claim');
    assert.equal(bound.metadata?.annotations?.[ANNOTATION_SELECTED_NODE], nodeName);
    assert.equal(bound.metadata?.annotations?.[ANNOTATION_BIND_COMPLETED], 'yes');
    assert.equal(bound.metadata?.annotations?.[ANNOTATION_BOUND_BY_CONTROLLER], 'yes');
    assert.equal(bound.spec?.volumeName, `pvc-${bound.metadata?.uid}`);
    assert.equal(bound.status?.capacity?.storage, '2Gi');
    const volume = await cp.client.get<VolumeObject>(Resources.persistentvolumes, '', bound.spec!.volumeName!);
    assert.equal(volume.status?.phase, 'Bound');
    assert.equal(volume.spec?.hostPath?.path, `${PREFIX}/${volume.metadata?.name}`);
    assert.equal(volume.spec?.storageClassName, LOCAL_PATH_CLASS);
    assert.equal(volume.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(volume.spec?.claimRef?.uid, bound.metadata?.uid);
    assert.deepEqual(volume.spec?.nodeAffinity?.required?.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }]);

    // A second pod on the same claim must go where the volume is.
    const again = await pod('web-0-again', 'data-web-0');
    await eventually(async () => {
      const current = await cp.client.get<PodObject>(Resources.pods, 'default', again.metadata!.name!);
      assert.equal(current.spec?.nodeName, nodeName);
    }, { timeoutMs: 15000 });
  });

  it('leaves a pod whose claim is missing unschedulable, with upstream reason', async () => {
    await pod('orphan', 'ghost');
    await eventually(async () => {
      const current = await cp.client.get<PodObject>(Resources.pods, 'default', 'orphan');
      const condition = current.status?.conditions?.find((c) => c.type === 'PodScheduled');
      assert.equal(condition?.status, 'False');
      assert.match(condition?.message ?? '', /persistentvolumeclaim "ghost" not found/);
    }, { timeoutMs: 15000 });
    // Creating the claim lets it schedule.
    await claim('ghost');
    await eventually(async () => {
      const current = await cp.client.get<PodObject>(Resources.pods, 'default', 'orphan');
      assert.ok(current.spec?.nodeName);
    }, { timeoutMs: 15000 });
  });

  it('binds pre-provisioned volumes to Immediate claims', async () => {
    await cp.client.create(Resources.storageclasses, '', { metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate' });
    for (const [name, size] of [['small', '1Gi'], ['medium', '5Gi'], ['large', '50Gi']] as const) {
      await cp.client.create(Resources.persistentvolumes, '', {
        metadata: { name: `manual-${name}` },
        spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: `/srv/manual/${name}` }, persistentVolumeReclaimPolicy: 'Retain' },
      });
    }
    // The controller marks new volumes Available once it has seen them.
    await eventually(async () => {
      for (const name of ['small', 'medium', 'large']) {
        assert.equal((await cp.client.get<VolumeObject>(Resources.persistentvolumes, '', `manual-${name}`)).status?.phase, 'Available');
      }
    }, { timeoutMs: 15000 });
    await claim('manual-claim', { storageClassName: 'manual' });
    const bound = await eventually(async () => {
      const current = await cp.client.get<ClaimObject>(Resources.persistentvolumeclaims, 'default', 'manual-claim');
      assert.equal(current.status?.phase, 'Bound');
      return current;
    }, { timeoutMs: 15000 });
    assert.equal(bound.spec?.volumeName, 'manual-medium', 'the smallest volume that fits');
    const volume = await cp.client.get<VolumeObject>(Resources.persistentvolumes, '', 'manual-medium');
    assert.equal(volume.status?.phase, 'Bound');
    assert.equal(volume.metadata?.annotations?.[ANNOTATION_BOUND_BY_CONTROLLER], 'yes');
    const unused = await cp.client.get<VolumeObject>(Resources.persistentvolumes, '', 'manual-small');
    assert.equal(unused.status?.phase, 'Available');

    // Retain: the volume stays, Released, when its claim goes.
    await cp.client.delete(Resources.persistentvolumeclaims, 'default', 'manual-claim');
    await eventually(async () => {
      const current = await cp.client.get<VolumeObject>(Resources.persistentvolumes, '', 'manual-medium');
      assert.equal(current.status?.phase, 'Released');
    }, { timeoutMs: 15000 });
  });

  it('deletes a provisioned volume and its directory with its claim (reclaimPolicy Delete)', async () => {
    const bound = await cp.client.get<ClaimObject>(Resources.persistentvolumeclaims, 'default', 'ghost');
    const volumeName = bound.spec!.volumeName!;
    const volume = await cp.client.get<VolumeObject>(Resources.persistentvolumes, '', volumeName);
    await cp.client.delete(Resources.pods, 'default', 'orphan', { gracePeriodSeconds: 0 });
    await cp.client.delete(Resources.persistentvolumeclaims, 'default', 'ghost');
    await eventually(async () => {
      await assert.rejects(cp.client.get(Resources.persistentvolumes, '', volumeName), { code: 404 });
    }, { timeoutMs: 15000 });
    const node = volume.spec!.nodeAffinity!.required!.nodeSelectorTerms[0]!.matchExpressions![0]!.values![0]!;
    assert.deepEqual(removed, [[node, `${PREFIX}/${volumeName}`]]);
  });
});
