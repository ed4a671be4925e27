// Strategic merge patch on real Kubernetes objects, in the shapes kubectl
// sends them: `kubectl patch` (strategic is its default type), `kubectl edit`
// (a two-way patch from the object as fetched to the object as edited) and
// client-side `kubectl apply` (a three-way patch from the last-applied
// configuration, the new configuration and the live object).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { requireKeyUnchanged, requireMetadataKeyUnchanged } from './preconditions.js';
import type { PatchResult } from './result.js';
import { EMPTY_PATCH_SCHEMA, type PatchSchema } from './schema.js';
import { applyStrategicMergePatch, createThreeWayMergePatch, createTwoWayMergePatch, mergingMapsHaveConflicts } from './strategic.js';
import { DEPLOYMENT_SCHEMA, NODE_SCHEMA, POD_SCHEMA, SERVICE_SCHEMA } from './test-fixtures.js';

function deployment(): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      labels: { app: 'web', tier: 'frontend' },
      annotations: { 'deployment.kubernetes.io/revision': '3' },
      finalizers: ['example.com/protect'],
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.24',
              ports: [
                { containerPort: 80, protocol: 'TCP' },
                { containerPort: 443, protocol: 'TCP' },
              ],
              env: [
                { name: 'MODE', value: 'prod' },
                { name: 'LOG_LEVEL', value: 'info' },
              ],
              volumeMounts: [
                { name: 'config', mountPath: '/etc/nginx/conf.d' },
                { name: 'cache', mountPath: '/var/cache/nginx' },
              ],
              resources: { limits: { cpu: '500m', memory: '256Mi' } },
            },
            { name: 'sidecar', image: 'busybox:1.36', args: ['sleep', 'infinity'] },
          ],
          volumes: [
            { name: 'config', configMap: { name: 'web-config' } },
            { name: 'cache', emptyDir: {} },
          ],
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
        },
      },
    },
  };
}

function value<T>(result: PatchResult<T>): T {
  assert.ok(result.ok, result.ok ? '' : `${result.message} (${result.status.code})`);
  return result.value;
}

function patched(doc: JsonObject, patch: JsonValue, schema: PatchSchema = DEPLOYMENT_SCHEMA): JsonObject {
  return value(applyStrategicMergePatch(doc, patch, schema));
}

/** Follows object keys and, for lists, the item whose `name` matches. */
function at(doc: JsonValue, ...path: string[]): JsonValue {
  let current: JsonValue = doc;
  for (const step of path) {
    if (Array.isArray(current)) current = current.find((item) => isJsonObject(item) && item['name'] === step) ?? null;
    else if (isJsonObject(current)) current = current[step] ?? null;
    else return null;
  }
  return current;
}

const podSpec = ['spec', 'template', 'spec'];
const web = [...podSpec, 'containers', 'web'];

