// Test builders for plugin unit tests, in the spirit of upstream's
// scheduler/testing wrappers (st.MakePod(), st.MakeNode()): hand-built Pods and
// Nodes, a snapshot over MutableNodeInfos, and a Handle serving it.

import type {
  Container,
  ContainerPort,
  Node,
  NodeSelectorRequirement,
  Pod,
  PodAffinityTerm,
  Taint,
  Toleration,
  TopologySpreadConstraint,
  WeightedPodAffinityTerm,
} from 'kubernetes-types/core/v1.js';
import { MutableNodeInfo, podInfoOf } from '../../framework/nodeinfo.js';
import { CycleState, type Handle, type NodeInfo, type NodeInfoLister, type NodeScore, type Plugin } from '../../framework/types.js';
import { isPreFilter, isPreScore, isScore, isFilter, isSuccess, Code, type Status } from '../../framework/types.js';

let uidCounter = 0;

type PodSpec = NonNullable<Pod['spec']>;

export class PodBuilder {
  readonly pod: Pod;

  constructor(name: string, namespace = 'default') {
    this.pod = { metadata: { name, namespace, uid: `${namespace}-${name}-${++uidCounter}` }, spec: { containers: [] } };
  }

  private get spec(): PodSpec {
    return this.pod.spec as PodSpec;
  }

  uid(uid: string): this {
    (this.pod.metadata as { uid?: string }).uid = uid;
    return this;
  }

  labels(set: Record<string, string>): this {
    this.pod.metadata = { ...this.pod.metadata, labels: { ...this.pod.metadata?.labels, ...set } };
    return this;
  }

  node(nodeName: string): this {
    this.spec.nodeName = nodeName;
    return this;
  }

  priority(value: number): this {
    this.spec.priority = value;
    return this;
  }

