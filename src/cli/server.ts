// `skiff server`: brings the cluster up on this machine, step by step.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiServer, apiWatchCache, ensurePki, issueCertificate, writeKubeconfig } from '../apiserver/index.js';
import { openDatastore, parseDatastoreUrl } from '../storage/index.js';
import { datastoreUrl } from './datastore.js';
import { ControlPlaneComponents } from './control-plane.js';
import { chooseRuntime } from './runtime-choice.js';
import { startNode } from './node.js';
import { SIMULATED_CLUSTER_CIDR } from '../kubelet/simulated/index.js';
import { CLUSTER_DNS_IP, DEFAULT_CLUSTER_CIDR, defaultNodeIP, defaultNodeName, logRotationFromFlags } from './node-defaults.js';
import { ensureClusterDnsService } from '../dns/index.js';
import { ensureLocalPathStorageClass } from '../controllers/localpath/index.js';
import { builtinControllers, startSimulatedNodes } from './components.js';
import { schedulerComponent } from '../scheduler/index.js';

export interface ServerOptions {
  readonly dataDir: string;
  readonly datastore?: string;
  readonly httpsPort: string;
  readonly runtime: string;
  readonly tlsSan?: string[];
  readonly tokenAuthFile?: string;
  readonly advertiseAddress?: string;
  readonly compactionInterval?: string;
  readonly watchCacheWindow?: string;
  readonly minRequestTimeout?: string;
  readonly simulatedNodes?: string;
  readonly nodeMonitorGracePeriod?: string;
  readonly disableScheduler?: boolean;
  readonly schedulerThread?: boolean;
  readonly disableControllerManager?: boolean;
  readonly clusterCidr?: string;
  readonly nodeName?: string;
  readonly nodeIp?: string;
  readonly kubeletPort?: string;
  readonly containerLogMaxSize?: string;
  readonly containerLogMaxFiles?: string;
  readonly insecureRegistry?: string[];
  readonly cleanup?: boolean;
}

function port0(value: string | undefined): number {
  const port = Number(value ?? '10250');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--kubelet-port: not a port number: ${value}`);
  return port;
}

function seconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag}: not a number of seconds: ${value}`);
  return n;
}

function step(message: string): void {
  process.stdout.write(`skiff: ${message}\n`);
}

