// The scheduler cache (kube-scheduler's internal/cache): nodes and the pods assigned
// to them as the informers report them, plus pods the scheduler assumed on a node
// before their binding is written (assume on reserve, forget when binding fails,
// confirmed when the informer sees the bound pod). Each scheduling cycle reads a
// Snapshot that is brought up to date incrementally: only NodeInfos whose generation
// changed since the last cycle are copied, which is what keeps 5000 nodes cheap.

import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { MutableNodeInfo, NodeNumber, newPodInfo, podKey } from './framework/nodeinfo.js';
import type { ChangeCursor, NodeInfo, NodeInfoLister, PodInfo } from './framework/types.js';

const ZONE_LABELS = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone'];
const REGION_LABELS = ['topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/region'];

function zoneOf(node: Node): string {
  const labels = node.metadata?.labels ?? {};
  const region = REGION_LABELS.map((l) => labels[l]).find((v) => v) ?? '';
  const zone = ZONE_LABELS.map((l) => labels[l]).find((v) => v) ?? '';
  return region || zone ? `${region}:\u0000:${zone}` : '';
}

/**
 * nodeTree: node names grouped by zone; list() interleaves the zones so that the
 * first nodes a cycle filters are spread over zones.
 */
export class NodeTree {
  private readonly zones = new Map<string, string[]>();
  private readonly zoneOfNode = new Map<string, string>();

  get size(): number {
    return this.zoneOfNode.size;
  }

  add(node: Node): void {
    const name = node.metadata?.name ?? '';
    if (this.zoneOfNode.has(name)) return;
    const zone = zoneOf(node);
    let names = this.zones.get(zone);
    if (!names) this.zones.set(zone, (names = []));
    names.push(name);
    this.zoneOfNode.set(name, zone);
  }

  remove(name: string): boolean {
    const zone = this.zoneOfNode.get(name);
    if (zone === undefined) return false;
    this.zoneOfNode.delete(name);
    const names = this.zones.get(zone)!;
    names.splice(names.indexOf(name), 1);
    if (names.length === 0) this.zones.delete(zone);
    return true;
  }

  /** True when the node moved to another zone. */
  update(oldNode: Node | undefined, newNode: Node): boolean {
    const name = newNode.metadata?.name ?? '';
    const zone = this.zoneOfNode.get(name);
    if (zone !== undefined && zone === zoneOf(newNode)) return false;
    if (oldNode) this.remove(oldNode.metadata?.name ?? name);
    this.remove(name);
    this.add(newNode);
    return true;
  }

  list(): string[] {
    const out: string[] = [];
    const lists = [...this.zones.values()];
    if (lists.length === 1) return lists[0]!.slice();
    for (let i = 0; out.length < this.zoneOfNode.size; i++) {
      for (const names of lists) if (i < names.length) out.push(names[i]!);
    }
    return out;
  }
}

/** Changes logged before the log starts over (readers then look at every node once). */
const MAX_CHANGE_LOG = 65_536;
/** Epochs are unique across snapshots, so a cursor of one snapshot never fits another. */
let lastEpoch = 0;

/** What one scheduling cycle sees: copies of the cache's NodeInfos. */
export class Snapshot implements NodeInfoLister {
  readonly nodeInfoMap = new Map<string, MutableNodeInfo>();
  nodeInfoList: MutableNodeInfo[] = [];
  readonly listIndex = new Map<string, number>();
  havePodsWithAffinity: MutableNodeInfo[] = [];
  havePodsWithRequiredAntiAffinity: MutableNodeInfo[] = [];
  /** Renewed whenever list positions change meaning (a rebuilt list, a restarted log). */
  private epoch = ++lastEpoch;
  /** Positions in the list updated in place during this epoch, in order. */
  private changeLog: number[] = [];
  /** Those of them whose pods changed as a count of matching pods sees them. */
  private podChangeLog: number[] = [];

  changesSince(cursor: ChangeCursor | undefined, podsOnly = false): { indexes: readonly number[] | undefined; from: number; cursor: ChangeCursor } {
    const log = podsOnly ? this.podChangeLog : this.changeLog;
    const next = { epoch: this.epoch, position: log.length, podsOnly };
    if (cursor === undefined || cursor.epoch !== this.epoch || (cursor.podsOnly ?? false) !== podsOnly) return { indexes: undefined, from: 0, cursor: next };
    return { indexes: log, from: cursor.position, cursor: next };
  }

  /** The list was rebuilt: positions mean other nodes now. */
  listRebuilt(): void {
    this.epoch = ++lastEpoch;
    this.changeLog = [];
    this.podChangeLog = [];
  }

