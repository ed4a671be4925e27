// The Kubernetes API server: HTTPS, authentication -> authorization -> admission ->
// the generic registry, discovery, and the request limits of kube-apiserver.

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { BUILTIN_RESOURCES, type ResourceInfo } from '../api/resources.js';
import { isObject, type KubeObject } from '../api/types.js';
import { jsonOf } from './registry/codec.js';
import type { Store } from '../storage/index.js';
import {
  ANONYMOUS,
  AuthenticatedAllowAuthorizer,
  ClientCertAuthenticator,
  PUBLIC_PATHS,
  StaticTokenAuthenticator,
  UnionAuthenticator,
  type Authenticator,
  type Authorizer,
  type UserInfo,
} from './auth.js';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, wantsAggregatedDiscovery } from './discovery.js';
import type { ClusterPki } from './pki.js';
import { GenericStore, type RequestContext } from './registry/generic-store.js';
import type { Strategy } from './registry/strategy.js';
import { parseRequestInfo, type RequestInfo, type ResourceRequestInfo } from './request-info.js';
import { ResourceHandler, sendJson } from './resource-handler.js';
import { newBadRequest, newForbidden, newInternalError, newMethodNotSupported, newNotFound, newNotFoundPath, newTooManyRequests, newUnauthorized, StatusError } from './status.js';
import { strategyFor } from './strategies.js';
import type { TablePrinter } from './table.js';
import { printerFor as builtinPrinterFor } from '../api/printers/index.js';
import { listFilterFor } from './selectors.js';
import { applyPatch } from './patch.js';
import type { WatchSettings } from './watch-stream.js';
import { bindPod, createVirtual, requestToken, type VirtualDeps } from './virtual.js';
import { ServiceAllocator } from './service-allocator.js';
import { serviceStrategy } from './service-strategy.js';
import { BootstrapTokenAuthenticator } from './bootstrap-tokens.js';
import { ServiceAccountTokens } from './serviceaccount-tokens.js';
import { OpenApiService, type FieldValidation } from './openapi-service.js';
import { CrdController } from './crd/index.js';
import type { ResourceAccess } from '../controllers/index.js';
import type { ApiClient } from '../client/index.js';
import { LoopbackClient } from './loopback.js';
import { withDefaultTolerations } from './admission/defaulttolerationseconds.js';
import type { Pod, ResourceQuota, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { admitServiceAccount, getServiceAccount, isMirrorPod, serviceAccountNameOf, serviceAccountNotFound, type ServiceAccountReads } from './admission/serviceaccount.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { admitPodPriority, SYSTEM_PRIORITY_CLASSES, validatePriorityClass } from './admission/priority.js';
import { ResourceQuotaAdmission } from './admission/resourcequota.js';
import { evictPod, type EvictionDeps } from './eviction.js';
import { NodeProxy, STREAMING_SUBRESOURCES, writeUpgradeError } from './node-proxy.js';
import type { Node } from 'kubernetes-types/core/v1.js';

/** The identity of in-process control-plane components. */
export const CONTROL_PLANE_USER: UserInfo = { name: 'system:apiserver', groups: ['system:masters'] };

export const KUBERNETES_VERSION = { major: '1', minor: '33', gitVersion: 'v1.33.0-skiff' };

export interface ApiServerOptions {
  readonly store: Store;
  readonly pki: ClusterPki;
  readonly port: number;
  readonly host?: string;
  /** Static bearer tokens (kube-apiserver --token-auth-file format). */
  readonly tokenFile?: string;
  readonly authorizer?: Authorizer;
  readonly now?: () => Date;
  readonly watch?: Partial<WatchSettings>;
  readonly maxReadInflight?: number;
  readonly maxMutatingInflight?: number;
  readonly printerFor?: (group: string, resource: string) => TablePrinter;
  /** Address other components reach this server on (the `kubernetes` Service's endpoint). */
  readonly advertiseAddress?: string;
  readonly serviceClusterIPRange?: string;
  readonly serviceNodePortRange?: { first: number; last: number };
  /** Admission plugins not to run (kube-apiserver --disable-admission-plugins); only "ServiceAccount" is optional. */
  readonly disableAdmissionPlugins?: readonly string[];
  /** CA that signs node agents' serving certificates (default: the cluster CA). */
  readonly kubeletServingCaPem?: string;
  /** Called with unexpected errors (bugs, I/O); the client gets a 500. */
  readonly onError?: (err: unknown, req: IncomingMessage | undefined) => void;
}

const LONG_RUNNING_VERBS = new Set(['watch', 'proxy', 'connect']);
const LONG_RUNNING_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);
const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A request target that URL parsing leaves as it is: segments of unreserved and
 * sub-delimiter characters (none a dot segment, none empty), and a query of the same.
 */
