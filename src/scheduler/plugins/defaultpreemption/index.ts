// DefaultPreemption (PostFilter), upstream's preemption Evaluator: when no node fits,
// find nodes where evicting lower-priority pods would make room, keep as many of
// those pods as possible (PDB-protected ones first), pick the node whose victims
// matter least, delete the victims and nominate the node for the preemptor.

import type { Pod } from 'kubernetes-types/core/v1.js';
import { labels } from '../../../machinery/index.js';
import { cloneNodeInfo, fitErrorMessage, isFrameworkHandle, newDiagnosis, type Framework, type PodDisruptionBudgetLike, type SchedulerServices } from '../../framework/runtime.js';
import { Code, SUCCESS, isSuccess, type CycleState, type NodeInfo, type NodeToStatus, type PluginFactory, type PodInfo, type PostFilterPlugin, type Status } from '../../framework/types.js';

export const NAME = 'DefaultPreemption';

export interface DefaultPreemptionArgs {
  /** At least this share of the potential nodes is dry-run (default 10). */
  readonly minCandidateNodesPercentage?: number;
  /** ...and at least this many (default 100). */
  readonly minCandidateNodesAbsolute?: number;
}

/** A node where preemption would work: the pods to evict and the PDBs that would break. */
export interface Candidate {
  readonly name: string;
  readonly victims: readonly Pod[];
  readonly numPDBViolations: number;
}

const MAX_INT32 = 2 ** 31 - 1;

export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** GetPodStartTime: status.startTime, or now for a pod not started yet. */
function podStartTime(pod: Pod, now: number): number {
  const start = pod.status?.startTime;
  return start ? Date.parse(start) : now;
}

/** MoreImportantPod: higher priority, then the one that started earlier. */
export function moreImportantPod(a: Pod, b: Pod, now: number): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pa > pb;
  return podStartTime(a, now) < podStartTime(b, now);
}

/**
 * filterPodsWithPDBViolation: pods whose eviction would push a matching PDB below
 * zero allowed disruptions (counting earlier pods of the list) are "violating".
 */
export function filterPodsWithPDBViolation(podInfos: readonly PodInfo[], pdbs: readonly PodDisruptionBudgetLike[]): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = pdbs.map((pdb) => pdb.status?.disruptionsAllowed ?? 0);
  const selectors = pdbs.map((pdb) => labels.fromLabelSelector(pdb.spec?.selector as labels.LabelSelectorObject | undefined));
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const pi of podInfos) {
    const pod = pi.pod;
    const podLabels = pod.metadata?.labels ?? {};
    let violated = false;
    // A pod without labels matches no PDB.
    if (Object.keys(podLabels).length > 0) {
      for (let i = 0; i < pdbs.length; i++) {
        const pdb = pdbs[i]!;
        if (pdb.metadata?.namespace !== pod.metadata?.namespace) continue;
        const selector = selectors[i]!;
        // A PDB with a nil or empty selector matches nothing.
        if ('error' in selector || !selector.selectable || selector.isEmpty() || !selector.matches(podLabels)) continue;
        // Pods the API server already counted as disrupted do not count twice.
        if (pdb.status?.disruptedPods && pod.metadata?.name && pod.metadata.name in pdb.status.disruptedPods) continue;
        allowed[i]!--;
        if (allowed[i]! < 0) violated = true;
      }
    }
    (violated ? violating : nonViolating).push(pi);
  }
  return { violating, nonViolating };
}

/** The earliest start time among the highest-priority victims (GetEarliestPodStartTime). */
function earliestStartOfHighest(victims: readonly Pod[], now: number): number | undefined {
  const first = victims[0];
  if (!first) return undefined;
  let maxPriority = podPriority(first);
  let earliest = podStartTime(first, now);
  for (const pod of victims) {
    const p = podPriority(pod);
    if (p === maxPriority) earliest = Math.min(earliest, podStartTime(pod, now));
    else if (p > maxPriority) {
      maxPriority = p;
      earliest = podStartTime(pod, now);
    }
  }
  return earliest;
}

