// The client contract every controller, the scheduler and node agents program
// against. Two transports implement it: in-process (loopback into the API server's
// registry, same admission and validation as HTTP clients) and HTTPS.
//
// Objects a client returns are the caller's to read, never to mutate: the loopback
// transport hands out the registry's shared decoded objects. Clone before changing.
//
// Failures are `StatusError`s (code, reason, message) exactly as the HTTP API
// answers them; use the `is*` predicates below for expected outcomes.

import type { KubeList, KubeObject } from '../api/types.js';

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  readonly limit?: number;
  readonly continue?: string;
}

export interface WatchOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Start after this revision; unset or "0" starts with synthetic ADDED events for the current state. */
  readonly resourceVersion?: string;
  readonly allowWatchBookmarks?: boolean;
  readonly timeoutSeconds?: number;
}

export interface WriteOptions {
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
}

export interface UpdateOptions extends WriteOptions {
  /** "status" or "scale" */
  readonly subresource?: string;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface PatchOptions extends UpdateOptions {
  readonly force?: boolean;
}

export interface DeleteOptions {
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly dryRun?: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  readonly type: WatchEventType;
  /** For ERROR, a Status object (410 Expired when the start revision was compacted). */
  readonly object: T;
}

export interface WatchHandle {
  /** Settles when the watch ends: closed by the caller, timed out, or the server went away. */
  readonly done: Promise<void>;
  close(): void;
}

export interface ApiClient {
  get<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, name: string): Promise<T>;
  /** namespace '' lists across all namespaces (or a cluster-scoped kind). */
  list<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, options?: ListOptions): Promise<KubeList<T>>;
  /**
   * Starts a watch; events arrive in order through onEvent. Rejects with a 410
   * StatusError when the start revision is already compacted.
   */
  watch<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void): Promise<WatchHandle>;
  create<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, obj: KubeObject, options?: WriteOptions): Promise<T>;
  /** PUT of obj (its metadata.name names it); a stale metadata.resourceVersion gives 409 Conflict. */
  update<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, obj: KubeObject, options?: UpdateOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, name: string, patchType: PatchType, patch: unknown, options?: PatchOptions): Promise<T>;
  /** Returns the object as deletion left it (with deletionTimestamp when finalizers hold it) or a Success Status. */
  delete(type: ResourceType, namespace: string, name: string, options?: DeleteOptions): Promise<KubeObject>;
  /** POST to a subresource: pods/binding, pods/eviction, serviceaccounts/token. */
  createSubresource<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, name: string, subresource: string, body: KubeObject): Promise<T>;
}

/** The shape of a failed request, as `StatusError` carries it. */
export interface ApiFailure {
  readonly code: number;
  readonly status: { readonly reason?: string; readonly message?: string };
}

function failureOf(err: unknown): ApiFailure | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const candidate = err as Partial<ApiFailure>;
  return typeof candidate.code === 'number' && typeof candidate.status === 'object' ? (candidate as ApiFailure) : undefined;
}

export const isNotFound = (err: unknown): boolean => failureOf(err)?.code === 404;
export const isConflict = (err: unknown): boolean => failureOf(err)?.status.reason === 'Conflict';
export const isAlreadyExists = (err: unknown): boolean => failureOf(err)?.status.reason === 'AlreadyExists';
export const isGone = (err: unknown): boolean => failureOf(err)?.code === 410;
export const isInvalid = (err: unknown): boolean => failureOf(err)?.code === 422;
export const isForbidden = (err: unknown): boolean => failureOf(err)?.code === 403;
export const isTooManyRequests = (err: unknown): boolean => failureOf(err)?.code === 429;
export const apiFailureCode = (err: unknown): number | undefined => failureOf(err)?.code;
