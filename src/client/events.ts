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
/**
 * client-go's maxQueuedEvents: the broadcaster's queue drops events beyond this many
 * (DropIfChannelFull). A burst (thousands of pods scheduled at once) would otherwise
 * queue without bound, each queued event holding its object's version.
 */
const MAX_QUEUED_EVENTS = 1000;

/** What an Event says of its object (involvedObject), taken when it is recorded. */
interface ObjectReference {
  readonly kind: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly uid: string | undefined;
  readonly apiVersion: string | undefined;
  readonly resourceVersion: string | undefined;
}
/** client-go's EventCorrelator: similar events (same object, type and reason) beyond this many in the window are combined. */
const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_WINDOW_MS = 10 * 60_000;
/** client-go's spam filter: a token bucket per source and object, burst 25, one token back every 5 minutes. */
const SPAM_BURST = 25;
const SPAM_REFILL_MS = 5 * 60_000;

/**
 * A Map that forgets its oldest entry once it holds MAX_REMEMBERED. A fresh
 * keys().next() walks past every deleted slot V8 has not compacted yet (thousands
 * here); one live iterator moves past each slot once. It yields entries in insertion
 * order, including ones added after it was made, so its next key is the oldest one.
 */
class RecentMap<K, V> extends Map<K, V> {
  private oldest: Iterator<K> | undefined;

  /** Drops the oldest entry when the map is full, before a new one is set. */
  makeRoom(): void {
    if (this.size < MAX_REMEMBERED) return;
    this.oldest ??= this.keys();
    let next = this.oldest.next();
    if (next.done) {
      this.oldest = this.keys();
      next = this.oldest.next();
    }
    if (!next.done) this.delete(next.value);
  }
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class ApiEventRecorder implements EventRecorder {
  /** The events recorded lately, by dedup key, to count repeats instead of creating new ones. */
  private readonly recent = new RecentMap<string, { name: string; namespace: string; count: number }>();
  /** Distinct messages seen per (object, type, reason) in the aggregation window. */
  private readonly similar = new RecentMap<string, { since: number; messages: Set<string> }>();
  private readonly spam = new RecentMap<string, { tokens: number; at: number }>();
  private pending: Promise<void> = Promise.resolve();
  /** Events recorded and not yet written. */
  private queued = 0;
  private droppedEvents = 0;
  private lastStamp = 0n;
  /** Set by shutdown(): new events are ignored and queued ones dropped. */
  private closed = false;

  constructor(
    private readonly client: ApiClient,
    private readonly source: EventSource,
    private readonly clock: Clock = realClock,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    if (this.closed) return;
    const meta = obj.metadata ?? {};
    const objectKey = [meta.namespace, obj.kind, meta.name, meta.uid].join('\u0000');
    if (!this.allow(objectKey)) return;
    // Many similar events about one object become one "(combined from similar events)" Event.
    const similarKey = [objectKey, type, reason].join('\u0000');
    const now = this.clock.now();
    let group = this.similar.get(similarKey);
    if (!group || now - group.since > AGGREGATE_WINDOW_MS) {
      this.similar.makeRoom();
      this.similar.set(similarKey, (group = { since: now, messages: new Set() }));
    }
    group.messages.add(message);
    const combined = group.messages.size >= AGGREGATE_MAX_EVENTS;
    const text = combined ? `(combined from similar events): ${message}` : message;
    if (this.queued >= MAX_QUEUED_EVENTS) {
      this.droppedEvents++;
      return;
    }
    // Only the reference is kept: a queued event must not hold its object's whole version.
    const ref: ObjectReference = { kind: obj.kind, namespace: meta.namespace, name: meta.name, uid: meta.uid, apiVersion: obj.apiVersion, resourceVersion: meta.resourceVersion };
    // Events are written one after another so repeats find the Event they count on.
    this.queued++;
    this.pending = this.pending
      .then(() => (this.closed ? undefined : this.write(ref, type, reason, text, combined ? 'combined' : text)))
      .catch((err: unknown) => this.onError(err))
      .finally(() => this.queued--);
  }

  /**
   * The suffix of an Event's name: nanoseconds as upstream's recorder uses, made
   * unique here. A millisecond clock times a million is past 2^53, so it is a BigInt;
   * random nanoseconds keep recorders apart, and a recorder never repeats itself.
   */
  private nextStamp(): bigint {
    let stamp = BigInt(this.clock.now()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
    if (stamp <= this.lastStamp) stamp = this.lastStamp + 1n;
    this.lastStamp = stamp;
    return stamp;
  }

  /** Events dropped because the queue was full. */
  get dropped(): number {
    return this.droppedEvents;
  }

  /** The spam filter's token bucket for one object. */
  private allow(objectKey: string): boolean {
    const now = this.clock.now();
    let bucket = this.spam.get(objectKey);
    if (!bucket) {
      this.spam.makeRoom();
      this.spam.set(objectKey, (bucket = { tokens: SPAM_BURST, at: now }));
    }
    const refilled = Math.floor((now - bucket.at) / SPAM_REFILL_MS);
    if (refilled > 0) {
      bucket.tokens = Math.min(SPAM_BURST, bucket.tokens + refilled);
      bucket.at += refilled * SPAM_REFILL_MS;
    }
    if (bucket.tokens <= 0) return false;
    bucket.tokens--;
    return true;
  }

  /** Resolves when every event recorded so far is written (tests). */
  flush(): Promise<void> {
    return this.pending;
  }

  /**
   * Stops recording: events not yet written are dropped, and it resolves once the one
   * being written (if any) is done. Upstream's broadcaster Shutdown leaves its queue
   * unwritten too; a component stopping does not wait for thousands of queued events.
   */
  shutdown(): Promise<void> {
    this.closed = true;
    return this.pending;
  }

  private async write(involvedObject: ObjectReference, type: EventType, reason: string, message: string, dedupMessage: string): Promise<void> {
    const namespace = involvedObject.namespace || 'default';
    const key = [namespace, involvedObject.kind, involvedObject.name, involvedObject.uid, type, reason, dedupMessage].join('\u0000');
    const now = rfc3339(this.clock.now());
    const seen = this.recent.get(key);
    if (seen) {
      seen.count++;
      try {
        await this.client.patch(Resources.events, seen.namespace, seen.name, 'merge', { count: seen.count, lastTimestamp: now, message });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.recent.delete(key);
      }
    }
    const name = `${involvedObject.name ?? 'unknown'}.${this.nextStamp().toString(16)}`;
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
    this.recent.makeRoom();
    this.recent.set(key, { name, namespace, count: 1 });
  }
}
