// bench/writepath: the API server's write path in process, without HTTP or TLS: the
// registry (admission, defaults, validation, managedFields, encoding) on a memory
// store through the in-process client. Pod creates/s, pods/binding/s, pod status
// merge patches/s (as a kubelet reports a running pod) and Deployment status
// updates/s (as the deployment controller writes them), one caller and 64
// concurrent callers, with the CPU time each write costs.

import type { KubeObject } from '../src/api/types.js';
import { Resources, type ApiClient } from '../src/client/index.js';
import { startControlPlane } from '../src/testing/index.js';
import { formatRate, printTable, writeResults } from './report.js';

const QUICK = process.env.BENCH_QUICK === '1';
const PODS_1 = QUICK ? 500 : 2000;
const PODS_64 = QUICK ? 3000 : 15_000;
const WARMUP = QUICK ? 300 : 1000;
const DEPLOYMENTS = 128;
const DEPLOYMENT_UPDATES_1 = QUICK ? 500 : 2000;
const DEPLOYMENT_UPDATES_64 = QUICK ? 3000 : 15_000;
const NAMESPACE = 'default';

/** A pod as a ReplicaSet creates it (labels, owner, one container with probes, env, resources). */
function pod(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels: { app: 'web', 'pod-template-hash': '5d4b7c9f8' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4b7c9f8', uid: '6f1c2c1e-3f5e-4c39-9d63-2b1f7b8e0a11', controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'nginx:1.25',
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          env: [
            { name: 'MODE', value: 'production' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
        },
      ],
    },
  };
}

function time(offsetSeconds: number): string {
  return new Date(Date.UTC(2025, 0, 1, 0, 0, offsetSeconds)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The status a kubelet reports once the pod's container runs (merge patch of status). */
function runningStatus(i: number): object {
  const started = time(i % 3600);
  const condition = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: started });
  const ip = `10.244.${(i >> 8) & 255}.${i & 255}`;
  return {
    status: {
      phase: 'Running',
      conditions: [condition('PodReadyToStartContainers'), condition('Initialized'), condition('Ready'), condition('ContainersReady'), condition('PodScheduled')],
      hostIP: '192.168.0.10',
      hostIPs: [{ ip: '192.168.0.10' }],
      podIP: ip,
      podIPs: [{ ip }],
      startTime: started,
      containerStatuses: [
        {
          name: 'app',
          state: { running: { startedAt: started } },
          lastState: {},
          ready: true,
          restartCount: 0,
          image: 'docker.io/library/nginx:1.25',
          imageID: 'docker.io/library/nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31',
          containerID: `containerd://${i.toString(16).padStart(64, '0')}`,
          started: true,
        },
      ],
      qosClass: 'Burstable',
    },
  };
}

function deployment(name: string): KubeObject {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas: 3,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 8080 }] }] } },
    },
  };
}

/** The status the deployment controller writes as replicas come up (the n-th write of this deployment). */
function withDeploymentStatus(current: KubeObject, n: number): KubeObject {
  const ready = n % 4;
  const at = time(n);
  return {
    ...current,
    status: {
      observedGeneration: current.metadata?.generation ?? 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(ready < 3 ? { unavailableReplicas: 3 - ready } : {}),
      conditions: [
        { type: 'Available', status: ready >= 2 ? 'True' : 'False', lastUpdateTime: at, lastTransitionTime: at, reason: ready >= 2 ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', message: 'Deployment has minimum availability.' },
        { type: 'Progressing', status: 'True', lastUpdateTime: at, lastTransitionTime: time(0), reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${current.metadata?.name ?? ''}-5d4b7c9f8" has successfully progressed.` },
      ],
    },
  };
}

interface Rate {
  readonly perSecond: number;
  /** CPU time of this process per operation (user + system). */
  readonly cpuMicrosPerOp: number;
}

/** Runs `op` for indexes [from, from+count) on `concurrency` callers; worker w takes the indexes i with i % concurrency == w. */
async function rate(count: number, concurrency: number, op: (i: number) => Promise<void>): Promise<Rate> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; i < count; i += concurrency) await op(i);
    }),
  );
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { perSecond: (count / elapsed) * 1000, cpuMicrosPerOp: (used.user + used.system) / count };
}

