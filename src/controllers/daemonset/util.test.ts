// Pure DaemonSet helpers: which nodes should run the daemon, the tolerations and
// node pinning of its pods, and rolling-update budgets.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, PodSpec, Taint } from 'kubernetes-types/core/v1.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { addDaemonPodTolerations, createPodTemplate, isPodUpdated, nodeShouldRunDaemonPod, replaceNodeNameAffinity, surgeCount, targetNodeName, unavailableCount } from './util.js';

checkLeaksAfterAll();

function ds(podSpec: Partial<PodSpec> = {}, spec: Record<string, unknown> = {}): DaemonSet {
  return {
    metadata: { name: 'agent', namespace: 'ns' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'x' }], ...podSpec } },
      ...spec,
    },
  } as DaemonSet;
}

function node(name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Node {
  return { metadata: { name, labels }, spec: { taints } };
}

describe('nodeShouldRunDaemonPod', () => {
  it('honours nodeSelector and required node affinity, including matchFields on the name', () => {
    const selected = ds({ nodeSelector: { disk: 'ssd' } });
    assert.deepEqual(nodeShouldRunDaemonPod(node('a', { disk: 'ssd' }), selected), { shouldRun: true, shouldContinueRunning: true });
    assert.deepEqual(nodeShouldRunDaemonPod(node('b', { disk: 'hdd' }), selected), { shouldRun: false, shouldContinueRunning: false });
    const affinity = ds({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['special'] }] }],
          },
        },
      },
    });
    assert.equal(nodeShouldRunDaemonPod(node('big', { cores: '8' }), affinity).shouldRun, true);
    assert.equal(nodeShouldRunDaemonPod(node('small', { cores: '2' }), affinity).shouldRun, false);
    assert.equal(nodeShouldRunDaemonPod(node('special', {}), affinity).shouldRun, true);
  });

  it('keeps running through NoSchedule taints but not untolerated NoExecute ones', () => {
    assert.deepEqual(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'k', effect: 'NoSchedule' }]), ds()), { shouldRun: false, shouldContinueRunning: true });
    assert.deepEqual(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'k', effect: 'NoExecute' }]), ds()), { shouldRun: false, shouldContinueRunning: false });
    assert.deepEqual(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'k', effect: 'PreferNoSchedule' }]), ds()), { shouldRun: true, shouldContinueRunning: true });
    const tolerant = ds({ tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute' }] });
    assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'k', value: 'v', effect: 'NoExecute' }]), tolerant).shouldRun, true);
    assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'k', value: 'w', effect: 'NoExecute' }]), tolerant).shouldRun, false);
  });

  it('tolerates the node condition taints every daemon pod tolerates', () => {
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key, effect: 'NoExecute' }]), ds()).shouldRun, true, key);
    }
    for (const key of ['node.kubernetes.io/disk-pressure', 'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure', 'node.kubernetes.io/unschedulable']) {
      assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key, effect: 'NoSchedule' }]), ds()).shouldRun, true, key);
    }
    const networkDown = node('a', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]);
    assert.equal(nodeShouldRunDaemonPod(networkDown, ds()).shouldRun, false);
    assert.equal(nodeShouldRunDaemonPod(networkDown, ds({ hostNetwork: true })).shouldRun, true);
  });

  it('runs only on the node a template names', () => {
    assert.equal(nodeShouldRunDaemonPod(node('a'), ds({ nodeName: 'b' })).shouldRun, false);
    assert.equal(nodeShouldRunDaemonPod(node('b'), ds({ nodeName: 'b' })).shouldRun, true);
  });
});

describe('daemon pod templates', () => {
  it('replaces a matching toleration instead of adding a second one', () => {
    const spec: PodSpec = { containers: [], tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }] };
    addDaemonPodTolerations(spec);
    assert.equal(spec.tolerations?.length, 6);
    assert.deepEqual(spec.tolerations?.[0], { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' });
  });

  it('labels pods with the revision hash and template generation', () => {
    const template = createPodTemplate(ds().spec!.template, 4, 'abc');
    assert.deepEqual(template.metadata?.labels, { app: 'agent', 'pod-template-generation': '4', 'controller-revision-hash': 'abc' });
    assert.ok(isPodUpdated({ metadata: { labels: { 'controller-revision-hash': 'abc' } } }, 'abc', undefined));
    assert.ok(isPodUpdated({ metadata: { labels: { 'pod-template-generation': '4' } } }, 'zzz', 4));
    assert.ok(!isPodUpdated({ metadata: { labels: { 'controller-revision-hash': 'old' } } }, 'abc', undefined));
  });

  it('pins a pod to a node, keeping preferred affinity, and reads the node back', () => {
    const affinity = replaceNodeNameAffinity(
      {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }] },
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'b', operator: 'Exists' }] } }],
        },
      },
      'n1',
    );
    assert.deepEqual(affinity.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] });
    assert.equal(affinity.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length, 1);
    assert.equal(targetNodeName({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [], affinity } }), 'n1');
    assert.equal(targetNodeName({ metadata: { name: 'p' }, spec: { containers: [], nodeName: 'bound', affinity } }), 'bound');
    assert.ok(targetNodeName({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [] } }) instanceof Error);
  });
});

describe('rolling update budgets', () => {
  it('rounds maxUnavailable and maxSurge percentages up; OnDelete has none', () => {
    const rolling = ds({}, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: '25%' } } });
    assert.equal(unavailableCount(rolling, 15), 2);
    assert.equal(surgeCount(rolling, 15), 4);
    const onDelete = ds({}, { updateStrategy: { type: 'OnDelete' } });
    assert.equal(unavailableCount(onDelete, 15), 0);
    assert.equal(surgeCount(onDelete, 15), 0);
  });
});
