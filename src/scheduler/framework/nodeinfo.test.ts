import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Container, Node, Pod } from 'kubernetes-types/core/v1.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import {
  DEFAULT_MEMORY_REQUEST,
  DEFAULT_MILLI_CPU_REQUEST,
  MutableNodeInfo,
  forgetPodInfo,
  NodeNumber,
  hostPortsOf,
  isScalarResourceName,
  newPodInfo,
  podInfoOf,
  portConflicts,
  resourceFromList,
} from './nodeinfo.js';

checkLeaksAfterAll();

const Mi = 1024 * 1024;
const Gi = 1024 * Mi;

function container(name: string, requests?: Record<string, string>, extra: Partial<Container> = {}): Container {
  return { name, image: 'busybox', ...(requests ? { resources: { requests } } : {}), ...extra };
}

function pod(name: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return { metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { containers: [], ...spec } };
}

function node(name: string, allocatable: Record<string, string>): Node {
  return { metadata: { name }, status: { allocatable } };
}

describe('resourceFromList', () => {
  it('converts cpu to millicores, memory and storage to bytes, and keeps extended resources', () => {
    const r = resourceFromList({
      cpu: '1500m',
      memory: '2Gi',
      'ephemeral-storage': '10G',
      pods: '110',
      'example.com/gpu': '2',
      'hugepages-2Mi': '4Mi',
      'requests.example.com/quota': '1',
      unknown: '5',
    });
    assert.equal(r.milliCPU, 1500);
    assert.equal(r.memory, 2 * Gi);
    assert.equal(r.ephemeralStorage, 10_000_000_000);
    assert.equal(r.allowedPodNumber, 110);
    assert.deepEqual([...r.scalar].sort(), [['example.com/gpu', 2], ['hugepages-2Mi', 4 * Mi]]);
  });

  it('rounds fractional cpu up to a whole millicore', () => {
    assert.equal(resourceFromList({ cpu: '0.0001' }).milliCPU, 1);
    assert.equal(resourceFromList({ cpu: '2' }).milliCPU, 2000);
  });

  it('classifies scalar resource names as upstream does', () => {
    assert.equal(isScalarResourceName('example.com/foo'), true);
    assert.equal(isScalarResourceName('kubernetes.io/foo'), true);
    assert.equal(isScalarResourceName('attachable-volumes-aws-ebs'), true);
    assert.equal(isScalarResourceName('cpu'), false);
    assert.equal(isScalarResourceName('requests.example.com/foo'), false);
  });
});

describe('newPodInfo', () => {
  it('sums containers and takes the largest init container', () => {
    const info = newPodInfo(
      pod('p', {
        containers: [container('a', { cpu: '100m', memory: '100Mi' }), container('b', { cpu: '200m', memory: '50Mi' })],
        initContainers: [container('i1', { cpu: '500m', memory: '10Mi' }), container('i2', { cpu: '100m', memory: '1Gi' })],
      }),
    );
    assert.equal(info.requests.milliCPU, 500);
    assert.equal(info.requests.memory, Gi);
  });

  it('adds restartable sidecar init containers to the sum and to later init containers', () => {
    const always = { restartPolicy: 'Always' } as const;
    const info = newPodInfo(
      pod('p', {
        containers: [container('a', { cpu: '100m' })],
        initContainers: [
          container('sidecar', { cpu: '200m' }, always),
          container('init', { cpu: '250m' }),
          container('sidecar2', { cpu: '50m' }, always),
        ],
      }),
    );
    // Sum of containers and sidecars is 350m; the init container runs beside the first sidecar: 450m.
    assert.equal(info.requests.milliCPU, 450);
  });

  it('adds pod overhead', () => {
    const info = newPodInfo(pod('p', { containers: [container('a', { cpu: '100m' })], overhead: { cpu: '50m', memory: '10Mi' } }));
    assert.equal(info.requests.milliCPU, 150);
    assert.equal(info.requests.memory, 10 * Mi);
  });

  it('gives containers without cpu or memory requests the scoring defaults', () => {
    const info = newPodInfo(pod('p', { containers: [container('a'), container('b', { cpu: '0', memory: '1Gi' })] }));
    assert.equal(info.requests.milliCPU, 0);
    assert.equal(info.requests.memory, Gi);
    // An explicit zero stays zero; only missing requests are defaulted.
    assert.equal(info.nonZeroRequests.milliCPU, DEFAULT_MILLI_CPU_REQUEST);
    assert.equal(info.nonZeroRequests.memory, DEFAULT_MEMORY_REQUEST + Gi);
  });

  it('puts extended resources in scalar', () => {
    const info = newPodInfo(pod('p', { containers: [container('a', { 'example.com/gpu': '1' }), container('b', { 'example.com/gpu': '2' })] }));
    assert.equal(info.requests.scalar.get('example.com/gpu'), 3);
  });

  it('is computed once per pod object and shared', () => {
    const p = pod('p', { containers: [container('a', { cpu: '1' })] });
    const info = newPodInfo(p);
    assert.equal(podInfoOf(p), info);
    const other = pod('q');
    assert.equal(podInfoOf(other), podInfoOf(other));
  });

  it('shares one requests Resource between pods of one containers array, and only then', () => {
    const containers = [container('a', { cpu: '100m', memory: '64Mi' })];
    const first = newPodInfo(pod('p1', { containers }));
    const second = newPodInfo(pod('p2', { containers, nodeName: 'n1' }));
    assert.equal(second.requests, first.requests);
    assert.equal(second.requests.milliCPU, 100);
    // Overhead or init containers add to the sum: those pods get a Resource of their own.
    const withOverhead = newPodInfo(pod('p3', { containers, overhead: { cpu: '50m' } }));
    assert.notEqual(withOverhead.requests, first.requests);
    assert.equal(withOverhead.requests.milliCPU, 150);
    assert.equal(first.requests.milliCPU, 100);
    const withInit = newPodInfo(pod('p4', { containers, initContainers: [container('i', { cpu: '1' })] }));
    assert.equal(withInit.requests.milliCPU, 1000);
    assert.equal(newPodInfo(pod('p5', { containers })).requests.milliCPU, 100);
  });

  it('forgets the PodInfo of a superseded pod object', () => {
    const p = pod('p', { containers: [container('a', { cpu: '1' })] });
    const info = podInfoOf(p);
    forgetPodInfo(p);
    const again = podInfoOf(p);
    assert.notEqual(again, info);
    assert.deepEqual(again.requests, info.requests);
  });

  it('flags affinity and required anti-affinity', () => {
    const term = { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } };
    const plain = newPodInfo(pod('p'));
    assert.equal(plain.hasAffinity, false);
    const preferred = newPodInfo(pod('p', { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: term }] } } }));
    assert.equal(preferred.hasAffinity, true);
    assert.equal(preferred.hasRequiredAntiAffinity, false);
    const required = newPodInfo(pod('p', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } }));
    assert.equal(required.hasRequiredAntiAffinity, true);
  });
});