describe('kubectl patch --type=strategic on a Deployment', () => {
  it('changes one container image and leaves the rest of the pod template alone', () => {
    const before = deployment();
    const after = patched(before, { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } } } });
    assert.equal(at(after, ...web, 'image'), 'nginx:1.25');
    const expected = deployment();
    (at(expected, ...web) as JsonObject)['image'] = 'nginx:1.25';
    assert.deepEqual(after, expected);
    assert.deepEqual(before, deployment(), 'the input is not mutated');
  });

  it('merges env by name: adds, changes in place, deletes with $patch: delete', () => {
    const after = patched(deployment(), {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'web',
                env: [
                  { name: 'LOG_LEVEL', value: 'debug' },
                  { name: 'FEATURE_X', value: 'on' },
                  { name: 'MODE', $patch: 'delete' },
                ],
              },
            ],
          },
        },
      },
    });
    assert.deepEqual(at(after, ...web, 'env'), [
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'FEATURE_X', value: 'on' },
    ]);
  });

  it('merges container ports by containerPort and volume mounts by mountPath', () => {
    const after = patched(deployment(), {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'web',
                ports: [{ containerPort: 8080, name: 'metrics' }],
                volumeMounts: [{ mountPath: '/var/cache/nginx', readOnly: true }],
              },
            ],
          },
        },
      },
    });
    // Items the live list lacks go first, as upstream does.
    assert.deepEqual(at(after, ...web, 'ports'), [
      { containerPort: 8080, name: 'metrics' },
      { containerPort: 80, protocol: 'TCP' },
      { containerPort: 443, protocol: 'TCP' },
    ]);
    assert.deepEqual(at(after, ...web, 'volumeMounts'), [
      { name: 'config', mountPath: '/etc/nginx/conf.d' },
      { name: 'cache', mountPath: '/var/cache/nginx', readOnly: true },
    ]);
  });

  it('puts a new container first, as the kubectl patch documentation shows', () => {
    const after = patched(deployment(), { spec: { template: { spec: { containers: [{ name: 'metrics', image: 'exporter:2' }] } } } });
    const names = (at(after, ...podSpec, 'containers') as JsonObject[]).map((c) => c['name']);
    assert.deepEqual(names, ['metrics', 'web', 'sidecar']);
  });

  it('replaces atomic lists (tolerations, args) and maps keys one by one (labels, limits)', () => {
    const after = patched(deployment(), {
      metadata: { labels: { tier: null, release: 'stable' } },
      spec: {
        template: {
          spec: {
            tolerations: [{ key: 'gpu', operator: 'Exists' }],
            containers: [
              { name: 'sidecar', args: ['sleep', '3600'] },
              { name: 'web', resources: { limits: { memory: '512Mi' } } },
            ],
          },
        },
      },
    });
    assert.deepEqual(at(after, 'metadata', 'labels'), { app: 'web', release: 'stable' });
    assert.deepEqual(at(after, ...podSpec, 'tolerations'), [{ key: 'gpu', operator: 'Exists' }]);
    assert.deepEqual(at(after, ...podSpec, 'containers', 'sidecar', 'args'), ['sleep', '3600']);
    assert.deepEqual(at(after, ...web, 'resources'), { limits: { cpu: '500m', memory: '512Mi' } });
  });

  it('orders a merged list as the patch says, keeping server-only items by their live position', () => {
    const after = patched(deployment(), {
      spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox:1.37' }, { name: 'init-like', image: 'alpine' }] } } },
    });
    const names = (at(after, ...podSpec, 'containers') as JsonObject[]).map((c) => c['name']);
    assert.deepEqual(names, ['web', 'sidecar', 'init-like']);
  });

  it('reorders with $setElementOrder', () => {
    const after = patched(deployment(), {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }] } } },
    });
    const names = (at(after, ...podSpec, 'containers') as JsonObject[]).map((c) => c['name']);
    assert.deepEqual(names, ['sidecar', 'web']);
  });

  it('replaces a whole list with $patch: replace', () => {
    const after = patched(deployment(), {
      spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'nginx' }] } } },
    });
    assert.deepEqual(at(after, ...podSpec, 'containers'), [{ name: 'only', image: 'nginx' }]);
  });

  it('replaces or empties a map with $patch at map level', () => {
    const replaced = patched(deployment(), { spec: { selector: { $patch: 'replace', matchLabels: { app: 'web2' } } } });
    assert.deepEqual(at(replaced, 'spec', 'selector'), { matchLabels: { app: 'web2' } });
    const deleted = patched(deployment(), { metadata: { annotations: { $patch: 'delete' } } });
    assert.deepEqual(at(deleted, 'metadata', 'annotations'), {});
  });

  it('adds to and removes from a primitive merge list (finalizers)', () => {
    const added = patched(deployment(), { metadata: { finalizers: ['example.com/audit', 'example.com/protect'] } });
    assert.deepEqual(at(added, 'metadata', 'finalizers'), ['example.com/audit', 'example.com/protect']);
    const removed = patched(added, { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/protect'] } });
    assert.deepEqual(at(removed, 'metadata', 'finalizers'), ['example.com/audit']);
  });

  it('switches a volume source with $retainKeys', () => {
    const after = patched(deployment(), {
      spec: { template: { spec: { volumes: [{ name: 'cache', $retainKeys: ['hostPath', 'name'], hostPath: { path: '/tmp/cache' } }] } } },
    });
    assert.deepEqual(at(after, ...podSpec, 'volumes', 'cache'), { name: 'cache', hostPath: { path: '/tmp/cache' } });
  });

  it('drops nulls and leftover directives inside values it adopts whole', () => {
    const after = patched(deployment(), {
      spec: { template: { spec: { nodeSelector: { disk: 'ssd', zone: null }, affinity: { $patch: 'delete' } } } },
    });
    assert.deepEqual(at(after, ...podSpec, 'nodeSelector'), { disk: 'ssd' });
    assert.deepEqual(at(after, ...podSpec, 'affinity'), {});
  });

  it('treats a null body as an empty patch', () => {
    assert.deepEqual(patched(deployment(), null), deployment());
  });
});

