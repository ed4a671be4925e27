// Per-kind behaviour plugged into the generic registry (upstream's REST strategies).

import type { KubeObject } from '../../api/types.js';
import type { FieldCause } from '../status.js';

export interface Strategy {
  /** Scheme defaulting: applied to every object a request creates or updates. */
  defaults?(obj: KubeObject): void;
  /** Bump metadata.generation when anything but metadata and status changes. */
  readonly generationTracksSpec?: boolean;
  prepareForCreate?(obj: KubeObject): void;
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  validate?(obj: KubeObject): FieldCause[];
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldCause[];
  /** PUT of a missing object creates it (upstream: events, leases, nodes...). */
  readonly allowCreateOnUpdate?: boolean;
  /** Validates metadata.name; returns error details (default: DNS-1123 subdomain). */
  nameProblems?(name: string): string[];
  /** Field selector values per supported field, besides metadata.name and metadata.namespace. */
  readonly fieldSelectors?: Readonly<Record<string, (obj: KubeObject) => string>>;
  /** Deletion work besides metadata.finalizers that keeps a deleted object (namespaces: spec.finalizers). */
  pendingFinalization?(obj: KubeObject): boolean;
  /** Called when a delete marks the object instead of removing it (namespaces: phase Terminating). */
  onMarkedForDeletion?(obj: KubeObject): void;
  /**
   * Reserves what an object needs outside itself (a Service's ClusterIP and node
   * ports), filling them in; returns the undo for a create that then fails.
   */
  allocate?(obj: KubeObject, old: KubeObject | undefined): Promise<() => Promise<void>>;
  /** Releases what `old` held and `obj` (undefined when deleted) no longer does. */
  release?(old: KubeObject, obj: KubeObject | undefined): Promise<void>;
  /**
   * The object as clients see it (custom resources: apiVersion of the served version,
   * defaults, pruning). Must not mutate; returns `obj` itself when nothing changes.
   */
  transformRead?(obj: KubeObject): KubeObject;
  /** Fields a custom resource's schema does not know (the built-ins use OpenAPI). */
  unknownFields?(obj: KubeObject): string[];
  /** Pods: a delete with a grace period marks the object instead of removing it. */
  gracefulDelete?(obj: KubeObject, requestedGraceSeconds: number | undefined): number | undefined;
}
