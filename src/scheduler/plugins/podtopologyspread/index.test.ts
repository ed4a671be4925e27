import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { checkLeaksAfterAll } from '../../../testing/index.js';
import { labels } from '../../../machinery/index.js';
import { podInfoOf } from '../../framework/nodeinfo.js';
import { SchedulerCache } from '../../cache.js';
import { Code, CycleState, QueueingHint, type NodeInfo, type Status } from '../../framework/types.js';
import { TestSnapshot, handleFor, makeNode, makePod, runFilter, runScore, summarize, type PodBuilder } from '../helper/testing.js';
import {
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH,
  PodTopologySpread,
  defaultSelector,
  type PodTopologySpreadArgs,
} from './index.js';

checkLeaksAfterAll();

const REJECTED = `Unschedulable: ${ERR_REASON_CONSTRAINTS_NOT_MATCH}`;
const MISSING = `UnschedulableAndUnresolvable: ${ERR_REASON_NODE_LABEL_NOT_MATCH}`;

/** A seeded xorshift: the same steps every run. random(n) is in [0, n). */
function seededRandom(seed: number): (n: number) => number {
  return (n) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
}

function zonedNodes(): Node[] {
  return [
    makeNode('node-a').labels({ zone: 'zone1' }).obj(),
    makeNode('node-b').labels({ zone: 'zone1' }).obj(),
    makeNode('node-x').labels({ zone: 'zone2' }).obj(),
    makeNode('node-y').labels({ zone: 'zone2' }).obj(),
  ];
}

function hard(topologyKey: string, maxSkew: number, extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint {
  return { maxSkew, topologyKey, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchExpressions: [{ key: 'foo', operator: 'Exists' }] }, ...extra };
}

