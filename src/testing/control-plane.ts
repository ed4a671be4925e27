// An in-process control plane for controller and scheduler tests: the real API
// server (registry, admission, validation) on a memory store, an in-process client,
// and controller contexts on a real or fake clock.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiServer, apiWatchCache, ensurePki, type ClusterPki } from '../apiserver/index.js';
import { ApiEventRecorder, InformerFactory, realClock, type ApiClient, type Clock } from '../client/index.js';
import { newGarbageCollectorController, newNamespaceController, type Controller, type ControllerContext, type ControllerFactory } from '../controllers/index.js';
import { openDatastore, type Store } from '../storage/index.js';

export interface ControlPlaneOptions {
  /** Drives controllers' timers and the API server's timestamps. */
  readonly clock?: Clock;
  /** Run the garbage collector and namespace controller (kube-controller-manager's; default true). */
  readonly builtinControllers?: boolean;
  /**
   * Run the ServiceAccount admission plugin (default false). It refuses pods whose
   * service account does not exist, and no controller creates `default` accounts here:
   * like upstream's integration tests (--disable-admission-plugins=ServiceAccount),
   * controller tests run without it.
   */
  readonly serviceAccountAdmission?: boolean;
  /** Datastore URL (default memory://). */
  readonly datastore?: string;
}

export interface TestControlPlane {
  readonly server: ApiServer;
  /** The cluster's certificates (CA with key), for signers and TLS tests. */
  readonly pki: ClusterPki;
  readonly store: Store;
  readonly client: ApiClient;
  readonly clock: Clock;
  /** Errors controllers reported through their contexts. */
  readonly errors: unknown[];
  /** A fresh controller context (its own informer factory). */
  context(component?: string): ControllerContext & { readonly informers: InformerFactory; flushEvents(): Promise<void> };
  /** Builds controllers on one context, starts its informers, waits for sync and runs them. */
  run(...factories: ControllerFactory[]): Promise<{ readonly controllers: Controller[]; readonly context: ControllerContext; stop(): Promise<void> }>;
  close(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<TestControlPlane> {
  const clock = options.clock ?? realClock;
  const dir = mkdtempSync(join(tmpdir(), 'skiff-cp-'));
  const pki = await ensurePki(join(dir, 'tls'));
  const store = await openDatastore(options.datastore ?? 'memory://', { compactionIntervalMs: 0, watchCache: apiWatchCache });
  const errors: unknown[] = [];
  const server = new ApiServer({
    store,
    pki,
    port: 0,
    host: '127.0.0.1',
    now: () => new Date(clock.now()),
    ...(options.serviceAccountAdmission ? {} : { disableAdmissionPlugins: ['ServiceAccount'] }),
    onError: (err) => errors.push(err),
  });
  await server.start();
  const client = server.loopbackClient(undefined, 'skiff-test');
  const running = new Set<{ stop(): Promise<void> }>();
  const recorders: ApiEventRecorder[] = [];

  const context = (component = 'skiff-test') => {
    const onError = (err: unknown) => errors.push(err);
    const controllerClient = server.loopbackClient(undefined, component);
    const informers = new InformerFactory(controllerClient, clock, onError);
    return {
      client: controllerClient,
      informers,
      clock,
      recorder: (source: string) => {
        const recorder = new ApiEventRecorder(controllerClient, { component: source }, clock, onError);
        recorders.push(recorder);
        return recorder;
      },
      onError: (err: unknown, what: string) => errors.push(new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })),
      flushEvents: async () => {
        await Promise.all(recorders.map((r) => r.flush()));
      },
    };
  };

  const cp: TestControlPlane = {
    pki,
    server,
    store,
    client,
    clock,
    errors,
    context,
    async run(...factories) {
      const ctx = context();
      const controllers = factories.map((factory) => factory(ctx));
      ctx.informers.start();
      await ctx.informers.waitForSync();
      for (const controller of controllers) controller.run();
      const handle = {
        controllers,
        context: ctx,
        stop: async () => {
          running.delete(handle);
          await Promise.all(controllers.map((c) => c.stop()));
          await ctx.informers.stop();
          await ctx.flushEvents();
        },
      };
      running.add(handle);
      return handle;
    },
    async close() {
      for (const handle of [...running]) await handle.stop();
      await Promise.all(recorders.map((r) => r.flush()));
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (options.builtinControllers ?? true) {
    // Deletion semantics (ownerReferences, namespace finalization) depend on these two.
    const registry = { store, access: server.resourceAccess() };
    await cp.run(
      (ctx) => newGarbageCollectorController(ctx, registry),
      (ctx) => newNamespaceController(ctx, registry),
    );
  }
  return cp;
}

/** Polls an assertion until it passes or the deadline passes (then throws its last error). */
export async function eventually<T>(assertion: () => T | Promise<T>, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  const interval = options.intervalMs ?? 10;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  }
}
