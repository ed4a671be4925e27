import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { admitServiceAccount, SERVICE_ACCOUNT_MOUNT_PATH } from './serviceaccount.js';

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
