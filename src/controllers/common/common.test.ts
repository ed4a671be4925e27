import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../client/index.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { ControllerExpectations, EXPECTATIONS_TIMEOUT_MS, computeHash, fnv32a, isPodAvailable, podFromTemplate, rfc3339, safeEncodeString, scaledValue, slowStartBatch, sortPodsForDeletion } from './index.js';

checkLeaksAfterAll();

const NOW = Date.parse('2026-01-01T12:00:00Z');

function pod(name: string, opts: { node?: string; phase?: string; readySince?: number; created?: number; restarts?: number; cost?: string; uid?: string } = {}): Pod {
  return {
    metadata: {
      name,
      uid: opts.uid ?? name,
      creationTimestamp: rfc3339(opts.created ?? NOW - 3600_000),
      ...(opts.cost !== undefined ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': opts.cost } } : {}),
    },
    spec: { containers: [], ...(opts.node ? { nodeName: opts.node } : {}) },
    status: {
      phase: opts.phase ?? 'Running',
      ...(opts.readySince !== undefined ? { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(opts.readySince) }] } : {}),
      containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: opts.readySince !== undefined, restartCount: opts.restarts ?? 0 }],
    },
  };
}

const names = (pods: Pod[]) => pods.map((p) => p.metadata!.name);

describe('pod deletion order', () => {
  it('deletes unassigned, then pending, then not-ready pods first', () => {
    const pods = [pod('ready', { node: 'n1', readySince: NOW - 60_000 }), pod('unready', { node: 'n1' }), pod('pending', { node: 'n1', phase: 'Pending' }), pod('unknown', { node: 'n1', phase: 'Unknown' }), pod('unassigned', { phase: 'Pending' })];
    assert.deepEqual(names(sortPodsForDeletion(pods, [], NOW)), ['unassigned', 'pending', 'unknown', 'unready', 'ready']);
  });

  it('prefers a lower pod-deletion-cost, then pods doubled up on a node', () => {
    const ready = NOW - 60_000;
    const pods = [pod('alone', { node: 'n1', readySince: ready }), pod('crowded', { node: 'n2', readySince: ready }), pod('cheap', { node: 'n1', readySince: ready, cost: '-5' })];
    const related = [...pods, pod('other1', { node: 'n2' }), pod('other2', { node: 'n2' })];
    assert.deepEqual(names(sortPodsForDeletion(pods, related, NOW)), ['cheap', 'crowded', 'alone']);
  });

  it('prefers pods ready for less time (in power-of-two buckets), then more restarts, then newer pods', () => {
    const readyNew = pod('ready-1m', { node: 'n', readySince: NOW - 60_000 });
    const readyOld = pod('ready-1h', { node: 'n', readySince: NOW - 3600_000 });
    assert.deepEqual(names(sortPodsForDeletion([readyOld, readyNew], [], NOW)), ['ready-1m', 'ready-1h']);
    const restarts = [pod('calm', { node: 'n' }), pod('crashy', { node: 'n', restarts: 4 })];
    assert.deepEqual(names(sortPodsForDeletion(restarts, [], NOW)), ['crashy', 'calm']);
    const ages = [pod('old', { node: 'n', created: NOW - 86400_000 }), pod('young', { node: 'n', created: NOW - 10_000 })];
    assert.deepEqual(names(sortPodsForDeletion(ages, [], NOW)), ['young', 'old']);
    // Ages in the same power-of-two bucket are ordered by uid instead.
    const bucket = [pod('b', { node: 'n', created: NOW - 70_000, uid: 'b' }), pod('a', { node: 'n', created: NOW - 80_000, uid: 'a' })];
    assert.deepEqual(names(sortPodsForDeletion(bucket, [], NOW)), ['a', 'b']);
  });
});

