// @kubernetes/client-node against skiff server: CRUD through the typed API, and an
// informer that keeps a correct cache across a 410 Gone (compacted resourceVersion)
// by re-listing. The server runs with short watch timeouts and compaction so the
// informer's watch restarts from a revision that no longer exists.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from 'kubernetes-client-node-1';
import { checkLeaksAfterAll, startCluster, type TestCluster } from '../src/testing/index.js';
import { DATASTORES, type Datastore } from './support/datastores.js';

checkLeaksAfterAll({ graceMs: 5000 });

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const datastore of DATASTORES) clientNodeSuite(datastore);

function clientNodeSuite(datastore: Datastore): void {
  describe(`@kubernetes/client-node (${datastore.name})`, { skip: datastore.skip }, () => {
    let cluster: TestCluster;
    let backing: { url?: string; stop(): Promise<void> } | undefined;
    let core: k8s.CoreV1Api;
    let kc: k8s.KubeConfig;

    before(async () => {
      backing = await datastore.start();
      cluster = await startCluster({
        ...(backing.url ? { datastore: backing.url } : {}),
        extraArgs: ['--compaction-interval', '1', '--watch-cache-window', '1', '--min-request-timeout', '1'],
      });
      kc = new k8s.KubeConfig();
      kc.loadFromFile(cluster.kubeconfig);
      core = kc.makeApiClient(k8s.CoreV1Api);
    });

    after(async () => {
      await cluster?.stop();
      await backing?.stop();
    });

    it('creates, reads, lists and deletes through the typed client', async () => {
      await core.createNamespace({ body: { metadata: { name: 'client' } } });
      const created = await core.createNamespacedConfigMap({ namespace: 'client', body: { metadata: { name: 'one', labels: { app: 'x' } }, data: { k: 'v' } } });
      assert.match(created.metadata?.resourceVersion ?? '', /^\d+$/);
      const read = await core.readNamespacedConfigMap({ name: 'one', namespace: 'client' });
      assert.equal(read.data?.k, 'v');
      const listed = await core.listNamespacedConfigMap({ namespace: 'client', labelSelector: 'app=x' });
      assert.deepEqual(listed.items.map((c) => c.metadata?.name), ['one']);
      await assert.rejects(core.readNamespacedConfigMap({ name: 'missing', namespace: 'client' }), (err: { code?: number }) => err.code === 404);
      await core.deleteNamespacedConfigMap({ name: 'one', namespace: 'client' });
    });

    it('keeps an informer cache correct across a 410 by re-listing', async () => {
      await core.createNamespace({ body: { metadata: { name: 'inf' } } });
      let lists = 0;
      const informer = k8s.makeInformer(kc, '/api/v1/namespaces/inf/configmaps', () => {
        lists++;
        return core.listNamespacedConfigMap({ namespace: 'inf' });
      });
      let stopped = false;
      const restarts = new Set<NodeJS.Timeout>();
      informer.on('error', () => {
        // client-node stops on errors other than 410; restart as applications do.
        if (stopped) return;
        const timer = setTimeout(() => {
          restarts.delete(timer);
          if (!stopped) void informer.start().catch(() => {});
        }, 200);
        restarts.add(timer);
      });
      await informer.start();
      try {
        await core.createNamespacedConfigMap({ namespace: 'inf', body: { metadata: { name: 'before' } } });
        await until('the informer sees the first object', () => informer.list('inf').some((c) => c.metadata?.name === 'before'));
        const listsBefore = lists;
        // Writes elsewhere move the revision on while the informer's stays put; compaction
        // (every second) then passes it, and the next watch restart gets 410 Gone.
        await until('the informer re-lists after 410', async () => {
          await core.createNamespacedConfigMap({ namespace: 'client', body: { metadata: { generateName: 'noise-' } } });
          return lists > listsBefore;
        }, 30_000);
        await core.createNamespacedConfigMap({ namespace: 'inf', body: { metadata: { name: 'after' } } });
        await core.deleteNamespacedConfigMap({ name: 'before', namespace: 'inf' });
        await until('the informer cache matches the server', async () => {
          const server = (await core.listNamespacedConfigMap({ namespace: 'inf' })).items.map((c) => c.metadata?.name).sort();
          const cached = informer.list('inf').map((c) => c.metadata?.name).sort();
          return JSON.stringify(server) === JSON.stringify(cached) && cached.includes('after');
        });
      } finally {
        stopped = true;
        for (const timer of restarts) clearTimeout(timer);
        await informer.stop();
      }
    });
  });
}