const PLAIN_TARGET = /^((?:\/[\w~:@!$*+,;=()-][\w.~:@!$*+,;=()-]*)+\/?|\/)(?:\?([\w.~:@!$*+,;=()%&/-]*))?$/;

/**
 * The path and query of a request target, as `new URL(target, base)` gives them.
 * Nearly every target is plain, and splitting it costs a fraction of parsing a URL.
 */
function requestTarget(target: string): { readonly pathname: string; readonly searchParams: URLSearchParams } {
  const plain = PLAIN_TARGET.exec(target);
  if (plain) return { pathname: plain[1]!, searchParams: new URLSearchParams(plain[2] ?? '') };
  return new URL(target, 'https://localhost');
}

/** The advertise address if it is not loopback, else this host's first external IPv4 address. */
function endpointAddress(advertise: string | undefined): string | undefined {
  if (advertise && !advertise.startsWith('127.') && advertise !== '::1' && advertise !== 'localhost') return advertise;
  for (const list of Object.values(networkInterfaces())) {
    for (const address of list ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return undefined;
}

export class ApiServer {
  private readonly server: Server;
  private readonly stores = new Map<string, GenericStore>();
  private readonly resources: ResourceInfo[] = [];
  private readonly authenticator: Authenticator;
  private readonly authorizer: Authorizer;
  private readonly handler: ResourceHandler;
  private readonly sockets = new Set<Socket>();
  private readonly openapi = new OpenApiService(
    () => this.resources,
    () => this.crds?.openAPIDefinitions() ?? {},
  );
  private crds: CrdController | undefined;
  private readonly now: () => Date;
  private readonly serviceAllocator: ServiceAllocator;
  readonly tokens: ServiceAccountTokens;
  private readonly quotaAdmission: ResourceQuotaAdmission;
  private readonly nodeProxy: NodeProxy;
  /** ServiceAccount admission's reads: the watch cache, then storage. */
  private readonly serviceAccountReads: ServiceAccountReads = {
    cached: async (namespace, name) => (await this.lookup('ServiceAccount', namespace, name)) as ServiceAccount | undefined,
    live: async (namespace, name) => (await this.storeFor('', 'v1', 'serviceaccounts')!.getIfExists(namespace, name)) as ServiceAccount | undefined,
  };
  private inflightRead = 0;
  private inflightMutating = 0;
  private address: AddressInfo | undefined;

  constructor(private readonly options: ApiServerOptions) {
    this.now = options.now ?? (() => new Date());
    this.serviceAllocator = new ServiceAllocator(options.store, options.serviceClusterIPRange, options.serviceNodePortRange);
    for (const info of BUILTIN_RESOURCES) {
      this.serve(info, info.group === '' && info.plural === 'services' ? serviceStrategy(this.serviceAllocator) : strategyFor(info));
    }
    const quotas = () => this.storeFor('', 'v1', 'resourcequotas')!;
    this.quotaAdmission = new ResourceQuotaAdmission({
      listQuotas: async (namespace) => (await quotas().list(namespace, {})).items as ResourceQuota[],
      updateQuotaStatus: async (quota) =>
        (await quotas().update(quota.metadata?.namespace ?? '', quota.metadata?.name ?? '', () => quota as KubeObject, this.systemContext(quota.metadata?.namespace ?? ''), { subresource: 'status' })).object as ResourceQuota,
      now: () => this.now().getTime(),
    });
    this.tokens = new ServiceAccountTokens(options.pki.serviceAccountKeyPem, (kind, namespace, name) => this.lookup(kind, namespace, name));
    const bootstrapTokens = new BootstrapTokenAuthenticator(async (namespace, name) => (await this.lookup('Secret', namespace, name)) as Secret | undefined, () => this.now());
    const authenticators: Authenticator[] = [new ClientCertAuthenticator(), this.tokens, bootstrapTokens];
    if (options.tokenFile) authenticators.push(StaticTokenAuthenticator.fromFile(options.tokenFile));
    this.authenticator = new UnionAuthenticator(authenticators);
    this.authorizer = options.authorizer ?? new AuthenticatedAllowAuthorizer();
    const builtinPrinter = options.printerFor ?? builtinPrinterFor;
    const printerFor = (store: GenericStore) => store.printer ?? builtinPrinter(store.info.group, store.info.plural);
    this.handler = new ResourceHandler({
      printerFor,
      listFilter: listFilterFor,
      applyPatch,
      admit: (store, verb, ctx, obj) => this.admit(store, verb, ctx, obj),
      createVirtual: (store, body, ctx, req) => createVirtual(this.virtualDeps(), store, body, ctx, req),
      bindPod: (binding, ctx, podName) => bindPod(this.virtualDeps(), binding, ctx, podName),
      evictPod: (eviction, ctx, podName) => evictPod(this.evictionDeps(ctx), eviction, ctx, podName),
      requestToken: (request, ctx, name) => requestToken(this.virtualDeps(), request, ctx, name),
      checkFields: (store, obj, mode) => this.checkFields(store, obj, mode),
      watch: {
        bookmarkIntervalMs: options.watch?.bookmarkIntervalMs ?? 60_000,
        defaultTimeoutMs: options.watch?.defaultTimeoutMs ?? (() => (1800 + Math.random() * 1800) * 1000),
      },
      now: this.now,
    });
    this.server = createServer(
      {
        key: options.pki.server.keyPem,
        // The chain includes the CA so that joining nodes can check it against a pinned hash.
        cert: options.pki.server.certPem + options.pki.ca.certPem,
        ca: options.pki.ca.certPem,
        requestCert: true,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
      },
      (req, res) => void this.handle(req, res),
    );
    this.nodeProxy = new NodeProxy({
      getPod: async (namespace, name) => (await this.lookup('Pod', namespace, name)) as Pod | undefined,
      getNode: async (name) => (await this.lookup('Node', '', name)) as Node | undefined,
      clientCert: options.pki.kubeletClient,
      kubeletServingCaPem: options.kubeletServingCaPem ?? options.pki.ca.certPem,
    });
    // exec, attach and portforward arrive as upgrades (websocket or SPDY).
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => void this.handleUpgrade(req, socket, head));
    this.server.keepAliveTimeout = 65_000;
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /**
   * Serves a resource through the generic registry: the built-ins at construction,
   * custom resources when their CRD is established. Replaces an earlier registration.
   */
  serve(info: ResourceInfo, strategy: Strategy = strategyFor(info), printer?: TablePrinter): GenericStore {
    const id = `${info.group}/${info.version}/${info.plural}`;
    this.unserve(info.group, info.version, info.plural);
    const store = new GenericStore(info, strategy, this.options.store, printer);
    this.stores.set(id, store);
    this.resources.push(info);
    this.openapi.invalidate();
    return store;
  }

  /** Stops serving a resource (a CRD version removed or the CRD deleted). Stored objects stay. */
  unserve(group: string, version: string, plural: string): void {
    const id = `${group}/${version}/${plural}`;
    if (!this.stores.delete(id)) return;
    const index = this.resources.findIndex((r) => r.group === group && r.version === version && r.plural === plural);
    if (index >= 0) this.resources.splice(index, 1);
    this.openapi.invalidate();
  }

  /** Every resource served now, built-in and custom (discovery and OpenAPI read this). */
  servedResources(): readonly ResourceInfo[] {
    return this.resources;
  }

  storeFor(group: string, version: string, plural: string): GenericStore | undefined {
    return this.stores.get(`${group}/${version}/${plural}`);
  }

  async start(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host ?? '::', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.address = this.server.address() as AddressInfo;
    try {
      await this.bootstrap();
      // Custom resources are served before the server reports ready.
      this.crds = new CrdController({ store: this.options.store, api: this, now: this.now, onError: (err) => this.options.onError?.(err, undefined) });
      await this.crds.start();
    } catch (err) {
      await this.close();
      throw err;
    }
    return this.address;
  }

  get port(): number {
    return this.address?.port ?? this.options.port;
  }

  async close(): Promise<void> {
    this.nodeProxy.close();
    await this.crds?.dispose();
    this.crds = undefined;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
      for (const socket of this.sockets) socket.destroy();
    });
  }

  /** The objects every cluster starts with. */
  private async bootstrap(): Promise<void> {
    const namespaces = this.storeFor('', 'v1', 'namespaces')!;
    const ctx = this.systemContext('');
    const createIfMissing = async (store: GenericStore, namespace: string, obj: KubeObject) => {
      try {
        await store.create(obj, { ...ctx, namespace });
      } catch (err) {
        if (!(err instanceof StatusError && err.reason === 'AlreadyExists')) throw err;
      }
    };
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      await createIfMissing(namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    // The built-in priority classes every cluster has.
    for (const pc of SYSTEM_PRIORITY_CLASSES) await createIfMissing(this.storeFor('scheduling.k8s.io', 'v1', 'priorityclasses')!, '', structuredClone(pc) as unknown as KubeObject);
    // The `kubernetes` Service: how pods reach the API server.
    await createIfMissing(this.storeFor('', 'v1', 'services')!, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: this.serviceAllocator.firstIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: this.port }] },
    });
    // Its endpoint must be an address pods can reach: never loopback (upstream refuses it too).
    const address = endpointAddress(this.options.advertiseAddress);
    if (address) {
      const endpoints = this.storeFor('', 'v1', 'endpoints')!;
      const subsets = [{ addresses: [{ ip: address }], ports: [{ name: 'https', port: this.port, protocol: 'TCP' }] }];
      await endpoints.update('default', 'kubernetes', () => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets }), ctx, { forceAllowCreate: true });
    }
  }

  private async lookup(kind: 'ServiceAccount' | 'Pod' | 'Secret' | 'Node', namespace: string, name: string): Promise<KubeObject | undefined> {
    const plural = { ServiceAccount: 'serviceaccounts', Pod: 'pods', Secret: 'secrets', Node: 'nodes' }[kind];
    return this.storeFor('', 'v1', plural)!.getIfExists(kind === 'Node' ? '' : namespace, name, '0');
  }

  /** The pod and PodDisruptionBudget operations the eviction subresource performs, as the caller. */
  private evictionDeps(ctx: RequestContext): EvictionDeps {
    const pods = this.storeFor('', 'v1', 'pods')!;
    const budgets = this.storeFor('policy', 'v1', 'poddisruptionbudgets')!;
    return {
      getPod: async (namespace, name) => (await pods.get(namespace, name)) as Pod,
      updatePodStatus: async (namespace, name, mutate) => {
        const change = (current: KubeObject | undefined) => {
          if (!current) throw newNotFound(pods.qualified, name);
          return mutate(current as Pod) as KubeObject;
        };
        return (await pods.update(namespace, name, change, { ...ctx, namespace }, { subresource: 'status' })).object as Pod;
      },
      deletePod: async (namespace, name, options) => {
        await pods.delete(
          namespace,
          name,
          {
            ...(options.preconditions ? { preconditions: options.preconditions } : {}),
            ...(options.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}),
            ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
          },
          { ...ctx, namespace, dryRun: ctx.dryRun || !!options.dryRun },
        );
      },
      listPodDisruptionBudgets: async (namespace) => (await budgets.list(namespace, {})).items as PodDisruptionBudget[],
      getPodDisruptionBudget: async (namespace, name) => (await budgets.get(namespace, name)) as PodDisruptionBudget,
      updatePodDisruptionBudgetStatus: async (namespace, pdb) =>
        (await budgets.update(namespace, pdb.metadata?.name ?? '', () => pdb as KubeObject, { ...ctx, namespace }, { subresource: 'status' })).object as PodDisruptionBudget,
    };
  }

  private virtualDeps(): VirtualDeps {
    return { authorizer: this.authorizer, authenticator: this.authenticator, tokens: this.tokens, storeFor: (g, v, p) => this.storeFor(g, v, p) };
  }

  /**
   * JSON text of an object the in-process client handed out: for the version a write
   * just stored, rebuilt from its stored bytes rather than encoded again.
   */
  readonly encodeJson: (obj: KubeObject) => string = jsonOf;

  /**
   * An in-process client acting as `user`: the same admission and registry as HTTP
   * requests, without TLS or JSON. Writes are attributed to fieldManager.
   */
  loopbackClient(user: UserInfo = CONTROL_PLANE_USER, fieldManager = 'skiff'): ApiClient {
    return new LoopbackClient(
      {
        storeFor: (g, v, p) => this.storeFor(g, v, p),
        handler: this.handler,
        listFilter: listFilterFor,
        subresources: {
          'pods/binding': (body, ctx, name) => bindPod(this.virtualDeps(), body, ctx, name),
          'pods/eviction': (body, ctx, name) => evictPod(this.evictionDeps(ctx), body, ctx, name),
          'serviceaccounts/token': (body, ctx, name) => requestToken(this.virtualDeps(), body, ctx, name),
        },
        bookmarkIntervalMs: this.options.watch?.bookmarkIntervalMs ?? 60_000,
        now: this.now,
      },
      user,
      fieldManager,
    );
  }

  /**
   * The registry as the garbage collector and namespace controller use it (they run in
   * the controller manager, not here): by group and plural, expected outcomes ignored.
   */
  resourceAccess(): ResourceAccess {
    const storeOf = (group: string, plural: string): GenericStore | undefined => {
      const info = this.resources.find((r) => r.group === group && r.plural === plural && !r.virtual);
      return info ? this.storeFor(info.group, info.version, info.plural) : undefined;
    };
    const ignore = (...codes: number[]) => (err: unknown) => {
      if (err instanceof StatusError && codes.includes(err.code)) return;
      throw err;
    };
    const update = async (group: string, plural: string, namespace: string, name: string, mutate: (obj: KubeObject) => KubeObject, subresource?: string) => {
      const store = storeOf(group, plural);
      if (!store) return;
      const change = (current: KubeObject | undefined) => {
        if (!current) throw newNotFound(store.qualified, name);
        return mutate(current);
      };
      await store.update(namespace, name, change, this.systemContext(namespace), subresource ? { subresource } : {}).catch(ignore(404));
    };
    return {
      delete: async (group, plural, namespace, name, options) => {
        const store = storeOf(group, plural);
        if (!store) return;
        await store.delete(namespace, name, options, this.systemContext(namespace)).catch(ignore(404, 409));
      },
      update: (group, plural, namespace, name, mutate) => update(group, plural, namespace, name, mutate),
      updateSubresource: (group, plural, namespace, name, subresource, mutate) => update(group, plural, namespace, name, mutate, subresource),
      list: async (group, plural, namespace) => (await storeOf(group, plural)?.list(namespace, {}))?.items ?? [],
      namespacedResources: () => {
        const seen = new Set<string>();
        return this.resources
          .filter((r) => r.namespaced && !r.virtual)
          .filter((r) => !seen.has(`${r.group}/${r.plural}`) && !!seen.add(`${r.group}/${r.plural}`))
          .map((r) => ({ group: r.group, plural: r.plural }));
      },
    };
  }

  /** Schema checks: OpenAPI for built-in kinds, the CRD schema for custom resources. */
  private checkFields(store: GenericStore, obj: KubeObject, mode: FieldValidation): string[] {
    const unknownFields = store.strategy.unknownFields;
    if (!unknownFields) return this.openapi.check(store.info, obj, mode);
    if (mode === 'Ignore') return [];
    const unknown = unknownFields(obj).map((path) => `unknown field "${path}"`);
    if (unknown.length && mode === 'Strict') {
      throw newBadRequest(`${store.info.kind} in version "${store.info.version}" cannot be handled as a ${store.info.kind}: strict decoding error: ${unknown.join(', ')}`);
    }
    // The custom resource strategy's defaults() prunes them.
    return unknown;
  }

  systemContext(namespace: string): RequestContext {
    return { namespace, user: { name: 'system:apiserver', groups: ['system:masters'] }, dryRun: false, now: this.now() };
  }

  /** The admission chain: mutating plugins change `obj` in place, validating ones throw. */
  private async admit(store: GenericStore, verb: string, ctx: RequestContext, obj?: KubeObject): Promise<void> {
    const { group, plural } = store.info;
    if (obj && group === 'scheduling.k8s.io' && plural === 'priorityclasses' && (verb === 'create' || verb === 'update')) {
      const refused = validatePriorityClass(verb === 'create' ? 'CREATE' : 'UPDATE', obj as unknown as PriorityClass, await this.cachedList<PriorityClass>('scheduling.k8s.io', 'v1', 'priorityclasses', ''));
      if (refused) throw refused;
    }
    if (obj && verb === 'create' && group === 'certificates.k8s.io' && plural === 'certificatesigningrequests') {
      // The requester is recorded by the server, never taken from the client (approvers trust it).
      const { name, uid, groups } = ctx.user;
      obj.spec = { ...(isObject(obj.spec) ? obj.spec : {}), username: name, groups: [...groups], ...(uid ? { uid } : {}) };
    }
    if (verb !== 'create' || !store.info.namespaced) return;
    await this.admitNamespaceLifecycle(store, ctx, obj);
    if (!obj) return;
    if (group === '' && plural === 'pods') {
      const classes = await this.cachedList<PriorityClass>('scheduling.k8s.io', 'v1', 'priorityclasses', '');
      const admitted = admitPodPriority({ operation: 'CREATE', pod: obj as Pod }, classes);
      if (admitted instanceof StatusError) throw admitted;
      // DefaultTolerationSeconds: pods ride out a short node outage (300 s) before eviction.
      const tolerating = withDefaultTolerations(admitted);
      // ServiceAccount: the pod's account must exist; it brings its API credentials unless opted out.
      if (this.options.disableAdmissionPlugins?.includes('ServiceAccount')) {
        obj.spec = tolerating.spec;
      } else if (isMirrorPod(tolerating)) {
        obj.spec = tolerating.spec;
      } else {
        const accountName = serviceAccountNameOf(tolerating);
        const account = await getServiceAccount(this.serviceAccountReads, ctx.namespace, accountName);
        if (!account) throw serviceAccountNotFound(tolerating, ctx.namespace, accountName);
        obj.spec = admitServiceAccount(tolerating, account).spec;
      }
    }
    if (group === '' && plural === 'persistentvolumeclaims') await this.admitDefaultStorageClass(obj);
    await this.admitQuota(store, ctx, obj);
  }

  /** DefaultStorageClass: a claim that names no class gets the default one (the newest, if several). */
  private async admitDefaultStorageClass(obj: KubeObject): Promise<void> {
    const spec = isObject(obj.spec) ? obj.spec : {};
    if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
    const defaults = (await this.cachedList<KubeObject>('storage.k8s.io', 'v1', 'storageclasses', '')).filter(
      (c) => c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' || c.metadata?.annotations?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true',
    );
    if (defaults.length === 0) return;
    defaults.sort((a, b) => String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? '')) || String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
    obj.spec = { ...spec, storageClassName: defaults[0]!.metadata?.name };
  }

  /** A list from the watch cache (admission reads what it needs without a backend round trip). */
  private async cachedList<T>(group: string, version: string, plural: string, namespace: string): Promise<T[]> {
    const store = this.storeFor(group, version, plural);
    return store ? ((await store.list(namespace, { resourceVersion: '0' })).items as T[]) : [];
  }

  /** ResourceQuota: only namespaces that have quotas pay for the check. */
  private async admitQuota(store: GenericStore, ctx: RequestContext, obj: KubeObject): Promise<void> {
    if ((await this.cachedList('', 'v1', 'resourcequotas', ctx.namespace)).length === 0) return;
    // Quota counts what would be stored: with defaults (requests from limits) applied.
    const object = structuredClone(obj);
    store.strategy.defaults?.(object);
    await this.quotaAdmission.admit({
      operation: 'CREATE',
      group: store.info.group,
      resource: store.info.plural,
      subresource: '',
      namespace: ctx.namespace,
      name: obj.metadata?.name ?? '',
      object,
      dryRun: ctx.dryRun,
    });
  }

  /** NamespaceLifecycle: new content needs a namespace that exists and is not terminating. */
  private async admitNamespaceLifecycle(store: GenericStore, ctx: RequestContext, _obj?: KubeObject): Promise<void> {
    const namespaces = this.storeFor('', 'v1', 'namespaces')!;
    let ns: KubeObject;
    try {
      // From the watch cache; a namespace created a moment ago may not be there yet.
      ns = await namespaces.get('', ctx.namespace, '0').catch((err: unknown) => {
        if (err instanceof StatusError && err.code === 404) return namespaces.get('', ctx.namespace);
        throw err;
      });
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) throw newNotFound({ group: '', resource: 'namespaces' }, ctx.namespace);
      throw err;
    }
    if (ns.metadata?.deletionTimestamp) {
      throw newForbidden(store.qualified, _obj?.metadata?.name ?? '', `unable to create new content in namespace ${ctx.namespace} because it is being terminated`);
    }
  }

  private sendError(res: ServerResponse, err: unknown, req: IncomingMessage): void {
    const status = err instanceof StatusError ? err.status : newInternalError(err instanceof Error ? err.message : String(err)).status;
    if (!(err instanceof StatusError)) this.options.onError?.(err, req);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status.code === 429) res.setHeader('Retry-After', String(status.details?.retryAfterSeconds ?? 1));
    sendJson(res, status.code, status);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestTarget(req.url ?? '/');
    const path = url.pathname;
    let release: (() => void) | undefined;
    try {
      const info = parseRequestInfo(req.method ?? 'GET', path, url.searchParams);
      let user = await this.authenticator.authenticate(req);
      if (!user) {
        // Anonymous clients may only read the public paths; a bad token is always 401.
        if (req.headers.authorization !== undefined || !PUBLIC_PATHS.has(path)) throw newUnauthorized();
        user = ANONYMOUS;
      } else {
        const decision = await this.authorizer.authorize(user, info);
        if (!decision.allowed) throw this.forbidden(user, info, decision.reason);
      }
      release = this.acquireInflight(req, info);
      if (info.isResourceRequest && info.apiGroup === '' && info.resource === 'pods' && STREAMING_SUBRESOURCES.has(info.subresource)) {
        if (info.subresource !== 'log') throw newBadRequest('Upgrade request required');
        if (info.verb !== 'get') throw newMethodNotSupported({ group: '', resource: 'pods/log' }, info.verb);
        await this.nodeProxy.serveLog(req, res, info.namespace, info.name, url.searchParams);
      } else if (info.isResourceRequest) await this.serveResource(req, res, info, user, url.searchParams);
      else this.serveNonResource(req, res, path);
    } catch (err) {
      this.sendError(res, err, req);
    } finally {
      release?.();
    }
  }

  /** Upgrade requests: authenticated and authorized like others, then proxied to the pod's node. */
  private async handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    try {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
      const user = await this.authenticator.authenticate(req);
      if (!user) throw newUnauthorized();
      const decision = await this.authorizer.authorize(user, info);
      if (!decision.allowed) throw this.forbidden(user, info, decision.reason);
      if (!info.isResourceRequest || info.apiGroup !== '' || info.resource !== 'pods' || !STREAMING_SUBRESOURCES.has(info.subresource) || info.subresource === 'log') {
        throw newBadRequest(`upgrade is not supported for ${url.pathname}`);
      }
      await this.nodeProxy.serveUpgrade(req, socket, head, info.namespace, info.name, info.subresource, url.searchParams);
    } catch (err) {
      if (!(err instanceof StatusError)) this.options.onError?.(err, req);
      if (!socket.destroyed) writeUpgradeError(socket, err);
    }
  }

  private forbidden(user: UserInfo, info: RequestInfo, reason: string): StatusError {
    if (!info.isResourceRequest) return newForbidden({ group: '', resource: '' }, '', `User "${user.name}" cannot ${info.verb} path "${info.path}"${reason ? `: ${reason}` : ''}`);
    const scope = info.namespace ? ` in the namespace "${info.namespace}"` : ' at the cluster scope';
    const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
    return newForbidden(
      { group: info.apiGroup, resource },
      info.name,
      `User "${user.name}" cannot ${info.verb} resource "${resource}" in API group "${info.apiGroup}"${scope}${reason ? `: ${reason}` : ''}`,
    );
  }

  /** kube-apiserver's max-requests-inflight limits; long-running requests are exempt. */
  private acquireInflight(req: IncomingMessage, info: RequestInfo): (() => void) | undefined {
    if (info.isResourceRequest && (LONG_RUNNING_VERBS.has(info.verb) || LONG_RUNNING_SUBRESOURCES.has(info.subresource))) return undefined;
    const mutating = MUTATING_METHODS.has(req.method ?? 'GET');
    if (mutating) {
      if (this.inflightMutating >= (this.options.maxMutatingInflight ?? 200)) throw newTooManyRequests(1);
      this.inflightMutating++;
      return () => this.inflightMutating--;
    }
    if (this.inflightRead >= (this.options.maxReadInflight ?? 400)) throw newTooManyRequests(1);
    this.inflightRead++;
    return () => this.inflightRead--;
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, info: ResourceRequestInfo, user: UserInfo, query: URLSearchParams): Promise<void> {
    const store = this.storeFor(info.apiGroup, info.apiVersion, info.resource);
    if (!store) throw newNotFoundPath(info.path);
    await this.handler.serve(req, res, info, store, user, query);
  }

  private serveNonResource(req: IncomingMessage, res: ServerResponse, path: string): void {
    const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    if ((trimmed.startsWith('/openapi/') || trimmed === '/swagger.json' || trimmed === '/swagger-2.0.0.pb-v1') && this.openapi.serve(req, res, trimmed)) return;
    if (trimmed === '/healthz' || trimmed === '/livez' || trimmed === '/readyz' || /^\/(healthz|livez|readyz)\/[a-z-]+$/.test(trimmed)) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end('ok');
      return;
    }
    if (trimmed === '/.well-known/openid-configuration') {
      sendJson(res, 200, this.tokens.openIdConfiguration());
      return;
    }
    if (trimmed === '/openid/v1/jwks') {
      void this.tokens.jwks().then((jwks) => sendJson(res, 200, jwks, 'application/jwk-set+json'));
      return;
    }
    if (trimmed === '/version') {
      sendJson(res, 200, {
        ...KUBERNETES_VERSION,
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2026-11-28T00:00:00Z',
        goVersion: `node${process.versions.node}`,
        compiler: 'tsc',
        platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
      });
      return;
    }
    const aggregated = wantsAggregatedDiscovery(req.headers.accept);
    if (trimmed === '/api') {
      if (aggregated) {
        sendJson(res, 200, aggregatedDiscovery(this.resources, true, aggregated), `application/json;g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList`);
        return;
      }
      sendJson(res, 200, apiVersions(`${req.socket.localAddress ?? '127.0.0.1'}:${this.port}`));
      return;
    }
    if (trimmed === '/apis') {
      if (aggregated) {
        sendJson(res, 200, aggregatedDiscovery(this.resources, false, aggregated), `application/json;g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList`);
        return;
      }
      sendJson(res, 200, apiGroupList(this.resources));
      return;
    }
    const parts = trimmed.split('/').filter(Boolean);
    if (parts[0] === 'api' && parts.length === 2) {
      const list = apiResourceList(this.resources, '', parts[1]!);
      if (list) return sendJson(res, 200, list);
    }
    if (parts[0] === 'apis' && parts.length === 2) {
      const group = apiGroup(this.resources, parts[1]!);
      if (group) return sendJson(res, 200, group);
    }
    if (parts[0] === 'apis' && parts.length === 3) {
      const list = apiResourceList(this.resources, parts[1]!, parts[2]!);
      if (list) return sendJson(res, 200, list);
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end('404 page not found\n');
  }
}
