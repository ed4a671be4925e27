import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BUILTIN_RESOURCES, type ResourceInfo } from '../../api/resources.js';
import { openMemoryStore, type Store } from '../../storage/index.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { GenericStore, type RequestContext } from '../registry/generic-store.js';
import type { Strategy } from '../registry/strategy.js';
import { StatusError } from '../status.js';
import type { TablePrinter } from '../table.js';
import { CrdController, crdOpenAPISchemas } from './controller.js';
import type { CustomResourceStrategy } from './cr-strategy.js';
import { CRD_CLEANUP_FINALIZER, type CustomResourceDefinition } from './types.js';
import { customResourceDefinitionStrategy } from './validation.js';

checkLeaksAfterAll();

const CRD_INFO = BUILTIN_RESOURCES.find((r) => r.plural === 'customresourcedefinitions')!;

/** The part of ApiServer the controller uses, over real GenericStores. */
class FakeApi {
  readonly stores = new Map<string, GenericStore>();
  readonly printers = new Map<string, TablePrinter>();
  readonly calls: string[] = [];
  constructor(private readonly store: Store) {
    this.serve(CRD_INFO, customResourceDefinitionStrategy());
    this.calls.length = 0;
  }
  serve(info: ResourceInfo, strategy: Strategy = {}, printer?: TablePrinter): GenericStore {
    const s = new GenericStore(info, strategy, this.store);
    this.stores.set(`${info.group}/${info.version}/${info.plural}`, s);
    if (printer) this.printers.set(`${info.group}/${info.version}/${info.plural}`, printer);
    this.calls.push(`serve ${info.group}/${info.version}/${info.plural}`);
    return s;
  }
  unserve(group: string, version: string, plural: string): void {
    if (this.stores.delete(`${group}/${version}/${plural}`)) this.calls.push(`unserve ${group}/${version}/${plural}`);
  }
  storeFor(group: string, version: string, plural: string): GenericStore | undefined {
    return this.stores.get(`${group}/${version}/${plural}`);
  }
  systemContext(namespace: string): RequestContext {
    return { namespace, user: { name: 'system:apiserver', groups: ['system:masters'] }, dryRun: false, now: new Date() };
  }
}

