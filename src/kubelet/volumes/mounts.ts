// kubelet's makeMounts: a container's volumeMounts (readOnly, subPath, subPathExpr)
// as host paths for the runtime, plus its termination-message file.

import { existsSync, mkdirSync, openSync, closeSync, chmodSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { ContainerConfigError, expandVars, podFieldValue } from '../env/index.js';
import type { Mount } from '../runtime/types.js';
import type { MountedVolume } from './manager.js';

const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';

/** Where a container's termination message file lives on the host. */
export function terminationLogPath(podDir: string, containerName: string): string {
  return join(podDir, 'containers', containerName, 'termination-log');
}

/** The env subPathExpr can use when the caller has no resolved env: literal values and fieldRefs. */
function staticEnv(pod: Pod, container: Container): { name: string; value: string }[] {
  const env: { name: string; value: string }[] = [];
  for (const v of container.env ?? []) {
    if (v.value !== undefined) env.push({ name: v.name, value: v.value });
    else if (v.valueFrom?.fieldRef) {
      const value = podFieldValue(pod, v.valueFrom.fieldRef.fieldPath);
      if (!(value instanceof Error)) env.push({ name: v.name, value });
    }
  }
  return env;
}

/** Upstream's ExpandContainerVolumeMounts: every referenced variable must have a value. */
function expandSubPathExpr(expr: string, env: readonly { name: string; value: string }[]): string {
  const byName = new Map(env.map((e) => [e.name, e.value]));
  const missing: string[] = [];
  const expanded = expandVars(expr, (name) => {
    const value = byName.get(name);
    if (!value) missing.push(name);
    return value ?? '';
  });
  if (missing.length > 0) throw new ContainerConfigError(`missing value for ${missing.join(', ')}`);
  return expanded;
}

/**
 * The runtime mounts for a container. podDir is <podsDir>/<uid>. env is the
 * container's resolved env, for subPathExpr (without it, literal and fieldRef
 * values are used). Throws ContainerConfigError for mounts that cannot be made.
 */
export function containerMounts(
  pod: Pod,
  container: Container,
  volumes: ReadonlyMap<string, MountedVolume>,
  podDir: string,
  env?: readonly { name: string; value: string }[],
): Mount[] {
  const mounts: Mount[] = [];
  for (const volumeMount of container.volumeMounts ?? []) {
    const volume = volumes.get(volumeMount.name);
    if (!volume) throw new ContainerConfigError(`cannot find volume "${volumeMount.name}" to mount into container "${container.name}"`);
    let subPath = volumeMount.subPath ?? '';
    if (volumeMount.subPathExpr) subPath = expandSubPathExpr(volumeMount.subPathExpr, env ?? staticEnv(pod, container));
    let hostPath = volume.hostPath;
    if (subPath !== '') {
      if (isAbsolute(subPath)) throw new ContainerConfigError(`error SubPath \`${subPath}\` must not be an absolute path`);
      if (subPath.split('/').includes('..')) throw new ContainerConfigError(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
      hostPath = join(volume.hostPath, subPath);
      // kubelet creates a missing subPath as a directory in the volume.
      if (!existsSync(hostPath)) mkdirSync(hostPath, { recursive: true, mode: 0o750 });
    }
    mounts.push({ containerPath: volumeMount.mountPath, hostPath, readOnly: (volumeMount.readOnly ?? false) || volume.readOnly });
  }
  const messagePath = container.terminationMessagePath ?? DEFAULT_TERMINATION_MESSAGE_PATH;
  if (messagePath !== '' && !mounts.some((m) => m.containerPath === messagePath)) {
    const file = terminationLogPath(podDir, container.name);
    mkdirSync(join(podDir, 'containers', container.name), { recursive: true });
    if (!existsSync(file)) {
      closeSync(openSync(file, 'a'));
      // Any user in the container may write its termination message.
      chmodSync(file, 0o666);
    }
    mounts.push({ containerPath: messagePath, hostPath: file, readOnly: false });
  }
  return mounts;
}
