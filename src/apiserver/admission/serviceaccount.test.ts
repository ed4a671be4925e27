import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { Resources } from '../../client/index.js';
import { checkLeaksAfterAll, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { admitServiceAccount, getServiceAccount, SERVICE_ACCOUNT_MOUNT_PATH, type ServiceAccountReads } from './serviceaccount.js';

checkLeaksAfterAll();

const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'a', image: 'x' }], ...spec } });

describe('ServiceAccount admission', () => {
  it('defaults the service account and mounts the kube-api-access volume in every container', () => {
    const admitted = admitServiceAccount(pod({ initContainers: [{ name: 'init', image: 'x' }] }), undefined);
    assert.equal(admitted.spec?.serviceAccountName, 'default');
    assert.equal(admitted.spec?.serviceAccount, 'default');
    const volume = admitted.spec?.volumes?.[0];
    assert.match(volume?.name ?? '', /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(volume?.projected?.defaultMode, 420);
    assert.deepEqual(volume?.projected?.sources?.[0], { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } });
    for (const c of [...admitted.spec!.containers, ...admitted.spec!.initContainers!]) {
      assert.deepEqual(c.volumeMounts, [{ name: volume!.name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }]);
    }
  });

  it('honours automountServiceAccountToken on the pod, then on the service account', () => {
    assert.equal(admitServiceAccount(pod({ automountServiceAccountToken: false }), undefined).spec?.volumes, undefined);
    assert.equal(admitServiceAccount(pod(), { automountServiceAccountToken: false }).spec?.volumes, undefined);
    assert.equal(admitServiceAccount(pod({ automountServiceAccountToken: true }), { automountServiceAccountToken: false }).spec?.volumes?.length, 1);
  });

  it('leaves pods that mount the token path themselves', () => {
    const own = pod({ serviceAccountName: 'builder', containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'mine', mountPath: SERVICE_ACCOUNT_MOUNT_PATH }] }], volumes: [{ name: 'mine', emptyDir: {} }] });
    const admitted = admitServiceAccount(own, undefined);
    assert.equal(admitted.spec?.serviceAccountName, 'builder');
    assert.equal(admitted.spec?.volumes?.length, 1);
  });
});

describe('ServiceAccount admission: looking the account up', () => {
  /** Reads that find the account on the nth live read (never when n is 0), recording what they did. */
  const reads = (foundOnLiveRead: number, cached?: ServiceAccount) => {
    const log: string[] = [];
    let live = 0;
    const r: ServiceAccountReads = {
      cached: async () => {
        log.push('cached');
        return cached;
      },
      live: async () => {
        log.push('live');
        return ++live === foundOnLiveRead ? { metadata: { name: 'x' } } : undefined;
      },
      sleep: async (ms) => {
        log.push(`sleep ${ms}`);
      },
      random: () => 0.5,
    };
    return { r, log };
  };

  it('takes the cached account without a live read', async () => {
    const { r, log } = reads(0, { metadata: { name: 'default' } });
    assert.equal((await getServiceAccount(r, 'ns', 'default'))?.metadata?.name, 'default');
    assert.deepEqual(log, ['cached']);
  });

  it('reads the default account live up to ten times, 100-200 ms apart, as its controller creates it', async () => {
    const found = reads(3);
    assert.ok(await getServiceAccount(found.r, 'ns', 'default'));
    assert.deepEqual(found.log, ['cached', 'live', 'sleep 150', 'live', 'sleep 150', 'live']);
    const missing = reads(0);
    assert.equal(await getServiceAccount(missing.r, 'ns', 'default'), undefined);
    assert.equal(missing.log.filter((l) => l === 'live').length, 10);
  });

  it('reads any other account live once', async () => {
    const { r, log } = reads(0);
    assert.equal(await getServiceAccount(r, 'ns', 'builder'), undefined);
    assert.deepEqual(log, ['cached', 'live']);
  });
});

describe('ServiceAccount admission in the API server', () => {
  let cp: TestControlPlane;
  const ns = 'sa-admission';
  before(async () => {
    cp = await startControlPlane({ builtinControllers: false, serviceAccountAdmission: true });
    await cp.client.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  });
  after(() => cp.close());

  const podIn = (metadata: KubeObject['metadata'], spec: Partial<NonNullable<Pod['spec']>> = {}): KubeObject =>
    ({ apiVersion: 'v1', kind: 'Pod', metadata, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } }) as KubeObject;
  const forbidden = (message: string) => (err: { code?: number; status?: { reason?: string; message?: string } }) => {
    assert.equal(err.code, 403);
    assert.equal(err.status?.reason, 'Forbidden');
    assert.equal(err.status?.message, message);
    return true;
  };

  it('refuses a pod whose service account does not exist', async () => {
    await assert.rejects(
      cp.client.create(Resources.pods, ns, podIn({ name: 'x' }, { serviceAccountName: 'builder' })),
      forbidden(`pods "x" is forbidden: error looking up service account ${ns}/builder: serviceaccount "builder" not found`),
    );
    // Names are generated after admission: the message names the prefix.
    await assert.rejects(
      cp.client.create(Resources.pods, ns, podIn({ generateName: 'web-' })),
      forbidden(`pods "web-" is forbidden: error looking up service account ${ns}/default: serviceaccount "default" not found`),
    );
  });

  it('admits the pod once its account exists, with the account\'s imagePullSecrets', async () => {
    await cp.client.create(Resources.serviceaccounts, ns, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' }, imagePullSecrets: [{ name: 'registry' }] } as KubeObject);
    const pod = await cp.client.create<Pod & KubeObject>(Resources.pods, ns, podIn({ name: 'y' }, { serviceAccountName: 'builder' }));
    assert.equal(pod.spec?.serviceAccountName, 'builder');
    assert.deepEqual(pod.spec?.imagePullSecrets, [{ name: 'registry' }]);
    assert.match(pod.spec?.volumes?.[0]?.name ?? '', /^kube-api-access-/);
  });

  it('leaves mirror pods alone', async () => {
    const mirror = await cp.client.create<Pod & KubeObject>(Resources.pods, ns, podIn({ name: 'static-node-a', annotations: { 'kubernetes.io/config.mirror': 'hash' } }, { nodeName: 'node-a' }));
    assert.equal(mirror.spec?.serviceAccountName, undefined);
  });
});
