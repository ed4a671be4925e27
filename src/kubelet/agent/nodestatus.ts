// The Node a real agent registers and the status it posts (kubelet_node_status.go,
// nodestatus/setters.go): labels, capacity measured on the host, allocatable after
// the eviction reserve, addresses, nodeInfo and the four conditions.

import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { arch, availableParallelism, hostname, platform, release, totalmem } from 'node:os';
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const KUBELET_VERSION = 'v1.33.0-skiff';
export const RUNTIME_LABEL = 'skiff.dev/runtime';
/** The kubelet's default hard eviction threshold memory.available<100Mi, held back from allocatable. */
export const MEMORY_RESERVE_BYTES = 100 * 1024 * 1024;
export const MAX_PODS = 110;

export interface HostCapacity {
  readonly cpu: number;
  readonly memoryBytes: number;
  readonly ephemeralStorageBytes: number;
}

/** MemTotal from /proc/meminfo (os.totalmem elsewhere). */
function memTotalBytes(): number {
  try {
    const match = /^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux: fall through.
  }
  return totalmem();
}

export async function measureHost(dataDir: string): Promise<HostCapacity> {
  const fs = await statfs(dataDir);
  return { cpu: availableParallelism(), memoryBytes: memTotalBytes(), ephemeralStorageBytes: Number(fs.blocks) * Number(fs.bsize) };
}

/** Go's runtime.GOARCH for this machine. */
export function goArch(): string {
  const a = arch();
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}

function kibibytes(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}

export function capacityOf(host: HostCapacity): Record<string, string> {
  return { cpu: String(host.cpu), memory: kibibytes(host.memoryBytes), 'ephemeral-storage': kibibytes(host.ephemeralStorageBytes), pods: String(MAX_PODS) };
}

/** Capacity minus the eviction reserves (memory 100Mi; ephemeral-storage 10%, nodefs.available<10%). */
export function allocatableOf(host: HostCapacity): Record<string, string> {
  const storage = Math.floor(host.ephemeralStorageBytes * 0.9);
  return { cpu: String(host.cpu), memory: kibibytes(Math.max(0, host.memoryBytes - MEMORY_RESERVE_BYTES)), 'ephemeral-storage': String(storage), pods: String(MAX_PODS) };
}

export function nodeLabels(nodeName: string, runtimeName: string): Record<string, string> {
  const os = platform();
  return {
    'beta.kubernetes.io/arch': goArch(),
    'beta.kubernetes.io/os': os,
    'kubernetes.io/arch': goArch(),
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': os,
    [RUNTIME_LABEL]: runtimeName,
  };
}

export interface NodeIdentity {
  readonly nodeName: string;
  readonly nodeIP: string;
  readonly runtimeName: string;
  readonly runtimeVersion: string;
  readonly daemonPort: number;
}

function readTrimmed(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function osImage(): string {
  const match = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readTrimmed('/etc/os-release'));
  return match?.[1] ?? 'Unknown';
}

const HEALTHY: ReadonlyArray<Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>> = [
  { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
  { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
];

export interface NodeStatusInputs {
  readonly identity: NodeIdentity;
  readonly host: HostCapacity;
  readonly images: NodeStatus['images'];
  readonly now: string;
}

/** The status the agent posts; heartbeat times at now, transition times kept while unchanged. */
export function buildNodeStatus(node: Node | undefined, inputs: NodeStatusInputs): NodeStatus {
  const previous = node?.status?.conditions ?? [];
  const conditions: NodeCondition[] = HEALTHY.map((c) => {
    const old = previous.find((p) => p.type === c.type);
    return { ...c, lastHeartbeatTime: inputs.now, lastTransitionTime: old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : inputs.now };
  });
  // Conditions others post (NetworkUnavailable) stay.
  for (const old of previous) if (!conditions.some((c) => c.type === old.type)) conditions.push(old);
  const { identity } = inputs;
  const machineID = readTrimmed('/etc/machine-id');
  return {
    capacity: capacityOf(inputs.host),
    allocatable: allocatableOf(inputs.host),
    conditions,
    addresses: [
      { type: 'InternalIP', address: identity.nodeIP },
      { type: 'Hostname', address: identity.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: identity.daemonPort } },
    nodeInfo: {
      machineID,
      systemUUID: readTrimmed('/sys/class/dmi/id/product_uuid') || machineID,
      bootID: readTrimmed('/proc/sys/kernel/random/boot_id'),
      kernelVersion: release(),
      osImage: osImage(),
      containerRuntimeVersion: `${identity.runtimeName}://${identity.runtimeVersion}`,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: platform(),
      architecture: goArch(),
    },
    ...(inputs.images && inputs.images.length > 0 ? { images: inputs.images } : {}),
  };
}

/** Whether two statuses differ in more than heartbeat times (a change to report at once). */
export function statusChanged(a: NodeStatus | undefined, b: NodeStatus): boolean {
  if (!a) return true;
  const strip = (s: NodeStatus) => ({ ...s, conditions: (s.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: undefined })) });
  return JSON.stringify(strip(a)) !== JSON.stringify(strip(b));
}

export function defaultNodeName(): string {
  return hostname().toLowerCase();
}

/** metav1.MicroTime as JSON: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export function leaseObject(nodeName: string, nodeUid: string, renewTime: string, durationSeconds: number): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: nodeName, namespace: NODE_LEASE_NAMESPACE, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime },
  };
}