describe('host ports', () => {
  it('collects host ports of containers and sidecars, defaulting IP and protocol', () => {
    const p = pod('p', {
      initContainers: [
        container('init', undefined, { ports: [{ containerPort: 1, hostPort: 1000 }] }),
        container('sidecar', undefined, { restartPolicy: 'Always', ports: [{ containerPort: 2, hostPort: 2000, protocol: 'UDP' }] }),
      ],
      containers: [container('a', undefined, { ports: [{ containerPort: 80 }, { containerPort: 8080, hostPort: 8080, hostIP: '10.0.0.1' }] })],
    });
    assert.deepEqual(hostPortsOf(p), [
      { ip: '0.0.0.0', protocol: 'UDP', port: 2000 },
      { ip: '10.0.0.1', protocol: 'TCP', port: 8080 },
    ]);
  });

  it('treats 0.0.0.0 as conflicting with every address', () => {
    const used = [{ ip: '10.0.0.1', protocol: 'TCP', port: 80 }];
    assert.equal(portConflicts(used, { ip: '0.0.0.0', protocol: 'TCP', port: 80 }), true);
    assert.equal(portConflicts(used, { ip: '10.0.0.2', protocol: 'TCP', port: 80 }), false);
    assert.equal(portConflicts(used, { ip: '10.0.0.1', protocol: 'UDP', port: 80 }), false);
    assert.equal(portConflicts([{ ip: '0.0.0.0', protocol: 'TCP', port: 80 }], { ip: '10.0.0.2', protocol: 'TCP', port: 80 }), true);
  });
});

