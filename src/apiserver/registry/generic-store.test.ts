// The registry's write path shortcuts: objects handed out after a write are what
// storage holds, stored versions stay untouched by later writes, and a status
// write that reads the stored object in place gives the same result as one that
// copies it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { Resources } from '../../client/index.js';
import { checkLeaksAfterAll, startControlPlane } from '../../testing/index.js';
import type { RequestContext } from './generic-store.js';

checkLeaksAfterAll();

const POD: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '0.1' } } }] },
};

function context(now = new Date('2025-01-01T00:00:00Z')): RequestContext {
  return { namespace: 'default', user: { name: 'admin', groups: ['system:masters'] }, dryRun: false, fieldManager: 'test', now };
}

/** The object of the latest stored version, parsed from its bytes. */
async function storedObject(cp: Awaited<ReturnType<typeof startControlPlane>>, key: string): Promise<KubeObject> {
  const { kv } = await cp.store.get(key);
  assert.ok(kv);
  const obj = JSON.parse(Buffer.from(kv.value).toString('utf8')) as KubeObject;
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(kv.modRevision) } };
}

test('what a create or update returns is what storage holds', async () => {
  const cp = await startControlPlane({ builtinControllers: false });
  try {
    const pods = cp.server.storeFor('', 'v1', 'pods')!;
    const created = await cp.client.create(Resources.pods, 'default', POD);
    assert.deepEqual(created, await storedObject(cp, pods.key('default', 'p')));
    assert.equal(created.spec && (created.spec as { containers: { resources: { requests: { cpu: string } } }[] }).containers[0]!.resources.requests.cpu, '100m');
    const patched = await cp.client.patch(Resources.pods, 'default', 'p', 'merge', { metadata: { labels: { tier: 'front' } } });
    assert.deepEqual(patched, await storedObject(cp, pods.key('default', 'p')));
    const status = await cp.client.patch(Resources.pods, 'default', 'p', 'merge', { status: { phase: 'Running' } }, { subresource: 'status', fieldManager: 'kubelet' });
    assert.deepEqual(status, await storedObject(cp, pods.key('default', 'p')));
    assert.deepEqual(status.metadata?.managedFields?.map((e) => `${e.manager}/${e.subresource ?? ''}`).sort(), ['kubelet/status', 'skiff-test/']);
    // The version the first write returned is unchanged by the later ones.
    assert.deepEqual(created.metadata?.labels, { app: 'web' });
    assert.equal(created.status && (created.status as { phase?: string }).phase, 'Pending');
  } finally {
    await cp.close();
  }
});

test('a status write reading the stored object in place gives what a private copy gives, and leaves the old version alone', async () => {
  const cp = await startControlPlane({ builtinControllers: false });
  try {
    const pods = cp.server.storeFor('', 'v1', 'pods')!;
    await pods.create({ ...POD, metadata: { name: 'a' } }, context());
    await pods.create({ ...POD, metadata: { name: 'b' } }, context());
    const before = await pods.get('default', 'a');
    const beforeText = JSON.stringify(before);
    const status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], podIP: '10.0.0.1' };
    const write = (name: string, readOnlyMutate: boolean) =>
      pods.update('default', name, (current) => ({ ...current!, status }), context(new Date('2025-01-01T00:01:00Z')), { subresource: 'status', readOnlyMutate });
    const shared = (await write('a', true)).object;
    const copied = (await write('b', false)).object;
    const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, name: '', uid: '', resourceVersion: '' } });
    assert.deepEqual(strip(shared), strip(copied));
    assert.equal(JSON.stringify(before), beforeText);
    // The unchanged spec is shared between the two versions instead of copied.
    assert.equal(shared.spec, before.spec);
    assert.deepEqual(await pods.get('default', 'a'), shared);
  } finally {
    await cp.close();
  }
});

test('an update keeps members named like Object.prototype members (and validation tells them from inherited ones)', async () => {
  const cp = await startControlPlane({ builtinControllers: false });
  try {
    const data = JSON.parse('{"__proto__":"x","constructor":"y","a":"b"}') as Record<string, string>;
    await cp.client.create(Resources.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data } as KubeObject);
    const updated = await cp.client.patch(Resources.configmaps, 'default', 'c', 'merge', { metadata: { labels: { l: 'v' } } });
    const got = updated.data as Record<string, string>;
    assert.deepEqual(Object.keys(got), ['__proto__', 'constructor', 'a']);
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(got, '__proto__')?.value, 'x');
  } finally {
    await cp.close();
  }
});