describe('strategic merge patch on other kinds', () => {
  it('merges Service ports by port', () => {
    const service: JsonObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: {
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
        ],
      },
    };
    const after = patched(service, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, SERVICE_SCHEMA);
    assert.deepEqual(at(after, 'spec', 'ports'), [
      { name: 'http', port: 80, targetPort: 9090, protocol: 'TCP' },
      { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
    ]);
  });

  it('replaces Node taints atomically and merges podCIDRs as a set', () => {
    const node: JsonObject = {
      metadata: { name: 'n1' },
      spec: { taints: [{ key: 'a', effect: 'NoSchedule' }], podCIDRs: ['10.0.0.0/24'] },
    };
    const after = patched(node, { spec: { taints: [{ key: 'b', effect: 'NoExecute' }], podCIDRs: ['fd00::/64', '10.0.0.0/24'] } }, NODE_SCHEMA);
    assert.deepEqual(after, {
      metadata: { name: 'n1' },
      spec: { taints: [{ key: 'b', effect: 'NoExecute' }], podCIDRs: ['fd00::/64', '10.0.0.0/24'] },
    });
  });

  it('with no metadata at all behaves like a JSON merge patch that still honours directives', () => {
    const doc: JsonObject = { spec: { items: [{ name: 'a' }], keep: 1, drop: { x: 1 } } };
    const after = patched(doc, { spec: { items: [{ name: 'b' }], drop: { $patch: 'delete' }, extra: null } }, EMPTY_PATCH_SCHEMA);
    assert.deepEqual(after, { spec: { items: [{ name: 'b' }], keep: 1, drop: {} } });
  });

  it('refuses custom resources (no schema) with 415 as upstream', () => {
    const result = applyStrategicMergePatch({ spec: {} }, { spec: { x: 1 } }, null);
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.status.code, 415);
    assert.equal(result.status.reason, 'UnsupportedMediaType');
    assert.equal(
      result.status.message,
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  });
});

describe('strategic merge patch errors (statuses as kube-apiserver sends them)', () => {
  const failure = (patch: JsonValue, schema: PatchSchema = DEPLOYMENT_SCHEMA) => {
    const result = applyStrategicMergePatch(deployment(), patch, schema);
    assert.equal(result.ok, false, 'expected a failure');
    return result.ok ? assert.fail() : result;
  };
  const containers = (items: JsonValue[]) => ({ spec: { template: { spec: { containers: items } } } });

  it('a list item without its merge key is a plain 500 naming the map', () => {
    const result = failure(containers([{ image: 'nginx' }]));
    assert.equal(result.message, 'map: map[image:nginx] does not contain declared merge key: name');
    assert.deepEqual(result.status, { code: 500, reason: '', message: result.message });
  });

  it('prints nested maps the way Go does', () => {
    const result = failure({ spec: { template: { spec: { volumes: [{ hostPath: { path: '/var/lib/kubelet/pods' } }] } } } });
    assert.equal(result.message, 'map: map[hostPath:map[path:/var/lib/kubelet/pods]] does not contain declared merge key: name');
  });

  it('rejects $patch: merge and unknown directives', () => {
    assert.equal(failure(containers([{ $patch: 'merge' }])).message, 'merging lists cannot yet be specified in the patch');
    assert.equal(failure({ spec: { selector: { $patch: 'oops' } } }).message, 'unknown patch type: oops in map: map[$patch:oops]');
    assert.equal(failure(containers([{ name: 'web', $patch: 5 }])).message, 'unknown patch type: %!s(int64=5) in map: map[$patch:5 name:web]');
  });

  it('maps the sentinel errors to 400 and 422', () => {
    const retainKeys = failure({ spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 1 } } } });
    assert.deepEqual(retainKeys.status, { code: 400, reason: 'BadRequest', message: 'invalid patch format of retainKeys' });
    const primitive = failure({ metadata: { $deleteFromPrimitiveListfinalizers: ['x'] } });
    assert.deepEqual(primitive.status, { code: 400, reason: 'BadRequest', message: 'invalid patch format of primitive list' });
    const order = failure({ spec: { template: { spec: { $setElementOrder: [] } } } });
    assert.equal(order.status.message, 'invalid patch format of setElementOrder list');
    const nested = applyStrategicMergePatch({ metadata: { finalizers: [['a']] } }, { metadata: { finalizers: [['b']] } }, DEPLOYMENT_SCHEMA);
    const lists = nested.ok ? assert.fail('expected a failure') : nested;
    assert.equal(lists.message, 'lists of lists are not supported');
    assert.deepEqual(lists.status, { code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request' });
  });

  it('refuses a body that is not an object with the decoder error', () => {
    assert.equal(failure([1]).message, 'json: cannot unmarshal array into Go value of type map[string]interface {}');
    assert.equal(failure('x').status.code, 400);
  });

  it('refuses mixed element kinds', () => {
    assert.equal(failure({ metadata: { finalizers: [1] } }).message, 'list element types are not identical: [[example.com/protect] [1]]');
  });
});

