// kubernetes-types interfaces have no index signature, so they are not KubeObjects as
// the client and informers take them; the intersection is both.

import type { KubeObject } from '../../api/types.js';

/** A typed object (Pod, ReplicaSet, ...) usable wherever a KubeObject is. */
export type Typed<T> = T & KubeObject;

/** Views a typed object as a KubeObject (the same value, no copy). */
export function typed<T>(obj: T): Typed<T> {
  return obj as Typed<T>;
}