interface Figures {
  podCreates: Rate;
  bindings: Rate;
  podStatusPatches: Rate;
  deploymentStatusUpdates: Rate;
}

/** One round of every operation over its own pods (`prefix`), with `concurrency` callers. */
async function round(client: ApiClient, prefix: string, pods: number, deploymentUpdates: number, deployments: KubeObject[], concurrency: number): Promise<Figures> {
  const podCreates = await rate(pods, concurrency, async (i) => {
    await client.create(Resources.pods, NAMESPACE, pod(`${prefix}-${i}`));
  });
  const bindings = await rate(pods, concurrency, async (i) => {
    const name = `${prefix}-${i}`;
    await client.createSubresource(Resources.pods, NAMESPACE, name, 'binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name },
      target: { apiVersion: 'v1', kind: 'Node', name: `node-${i % 100}` },
    } as KubeObject);
  });
  const podStatusPatches = await rate(pods, concurrency, async (i) => {
    await client.patch(Resources.pods, NAMESPACE, `${prefix}-${i}`, 'merge', runningStatus(i), { subresource: 'status', fieldManager: 'kubelet' });
  });
  // Each caller owns the deployments d with d % concurrency == its index: no conflicts.
  const writes = new Array<number>(deployments.length).fill(0);
  const deploymentStatusUpdates = await rate(deploymentUpdates, concurrency, async (i) => {
    const d = (i % concurrency) + concurrency * (Math.floor(i / concurrency) % Math.floor(deployments.length / concurrency));
    const next = withDeploymentStatus(deployments[d]!, ++writes[d]!);
    deployments[d] = await client.update(Resources.deployments, NAMESPACE, next, { subresource: 'status', fieldManager: 'kube-controller-manager' });
  });
  return { podCreates, bindings, podStatusPatches, deploymentStatusUpdates };
}

async function main(): Promise<void> {
  // Pod creates pay for ServiceAccount admission, as in a cluster: it needs the account.
  const cp = await startControlPlane({ builtinControllers: false, serviceAccountAdmission: true });
  try {
    const client = cp.client;
    await client.create(Resources.serviceaccounts, NAMESPACE, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    const deployments: KubeObject[] = [];
    for (let d = 0; d < DEPLOYMENTS; d++) deployments.push(await client.create(Resources.deployments, NAMESPACE, deployment(`web-${d}`)));
    process.stderr.write('warm-up\n');
    await round(client, 'warm', WARMUP, WARMUP, deployments, 8);
    process.stderr.write('1 caller\n');
    const one = await round(client, 'one', PODS_1, DEPLOYMENT_UPDATES_1, deployments, 1);
    process.stderr.write('64 callers\n');
    const many = await round(client, 'many', PODS_64, DEPLOYMENT_UPDATES_64, deployments, 64);
    const row = (label: string, pick: (f: Figures) => Rate): string[] => [
      label,
      formatRate(pick(one).perSecond),
      `${Math.round(pick(one).cpuMicrosPerOp)} µs`,
      formatRate(pick(many).perSecond),
      `${Math.round(pick(many).cpuMicrosPerOp)} µs`,
    ];
    printTable('bench/writepath (in-process registry, memory store)', ['operation', '1 caller', 'CPU/op', '64 callers', 'CPU/op'], [
      row('pod creates', (f) => f.podCreates),
      row('pods/binding', (f) => f.bindings),
      row('pod status merge patches', (f) => f.podStatusPatches),
      row('deployment status updates', (f) => f.deploymentStatusUpdates),
    ]);
    process.stdout.write(`reference: the HTTPS target is 5,000 pod creates/s on sqlite (bench/apiserver); ${PODS_1 + PODS_64 + WARMUP} pods in the store at the end\n`);
    writeResults('writepath', { quick: QUICK, pods: { oneCaller: PODS_1, manyCallers: PODS_64 }, oneCaller: one, callers64: many });
  } finally {
    await cp.close();
  }
}

await main();
