import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import type { KubeObject } from '../api/types.js';
import { isStatusError } from '../apiserver/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../testing/index.js';
import { PortClient, servePort, type PortServer } from './port.js';
import { Resources } from './resources.js';
import { isAlreadyExists, isGone, isNotFound, type WatchEvent } from './types.js';

checkLeaksAfterAll();

const configMap = (name: string, data: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data } as KubeObject);

describe('PortClient over servePort', () => {
  let cp: TestControlPlane;
  let client: PortClient;
  let server: PortServer;
  const decoded: string[] = [];

  before(async () => {
    cp = await startControlPlane();
    await cp.client.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'port' } } as KubeObject);
    const { port1, port2 } = new MessageChannel();
    server = servePort(port1, cp.client);
    client = new PortClient(port2, {
      decodeListed: (json) => {
        const obj = JSON.parse(json) as KubeObject;
        decoded.push(obj.metadata?.name ?? '');
        return obj;
      },
    });
  });

  after(async () => {
    client?.close();
    await server?.close();
    await cp?.close();
  });

  it('creates, reads, updates, patches and deletes through the port', async () => {
    const created = await client.create(Resources.configmaps, 'port', configMap('a', { k: 'v' }));
    assert.equal(created.metadata?.namespace, 'port');
    assert.ok(created.metadata?.uid);
    const got = await client.get<KubeObject & { data: Record<string, string> }>(Resources.configmaps, 'port', 'a');
    assert.deepEqual(got.data, { k: 'v' });
    const updated = await client.update<KubeObject & { data: Record<string, string> }>(Resources.configmaps, 'port', { ...got, data: { k: 'w' } });
    assert.deepEqual(updated.data, { k: 'w' });
    const patched = await client.patch<KubeObject & { data: Record<string, string> }>(Resources.configmaps, 'port', 'a', 'merge', { data: { extra: '1' } });
    assert.deepEqual(patched.data, { k: 'w', extra: '1' });
    await client.delete(Resources.configmaps, 'port', 'a');
    await assert.rejects(client.get(Resources.configmaps, 'port', 'a'), (err: unknown) => isNotFound(err) && isStatusError(err));
  });

  it('returns failures as StatusErrors with the server’s code, reason and message', async () => {
    await client.create(Resources.configmaps, 'port', configMap('dup'));
    await assert.rejects(client.create(Resources.configmaps, 'port', configMap('dup')), (err: unknown) => {
      assert.ok(isAlreadyExists(err));
      assert.ok(isStatusError(err));
      assert.equal(err.code, 409);
      assert.equal(err.message, 'configmaps "dup" already exists');
      return true;
    });
    const stale = await client.get(Resources.configmaps, 'port', 'dup');
    await client.patch(Resources.configmaps, 'port', 'dup', 'merge', { data: { x: '1' } });
    await assert.rejects(client.update(Resources.configmaps, 'port', stale), (err: unknown) => isStatusError(err, 'Conflict'));
  });

  it('lists and watches through decodeListed, in order', async () => {
    const names = ['w1', 'w2', 'w3'];
    const before = await client.list(Resources.configmaps, 'port');
    decoded.length = 0;
    const events: WatchEvent[] = [];
    const handle = await client.watch(Resources.configmaps, 'port', { resourceVersion: before.metadata?.resourceVersion ?? '' }, (event) => events.push(event));
    for (const name of names) await client.create(Resources.configmaps, 'port', configMap(name));
    await client.delete(Resources.configmaps, 'port', 'w2');
    await eventually(() =>
      assert.deepEqual(
        events.map((e) => `${e.type} ${e.object.metadata?.name}`),
        ['ADDED w1', 'ADDED w2', 'ADDED w3', 'DELETED w2'],
      ),
    );
    assert.deepEqual(decoded, ['w1', 'w2', 'w3', 'w2'], 'watched objects go through decodeListed');
    decoded.length = 0;
    const listed = await client.list(Resources.configmaps, 'port', { labelSelector: '' });
    assert.deepEqual(
      listed.items.map((i) => i.metadata?.name),
      [...before.items.map((i) => i.metadata?.name ?? ''), 'w1', 'w3'].sort(),
    );
    assert.deepEqual(decoded, listed.items.map((i) => i.metadata?.name));
    assert.ok(Number(listed.metadata?.resourceVersion) > 0);
    handle.close();
    await handle.done;
  });

  it('rejects a watch from a compacted revision with 410 Gone', async () => {
    const first = await client.create(Resources.configmaps, 'port', configMap('old'));
    await client.patch(Resources.configmaps, 'port', 'old', 'merge', { data: { a: '1' } });
    await cp.store.compact(await cp.store.currentRevision());
    await assert.rejects(
      client.watch(Resources.configmaps, 'port', { resourceVersion: String(Number(first.metadata?.resourceVersion) - 1) }, () => {}),
      (err: unknown) => isGone(err),
    );
  });

  it('ends watches and fails calls once either side closes', async () => {
    const { port1, port2 } = new MessageChannel();
    const local = servePort(port1, cp.client);
    const other = new PortClient(port2);
    const handle = await other.watch(Resources.configmaps, 'port', {}, () => {});
    await local.close();
    await handle.done;
    other.close();
    await assert.rejects(other.get(Resources.configmaps, 'port', 'dup'), /port is closed/);
  });
});
