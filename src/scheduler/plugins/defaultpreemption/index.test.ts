import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../../client/index.js';
import { checkLeaksAfterAll } from '../../../testing/index.js';
import { SchedulerCache } from '../../cache.js';
import { newPodInfo } from '../../framework/nodeinfo.js';
import { Framework, type PodDisruptionBudgetLike, type SchedulerServices } from '../../framework/runtime.js';
import { Code, CycleState, SUCCESS, status, type FilterPlugin, type Status } from '../../framework/types.js';
import { Nominator } from '../../queue.js';
import { DefaultPreemption, filterPodsWithPDBViolation, newDefaultPreemption, numCandidates, pickOneNodeForPreemption, type Candidate } from './index.js';

checkLeaksAfterAll();

function node(name: string, cpu: string): Node {
  return { metadata: { name }, status: { allocatable: { cpu, memory: '64Gi', pods: '110' } } };
}

function pod(name: string, cpu: string, priority: number, extra: { nodeName?: string; labels?: Record<string, string>; startTime?: string; terminating?: boolean; preemptionPolicy?: string; nominatedNodeName?: string } = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: extra.labels ?? {}, ...(extra.terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: {
      priority,
      containers: [{ name: 'c', resources: { requests: { cpu } } }],
      ...(extra.nodeName ? { nodeName: extra.nodeName } : {}),
      ...(extra.preemptionPolicy ? { preemptionPolicy: extra.preemptionPolicy } : {}),
    },
    status: { ...(extra.startTime ? { startTime: extra.startTime } : {}), ...(extra.nominatedNodeName ? { nominatedNodeName: extra.nominatedNodeName } : {}) },
  };
}

/** cpu-only fit: Unschedulable "Insufficient cpu". */
const fit: FilterPlugin = {
  name: 'Fit',
  filter(_state, p, nodeInfo) {
    const want = newPodInfo(p).requests.milliCPU;
    return nodeInfo.requested.milliCPU + want > nodeInfo.allocatable.milliCPU ? status(Code.Unschedulable, 'Insufficient cpu') : SUCCESS;
  },
};

interface Setup {
  fw: Framework;
  preemption: DefaultPreemption;
  preempted: string[];
  cleared: string[];
  nominator: Nominator;
  filtered(p: Pod): Map<string, Status>;
}

function setup(nodes: Node[], pods: Pod[], options: { pdbs?: PodDisruptionBudgetLike[]; live?: Pod[] } = {}): Setup {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.addNode(n);
  for (const p of pods) cache.addPod(p);
  const nominator = new Nominator();
  const preempted: string[] = [];
  const cleared: string[] = [];
  const live = new Map([...pods, ...(options.live ?? [])].map((p) => [p.metadata!.name!, p]));
  const services: SchedulerServices = {
    nominator,
    clock: new FakeClock(),
    bindPod: async () => {},
    preemptPod: async (victim) => void preempted.push(victim.metadata!.name!),
    clearNomination: async (p) => void cleared.push(p.metadata!.name!),
    podDisruptionBudgets: () => options.pdbs ?? [],
    getPod: (_ns, name) => live.get(name),
  };
  const fw = new Framework(
    { Fit: () => fit, DefaultPreemption: newDefaultPreemption },
    { schedulerName: 'default-scheduler', plugins: [{ name: 'Fit' }, { name: 'DefaultPreemption' }] },
    services,
    () => 0,
  );
  fw.setSnapshot(cache.updateSnapshot());
  const preemption = fw.postFilterPlugins[0] as DefaultPreemption;
  const filtered = (p: Pod) => fw.findNodesThatFitPod(new CycleState(), p, fw.snapshot().list()).diagnosis.nodeToStatus;
  return { fw, preemption, preempted, cleared, nominator, filtered };
}

