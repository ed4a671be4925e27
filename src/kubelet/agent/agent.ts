// The node agent (kubelet): registers its Node, renews its Lease, posts node status,
// and runs the pods bound to it through a ContainerRuntime. Shaped after
// pkg/kubelet: one worker per pod (a work queue keyed by pod UID serializes them),
// each sync computing actions from the runtime's view (computePodActions), applying
// them (sandbox, images, init containers in order, containers, restarts with
// CrashLoopBackOff), and posting the status it derives (getPhase, conditions) when
// it changed. A relist of the runtime's containers (the PLEG) notices exits.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Node, Pod, PodStatus, Secret, Service, Container, LifecycleHandler } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { KubeObject } from '../../api/types.js';
import {
  ApiEventRecorder,
  InformerFactory,
  isAlreadyExists,
  isConflict,
  isNotFound,
  realClock,
  Resources,
  runWorkers,
  WorkQueue,
  type ApiClient,
  type Clock,
  type Disposable,
  type Informer,
  type TimerHandle,
} from '../../client/index.js';
import { ContainerConfigError, containerArgv, resolveContainerEnv } from '../env/index.js';
import { parseResolvConf, podDnsConfig, type ResolverConfig } from '../../dns/index.js';
import { containerMounts, VolumeSetupError, type MountedVolume } from '../volumes/index.js';
import { ImagePullError, type ContainerConfig, type ContainerRuntime, type ContainerStatus as RuntimeContainer, type DnsConfig, type ImageRecord, type ImageService, type PullPolicy, type RegistryCredential } from '../runtime/types.js';
import { computePodActions, type ContainerToStart } from './actions.js';
import { admitPod, containerResources } from './admission.js';
import { Backoff, goDuration } from './backoff.js';
import { buildNodeStatus, leaseObject, measureHost, microTime, nodeLabels, NODE_LEASE_NAMESPACE, statusChanged, allocatableOf, type HostCapacity } from './nodestatus.js';
import { ProbeManager, runProbe, type ProbeTarget } from './probes.js';
import { computePodStatus, latestAttempts, type WaitingReason } from './podstatus.js';
import { readTerminationMessage } from './termination.js';

type PodObject = Pod & KubeObject;
type NodeObject = Node & KubeObject;

/** What the agent needs of the volume manager. */
export interface PodVolumes {
  setUpPod(pod: Pod): Promise<ReadonlyMap<string, MountedVolume>>;
  tearDownPod(podUid: string): Promise<void>;
}

export interface NodeAgentOptions {
  readonly client: ApiClient;
  readonly nodeName: string;
  readonly nodeIP: string;
  readonly runtime: ContainerRuntime;
  /** Undefined for the process runtime, which runs host commands. */
  readonly images?: ImageService;
  readonly volumes: PodVolumes;
  /** Pod directories under <dataDir>/pods, container logs under <dataDir>/logs/pods. */
  readonly dataDir: string;
  readonly clusterDNS: readonly string[];
  readonly clusterDomain: string;
  /** The streaming server's port: status.daemonEndpoints.kubeletEndpoint.Port. */
  readonly daemonPort: number;
  /** Called once the Node has spec.podCIDR, before pods on the pod network start. */
  readonly onPodCIDR?: (cidr: string) => Promise<void>;
  readonly clock?: Clock;
  readonly onError: (err: unknown, what: string) => void;
  readonly log?: (message: string) => void;
  /** How often the runtime's containers are relisted to notice exits (1000 ms). */
  readonly relistIntervalMs?: number;
  readonly leaseDurationSeconds?: number;
  /** Lease renewals (10 s). */
  readonly leaseRenewIntervalMs?: number;
  /** How often node status is computed and posted if changed (10 s, nodeStatusUpdateFrequency). */
  readonly statusUpdateIntervalMs?: number;
  /** An unchanged node status is posted this often (5 min, nodeStatusReportFrequency). */
  readonly statusReportIntervalMs?: number;
  /** Concurrent pod workers (different pods; one pod is never synced twice at once). */
  readonly podWorkers?: number;
}

/** Where streaming finds a container (kubectl logs, exec, attach). */
export interface FoundContainer {
  readonly found: true;
  readonly containerId: string;
  readonly sandboxId: string;
  readonly logPath: string;
  readonly tty: boolean;
  readonly stdin: boolean;
}

export interface ContainerNotFound {
  readonly found: false;
  /** 404 for a missing pod or container, 400 for a request that cannot be served. */
  readonly code: 400 | 404;
  readonly message: string;
}

export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';

const CRASH_BACKOFF_INITIAL_MS = 10_000;
const CRASH_BACKOFF_MAX_MS = 300_000;
const RETRY_MS = 2_000;
/** The kubelet's minimum grace when a pod goes without a graceful deletion. */
const MINIMUM_GRACE_SECONDS = 2;

interface PodRecord {
  readonly uid: string;
  pod: PodObject;
  /** Gone from the API (deleted for good): clean up and forget. */
  removed: boolean;
  admitted: boolean;
  /** Containers stopped for good (terminal phase, or terminated for deletion). */
  finished: boolean;
  deleting: boolean;
  sandboxId?: string;
  podIP?: string;
  startTime?: string;
  readonly waiting: Map<string, WaitingReason>;
  readonly imageIDs: Map<string, string>;
  readonly terminationMessages: Map<string, string>;
  /** Per container id: where its termination message is and its policy. */
  readonly terminationFiles: Map<string, { path: string; fallbackToLogs: boolean }>;
  containers: readonly RuntimeContainer[];
  lastPosted?: string;
  /** Pod-level reason/message set by the agent (DeadlineExceeded, rejections). */
  terminalReason?: { reason: string; message: string };
}