describe('pod helpers', () => {
  it('counts a pod available only strictly after minReadySeconds', () => {
    const p = pod('p', { readySince: NOW - 10_000 });
    assert.equal(isPodAvailable(p, 0, NOW), true);
    assert.equal(isPodAvailable(p, 10, NOW), false);
    assert.equal(isPodAvailable(p, 9, NOW), true);
    assert.equal(isPodAvailable(pod('unready'), 0, NOW), false);
  });

  it('makes pods from templates with the owner as generateName prefix', () => {
    const owner = { metadata: { name: 'web-abc', uid: 'u1' } };
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'u1', controller: true, blockOwnerDeletion: true };
    const made = podFromTemplate({ metadata: { labels: { app: 'web' }, annotations: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } }, owner, ref);
    assert.deepEqual(made.metadata, { labels: { app: 'web' }, annotations: { a: 'b' }, generateName: 'web-abc-', ownerReferences: [ref] });
    assert.deepEqual(made.spec, { containers: [{ name: 'c', image: 'i' }] });
  });
});

describe('int-or-percent', () => {
  it('scales percentages rounding as asked and passes ints through', () => {
    assert.equal(scaledValue('25%', 10, true), 3);
    assert.equal(scaledValue('25%', 10, false), 2);
    assert.equal(scaledValue(4, 10, true), 4);
    assert.ok(scaledValue('5', 10, true) instanceof Error);
    assert.ok(scaledValue('x%', 10, true) instanceof Error);
  });
});

describe('hashing', () => {
  it('is FNV-1a, safely encoded, and depends on the collision count', () => {
    assert.equal(fnv32a(new TextEncoder().encode('')), 0x811c9dc5);
    assert.equal(fnv32a(new TextEncoder().encode('a')), 0xe40c292c);
    assert.equal(safeEncodeString('0123456789'), '456789bcdf');
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    const hash = computeHash(template);
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(computeHash(structuredClone(template)), hash);
    assert.equal(computeHash({ spec: template.spec, metadata: template.metadata }), hash, 'key order does not matter');
    assert.notEqual(computeHash(template, 1), hash);
    assert.notEqual(computeHash({ ...template, spec: { containers: [{ name: 'c', image: 'j' }] } }), hash);
  });
});

describe('slow start', () => {
  it('runs batches of 1, 2, 4, ... and stops at the first failing batch', async () => {
    const batches: number[] = [];
    let inFlight = 0;
    const ok = await slowStartBatch(10, 1, async () => {
      if (inFlight++ === 0) batches.push(0);
      batches[batches.length - 1]!++;
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
    });
    assert.deepEqual(ok, { successes: 10 });
    assert.deepEqual(batches, [1, 2, 4, 3]);

    let calls = 0;
    const failed = await slowStartBatch(10, 1, async () => {
      if (++calls === 3) throw new Error('quota');
    });
    assert.equal(failed.successes, 2);
    assert.equal(calls, 3);
    assert.equal((failed.error as Error).message, 'quota');
  });
});

describe('expectations', () => {
  it('holds a controller back until its creations and deletions are observed, or they expire', () => {
    const clock = new FakeClock();
    const exp = new ControllerExpectations(clock);
    assert.equal(exp.satisfied('ns/rs'), true);
    exp.expectCreations('ns/rs', 2);
    assert.equal(exp.satisfied('ns/rs'), false);
    exp.creationObserved('ns/rs');
    exp.creationObserved('ns/rs');
    assert.equal(exp.satisfied('ns/rs'), true);

    exp.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
    exp.deletionObserved('ns/rs', 'ns/a');
    exp.deletionObserved('ns/rs', 'ns/a');
    assert.equal(exp.satisfied('ns/rs'), false, 'a pod seen deleted twice counts once');
    exp.deletionObserved('ns/rs', 'ns/b');
    assert.equal(exp.satisfied('ns/rs'), true);

    exp.expectCreations('ns/rs', 1);
    clock.advance(EXPECTATIONS_TIMEOUT_MS + 1);
    assert.equal(exp.satisfied('ns/rs'), true, 'expired expectations do not block forever');
  });
});