describe('MutableNodeInfo', () => {
  it('aggregates requests, ports and affinity pods, and undoes them on removal', () => {
    const info = new MutableNodeInfo(node('n1', { cpu: '4', memory: '8Gi', pods: '110' }));
    assert.equal(info.name, 'n1');
    assert.equal(info.allocatable.milliCPU, 4000);
    const withPort = pod('a', { containers: [container('c', { cpu: '1', 'example.com/gpu': '1' }, { ports: [{ containerPort: 80, hostPort: 80 }] })] });
    const withAffinity = pod('b', {
      containers: [container('c')],
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone' }] } },
    });
    const g0 = info.generation;
    info.addPod(newPodInfo(withPort));
    info.addPod(newPodInfo(withAffinity));
    assert.ok(info.generation > g0);
    assert.equal(info.pods.length, 2);
    assert.equal(info.requested.milliCPU, 1000);
    assert.equal(info.requested.scalar.get('example.com/gpu'), 1);
    assert.equal(info.nonZeroRequested.milliCPU, 1000 + DEFAULT_MILLI_CPU_REQUEST);
    assert.equal(info.nonZeroRequested.memory, 2 * DEFAULT_MEMORY_REQUEST);
    assert.deepEqual(info.usedPorts, [{ ip: '0.0.0.0', protocol: 'TCP', port: 80 }]);
    assert.equal(info.podsWithAffinity.length, 1);
    assert.equal(info.podsWithRequiredAntiAffinity.length, 1);

    const snapshot = info.clone();
    assert.equal(info.removePod(withAffinity), true);
    assert.equal(info.removePod(withAffinity), false);
    assert.equal(info.podsWithAffinity.length, 0);
    assert.equal(info.nonZeroRequested.memory, DEFAULT_MEMORY_REQUEST);
    assert.equal(info.removePod(withPort), true);
    assert.equal(info.requested.milliCPU, 0);
    assert.deepEqual(info.usedPorts, []);

    // The clone kept the state it was taken with.
    assert.equal(snapshot.pods.length, 2);
    assert.equal(snapshot.requested.milliCPU, 1000);
    assert.equal(snapshot.usedPorts.length, 1);
    assert.equal(snapshot.node?.metadata?.name, 'n1');
  });

  it('can hold pods before its node is known', () => {
    const info = new MutableNodeInfo('n2');
    info.addPod(newPodInfo(pod('a')));
    assert.equal(info.node, undefined);
    assert.equal(info.name, 'n2');
    info.setNode(node('n2', { cpu: '1' }));
    assert.equal(info.allocatable.milliCPU, 1000);
    const g = info.generation;
    info.removeNode();
    assert.equal(info.node, undefined);
    assert.equal(info.pods.length, 1);
    assert.ok(info.generation > g);
  });

  it('keeps its flat numbers in step with its pods and node, wherever they are bound', () => {
    const numbers = (info: MutableNodeInfo) => {
      const n = info.numbers;
      const b = info.base;
      return [n[b + NodeNumber.PodCount], n[b + NodeNumber.AllocatableMilliCPU], n[b + NodeNumber.RequestedMilliCPU], n[b + NodeNumber.RequestedMemory], n[b + NodeNumber.NonZeroRequestedMilliCPU]];
    };
    const info = new MutableNodeInfo(node('n1', { cpu: '4', memory: '8Gi', pods: '110' }));
    assert.deepEqual(numbers(info), [0, 4000, 0, 0, 0]);
    const a = newPodInfo(pod('a', { containers: [container('c', { cpu: '1', memory: '1Gi' })] }));
    const b = newPodInfo(pod('b', { containers: [container('c')] }));
    info.addPod(a);
    info.addPod(b);
    assert.deepEqual(numbers(info), [2, 4000, 1000, Gi, 1000 + DEFAULT_MILLI_CPU_REQUEST]);
    // A snapshot gathers its nodes' numbers in one buffer: the values move along.
    const buffer = new Float64Array(3 * NodeNumber.Stride);
    info.bindNumbers(buffer, 2);
    assert.equal(info.slot, 2);
    assert.equal(info.base, 2 * NodeNumber.Stride);
    assert.deepEqual(numbers(info), [2, 4000, 1000, Gi, 1000 + DEFAULT_MILLI_CPU_REQUEST]);
    assert.equal(buffer[2 * NodeNumber.Stride + NodeNumber.PodCount], 2);
    assert.equal(info.removePodInfo(a), true);
    assert.equal(info.removePodInfo(a), false);
    assert.deepEqual(numbers(info), [1, 4000, 0, 0, DEFAULT_MILLI_CPU_REQUEST]);
    // Clones and copies have numbers of their own.
    const copy = info.clone();
    assert.equal(copy.slot, -1);
    assert.notEqual(copy.numbers, buffer);
    assert.deepEqual(numbers(copy), numbers(info));
    const other = new MutableNodeInfo(node('n2', { cpu: '1' }));
    other.bindNumbers(buffer, 0);
    other.copyFrom(info);
    assert.deepEqual(numbers(other), numbers(info));
    assert.equal(other.slot, 0);
    info.setNode(node('n1', { cpu: '8' }));
    assert.equal(numbers(info)[1], 8000);
    assert.equal(numbers(other)[1], 4000);
  });

  it('handles thousands of pods quickly', () => {
    const start = performance.now();
    const infos = [];
    for (let n = 0; n < 5000; n++) infos.push(new MutableNodeInfo(node(`n${n}`, { cpu: '32', memory: '256Gi', pods: '110' })));
    for (let i = 0; i < 20000; i++) {
      const p = pod(`p${i}`, { containers: [container('c', { cpu: '100m', memory: '500Mi' })] });
      (infos[i % 5000] as MutableNodeInfo).addPod(newPodInfo(p));
    }
    assert.ok(performance.now() - start < 2000, 'building 5000 nodes and 20000 pods took too long');
  });
});
