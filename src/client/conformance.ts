// One behaviour suite for every ApiClient transport (HTTPS and in-process): what
// controllers, the scheduler and informers rely on. Call runClientConformance from
// a transport's test file; setup runs once per suite and each test works in a
// namespace of its own.

import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { eventually } from '../testing/index.js';
import { realClock } from './clock.js';
import { Informer } from './informer.js';
import { Resources } from './resources.js';
import { isAlreadyExists, isConflict, isGone, isNotFound, type ApiClient, type WatchEvent } from './types.js';

export interface ClientUnderTest {
  readonly client: ApiClient;
  close(): Promise<void>;
  /** Compacts the datastore's history up to its current revision. */
  compact?(): Promise<void>;
}

async function rejects(promise: Promise<unknown>, predicate: (err: unknown) => boolean, what: string): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    assert.ok(predicate(err), `expected ${what}, got ${String(err)}`);
    return err;
  }
  return assert.fail(`expected ${what}, but the call succeeded`);
}

const configMap = (name: string, data: Record<string, string> = {}, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});

const deployment = (name: string, containers: Array<{ name: string; image: string }>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers } },
  },
});

const pod = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'main', image: 'busybox' }] },
});

const names = (items: readonly KubeObject[]): string[] => items.map((o) => o.metadata?.name ?? '').sort();
const dataOf = (obj: KubeObject): Record<string, string> => (obj.data ?? {}) as Record<string, string>;
const specOf = (obj: KubeObject): Record<string, unknown> => (obj.spec ?? {}) as Record<string, unknown>;

