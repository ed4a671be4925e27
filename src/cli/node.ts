// A node: the agent (pods), its runtime, images and pod network, the service proxy,
// cluster DNS and the streaming endpoint, composed in the order they depend on each
// other. `skiff server` runs one in process (unless --runtime none); `skiff agent`
// runs one joined over HTTPS.

import { mkdirSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import type { ApiClient } from '../client/index.js';
import { InformerFactory, Resources, realClock } from '../client/index.js';
import { ANNOTATION_NODE_LOCAL_PATH } from '../controllers/localpath/index.js';
import { NodeAgent } from '../kubelet/agent/index.js';
import { ImageStore } from '../kubelet/images/index.js';
import { CniNetwork, HostGwRoutes, cleanupNodeNetwork } from '../kubelet/network/index.js';
import { ProcessRuntime } from '../kubelet/runtime/process/index.js';
import { RuncRuntime } from '../kubelet/runtime/runc/index.js';
import type { ContainerRuntime, ExecOptions, ExecSession, PodNetwork, PodNetworkAttachment } from '../kubelet/runtime/types.js';
import { KubeletServer, streamLog } from '../kubelet/server/index.js';
import { LocalPathCleaner, VolumeManager } from '../kubelet/volumes/index.js';
import { ContainerLogManager, type LogRotationPolicy } from '../kubelet/logs/index.js';
import { ClusterDns, publishDnsEndpoint, type DnsEndpointPublication } from '../dns/index.js';
import { IptablesProxier, cleanupIptables } from '../proxy/index.js';
import type { NodeRuntime } from './runtime-choice.js';

export interface NodeOptions {
  /** The API as this node (system:node:<name>). */
  readonly client: ApiClient;
  readonly nodeName: string;
  readonly nodeIP: string;
  /** The node's own state: runtime, images, pods, logs, network. */
  readonly dataDir: string;
  readonly runtime: NodeRuntime;
  readonly clusterCIDR: string;
  readonly clusterDNS: string;
  readonly clusterDomain: string;
  /** The streaming endpoint (kubelet's 10250); 0 picks a free port. */
  readonly kubeletPort: number;
  readonly logRotation?: LogRotationPolicy;
  readonly caPem: string;
  readonly serving: { readonly certPem: string; readonly keyPem: string };
  readonly insecureRegistries?: readonly string[];
  readonly log: (message: string) => void;
  readonly onError: (err: unknown, what: string) => void;
}

export interface RunningNode {
  readonly runtime: NodeRuntime;
  readonly kubeletPort: number;
  /** With cleanup, pods are stopped and the node's iptables rules, routes and bridge removed. */
  stop(options: { cleanup: boolean }): Promise<void>;
}

/** The pod network becomes known once the node has a pod CIDR; sandboxes wait for it. */
class DeferredPodNetwork implements PodNetwork {
  private network: PodNetwork | undefined;
  private readonly waiters: ((network: PodNetwork) => void)[] = [];

  set(network: PodNetwork): void {
    this.network = network;
    for (const waiter of this.waiters.splice(0)) waiter(network);
  }

  private ready(): Promise<PodNetwork> {
    return this.network ? Promise.resolve(this.network) : new Promise((resolve) => this.waiters.push(resolve));
  }

  async setUp(attachment: PodNetworkAttachment): Promise<{ ip: string }> {
    return (await this.ready()).setUp(attachment);
  }

  async tearDown(attachment: PodNetworkAttachment): Promise<void> {
    // Nothing was set up before the network existed.
    if (this.network) await this.network.tearDown(attachment);
  }
}

/**
 * `kubectl attach`: the container's output from now on, followed in its log until it
 * exits, and with -i its stdin through the runtime (conmon's attach socket on runc).
 */
async function attachToContainer(runtime: ContainerRuntime, containerId: string, options: ExecOptions): Promise<ExecSession> {
  const status = await runtime.containerStatus(containerId);
  if (!status) throw new Error(`container ${containerId} not found`);
  if (options.stdin && !runtime.attachInput) throw new Error(`the ${runtime.name} runtime cannot attach to stdin`);
  // Output from this moment on, by the log's timestamps: following from "the end of the
  // file" would lose what the container writes before the follow has found that end
  // (the answer to input sent the moment the session opens).
  const attachedAt = new Date();
  const input = options.stdin ? await runtime.attachInput!(containerId) : undefined;
  const stdout = new PassThrough();
  const stopped = new AbortController();
  const exited = (async () => {
    try {
      await streamLog(
        status.logPath,
        { follow: true, timestamps: false, since: attachedAt },
        { write: (data) => stdout.write(data) || true },
        { signal: stopped.signal, containerExited: async () => (await runtime.containerStatus(containerId))?.state !== 'running' },
      );
    } finally {
      stdout.end();
      input?.close();
    }
    return (await runtime.containerStatus(containerId))?.exitCode ?? 0;
  })();
  return {
    ...(input ? { stdin: input.stdin } : {}),
    stdout,
    resize: (size) => input?.resize(size),
    exited,
    kill: () => {
      input?.close();
      stopped.abort();
    },
  };
}

const DNS_PORT = 53;
const IMAGE_GC_PERIOD_MS = 5 * 60_000;

export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const { client, nodeName, nodeIP, dataDir, log, onError } = options;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const isRunc = options.runtime === 'runc';
  const networkDir = join(dataDir, 'network');
  const podNetwork = new DeferredPodNetwork();
  const images = isRunc ? await ImageStore.open({ root: join(dataDir, 'images'), ...(options.insecureRegistries ? { insecureRegistries: options.insecureRegistries } : {}) }) : undefined;
  const runtime: ContainerRuntime = isRunc
    ? await RuncRuntime.create({ root: join(dataDir, 'runc'), network: podNetwork, cgroupParent: `skiff-${nodeName}` })
    : new ProcessRuntime({ rootDir: join(dataDir, 'process') });
  const volumes = new VolumeManager({ client, podsDir: join(dataDir, 'pods'), nodeName });

  // The streaming server starts first (the agent reports its port); it finds containers through the agent.
  const agentRef: { current?: NodeAgent } = {};
  const streaming = new KubeletServer({
    tls: options.serving,
    clientCaPem: options.caPem,
    runtime,
    port: options.kubeletPort,
    backend: {
      findContainer: async (namespace, pod, container, previous) => {
        if (!agentRef.current) return { notFound: `pod ${namespace}/${pod} not found` };
        const found = await agentRef.current.findContainer(namespace, pod, container, previous);
        if (found.found) return found;
        return found.code === 400 ? { badRequest: found.message } : { notFound: found.message };
      },
      attach: (containerId, options) => attachToContainer(runtime, containerId, options),
    },
    onError: (err) => onError(err, 'streaming'),
  });
  const kubeletPort = await streaming.start();

  // Services, routes and DNS follow the cluster through one set of informers.
  const informers = new InformerFactory(client, realClock, (err) => onError(err, 'node informers'));
  const proxy = isRunc ? new IptablesProxier({ informers, nodeName, nodeIPs: [nodeIP], clusterCIDR: options.clusterCIDR, onError: (err) => onError(err, 'service proxy') }) : undefined;
  const routes = isRunc ? new HostGwRoutes({ informers, nodeName, onError }) : undefined;
  const dns = isRunc ? new ClusterDns({ informers, listen: [{ host: nodeIP, port: DNS_PORT }], clusterDomain: options.clusterDomain, onError: (err) => onError(err, 'cluster DNS') }) : undefined;
  let dnsEndpoint: DnsEndpointPublication | undefined;

  const agent = new NodeAgent({
    client,
    nodeName,
    nodeIP,
    runtime,
    ...(images ? { images } : {}),
    volumes,
    dataDir,
    clusterDNS: isRunc ? [options.clusterDNS] : [],
    clusterDomain: options.clusterDomain,
    daemonPort: kubeletPort,
    onPodCIDR: async (podCIDR) => {
      if (!isRunc) return;
      const cni = new CniNetwork({ podCIDR, clusterCIDR: options.clusterCIDR, dataDir: networkDir });
      for (const warning of await cni.prepare()) log(`pod network: ${warning}`);
      podNetwork.set(cni);
      log(`pod network: bridge on ${podCIDR}`);
    },
    onError,
    log,
  });

  // Local-path volumes of this node that the controller released for deletion.
  const localPathCleaner = new LocalPathCleaner({ client, informers, nodeName, localPathDir: join(dataDir, 'local-path'), onError });
  informers.start();
  localPathCleaner.start();
  routes?.start();
  await proxy?.start();
  if (dns) {
    await dns.start();
    dnsEndpoint = publishDnsEndpoint(client, { nodeName, address: nodeIP, port: DNS_PORT });
  }
  agentRef.current = agent;
  await agent.start();
  // Where local-path volumes of this node live (the provisioner writes PV paths from it).
  await client.patch(Resources.nodes, '', nodeName, 'merge', { metadata: { annotations: { [ANNOTATION_NODE_LOCAL_PATH]: join(dataDir, 'local-path') } } });
  log(`node ${nodeName} (${nodeIP}): runtime ${options.runtime}, streaming on port ${kubeletPort}`);

  // Image garbage collection as kubelet does it: every 5 minutes, unused images go
  // (least recently used first) once the disk is 85% full, until it is 80% full.
  let collecting: Promise<void> = Promise.resolve();
  const imageGc = images
    ? setInterval(() => {
        collecting = (async () => {
          const inUse = new Set((await runtime.listContainers()).map((c) => c.imageRef).filter((ref): ref is string => !!ref));
          const result = await images.garbageCollectImages(inUse, { highPercent: 85, lowPercent: 80 });
          if (result.removed.length > 0) log(`image garbage collection: removed ${result.removed.join(', ')} (${Math.round(result.freedBytes / 1e6)} MB)`);
        })().catch((err: unknown) => onError(err, 'image garbage collection'));
      }, IMAGE_GC_PERIOD_MS)
    : undefined;

  const logRotation = new ContainerLogManager({ runtime, ...(options.logRotation ? { policy: options.logRotation } : {}), onError });
  logRotation.start();

  return {
    runtime: options.runtime,
    kubeletPort,
    async stop({ cleanup }) {
      clearInterval(imageGc);
      await collecting;
      await logRotation.stop();
      await agent.stop();
      if (cleanup) {
        // All pods at once: each waits out its own grace period.
        await Promise.all(
          (await runtime.listPodSandboxes()).map(async (sandbox) => {
            await runtime.stopPodSandbox(sandbox.id).catch((err: unknown) => onError(err, `stopping pod ${sandbox.namespace}/${sandbox.name}`));
            await runtime.removePodSandbox(sandbox.id).catch((err: unknown) => onError(err, `removing pod ${sandbox.namespace}/${sandbox.name}`));
          }),
        );
        // Pods still on the node keep their volumes (tmpfs mounts for secrets and tokens) until now.
        await volumes.tearDownAllPods().catch((err: unknown) => onError(err, 'removing pod volumes'));
      }
      await streaming.close();
      await dnsEndpoint?.stop();
      await dns?.stop();
      await proxy?.stop({ cleanup });
      await routes?.stop({ cleanup });
      await localPathCleaner.stop();
      await informers.stop();
      await runtime.dispose();
      await images?.close();
      if (cleanup && isRunc) {
        await cleanupNodeNetwork({ dataDir: networkDir });
        await cleanupIptables({}).catch((err: unknown) => onError(err, 'removing service rules'));
      }
    },
  };
}
