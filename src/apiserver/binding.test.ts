// pods/binding as upstream's BindingREST: the Binding's uid and resourceVersion are
// preconditions, its annotations are merged into the pod's, and a pod is bound once.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/types.js';
import { Resources } from '../client/index.js';
import { checkLeaksAfterAll, startControlPlane, type TestControlPlane } from '../testing/index.js';

checkLeaksAfterAll();

type P = Pod & KubeObject;
const ns = 'default';

describe('pods/binding', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane({ builtinControllers: false });
  });
  after(() => cp.close());

  const createPod = (name: string, extra: { annotations?: Record<string, string>; finalizers?: string[]; schedulingGates?: { name: string }[] } = {}) =>
    cp.client.create<P>(Resources.pods, ns, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, ...(extra.annotations ? { annotations: extra.annotations } : {}), ...(extra.finalizers ? { finalizers: extra.finalizers } : {}) },
      spec: { containers: [{ name: 'c', image: 'busybox' }], ...(extra.schedulingGates ? { schedulingGates: extra.schedulingGates } : {}) },
    });
  const bind = (podName: string, node: string, metadata: Record<string, unknown> = { name: podName }) =>
    cp.client.createSubresource(Resources.pods, ns, podName, 'binding', { apiVersion: 'v1', kind: 'Binding', metadata, target: { apiVersion: 'v1', kind: 'Node', name: node } } as KubeObject);
  /** Rejects with this HTTP code, reason and exact message. */
  const rejects = (promise: Promise<unknown>, code: number, reason: string, message: string) =>
    assert.rejects(promise, (err: { code?: number; status?: { reason?: string; message?: string } }) => {
      assert.equal(err.code, code);
      assert.equal(err.status?.reason, reason);
      assert.equal(err.status?.message, message);
      return true;
    });

  it('merges the Binding annotations into the pod and marks it scheduled', async () => {
    const pod = await createPod('annotated', { annotations: { kept: 'yes', replaced: 'old' } });
    await bind('annotated', 'node-a', { name: 'annotated', uid: pod.metadata?.uid, annotations: { replaced: 'new', added: 'from-binding' } });
    const bound = await cp.client.get<P>(Resources.pods, ns, 'annotated');
    assert.equal(bound.spec?.nodeName, 'node-a');
    assert.deepEqual(bound.metadata?.annotations, { kept: 'yes', replaced: 'new', added: 'from-binding' });
    assert.deepEqual(bound.status?.conditions?.filter((c) => c.type === 'PodScheduled').map((c) => c.status), ['True']);
    // The version read before is not changed by the binding (stored objects are shared in process).
    assert.deepEqual(pod.metadata?.annotations, { kept: 'yes', replaced: 'old' });
  });

  it('refuses a Binding whose uid is not the pod\'s', async () => {
    const pod = await createPod('uid-mismatch');
    await rejects(
      bind('uid-mismatch', 'node-a', { name: 'uid-mismatch', uid: 'not-the-uid' }),
      409,
      'Conflict',
      `Operation cannot be fulfilled on pods "uid-mismatch": StorageError: invalid object, Code: 4, Key: /registry/pods/default/uid-mismatch, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${pod.metadata?.uid}`,
    );
    assert.equal((await cp.client.get<P>(Resources.pods, ns, 'uid-mismatch')).spec?.nodeName, undefined);
  });

  it('honours the Binding resourceVersion as a precondition', async () => {
    const pod = await createPod('rv');
    const stale = pod.metadata!.resourceVersion!;
    const changed = await cp.client.update<P>(Resources.pods, ns, { ...pod, metadata: { ...pod.metadata, labels: { touched: 'yes' } } });
    await rejects(
      bind('rv', 'node-a', { name: 'rv', resourceVersion: stale }),
      409,
      'Conflict',
      `Operation cannot be fulfilled on pods "rv": StorageError: invalid object, Code: 4, Key: /registry/pods/default/rv, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: ResourceVersion in precondition: ${stale}, ResourceVersion in object meta: ${changed.metadata?.resourceVersion}`,
    );
    await bind('rv', 'node-a', { name: 'rv', uid: pod.metadata?.uid, resourceVersion: changed.metadata?.resourceVersion });
    assert.equal((await cp.client.get<P>(Resources.pods, ns, 'rv')).spec?.nodeName, 'node-a');
  });

  it('binds a pod once', async () => {
    await createPod('once');
    await bind('once', 'node-a');
    await rejects(bind('once', 'node-b'), 409, 'Conflict', 'Operation cannot be fulfilled on pods/binding "once": pod once is already assigned to node "node-a"');
    assert.equal((await cp.client.get<P>(Resources.pods, ns, 'once')).spec?.nodeName, 'node-a');
  });

  it('refuses a pod being deleted and a pod with scheduling gates', async () => {
    await createPod('deleting', { finalizers: ['example.com/hold'] });
    await cp.client.delete(Resources.pods, ns, 'deleting', { gracePeriodSeconds: 0 });
    await rejects(bind('deleting', 'node-a'), 409, 'Conflict', 'Operation cannot be fulfilled on pods/binding "deleting": pod deleting is being deleted, cannot be assigned to a host');
    const held = await cp.client.get<P>(Resources.pods, ns, 'deleting');
    await cp.client.update<P>(Resources.pods, ns, { ...held, metadata: { ...held.metadata, finalizers: [] } });

    await createPod('gated', { schedulingGates: [{ name: 'example.com/wait' }] });
    await rejects(bind('gated', 'node-a'), 409, 'Conflict', 'Operation cannot be fulfilled on pods/binding "gated": pod gated has non-empty .spec.schedulingGates');
  });

  it('refuses a Binding named differently from the URL, and a missing pod', async () => {
    await createPod('named');
    await rejects(bind('named', 'node-a', { name: 'other' }), 400, 'BadRequest', 'name in URL does not match name in Binding object');
    await rejects(bind('absent', 'node-a'), 404, 'NotFound', 'pods "absent" not found');
  });
});