export function runClientConformance(name: string, setup: () => Promise<ClientUnderTest>): void {
  describe(`ApiClient conformance: ${name}`, () => {
    let subject: ClientUnderTest;
    let client: ApiClient;
    let namespaceCount = 0;

    before(async () => {
      subject = await setup();
      client = subject.client;
    });
    after(async () => {
      await subject?.close();
    });

    /** A fresh namespace for one test, so tests never see each other's objects. */
    async function namespace(): Promise<string> {
      const ns = `conformance-${++namespaceCount}-${Math.random().toString(36).slice(2, 7)}`;
      await client.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      return ns;
    }

    it('creates, gets and lists with label selectors, field selectors and paging', async () => {
      const ns = await namespace();
      for (let i = 0; i < 5; i++) await client.create(Resources.configmaps, ns, configMap(`cm-${i}`, { i: String(i) }, { tier: i < 2 ? 'front' : 'back' }));
      const got = await client.get(Resources.configmaps, ns, 'cm-3');
      assert.deepEqual(dataOf(got), { i: '3' });
      assert.equal(got.metadata?.namespace, ns);
      assert.ok(got.metadata?.uid && got.metadata.resourceVersion);

      assert.deepEqual(names((await client.list(Resources.configmaps, ns, { labelSelector: 'tier=front' })).items), ['cm-0', 'cm-1']);
      assert.deepEqual(names((await client.list(Resources.configmaps, ns, { labelSelector: 'tier in (back),tier!=front' })).items), ['cm-2', 'cm-3', 'cm-4']);
      assert.deepEqual(names((await client.list(Resources.configmaps, ns, { fieldSelector: 'metadata.name=cm-4' })).items), ['cm-4']);

      const pages: string[][] = [];
      let token: string | undefined;
      do {
        const page = await client.list(Resources.configmaps, ns, { limit: 2, ...(token ? { continue: token } : {}) });
        pages.push(names(page.items));
        token = page.metadata.continue || undefined;
      } while (token);
      assert.deepEqual(pages, [['cm-0', 'cm-1'], ['cm-2', 'cm-3'], ['cm-4']]);

      // Namespace '' lists across namespaces; cluster-scoped kinds need no namespace.
      const everywhere = await client.list(Resources.configmaps, '', { labelSelector: 'tier=front' });
      assert.ok(everywhere.items.filter((o) => o.metadata?.namespace === ns).length === 2);
      assert.equal((await client.get(Resources.namespaces, '', ns)).metadata?.name, ns);
    });

    it('answers AlreadyExists for a taken name and NotFound for a missing object', async () => {
      const ns = await namespace();
      await client.create(Resources.configmaps, ns, configMap('taken'));
      await rejects(client.create(Resources.configmaps, ns, configMap('taken')), isAlreadyExists, 'AlreadyExists');
      await rejects(client.get(Resources.configmaps, ns, 'missing'), isNotFound, 'NotFound');
      await rejects(client.delete(Resources.configmaps, ns, 'missing'), isNotFound, 'NotFound');
      await rejects(client.patch(Resources.configmaps, ns, 'missing', 'merge', { data: { a: 'b' } }), isNotFound, 'NotFound');
    });

    it('rejects an update with a stale resourceVersion as Conflict and keeps the newer write', async () => {
      const ns = await namespace();
      const created = await client.create(Resources.configmaps, ns, configMap('cas', { v: '1' }));
      const first = structuredClone(created);
      first.data = { v: '2' };
      const updated = await client.update(Resources.configmaps, ns, first);
      assert.notEqual(updated.metadata?.resourceVersion, created.metadata?.resourceVersion);
      const stale = structuredClone(created);
      stale.data = { v: '3' };
      await rejects(client.update(Resources.configmaps, ns, stale), isConflict, 'Conflict');
      assert.deepEqual(dataOf(await client.get(Resources.configmaps, ns, 'cas')), { v: '2' });
    });

    it('applies JSON, merge, strategic merge and server-side apply patches', async () => {
      const ns = await namespace();
      await client.create(Resources.configmaps, ns, configMap('p', { a: '1', b: '2' }));
      const jsonPatched = await client.patch(Resources.configmaps, ns, 'p', 'json', [
        { op: 'replace', path: '/data/a', value: 'one' },
        { op: 'remove', path: '/data/b' },
      ]);
      assert.deepEqual(dataOf(jsonPatched), { a: 'one' });
      const merged = await client.patch(Resources.configmaps, ns, 'p', 'merge', { data: { c: '3' }, metadata: { labels: { merged: 'yes' } } });
      assert.deepEqual(dataOf(merged), { a: 'one', c: '3' });
      assert.equal(merged.metadata?.labels?.merged, 'yes');

      // Strategic merge merges containers by name where a merge patch would replace the list.
      await client.create(Resources.deployments, ns, deployment('web', [{ name: 'app', image: 'app:1' }]));
      const strategic = await client.patch(Resources.deployments, ns, 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'sidecar:1' }] } } } });
      const containers = ((specOf(strategic).template as { spec: { containers: Array<{ name: string; image: string }> } }).spec.containers).map((c) => `${c.name}=${c.image}`).sort();
      assert.deepEqual(containers, ['app=app:1', 'sidecar=sidecar:1']);

      // Server-side apply: creates when missing, records its manager, conflicts without force.
      const applied = await client.patch(Resources.configmaps, ns, 'applied', 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { owner: 'first' } }, { fieldManager: 'first-manager' });
      assert.deepEqual(dataOf(applied), { owner: 'first' });
      assert.ok(
        applied.metadata?.managedFields?.some((f) => f.manager === 'first-manager' && f.operation === 'Apply'),
        `managedFields: ${JSON.stringify(applied.metadata?.managedFields)}`,
      );
      const rival = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { owner: 'second' } };
      await rejects(client.patch(Resources.configmaps, ns, 'applied', 'apply', rival, { fieldManager: 'second-manager' }), isConflict, 'an apply Conflict');
      const forced = await client.patch(Resources.configmaps, ns, 'applied', 'apply', rival, { fieldManager: 'second-manager', force: true });
      assert.deepEqual(dataOf(forced), { owner: 'second' });
    });

    it('ignores spec in a status update and status in a main-resource update', async () => {
      const ns = await namespace();
      const created = await client.create(Resources.deployments, ns, deployment('s', [{ name: 'app', image: 'app:1' }]));
      const statusWrite = structuredClone(created);
      statusWrite.spec = { ...specOf(created), replicas: 7 };
      statusWrite.status = { observedGeneration: 1, replicas: 0 };
      const afterStatus = await client.update(Resources.deployments, ns, statusWrite, { subresource: 'status' });
      assert.equal(specOf(afterStatus).replicas, 1);
      assert.equal((afterStatus.status as { observedGeneration?: number }).observedGeneration, 1);

      const specWrite = structuredClone(afterStatus);
      specWrite.spec = { ...specOf(afterStatus), replicas: 3 };
      specWrite.status = { observedGeneration: 99 };
      const afterSpec = await client.update(Resources.deployments, ns, specWrite);
      assert.equal(specOf(afterSpec).replicas, 3);
      assert.equal((afterSpec.status as { observedGeneration?: number }).observedGeneration, 1);
    });

    it('deletes honouring preconditions and propagationPolicy', async () => {
      const ns = await namespace();
      const created = await client.create(Resources.configmaps, ns, configMap('d'));
      await rejects(client.delete(Resources.configmaps, ns, 'd', { preconditions: { uid: 'not-the-uid' } }), isConflict, 'a uid precondition Conflict');
      await rejects(client.delete(Resources.configmaps, ns, 'd', { preconditions: { resourceVersion: '1' } }), isConflict, 'a resourceVersion precondition Conflict');
      await client.delete(Resources.configmaps, ns, 'd', { preconditions: { uid: created.metadata?.uid ?? '', resourceVersion: created.metadata?.resourceVersion ?? '' } });
      await rejects(client.get(Resources.configmaps, ns, 'd'), isNotFound, 'NotFound after delete');

      // Foreground deletion leaves the object marked until the garbage collector finishes.
      await client.create(Resources.deployments, ns, deployment('fg', [{ name: 'app', image: 'app:1' }]));
      const marked = await client.delete(Resources.deployments, ns, 'fg', { propagationPolicy: 'Foreground' });
      assert.ok(marked.metadata?.deletionTimestamp, 'foreground delete sets deletionTimestamp');
      assert.ok(marked.metadata?.finalizers?.includes('foregroundDeletion'), `finalizers: ${JSON.stringify(marked.metadata?.finalizers)}`);
      await eventually(() => rejects(client.get(Resources.deployments, ns, 'fg'), isNotFound, 'NotFound once the collector finished'), { timeoutMs: 10_000 });
    });

    it('watches from a resourceVersion and sees ADDED, MODIFIED and DELETED in order', async () => {
      const ns = await namespace();
      const start = (await client.list(Resources.configmaps, ns)).metadata.resourceVersion ?? '';
      const seen: Array<WatchEvent<KubeObject>> = [];
      const handle = await client.watch(Resources.configmaps, ns, { resourceVersion: start }, (event) => seen.push(event));
      try {
        const created = await client.create(Resources.configmaps, ns, configMap('w', { v: '1' }));
        const changed = structuredClone(created);
        changed.data = { v: '2' };
        await client.update(Resources.configmaps, ns, changed);
        await client.delete(Resources.configmaps, ns, 'w');
        await eventually(() => assert.deepEqual(seen.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata?.name} ${dataOf(e.object).v}`), ['ADDED w 1', 'MODIFIED w 2', 'DELETED w 2']));
        const revisions = seen.map((e) => Number(e.object.metadata?.resourceVersion));
        assert.deepEqual([...revisions].sort((a, b) => a - b), revisions, 'revisions increase');
      } finally {
        handle.close();
      }
      await handle.done;
    });

    it('rejects a watch from a compacted resourceVersion with 410 Gone', async (t: TestContext) => {
      if (!subject.compact) return t.skip('the transport under test cannot compact');
      const ns = await namespace();
      const first = await client.create(Resources.configmaps, ns, configMap('old'));
      const firstRevision = first.metadata?.resourceVersion ?? '';
      await client.create(Resources.configmaps, ns, configMap('newer'));
      await client.create(Resources.configmaps, ns, configMap('newest'));
      await subject.compact();
      await rejects(
        client.watch(Resources.configmaps, ns, { resourceVersion: firstRevision }, () => {}).then((handle) => {
          handle.close();
          return handle.done;
        }),
        isGone,
        '410 Gone',
      );
    });

    it('binds a pod through pods/binding', async () => {
      const ns = await namespace();
      await client.create(Resources.pods, ns, pod('to-bind'));
      const before = await client.get(Resources.pods, ns, 'to-bind');
      await client.createSubresource(Resources.pods, ns, 'to-bind', 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'to-bind' },
        target: { apiVersion: 'v1', kind: 'Node', name: 'node-a' },
      });
      const bound = await client.get(Resources.pods, ns, 'to-bind');
      assert.equal(specOf(bound).nodeName, 'node-a');
      assert.ok(Number(bound.metadata?.resourceVersion) > Number(before.metadata?.resourceVersion));
      const conditions = (bound.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
      assert.deepEqual(conditions.filter((c) => c.type === 'PodScheduled').map((c) => c.status), ['True']);
      // The version read before is left as it was (in-process reads share stored objects).
      assert.equal(specOf(before).nodeName, undefined);
      assert.deepEqual(bound.metadata?.managedFields, before.metadata?.managedFields);
    });

    it('lets an informer re-list after 410 and reflect the deletes it missed', async (t: TestContext) => {
      if (!subject.compact) return t.skip('the transport under test cannot compact');
      const ns = await namespace();
      await client.create(Resources.configmaps, ns, configMap('kept'));
      await client.create(Resources.configmaps, ns, configMap('doomed'));
      const errors: unknown[] = [];
      // Counts expired watches, so the test cannot pass without the 410 path.
      let expiredWatches = 0;
      const counting: ApiClient = Object.create(client, {
        watch: {
          value: async (...args: Parameters<ApiClient['watch']>) => {
            const [type, namespace, options, onEvent] = args;
            try {
              return await client.watch(type, namespace, options, (event) => {
                if (event.type === 'ERROR' && (event.object as { code?: unknown }).code === 410) expiredWatches++;
                onEvent(event);
              });
            } catch (err) {
              if (isGone(err)) expiredWatches++;
              throw err;
            }
          },
        },
      }) as ApiClient;
      const informer = new Informer(counting, Resources.configmaps, { namespace: ns }, realClock, (err) => errors.push(err));
      const deleted: string[] = [];
      const added: string[] = [];
      informer.addHandlers({ add: (o) => added.push(o.metadata?.name ?? ''), delete: (o) => deleted.push(o.metadata?.name ?? '') });
      try {
        informer.start();
        await informer.synced;
        assert.deepEqual(names(informer.list()), ['doomed', 'kept']);
        // While it is stopped, the world changes and the history it would resume from is compacted.
        await informer.stop();
        await client.delete(Resources.configmaps, ns, 'doomed');
        await client.create(Resources.configmaps, ns, configMap('born'));
        await subject.compact();
        informer.start();
        await eventually(() => {
          assert.deepEqual(names(informer.list()), ['born', 'kept']);
          assert.deepEqual(deleted, ['doomed']);
        });
        assert.equal(expiredWatches, 1, 'the resumed watch expired');
        assert.deepEqual(added.sort(), ['born', 'doomed', 'kept']);
        assert.equal(informer.get(ns, 'doomed'), undefined);
        // After the re-list it watches again: later changes still arrive.
        await client.delete(Resources.configmaps, ns, 'kept');
        await eventually(() => assert.deepEqual(names(informer.list()), ['born']));
        assert.deepEqual(errors, []);
      } finally {
        await informer.stop();
      }
    });
  });
}
