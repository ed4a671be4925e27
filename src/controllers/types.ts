// What in-process controllers get from the control plane: access to the API registry
// (same validation, preconditions and finalizer rules as clients) and an error sink.

import type { KubeObject } from '../api/types.js';

export interface DeleteOptions {
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly preconditions?: { uid?: string };
}

export interface ResourceAccess {
  /** Deletes an object; gone already or replaced (uid precondition) is not an error. */
  delete(group: string, plural: string, namespace: string, name: string, options: DeleteOptions): Promise<void>;
  /** Read-modify-write of an object; gone is not an error. */
  update(group: string, plural: string, namespace: string, name: string, mutate: (obj: KubeObject) => KubeObject): Promise<void>;
  /** The PUT of a subresource computed from the current object (namespaces/finalize). */
  updateSubresource(group: string, plural: string, namespace: string, name: string, subresource: string, mutate: (obj: KubeObject) => KubeObject): Promise<void>;
  list(group: string, plural: string, namespace: string): Promise<KubeObject[]>;
  /** The namespaced resources served now, one version each. */
  namespacedResources(): ReadonlyArray<{ group: string; plural: string }>;
}

export interface ControllerContext {
  onError(err: unknown, what: string): void;
}