function soft(topologyKey: string, maxSkew: number, extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint {
  return { ...hard(topologyKey, maxSkew, extra), whenUnsatisfiable: 'ScheduleAnyway' };
}

/** Pods labelled foo on the named nodes. */
function fooPods(...nodes: string[]): PodBuilder[] {
  return nodes.map((n, i) => makePod(`p-${n}-${i}`).node(n).labels({ foo: '' }));
}

function filter(pod: PodBuilder, nodes: Node[], existing: PodBuilder[], args?: PodTopologySpreadArgs): Record<string, string> {
  const snapshot = new TestSnapshot(nodes, existing.map((e) => e.obj()));
  return summarize(runFilter(new PodTopologySpread(handleFor(snapshot), args), pod.obj(), snapshot));
}

describe('PodTopologySpread filter', () => {
  it('skips pods without hard constraints', () => {
    assert.deepEqual(filter(makePod('p'), zonedNodes(), []), { 'node-a': 'Skip', 'node-b': 'Skip', 'node-x': 'Skip', 'node-y': 'Skip' });
    assert.equal(filter(makePod('p').spread(soft('zone', 1)), zonedNodes(), [])['node-a'], 'Skip');
  });

  it('keeps the skew between zones within maxSkew', () => {
    const pod = makePod('p').labels({ foo: '' }).spread(hard('zone', 1));
    // zone1 holds 2 matching pods, zone2 holds 3.
    const existing = fooPods('node-a', 'node-b', 'node-x', 'node-y', 'node-y');
    assert.deepEqual(filter(pod, zonedNodes(), existing), { 'node-a': 'ok', 'node-b': 'ok', 'node-x': REJECTED, 'node-y': REJECTED });
  });

  it('does not count the pod itself when its labels do not match', () => {
    const pod = makePod('p').spread(hard('zone', 1));
    const existing = fooPods('node-a', 'node-b', 'node-x', 'node-y', 'node-y');
    assert.deepEqual(filter(pod, zonedNodes(), existing), { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'ok' });
  });

  it('rejects nodes missing the topology label as unresolvable', () => {
    const nodes = [...zonedNodes(), makeNode('node-z').obj()];
    assert.equal(filter(makePod('p').labels({ foo: '' }).spread(hard('zone', 1)), nodes, [])['node-z'], MISSING);
  });

  it('spreads over hostnames', () => {
    const pod = makePod('p').labels({ foo: '' }).spread(hard('kubernetes.io/hostname', 1));
    const existing = fooPods('node-a', 'node-a', 'node-b', 'node-x');
    assert.deepEqual(filter(pod, zonedNodes(), existing), { 'node-a': REJECTED, 'node-b': REJECTED, 'node-x': REJECTED, 'node-y': 'ok' });
  });

  it('applies every constraint', () => {
    const pod = makePod('p').labels({ foo: '' }).spread(hard('zone', 1)).spread(hard('kubernetes.io/hostname', 1));
    const existing = fooPods('node-a', 'node-x', 'node-y');
    // Zones: 1 vs 2, so only zone1; hosts: node-b is the emptiest there.
    assert.deepEqual(filter(pod, zonedNodes(), existing), { 'node-a': REJECTED, 'node-b': 'ok', 'node-x': REJECTED, 'node-y': REJECTED });
  });

  it('treats the global minimum as 0 below minDomains', () => {
    const existing = fooPods('node-a', 'node-x', 'node-y');
    const without = makePod('p').labels({ foo: '' }).spread(hard('zone', 2));
    assert.deepEqual(filter(without, zonedNodes(), existing), { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'ok' });
    const withMin = makePod('p').labels({ foo: '' }).spread(hard('zone', 2, { minDomains: 3 }));
    assert.deepEqual(filter(withMin, zonedNodes(), existing), { 'node-a': 'ok', 'node-b': 'ok', 'node-x': REJECTED, 'node-y': REJECTED });
  });

  it('counts only nodes matching the pod node affinity (nodeAffinityPolicy Honor)', () => {
    const nodes = [makeNode('node-a').labels({ zone: 'zone1', disk: 'ssd' }).obj(), makeNode('node-x').labels({ zone: 'zone2', disk: 'ssd' }).obj(), makeNode('node-y').labels({ zone: 'zone2' }).obj()];
    const existing = fooPods('node-a', 'node-y', 'node-y');
    const honor = makePod('p').labels({ foo: '' }).nodeSelector({ disk: 'ssd' }).spread(hard('zone', 1));
    // Honor: node-y is left out, so zone1 holds 1 and zone2 none.
    assert.deepEqual(filter(honor, nodes, existing), { 'node-a': REJECTED, 'node-x': 'ok', 'node-y': 'ok' });
    // Ignore: zone1 holds 1 and zone2 2.
    const ignore = makePod('p').labels({ foo: '' }).nodeSelector({ disk: 'ssd' }).spread(hard('zone', 1, { nodeAffinityPolicy: 'Ignore' }));
    assert.deepEqual(filter(ignore, nodes, existing), { 'node-a': 'ok', 'node-x': REJECTED, 'node-y': REJECTED });
  });

  it('leaves out tainted nodes with nodeTaintsPolicy Honor', () => {
    const nodes = [makeNode('node-a').labels({ zone: 'zone1' }).obj(), makeNode('node-x').labels({ zone: 'zone2' }).obj(), makeNode('node-y').labels({ zone: 'zone2' }).taint({ key: 'k', effect: 'NoSchedule' }).obj()];
    const existing = fooPods('node-y', 'node-y');
    const ignore = makePod('p').labels({ foo: '' }).spread(hard('zone', 1));
    assert.equal(filter(ignore, nodes, existing)['node-x'], REJECTED);
    const honor = makePod('p').labels({ foo: '' }).spread(hard('zone', 1, { nodeTaintsPolicy: 'Honor' }));
    assert.equal(filter(honor, nodes, existing)['node-x'], 'ok');
  });

  it('ignores terminating pods and pods of other namespaces', () => {
    const existing = [
      makePod('t').node('node-x').labels({ foo: '' }).terminating(),
      makePod('o', 'other').node('node-x').labels({ foo: '' }),
      makePod('o2', 'other').node('node-y').labels({ foo: '' }),
    ];
    const pod = makePod('p').labels({ foo: '' }).spread(hard('zone', 0));
    assert.deepEqual(filter(pod, zonedNodes(), existing), { 'node-a': REJECTED, 'node-b': REJECTED, 'node-x': REJECTED, 'node-y': REJECTED });
    const pod1 = makePod('p').labels({ foo: '' }).spread(hard('zone', 1));
    assert.deepEqual(filter(pod1, zonedNodes(), existing), { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'ok' });
  });

  it('narrows the selector with matchLabelKeys', () => {
    const constraint = hard('zone', 1, { labelSelector: { matchLabels: { app: 'web' } }, matchLabelKeys: ['rev'] });
    const existing = [makePod('old1').node('node-a').labels({ app: 'web', rev: '1' }), makePod('old2').node('node-b').labels({ app: 'web', rev: '1' })];
    const pod = makePod('p').labels({ app: 'web', rev: '2' }).spread(constraint);
    assert.deepEqual(filter(pod, zonedNodes(), existing), { 'node-a': 'ok', 'node-b': 'ok', 'node-x': 'ok', 'node-y': 'ok' });
    const same = makePod('p').labels({ app: 'web', rev: '1' }).spread(constraint);
    assert.deepEqual(filter(same, zonedNodes(), existing), { 'node-a': REJECTED, 'node-b': REJECTED, 'node-x': 'ok', 'node-y': 'ok' });
  });
});

describe('PodTopologySpread PreFilterExtensions', () => {
  it('tracks pods preemption removes and adds on a cloned state', () => {
    const existing = fooPods('node-a', 'node-a', 'node-x').map((b) => b.obj());
    const snapshot = new TestSnapshot(zonedNodes(), existing);
    const plugin = new PodTopologySpread(handleFor(snapshot));
    const pod = makePod('p').labels({ foo: '' }).spread(hard('zone', 1)).obj();
    const state = new CycleState();
    assert.equal(plugin.preFilter(state, pod).status.code, Code.Success);
    const nodeA = snapshot.get('node-a');
    assert.ok(nodeA);
    assert.equal(plugin.filter(state, pod, nodeA).code, Code.Unschedulable);
    const whatIf = state.clone();
    plugin.removePod(whatIf, pod, podInfoOf(existing[0]!), nodeA);
    assert.equal(plugin.filter(whatIf, pod, nodeA).code, Code.Success);
    assert.equal(plugin.filter(state, pod, nodeA).code, Code.Unschedulable);
    plugin.addPod(whatIf, pod, podInfoOf(existing[0]!), nodeA);
    assert.equal(plugin.filter(whatIf, pod, nodeA).code, Code.Unschedulable);
  });
});

describe('PodTopologySpread score', () => {
  function score(pod: PodBuilder, nodes: Node[], existing: PodBuilder[], args?: PodTopologySpreadArgs) {
    const snapshot = new TestSnapshot(nodes, existing.map((e) => e.obj()));
    return runScore(new PodTopologySpread(handleFor(snapshot), args), pod.obj(), snapshot.list());
  }

  it('skips pods without soft constraints or a default selector', () => {
    assert.equal((score(makePod('p'), zonedNodes(), []) as Status).code, Code.Skip);
  });

  it('prefers domains with fewer matching pods', () => {
    const pod = makePod('p').labels({ foo: '' }).spread(soft('zone', 1));
    // zone1: 3 matching pods, zone2: 1. Weight log(2 + 2); raw zone1 4.16 -> 4, zone2 1.39 -> 1.
    const result = score(pod, zonedNodes(), fooPods('node-a', 'node-a', 'node-b', 'node-x'));
    assert.deepEqual(result, { 'node-a': 25, 'node-b': 25, 'node-x': 100, 'node-y': 100 });
  });

  it('scores nodes missing a topology label of a user constraint as 0', () => {
    const nodes = [...zonedNodes(), makeNode('node-z').obj()];
    const result = score(makePod('p').labels({ foo: '' }).spread(soft('zone', 1)), nodes, fooPods('node-a'));
    assert.equal((result as Record<string, number>)['node-z'], 0);
  });

  it('applies the system default constraints over the default selector', () => {
    const web = labels.selectorFromSet({ app: 'web' });
    const existing = [makePod('w1').node('node-a').labels({ app: 'web' }), makePod('w2').node('node-a').labels({ app: 'web' })];
    const pod = makePod('p').labels({ app: 'web' });
    const nodes = zonedNodes().map((n) => ({ ...n, metadata: { ...n.metadata, labels: { ...n.metadata?.labels, 'topology.kubernetes.io/zone': n.metadata?.labels?.zone ?? '' } } }));
    // Raw: node-a 12, node-b 9, node-x and node-y 6 (hostname weight log 6, zone weight log 4).
    assert.deepEqual(score(pod, nodes, existing, { defaultSelector: () => web }), { 'node-a': 50, 'node-b': 75, 'node-x': 100, 'node-y': 100 });
    // Without a selector (no Service or controller selects the pod) there is nothing to spread.
    assert.equal((score(pod, zonedNodes(), existing, { defaultSelector: () => labels.everything() }) as Status).code, Code.Skip);
  });

  it('spreads by hostname alone on nodes without zones under system defaults', () => {
    const nodes = [makeNode('n1').obj(), makeNode('n2').obj()];
    const existing = [makePod('w1').node('n1').labels({ app: 'web' })];
    const result = score(makePod('p').labels({ app: 'web' }), nodes, existing, { defaultSelector: () => labels.selectorFromSet({ app: 'web' }) });
    // Raw: n1 1 × log(4) + 2 -> 3, n2 2.
    assert.deepEqual(result, { n1: 66, n2: 100 });
  });
});

describe('PodTopologySpread across cycles', () => {
  it('scores like a fresh plugin while pods and nodes come and go', () => {
    const web = labels.selectorFromSet({ app: 'web' });
    const cache = new SchedulerCache();
    for (let i = 0; i < 12; i++) cache.addNode(makeNode(`n${i}`).labels({ 'topology.kubernetes.io/zone': `z${i % 3}` }).obj());
    let snapshot = cache.updateSnapshot();
    // The long-lived plugin keeps per-node and per-zone counts from cycle to cycle.
    const kept = new PodTopologySpread(handleFor(snapshot), { defaultSelector: () => web });
    const incoming = makePod('incoming').labels({ app: 'web' }).obj();
    const scoresOf = (plugin: PodTopologySpread) => runScore(plugin, incoming, snapshot.list());
    let placed = 0;
    const place = (nodeName: string, app = 'web') => cache.addPod(makePod(`p${placed++}`).node(nodeName).labels({ app }).obj());
    for (const step of [
      () => place('n0'),
      () => place('n4'),
      () => place('n1', 'other'),
      () => {
        place('n0');
        place('n7');
      },
      () => cache.addNode(makeNode('n12').labels({ 'topology.kubernetes.io/zone': 'z0' }).obj()),
      () => cache.removeNode(makeNode('n4').obj()),
    ]) {
      step();
      snapshot = cache.updateSnapshot();
      const fresh = new PodTopologySpread(handleFor(snapshot), { defaultSelector: () => web });
      assert.deepEqual(scoresOf(kept), scoresOf(fresh));
    }
  });

  it('keeps per-node counts true while pods are bound, updated in place, relabelled and removed', () => {
    const web = labels.selectorFromSet({ app: 'web' });
    const cache = new SchedulerCache();
    const nodes = Array.from({ length: 6 }, (_, i) => makeNode(`n${i}`).labels({ 'topology.kubernetes.io/zone': `z${i % 2}` }).obj());
    for (const n of nodes) cache.addNode(n);
    const pods = new Map<string, Pod>();
    let snapshot = cache.updateSnapshot();
    const kept = new PodTopologySpread(handleFor(snapshot), { defaultSelector: () => web });
    const incoming = makePod('incoming').labels({ app: 'web' }).obj();
    /** What a plugin computes from nothing: a new cache over the same nodes and pods (new NodeInfos, no memo). */
    const freshScores = () => {
      const other = new SchedulerCache();
      for (const n of nodes) other.addNode(n);
      for (const p of pods.values()) other.addPod(p);
      const snap = other.updateSnapshot();
      return runScore(new PodTopologySpread(handleFor(snap), { defaultSelector: () => web }), incoming, snap.list());
    };
    const random = seededRandom(7);
    for (let step = 0; step < 200; step++) {
      const names = [...pods.keys()];
      const choice = names.length === 0 ? 0 : random(4);
      if (choice === 0) {
        const p = makePod(`p${step}`).node(`n${random(6)}`).labels({ app: random(3) === 0 ? 'other' : 'web' }).obj();
        pods.set(p.metadata!.name!, p);
        cache.addPod(p);
      } else {
        const name = names[random(names.length)]!;
        const old = pods.get(name)!;
        if (choice === 3) {
          pods.delete(name);
          cache.removePod(old);
        } else {
          // A status update (same labels) or a relabel, on the same node.
          const app = choice === 1 ? old.metadata!.labels!.app! : old.metadata!.labels!.app === 'web' ? 'other' : 'web';
          const next: Pod = { ...old, metadata: { ...old.metadata, labels: { app } }, status: { phase: `Running-${step}` } };
          pods.set(name, next);
          cache.updatePod(old, next);
        }
      }
      snapshot = cache.updateSnapshot();
      const scores = runScore(kept, incoming, snapshot.list());
      // Checked now and then: the fresh plugin's counts replace the kept ones (the
      // per-node memo is shared), so the kept plugin counts incrementally in between.
      if (step % 10 === 9) assert.deepEqual(scores, freshScores(), `after step ${step}`);
    }
  });
});

describe('PodTopologySpread system defaults against the formula', () => {
  /** Upstream's PreScore/Score/NormalizeScore for the system defaults, written out directly. */
  function expected(nodes: readonly NodeInfo[], scored: readonly NodeInfo[], app: string): Record<string, number> {
    const matches = (info: NodeInfo) => info.pods.filter((p) => p.pod.metadata?.labels?.app === app && !p.pod.metadata?.deletionTimestamp).length;
    const zoneOf = (info: NodeInfo) => info.labels['topology.kubernetes.io/zone'];
    const zones = new Set(scored.map((n) => zoneOf(n) ?? ''));
    const perZone = new Map<string, number>();
    for (const n of nodes) if (n.node && zones.has(zoneOf(n) ?? '')) perZone.set(zoneOf(n) ?? '', (perZone.get(zoneOf(n) ?? '') ?? 0) + matches(n));
    const raw = scored.map((n) => {
      let score = 0;
      if (n.labels['kubernetes.io/hostname'] !== undefined) score += matches(n) * Math.log(scored.length + 2) + 2;
      const zone = zoneOf(n);
      if (zone !== undefined) score += (perZone.get(zone) ?? 0) * Math.log(zones.size + 2) + 4;
      return Math.round(score);
    });
    const min = Math.min(...raw);
    const max = Math.max(...raw);
    return Object.fromEntries(scored.map((n, i) => [n.name, max === 0 ? 100 : Math.trunc((100 * (max + min - raw[i]!)) / max)]));
  }

  it('scores every cycle as the formula does, with several selectors in turn and nodes without zones', () => {
    const cache = new SchedulerCache();
    const zones = ['z0', 'z1', 'z2', '', undefined];
    const nodeObj = (i: number, zone: string | undefined) => {
      const node = makeNode(`n${i}`).obj();
      node.metadata!.labels = { 'kubernetes.io/hostname': `n${i}`, ...(zone === undefined ? {} : { 'topology.kubernetes.io/zone': zone }) };
      return node;
    };
    for (let i = 0; i < 15; i++) cache.addNode(nodeObj(i, zones[i % zones.length]));
    let snapshot = cache.updateSnapshot();
    const apps = ['a', 'b', 'c'];
    const plugins = new Map(apps.map((app) => [app, new PodTopologySpread(handleFor(snapshot), { defaultSelector: () => labels.selectorFromSet({ app }) })]));
    const placed: Pod[] = [];
    const random = seededRandom(11);
    for (let step = 0; step < 150; step++) {
      const choice = random(10);
      if (choice < 6 || placed.length === 0) {
        const pod = makePod(`p${step}`).node(`n${random(15)}`).labels({ app: apps[random(3)]! }).obj();
        placed.push(pod);
        cache.addPod(pod);
      } else if (choice < 8) {
        cache.removePod(placed.splice(random(placed.length), 1)[0]!);
      } else if (choice === 8) {
        // A node moves zone (or loses its zone label).
        const i = random(15);
        const before = cache.updateSnapshot().get(`n${i}`)?.node;
        if (before) cache.updateNode(before, nodeObj(i, zones[random(zones.length)]));
      } else {
        const i = random(15);
        const node = cache.updateSnapshot().get(`n${i}`)?.node;
        if (node) cache.removeNode(node);
        else cache.addNode(nodeObj(i, zones[random(zones.length)]));
      }
      snapshot = cache.updateSnapshot();
      const app = apps[step % 3]!;
      const all = snapshot.list().filter((n) => n.node !== undefined);
      // Score sees the nodes that passed Filter: a changing part of the cluster.
      const scored = all.filter((_, i) => (i + step) % 3 !== 0);
      if (scored.length === 0) continue;
      const incoming = makePod('incoming').labels({ app }).obj();
      assert.deepEqual(runScore(plugins.get(app)!, incoming, scored), expected(snapshot.list(), scored, app), `step ${step}`);
    }
  });
});

describe('defaultSelector', () => {
  const pod = makePod('p').labels({ app: 'web', tier: 'front' }).owner('ReplicaSet', 'rs1').obj();

  it('merges matching Services with the owning ReplicaSet', () => {
    const selector = defaultSelector(pod, {
      services: () => [
        { spec: { selector: { app: 'web' } } },
        { spec: { selector: { app: 'db' } } },
        { spec: {} },
      ],
      replicaSet: (_ns, name) => (name === 'rs1' ? { spec: { selector: { matchLabels: { tier: 'front' } }, template: {} } } : undefined),
    });
    assert.equal(selector.toString(), 'app=web,tier=front');
  });

  it('is empty when nothing selects or owns the pod', () => {
    assert.equal(defaultSelector(makePod('lonely').obj(), {}).isEmpty(), true);
  });
});

describe('PodTopologySpread queueing hints', () => {
  const plugin = new PodTopologySpread(handleFor(new TestSnapshot([])));
  const events = plugin.eventsToRegister();
  const podHint = events.find((e) => e.event.resource === 'Pod')?.hint;
  const nodeHint = events.find((e) => e.event.resource === 'Node')?.hint;
  const pod = makePod('p').labels({ foo: '' }).spread(hard('zone', 1)).obj();

  it('queues when an assigned pod of the namespace matching a constraint leaves', () => {
    assert.ok(podHint);
    assert.equal(podHint(pod, makePod('e').node('n').labels({ foo: '' }).obj(), undefined), QueueingHint.Queue);
    assert.equal(podHint(pod, makePod('e').node('n').labels({ bar: '' }).obj(), undefined), QueueingHint.Skip);
    assert.equal(podHint(pod, makePod('e', 'other').node('n').labels({ foo: '' }).obj(), undefined), QueueingHint.Skip);
  });

  it('queues when a node with the topology keys appears', () => {
    assert.ok(nodeHint);
    assert.equal(nodeHint(pod, undefined, makeNode('n').labels({ zone: 'z' }).obj()), QueueingHint.Queue);
    assert.equal(nodeHint(pod, undefined, makeNode('n').obj()), QueueingHint.Skip);
  });
});
