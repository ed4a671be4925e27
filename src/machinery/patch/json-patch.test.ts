// JSON Patch as kube-apiserver applies it (evanphx/json-patch v4 semantics):
// `kubectl patch --type=json` and client libraries send these.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
import type { JsonObject, JsonValue } from './json.js';

function pod(): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-0',
      labels: { app: 'web' },
      annotations: { 'example.com/owner': 'team-a', 'a~b': 'tilde' },
    },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'nginx:1.24',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
        },
      ],
      nodeSelector: null,
    },
  };
}

function patched(doc: JsonValue, patch: unknown): JsonValue {
  const result = applyJsonPatch(doc, patch);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.value;
}

/** The error text and the status code upstream would send. */
function failure(patch: unknown, doc: JsonValue = pod()): [string, number] {
  const result = applyJsonPatch(doc, patch);
  assert.equal(result.ok, false, 'expected a failure');
  return result.ok ? assert.fail() : [result.message, result.status.code];
}

describe('applying JSON Patch operations', () => {
  it('adds, replaces, removes, moves and copies (kubectl patch --type=json)', () => {
    const before = pod();
    const after = patched(before, [
      { op: 'add', path: '/metadata/labels/tier', value: 'frontend' },
      { op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.25' },
      { op: 'remove', path: '/spec/containers/0/env/0' },
      { op: 'add', path: '/spec/containers/0/env/-', value: { name: 'C', value: '3' } },
      { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/component' },
      { op: 'move', from: '/metadata/annotations/example.com~1owner', path: '/metadata/annotations/example.com~1team' },
      { op: 'test', path: '/metadata/annotations/a~0b', value: 'tilde' },
    ]);
    assert.deepEqual(after, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-0',
        labels: { app: 'web', tier: 'frontend', component: 'web' },
        annotations: { 'a~b': 'tilde', 'example.com/team': 'team-a' },
      },
      spec: {
        containers: [{ name: 'web', image: 'nginx:1.25', env: [{ name: 'B', value: '2' }, { name: 'C', value: '3' }] }],
        nodeSelector: null,
      },
    });
    assert.deepEqual(before, pod(), 'the input is not mutated');
  });

  it('inserts at an index and accepts negative indexes counting from the end', () => {
    // For add, -1 is the position after the last element (len+1 slots).
    const after = patched(pod(), [
      { op: 'add', path: '/spec/containers/0/env/1', value: { name: 'MID' } },
      { op: 'add', path: '/spec/containers/0/env/-1', value: { name: 'END' } },
      { op: 'add', path: '/spec/containers/0/env/-2', value: { name: 'X' } },
      { op: 'replace', path: '/spec/containers/0/env/-1', value: { name: 'LAST' } },
    ]);
    assert.deepEqual((after as { spec: { containers: { env: JsonValue }[] } }).spec.containers[0]?.env, [
      { name: 'A', value: '1' },
      { name: 'MID' },
      { name: 'B', value: '2' },
      { name: 'X' },
      { name: 'LAST' },
    ]);
  });

  it('lets replace set a missing object member, as upstream does', () => {
    const after = patched(pod(), [{ op: 'replace', path: '/metadata/labels/new', value: 'x' }]) as { metadata: { labels: JsonValue } };
    assert.deepEqual(after.metadata.labels, { app: 'web', new: 'x' });
  });

  it('replaces the whole document for an object value and ignores other values', () => {
    assert.deepEqual(patched(pod(), [{ op: 'replace', path: '', value: { kind: 'Pod' } }]), { kind: 'Pod' });
    assert.deepEqual(patched(pod(), [{ op: 'replace', path: '', value: 5 }]), pod());
  });

  it('treats a test of null as passing on both null and absent members', () => {
    patched(pod(), [{ op: 'test', path: '/spec/nodeSelector', value: null }]);
    patched(pod(), [{ op: 'test', path: '/spec/affinity', value: null }]);
    patched(pod(), [{ op: 'test', path: '', value: pod() }]);
  });

  it('reads a path without a leading slash as upstream does', () => {
    assert.deepEqual(patched({ a: { b: 1 } }, [{ op: 'add', path: 'a/b', value: 2 }]), { a: { b: 1 }, b: 2 });
  });

  it('adds null for an add without a value', () => {
    const after = patched(pod(), [{ op: 'add', path: '/metadata/labels/empty' }]) as { metadata: { labels: JsonValue } };
    assert.deepEqual(after.metadata.labels, { app: 'web', empty: null });
  });

  it('does nothing for an empty or null patch', () => {
    assert.deepEqual(patched(pod(), []), pod());
    assert.deepEqual(patched(pod(), null), pod());
  });

  it('does not touch prototypes for hostile keys', () => {
    const after = patched({ labels: {} }, [{ op: 'add', path: '/labels/constructor', value: 'x' }]);
    assert.deepEqual(after, { labels: { constructor: 'x' } });
    const [message, code] = failure([{ op: 'add', path: '/__proto__/polluted', value: 'x' }], { labels: {} });
    assert.equal(code, 422);
    assert.match(message, /missing path/);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});

describe('JSON Patch failures', () => {
  it('422 for a failed test, with the generic Status message kubectl prints', () => {
    const result = applyJsonPatch(pod(), [{ op: 'test', path: '/spec/containers/0/image', value: 'nginx:1.23' }]);
    assert.deepEqual(result, {
      ok: false,
      message: 'testing value /spec/containers/0/image failed: test failed',
      status: { code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request' },
    });
  });

  it('reports operations that do not apply with upstream texts', () => {
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [[{ op: 'add', path: '/spec/missing/x', value: 1 }], 'add operation does not apply: doc is missing path: "/spec/missing/x": missing value'],
      [[{ op: 'remove', path: '/metadata/labels/nope' }], "error in remove for path: '/metadata/labels/nope': Unable to remove nonexistent key: nope: missing value"],
      [[{ op: 'remove', path: '/nope/x' }], 'remove operation does not apply: doc is missing path: "/nope/x": missing value'],
      [[{ op: 'replace', path: '/spec/containers/3', value: {} }], 'replace operation does not apply: doc is missing key: /spec/containers/3: missing value'],
      [[{ op: 'replace', path: '/nope/x', value: 1 }], 'replace operation does not apply: doc is missing path: /nope/x: missing value'],
      [[{ op: 'add', path: '/spec/containers/5', value: {} }], "error in add for path: '/spec/containers/5': Unable to access invalid index: 5: invalid index referenced"],
      [
        [{ op: 'add', path: '/spec/containers/x', value: {} }],
        "error in add for path: '/spec/containers/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax",
      ],
      [[{ op: 'remove', path: '/spec/containers/-2' }], "error in remove for path: '/spec/containers/-2': Unable to access invalid index: -2: invalid index referenced"],
      [[{ op: 'move', from: '/metadata/nope', path: '/x' }], "error in move for path: 'nope': Unable to remove nonexistent key: nope: missing value"],
      [[{ op: 'move', from: '/nope/x', path: '/x' }], 'move operation does not apply: doc is missing from path: /nope/x: missing value'],
      [[{ op: 'copy', from: '/metadata/name', path: '/nope/x' }], 'copy operation does not apply: doc is missing destination path: /nope/x: missing value'],
      [[{ op: 'test', path: '/nope/x', value: 1 }], 'test operation does not apply: is missing path: /nope/x: missing value'],
      [[{ op: 'test', path: '', value: {} }], 'testing value  failed: test failed'],
      [[{ op: 'add', value: 1 }], 'add operation failed to decode path: missing value'],
      [[{ op: 'replace', value: 1 }], 'replace operation failed to decode path: operation missing path field: missing value'],
      [[{ op: 'replace', path: 7, value: 1 }], 'replace operation failed to decode path: json: cannot unmarshal number into Go value of type string'],
      [[{ op: 'move', path: '/x' }], 'move operation failed to decode from: operation, missing from field: missing value'],
      [[{ op: 'increment', path: '/x' }], 'Unexpected kind: increment'],
      [[{ path: '/x' }], 'Unexpected kind: unknown'],
      [[null], 'Unexpected kind: unknown'],
    ];
    for (const [patch, expected] of cases) {
      assert.deepEqual(failure(patch), [expected, 422], JSON.stringify(patch));
    }
  });

  it('400 for a body that is not a list of operations', () => {
    assert.deepEqual(failure({ op: 'add' }), ['json: cannot unmarshal object into Go value of type jsonpatch.Patch', 400]);
    assert.deepEqual(failure(true), ['json: cannot unmarshal bool into Go value of type jsonpatch.Patch', 400]);
    assert.deepEqual(failure(['add']), ['json: cannot unmarshal string into Go value of type jsonpatch.Operation', 400]);
  });

  it(`413 beyond ${MAX_JSON_PATCH_OPERATIONS} operations`, () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/kind', value: 'Pod' }));
    const result = applyJsonPatch(pod(), ops);
    assert.ok(!result.ok);
    assert.deepEqual(result.status, {
      code: 413,
      reason: 'RequestEntityTooLarge',
      message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    });
    assert.ok(applyJsonPatch(pod(), ops.slice(1)).ok);
  });

  it('stops at the first failing operation and leaves the input alone', () => {
    const before = pod();
    const result = applyJsonPatch(before, [
      { op: 'add', path: '/metadata/labels/x', value: '1' },
      { op: 'test', path: '/metadata/labels/x', value: '2' },
    ]);
    assert.equal(result.ok, false);
    assert.deepEqual(before, pod());
  });
});