describe('kubectl edit: two-way patch', () => {
  it('sends only what changed, with $setElementOrder for touched merge lists', () => {
    const live = deployment();
    const edited = deployment();
    (edited['spec'] as JsonObject)['replicas'] = 5;
    (at(edited, 'metadata', 'labels') as JsonObject)['release'] = 'canary';
    (at(edited, ...web) as JsonObject)['env'] = [{ name: 'MODE', value: 'prod' }];
    const patch = value(createTwoWayMergePatch(live, edited, DEPLOYMENT_SCHEMA));
    assert.deepEqual(patch, {
      metadata: { labels: { release: 'canary' } },
      spec: {
        replicas: 5,
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
            containers: [
              {
                name: 'web',
                '$setElementOrder/env': [{ name: 'MODE' }],
                env: [{ name: 'LOG_LEVEL', $patch: 'delete' }],
              },
            ],
          },
        },
      },
    });
    assert.deepEqual(patched(live, patch), edited);
  });

  it('is empty when nothing changed', () => {
    assert.deepEqual(value(createTwoWayMergePatch(deployment(), deployment(), DEPLOYMENT_SCHEMA)), {});
  });

  it('honours kubectl edit preconditions', () => {
    const renamed = deployment();
    (renamed['metadata'] as JsonObject)['name'] = 'other';
    const preconditions = [requireKeyUnchanged('apiVersion'), requireKeyUnchanged('kind'), requireMetadataKeyUnchanged('name')];
    const result = createTwoWayMergePatch(deployment(), renamed, DEPLOYMENT_SCHEMA, { preconditions });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.message.startsWith('precondition failed for: map[metadata:map[name:other]]'));
  });

  it('reports a list item without its merge key like kubectl does', () => {
    const original = { spec: { template: { spec: { imagePullSecrets: [{}] } } } };
    const modified = { spec: { template: { spec: { imagePullSecrets: [{}], hostNetwork: true } } } };
    const result = createTwoWayMergePatch(original, modified, DEPLOYMENT_SCHEMA);
    assert.ok(!result.ok && result.message === 'map: map[] does not contain declared merge key: name');
  });
});

