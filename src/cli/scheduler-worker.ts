// The scheduler thread's entry (see scheduler-thread.ts): kube-scheduler behind its
// Lease, with a client over the port its parent answers.

import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/types.js';
import { PortClient } from '../client/index.js';
import { internJson, managedfields, withOverrides } from '../machinery/index.js';
import { schedulerComponent } from '../scheduler/index.js';
import { electedComponent } from './elected.js';

export interface SchedulerThreadData {
  readonly identity: string;
  readonly port: MessagePort;
}

export type SchedulerThreadReport =
  | { readonly kind: 'log'; readonly message: string }
  | { readonly kind: 'error'; readonly what: string; readonly message: string; readonly stack?: string }
  | { readonly kind: 'stopped' };

/** Container fields scheduling reads: requests and limits, host ports, sidecar restartPolicy. */
const SCHEDULING_CONTAINER_FIELDS = ['name', 'resources', 'ports', 'restartPolicy'] as const;
/** Volume sources that never bear on scheduling: a pod's own files, tokens and scratch space. */
const NODE_LOCAL_VOLUME_SOURCES = ['projected', 'configMap', 'secret', 'downwardAPI', 'emptyDir'] as const;
/** Status fields scheduling reads: phase, PodScheduled, the nomination, the start time preemption compares. */
const SCHEDULING_STATUS_FIELDS = ['phase', 'conditions', 'nominatedNodeName', 'startTime'] as const;

function pick<T extends object>(value: T, fields: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const v = (value as Record<string, unknown>)[field];
    if (v !== undefined) out[field] = v;
  }
  return out as T;
}

/**
 * A pod as the scheduler's informer keeps it: what scheduling reads. Upstream's
 * kube-scheduler drops managedFields; this thread also drops what no plugin reads
 * (container images, commands, env and mounts, token and config volumes, container
 * statuses), since each pod's copy here comes on top of the API server's: a pod's
 * service-account volume has a name of its own, which left every pod's containers
 * and volumes unshared.
 */
export function schedulingView(pod: Pod): Pod {
  const { spec, status } = pod;
  // Copies member by member, never deleting (see machinery/objects.ts): every pod's
  // copy here keeps the hidden classes the others have.
  const viewSpec =
    spec &&
    withOverrides(spec, {
      containers: spec.containers.map((c) => pick(c, SCHEDULING_CONTAINER_FIELDS)),
      initContainers: spec.initContainers?.map((c) => pick(c, SCHEDULING_CONTAINER_FIELDS)),
      ephemeralContainers: undefined,
      volumes: spec.volumes?.filter((v) => !NODE_LOCAL_VOLUME_SOURCES.some((source) => v[source] !== undefined)),
    });
  return withOverrides(pod, { spec: viewSpec, status: status && pick(status, SCHEDULING_STATUS_FIELDS) });
}

/**
 * What the scheduler's informers keep: objects without managedFields, pods as
 * schedulingView leaves them, and their equal parts shared (pods of one template
 * differ in little).
 */
function informerObject(json: string): KubeObject {
  const obj = managedfields.stripManagedFields(JSON.parse(json) as KubeObject);
  return internJson(obj.kind === 'Pod' ? (schedulingView(obj as Pod & KubeObject) as Pod & KubeObject) : obj);
}

/** How long a stopping scheduler waits for answers to calls in flight. */
const STOP_DRAIN_MS = 5000;

function main(control: MessagePort): void {
  const { identity, port } = workerData as SchedulerThreadData;
  const report = (message: SchedulerThreadReport) => control.postMessage(message);
  const client = new PortClient(port, { decodeListed: informerObject });
  const component = electedComponent(client, 'kube-scheduler', identity, [schedulerComponent()], {
    onError: (err, what) =>
      report({ kind: 'error', what, message: err instanceof Error ? err.message : String(err), ...(err instanceof Error && err.stack ? { stack: err.stack } : {}) }),
    log: (message) => report({ kind: 'log', message }),
  });
  control.on('message', (message: { kind: string }) => {
    if (message.kind !== 'stop') return;
    void (async () => {
      try {
        await component.stop();
        // What stopping sent (its last events, the Lease's release) gets its answer first.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([client.idle(), new Promise((resolve) => (timer = setTimeout(resolve, STOP_DRAIN_MS)))]);
        clearTimeout(timer);
      } finally {
        client.close();
        report({ kind: 'stopped' });
      }
    })();
  });
}

if (parentPort) main(parentPort);