/**
 * pickOneNodeForPreemption: fewest PDB violations, then the lowest highest-victim
 * priority, the lowest priority sum, the fewest victims, the latest start of the
 * highest-priority victims; then the first.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[], now: number): Candidate | undefined {
  if (candidates.length <= 1) return candidates[0];
  const scoreFuncs: Array<(c: Candidate) => number> = [
    (c) => -c.numPDBViolations,
    (c) => -podPriority(c.victims[0]!),
    (c) => -c.victims.reduce((sum, pod) => sum + podPriority(pod) + MAX_INT32 + 1, 0),
    (c) => -c.victims.length,
    (c) => earliestStartOfHighest(c.victims, now) ?? Number.MIN_SAFE_INTEGER,
  ];
  let remaining = candidates;
  for (const score of scoreFuncs) {
    let max = -Infinity;
    let selected: Candidate[] = [];
    for (const c of remaining) {
      const s = score(c);
      if (s > max) {
        max = s;
        selected = [];
      }
      if (s === max) selected.push(c);
    }
    if (selected.length === 1) return selected[0];
    remaining = selected;
  }
  return remaining[0];
}

/** calculateNumCandidates: 10% of the nodes, at least 100, at most all. */
export function numCandidates(numNodes: number, args: DefaultPreemptionArgs = {}): number {
  const percentage = args.minCandidateNodesPercentage ?? 10;
  const absolute = args.minCandidateNodesAbsolute ?? 100;
  const n = Math.max(Math.trunc((numNodes * percentage) / 100), absolute);
  return Math.min(n, numNodes);
}