  /** The NodeInfo at this list position was updated in place (and its pods as counts see them, or not). */
  changedAt(index: number, podsChanged: boolean): void {
    if (this.changeLog.length >= MAX_CHANGE_LOG) {
      this.listRebuilt();
      return;
    }
    this.changeLog.push(index);
    if (podsChanged) this.podChangeLog.push(index);
  }

  list(): readonly NodeInfo[] {
    return this.nodeInfoList;
  }

  get(nodeName: string): NodeInfo | undefined {
    return this.nodeInfoMap.get(nodeName);
  }

  havePodsWithAffinityList(): readonly NodeInfo[] {
    return this.havePodsWithAffinity;
  }

  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    return this.havePodsWithRequiredAntiAffinity;
  }

  get numNodes(): number {
    return this.nodeInfoList.length;
  }
}

interface PodState {
  pod: Pod;
  /** What is counted on the node, and the node it is counted on: removal finds both without lookups. */
  info: PodInfo;
  node: MutableNodeInfo;
  assumed: boolean;
  bindingFinished: boolean;
}

/** A cache operation the informer's order of events makes impossible (a bug or a missed event). */
export class CacheError extends Error {
  override name = 'CacheError';
}

export class SchedulerCache {
  private readonly nodes = new Map<string, MutableNodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  private readonly tree = new NodeTree();
  /** Nodes changed since the last snapshot update. */
  private readonly dirty = new Set<string>();
  private nodeSetChanged = true;
  private readonly snap = new Snapshot();

  // ---- nodes -------------------------------------------------------------------------

  addNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    let info = this.nodes.get(name);
    if (!info) this.nodes.set(name, (info = new MutableNodeInfo(name)));
    const old = info.node;
    info.setNode(node);
    if (this.tree.update(old, node)) this.nodeSetChanged = true;
    this.dirty.add(name);
  }

  updateNode(_oldNode: Node, newNode: Node): void {
    this.addNode(newNode);
  }

  /** RemoveNode: the node leaves the snapshot; its NodeInfo stays while pods still point at it. */
  removeNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const info = this.nodes.get(name);
    if (!info) return;
    info.removeNode();
    if (info.pods.length === 0) this.nodes.delete(name);
    if (this.tree.remove(name)) this.nodeSetChanged = true;
    this.dirty.add(name);
  }

  // ---- pods ----------------------------------------------------------------------------

  /** AssumePod: counts the pod (with spec.nodeName set) on its node before the binding is written. */
  assumePod(podInfo: PodInfo): void {
    const pod = podInfo.pod;
    const key = podKey(pod);
    if (this.podStates.has(key)) throw new CacheError(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}(${key}) is in the cache, so can't be assumed`);
    const node = this.addPodInfo(podInfo);
    this.podStates.set(key, { pod, info: podInfo, node, assumed: true, bindingFinished: false });
  }

  finishBinding(pod: Pod): void {
    const state = this.podStates.get(podKey(pod));
    if (state?.assumed) state.bindingFinished = true;
  }

  /** ForgetPod: the binding failed; the assumed pod stops counting. */
  forgetPod(pod: Pod): void {
    const key = podKey(pod);
    const state = this.podStates.get(key);
    if (!state) return;
    if (!state.assumed) throw new CacheError(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}(${key}) was assumed on ${pod.spec?.nodeName} but assigned to ${state.pod.spec?.nodeName}`);
    this.uncount(state);
    this.podStates.delete(key);
  }

  /** AddPod: the informer saw an assigned pod; confirms an assumed one. */
  addPod(pod: Pod): void {
    const key = podKey(pod);
    const state = this.podStates.get(key);
    if (state) {
      // Assumed (or seen already): replace what is counted with the real pod.
      this.recount(state, pod);
      state.assumed = false;
      return;
    }
    const info = newPodInfo(pod);
    const node = this.addPodInfo(info);
    this.podStates.set(key, { pod, info, node, assumed: false, bindingFinished: false });
  }

  updatePod(oldPod: Pod, newPod: Pod): void {
    const key = podKey(oldPod);
    const state = this.podStates.get(key);
    if (!state || state.assumed) {
      // An update of a pod never added (or only assumed) is an add.
      this.addPod(newPod);
      return;
    }
    this.recount(state, newPod);
  }

  removePod(pod: Pod): void {
    const key = podKey(pod);
    const state = this.podStates.get(key);
    if (!state) return;
    this.uncount(state);
    this.podStates.delete(key);
  }

  isAssumedPod(pod: Pod): boolean {
    return this.podStates.get(podKey(pod))?.assumed ?? false;
  }

  getPod(pod: Pod): Pod | undefined {
    return this.podStates.get(podKey(pod))?.pod;
  }

  get podCount(): number {
    return this.podStates.size;
  }

  get nodeCount(): number {
    return this.tree.size;
  }

  /** The cache's own NodeInfo (tests, debugging); read-only. */
  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  /** Counts the pod on the NodeInfo of its spec.nodeName, and returns that NodeInfo. */
  private addPodInfo(podInfo: PodInfo): MutableNodeInfo {
    const nodeName = podInfo.pod.spec?.nodeName ?? '';
    let info = this.nodes.get(nodeName);
    // Pods can arrive before their Node: keep them on a NodeInfo without a Node.
    if (!info) this.nodes.set(nodeName, (info = new MutableNodeInfo(nodeName)));
    info.addPod(podInfo);
    this.dirty.add(nodeName);
    return info;
  }

  /** The pod counted in the place of what state counts when it stays on the same node; undefined otherwise. */
  private replaceOnSameNode(state: PodState, podInfo: PodInfo): MutableNodeInfo | undefined {
    const info = state.node;
    if ((podInfo.pod.spec?.nodeName ?? '') !== info.name || this.nodes.get(info.name) !== info) return undefined;
    if (!info.replacePodInfo(state.info, podInfo)) return undefined;
    this.dirty.add(info.name);
    return info;
  }

  /** Stops counting what state counts. */
  private uncount(state: PodState): void {
    const info = state.node;
    info.removePodInfo(state.info);
    if (info.pods.length === 0 && info.node === undefined && this.nodes.get(info.name) === info) this.nodes.delete(info.name);
    this.dirty.add(info.name);
  }

  /** Counts pod instead of what state counted. */
  private recount(state: PodState, pod: Pod): void {
    const podInfo = newPodInfo(pod);
    let node = this.replaceOnSameNode(state, podInfo);
    if (!node) {
      this.uncount(state);
      node = this.addPodInfo(podInfo);
    }
    state.node = node;
    state.info = podInfo;
    state.pod = pod;
  }

  // ---- snapshot ---------------------------------------------------------------------------

  /**
   * UpdateSnapshot: copies the NodeInfos changed since the last call into the cache's
   * snapshot (by generation), rebuilding the node list only when nodes came or went.
   */
  updateSnapshot(): Snapshot {
    const snap = this.snap;
    let rebuildList = this.nodeSetChanged;
    let rebuildAffinity = false;
    for (const name of this.dirty) {
      const info = this.nodes.get(name);
      const existing = snap.nodeInfoMap.get(name);
      if (!info || !info.node) {
        if (existing) {
          snap.nodeInfoMap.delete(name);
          rebuildList = true;
        }
        continue;
      }
      if (existing) {
        if (existing.generation === info.generation) continue;
        const hadAffinityPods = existing.podsWithAffinity.length > 0 || existing.podsWithRequiredAntiAffinity.length > 0;
        const podsChanged = existing.pods.length !== info.pods.length || existing.removalGeneration !== info.removalGeneration;
        // In place: the list and every index into it stay valid.
        existing.copyFrom(info);
        const index = snap.listIndex.get(name);
        if (index === undefined) rebuildList = true;
        else snap.changedAt(index, podsChanged);
        if (hadAffinityPods || existing.podsWithAffinity.length > 0 || existing.podsWithRequiredAntiAffinity.length > 0) rebuildAffinity = true;
        continue;
      }
      snap.nodeInfoMap.set(name, info.clone());
      rebuildList = true;
    }
    this.dirty.clear();
    if (rebuildList) {
      const list: MutableNodeInfo[] = [];
      snap.listIndex.clear();
      for (const name of this.tree.list()) {
        const info = snap.nodeInfoMap.get(name);
        if (!info) continue;
        snap.listIndex.set(name, list.length);
        list.push(info);
      }
      // The nodes' hot numbers in one buffer, in list order (see NodeNumber).
      const numbers = new Float64Array(list.length * NodeNumber.Stride);
      for (let i = 0; i < list.length; i++) (list[i] as MutableNodeInfo).bindNumbers(numbers, i);
      snap.nodeInfoList = list;
      snap.listRebuilt();
      this.nodeSetChanged = false;
      rebuildAffinity = true;
    }
    if (rebuildAffinity) {
      snap.havePodsWithAffinity = snap.nodeInfoList.filter((n) => n.podsWithAffinity.length > 0);
      snap.havePodsWithRequiredAntiAffinity = snap.nodeInfoList.filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
    }
    return snap;
  }
}