describe('DefaultPreemption', () => {
  it('evicts as few and as unimportant pods as it can', async () => {
    const victims = [pod('p1', '1', 1, { nodeName: 'n' }), pod('p2', '2', 2, { nodeName: 'n' }), pod('p3', '1', 5, { nodeName: 'n' })];
    const preemptor = pod('high', '2', 10);
    const s = setup([node('n', '4')], victims, { live: [preemptor] });
    const out = await s.preemption.postFilter(new CycleState(), preemptor, s.filtered(preemptor));
    assert.deepEqual(out, { nominatedNodeName: 'n', status: SUCCESS });
    // Reprieved most important first: p3 fits back, p2 cannot, p1 then fits.
    assert.deepEqual(s.preempted, ['p2']);
  });

  it('says so when no lower-priority pod could make room', async () => {
    const preemptor = pod('p', '1', 10);
    const s = setup([node('a', '2'), node('b', '2')], [pod('x', '2', 100, { nodeName: 'a' }), pod('y', '2', 100, { nodeName: 'b' })], { live: [preemptor] });
    const out = await s.preemption.postFilter(new CycleState(), preemptor, s.filtered(preemptor));
    assert.equal(out.nominatedNodeName, '');
    assert.equal(out.status.code, Code.Unschedulable);
    assert.deepEqual(out.status.reasons, ['preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.']);
  });

  it('skips nodes where preemption cannot help', async () => {
    const preemptor = pod('p', '1', 10);
    const s = setup([node('a', '1')], [pod('x', '1', 1, { nodeName: 'a' })], { live: [preemptor] });
    const filtered = new Map<string, Status>([['a', status(Code.UnschedulableAndUnresolvable, "node(s) didn't match Pod's node affinity/selector")]]);
    const out = await s.preemption.postFilter(new CycleState(), preemptor, filtered);
    assert.deepEqual(out.status.reasons, ['preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.']);
    assert.deepEqual(s.preempted, []);
  });

  it('does not preempt for preemptionPolicy Never or while a victim on its nominated node terminates', async () => {
    const never = pod('p', '1', 10, { preemptionPolicy: 'Never' });
    const s = setup([node('a', '1')], [pod('x', '1', 1, { nodeName: 'a' })], { live: [never] });
    const out = await s.preemption.postFilter(new CycleState(), never, s.filtered(never));
    assert.deepEqual(out.status.reasons, ['preemption: not eligible due to preemptionPolicy=Never.']);

    const waiting = pod('q', '1', 10, { nominatedNodeName: 'a' });
    const t = setup([node('a', '1')], [pod('x', '1', 1, { nodeName: 'a', terminating: true })], { live: [waiting] });
    const again = await t.preemption.postFilter(new CycleState(), waiting, t.filtered(waiting));
    assert.deepEqual(again.status.reasons, ['preemption: not eligible due to a terminating pod on the nominated node.']);
    assert.deepEqual(t.preempted, []);
  });

  it('prefers a node where no PodDisruptionBudget would be violated', async () => {
    const protectedPod = pod('guarded', '2', 1, { nodeName: 'a', labels: { app: 'db' } });
    const plain = pod('plain', '2', 1, { nodeName: 'b', labels: { app: 'web' } });
    const preemptor = pod('p', '2', 10);
    const pdb: PodDisruptionBudgetLike = { metadata: { namespace: 'ns', name: 'db' }, spec: { selector: { matchLabels: { app: 'db' } } }, status: { disruptionsAllowed: 0 } };
    const s = setup([node('a', '2'), node('b', '2')], [protectedPod, plain], { pdbs: [pdb], live: [preemptor] });
    const out = await s.preemption.postFilter(new CycleState(), preemptor, s.filtered(preemptor));
    assert.equal(out.nominatedNodeName, 'b');
    assert.deepEqual(s.preempted, ['plain']);
  });

  it('clears lower-priority nominations on the chosen node', async () => {
    const preemptor = pod('p', '2', 10);
    const lowNominated = pod('low-nominee', '1', 5, { nominatedNodeName: 'n' });
    const s = setup([node('n', '2')], [pod('v', '2', 1, { nodeName: 'n' })], { live: [preemptor, lowNominated] });
    s.nominator.add(newPodInfo(lowNominated));
    const out = await s.preemption.postFilter(new CycleState(), preemptor, s.filtered(preemptor));
    assert.equal(out.nominatedNodeName, 'n');
    assert.deepEqual(s.cleared, ['low-nominee']);
  });
});

describe('filterPodsWithPDBViolation', () => {
  it('counts allowed disruptions across the pods, skipping pods already disrupted', () => {
    const pods = ['a', 'b', 'c'].map((n) => newPodInfo(pod(n, '1', 1, { labels: { app: 'x' } })));
    const pdb: PodDisruptionBudgetLike = { metadata: { namespace: 'ns' }, spec: { selector: { matchLabels: { app: 'x' } } }, status: { disruptionsAllowed: 1, disruptedPods: { b: '2026-01-01T00:00:00Z' } } };
    const { violating, nonViolating } = filterPodsWithPDBViolation(pods, [pdb]);
    assert.deepEqual(nonViolating.map((p) => p.pod.metadata?.name), ['a', 'b']);
    assert.deepEqual(violating.map((p) => p.pod.metadata?.name), ['c']);
    const empty: PodDisruptionBudgetLike = { metadata: { namespace: 'ns' }, spec: { selector: {} }, status: { disruptionsAllowed: 0 } };
    assert.equal(filterPodsWithPDBViolation(pods, [empty]).violating.length, 0, 'an empty selector matches nothing');
  });
});

describe('pickOneNodeForPreemption', () => {
  const p = (name: string, priority: number, startTime?: string) => pod(name, '1', priority, startTime ? { startTime } : {});
  const c = (name: string, victims: Pod[], numPDBViolations = 0): Candidate => ({ name, victims, numPDBViolations });
  it('applies upstream criteria in order', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(pickOneNodeForPreemption([c('a', [p('x', 1)], 1), c('b', [p('y', 5)], 0)], now)?.name, 'b', 'fewest PDB violations');
    assert.equal(pickOneNodeForPreemption([c('a', [p('x', 5)]), c('b', [p('y', 3), p('z', 3)])], now)?.name, 'b', 'lowest highest priority');
    assert.equal(pickOneNodeForPreemption([c('a', [p('x', 3), p('w', 2)]), c('b', [p('y', 3), p('z', 1)])], now)?.name, 'b', 'lowest priority sum');
    assert.equal(pickOneNodeForPreemption([c('a', [p('x', 3), p('w', -5)]), c('b', [p('y', 3)])], now)?.name, 'b', 'sum offsets negatives: fewer pods wins');
    assert.equal(
      pickOneNodeForPreemption([c('a', [p('x', 3, '2025-01-01T00:00:00Z')]), c('b', [p('y', 3, '2025-06-01T00:00:00Z')])], now)?.name,
      'b',
      'latest start of the highest-priority victims',
    );
    assert.equal(pickOneNodeForPreemption([c('a', [p('x', 3)]), c('b', [p('y', 3)])], now)?.name, 'a', 'then the first');
  });

  it('dry-runs at least 100 nodes or 10%', () => {
    assert.equal(numCandidates(50), 50);
    assert.equal(numCandidates(500), 100);
    assert.equal(numCandidates(5000), 500);
  });
});
