// Events as controllers record them (client-go's record.EventRecorder): a core/v1
// Event per (object, type, reason, message), repeated ones counted on the same Event.

import type { KubeObject } from '../api/types.js';
import { realClock, type Clock } from './clock.js';
import { Resources } from './resources.js';
import { isNotFound, type ApiClient } from './types.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** Records an event about obj; never throws (failures go to the error sink). */
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

export interface EventSource {
  /** "default-scheduler", "replicaset-controller", "kubelet", ... */
  readonly component: string;
  readonly host?: string;
}

const MAX_REMEMBERED = 4096;

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class ApiEventRecorder implements EventRecorder {
  /** The events recorded lately, by dedup key, to count repeats instead of creating new ones. */
  private readonly recent = new Map<string, { name: string; namespace: string; count: number }>();
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: ApiClient,
    private readonly source: EventSource,
    private readonly clock: Clock = realClock,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    // Events are written one after another so repeats find the Event they count on.
    this.pending = this.pending.then(() => this.write(obj, type, reason, message)).catch((err: unknown) => this.onError(err));
  }

  /** Resolves when every event recorded so far is written (tests, shutdown). */
  flush(): Promise<void> {
    return this.pending;
  }

  private async write(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const involvedObject = {
      kind: obj.kind,
      namespace: meta.namespace,
      name: meta.name,
      uid: meta.uid,
      apiVersion: obj.apiVersion,
      resourceVersion: meta.resourceVersion,
    };
    const key = [namespace, obj.kind, meta.name, meta.uid, type, reason, message].join('\u0000');
    const now = rfc3339(this.clock.now());
    const seen = this.recent.get(key);
    if (seen) {
      seen.count++;
      try {
        await this.client.patch(Resources.events, seen.namespace, seen.name, 'merge', { count: seen.count, lastTimestamp: now });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.recent.delete(key);
      }
    }
    const name = `${meta.name ?? 'unknown'}.${(this.clock.now() * 1e6 + Math.floor(Math.random() * 1e6)).toString(16)}`;
    await this.client.create(Resources.events, namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject,
      reason,
      message,
      type,
      source: { component: this.source.component, ...(this.source.host ? { host: this.source.host } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.source.component,
      reportingInstance: this.source.host ?? '',
    });
    if (this.recent.size >= MAX_REMEMBERED) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(key, { name, namespace, count: 1 });
  }
}
