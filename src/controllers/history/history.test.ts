// ControllerRevision helpers: hashing and naming as upstream, ordering, equality
// and truncation.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { KubeObject } from '../../api/types.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { Resources } from '../../client/index.js';
import { controllerRevisionName, equalRevision, fnv32, goJson, hashControllerRevision, newControllerRevision, revisionsToTruncate, sortControllerRevisions } from './index.js';

checkLeaksAfterAll();

const bytes = (s: string) => new TextEncoder().encode(s);

function revision(name: string, number: number, data: unknown, created = '2026-01-01T00:00:00Z'): ControllerRevision {
  return { metadata: { name, creationTimestamp: created }, revision: number, data: data as object };
}

describe('hashing', () => {
  it('computes FNV-1 as hash/fnv.New32 does', () => {
    assert.equal(fnv32(), 0x811c9dc5);
    assert.equal(fnv32(bytes('a')), 0x050c5d7e);
    assert.equal(fnv32(bytes('foobar')), 0x31f0b262);
    assert.equal(fnv32(bytes('foo'), bytes('bar')), 0x31f0b262);
  });

  it('hashes a revision by its data and collision probe, as a safe-encoded decimal', () => {
    const data = { spec: { template: { metadata: { labels: { app: 'a' } } } } };
    const hash = hashControllerRevision(revision('r', 1, data));
    assert.match(hash, /^[456789bcdf]+$/);
    assert.equal(hashControllerRevision(revision('other', 7, structuredClone(data))), hash);
    assert.notEqual(hashControllerRevision(revision('r', 1, data), 1), hash);
    assert.notEqual(hashControllerRevision(revision('r', 1, { spec: {} })), hash);
  });

  it('encodes JSON as Go encodes a map: sorted keys, HTML-safe', () => {
    assert.equal(goJson({ b: 1, a: { d: '<&>', c: [2, { z: 1, y: 2 }] } }), '{"a":{"c":[2,{"y":2,"z":1}],"d":"\\u003c\\u0026\\u003e"},"b":1}');
  });
});

describe('ControllerRevisions', () => {
  it('names revisions <owner>-<hash> and labels them with the hash', () => {
    const owner: KubeObject = { metadata: { name: 'web', namespace: 'ns', uid: 'u1' } };
    const cr = newControllerRevision(owner, Resources.statefulsets, { app: 'web' }, { spec: { template: {} } }, 3, 0);
    const hash = cr.metadata?.labels?.['controller.kubernetes.io/hash'];
    assert.equal(cr.metadata?.name, `web-${hash}`);
    assert.equal(cr.metadata?.labels?.app, 'web');
    assert.equal(cr.revision, 3);
    assert.deepEqual(cr.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
    const other = newControllerRevision(owner, Resources.statefulsets, {}, { spec: { template: {} } }, 3, 1);
    assert.notEqual(other.metadata?.name, cr.metadata?.name);
  });

  it('cuts long owner names to 223 characters', () => {
    assert.equal(controllerRevisionName('x'.repeat(300), 'h'), `${'x'.repeat(223)}-h`);
  });

  it('sorts by revision, then creation time, then name', () => {
    const sorted = sortControllerRevisions([
      revision('c', 2, {}),
      revision('b', 1, {}, '2026-01-02T00:00:00Z'),
      revision('a', 1, {}, '2026-01-02T00:00:00Z'),
      revision('z', 1, {}, '2026-01-01T00:00:00Z'),
    ]);
    assert.deepEqual(sorted.map((r) => r.metadata?.name), ['z', 'a', 'b', 'c']);
  });

  it('compares revisions by their data', () => {
    assert.ok(equalRevision(revision('a', 1, { x: 1, y: [1] }), revision('b', 2, { y: [1], x: 1 })));
    assert.ok(!equalRevision(revision('a', 1, { x: 1 }), revision('b', 2, { x: 2 })));
    assert.ok(equalRevision(undefined, undefined));
    assert.ok(!equalRevision(revision('a', 1, {}), undefined));
  });

  it('truncates the oldest non-live revisions beyond the limit', () => {
    const revs = [1, 2, 3, 4, 5].map((n) => revision(`r${n}`, n, {}));
    const live = (cr: ControllerRevision) => cr.metadata?.name === 'r5' || cr.metadata?.name === 'r1';
    assert.deepEqual(revisionsToTruncate(revs, live, 2).map((r) => r.metadata?.name), ['r2']);
    assert.deepEqual(revisionsToTruncate(revs, live, 3), []);
    assert.deepEqual(revisionsToTruncate(revs, live, -1), []);
    assert.deepEqual(revisionsToTruncate(revs, live, 0).map((r) => r.metadata?.name), ['r2', 'r3', 'r4']);
  });
});
