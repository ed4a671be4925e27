import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../client/index.js';
import { checkLeaksAfterAll } from '../testing/index.js';
import { QueueingHint, type ClusterEventWithHint } from './framework/types.js';
import { Events, SchedulingQueue, eventMatches, isPodUpdated, type QueuedPodInfo } from './queue.js';

checkLeaksAfterAll();

function pod(name: string, extra: { priority?: number; gates?: string[]; nominatedNodeName?: string; labels?: Record<string, string> } = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: {
      containers: [{ name: 'c' }],
      ...(extra.priority !== undefined ? { priority: extra.priority } : {}),
      ...(extra.gates ? { schedulingGates: extra.gates.map((name) => ({ name })) } : {}),
    },
    ...(extra.nominatedNodeName ? { status: { nominatedNodeName: extra.nominatedNodeName } } : {}),
  };
}

const nodeAddOnly: ClusterEventWithHint[] = [{ event: { resource: 'Node', action: 'Add' } }];

function newQueue(clock: FakeClock, events = new Map<string, readonly ClusterEventWithHint[]>([['Fit', nodeAddOnly]])): SchedulingQueue {
  return new SchedulingQueue({ clock, eventsToRegister: events });
}

/** Pops a pod and fails it as the given plugin would. */
async function popAndReject(q: SchedulingQueue, plugin: string): Promise<QueuedPodInfo> {
  const qpi = (await q.pop())!;
  const cycle = q.cycle;
  qpi.unschedulablePlugins = new Set([plugin]);
  q.addUnschedulableIfNotPresent(qpi, cycle);
  return qpi;
}