function formatPod(pod: Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
}

/** pkg/kubelet/config podsDifferSemantically: spec, labels, annotations or deletion changed. */
function podsDifferSemantically(existing: Pod, next: Pod): boolean {
  const a = existing.metadata ?? {};
  const b = next.metadata ?? {};
  return (
    a.deletionTimestamp !== b.deletionTimestamp ||
    a.deletionGracePeriodSeconds !== b.deletionGracePeriodSeconds ||
    !isDeepStrictEqual(existing.spec, next.spec) ||
    !isDeepStrictEqual(a.labels ?? {}, b.labels ?? {}) ||
    !isDeepStrictEqual(a.annotations ?? {}, b.annotations ?? {})
  );
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isTerminalPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** imagePullPolicy as defaulted by the API: Always for :latest or no tag, else IfNotPresent. */
function pullPolicy(container: Container): PullPolicy {
  if (container.imagePullPolicy === 'Always' || container.imagePullPolicy === 'Never' || container.imagePullPolicy === 'IfNotPresent') return container.imagePullPolicy;
  const image = container.image ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  return !lastSegment.includes(':') || lastSegment.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

export class NodeAgent {
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly runtime: ContainerRuntime;
  private readonly informers: InformerFactory;
  private readonly pods: Informer<PodObject>;
  private readonly services: Informer<Service & KubeObject>;
  private readonly nodes: Informer<NodeObject>;
  private readonly queue: WorkQueue<string>;
  private readonly records = new Map<string, PodRecord>();
  private readonly recorder: ApiEventRecorder;
  private readonly probes: ProbeManager;
  private readonly crashBackoff: Backoff;
  private readonly pullBackoff: Backoff;
  private readonly handlers: Disposable[] = [];
  private readonly timers = new Set<TimerHandle>();
  private workers: Promise<void> | undefined;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private host: HostCapacity | undefined;
  private nodeUid = '';
  private lease: (Lease & KubeObject) | undefined;
  private lastNodeStatus: { status: NodeStatus; at: number } | undefined;
  private podCIDR: string | undefined;
  private podNetworkReady: boolean;
  /** Last relisted state per container id, to notice changes (the PLEG). */
  private relisted = new Map<string, string>();
  private relisting = false;

  constructor(private readonly options: NodeAgentOptions) {
    this.client = options.client;
    this.clock = options.clock ?? realClock;
    this.runtime = options.runtime;
    this.podNetworkReady = !options.onPodCIDR;
    const onError = (err: unknown) => options.onError(err, 'node agent informer');
    this.informers = new InformerFactory(this.client, this.clock, onError);
    this.pods = this.informers.informer<PodObject>(Resources.pods, { fieldSelector: `spec.nodeName=${options.nodeName}` });
    this.services = this.informers.informer<Service & KubeObject>(Resources.services);
    this.nodes = this.informers.informer<NodeObject>(Resources.nodes, { fieldSelector: `metadata.name=${options.nodeName}` });
    this.queue = new WorkQueue<string>({ clock: this.clock, baseDelayMs: 200, maxDelayMs: 30_000 });
    this.recorder = new ApiEventRecorder(this.client, { component: 'kubelet', host: options.nodeName }, this.clock, (err) => options.onError(err, 'recording an event'));
    this.crashBackoff = new Backoff(this.clock, CRASH_BACKOFF_INITIAL_MS, CRASH_BACKOFF_MAX_MS);
    this.pullBackoff = new Backoff(this.clock, CRASH_BACKOFF_INITIAL_MS, CRASH_BACKOFF_MAX_MS);
    this.probes = new ProbeManager({
      clock: this.clock,
      runtime: this.runtime,
      onChange: (uid) => this.queue.add(uid),
      onFailure: (uid, containerName, kind, output) => {
        const record = this.records.get(uid);
        if (record) this.containerEvent(record.pod, containerName, 'Warning', 'Unhealthy', `${kind[0]!.toUpperCase()}${kind.slice(1)} probe failed: ${output}`);
      },
    });
  }

  get nodeName(): string {
    return this.options.nodeName;
  }

  private get podsDir(): string {
    return join(this.options.dataDir, 'pods');
  }

  private get logsDir(): string {
    return join(this.options.dataDir, 'logs', 'pods');
  }

  /** Registers the node, then runs its pods; resolves once pods are being synced. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('NodeAgent can start only once');
    this.state = 'running';
    mkdirSync(this.podsDir, { recursive: true });
    mkdirSync(this.logsDir, { recursive: true });
    this.host = await measureHost(this.options.dataDir);
    await this.register();
    await this.renewLease();
    this.every(this.options.leaseRenewIntervalMs ?? 10_000, () => this.renewLease(), 'renewing the node lease');
    this.every(this.options.statusUpdateIntervalMs ?? 10_000, () => this.updateNodeStatus(false), 'updating node status');

    this.informers.start();
    await this.informers.waitForSync();
    if (this.state !== 'running') return;
    await this.adopt();
    this.handlers.push(
      this.pods.addHandlers({
        add: (pod) => this.podChanged(pod),
        update: (_old, pod) => this.podChanged(pod),
        delete: (pod) => this.podRemoved(pod),
      }),
      this.nodes.addHandlers({ add: (node) => this.nodeChanged(node), update: (_old, node) => this.nodeChanged(node) }),
    );
    this.workers = runWorkers(this.queue, this.options.podWorkers ?? 8, (uid) => this.syncPod(uid), (uid, err) => this.options.onError(err, `syncing pod ${uid}`));
    this.every(this.options.relistIntervalMs ?? 1000, () => this.relist(), 'relisting containers');
    this.options.log?.(`node agent ${this.options.nodeName} running on the ${this.runtime.name} runtime`);
  }

  /** Stops syncing; containers keep running (the runtime decides what survives the agent). */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    for (const handler of this.handlers) handler.dispose();
    this.queue.shutDown();
    this.probes.dispose();
    await this.workers;
    await this.informers.stop();
    await this.recorder.flush();
  }

  /** Runs fn every intervalMs (after the previous run finished) until stop. */
  private every(intervalMs: number, fn: () => Promise<void>, what: string): void {
    const schedule = () => {
      if (this.state !== 'running') return;
      const timer = this.clock.setTimeout(() => {
        this.timers.delete(timer);
        fn()
          .catch((err: unknown) => this.options.onError(err, what))
          .finally(schedule);
      }, intervalMs);
      this.timers.add(timer);
    };
    schedule();
  }

  // ---- node registration, status and lease ----

  private async register(): Promise<void> {
    const { nodeName } = this.options;
    const labels = nodeLabels(nodeName, this.runtime.name);
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: nodeName, labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' } },
      spec: {},
    };
    let current: NodeObject;
    try {
      current = await this.client.create<NodeObject>(Resources.nodes, '', node as KubeObject);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      current = await this.client.patch<NodeObject>(Resources.nodes, '', nodeName, 'merge', { metadata: { labels } });
    }
    this.nodeUid = current.metadata?.uid ?? '';
    await this.updateNodeStatus(true, current);
  }

  private async nodeStatusNow(node: Node | undefined): Promise<NodeStatus> {
    const images = this.options.images ? await this.options.images.listImages() : [];
    return buildNodeStatus(node, {
      identity: { nodeName: this.options.nodeName, nodeIP: this.options.nodeIP, runtimeName: this.runtime.name, runtimeVersion: this.runtime.version, daemonPort: this.options.daemonPort },
      host: this.host!,
      images: images.map((image) => ({ names: [image.ref, image.digest ? `${image.ref.replace(/:[^:/]*$/, '')}@${image.digest}` : image.ref], sizeBytes: image.sizeBytes })),
      now: rfc3339(this.clock.now()),
    });
  }

  private async updateNodeStatus(force: boolean, known?: NodeObject): Promise<void> {
    const node = known ?? this.nodes.get('', this.options.nodeName) ?? (await this.client.get<NodeObject>(Resources.nodes, '', this.options.nodeName));
    const status = await this.nodeStatusNow(node);
    const now = this.clock.now();
    const reportDue = !this.lastNodeStatus || now - this.lastNodeStatus.at >= (this.options.statusReportIntervalMs ?? 300_000);
    if (!force && !reportDue && !statusChanged(this.lastNodeStatus?.status, status)) return;
    await this.client.patch(Resources.nodes, '', this.options.nodeName, 'merge', { status }, { subresource: 'status' });
    this.lastNodeStatus = { status, at: now };
  }

  private async renewLease(): Promise<void> {
    const durationSeconds = this.options.leaseDurationSeconds ?? 40;
    const renewTime = microTime(this.clock.now());
    if (this.lease) {
      const next = structuredClone(this.lease);
      next.spec = { ...next.spec, holderIdentity: this.options.nodeName, leaseDurationSeconds: durationSeconds, renewTime };
      try {
        this.lease = await this.client.update<Lease & KubeObject>(Resources.leases, NODE_LEASE_NAMESPACE, next as KubeObject);
        return;
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err;
        this.lease = undefined;
      }
    }
    try {
      const current = await this.client.get<Lease & KubeObject>(Resources.leases, NODE_LEASE_NAMESPACE, this.options.nodeName);
      const next = structuredClone(current);
      next.spec = { ...next.spec, holderIdentity: this.options.nodeName, leaseDurationSeconds: durationSeconds, renewTime };
      this.lease = await this.client.update<Lease & KubeObject>(Resources.leases, NODE_LEASE_NAMESPACE, next as KubeObject);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.lease = await this.client.create<Lease & KubeObject>(Resources.leases, NODE_LEASE_NAMESPACE, leaseObject(this.options.nodeName, this.nodeUid, renewTime, durationSeconds) as KubeObject);
    }
  }

  private nodeChanged(node: NodeObject): void {
    const cidr = node.spec?.podCIDR;
    if (!cidr || cidr === this.podCIDR || !this.options.onPodCIDR) return;
    this.podCIDR = cidr;
    this.options
      .onPodCIDR(cidr)
      .then(() => {
        this.podNetworkReady = true;
        for (const uid of this.records.keys()) this.queue.add(uid);
      })
      .catch((err: unknown) => this.options.onError(err, `setting up the pod network for ${cidr}`));
  }

  // ---- pod source ----

  private podChanged(pod: PodObject): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    let record = this.records.get(uid);
    if (!record) {
      record = { uid, pod, removed: false, admitted: false, finished: false, deleting: false, waiting: new Map(), imageIDs: new Map(), terminationMessages: new Map(), terminationFiles: new Map(), containers: [] };
      this.records.set(uid, record);
    } else if (!podsDifferSemantically(record.pod, pod) && !(pod.spec?.readinessGates ?? []).length) {
      // Upstream's reconcile: a change of status only (mostly the agent's own patch)
      // does not sync the pod, except to recompute Ready for readiness gates.
      record.pod = pod;
      return;
    }
    record.pod = pod;
    this.queue.add(uid);
  }

  private podRemoved(pod: PodObject): void {
    const uid = pod.metadata?.uid;
    const record = uid ? this.records.get(uid) : undefined;
    if (!record) return;
    record.removed = true;
    this.queue.add(record.uid);
  }

  /** Takes over sandboxes a previous agent left: those of pods still bound here; removes the rest. */
  private async adopt(): Promise<void> {
    const bound = new Map(this.pods.list().map((p) => [p.metadata?.uid ?? '', p]));
    const sandboxes = [...(await this.runtime.listPodSandboxes())].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    for (const sandbox of sandboxes) {
      const pod = bound.get(sandbox.uid);
      const existing = this.records.get(sandbox.uid);
      if (pod && !existing && sandbox.state === 'ready') {
        this.podChanged(pod);
        const record = this.records.get(sandbox.uid)!;
        record.sandboxId = sandbox.id;
        record.podIP = sandbox.ip;
        record.admitted = true;
        record.startTime = pod.status?.startTime;
        this.options.log?.(`adopted sandbox ${sandbox.id} of pod ${formatPod(pod)}`);
        continue;
      }
      this.options.log?.(`removing sandbox ${sandbox.id} of pod ${sandbox.namespace}/${sandbox.name}: not bound here`);
      await this.runtime.stopPodSandbox(sandbox.id);
      await this.runtime.removePodSandbox(sandbox.id);
    }
  }

  /** The PLEG: relists the runtime's containers and wakes the workers of pods whose containers changed. */
  private async relist(): Promise<void> {
    if (this.relisting) return;
    this.relisting = true;
    try {
      const seen = new Map<string, string>();
      for (const c of await this.runtime.listContainers()) {
        seen.set(c.id, c.state);
        if (this.relisted.get(c.id) !== c.state) {
          const uid = c.labels[POD_UID_LABEL];
          if (uid && this.records.has(uid)) this.queue.add(uid);
        }
      }
      this.relisted = seen;
    } finally {
      this.relisting = false;
    }
  }

  // ---- pod workers ----

  private async syncPod(uid: string): Promise<void> {
    const record = this.records.get(uid);
    if (!record || this.state !== 'running') return;
    if (record.removed) return this.forgetPod(record);
    const pod = record.pod;
    if (pod.metadata?.deletionTimestamp) return this.terminatePod(record);
    if (record.finished) return;
    if (!record.admitted) {
      if (isTerminalPhase(pod.status?.phase)) {
        // Finished before this agent saw it run (a restart): nothing to do.
        record.finished = true;
        return;
      }
      const rejection = admitPod(pod, this.otherActivePods(uid), allocatableOf(this.host!));
      if (rejection) return this.rejectPod(record, rejection.reason, rejection.message);
      record.admitted = true;
    }
    const now = this.clock.now();
    record.startTime ??= pod.status?.startTime ?? rfc3339(now);

    const deadline = pod.spec?.activeDeadlineSeconds;
    if (deadline !== undefined) {
      const endsAt = Date.parse(record.startTime) + deadline * 1000;
      if (now >= endsAt) {
        const message = 'Pod was active on the node longer than the specified deadline';
        this.recorder.event(pod, 'Normal', 'DeadlineExceeded', message);
        record.terminalReason = { reason: 'DeadlineExceeded', message };
        await this.killContainers(record, this.gracePeriodSeconds(pod));
        return this.finishPod(record, true);
      }
      this.queue.addAfter(uid, endsAt - now);
    }

    if (!pod.spec?.hostNetwork && !this.podNetworkReady) {
      await this.postStatus(record);
      return;
    }

    let volumes: ReadonlyMap<string, MountedVolume>;
    try {
      volumes = await this.options.volumes.setUpPod(pod);
    } catch (err) {
      if (!(err instanceof VolumeSetupError)) throw err;
      this.recorder.event(pod, 'Warning', 'FailedMount', err.message);
      await this.postStatus(record);
      this.queue.addAfter(uid, RETRY_MS);
      return;
    }

    if (!record.sandboxId) {
      const sandbox = await this.runtime.runPodSandbox({
        uid,
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? '',
        hostname: pod.spec?.hostname ?? pod.metadata?.name ?? '',
        hostNetwork: pod.spec?.hostNetwork ?? false,
        dns: this.dnsConfig(pod),
        hostAliases: (pod.spec?.hostAliases ?? []).map((a) => ({ ip: a.ip ?? '', hostnames: a.hostnames ?? [] })),
        portMappings: (pod.spec?.containers ?? []).flatMap((c) =>
          (c.ports ?? []).filter((p) => p.hostPort).map((p) => ({ containerPort: p.containerPort, hostPort: p.hostPort!, protocol: (p.protocol ?? 'TCP') as 'TCP' | 'UDP' | 'SCTP', ...(p.hostIP ? { hostIP: p.hostIP } : {}) })),
        ),
        logDirectory: this.podLogDir(pod),
      });
      record.sandboxId = sandbox.id;
      record.podIP = sandbox.ip;
    }
    const sandboxId = record.sandboxId;

    record.containers = await this.runtime.listContainers(sandboxId);
    const actions = computePodActions(pod, true, record.containers, {
      livenessFailed: (id) => this.probes.failed(id, 'liveness'),
      startupFailed: (id) => this.probes.failed(id, 'startup'),
      started: (id) => this.probes.started(id),
    });
    for (const kill of actions.kill) {
      this.containerEvent(pod, kill.name, 'Normal', 'Killing', kill.message);
      await this.stopContainer(record, kill.id, this.gracePeriodSeconds(pod));
    }
    if (actions.kill.length > 0) record.containers = await this.runtime.listContainers(sandboxId);
    for (const start of actions.start) await this.startContainer(record, sandboxId, start, volumes);
    if (actions.start.length > 0) record.containers = await this.runtime.listContainers(sandboxId);
    // What this sync acted on needs no relist to wake the pod again (a second sync per
    // started pod); an exit seen only now was not acted on, so the relist must notice it.
    for (const c of record.containers) if (c.state !== 'exited') this.relisted.set(c.id, c.state);
    this.collectTerminationMessages(record);
    this.probes.syncPod(uid, this.probeTargets(record));
    if (actions.done || actions.initFailed) {
      await this.killContainers(record, this.gracePeriodSeconds(pod));
      return this.finishPod(record, false);
    }
    await this.postStatus(record);
  }

  private otherActivePods(uid: string): Pod[] {
    return [...this.records.values()].filter((r) => r.uid !== uid && r.admitted && !r.finished && !r.removed).map((r) => r.pod);
  }

  private async rejectPod(record: PodRecord, reason: string, message: string): Promise<void> {
    this.recorder.event(record.pod, 'Warning', reason, message);
    record.finished = true;
    const status: PodStatus = { ...structuredClone(record.pod.status ?? {}), phase: 'Failed', reason, message: `Pod was rejected: ${message}` };
    await this.patchStatus(record, status);
  }

  private gracePeriodSeconds(pod: Pod): number {
    return pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  }

  private podLogDir(pod: Pod): string {
    return join(this.logsDir, `${pod.metadata?.namespace ?? ''}_${pod.metadata?.name ?? ''}_${pod.metadata?.uid ?? ''}`);
  }

  private podDir(uid: string): string {
    return join(this.podsDir, uid);
  }

  /** resolv.conf for the pod, as kubelet forms it (dnsPolicy, dnsConfig, search path limits). */
  private dnsConfig(pod: Pod): DnsConfig {
    const { nameservers, searches, options } = podDnsConfig(pod, { clusterDNS: this.options.clusterDNS, clusterDomain: this.options.clusterDomain, hostResolvConf: hostResolv() });
    return { nameservers, searches, options };
  }

  private probeTargets(record: PodRecord): ProbeTarget[] {
    const host = record.podIP ?? '127.0.0.1';
    const specs = [...(record.pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'), ...(record.pod.spec?.containers ?? [])];
    const targets: ProbeTarget[] = [];
    for (const container of specs) {
      const { latest } = latestAttempts(record.containers, container.name);
      if (latest?.state !== 'running') continue;
      targets.push({ podUid: record.uid, container, containerId: latest.id, startedAtMs: latest.startedAt?.getTime() ?? this.clock.now(), host });
    }
    return targets;
  }

  /** Events about a container go on its pod (upstream names the container in involvedObject.fieldPath). */
  private containerEvent(pod: PodObject, _containerName: string, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.recorder.event(pod, type, reason, message);
  }

  private async credentials(pod: Pod): Promise<RegistryCredential[]> {
    const out: RegistryCredential[] = [];
    for (const ref of pod.spec?.imagePullSecrets ?? []) {
      if (!ref.name) continue;
      try {
        const secret = await this.client.get<Secret & KubeObject>(Resources.secrets, pod.metadata?.namespace ?? '', ref.name);
        const raw = secret.data?.['.dockerconfigjson'] ?? secret.data?.['.dockercfg'];
        if (!raw) continue;
        const parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { auths?: Record<string, DockerAuth> } & Record<string, DockerAuth>;
        const auths = parsed.auths ?? parsed;
        for (const entry of Object.values(auths)) {
          const credential = dockerCredential(entry);
          if (credential) out.push(credential);
        }
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return out;
  }

  /** Pulls the image per policy with ImagePullBackOff; undefined when it cannot be had now. */
  private async pullImage(record: PodRecord, container: Container): Promise<ImageRecord | undefined | 'none'> {
    const images = this.options.images;
    if (!images) return 'none';
    const pod = record.pod;
    const image = container.image ?? '';
    const key = `${record.uid}_${image}`;
    if (this.pullBackoff.isInBackOffSinceUpdate(key)) {
      const message = `Back-off pulling image ${JSON.stringify(image)}`;
      this.containerEvent(pod, container.name, 'Normal', 'BackOff', message);
      record.waiting.set(container.name, { reason: 'ImagePullBackOff', message });
      this.queue.addAfter(record.uid, (this.pullBackoff.until(key) ?? this.clock.now()) - this.clock.now() + 1);
      return undefined;
    }
    const policy = pullPolicy(container);
    const present = policy !== 'Always' ? (await images.listImages()).some((i) => i.ref === image || i.ref.endsWith(`/${image}`) || i.ref.endsWith(`/library/${image}`)) : false;
    const started = this.clock.now();
    if (!present && policy !== 'Never') this.containerEvent(pod, container.name, 'Normal', 'Pulling', `Pulling image ${JSON.stringify(image)}`);
    try {
      const pulled = await images.ensureImage(image, policy, await this.credentials(pod));
      const took = goDuration(this.clock.now() - started);
      if (present) this.containerEvent(pod, container.name, 'Normal', 'Pulled', `Container image ${JSON.stringify(image)} already present on machine`);
      else this.containerEvent(pod, container.name, 'Normal', 'Pulled', `Successfully pulled image ${JSON.stringify(image)} in ${took} (${took} including waiting). Image size: ${pulled.sizeBytes} bytes.`);
      this.pullBackoff.reset(key);
      return pulled;
    } catch (err) {
      if (!(err instanceof ImagePullError)) throw err;
      this.containerEvent(pod, container.name, 'Warning', 'Failed', `Failed to pull image ${JSON.stringify(image)}: ${err.message}`);
      this.containerEvent(pod, container.name, 'Warning', 'Failed', `Error: ${err.reason}`);
      record.waiting.set(container.name, { reason: err.reason, message: err.message });
      this.pullBackoff.next(key, this.clock.now());
      this.queue.addAfter(record.uid, this.pullBackoff.get(key));
      return undefined;
    }
  }

  private async startContainer(record: PodRecord, sandboxId: string, start: ContainerToStart, volumes: ReadonlyMap<string, MountedVolume>): Promise<void> {
    const { pod } = record;
    const { container } = start;
    const podName = formatPod(pod);
    if (start.previous) {
      // CrashLoopBackOff: restarts wait 10 s doubling to 5 min, counted from the last exit.
      const key = `${record.uid}/${container.name}`;
      const finishedAt = start.previous.finishedAt?.getTime() ?? this.clock.now();
      if (this.crashBackoff.isInBackOffSince(key, finishedAt)) {
        this.containerEvent(pod, container.name, 'Warning', 'BackOff', `Back-off restarting failed container ${container.name} in pod ${podName}`);
        record.waiting.set(container.name, { reason: 'CrashLoopBackOff', message: `back-off ${goDuration(this.crashBackoff.get(key))} restarting failed container=${container.name} pod=${podName}` });
        this.queue.addAfter(record.uid, finishedAt + this.crashBackoff.get(key) - this.clock.now() + 1);
        return;
      }
      this.crashBackoff.next(key, finishedAt);
    }
    const image = await this.pullImage(record, container);
    if (image === undefined) return;
    const imageRecord = image === 'none' ? undefined : image;
    if (imageRecord) record.imageIDs.set(container.name, `${imageRecord.ref.replace(/:[^:/]*$/, '')}@${imageRecord.digest}`);

    let env: { name: string; value: string }[];
    try {
      env = await resolveContainerEnv(pod, container, { client: this.client, services: this.services.list(), nodeAllocatable: allocatableOf(this.host!) });
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      this.containerEvent(pod, container.name, 'Warning', 'Failed', `Error: ${err.message}`);
      record.waiting.set(container.name, { reason: 'CreateContainerConfigError', message: err.message });
      this.queue.addAfter(record.uid, RETRY_MS);
      return;
    }
    const argv = containerArgv(container, imageRecord?.config, env);
    const podDir = this.podDir(record.uid);
    const mounts = [...containerMounts(pod, container, volumes, podDir)];
    // The termination message file, mounted at terminationMessagePath.
    const terminationDir = join(podDir, 'containers', container.name);
    mkdirSync(terminationDir, { recursive: true });
    const terminationFile = join(terminationDir, `termination-log-${start.attempt}`);
    writeFileSync(terminationFile, '');
    mounts.push({ containerPath: container.terminationMessagePath ?? '/dev/termination-log', hostPath: terminationFile, readOnly: false });

    const config: ContainerConfig = {
      name: container.name,
      attempt: start.attempt,
      image: imageRecord,
      argv,
      env,
      workingDir: container.workingDir ?? imageRecord?.config.workingDir,
      mounts,
      stdin: container.stdin ?? false,
      stdinOnce: container.stdinOnce ?? false,
      tty: container.tty ?? false,
      resources: containerResources(container),
      logPath: join(this.podLogDir(pod), container.name, `${start.attempt}.log`),
      labels: {
        [POD_UID_LABEL]: record.uid,
        [POD_NAME_LABEL]: pod.metadata?.name ?? '',
        [POD_NAMESPACE_LABEL]: pod.metadata?.namespace ?? '',
        [CONTAINER_NAME_LABEL]: container.name,
        'io.kubernetes.container.restartCount': String(start.attempt),
      },
    };
    let id: string;
    try {
      id = await this.runtime.createContainer(sandboxId, config);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.containerEvent(pod, container.name, 'Warning', 'Failed', `Error: ${message}`);
      record.waiting.set(container.name, { reason: 'CreateContainerError', message });
      this.queue.addAfter(record.uid, RETRY_MS);
      return;
    }
    record.terminationFiles.set(id, { path: terminationFile, fallbackToLogs: container.terminationMessagePolicy === 'FallbackToLogsOnError' });
    this.containerEvent(pod, container.name, 'Normal', 'Created', `Created container: ${container.name}`);
    try {
      await this.runtime.startContainer(id);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.containerEvent(pod, container.name, 'Warning', 'Failed', `Error: ${message}`);
      record.waiting.set(container.name, { reason: 'RunContainerError', message });
      return;
    }
    record.waiting.delete(container.name);
    this.containerEvent(pod, container.name, 'Normal', 'Started', `Started container ${container.name}`);
    const postStart = container.lifecycle?.postStart;
    if (postStart) {
      const outcome = await this.runHandler(postStart, container, id, record, 30_000);
      if (!outcome.ok) {
        this.containerEvent(pod, container.name, 'Warning', 'FailedPostStartHook', outcome.output);
        this.containerEvent(pod, container.name, 'Normal', 'Killing', `FailedPostStartHook`);
        await this.stopContainer(record, id, this.gracePeriodSeconds(pod));
      }
    }
  }

  /** Runs a lifecycle hook (exec, httpGet, sleep). */
  private async runHandler(handler: LifecycleHandler, container: Container, containerId: string, record: PodRecord, timeoutMs: number): Promise<{ ok: boolean; output: string }> {
    if (handler.sleep) {
      const ms = Math.min(handler.sleep.seconds * 1000, timeoutMs);
      await new Promise<void>((resolve) => {
        const timer = this.clock.setTimeout(resolve, ms);
        this.timers.add(timer);
      });
      return { ok: true, output: '' };
    }
    const outcome = await runProbe({ exec: handler.exec, httpGet: handler.httpGet, tcpSocket: handler.tcpSocket }, this.runtime, { container, containerId, host: record.podIP ?? '127.0.0.1' }, timeoutMs);
    if (outcome.ok) return outcome;
    if (handler.exec) return { ok: false, output: `Exec lifecycle hook (${JSON.stringify(handler.exec.command ?? [])}) for Container "${container.name}" in Pod "${formatPod(record.pod)}" failed - error: ${outcome.output}` };
    return { ok: false, output: `HTTP lifecycle hook (${handler.httpGet?.path ?? ''}) for Container "${container.name}" in Pod "${formatPod(record.pod)}" failed - error: ${outcome.output}` };
  }

  private async stopContainer(record: PodRecord, containerId: string, gracePeriodSeconds: number): Promise<void> {
    await this.runtime.stopContainer(containerId, gracePeriodSeconds);
    this.probes.syncPod(record.uid, []);
  }

  /** preStop hooks then SIGTERM/SIGKILL within the grace period, for every running container. */
  private async killContainers(record: PodRecord, gracePeriodSeconds: number): Promise<void> {
    if (!record.sandboxId) return;
    const running = (await this.runtime.listContainers(record.sandboxId)).filter((c) => c.state === 'running');
    const specs = [...(record.pod.spec?.initContainers ?? []), ...(record.pod.spec?.containers ?? [])];
    const deadline = this.clock.now() + gracePeriodSeconds * 1000;
    await Promise.all(
      running.map(async (c) => {
        const spec = specs.find((s) => s.name === c.name);
        this.containerEvent(record.pod, c.name, 'Normal', 'Killing', `Stopping container ${c.name}`);
        const preStop = spec?.lifecycle?.preStop;
        if (spec && preStop && gracePeriodSeconds > 0) {
          const outcome = await this.runHandler(preStop, spec, c.id, record, gracePeriodSeconds * 1000);
          if (!outcome.ok) this.containerEvent(record.pod, c.name, 'Warning', 'FailedPreStopHook', outcome.output);
        }
        const remaining = Math.max(MINIMUM_GRACE_SECONDS, Math.ceil((deadline - this.clock.now()) / 1000));
        await this.runtime.stopContainer(c.id, gracePeriodSeconds === 0 ? 0 : remaining);
      }),
    );
    this.probes.removePod(record.uid);
    record.containers = await this.runtime.listContainers(record.sandboxId);
    this.collectTerminationMessages(record);
  }

  private collectTerminationMessages(record: PodRecord): void {
    for (const c of record.containers) {
      if (c.state !== 'exited' || record.terminationMessages.has(c.id)) continue;
      const file = record.terminationFiles.get(c.id);
      if (!file) continue;
      const message = readTerminationMessage(file.path, c.logPath, file.fallbackToLogs && c.exitCode !== 0);
      record.terminationMessages.set(c.id, message);
    }
  }

  /** The pod's containers are done: stop the sandbox, release volumes, post the terminal status. */
  private async finishPod(record: PodRecord, terminal: boolean): Promise<void> {
    record.finished = true;
    this.probes.removePod(record.uid);
    if (record.sandboxId) {
      record.containers = await this.runtime.listContainers(record.sandboxId);
      await this.runtime.stopPodSandbox(record.sandboxId);
    }
    await this.postStatus(record, terminal);
    await this.options.volumes.tearDownPod(record.uid);
  }

  /** Graceful deletion: stop everything within the grace period, post the final status, delete for good. */
  private async terminatePod(record: PodRecord): Promise<void> {
    if (record.deleting) return;
    record.deleting = true;
    const pod = record.pod;
    if (!record.finished) await this.killContainers(record, this.gracePeriodSeconds(pod));
    this.probes.removePod(record.uid);
    if (record.sandboxId) {
      record.containers = await this.runtime.listContainers(record.sandboxId);
      await this.runtime.stopPodSandbox(record.sandboxId);
    }
    if (!record.finished && record.admitted) await this.postStatus(record, true);
    record.finished = true;
    await this.options.volumes.tearDownPod(record.uid);
    if (record.sandboxId) await this.runtime.removePodSandbox(record.sandboxId);
    record.sandboxId = undefined;
    try {
      await this.client.delete(Resources.pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: record.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** The pod is gone from the API: stop what is left and forget it. */
  private async forgetPod(record: PodRecord): Promise<void> {
    this.probes.removePod(record.uid);
    if (record.sandboxId) {
      if (!record.finished) await this.killContainers(record, MINIMUM_GRACE_SECONDS);
      await this.runtime.stopPodSandbox(record.sandboxId);
      await this.runtime.removePodSandbox(record.sandboxId);
    }
    if (record.admitted) await this.options.volumes.tearDownPod(record.uid);
    this.crashBackoff.resetPrefix(`${record.uid}/`);
    this.pullBackoff.resetPrefix(`${record.uid}_`);
    this.records.delete(record.uid);
  }

  private async postStatus(record: PodRecord, podIsTerminal = false): Promise<void> {
    const now = rfc3339(this.clock.now());
    const pod = record.pod;
    const status = computePodStatus({
      pod,
      containers: record.containers,
      waiting: record.waiting,
      ready: (id) => this.probes.ready(id),
      started: (id) => this.probes.started(id),
      terminationMessages: record.terminationMessages,
      imageIDs: record.imageIDs,
      sandboxReady: record.sandboxId !== undefined && !record.finished,
      runtimeName: this.runtime.name,
      hostIP: this.options.nodeIP,
      podIP: record.sandboxId ? (record.podIP ?? this.options.nodeIP) : undefined,
      startTime: record.startTime ?? now,
      now,
      podIsTerminal,
    });
    if (record.terminalReason) {
      status.phase = 'Failed';
      status.reason = record.terminalReason.reason;
      status.message = record.terminalReason.message;
    }
    await this.patchStatus(record, status);
  }

  private async patchStatus(record: PodRecord, status: PodStatus): Promise<void> {
    // Compare without transition times' effect: conditions keep theirs when unchanged.
    const text = JSON.stringify(status);
    if (text === record.lastPosted) return;
    const current = (record.pod.status ?? {}) as Record<string, unknown>;
    const patch: Record<string, unknown> = { ...status };
    for (const key of Object.keys(current)) if (!(key in patch)) patch[key] = null;
    try {
      const updated = await this.client.patch<PodObject>(Resources.pods, record.pod.metadata?.namespace ?? '', record.pod.metadata?.name ?? '', 'merge', { status: patch }, { subresource: 'status' });
      if (updated.metadata?.uid === record.uid) record.pod = updated;
      record.lastPosted = text;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  // ---- streaming support ----

  /** Finds the runtime container for logs/exec/attach, with kubelet's messages when it cannot. */
  async findContainer(namespace: string, podName: string, containerName: string | undefined, previous: boolean): Promise<FoundContainer | ContainerNotFound> {
    const pod = this.pods.get(namespace, podName);
    if (!pod) return { found: false, code: 404, message: `pod ${JSON.stringify(`${podName}_${namespace}`)} not found` };
    const specs = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])];
    let name = containerName;
    if (!name) {
      const names = (pod.spec?.containers ?? []).map((c) => c.name);
      if (names.length !== 1) return { found: false, code: 400, message: `a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]` };
      name = names[0]!;
    }
    const spec = specs.find((c) => c.name === name);
    if (!spec) return { found: false, code: 400, message: `container ${name} is not valid for pod ${podName}` };
    const record = this.records.get(pod.metadata?.uid ?? '');
    const sandboxId = record?.sandboxId;
    const containers = sandboxId ? await this.runtime.listContainers(sandboxId) : [];
    const { latest, previous: before } = latestAttempts(containers, name);
    const quoted = `${JSON.stringify(name)} in pod ${JSON.stringify(podName)}`;
    let chosen: RuntimeContainer | undefined;
    if (previous) {
      chosen = latest && latest.state !== 'exited' ? before : latest?.state === 'exited' && record?.waiting.has(name) ? latest : before;
      if (!chosen) return { found: false, code: 400, message: `previous terminated container ${quoted} not found` };
    } else {
      chosen = latest;
      if (!chosen) {
        const waiting = record?.waiting.get(name)?.reason ?? ((pod.spec?.initContainers ?? []).length > 0 ? 'PodInitializing' : 'ContainerCreating');
        const why = waiting === 'ErrImagePull' ? "image can't be pulled" : waiting === 'ImagePullBackOff' ? 'trying and failing to pull image' : waiting;
        return { found: false, code: 400, message: `container ${quoted} is waiting to start: ${why}` };
      }
    }
    return { found: true, containerId: chosen.id, sandboxId: chosen.sandboxId, logPath: chosen.logPath, tty: spec.tty ?? false, stdin: spec.stdin ?? false };
  }
}

interface DockerAuth {
  readonly auth?: string;
  readonly username?: string;
  readonly password?: string;
}

function dockerCredential(entry: DockerAuth): RegistryCredential | undefined {
  if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
  if (!entry.auth) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The host's resolv.conf (kubelet --resolv-conf), parsed; empty when there is none. */
function hostResolv(): ResolverConfig {
  try {
    return parseResolvConf(readFileSync('/etc/resolv.conf', 'utf8'));
  } catch {
    return { nameservers: [], searches: [], options: [] };
  }
}

type NodeStatus = NonNullable<Node['status']>;
