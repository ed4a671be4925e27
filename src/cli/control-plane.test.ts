// Two API servers on one datastore, each with the control-plane components of
// `skiff server`: the garbage collector and the namespace controller run in the
// controller manager, so only the server holding its Lease acts; the other takes over
// when the leader stops.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { ApiServer, ensurePki } from '../apiserver/index.js';
import { isNotFound, Resources, type ApiClient } from '../client/index.js';
import type { NamedControllerFactory } from '../controllers/index.js';
import { openDatastore, type Store } from '../storage/index.js';
import { checkLeaksAfterAll, eventually } from '../testing/index.js';
import { builtinControllers } from './components.js';
import { ControlPlaneComponents } from './control-plane.js';

checkLeaksAfterAll();

const DELETION_CONTROLLERS = ['garbage-collector-controller', 'namespace-controller'];

interface Member {
  readonly api: ApiServer;
  readonly client: ApiClient;
  /** Controllers this server's controller manager built, by name. */
  readonly built: string[];
  components: ControlPlaneComponents | undefined;
}

describe('garbage collector and namespace controller behind the controller manager Lease', () => {
  let dir: string;
  let store: Store;
  const members: Member[] = [];
  const errors: unknown[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-cp-election-'));
    const pki = await ensurePki(join(dir, 'tls'));
    store = await openDatastore('memory://', { compactionIntervalMs: 0 });
    for (let i = 0; i < 2; i++) {
      const api = new ApiServer({ store, pki, port: 0, host: '127.0.0.1', disableAdmissionPlugins: ['ServiceAccount'], onError: (err) => errors.push(err) });
      await api.start();
      members.push({ api, client: api.loopbackClient(), built: [], components: undefined });
    }
  });

  after(async () => {
    for (const m of members) {
      await m.components?.stop();
      await m.api.close();
    }
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The deletion controllers exactly as `skiff server` configures them, counting what each server builds. */
  const controllersOf = (member: Member): NamedControllerFactory[] =>
    builtinControllers({ caPem: '', caKeyPem: '', nodeMonitorGracePeriodMs: 40_000, clusterCIDR: '10.244.0.0/16', registry: { store, access: member.api.resourceAccess() } })
      .filter((c) => DELETION_CONTROLLERS.includes(c.name))
      .map((c) => ({
        name: c.name,
        factory: (ctx) => {
          member.built.push(c.name);
          return c.factory(ctx);
        },
      }));

  const configMap = (name: string, owner?: KubeObject): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...(owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata!.name!, uid: owner.metadata!.uid! }] } : {}) },
  });
  const gone = async (get: () => Promise<unknown>) => {
    await assert.rejects(get(), (err) => isNotFound(err));
  };
  /** An owner deleted in the background takes its dependent with it. */
  const collects = async (client: ApiClient, name: string) => {
    const owner = await client.create(Resources.configmaps, 'default', configMap(`${name}-owner`));
    await client.create(Resources.configmaps, 'default', configMap(`${name}-dependent`, owner));
    await client.delete(Resources.configmaps, 'default', `${name}-owner`);
    await eventually(() => gone(() => client.get(Resources.configmaps, 'default', `${name}-dependent`)), { timeoutMs: 10_000, intervalMs: 50 });
  };

  it('leaves namespaces Terminating while no controller manager runs', async () => {
    const client = members[0]!.client;
    await client.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    await client.create(Resources.configmaps, 'doomed', configMap('content'));
    await client.delete(Resources.namespaces, '', 'doomed');
    const ns = await client.get(Resources.namespaces, '', 'doomed');
    assert.equal((ns.status as { phase?: string } | undefined)?.phase, 'Terminating');
    // The API servers themselves run neither controller.
    assert.deepEqual(members.map((m) => m.built), [[], []]);
  });

  it('runs them in the leader only, which empties the namespace and collects garbage', async () => {
    for (const member of members) {
      member.components = new ControlPlaneComponents(member.api, { controllers: controllersOf(member), onError: (err) => errors.push(err), log: () => {} });
    }
    await eventually(() => assert.equal(members.filter((m) => m.built.length > 0).length, 1), { timeoutMs: 10_000, intervalMs: 20 });
    const leader = members.find((m) => m.built.length > 0)!;
    assert.deepEqual([...leader.built].sort(), DELETION_CONTROLLERS);
    await eventually(() => gone(() => leader.client.get(Resources.namespaces, '', 'doomed')), { timeoutMs: 10_000, intervalMs: 50 });
    await collects(members[0]!.client, 'first');
    assert.equal(members.filter((m) => m.built.length > 0).length, 1, 'the standby never ran them');
  });

  it('moves them to the other server when the leader stops', async () => {
    const leader = members.find((m) => m.built.length > 0)!;
    const standby = members.find((m) => m !== leader)!;
    await leader.components!.stop();
    leader.components = undefined;
    await eventually(() => assert.deepEqual([...standby.built].sort(), DELETION_CONTROLLERS), { timeoutMs: 15_000, intervalMs: 50 });
    await collects(standby.client, 'second');
    assert.deepEqual(errors, []);
  });
});
