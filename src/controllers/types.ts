// What in-process controllers get from the control plane: access to the API registry
// (same validation, preconditions and finalizer rules as clients) and an error sink.

import type { KubeObject } from '../api/types.js';
import type { ApiClient, Clock, EventRecorder, InformerFactory } from '../client/index.js';
import type { Store } from '../storage/index.js';

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

/**
 * What the garbage collector and the namespace controller work on: the datastore they
 * watch and the registry they act through (the API server's, in the same process).
 */
export interface RegistryAccess {
  readonly store: Store;
  readonly access: ResourceAccess;
}

export interface ErrorSink {
  onError(err: unknown, what: string): void;
}

/** What every controller of the controller manager gets. */
export interface ControllerContext extends ErrorSink {
  /** In-process client acting as the controller manager (same admission and validation as HTTP). */
  readonly client: ApiClient;
  /** Shared informers: ask for them in the constructor; the manager starts them and waits for sync before run(). */
  readonly informers: InformerFactory;
  readonly clock: Clock;
  /** An event recorder reporting as this component ("replicaset-controller", ...). */
  recorder(component: string): EventRecorder;
}

/**
 * A controller: its constructor registers informer handlers that only enqueue keys;
 * run() starts its workers once informers have synced; stop() ends them and
 * disposes of every timer it owns.
 */
export interface Controller {
  readonly name: string;
  run(): void;
  stop(): Promise<void>;
}

export type ControllerFactory = (context: ControllerContext) => Controller;

/** A component with its own start and dispose (the registry-level controllers) as a Controller. */
export function startableController(name: string, component: { start(): Promise<void>; dispose(): Promise<void> }, ctx: ErrorSink): Controller {
  let starting: Promise<void> | undefined;
  return {
    name,
    run() {
      starting ??= component.start().catch((err: unknown) => ctx.onError(err, `starting the ${name} controller`));
    },
    async stop() {
      await component.dispose();
      await starting;
    },
  };
}
