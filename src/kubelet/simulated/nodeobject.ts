// What a simulated node looks like through the API: a Node with the labels, capacity,
// addresses and nodeInfo a real kubelet registers, its status conditions with
// heartbeats, and its Lease in kube-node-lease. Pure.

import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Set to "stopped" on a simulated node to make its kubelet go quiet (heartbeats, status, pods). */
export const HEARTBEATS_ANNOTATION = 'skiff.dev/simulated-heartbeats';
export const SIMULATED_LABEL = 'skiff.dev/simulated';
export const KUBELET_VERSION = 'v1.33.0-skiff';

const CAPACITY = Object.freeze({ cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '100Gi' });

/** A node's place in the simulated network: its address and the /24 its pods get addresses from. */
export interface NodeAddressing {
  readonly internalIP: string;
  readonly podCIDR: string;
  /** The first three octets of pod addresses ("10.128.0"). */
  readonly podPrefix: string;
}

/** Where hollow nodes' pod CIDRs come from: the cluster CIDR of a simulated cluster. */
export const SIMULATED_CLUSTER_CIDR = '10.128.0.0/9';

/** Node index i: InternalIP 10.64.0.0/10 from host i+1, pods 10.128.0.0/9 in /24s (32768 nodes). */
export function nodeAddressing(index: number): NodeAddressing {
  const host = index + 1;
  const podPrefix = `10.${128 + (index >> 8)}.${index & 255}`;
  return { internalIP: `10.${64 + (host >> 16)}.${(host >> 8) & 255}.${host & 255}`, podCIDR: `${podPrefix}.0/24`, podPrefix };
}

export function zoneOf(index: number, zones: number): string {
  return `zone-${String.fromCharCode(97 + (index % Math.max(1, zones)))}`;
}

/** A stable 32-hex-digit id derived from text (machineID, systemUUID, bootID). */
function stableHex(text: string): string {
  let out = '';
  for (let seed = 0; out.length < 32; seed++) {
    let h = 0x811c9dc5 ^ seed;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    out += (h >>> 0).toString(16).padStart(8, '0');
  }
  return out.slice(0, 32);
}

function uuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The node's machine ids: the ones it has, else stable ones derived from its name. */
function nodeIdentity(node: Node): { machineID: string; systemUUID: string; bootID: string } {
  const info = node.status?.nodeInfo;
  if (info?.machineID && info.systemUUID && info.bootID) return { machineID: info.machineID, systemUUID: info.systemUUID, bootID: info.bootID };
  const name = node.metadata?.name ?? '';
  return { machineID: stableHex(`machine/${name}`), systemUUID: uuid(stableHex(`system/${name}`)), bootID: uuid(stableHex(`boot/${name}`)) };
}

/** The Node a simulated kubelet registers, without status. */
export function nodeObject(name: string, index: number, zones: number): Node {
  const { podCIDR } = nodeAddressing(index);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'simulated',
        'topology.kubernetes.io/region': 'simulated',
        'topology.kubernetes.io/zone': zoneOf(index, zones),
        [SIMULATED_LABEL]: 'true',
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { podCIDR, podCIDRs: [podCIDR], providerID: `simulated://${name}` },
  };
}

const HEALTHY_CONDITIONS: ReadonlyArray<Pick<NodeCondition, 'type' | 'status' | 'reason' | 'message'>> = [
  { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
  { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
];

/** The status a healthy simulated kubelet posts, heartbeats at now; transitions kept from the previous status. */
export function nodeStatus(node: Node, index: number, now: string): NodeStatus {
  const name = node.metadata?.name ?? '';
  const { internalIP } = nodeAddressing(index);
  const previous = node.status?.conditions ?? [];
  const conditions: NodeCondition[] = HEALTHY_CONDITIONS.map((c) => {
    const old = previous.find((p) => p.type === c.type);
    return { ...c, lastHeartbeatTime: now, lastTransitionTime: old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now };
  });
  // Conditions others post (NetworkUnavailable from a network plugin) stay.
  for (const old of previous) if (!conditions.some((c) => c.type === old.type)) conditions.push(old);
  return {
    ...node.status,
    capacity: { ...CAPACITY },
    allocatable: { ...CAPACITY },
    conditions,
    addresses: [
      { type: 'InternalIP', address: internalIP },
      { type: 'Hostname', address: name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      ...nodeIdentity(node),
      kernelVersion: '6.1.0-skiff-simulated',
      osImage: 'Skiff simulated node',
      containerRuntimeVersion: 'simulated://1.0',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

/** Whether the node shows the healthy conditions a simulated kubelet posts. */
export function looksHealthy(node: Node): boolean {
  const conditions = node.status?.conditions ?? [];
  return HEALTHY_CONDITIONS.every((h) => conditions.some((c) => c.type === h.type && c.status === h.status)) && node.status?.nodeInfo?.kubeletVersion === KUBELET_VERSION;
}

/** metav1.MicroTime as JSON: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

/** The node's Lease, owned by the node so it goes when the node does. */
export function leaseObject(node: Node, renewTime: string, durationSeconds: number): Lease {
  const name = node.metadata?.name ?? '';
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: NODE_LEASE_NAMESPACE,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata?.uid ?? '' }],
    },
    spec: { holderIdentity: name, leaseDurationSeconds: durationSeconds, renewTime },
  };
}