async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function cronTabCrd(overrides: Partial<{ name: string; plural: string; kind: string; group: string }> = {}): CustomResourceDefinition {
  const group = overrides.group ?? 'stable.example.com';
  const plural = overrides.plural ?? 'crontabs';
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: overrides.name ?? `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural, singular: plural.replace(/s$/, ''), kind: overrides.kind ?? 'CronTab', shortNames: ['ct'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
          additionalPrinterColumns: [{ name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' }],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['cronSpec'],
                  properties: {
                    cronSpec: { type: 'string' },
                    replicas: { type: 'integer', minimum: 0, default: 1 },
                    color: { type: 'string', enum: ['red', 'blue'] },
                  },
                },
                status: { type: 'object', properties: { replicas: { type: 'integer' } } },
              },
            },
          },
        },
        {
          name: 'v1beta1',
          served: true,
          storage: false,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}

describe('CrdController', () => {
  let store: Store;
  let api: FakeApi;
  let controller: CrdController;
  const errors: unknown[] = [];
  const ctx = (namespace = '') => api.systemContext(namespace);
  const crds = () => api.storeFor('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;

  before(async () => {
    store = await openMemoryStore();
    api = new FakeApi(store);
    controller = new CrdController({ store, api, onError: (err) => errors.push(err), deletionPollMs: 10 });
    await controller.start();
  });

  after(async () => {
    await controller.dispose();
    await store.close();
    assert.deepEqual(errors, []);
  });

  it('accepts names, serves every served version and sets Established', async () => {
    await crds().create(cronTabCrd(), ctx());
    const established = await eventually(async () => {
      const crd = (await crds().get('', 'crontabs.stable.example.com')) as CustomResourceDefinition;
      return crd.status?.conditions?.find((c) => c.type === 'Established' && c.status === 'True') ? crd : undefined;
    }, 'Established');
    assert.deepEqual(established.status!.acceptedNames, { plural: 'crontabs', singular: 'crontab', shortNames: ['ct'], kind: 'CronTab', listKind: 'CronTabList' });
    assert.deepEqual(
      established.status!.conditions!.map((c) => [c.type, c.status, c.reason, c.message]),
      [
        ['NamesAccepted', 'True', 'NoConflicts', 'no conflicts found'],
        ['Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted'],
      ],
    );
    assert.deepEqual(established.status!.storedVersions, ['v1']);
    assert.equal(established.metadata!.finalizers, undefined);
    const v1 = api.storeFor('stable.example.com', 'v1', 'crontabs')!;
    assert.ok(v1);
    assert.deepEqual(
      { ...v1.info },
      {
        group: 'stable.example.com',
        version: 'v1',
        kind: 'CronTab',
        plural: 'crontabs',
        singular: 'crontab',
        namespaced: true,
        shortNames: ['ct'],
        categories: [],
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        subresources: ['scale', 'status'],
        hasStatus: true,
        scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
      },
    );
    assert.ok(api.storeFor('stable.example.com', 'v1beta1', 'crontabs'));
    await controller.idle();
    // Status writes by the controller itself cause no further serving.
    assert.deepEqual(api.calls, ['serve stable.example.com/v1/crontabs', 'serve stable.example.com/v1beta1/crontabs']);
  });

  it('serves custom resources with defaults, pruning, validation and the status subresource', async () => {
    const v1 = api.storeFor('stable.example.com', 'v1', 'crontabs')!;
    const created = await v1.create(
      { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'c1' }, spec: { cronSpec: '* * * * *', bogus: 1 }, status: { replicas: 9 } },
      ctx('default'),
    );
    assert.deepEqual(created.spec, { cronSpec: '* * * * *', replicas: 1 });
    assert.equal(created.status, undefined);
    assert.equal(created.metadata!.generation, 1);
    assert.deepEqual((v1.strategy as CustomResourceStrategy).unknownFields({ spec: { cronSpec: 'x', bogus: 1 }, status: { x: 1 } }), ['spec.bogus', 'status.x']);

    await assert.rejects(
      v1.create({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'bad' }, spec: { replicas: 'two', color: 'pink' } }, ctx('default')),
      (err: unknown) => {
        assert.ok(err instanceof StatusError);
        assert.equal(err.code, 422);
        assert.equal(
          err.message,
          'CronTab.stable.example.com "bad" is invalid: [spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string", spec.color: Unsupported value: "pink": supported values: "red", "blue", spec.cronSpec: Required value, .spec.replicas: Invalid value: 0: .spec.replicas accessor error: two is of the type string, expected int64]',
        );
        return true;
      },
    );

    // Status goes through the status subresource only; spec changes bump the generation.
    const { object: withStatus } = await v1.update('default', 'c1', (cur) => ({ ...cur!, status: { replicas: 2, junk: true } }), ctx('default'), { subresource: 'status' });
    assert.deepEqual(withStatus.status, { replicas: 2 });
    assert.equal(withStatus.metadata!.generation, 1);
    const { object: updated } = await v1.update('default', 'c1', (cur) => ({ ...cur!, spec: { ...(cur!.spec as object), replicas: 3 }, status: {} }), ctx('default'));
    assert.deepEqual(updated.status, { replicas: 2 });
    assert.equal(updated.metadata!.generation, 2);
    await assert.rejects(
      v1.update('default', 'c1', (cur) => ({ ...cur!, spec: { ...(cur!.spec as object), replicas: -1 } }), ctx('default')),
      /spec\.replicas: Invalid value: -1: spec\.replicas in body should be greater than or equal to 0/,
    );

    // Reading through another version changes apiVersion only.
    const beta = api.storeFor('stable.example.com', 'v1beta1', 'crontabs')!;
    const read = await beta.get('default', 'c1');
    assert.equal(read.apiVersion, 'stable.example.com/v1beta1');
    assert.deepEqual(read.spec, updated.spec);
    assert.deepEqual((v1.strategy as CustomResourceStrategy).transformRead(read), { ...read, apiVersion: 'stable.example.com/v1' });

    const printer = api.printers.get('stable.example.com/v1/crontabs')!;
    assert.deepEqual(printer.row(updated, new Date()), ['c1', 3]);
  });

  it('refuses names another CRD of the group has', async () => {
    await crds().create(cronTabCrd({ plural: 'crontabz', kind: 'CronTab' }), ctx());
    const crd = await eventually(async () => {
      const c = (await crds().get('', 'crontabz.stable.example.com')) as CustomResourceDefinition;
      return c.status?.conditions?.length ? c : undefined;
    }, 'conditions');
    const names = crd.status!.conditions!.find((c) => c.type === 'NamesAccepted')!;
    // Upstream checks kind, then listKind: the last conflict names the condition.
    assert.deepEqual([names.status, names.reason], ['False', 'ListKindConflict']);
    assert.equal(names.message, '"CronTabList" is already in use');
    const established = crd.status!.conditions!.find((c) => c.type === 'Established')!;
    assert.deepEqual([established.status, established.reason, established.message], ['False', 'NotAccepted', 'not all names are accepted']);
    assert.equal(api.storeFor('stable.example.com', 'v1', 'crontabz'), undefined);
    await controller.idle();
  });

  it('deletes the custom resources of a deleted CRD, then the CRD, and stops serving it', async () => {
    const v1 = api.storeFor('stable.example.com', 'v1', 'crontabs')!;
    await v1.create({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'c2', namespace: 'other' }, spec: { cronSpec: 'x' } }, ctx('other'));
    const { object, deleted } = await crds().delete('', 'crontabs.stable.example.com', {}, ctx());
    assert.equal(deleted, false);
    assert.deepEqual(object.metadata!.finalizers, [CRD_CLEANUP_FINALIZER]);
    assert.ok(object.metadata!.deletionTimestamp);
    await eventually(async () => {
      try {
        await crds().get('', 'crontabs.stable.example.com');
        return undefined;
      } catch (err) {
        return err instanceof StatusError && err.code === 404;
      }
    }, 'the CRD to go');
    assert.equal((await store.list('/registry/stable.example.com/crontabs/')).items.length, 0);
    await eventually(() => api.storeFor('stable.example.com', 'v1', 'crontabs') === undefined || undefined, 'unserve');
    assert.equal(api.storeFor('stable.example.com', 'v1beta1', 'crontabs'), undefined);

    // The other CRD's names are free now.
    const crd = await eventually(async () => {
      const c = (await crds().get('', 'crontabz.stable.example.com')) as CustomResourceDefinition;
      return c.status?.conditions?.find((x) => x.type === 'Established' && x.status === 'True') ? c : undefined;
    }, 'the second CRD to be established');
    assert.equal(crd.status!.acceptedNames!.kind, 'CronTab');
    await controller.idle();
  });

  it('refuses creates while a CRD is terminating', async () => {
    const crd = cronTabCrd({ plural: 'widgets', kind: 'Widget', group: 'w.example.com' });
    await crds().create(crd, ctx());
    const v1 = await eventually(() => api.storeFor('w.example.com', 'v1', 'widgets'), 'widgets served');
    await controller.idle();
    await v1.create({ apiVersion: 'w.example.com/v1', kind: 'Widget', metadata: { name: 'w1', finalizers: ['example.com/hold'] }, spec: { cronSpec: 'x' } }, ctx('default'));
    await crds().delete('', 'widgets.w.example.com', {}, ctx());
    await eventually(async () => {
      const c = (await crds().get('', 'widgets.w.example.com')) as CustomResourceDefinition;
      return c.status?.conditions?.find((x) => x.type === 'Terminating' && x.reason === 'InstanceDeletionInProgress');
    }, 'Terminating');
    await assert.rejects(
      v1.create({ apiVersion: 'w.example.com/v1', kind: 'Widget', metadata: { name: 'w2' }, spec: { cronSpec: 'x' } }, ctx('default')),
      (err: unknown) => err instanceof StatusError && err.code === 405 && err.status.message === 'create not allowed while custom resource definition is terminating',
    );
    // Releasing the custom resource's own finalizer lets the CRD go.
    await v1.update('default', 'w1', (cur) => ({ ...cur!, metadata: { ...cur!.metadata, finalizers: [] } }), ctx('default'));
    await eventually(async () => {
      try {
        await crds().get('', 'widgets.w.example.com');
        return undefined;
      } catch (err) {
        return err instanceof StatusError && err.code === 404;
      }
    }, 'the widgets CRD to go');
    await controller.idle();
  });

  it('publishes OpenAPI definitions of the served versions', () => {
    const crd = cronTabCrd();
    const [v1, beta] = crdOpenAPISchemas(crd);
    assert.equal(v1!.name, 'com.example.stable.v1.CronTab');
    assert.equal(v1!.listName, 'com.example.stable.v1.CronTabList');
    const schema = v1!.schemas[v1!.name] as { properties: Record<string, unknown>; 'x-kubernetes-group-version-kind': unknown };
    assert.deepEqual(Object.keys(schema.properties).sort(), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    assert.deepEqual(schema.properties.metadata, {
      $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    });
    assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: 'stable.example.com', kind: 'CronTab', version: 'v1' }]);
    assert.equal(beta!.name, 'com.example.stable.v1beta1.CronTab');
  });
});

