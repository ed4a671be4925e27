// The pod status the agent reports, computed from the runtime's view of the pod's
// containers the way the kubelet does (kubelet_pods.go generateAPIPodStatus,
// convertToAPIContainerStatuses, getPhase; status/generate.go for conditions). Pure.

import type { Container, ContainerState, ContainerStatus as ApiContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import type { ContainerStatus as RuntimeContainer } from '../runtime/types.js';

/** Why a container is not running now, as the agent recorded it (ErrImagePull, CrashLoopBackOff...). */
export interface WaitingReason {
  readonly reason: string;
  readonly message?: string;
}

export interface PodStatusInputs {
  readonly pod: Pod;
  /** Every runtime container of the pod (all attempts). */
  readonly containers: readonly RuntimeContainer[];
  readonly waiting: ReadonlyMap<string, WaitingReason>;
  /** Probe results by runtime container id. */
  readonly ready: (containerId: string) => boolean;
  readonly started: (containerId: string) => boolean;
  /** Termination messages read from terminationMessagePath, by container id. */
  readonly terminationMessages: ReadonlyMap<string, string>;
  readonly imageIDs: ReadonlyMap<string, string>;
  readonly sandboxReady: boolean;
  readonly runtimeName: string;
  readonly hostIP: string;
  readonly podIP?: string;
  readonly startTime: string;
  readonly now: string;
  /** Set once the pod is done on this node: containers will not run again. */
  readonly podIsTerminal?: boolean;
}

/** Condition types the kubelet owns, in the order it reports them. */
export const KUBELET_CONDITIONS = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady'] as const;

export function isRestartableInitContainer(container: Container): boolean {
  return container.restartPolicy === 'Always';
}

/** The newest attempt of each named container, and the one before it. */
export function latestAttempts(containers: readonly RuntimeContainer[], name: string): { latest?: RuntimeContainer; previous?: RuntimeContainer } {
  const mine = containers.filter((c) => c.name === name).sort((a, b) => b.attempt - a.attempt || b.createdAt.getTime() - a.createdAt.getTime());
  return { latest: mine[0], previous: mine[1] };
}

function iso(date: Date | undefined, fallback: string): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : fallback;
}

function terminatedState(c: RuntimeContainer, runtimeName: string, messages: ReadonlyMap<string, string>, now: string): ContainerState {
  const message = messages.get(c.id) ?? c.message;
  return {
    terminated: {
      exitCode: c.exitCode ?? 0,
      reason: c.reason ?? (c.exitCode === 0 ? 'Completed' : 'Error'),
      ...(message ? { message } : {}),
      startedAt: iso(c.startedAt, now),
      finishedAt: iso(c.finishedAt, now),
      containerID: `${runtimeName}://${c.id}`,
    },
  };
}

function containerStatus(container: Container, init: boolean, inputs: PodStatusInputs, defaultWaiting: string): ApiContainerStatus {
  const { latest, previous } = latestAttempts(inputs.containers, container.name);
  const image = container.image ?? '';
  const waiting = inputs.waiting.get(container.name);
  const base = { name: container.name, image, imageID: inputs.imageIDs.get(container.name) ?? '' };
  if (!latest) {
    return { ...base, ready: false, restartCount: 0, started: false, state: { waiting: { reason: waiting?.reason ?? defaultWaiting, ...(waiting?.message ? { message: waiting.message } : {}) } } };
  }
  const containerID = `${inputs.runtimeName}://${latest.id}`;
  const restartCount = latest.attempt;
  const lastState: ContainerState = previous && previous.state === 'exited' ? terminatedState(previous, inputs.runtimeName, inputs.terminationMessages, inputs.now) : {};
  if (latest.state === 'running') {
    const started = inputs.started(latest.id);
    // Init containers that run to completion are never "ready" while running.
    const ready = (!init || isRestartableInitContainer(container)) && started && inputs.ready(latest.id);
    return { ...base, containerID, ready, restartCount, started, lastState, state: { running: { startedAt: iso(latest.startedAt, inputs.now) } } };
  }
  if (latest.state === 'exited') {
    const terminated = terminatedState(latest, inputs.runtimeName, inputs.terminationMessages, inputs.now);
    if (waiting) {
      // Waiting to run again (CrashLoopBackOff, ErrImagePull on restart...): the exit is the last state.
      return { ...base, containerID, ready: false, restartCount, started: false, lastState: terminated, state: { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } } };
    }
    const ready = init && !isRestartableInitContainer(container) && latest.exitCode === 0;
    return { ...base, containerID, ready, restartCount, started: false, lastState, state: terminated };
  }
  // Created, not started yet.
  return { ...base, containerID, ready: false, restartCount, started: false, lastState, state: { waiting: { reason: waiting?.reason ?? defaultWaiting } } };
}

