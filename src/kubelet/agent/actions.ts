// What one sync of a pod should do, decided from the spec and the runtime's view of
// its containers, after kuberuntime_manager.go computePodActions: create the sandbox,
// the next init container (in order), the containers that should (re)start per
// restartPolicy, and the containers to kill (failed liveness or startup probes).
// Restart backoff is applied by the caller. Pure.

import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerStatus as RuntimeContainer } from '../runtime/types.js';
import { isRestartableInitContainer, latestAttempts } from './podstatus.js';

export interface ContainerToStart {
  readonly container: Container;
  readonly init: boolean;
  /** The attempt number the new container gets (previous attempt + 1, or 0). */
  readonly attempt: number;
  /** The exited attempt this one replaces (for restart backoff). */
  readonly previous?: RuntimeContainer;
}

export interface ContainerToKill {
  readonly id: string;
  readonly name: string;
  /** Event message, "Container c failed liveness probe, will be restarted". */
  readonly message: string;
}

export interface PodActions {
  readonly createSandbox: boolean;
  readonly start: readonly ContainerToStart[];
  readonly kill: readonly ContainerToKill[];
  /** An init container failed under restartPolicy Never: the pod fails. */
  readonly initFailed: boolean;
  /** Nothing is running or will run again (every container exited for good). */
  readonly done: boolean;
}

export interface ProbeView {
  /** Whether the liveness (or startup) probe failed for good: the container must be restarted. */
  livenessFailed(containerId: string): boolean;
  startupFailed(containerId: string): boolean;
  /** Whether the container passed its startup probe (true without one). */
  started(containerId: string): boolean;
}

/** Whether a container that exited with this code runs again under the pod's restartPolicy. */
export function shouldRestart(pod: Pod, exitCode: number | undefined): boolean {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (policy === 'Always') return true;
  if (policy === 'OnFailure') return exitCode !== 0;
  return false;
}

function nextAttempt(latest: RuntimeContainer | undefined): number {
  return latest ? latest.attempt + 1 : 0;
}

export function computePodActions(pod: Pod, sandboxReady: boolean, runtimeContainers: readonly RuntimeContainer[], probes: ProbeView): PodActions {
  const containers = sandboxReady ? runtimeContainers : [];
  const start: ContainerToStart[] = [];
  const kill: ContainerToKill[] = [];
  const restartOnFailure = (pod.spec?.restartPolicy ?? 'Always') !== 'Never';
  const anyRegularStarted = (pod.spec?.containers ?? []).some((c) => latestAttempts(containers, c.name).latest);

  // Probe failures kill running containers; a sidecar or restartPolicy != Never restarts them.
  const checkProbes = (c: Container, latest: RuntimeContainer, init: boolean): boolean => {
    const failed = probes.livenessFailed(latest.id) ? 'liveness' : probes.startupFailed(latest.id) ? 'startup' : undefined;
    if (!failed) return false;
    const restart = init || restartOnFailure;
    kill.push({ id: latest.id, name: c.name, message: `Container ${c.name} failed ${failed} probe${restart ? ', will be restarted' : ''}` });
    if (restart) start.push({ container: c, init, attempt: nextAttempt(latest), previous: latest });
    return true;
  };

  // Init containers, in order: each must complete (or, for sidecars, start) before the next.
  let initDone = true;
  for (const c of pod.spec?.initContainers ?? []) {
    const { latest } = latestAttempts(containers, c.name);
    if (isRestartableInitContainer(c)) {
      if (!latest || latest.state === 'created') {
        if (!latest) start.push({ container: c, init: true, attempt: 0 });
        if (anyRegularStarted) continue;
        initDone = false;
        break;
      }
      if (latest.state === 'exited') {
        start.push({ container: c, init: true, attempt: nextAttempt(latest), previous: latest });
        if (anyRegularStarted) continue;
        initDone = false;
        break;
      }
      if (checkProbes(c, latest, true)) {
        if (anyRegularStarted) continue;
        initDone = false;
        break;
      }
      if (!probes.started(latest.id) && !anyRegularStarted) {
        initDone = false;
        break;
      }
      continue;
    }
    if (!latest) {
      if (anyRegularStarted) continue; // ran before its status was collected: never again
      start.push({ container: c, init: true, attempt: 0 });
      initDone = false;
      break;
    }
    if (latest.state !== 'exited') {
      initDone = false;
      break;
    }
    if (latest.exitCode === 0) continue;
    if (!restartOnFailure) return { createSandbox: !sandboxReady, start: [], kill: [], initFailed: true, done: true };
    start.push({ container: c, init: true, attempt: nextAttempt(latest), previous: latest });
    initDone = false;
    break;
  }

  let running = 0;
  if (initDone) {
    for (const c of pod.spec?.containers ?? []) {
      const { latest } = latestAttempts(containers, c.name);
      if (!latest) {
        start.push({ container: c, init: false, attempt: 0 });
        continue;
      }
      if (latest.state === 'running') {
        if (!checkProbes(c, latest, false)) running++;
        continue;
      }
      if (latest.state === 'exited' && shouldRestart(pod, latest.exitCode)) start.push({ container: c, init: false, attempt: nextAttempt(latest), previous: latest });
      if (latest.state === 'created') running++;
    }
  }
  const done = initDone && running === 0 && start.length === 0 && (pod.spec?.containers ?? []).length > 0;
  return { createSandbox: !sandboxReady, start, kill, initFailed: false, done };
}
