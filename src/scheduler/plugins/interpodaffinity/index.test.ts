import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { checkLeaksAfterAll } from '../../../testing/index.js';
import { podInfoOf } from '../../framework/nodeinfo.js';
import { Code, CycleState, QueueingHint, type Status } from '../../framework/types.js';
import { TestSnapshot, handleFor, makeNode, makePod, runFilter, runScore, summarize, type PodBuilder } from '../helper/testing.js';
import {
  ERR_REASON_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
  InterPodAffinity,
  type InterPodAffinityArgs,
} from './index.js';

checkLeaksAfterAll();

const AFFINITY = `UnschedulableAndUnresolvable: ${ERR_REASON_AFFINITY_RULES_NOT_MATCH}`;
const ANTI = `Unschedulable: ${ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH}`;
const EXISTING = `Unschedulable: ${ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH}`;

function nodes() {
  return [
    makeNode('m1').labels({ region: 'r1', zone: 'z11' }).obj(),
    makeNode('m2').labels({ region: 'r1', zone: 'z12' }).obj(),
    makeNode('m3').labels({ region: 'r2', zone: 'z21' }).obj(),
  ];
}

function term(matchLabels: Record<string, string>, topologyKey: string, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm {
  return { labelSelector: { matchLabels }, topologyKey, ...extra };
}

function filter(pod: PodBuilder, existing: PodBuilder[], args?: InterPodAffinityArgs): Record<string, string> {
  const snapshot = new TestSnapshot(nodes(), existing.map((e) => e.obj()));
  return summarize(runFilter(new InterPodAffinity(handleFor(snapshot), args), pod.obj(), snapshot));
}

describe('InterPodAffinity filter', () => {
  it('skips pods without terms when no pod has required anti-affinity', () => {
    assert.deepEqual(filter(makePod('p'), [makePod('e').node('m1').labels({ app: 'web' })]), { m1: 'Skip', m2: 'Skip', m3: 'Skip' });
  });

  it('required affinity admits the domains holding a matching pod', () => {
    const pod = makePod('p').podAffinity('affinity', term({ service: 'securityscan' }, 'region'));
    const existing = [makePod('e').node('m1').labels({ service: 'securityscan' })];
    assert.deepEqual(filter(pod, existing), { m1: 'ok', m2: 'ok', m3: AFFINITY });
  });

  it('admits the first pod of a group with affinity to itself', () => {
    const pod = makePod('p').labels({ service: 'securityscan' }).podAffinity('affinity', term({ service: 'securityscan' }, 'zone'));
    assert.deepEqual(filter(pod, []), { m1: 'ok', m2: 'ok', m3: 'ok' });
  });

  it('rejects nodes without the topology label', () => {
    const pod = makePod('p').labels({ service: 'securityscan' }).podAffinity('affinity', term({ service: 'securityscan' }, 'rack'));
    assert.deepEqual(filter(pod, []), { m1: AFFINITY, m2: AFFINITY, m3: AFFINITY });
  });

  it('needs every affinity term matched', () => {
    const pod = makePod('p')
      .podAffinity('affinity', term({ service: 'securityscan' }, 'region'))
      .podAffinity('affinity', term({ app: 'db' }, 'zone'));
    const existing = [makePod('e1').node('m1').labels({ service: 'securityscan', app: 'db' })];
    assert.deepEqual(filter(pod, existing), { m1: 'ok', m2: AFFINITY, m3: AFFINITY });
  });

  it('required anti-affinity keeps the pod out of domains with matching pods', () => {
    const pod = makePod('p').podAffinity('antiAffinity', term({ service: 'securityscan' }, 'zone'));
    const existing = [makePod('e').node('m1').labels({ service: 'securityscan' })];
    assert.deepEqual(filter(pod, existing), { m1: ANTI, m2: 'ok', m3: 'ok' });
  });

  it("honours existing pods' anti-affinity against the incoming pod", () => {
    const existing = [makePod('e').node('m1').podAffinity('antiAffinity', term({ app: 'web' }, 'region'))];
    assert.deepEqual(filter(makePod('p').labels({ app: 'web' }), existing), { m1: EXISTING, m2: EXISTING, m3: 'ok' });
    assert.deepEqual(filter(makePod('p').labels({ app: 'db' }), existing), { m1: 'Skip', m2: 'Skip', m3: 'Skip' });
  });

  it('matches only the namespaces a term names', () => {
    const pod = makePod('p').podAffinity('antiAffinity', term({ app: 'web' }, 'zone', { namespaces: ['other'] }));
    const existing = [makePod('e', 'default').node('m1').labels({ app: 'web' }), makePod('f', 'other').node('m2').labels({ app: 'web' })];
    assert.deepEqual(filter(pod, existing), { m1: 'ok', m2: ANTI, m3: 'ok' });
  });

  it('matches namespaces by namespaceSelector through the namespace labels the runtime supplies', () => {
    const namespaceLabels = (ns: string): Record<string, string> | undefined => (ns === 'team-a' ? { team: 'a' } : ns === 'default' ? {} : undefined);
    const pod = makePod('p').podAffinity('antiAffinity', term({ app: 'web' }, 'zone', { namespaceSelector: { matchLabels: { team: 'a' } } }));
    const existing = [makePod('e', 'default').node('m1').labels({ app: 'web' }), makePod('f', 'team-a').node('m2').labels({ app: 'web' })];
    assert.deepEqual(filter(pod, existing, { namespaceLabels }), { m1: 'ok', m2: ANTI, m3: 'ok' });
    // An empty namespaceSelector selects every namespace.
    const everywhere = makePod('p').podAffinity('antiAffinity', term({ app: 'web' }, 'zone', { namespaceSelector: {} }));
    assert.deepEqual(filter(everywhere, existing), { m1: ANTI, m2: ANTI, m3: 'ok' });
  });

  it('rejects a pod with an invalid selector as unresolvable', () => {
    const pod = makePod('p').podAffinity('affinity', { labelSelector: { matchExpressions: [{ key: 'a', operator: 'Bogus' }] }, topologyKey: 'zone' });
    const result = filter(pod, []);
    assert.match(result.m1 ?? '', /^UnschedulableAndUnresolvable: parsing pod: /);
  });
});

describe('InterPodAffinity PreFilterExtensions', () => {
  it('updates counts for pods preemption adds or removes, on a cloned state', () => {
    const victim = makePod('victim').node('m1').labels({ app: 'web' }).obj();
    const snapshot = new TestSnapshot(nodes(), [victim]);
    const plugin = new InterPodAffinity(handleFor(snapshot));
    const pod = makePod('p').podAffinity('antiAffinity', term({ app: 'web' }, 'zone')).obj();
    const state = new CycleState();
    assert.equal(plugin.preFilter(state, pod).status.code, Code.Success);
    const m1 = snapshot.get('m1');
    assert.ok(m1);
    assert.equal(plugin.filter(state, pod, m1).code, Code.Unschedulable);

    const whatIf = state.clone();
    assert.equal(plugin.removePod(whatIf, pod, podInfoOf(victim), m1).code, Code.Success);
    assert.equal(plugin.filter(whatIf, pod, m1).code, Code.Success);
    // The original state is untouched.
    assert.equal(plugin.filter(state, pod, m1).code, Code.Unschedulable);
    plugin.addPod(whatIf, pod, podInfoOf(victim), m1);
    assert.equal(plugin.filter(whatIf, pod, m1).code, Code.Unschedulable);
  });
});

describe('InterPodAffinity score', () => {
  function score(pod: PodBuilder, existing: PodBuilder[], args?: InterPodAffinityArgs) {
    const snapshot = new TestSnapshot(nodes(), existing.map((e) => e.obj()));
    return runScore(new InterPodAffinity(handleFor(snapshot), args), pod.obj(), snapshot.list());
  }

  it('skips when no pod has terms that apply', () => {
    assert.equal((score(makePod('p'), [makePod('e').node('m1')]) as Status).code, Code.Skip);
  });

  it('preferred affinity favours domains with matching pods', () => {
    const pod = makePod('p').preferredPodAffinity('affinity', { weight: 5, podAffinityTerm: term({ security: 'S1' }, 'region') });
    assert.deepEqual(score(pod, [makePod('e').node('m1').labels({ security: 'S1' })]), { m1: 100, m2: 100, m3: 0 });
  });

  it('preferred anti-affinity disfavours them', () => {
    const pod = makePod('p').preferredPodAffinity('antiAffinity', { weight: 5, podAffinityTerm: term({ security: 'S1' }, 'zone') });
    assert.deepEqual(score(pod, [makePod('e').node('m1').labels({ security: 'S1' })]), { m1: 0, m2: 100, m3: 100 });
  });

  it('combines weights', () => {
    const pod = makePod('p')
      .preferredPodAffinity('affinity', { weight: 8, podAffinityTerm: term({ security: 'S1' }, 'region') })
      .preferredPodAffinity('antiAffinity', { weight: 4, podAffinityTerm: term({ security: 'S1' }, 'zone') });
    // m1: 8 - 4 = 4, m2: 8, m3: 0.
    assert.deepEqual(score(pod, [makePod('e').node('m1').labels({ security: 'S1' })]), { m1: 50, m2: 100, m3: 0 });
  });

  it("existing pods' required affinity towards the pod counts with hardPodAffinityWeight", () => {
    const existing = [makePod('e').node('m3').podAffinity('affinity', term({ app: 'web' }, 'zone'))];
    assert.deepEqual(score(makePod('p').labels({ app: 'web' }), existing), { m1: 0, m2: 0, m3: 100 });
    assert.equal((score(makePod('p').labels({ app: 'web' }), existing, { hardPodAffinityWeight: 0 }) as Status).code, Code.Skip);
  });

  it("existing pods' preferred anti-affinity towards the pod counts", () => {
    const existing = [makePod('e').node('m1').preferredPodAffinity('antiAffinity', { weight: 10, podAffinityTerm: term({ app: 'web' }, 'region') })];
    assert.deepEqual(score(makePod('p').labels({ app: 'web' }), existing), { m1: 0, m2: 0, m3: 100 });
  });
});

describe('InterPodAffinity queueing hints', () => {
  const plugin = new InterPodAffinity(handleFor(new TestSnapshot([])));
  const events = plugin.eventsToRegister();
  const podHint = events.find((e) => e.event.resource === 'AssignedPod')?.hint;
  const nodeHint = events.find((e) => e.event.resource === 'Node')?.hint;

  it('queues when an assigned pod the pod wants appears, or one it hates leaves', () => {
    assert.ok(podHint);
    const wants = makePod('p').podAffinity('affinity', term({ app: 'db' }, 'zone')).obj();
    assert.equal(podHint(wants, undefined, makePod('e').node('m1').labels({ app: 'db' }).obj()), QueueingHint.Queue);
    assert.equal(podHint(wants, undefined, makePod('e').node('m1').labels({ app: 'web' }).obj()), QueueingHint.Skip);
    assert.equal(podHint(wants, undefined, makePod('e').labels({ app: 'db' }).obj()), QueueingHint.Skip);
    const hates = makePod('p').podAffinity('antiAffinity', term({ app: 'db' }, 'zone')).obj();
    assert.equal(podHint(hates, makePod('e').node('m1').labels({ app: 'db' }).obj(), undefined), QueueingHint.Queue);
    assert.equal(podHint(hates, makePod('e').node('m1').labels({ app: 'db' }).obj(), makePod('e').node('m1').labels({ app: 'x' }).obj()), QueueingHint.Queue);
  });

  it('queues when a node gains a topology label the pod needs', () => {
    assert.ok(nodeHint);
    const wants = makePod('p').podAffinity('affinity', term({ app: 'db' }, 'zone')).obj();
    assert.equal(nodeHint(wants, undefined, makeNode('n').labels({ zone: 'a' }).obj()), QueueingHint.Queue);
    assert.equal(nodeHint(wants, undefined, makeNode('n').obj()), QueueingHint.Skip);
    assert.equal(nodeHint(wants, makeNode('n').obj(), makeNode('n').labels({ zone: 'a' }).obj()), QueueingHint.Queue);
  });
});