/** kubelet's getPhase (pkg/kubelet/kubelet_pods.go). */
export function getPhase(pod: Pod, initStatuses: readonly ApiContainerStatus[], statuses: readonly ApiContainerStatus[], podIsTerminal: boolean): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  const spec = pod.spec;
  const restartPolicy = spec?.restartPolicy ?? 'Always';
  let pendingInitialization = 0;
  let failedInitialization = 0;
  const find = (list: readonly ApiContainerStatus[], name: string) => list.find((s) => s.name === name);
  for (const container of spec?.initContainers ?? []) {
    if (isRestartableInitContainer(container)) continue;
    const status = find(initStatuses, container.name);
    if (!status) {
      pendingInitialization++;
      continue;
    }
    if (status.state?.running) pendingInitialization++;
    else if (status.state?.terminated) {
      if (status.state.terminated.exitCode !== 0) failedInitialization++;
    } else if (status.state?.waiting) {
      if (status.lastState?.terminated) {
        if (status.lastState.terminated.exitCode !== 0) failedInitialization++;
      } else pendingInitialization++;
    } else pendingInitialization++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const container of spec?.initContainers ?? []) {
    if (!isRestartableInitContainer(container)) continue;
    const status = find(initStatuses, container.name);
    if (!status) {
      unknown++;
      continue;
    }
    if (status.state?.running) {
      if (!status.started) pendingInitialization++;
      running++;
    } else if (status.state?.terminated) {
      // Stopped sidecars do not count.
    } else if (status.state?.waiting) {
      if (!status.lastState?.terminated) {
        pendingInitialization++;
        waiting++;
      }
    } else {
      pendingInitialization++;
      unknown++;
    }
  }
  for (const container of spec?.containers ?? []) {
    const status = find(statuses, container.name);
    if (!status) {
      unknown++;
      continue;
    }
    if (status.state?.running) running++;
    else if (status.state?.terminated) {
      stopped++;
      if (status.state.terminated.exitCode === 0) succeeded++;
    } else if (status.state?.waiting) {
      if (status.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInitialization > 0 && restartPolicy === 'Never') return 'Failed';
  const anyRegularStarted = statuses.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);
  if ((pendingInitialization > 0 && !anyRegularStarted) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

type OwnCondition = Omit<PodCondition, 'lastTransitionTime'>;

/** Initialized, ContainersReady and Ready as status/generate.go computes them. */
export function podConditions(pod: Pod, initStatuses: readonly ApiContainerStatus[], statuses: readonly ApiContainerStatus[], phase: string, sandboxReady: boolean): OwnCondition[] {
  const initContainers = pod.spec?.initContainers ?? [];
  const incomplete = initContainers.filter((c) => !initStatuses.find((s) => s.name === c.name)?.ready && !(isRestartableInitContainer(c) && initStatuses.find((s) => s.name === c.name)?.started)).map((c) => c.name);
  const initialized: OwnCondition =
    incomplete.length === 0 || phase === 'Succeeded'
      ? { type: 'Initialized', status: 'True', ...(phase === 'Succeeded' && initContainers.length > 0 ? { reason: 'PodCompleted' } : {}) }
      : { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${incomplete.join(' ')}]` };

  const mustBeReady = [...initContainers.filter(isRestartableInitContainer).map((c) => ({ c, list: initStatuses })), ...(pod.spec?.containers ?? []).map((c) => ({ c, list: statuses }))];
  const unready = mustBeReady.filter(({ c, list }) => !list.find((s) => s.name === c.name)?.ready).map(({ c }) => c.name);
  let containersReady: OwnCondition;
  if (phase === 'Succeeded') containersReady = { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  else if (unready.length > 0) containersReady = { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
  else containersReady = { type: 'ContainersReady', status: 'True' };

  let ready: OwnCondition = { ...containersReady, type: 'Ready' };
  if (containersReady.status === 'True') {
    const missing: string[] = [];
    for (const gate of pod.spec?.readinessGates ?? []) {
      const condition = pod.status?.conditions?.find((c) => c.type === gate.conditionType);
      if (!condition) missing.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
      else if (condition.status !== 'True') missing.push(`the status of pod readiness gate "${gate.conditionType}" is not "True", but ${condition.status}`);
    }
    if (missing.length > 0) ready = { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: missing.join(', ') };
  }
  const readyToStart: OwnCondition = { type: 'PodReadyToStartContainers', status: sandboxReady ? 'True' : 'False' };
  return [readyToStart, initialized, ready, containersReady];
}

/** Merges own conditions into the pod's: transition times kept when unchanged, others' conditions kept. */
export function mergeConditions(existing: readonly PodCondition[], own: readonly OwnCondition[], now: string): PodCondition[] {
  const out: PodCondition[] = [];
  for (const condition of own) {
    const old = existing.find((c) => c.type === condition.type);
    out.push({ ...condition, lastTransitionTime: old && old.status === condition.status && old.lastTransitionTime ? old.lastTransitionTime : now });
  }
  const ownTypes = new Set(own.map((c) => c.type));
  for (const condition of existing) if (!ownTypes.has(condition.type)) out.push(condition);
  if (!out.some((c) => c.type === 'PodScheduled')) out.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: now });
  return out;
}

/** The whole status the agent posts for a pod it runs. */
export function computePodStatus(inputs: PodStatusInputs): PodStatus {
  const { pod } = inputs;
  const hasInit = (pod.spec?.initContainers ?? []).length > 0;
  const defaultWaiting = hasInit ? 'PodInitializing' : 'ContainerCreating';
  const initContainerStatuses = (pod.spec?.initContainers ?? []).map((c) => containerStatus(c, true, inputs, defaultWaiting));
  const containerStatuses = (pod.spec?.containers ?? []).map((c) => containerStatus(c, false, inputs, defaultWaiting));
  const previousPhase = pod.status?.phase;
  // A pod never leaves a terminal phase.
  const phase = previousPhase === 'Succeeded' || previousPhase === 'Failed' ? previousPhase : getPhase(pod, initContainerStatuses, containerStatuses, inputs.podIsTerminal ?? false);
  const own = podConditions(pod, initContainerStatuses, containerStatuses, phase, inputs.sandboxReady && phase !== 'Succeeded' && phase !== 'Failed');
  const podIP = inputs.podIP;
  const status: PodStatus = {
    phase,
    conditions: mergeConditions(pod.status?.conditions ?? [], own, inputs.now),
    hostIP: inputs.hostIP,
    hostIPs: [{ ip: inputs.hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: inputs.startTime,
    ...(pod.status?.qosClass ? { qosClass: pod.status.qosClass } : {}),
    ...(initContainerStatuses.length > 0 ? { initContainerStatuses } : {}),
    containerStatuses,
  };
  if (pod.status?.reason) status.reason = pod.status.reason;
  if (pod.status?.message) status.message = pod.status.message;
  if (pod.status?.nominatedNodeName) status.nominatedNodeName = pod.status.nominatedNodeName;
  return status;
}
