// JSON Merge Patch: what `kubectl label`, `annotate`, `scale` and
// `patch --type=merge` send, and the three-way variant `kubectl apply` uses
// for custom resources.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, JsonValue } from './json.js';
import { applyMergePatch, createMergePatch, createThreeWayJsonMergePatch, hasConflicts } from './merge-patch.js';
import { requireKeyUnchanged } from './preconditions.js';

function merged(doc: JsonValue, patch: unknown): JsonValue {
  const result = applyMergePatch(doc, patch);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.value;
}

describe('applying merge patches', () => {
  it('passes the RFC 7386 appendix A examples', () => {
    const examples: ReadonlyArray<readonly [JsonObject, JsonValue, JsonValue]> = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [doc, patch, expected] of examples) assert.deepEqual(merged(doc, patch), expected, JSON.stringify(patch));
  });

  it('array patches replace the document; null and scalar patches are refused', () => {
    assert.deepEqual(merged({ a: 1 }, [{ b: null }, null]), [{}, null]);
    for (const patch of [null, 'x', 5]) {
      const result = applyMergePatch({ a: 1 }, patch);
      assert.deepEqual(result, { ok: false, message: 'Invalid JSON Patch', status: { code: 400, reason: 'BadRequest', message: 'Invalid JSON Patch' } });
    }
  });

  it('keeps nulls inside a list that replaces an object, as upstream', () => {
    assert.deepEqual(merged({ a: { b: 1 } }, { a: [{ c: null }] }), { a: [{ c: null }] });
    assert.deepEqual(merged({ a: 'x' }, { a: [{ c: null }] }), { a: [{}] });
  });

  it('kubectl label / annotate: add, overwrite and remove', () => {
    const pod: JsonObject = {
      metadata: { name: 'web-0', labels: { app: 'web', tier: 'frontend' }, annotations: { note: 'a' } },
      spec: { containers: [{ name: 'web', image: 'nginx' }] },
    };
    const edited: JsonObject = {
      metadata: { name: 'web-0', labels: { app: 'web', release: 'canary' }, annotations: { note: 'b' } },
      spec: { containers: [{ name: 'web', image: 'nginx' }] },
    };
    const patch = createMergePatch(pod, edited);
    assert.deepEqual(patch, { metadata: { labels: { tier: null, release: 'canary' }, annotations: { note: 'b' } } });
    assert.deepEqual(merged(pod, patch), edited);
  });

  it('kubectl scale: patches spec.replicas of the scale subresource', () => {
    const scale: JsonObject = {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'web', namespace: 'default', resourceVersion: '12' },
      spec: { replicas: 3 },
      status: { replicas: 3, selector: 'app=web' },
    };
    assert.deepEqual(merged(scale, { spec: { replicas: 5 } }), { ...scale, spec: { replicas: 5 } });
  });

  it('does not mutate its inputs', () => {
    const doc: JsonObject = { a: { b: [1] } };
    const patch: JsonObject = { a: { c: { d: null, e: 1 } } };
    merged(doc, patch);
    assert.deepEqual(doc, { a: { b: [1] } });
    assert.deepEqual(patch, { a: { c: { d: null, e: 1 } } });
  });
});

describe('creating merge patches', () => {
  it('compares lists whole and objects member by member', () => {
    assert.deepEqual(
      createMergePatch({ a: [1, 2], b: { c: 1, d: 2 }, e: 1, f: 'x' }, { a: [1, 2], b: { c: 1, d: 3 }, e: '1', g: null }),
      { b: { d: 3 }, e: '1', f: null, g: null },
    );
    assert.deepEqual(createMergePatch({ a: [1] }, { a: [2] }), { a: [2] });
    assert.deepEqual(createMergePatch({ a: {} }, { a: {} }), {});
  });
});

describe('three-way JSON merge patch (kubectl apply on custom resources)', () => {
  const lastApplied: JsonObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1, color: 'red', tags: ['a'] } };
  const live: JsonObject = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', uid: 'u1', labels: { owner: 'ops' } },
    spec: { size: 1, color: 'red', tags: ['a'], replicasFromController: 4 },
    status: { ready: true },
  };

  it('adds and changes from the live object, deletes from the last-applied configuration', () => {
    const next: JsonObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 2, tags: ['a', 'b'] } };
    const result = createThreeWayJsonMergePatch(lastApplied, next, live);
    assert.deepEqual(result, { ok: true, value: { spec: { size: 2, tags: ['a', 'b'], color: null } } });
    assert.ok(result.ok);
    assert.deepEqual(merged(live, result.value), {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', uid: 'u1', labels: { owner: 'ops' } },
      spec: { size: 2, tags: ['a', 'b'], replicasFromController: 4 },
      status: { ready: true },
    });
  });

  it('sends nothing for an unchanged configuration and keeps explicit empty objects', () => {
    assert.deepEqual(createThreeWayJsonMergePatch(lastApplied, lastApplied, live), { ok: true, value: {} });
    const next: JsonObject = { ...lastApplied, spec: { size: 1, color: 'red', tags: ['a'], extra: {} } };
    assert.deepEqual(createThreeWayJsonMergePatch(lastApplied, next, live), { ok: true, value: { spec: { extra: {} } } });
  });

  it('treats missing documents as empty', () => {
    assert.deepEqual(createThreeWayJsonMergePatch(null, { a: 1 }, null), { ok: true, value: { a: 1 } });
  });

  it('checks preconditions on the result', () => {
    const next: JsonObject = { ...lastApplied, kind: 'Gadget' };
    const result = createThreeWayJsonMergePatch(lastApplied, next, live, { preconditions: [requireKeyUnchanged('kind')] });
    assert.ok(!result.ok);
    assert.equal(result.message, 'precondition failed for: map[kind:Gadget]');
  });

  it('detects conflicts with mergepatch.HasConflicts rules', () => {
    assert.equal(hasConflicts({ a: 1, b: { c: 1 } }, { b: { d: 2 } }), false);
    assert.equal(hasConflicts({ b: { c: 1 } }, { b: { c: 2 } }), true);
    assert.equal(hasConflicts({ a: [1, 2] }, { a: [1] }), true);
    assert.equal(hasConflicts({ a: { x: 1 } }, { a: 'x' }), true);
  });
});