describe('kubectl apply (client-side): three-way patch', () => {
  /** What a user keeps in Git. */
  function config(): JsonObject {
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web', tier: 'frontend' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              { name: 'web', image: 'nginx:1.24', env: [{ name: 'MODE', value: 'prod' }] },
              { name: 'sidecar', image: 'busybox:1.36' },
            ],
            volumes: [{ name: 'cache', emptyDir: {} }],
          },
        },
      },
    };
  }

  /** The live object: the config plus what the server and others added. */
  function live(replicas = 3): JsonObject {
    const object = config();
    const metadata = object['metadata'] as JsonObject;
    metadata['uid'] = '8d6e1b7c';
    metadata['resourceVersion'] = '1042';
    (metadata['labels'] as JsonObject)['team'] = 'payments';
    const spec = object['spec'] as JsonObject;
    spec['strategy'] = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
    spec['replicas'] = replicas;
    const webContainer = at(object, ...web) as JsonObject;
    webContainer['imagePullPolicy'] = 'IfNotPresent';
    webContainer['terminationMessagePath'] = '/dev/termination-log';
    object['status'] = { replicas, readyReplicas: replicas };
    return object;
  }

  it('applies the user’s changes, deletes what they removed and keeps everyone else’s fields', () => {
    const lastApplied = config();
    const next = config();
    (next['metadata'] as JsonObject)['labels'] = { app: 'web' };
    const spec = at(next, ...podSpec) as JsonObject;
    spec['containers'] = [{ name: 'web', image: 'nginx:1.25', env: [{ name: 'MODE', value: 'prod' }] }];
    spec['volumes'] = [{ name: 'cache', configMap: { name: 'cache-seed' } }];

    const patch = value(createThreeWayMergePatch(lastApplied, next, live(), DEPLOYMENT_SCHEMA));
    assert.deepEqual(patch, {
      metadata: { labels: { tier: null } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }],
            containers: [{ name: 'web', image: 'nginx:1.25' }, { name: 'sidecar', $patch: 'delete' }],
            '$setElementOrder/volumes': [{ name: 'cache' }],
            volumes: [{ name: 'cache', $retainKeys: ['configMap', 'name'], configMap: { name: 'cache-seed' }, emptyDir: null }],
          },
        },
      },
    });

    const expected = live();
    delete ((expected['metadata'] as JsonObject)['labels'] as JsonObject)['tier'];
    const expectedWeb = at(expected, ...web) as JsonObject;
    expectedWeb['image'] = 'nginx:1.25';
    const expectedSpec = at(expected, ...podSpec) as JsonObject;
    expectedSpec['containers'] = [expectedWeb];
    expectedSpec['volumes'] = [{ name: 'cache', configMap: { name: 'cache-seed' } }];
    const result = patched(live(), patch);
    assert.deepEqual(result, expected);
    assert.deepEqual(at(result, 'metadata', 'labels'), { app: 'web', team: 'payments' });
    assert.equal(at(result, ...web, 'imagePullPolicy'), 'IfNotPresent');
  });

  it('resets a field the configuration sets even if someone else changed it', () => {
    const patch = value(createThreeWayMergePatch(config(), config(), live(6), DEPLOYMENT_SCHEMA));
    assert.deepEqual(patch, { spec: { replicas: 3 } });
  });

  it('sends nothing when the configuration did not change', () => {
    assert.deepEqual(value(createThreeWayMergePatch(config(), config(), live(), DEPLOYMENT_SCHEMA)), {});
  });

  it('clears rollingUpdate when the strategy type changes (retainKeys)', () => {
    const lastApplied = config();
    (lastApplied['spec'] as JsonObject)['strategy'] = { type: 'RollingUpdate' };
    const next = config();
    (next['spec'] as JsonObject)['strategy'] = { type: 'Recreate' };
    const patch = value(createThreeWayMergePatch(lastApplied, next, live(), DEPLOYMENT_SCHEMA));
    assert.deepEqual(patch, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
    assert.deepEqual(at(patched(live(), patch), 'spec', 'strategy'), { type: 'Recreate' });
  });

  it('reports a conflict without --overwrite when a field it changes was changed by someone else', () => {
    const next = config();
    (next['spec'] as JsonObject)['replicas'] = 4;
    const result = createThreeWayMergePatch(config(), next, live(6), DEPLOYMENT_SCHEMA, { overwrite: false });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.message.startsWith('patch:\n'));
    assert.ok(!result.ok && result.message.includes('conflicts with changes made from original to current:'));
    assert.deepEqual(value(createThreeWayMergePatch(config(), next, live(6), DEPLOYMENT_SCHEMA)), { spec: { replicas: 4 } });
    const unrelated = createThreeWayMergePatch(config(), next, live(), DEPLOYMENT_SCHEMA, { overwrite: false });
    assert.deepEqual(unrelated, { ok: true, value: { spec: { replicas: 4 } } });
  });

  it('without a last-applied configuration deletes nothing', () => {
    const next = config();
    (next['metadata'] as JsonObject)['labels'] = {};
    const patch = value(createThreeWayMergePatch(null, next, live(), DEPLOYMENT_SCHEMA));
    assert.deepEqual(patch, {});
  });
});

describe('mergingMapsHaveConflicts', () => {
  it('treats merge lists item by item and scalars by value', () => {
    const left = { spec: { containers: [{ name: 'a', image: 'x' }] } };
    assert.deepEqual(mergingMapsHaveConflicts(left, { spec: { containers: [{ name: 'b', image: 'y' }] } }, POD_SCHEMA), { ok: true, value: false });
    assert.deepEqual(mergingMapsHaveConflicts(left, { spec: { containers: [{ name: 'a', image: 'y' }] } }, POD_SCHEMA), { ok: true, value: true });
  });
});
