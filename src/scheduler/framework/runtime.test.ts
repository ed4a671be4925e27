import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../client/index.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { SchedulerCache } from '../cache.js';
import { Nominator } from '../queue.js';
import { newPodInfo } from './nodeinfo.js';
import { FitError, Framework, NoNodesAvailableError, numFeasibleNodesToFind, fitErrorMessage, newDiagnosis, type Registry, type SchedulerServices } from './runtime.js';
import { Code, CycleState, SUCCESS, SKIP, StateSlot, status, type FilterPlugin, type NodeInfo, type NodeScore, type PreFilterPlugin, type ScorePlugin, type Status } from './types.js';

checkLeaksAfterAll();

function node(name: string, cpu = '4', labels: Record<string, string> = {}): Node {
  return { metadata: { name, labels }, status: { allocatable: { cpu, memory: '8Gi', pods: '110' } } };
}

function pod(name: string, cpu = '1', extra: Partial<NonNullable<Pod['spec']>> = {}, nodeName?: string): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}` },
    spec: { containers: [{ name: 'c', resources: { requests: { cpu } } }], ...extra, ...(nodeName ? { nodeName } : {}) },
  };
}

/** A cpu-only NodeResourcesFit look-alike: "Insufficient cpu". */
const fit: FilterPlugin = {
  name: 'Fit',
  filter(_state, p, nodeInfo) {
    const want = newPodInfo(p).requests.milliCPU;
    return nodeInfo.requested.milliCPU + want > nodeInfo.allocatable.milliCPU ? status(Code.Unschedulable, 'Insufficient cpu') : SUCCESS;
  },
};

/** Rejects nodes without label ok=true, unresolvably. */
const labelFilter: FilterPlugin = {
  name: 'Label',
  filter: (_s, _p, n) => (n.node?.metadata?.labels?.ok === 'true' ? SUCCESS : status(Code.UnschedulableAndUnresolvable, "node(s) didn't match Pod's node affinity/selector")),
};

/** Scores by free cpu, in millicores / 100 (0..40 for 4-cpu nodes), normalized to 0..100. */
const leastCpu: ScorePlugin = {
  name: 'LeastCpu',
  score: (_s, _p, n) => Math.floor((n.allocatable.milliCPU - n.requested.milliCPU) / 100),
  normalizeScore(_s, _p, scores: NodeScore[]): Status {
    const max = Math.max(...scores.map((s) => s.score));
    for (const s of scores) s.score = max === 0 ? 0 : Math.trunc((s.score * 100) / max);
    return SUCCESS;
  },
};

/** Prefers nodes named "preferred" with weight applied by the profile. */
const preferNamed: ScorePlugin = { name: 'PreferNamed', score: (_s, _p, n) => (n.name === 'preferred' ? 100 : 0) };

function services(nominator = new Nominator()): SchedulerServices {
  return {
    nominator,
    clock: new FakeClock(),
    bindPod: async () => {},
    preemptPod: async () => {},
    clearNomination: async () => {},
    podDisruptionBudgets: () => [],
    getPod: () => undefined,
  };
}

function framework(plugins: Array<{ name: string; weight?: number; plugin: object }>, opts: { nominator?: Nominator; random?: () => number; percentage?: number } = {}): Framework {
  const registry: Registry = Object.fromEntries(plugins.map(({ name, plugin }) => [name, () => ({ name, ...plugin })]));
  return new Framework(
    registry,
    { schedulerName: 'default-scheduler', plugins: plugins.map(({ name, weight }) => ({ name, ...(weight ? { weight } : {}) })), ...(opts.percentage ? { percentageOfNodesToScore: opts.percentage } : {}) },
    services(opts.nominator),
    opts.random ?? (() => 0),
  );
}

function cacheWith(nodes: Node[], pods: Pod[] = []): SchedulerCache {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.addNode(n);
  for (const p of pods) cache.addPod(p);
  return cache;
}

describe('numFeasibleNodesToFind', () => {
  it('follows upstream: all below 100 nodes, adaptive 50 - n/125 percent (min 5%), at least 100', () => {
    assert.equal(numFeasibleNodesToFind(undefined, 50), 50);
    assert.equal(numFeasibleNodesToFind(undefined, 100), 100); // 49% of 100 is below the minimum
    assert.equal(numFeasibleNodesToFind(undefined, 500), 230); // 46%
    assert.equal(numFeasibleNodesToFind(undefined, 1000), 420); // 42%
    assert.equal(numFeasibleNodesToFind(undefined, 5000), 500); // 10%
    assert.equal(numFeasibleNodesToFind(undefined, 6000), 300); // 2% -> 5%
    assert.equal(numFeasibleNodesToFind(undefined, 15000), 750); // 5%
    assert.equal(numFeasibleNodesToFind(30, 1000), 300);
    assert.equal(numFeasibleNodesToFind(1, 1000), 100);
  });
});

describe('Framework.schedulePod', () => {
  it('explains a pod that fits nowhere the way FailedScheduling does', () => {
    const fw = framework([{ name: 'Fit', plugin: fit }, { name: 'Label', plugin: labelFilter }]);
    fw.setSnapshot(cacheWith([node('a', '1', { ok: 'true' }), node('b', '1', { ok: 'true' }), node('c', '8')]).updateSnapshot());
    assert.throws(
      () => fw.schedulePod(new CycleState(), pod('p', '2')),
      (err: unknown) => {
        assert.ok(err instanceof FitError);
        assert.equal(err.message, "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu.");
        assert.deepEqual([...err.diagnosis.unschedulablePlugins].sort(), ['Fit', 'Label']);
        return true;
      },
    );
  });

  it('says when there are no nodes at all', () => {
    const fw = framework([{ name: 'Fit', plugin: fit }]);
    fw.setSnapshot(new SchedulerCache().updateSnapshot());
    assert.throws(() => fw.schedulePod(new CycleState(), pod('p')), NoNodesAvailableError);
  });

  it('picks the best total of weighted, normalized scores', () => {
    const fw = framework([
      { name: 'Fit', plugin: fit },
      { name: 'LeastCpu', plugin: leastCpu },
      { name: 'PreferNamed', plugin: preferNamed, weight: 2 },
    ]);
    const cache = cacheWith([node('roomy', '8'), node('preferred', '4'), node('full', '4')], [pod('x', '3', {}, 'full')]);
    fw.setSnapshot(cache.updateSnapshot());
    // roomy: 100 + 0; preferred: 50 + 200; full: 12 + 0.
    assert.equal(fw.schedulePod(new CycleState(), pod('p', '1')).suggestedHost, 'preferred');
    const scores = fw.prioritizeNodes(new CycleState(), pod('p', '1'), fw.snapshot().list());
    assert.deepEqual(Object.fromEntries(scores.map((s) => [s.name, s.score])), { roomy: 100, preferred: 250, full: 12 });
  });

  it('breaks ties at random among the best', () => {
    const seen = new Set<string>();
    for (const r of [0, 0.3, 0.6, 0.99]) {
      const fw = framework([{ name: 'Fit', plugin: fit }, { name: 'LeastCpu', plugin: leastCpu }], { random: () => r });
      fw.setSnapshot(cacheWith([node('a'), node('b'), node('c')]).updateSnapshot());
      seen.add(fw.schedulePod(new CycleState(), pod('p')).suggestedHost);
    }
    assert.ok(seen.size >= 2, `ties always went to ${[...seen].join(',')}`);
  });

  it('draws one random number per cycle to pick among the tied nodes only', () => {
    // "busy" scores lower; a, b and c tie: 0 <= r < 1/3 picks a, 2/3 <= r < 1 picks c.
    const nodes = [node('a'), node('busy', '2'), node('b'), node('c')];
    const picks: string[] = [];
    for (const r of [0, 0.5, 0.999]) {
      let draws = 0;
      const fw = framework([{ name: 'LeastCpu', plugin: leastCpu }], {
        random: () => {
          draws++;
          return r;
        },
      });
      fw.setSnapshot(cacheWith(nodes).updateSnapshot());
      picks.push(fw.schedulePod(new CycleState(), pod('p')).suggestedHost);
      assert.equal(draws, 1);
    }
    assert.deepEqual(picks, ['a', 'b', 'c']);
    assert.equal(framework([{ name: 'LeastCpu', plugin: leastCpu }]).selectHost([{ name: 'x', score: 1 }, { name: 'y', score: 3 }]), 'y');
  });

  it('stops filtering once it found enough nodes and starts the next pod where it stopped', () => {
    let filtered: string[] = [];
    const counting: FilterPlugin = {
      name: 'Count',
      filter: (_s, _p, n) => {
        filtered.push(n.name);
        return SUCCESS;
      },
    };
    const fw = framework([{ name: 'Count', plugin: counting }, { name: 'LeastCpu', plugin: leastCpu }]);
    const nodes = Array.from({ length: 1000 }, (_, i) => node(`n${i}`));
    fw.setSnapshot(cacheWith(nodes).updateSnapshot());
    const want = numFeasibleNodesToFind(undefined, 1000);
    const result = fw.schedulePod(new CycleState(), pod('p'));
    assert.equal(filtered.length, want);
    assert.equal(result.feasibleNodes, want);
    assert.equal(filtered[0], 'n0');
    filtered = [];
    fw.schedulePod(new CycleState(), pod('q'));
    assert.equal(filtered[0], `n${want}`, 'round robin start');
  });

  it('skips Filter of plugins whose PreFilter said Skip, and narrows to PreFilter node names', () => {
    const skipper: PreFilterPlugin & FilterPlugin = {
      name: 'Skipper',
      preFilter: () => ({ status: SKIP }),
      filter: () => status(Code.Unschedulable, 'should not run'),
    };
    const narrower: PreFilterPlugin = { name: 'Narrow', preFilter: () => ({ result: { nodeNames: new Set(['b']) }, status: SUCCESS }) };
    const fw = framework([{ name: 'Skipper', plugin: skipper }, { name: 'Narrow', plugin: narrower }, { name: 'Fit', plugin: fit }]);
    fw.setSnapshot(cacheWith([node('a'), node('b'), node('c')]).updateSnapshot());
    assert.equal(fw.schedulePod(new CycleState(), pod('p')).suggestedHost, 'b');
    fw.setSnapshot(cacheWith([node('a'), node('b', '1'), node('c')]).updateSnapshot());
    assert.throws(
      () => fw.schedulePod(new CycleState(), pod('p', '2')),
      (err: unknown) => err instanceof FitError && err.message === '0/3 nodes are available: 1 Insufficient cpu, 2 node is filtered out by the prefilter result.',
    );
  });

  it('reports a PreFilter rejection once, not per node', () => {
    const rejecter: PreFilterPlugin = { name: 'Reject', preFilter: () => ({ status: status(Code.UnschedulableAndUnresolvable, 'pod has unbound immediate PersistentVolumeClaims') }) };
    const fw = framework([{ name: 'Reject', plugin: rejecter }]);
    fw.setSnapshot(cacheWith([node('a'), node('b')]).updateSnapshot());
    assert.throws(
      () => fw.schedulePod(new CycleState(), pod('p')),
      (err: unknown) => err instanceof FitError && err.message === '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.',
    );
  });

  it('treats pods nominated to a node with equal or higher priority as already there', () => {
    const nominator = new Nominator();
    const fw = framework([{ name: 'Fit', plugin: fit }], { nominator });
    fw.setSnapshot(cacheWith([node('a', '2')]).updateSnapshot());
    const nominated = pod('big', '2', { priority: 100 });
    nominator.add(newPodInfo(nominated), { mode: 'override', nodeName: 'a' });
    assert.throws(() => fw.schedulePod(new CycleState(), pod('low', '1', { priority: 10 })), FitError);
    assert.equal(fw.schedulePod(new CycleState(), pod('higher', '1', { priority: 1000 })).suggestedHost, 'a');
  });

  it('tries the nominated node first', () => {
    const fw = framework([{ name: 'Fit', plugin: fit }, { name: 'LeastCpu', plugin: leastCpu }]);
    fw.setSnapshot(cacheWith([node('small', '2'), node('big', '16')]).updateSnapshot());
    const p: Pod = { ...pod('p'), status: { nominatedNodeName: 'small' } };
    const result = fw.schedulePod(new CycleState(), p);
    assert.equal(result.suggestedHost, 'small');
    assert.equal(result.feasibleNodes, 1);
  });
});

describe('StateSlot', () => {
  it('reads what was written to the same state, and notices writes that bypassed it', () => {
    const slot = new StateSlot<number>('key');
    const one = new CycleState();
    const two = new CycleState();
    assert.equal(slot.read(one), undefined);
    slot.write(one, 1);
    slot.write(two, 2);
    assert.equal(slot.read(one), 1);
    assert.equal(slot.read(two), 2);
    assert.equal(slot.read(one), 1);
    one.write('key', 3);
    assert.equal(slot.read(one), 3);
    one.delete('key');
    assert.equal(slot.read(one), undefined);
    const copy = two.clone();
    assert.equal(slot.read(copy), 2);
  });
});

describe('fitErrorMessage', () => {
  it('sorts the reasons histogram as strings and appends the PostFilter message', () => {
    const diagnosis = newDiagnosis();
    diagnosis.nodeToStatus.set('a', status(Code.Unschedulable, 'Insufficient cpu'));
    diagnosis.nodeToStatus.set('b', status(Code.Unschedulable, 'Insufficient cpu', 'Insufficient memory'));
    diagnosis.nodeToStatus.set('c', status(Code.UnschedulableAndUnresolvable, "node(s) had untolerated taint {dedicated: gpu}"));
    diagnosis.postFilterMsg = 'preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
    assert.equal(
      fitErrorMessage(3, diagnosis),
      "0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    );
  });
});

describe('Framework extension points', () => {
  it('binds with the first bind plugin that does not skip, and runs reserve/unreserve in order', async () => {
    const calls: string[] = [];
    const skipBinder = { bind: async () => SKIP };
    const binder = { bind: async (_s: CycleState, p: Pod, n: string) => (calls.push(`bind ${p.metadata?.name} ${n}`), SUCCESS) };
    const reserver = (tag: string) => ({ reserve: () => (calls.push(`reserve ${tag}`), SUCCESS), unreserve: () => void calls.push(`unreserve ${tag}`) });
    const fw = framework([
      { name: 'R1', plugin: reserver('1') },
      { name: 'R2', plugin: reserver('2') },
      { name: 'Skip', plugin: skipBinder },
      { name: 'Bind', plugin: binder },
    ]);
    const state = new CycleState();
    assert.equal(fw.runReservePluginsReserve(state, pod('p'), 'n').code, Code.Success);
    fw.runReservePluginsUnreserve(state, pod('p'), 'n');
    assert.equal((await fw.runBindPlugins(state, pod('p'), 'n')).code, Code.Success);
    assert.deepEqual(calls, ['reserve 1', 'reserve 2', 'unreserve 2', 'unreserve 1', 'bind p n']);
  });

  it('parks a pod at Permit until allowed, or rejects it when the wait times out', async () => {
    const clock = new FakeClock();
    const permit = { permit: () => ({ status: status(Code.Wait), timeoutMs: 5000 }) };
    const registry: Registry = { Gate: () => ({ name: 'Gate', ...permit }) };
    const fw = new Framework(registry, { schedulerName: 'default-scheduler', plugins: [{ name: 'Gate' }] }, { ...services(), clock });
    assert.equal(fw.runPermitPlugins(new CycleState(), pod('a'), 'n').code, Code.Wait);
    const allowed = fw.waitOnPermit(pod('a'));
    fw.getWaitingPod('uid-a')!.allow('Gate');
    assert.equal((await allowed).code, Code.Success);
    fw.runPermitPlugins(new CycleState(), pod('b'), 'n');
    const timedOut = fw.waitOnPermit(pod('b'));
    clock.advance(5000);
    const s = await timedOut;
    assert.equal(s.code, Code.Unschedulable);
    assert.match(s.reasons[0]!, /rejected due to timeout after waiting 5s at plugin Gate/);
    assert.equal(clock.pending, 0);
  });

  it('rejects out-of-range normalized scores as an error', () => {
    const bad: ScorePlugin = { name: 'Bad', score: () => 101 };
    const fw = framework([{ name: 'Bad', plugin: bad }]);
    fw.setSnapshot(cacheWith([node('a'), node('b')]).updateSnapshot());
    assert.throws(() => fw.schedulePod(new CycleState(), pod('p')), /invalid score 101/);
  });

  it('fails the cycle with the Status a Score plugin returns instead of a score', () => {
    const broken: ScorePlugin = { name: 'Broken', score: () => status(Code.Error, 'no data') };
    const fw = framework([{ name: 'Broken', plugin: broken }]);
    fw.setSnapshot(cacheWith([node('a'), node('b')]).updateSnapshot());
    assert.throws(() => fw.schedulePod(new CycleState(), pod('p')), /running "Broken" plugin: no data/);
  });

  it('keeps Filter statuses per node for PostFilter', () => {
    const fw = framework([{ name: 'Fit', plugin: fit }]);
    fw.setSnapshot(cacheWith([node('a', '1'), node('b', '1')]).updateSnapshot());
    const { feasible, diagnosis } = fw.findNodesThatFitPod(new CycleState(), pod('p', '2'), fw.snapshot().list());
    assert.deepEqual(feasible, [] as NodeInfo[]);
    assert.deepEqual([...diagnosis.nodeToStatus.keys()], ['a', 'b']);
    assert.equal(diagnosis.nodeToStatus.get('a')?.plugin, 'Fit');
  });
});