const PREEMPTION_NOT_HELPFUL: Status = Object.freeze({ code: Code.UnschedulableAndUnresolvable, reasons: ['Preemption is not helpful for scheduling'] });
const NO_VICTIMS: Status = Object.freeze({ code: Code.UnschedulableAndUnresolvable, reasons: ['No preemption victims found for incoming pod'] });

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = NAME;

  constructor(
    private readonly fw: Framework,
    private readonly services: SchedulerServices,
    private readonly args: DefaultPreemptionArgs = {},
    private readonly random: () => number = Math.random,
  ) {}

  async postFilter(state: CycleState, pod: Pod, filtered: NodeToStatus): Promise<{ nominatedNodeName?: string; status: Status }> {
    const out = await this.preempt(state, pod, filtered);
    const msg = out.status.reasons.join(', ');
    const s: Status = msg ? { code: out.status.code, reasons: [`preemption: ${msg}`] } : out.status;
    return out.nominatedNodeName !== undefined ? { nominatedNodeName: out.nominatedNodeName, status: s } : { status: s };
  }

  /** Evaluator.Preempt. */
  async preempt(state: CycleState, pod: Pod, filtered: NodeToStatus): Promise<{ nominatedNodeName?: string; status: Status }> {
    // 0) The latest version of the pod: it may have been nominated or deleted meanwhile.
    const live = this.services.getPod(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
    if (!live) return { status: { code: Code.Error, reasons: [`pod ${pod.metadata?.namespace}/${pod.metadata?.name} not found`] } };
    pod = live;

    // 1) Is the pod allowed to preempt at all?
    const nominatedStatus = pod.status?.nominatedNodeName ? filtered.get(pod.status.nominatedNodeName) : undefined;
    const ineligible = this.ineligibility(pod, nominatedStatus);
    if (ineligible) return { status: { code: Code.Unschedulable, reasons: [ineligible] } };

    // 2) Candidates from a dry run on the nodes where preemption might help.
    const { candidates, nodeToStatus } = this.findCandidates(state, pod, filtered);
    if (candidates.length === 0) {
      const diagnosis = newDiagnosis();
      for (const [name, s] of nodeToStatus) diagnosis.nodeToStatus.set(name, s);
      // Clears a stale nomination while saying why nothing could be preempted.
      return { nominatedNodeName: '', status: { code: Code.Unschedulable, reasons: [fitErrorMessage(nodeToStatus.size, diagnosis)] } };
    }

    // 3) The best candidate.
    const best = pickOneNodeForPreemption(candidates, this.services.clock.now());
    if (!best) return { status: { code: Code.Unschedulable, reasons: ['no candidate node for preemption'] } };

    // 4) Evict the victims and clear lower-priority nominations on the node.
    try {
      await this.prepareCandidate(best, pod);
    } catch (err) {
      return { status: { code: Code.Error, reasons: [err instanceof Error ? err.message : String(err)] } };
    }
    return { nominatedNodeName: best.name, status: SUCCESS };
  }

  /** PodEligibleToPreemptOthers: the reason a pod may not preempt, or undefined. */
  private ineligibility(pod: Pod, nominatedNodeStatus: Status | undefined): string | undefined {
    if (pod.spec?.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
    const nominated = pod.status?.nominatedNodeName;
    if (nominated) {
      // The nominated node no longer fits for reasons preemption cannot fix: try elsewhere.
      if (nominatedNodeStatus?.code === Code.UnschedulableAndUnresolvable) return undefined;
      const nodeInfo = this.fw.snapshot().get(nominated);
      if (nodeInfo) {
        const priority = podPriority(pod);
        for (const pi of nodeInfo.pods) {
          if (pi.pod.metadata?.deletionTimestamp && podPriority(pi.pod) < priority) return 'not eligible due to a terminating pod on the nominated node.';
        }
      }
    }
    return undefined;
  }

  /** findCandidates + dryRunPreemption. */
  findCandidates(state: CycleState, pod: Pod, filtered: NodeToStatus): { candidates: Candidate[]; nodeToStatus: Map<string, Status> } {
    const nodeToStatus = new Map<string, Status>();
    const allNodes = this.fw.snapshot().list();
    const potential: NodeInfo[] = [];
    for (const n of allNodes) {
      // nodesWherePreemptionMightHelp: Unschedulable (not ...AndUnresolvable) failures only.
      if (filtered.get(n.name)?.code === Code.UnschedulableAndUnresolvable) nodeToStatus.set(n.name, PREEMPTION_NOT_HELPFUL);
      else potential.push(n);
    }
    if (potential.length === 0) return { candidates: [], nodeToStatus };

    const pdbs = this.services.podDisruptionBudgets();
    const offset = Math.floor(this.random() * potential.length);
    const wanted = numCandidates(potential.length, this.args);
    const nonViolating: Candidate[] = [];
    const violating: Candidate[] = [];
    for (let i = 0; i < potential.length; i++) {
      const nodeInfo = potential[(offset + i) % potential.length]!;
      const result = this.selectVictimsOnNode(state.clone(), pod, cloneNodeInfo(nodeInfo), pdbs);
      if (isSuccess(result.status)) {
        if (result.victims.length === 0) {
          nodeToStatus.set(nodeInfo.name, { code: Code.Error, reasons: [`expected at least one victim pod on node "${nodeInfo.name}"`] });
          continue;
        }
        const candidate = { name: nodeInfo.name, victims: result.victims, numPDBViolations: result.numPDBViolations };
        (result.numPDBViolations === 0 ? nonViolating : violating).push(candidate);
        if (nonViolating.length > 0 && nonViolating.length + violating.length >= wanted) break;
        continue;
      }
      nodeToStatus.set(nodeInfo.name, result.status);
    }
    return { candidates: [...nonViolating, ...violating], nodeToStatus };
  }

  /**
   * SelectVictimsOnNode: remove every lower-priority pod; if the preemptor fits then,
   * add them back one by one (most important first, PDB-violating ones before the
   * others) while it still fits. Those that cannot come back are the victims.
   */
  selectVictimsOnNode(state: CycleState, pod: Pod, nodeInfo: ReturnType<typeof cloneNodeInfo>, pdbs: readonly PodDisruptionBudgetLike[]): { victims: Pod[]; numPDBViolations: number; status: Status } {
    const fw = this.fw;
    const priority = podPriority(pod);
    const now = this.services.clock.now();
    const removePod = (pi: PodInfo): Status => {
      nodeInfo.removePod(pi.pod);
      return fw.runPreFilterExtensionRemovePod(state, pod, pi, nodeInfo);
    };
    const addPod = (pi: PodInfo): Status => {
      nodeInfo.addPod(pi);
      return fw.runPreFilterExtensionAddPod(state, pod, pi, nodeInfo);
    };
    const potential: PodInfo[] = [];
    for (const pi of [...nodeInfo.pods]) {
      if (podPriority(pi.pod) >= priority) continue;
      potential.push(pi);
      const s = removePod(pi);
      if (!isSuccess(s)) return { victims: [], numPDBViolations: 0, status: { code: Code.Error, reasons: s.reasons } };
    }
    if (potential.length === 0) return { victims: [], numPDBViolations: 0, status: NO_VICTIMS };

    const fits = fw.runFilterPluginsWithNominatedPods(state, pod, nodeInfo);
    if (!isSuccess(fits)) return { victims: [], numPDBViolations: 0, status: fits };

    potential.sort((a, b) => (moreImportantPod(a.pod, b.pod, now) ? -1 : moreImportantPod(b.pod, a.pod, now) ? 1 : 0));
    const { violating, nonViolating } = filterPodsWithPDBViolation(potential, pdbs);
    const victims: Pod[] = [];
    let numPDBViolations = 0;
    const reprieve = (pi: PodInfo): boolean | Status => {
      const added = addPod(pi);
      if (!isSuccess(added)) return added;
      if (isSuccess(fw.runFilterPluginsWithNominatedPods(state, pod, nodeInfo))) return true;
      const removed = removePod(pi);
      if (!isSuccess(removed)) return removed;
      victims.push(pi.pod);
      return false;
    };
    for (const pi of violating) {
      const fit = reprieve(pi);
      if (typeof fit !== 'boolean') return { victims: [], numPDBViolations: 0, status: { code: Code.Error, reasons: fit.reasons } };
      if (!fit) numPDBViolations++;
    }
    for (const pi of nonViolating) {
      const fit = reprieve(pi);
      if (typeof fit !== 'boolean') return { victims: [], numPDBViolations: 0, status: { code: Code.Error, reasons: fit.reasons } };
    }
    // Keep victims ordered from most to least important.
    if (violating.length > 0 && nonViolating.length > 0) victims.sort((a, b) => (moreImportantPod(a, b, now) ? -1 : moreImportantPod(b, a, now) ? 1 : 0));
    return { victims, numPDBViolations, status: SUCCESS };
  }

  /** prepareCandidate: evict the victims, then free the node from lower-priority nominations. */
  private async prepareCandidate(candidate: Candidate, pod: Pod): Promise<void> {
    await Promise.all(
      candidate.victims.map(async (victim) => {
        // A victim parked at Permit is simply rejected there.
        const waiting = victim.metadata?.uid ? this.fw.getWaitingPod(victim.metadata.uid) : undefined;
        if (waiting) {
          waiting.reject(NAME, 'preempted');
          return;
        }
        await this.services.preemptPod(victim, pod, candidate.name);
      }),
    );
    const priority = podPriority(pod);
    const lower = this.services.nominator.nominatedPodsForNode(candidate.name).filter((pi) => podPriority(pi.pod) < priority && pi.pod.metadata?.uid !== pod.metadata?.uid);
    await Promise.all(lower.map((pi) => this.services.clearNomination(pi.pod)));
  }
}

export const newDefaultPreemption: PluginFactory = (args, handle) => {
  if (!isFrameworkHandle(handle)) throw new Error(`${NAME} needs the scheduler's framework handle`);
  return new DefaultPreemption(handle.framework, handle.services, (args ?? {}) as DefaultPreemptionArgs);
};