describe('SchedulingQueue', () => {
  it('pops higher priority first, then in arrival order', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    q.add(pod('low', { priority: 1 }));
    clock.advance(1);
    q.add(pod('high-later', { priority: 10 }));
    clock.advance(1);
    q.add(pod('low-later', { priority: 1 }));
    q.add(pod('high', { priority: 10 }));
    const order: string[] = [];
    for (let i = 0; i < 4; i++) order.push((await q.pop())!.pod.metadata!.name!);
    assert.deepEqual(order, ['high-later', 'high', 'low', 'low-later']);
    q.close();
  });

  it('hands a pod to a waiting pop and resolves pops with undefined on close', async () => {
    const q = newQueue(new FakeClock());
    const waiting = q.pop();
    q.add(pod('a'));
    assert.equal((await waiting)?.pod.metadata?.name, 'a');
    const pending = q.pop();
    q.close();
    assert.equal(await pending, undefined);
  });

  it('backs off 1s, 2s, 4s, 8s then 10s per attempt', () => {
    const q = newQueue(new FakeClock());
    const qpi = { attempts: 0 } as QueuedPodInfo;
    const durations = [1, 2, 3, 4, 5, 6].map((attempts) => q.backoffDuration({ ...qpi, attempts }));
    assert.deepEqual(durations, [1000, 2000, 4000, 8000, 10_000, 10_000]);
    q.close();
  });

  it('keeps a rejected pod unschedulable until an event its plugin registered arrives', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    q.add(pod('a'));
    await popAndReject(q, 'Fit');
    assert.equal(q.whereIs(pod('a')), 'unschedulable');
    q.moveAllToActiveOrBackoffQueue(Events.AssignedPodDelete);
    assert.equal(q.whereIs(pod('a')), 'unschedulable', 'Fit did not register pod deletes');
    q.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, {});
    assert.equal(q.whereIs(pod('a')), 'backoff', 'moved, but still inside its 1s backoff');
    clock.advance(1000);
    assert.equal(q.whereIs(pod('a')), 'active');
    assert.equal(clock.pending, 1, 'only the unschedulable flush timer is left');
    q.close();
    assert.equal(clock.pending, 0);
  });

  it('asks the plugin queueing hint whether the event helps', async () => {
    const clock = new FakeClock();
    const hint = (_pod: Pod, _old: unknown, newObj: unknown) => ((newObj as Node).metadata?.labels?.big === 'true' ? QueueingHint.Queue : QueueingHint.Skip);
    const q = newQueue(clock, new Map([['Fit', [{ event: { resource: 'Node', action: 'Add' }, hint }]]]));
    q.add(pod('a'));
    await popAndReject(q, 'Fit');
    clock.advance(5000);
    q.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, { metadata: { name: 'small' } });
    assert.equal(q.whereIs(pod('a')), 'unschedulable');
    q.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, { metadata: { name: 'big', labels: { big: 'true' } } });
    assert.equal(q.whereIs(pod('a')), 'active');
    q.close();
  });

  it('sends a pod that saw a move request during its attempt to backoff, not unschedulable', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    q.add(pod('a'));
    const qpi = (await q.pop())!;
    const cycle = q.cycle;
    q.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, {});
    qpi.unschedulablePlugins = new Set(['Fit']);
    q.addUnschedulableIfNotPresent(qpi, cycle);
    assert.equal(q.whereIs(pod('a')), 'backoff');
    q.close();
  });

  it('sends pods that failed with an error (no rejecting plugin) to backoff', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    q.add(pod('a'));
    const qpi = (await q.pop())!;
    q.addUnschedulableIfNotPresent(qpi, q.cycle);
    assert.equal(q.whereIs(pod('a')), 'backoff');
    clock.advance(999);
    assert.equal(q.whereIs(pod('a')), 'backoff');
    clock.advance(1);
    assert.equal(q.whereIs(pod('a')), 'active');
    q.close();
  });

  it('retries unschedulable pods after five minutes without any event', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    q.add(pod('a'));
    await popAndReject(q, 'Fit');
    clock.advance(4 * 60_000);
    assert.equal(q.whereIs(pod('a')), 'unschedulable');
    clock.advance(60_000 + 30_000);
    assert.equal(q.whereIs(pod('a')), 'active');
    q.close();
  });

  it('holds gated pods until their scheduling gates are removed', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    const gated = pod('a', { gates: ['example.com/wait'] });
    q.add(gated);
    assert.equal(q.whereIs(gated), 'gated');
    assert.equal(q.tryPop(), undefined);
    q.moveAllToActiveOrBackoffQueue(Events.Wildcard);
    assert.equal(q.whereIs(gated), 'gated', 'events do not release gated pods');
    q.update(gated, pod('a', { gates: ['example.com/wait'], labels: { x: 'y' } }));
    assert.equal(q.whereIs(gated), 'gated');
    q.update(gated, pod('a'));
    assert.equal(q.whereIs(gated), 'active');
    q.close();
  });

  it('moves an unschedulable pod whose spec changed, but not on status-only updates', async () => {
    const clock = new FakeClock();
    const q = newQueue(clock);
    const a = pod('a');
    q.add(a);
    await popAndReject(q, 'Fit');
    clock.advance(2000);
    q.update(a, { ...a, status: { phase: 'Pending' }, metadata: { ...a.metadata, resourceVersion: '7' } });
    assert.equal(q.whereIs(a), 'unschedulable');
    q.update(a, pod('a', { labels: { tier: 'web' } }));
    assert.equal(q.whereIs(a), 'active');
    q.close();
  });

  it('forgets deleted pods wherever they wait', async () => {
    const q = newQueue(new FakeClock());
    q.add(pod('a'));
    q.add(pod('b'));
    await popAndReject(q, 'Fit');
    q.delete(pod('a'));
    q.delete(pod('b'));
    assert.deepEqual(q.lengths, { active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
    q.close();
  });

  it('tracks nominated pods by node and drops them when bound or deleted', () => {
    const live = new Map<string, Pod>();
    const q = new SchedulingQueue({ clock: new FakeClock(), getPod: (_ns, name) => live.get(name) });
    const a = pod('a', { nominatedNodeName: 'n1', priority: 5 });
    live.set('a', a);
    q.add(a);
    assert.deepEqual(
      q.nominator.nominatedPodsForNode('n1').map((pi) => pi.pod.metadata?.name),
      ['a'],
    );
    // An update that does not mention the nomination keeps it.
    const updated = pod('a', { priority: 5, labels: { x: 'y' } });
    q.update(a, { ...updated, status: { nominatedNodeName: 'n1' } });
    assert.equal(q.nominator.nominatedPodsForNode('n1').length, 1);
    q.delete(a);
    assert.equal(q.nominator.nominatedPodsForNode('n1').length, 0);
    // A pod gone from the informer cannot be nominated.
    q.nominator.add({ pod: pod('ghost'), requests: { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: new Map() }, nonZeroRequests: { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: new Map() }, hasAffinity: false, hasRequiredAntiAffinity: false }, { mode: 'override', nodeName: 'n1' });
    assert.equal(q.nominator.nominatedPodsForNode('n1').length, 0);
    q.close();
  });
});

describe('eventMatches', () => {
  it('matches resources, Pod covering assigned and unscheduled pods, and Update covering Update*', () => {
    assert.equal(eventMatches({ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Add' }), true);
    assert.equal(eventMatches({ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'UpdateNodeLabel' }), false);
    assert.equal(eventMatches({ resource: 'Node', action: 'Update' }, { resource: 'Node', action: 'UpdateNodeTaint' }), true);
    assert.equal(eventMatches({ resource: 'Node', action: 'UpdateNodeTaint' }, { resource: 'Node', action: 'Update' }), true);
    assert.equal(eventMatches({ resource: 'Pod', action: 'Delete' }, { resource: 'AssignedPod', action: 'Delete' }), true);
    assert.equal(eventMatches({ resource: 'Pod', action: 'All' }, { resource: 'Node', action: 'Add' }), false);
    assert.equal(eventMatches({ resource: '*', action: 'All' }, { resource: 'Node', action: 'Add' }), true);
  });
});

describe('isPodUpdated', () => {
  it('ignores status, resourceVersion and managedFields', () => {
    const a = pod('a');
    assert.equal(isPodUpdated(a, { ...a, status: { phase: 'Pending' }, metadata: { ...a.metadata, resourceVersion: '2', managedFields: [] } }), false);
    assert.equal(isPodUpdated(a, pod('a', { priority: 3 })), true);
  });
});
