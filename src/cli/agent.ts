// `skiff agent`: joins this machine to a cluster as a node, step by step.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HttpClient } from '../client/index.js';
import { bootstrapNodeCredentials } from '../kubelet/bootstrap/index.js';
import { startNode } from './node.js';
import { CLUSTER_DNS_IP, defaultNodeIP, defaultNodeName, logRotationFromFlags } from './node-defaults.js';
import { chooseRuntime } from './runtime-choice.js';

export interface AgentOptions {
  readonly server: string;
  readonly token?: string;
  readonly caCertHash?: string;
  readonly dataDir: string;
  readonly name?: string;
  readonly nodeIp?: string;
  readonly runtime: string;
  readonly kubeletPort: string;
  readonly containerLogMaxSize: string;
  readonly containerLogMaxFiles: string;
  readonly clusterCidr: string;
  readonly insecureRegistry?: string[];
  readonly cleanup?: boolean;
}

function step(message: string): void {
  process.stdout.write(`skiff: ${message}\n`);
}

export async function runAgent(options: AgentOptions): Promise<void> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const kubeletPort = Number(options.kubeletPort);
  if (!Number.isInteger(kubeletPort) || kubeletPort < 0 || kubeletPort > 65535) throw new Error(`--kubelet-port: not a port number: ${options.kubeletPort}`);
  const logRotation = logRotationFromFlags(options.containerLogMaxSize, options.containerLogMaxFiles);
  const nodeName = options.name ?? defaultNodeName();
  const nodeIP = options.nodeIp ?? defaultNodeIP();
  const choice = chooseRuntime(options.runtime);
  step(`runtime ${choice.runtime}: ${choice.reason}`);

  step(`joining ${options.server} as node ${nodeName} (${nodeIP})`);
  const credentials = await bootstrapNodeCredentials({
    server: options.server,
    nodeName,
    nodeIPs: [nodeIP],
    hostnames: [nodeName],
    dir: join(dataDir, 'pki'),
    ...(options.token ? { token: options.token } : {}),
    ...(options.caCertHash ? { caCertHash: options.caCertHash } : {}),
    log: step,
  });
  step('node certificates ready');
  const client = new HttpClient({ server: options.server, ca: credentials.caPem, cert: credentials.client.certPem, key: credentials.client.keyPem, component: 'kubelet' });
  const onError = (err: unknown, what: string) => process.stderr.write(`skiff: ${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  const node = await startNode({
    client,
    nodeName,
    nodeIP,
    dataDir: join(dataDir, 'node'),
    runtime: choice.runtime,
    clusterCIDR: options.clusterCidr,
    clusterDNS: CLUSTER_DNS_IP,
    clusterDomain: 'cluster.local',
    kubeletPort,
    logRotation,
    caPem: credentials.caPem,
    serving: credentials.serving,
    ...(options.insecureRegistry ? { insecureRegistries: options.insecureRegistry } : {}),
    log: step,
    onError,
  });
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
  await node.stop({ cleanup: !!options.cleanup });
  client.close();
  step('stopped');
}