export async function runServer(options: ServerOptions): Promise<void> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const port = Number(options.httpsPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--https-port: not a port number: ${options.httpsPort}`);

  const url = datastoreUrl(dataDir, options.datastore);
  const spec = parseDatastoreUrl(url);
  step(`opening datastore ${spec.kind === 'etcd' ? spec.endpoints.join(',') : url}`);
  const compactionSeconds = seconds('--compaction-interval', options.compactionInterval, 300);
  const windowSeconds = seconds('--watch-cache-window', options.watchCacheWindow, 300);
  const minRequestTimeout = seconds('--min-request-timeout', options.minRequestTimeout, 1800);
  const store = await openDatastore(url, {
    compactionIntervalMs: compactionSeconds * 1000,
    watchCache: { historyWindowMs: windowSeconds * 1000, ...apiWatchCache },
    onCompactionError: (err) => process.stderr.write(`skiff: compaction failed (will retry): ${String(err)}\n`),
  });
  step(`datastore ready: ${store.name} at revision ${await store.currentRevision()}`);

  step('loading certificates');
  const pki = await ensurePki(join(dataDir, 'tls'), { extraSans: options.tlsSan ?? [] });
  const api = new ApiServer({
    store,
    pki,
    port,
    advertiseAddress: options.advertiseAddress ?? '127.0.0.1',
    watch: { defaultTimeoutMs: () => (minRequestTimeout + Math.random() * minRequestTimeout) * 1000 },
    ...(options.tokenAuthFile ? { tokenFile: options.tokenAuthFile } : {}),
    onError: (err, req) =>
      process.stderr.write(`skiff: internal error${req ? ` serving ${req.method} ${req.url}` : ''}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`),
  });
  const address = await api.start();
  const host = options.advertiseAddress ?? '127.0.0.1';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  writeKubeconfig(kubeconfig, { server, caPem: pki.ca.certPem, client: pki.admin });
  step(`API server listening on ${server}; kubeconfig: ${kubeconfig}`);

  const onError = (err: unknown, what: string) => process.stderr.write(`skiff: ${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  const localNode = options.runtime === 'none' || options.runtime === 'simulated' ? undefined : { name: options.nodeName ?? defaultNodeName(), localPathDir: join(dataDir, 'node', 'local-path') };
  const gracePeriodMs = seconds('--node-monitor-grace-period', options.nodeMonitorGracePeriod, 40) * 1000;
  // Hollow nodes come with pod CIDRs of their own: the IPAM controller must find them in range.
  const clusterCIDR = options.clusterCidr ?? (options.runtime === 'simulated' ? SIMULATED_CLUSTER_CIDR : DEFAULT_CLUSTER_CIDR);
  const components = new ControlPlaneComponents(api, {
    controllers: options.disableControllerManager ? [] : builtinControllers({
          caPem: pki.ca.certPem,
          caKeyPem: pki.ca.keyPem,
          nodeMonitorGracePeriodMs: gracePeriodMs,
          clusterCIDR,
          registry: { store, access: api.resourceAccess() },
          ...(localNode ? { localNode } : {}),
        }),
    ...(options.disableScheduler ? {} : { scheduler: options.schedulerThread ? 'thread' : schedulerComponent() }),
    onError,
    log: step,
  });
  step(`control plane: ${options.disableControllerManager ? 'no controller manager' : 'controller manager'}, ${options.disableScheduler ? 'no scheduler' : options.schedulerThread ? 'scheduler (own thread)' : 'scheduler'}`);

  // The default StorageClass: PVCs without a class get local-path volumes on their pod's node.
  if (options.runtime !== 'none') await ensureLocalPathStorageClass(api.loopbackClient(undefined, 'skiff-server'));

  let nodes: { stop(): Promise<void> } | undefined;
  if (options.runtime === 'simulated') {
    const count = Number(options.simulatedNodes ?? '1');
    if (!Number.isInteger(count) || count < 0) throw new Error(`--simulated-nodes: not a node count: ${options.simulatedNodes}`);
    nodes = startSimulatedNodes(api, count, gracePeriodMs, onError, step);
    step(`runtime simulated: ${count} hollow node${count === 1 ? '' : 's'}`);
  } else if (options.runtime !== 'none') {
    const choice = chooseRuntime(options.runtime);
    step(`runtime ${choice.runtime}: ${choice.reason}`);
    const nodeName = localNode?.name ?? defaultNodeName();
    const nodeIP = options.nodeIp ?? defaultNodeIP();
    const admin = api.loopbackClient(undefined, 'skiff-server');
    if (choice.runtime === 'runc') await ensureClusterDnsService(admin, { clusterIP: CLUSTER_DNS_IP });
    const serving = await issueCertificate(pki.ca, {
      commonName: `system:node:${nodeName}`,
      organizations: ['system:nodes'],
      usage: 'server',
      ipAddresses: [nodeIP],
      dnsNames: [nodeName],
    });
    const node = await startNode({
      client: api.loopbackClient({ name: `system:node:${nodeName}`, groups: ['system:nodes', 'system:authenticated'] }, 'kubelet'),
      nodeName,
      nodeIP,
      dataDir: join(dataDir, 'node'),
      runtime: choice.runtime,
      clusterCIDR,
      clusterDNS: CLUSTER_DNS_IP,
      clusterDomain: 'cluster.local',
      kubeletPort: port0(options.kubeletPort),
      logRotation: logRotationFromFlags(options.containerLogMaxSize ?? '10Mi', options.containerLogMaxFiles ?? '5'),
      caPem: pki.ca.certPem,
      serving,
      ...(options.insecureRegistry ? { insecureRegistries: options.insecureRegistry } : {}),
      log: step,
      onError,
    });
    nodes = { stop: () => node.stop({ cleanup: !!options.cleanup }) };
  }
  step('ready');

  await new Promise<void>((done) => {
    const stop = (signal: NodeJS.Signals) => {
      step(`${signal}: shutting down`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await nodes?.stop();
  await components.stop();
  await api.close();
  await store.close();
  step('stopped');
}
