// The pod status a simulated kubelet reports: Running with IPs, ready containers and
// completed init containers; later Succeeded or Failed for pods that do not restart
// forever. Shaped like the real kubelet's status so controllers and kubectl see what
// they would on a real node. Pure.

import type { ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';

export const DURATION_ANNOTATION = 'skiff.dev/simulated-duration';
export const EXIT_CODE_ANNOTATION = 'skiff.dev/simulated-exit-code';

/** Condition types the kubelet owns, in the order it reports them. */
const KUBELET_CONDITIONS = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady'];

const GO_DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** time.ParseDuration in ms ("1.5s", "2m30s", "300ms", "0"); undefined when malformed or negative. */
export function parseGoDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  if (!/^(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))*$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, value, unit] of trimmed.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(value) * GO_DURATION_UNITS[unit!]!;
  return total;
}

/** Whether the pod's containers run until deleted (restartPolicy Always, the default). */
export function runsForever(pod: Pod): boolean {
  return (pod.spec?.restartPolicy ?? 'Always') === 'Always';
}

/** How long a pod that does not run forever runs: its duration annotation, or the default. */
export function runDurationMs(pod: Pod, defaultMs: number): number {
  const annotated = pod.metadata?.annotations?.[DURATION_ANNOTATION];
  return (annotated === undefined ? undefined : parseGoDuration(annotated)) ?? defaultMs;
}

/** The exit code the pod's containers end with: its exit-code annotation, or 0. */
export function exitCode(pod: Pod): number {
  const annotated = Number.parseInt(pod.metadata?.annotations?.[EXIT_CODE_ANNOTATION] ?? '', 10);
  return Number.isInteger(annotated) ? annotated : 0;
}

export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Whether the pod already shows the running status a healthy simulated node reports. */
export function looksRunning(pod: Pod): boolean {
  const status = pod.status;
  if (status?.phase !== 'Running' || !status.podIP || !status.startTime) return false;
  const ready = (type: string) => status.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
  return ready('Ready') && ready('ContainersReady') && ready('PodReadyToStartContainers');
}

function containerID(pod: Pod, name: string): string {
  return `simulated://${pod.metadata?.uid ?? ''}/${name}`;
}

function setConditions(pod: Pod, wanted: ReadonlyArray<Omit<PodCondition, 'lastTransitionTime'>>, now: string): PodCondition[] {
  const existing = pod.status?.conditions ?? [];
  const managed = new Set([...KUBELET_CONDITIONS, ...wanted.map((c) => c.type)]);
  const out: PodCondition[] = [];
  for (const condition of wanted) {
    const old = existing.find((c) => c.type === condition.type);
    out.push({ ...condition, lastTransitionTime: old && old.status === condition.status && old.lastTransitionTime ? old.lastTransitionTime : now });
  }
  // Conditions others own (PodScheduled from the scheduler, DisruptionTarget, readiness gates) stay.
  for (const condition of existing) if (!managed.has(condition.type)) out.push(condition);
  if (!out.some((c) => c.type === 'PodScheduled')) out.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: now });
  return out;
}

export interface RunningAddresses {
  readonly hostIP: string;
  readonly podIP: string;
}

/** The status of a pod whose containers all started (init containers completed). */
export function runningStatus(pod: Pod, addresses: RunningAddresses, now: string): PodStatus {
  const startedAt = pod.status?.startTime ?? now;
  const initContainers = pod.spec?.initContainers ?? [];
  const initContainerStatuses: ContainerStatus[] = initContainers.map((c) => ({
    name: c.name,
    image: c.image ?? '',
    imageID: `simulated://${c.image ?? ''}`,
    containerID: containerID(pod, c.name),
    ready: true,
    started: false,
    restartCount: 0,
    state: { terminated: { exitCode: 0, reason: 'Completed', startedAt, finishedAt: startedAt, containerID: containerID(pod, c.name) } },
  }));
  const containerStatuses: ContainerStatus[] = (pod.spec?.containers ?? []).map((c) => ({
    name: c.name,
    image: c.image ?? '',
    imageID: `simulated://${c.image ?? ''}`,
    containerID: containerID(pod, c.name),
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt } },
  }));
  const conditions = setConditions(
    pod,
    [
      { type: 'PodReadyToStartContainers', status: 'True' },
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: 'True' },
      { type: 'ContainersReady', status: 'True' },
    ],
    now,
  );
  const status: PodStatus = {
    ...pod.status,
    phase: 'Running',
    conditions,
    hostIP: addresses.hostIP,
    hostIPs: [{ ip: addresses.hostIP }],
    podIP: addresses.podIP,
    podIPs: [{ ip: addresses.podIP }],
    startTime: startedAt,
    containerStatuses,
  };
  if (initContainerStatuses.length > 0) return { ...status, initContainerStatuses };
  return status;
}

/** The status of a pod whose containers exited: Succeeded with 0, Failed otherwise. */
export function terminatedStatus(pod: Pod, code: number, now: string): PodStatus {
  const reason = code === 0 ? 'Completed' : 'Error';
  const containerStatuses: ContainerStatus[] = (pod.spec?.containers ?? []).map((c) => {
    const previous = pod.status?.containerStatuses?.find((s) => s.name === c.name);
    const startedAt = previous?.state?.running?.startedAt ?? pod.status?.startTime ?? now;
    return {
      name: c.name,
      image: c.image ?? '',
      imageID: `simulated://${c.image ?? ''}`,
      containerID: containerID(pod, c.name),
      ready: false,
      started: false,
      restartCount: 0,
      state: { terminated: { exitCode: code, reason, startedAt, finishedAt: now, containerID: containerID(pod, c.name) } },
    };
  });
  const conditions = setConditions(
    pod,
    [
      { type: 'PodReadyToStartContainers', status: 'False' },
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: 'False', reason: 'PodCompleted' },
      { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' },
    ],
    now,
  );
  return { ...pod.status, phase: code === 0 ? 'Succeeded' : 'Failed', conditions, containerStatuses };
}