  terminating(): this {
    this.pod.metadata = { ...this.pod.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' };
    return this;
  }

  /** Adds a container with these requests (none: a container without requests). */
  req(requests?: Record<string, string>, extra: Partial<Container> = {}): this {
    const container: Container = { name: `c${this.spec.containers.length}`, image: 'busybox', ...extra };
    if (requests) container.resources = { requests };
    this.spec.containers.push(container);
    return this;
  }

  initReq(requests: Record<string, string>, restartPolicy?: 'Always'): this {
    const init = (this.spec.initContainers ??= []);
    init.push({ name: `i${init.length}`, image: 'busybox', resources: { requests }, ...(restartPolicy ? { restartPolicy } : {}) });
    return this;
  }

  overhead(list: Record<string, string>): this {
    this.spec.overhead = list;
    return this;
  }

  hostPort(port: number, protocol = 'TCP', hostIP = ''): this {
    const p: ContainerPort = { containerPort: port, hostPort: port, protocol, ...(hostIP ? { hostIP } : {}) };
    return this.req(undefined, { ports: [p] });
  }

  toleration(t: Toleration): this {
    (this.spec.tolerations ??= []).push(t);
    return this;
  }

  nodeSelector(set: Record<string, string>): this {
    this.spec.nodeSelector = set;
    return this;
  }

  private nodeAffinity(): NonNullable<NonNullable<PodSpec['affinity']>['nodeAffinity']> {
    const affinity = (this.spec.affinity ??= {});
    return (affinity.nodeAffinity ??= {});
  }

  /** Adds a required node selector term with these expressions (and fields). */
  requiredNodeTerm(matchExpressions: NodeSelectorRequirement[], matchFields?: NodeSelectorRequirement[]): this {
    const na = this.nodeAffinity();
    const required = (na.requiredDuringSchedulingIgnoredDuringExecution ??= { nodeSelectorTerms: [] });
    required.nodeSelectorTerms.push({ matchExpressions, ...(matchFields ? { matchFields } : {}) });
    return this;
  }

  preferredNodeTerm(weight: number, matchExpressions: NodeSelectorRequirement[]): this {
    const na = this.nodeAffinity();
    (na.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({ weight, preference: { matchExpressions } });
    return this;
  }

  podAffinity(kind: 'affinity' | 'antiAffinity', term: PodAffinityTerm): this {
    const affinity = (this.spec.affinity ??= {});
    const target = kind === 'affinity' ? (affinity.podAffinity ??= {}) : (affinity.podAntiAffinity ??= {});
    (target.requiredDuringSchedulingIgnoredDuringExecution ??= []).push(term);
    return this;
  }

  preferredPodAffinity(kind: 'affinity' | 'antiAffinity', term: WeightedPodAffinityTerm): this {
    const affinity = (this.spec.affinity ??= {});
    const target = kind === 'affinity' ? (affinity.podAffinity ??= {}) : (affinity.podAntiAffinity ??= {});
    (target.preferredDuringSchedulingIgnoredDuringExecution ??= []).push(term);
    return this;
  }

  spread(constraint: TopologySpreadConstraint): this {
    (this.spec.topologySpreadConstraints ??= []).push(constraint);
    return this;
  }

  owner(kind: string, name: string, apiVersion = 'apps/v1'): this {
    this.pod.metadata = { ...this.pod.metadata, ownerReferences: [{ apiVersion, kind, name, uid: `${kind}-${name}`, controller: true }] };
    return this;
  }

  obj(): Pod {
    return this.pod;
  }
}

export function makePod(name: string, namespace?: string): PodBuilder {
  return new PodBuilder(name, namespace);
}

export class NodeBuilder {
  readonly node: Node;

  constructor(name: string) {
    this.node = { metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: {}, status: { allocatable: {} } };
  }

  labels(set: Record<string, string>): this {
    this.node.metadata = { ...this.node.metadata, labels: { ...this.node.metadata?.labels, ...set } };
    return this;
  }

  /** Removes a label (e.g. the default hostname label). */
  withoutLabel(key: string): this {
    const { [key]: _removed, ...rest } = this.node.metadata?.labels ?? {};
    this.node.metadata = { ...this.node.metadata, labels: rest };
    return this;
  }

  allocatable(list: Record<string, string>): this {
    (this.node as { status?: Node['status'] }).status = { ...this.node.status, allocatable: list };
    return this;
  }

  taint(taint: Taint): this {
    const spec = (this.node.spec ??= {});
    (spec.taints ??= []).push(taint);
    return this;
  }

  unschedulable(): this {
    (this.node.spec ??= {}).unschedulable = true;
    return this;
  }

  obj(): Node {
    return this.node;
  }
}

export function makeNode(name: string): NodeBuilder {
  return new NodeBuilder(name);
}

/** A snapshot of nodes with their assigned pods (by spec.nodeName). */
export class TestSnapshot implements NodeInfoLister {
  readonly infos: MutableNodeInfo[];
  private readonly byName = new Map<string, MutableNodeInfo>();

  constructor(nodes: readonly Node[], pods: readonly Pod[] = []) {
    this.infos = nodes.map((n) => new MutableNodeInfo(n));
    for (const info of this.infos) this.byName.set(info.name, info);
    for (const pod of pods) this.addPod(pod);
  }

  addPod(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    let info = this.byName.get(nodeName);
    if (!info) {
      info = new MutableNodeInfo(nodeName);
      this.byName.set(nodeName, info);
    }
    info.addPod(podInfoOf(pod));
  }

  list(): readonly NodeInfo[] {
    return this.infos;
  }

  get(nodeName: string): NodeInfo | undefined {
    return this.byName.get(nodeName);
  }

  havePodsWithAffinityList(): readonly NodeInfo[] {
    return this.infos.filter((n) => n.podsWithAffinity.length > 0);
  }

  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    return this.infos.filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
  }
}

export function handleFor(snapshot: NodeInfoLister): Handle {
  return { snapshot: () => snapshot };
}

/**
 * Runs a plugin's PreFilter (when it has one) and then Filter on every node, as the
 * framework would: a Skip from PreFilter means every node passes this plugin.
 */
export function runFilter(plugin: Plugin, pod: Pod, snapshot: NodeInfoLister, state = new CycleState()): Map<string, Status> {
  const results = new Map<string, Status>();
  const nodes = snapshot.list();
  if (isPreFilter(plugin)) {
    const { status, result } = plugin.preFilter(state, pod, nodes);
    if (status.code === Code.Skip) {
      for (const n of nodes) results.set(n.name, status);
      return results;
    }
    if (!isSuccess(status)) {
      for (const n of nodes) results.set(n.name, status);
      return results;
    }
    if (result?.nodeNames) {
      for (const n of nodes) if (!result.nodeNames.has(n.name)) results.set(n.name, { code: Code.UnschedulableAndUnresolvable, reasons: ['filtered out by PreFilter result'] });
    }
  }
  if (!isFilter(plugin)) throw new Error(`${plugin.name} has no Filter`);
  for (const n of nodes) if (!results.has(n.name)) results.set(n.name, plugin.filter(state, pod, n));
  return results;
}

/** Runs PreScore, Score on every node and NormalizeScore; undefined when PreScore skipped. */
export function runScore(plugin: Plugin, pod: Pod, nodes: readonly NodeInfo[], state = new CycleState()): Record<string, number> | Status {
  if (isPreScore(plugin)) {
    const s = plugin.preScore(state, pod, nodes);
    if (!isSuccess(s)) return s;
  }
  if (!isScore(plugin)) throw new Error(`${plugin.name} has no Score`);
  const scores: NodeScore[] = [];
  for (const n of nodes) {
    const score = plugin.score(state, pod, n);
    if (typeof score !== 'number') return score;
    scores.push({ name: n.name, score });
  }
  if (plugin.normalizeScore) {
    const s = plugin.normalizeScore(state, pod, scores);
    if (!isSuccess(s)) return s;
  }
  return Object.fromEntries(scores.map((s) => [s.name, s.score]));
}

/** Filter outcomes as "code:reason" strings per node, for compact assertions. */
export function summarize(results: Map<string, Status>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, s] of results) out[name] = s.code === Code.Success ? 'ok' : `${Code[s.code]}${s.reasons.length ? ': ' + s.reasons.join(', ') : ''}`;
  return out;
}
