// The `skiff` command. Subcommands load their implementation on demand so that
// `skiff --help` starts fast.

import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

interface ServerCliOptions {
  dataDir: string;
  datastore?: string;
  httpsPort: string;
  runtime: string;
  tlsSan?: string[];
  tokenAuthFile?: string;
  advertiseAddress: string;
  compactionInterval: string;
  watchCacheWindow: string;
  minRequestTimeout: string;
  simulatedNodes: string;
  nodeMonitorGracePeriod: string;
  disableScheduler?: boolean;
  schedulerThread?: boolean;
  disableControllerManager?: boolean;
  clusterCidr?: string;
  nodeName?: string;
  nodeIp?: string;
  kubeletPort: string;
  containerLogMaxSize: string;
  containerLogMaxFiles: string;
  insecureRegistry?: string[];
  cleanup?: boolean;
}

interface AgentCliOptions {
  server: string;
  token?: string;
  caCertHash?: string;
  dataDir: string;
  name?: string;
  nodeIp?: string;
  runtime: string;
  kubeletPort: string;
  containerLogMaxSize: string;
  containerLogMaxFiles: string;
  clusterCidr: string;
  insecureRegistry?: string[];
  cleanup?: boolean;
}

const program = new Command('skiff')
  .description('Skiff: a self-hosted, Kubernetes-compatible cluster with an AKS-style managed layer')
  .version(pkg.version)
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

program
  .command('server')
  .description('run a cluster on this machine: datastore, control plane and a local node agent')
  .option('--data-dir <dir>', 'where state, certificates and the kubeconfig live', process.env.SKIFF_DATA_DIR ?? '.skiff')
  .option('--datastore <url>', 'sqlite://PATH (default DATA_DIR/state.db), etcd://HOST:PORT[,HOST:PORT...] or memory://')
  .option('--https-port <port>', 'port of the Kubernetes API (HTTPS)', '6443')
  .addOption(new Option('--runtime <runtime>', 'container runtime of the local node agent').choices(['auto', 'runc', 'process', 'simulated', 'none']).default('auto'))
  .option('--tls-san <name...>', 'extra names or addresses for the serving certificate')
  .option('--token-auth-file <file>', 'static bearer tokens: token,user,uid[,"group1,group2"] per line')
  .option('--advertise-address <address>', 'address written into the kubeconfig', '127.0.0.1')
  .option('--compaction-interval <seconds>', 'how often datastore history is compacted (kube-apiserver --etcd-compaction-interval)', '300')
  .option('--watch-cache-window <seconds>', 'how far back watches are served from memory', '300')
  .option('--min-request-timeout <seconds>', 'watches end after a random time between this and twice this', '1800')
  .option('--simulated-nodes <count>', 'hollow nodes to register with --runtime simulated', '1')
  .option('--node-monitor-grace-period <seconds>', 'how long a node may miss heartbeats before it is marked NotReady', '40')
  .option('--cluster-cidr <cidr>', 'pod addresses of the cluster; each node gets a /24 of it (default: 10.244.0.0/16; with --runtime simulated, 10.128.0.0/9, where hollow nodes have theirs)')
  .option('--node-name <name>', 'name of the local node (default: the host name)')
  .option('--node-ip <address>', "the local node's InternalIP (default: the host's first non-loopback IPv4 address)")
  .option('--kubelet-port <port>', "port of the local node's streaming endpoint (logs, exec, port-forward); 0 picks a free one", '10250')
  .option('--insecure-registry <host...>', 'registries to pull from over plain HTTP (loopback ones always are)')
  .option('--container-log-max-size <quantity>', 'rotate a container log once it reaches this size', '10Mi')
  .option('--container-log-max-files <count>', 'log files kept per container, the current one included', '5')
  .option('--cleanup', "on shutdown, stop the local node's pods and remove its iptables rules, routes and bridge")
  .option('--disable-scheduler', 'do not run the scheduler in this server')
  .option('--scheduler-thread', 'run the scheduler in a worker thread of its own: it takes its CPU from another core, at the cost of its own copy of the pods it schedules')
  .option('--disable-controller-manager', 'do not run the controller manager in this server')
  .action(async (options: ServerCliOptions) => {
    const { runServer } = await import('./server.js');
    await runServer(options);
  });

program
  .command('agent')
  .description('join this machine to a cluster as a node (get a token with `skiff token create --print-join-command`)')
  .requiredOption('--server <url>', 'the API server, e.g. https://10.0.0.1:6443')
  .option('--token <token>', 'bootstrap token (needed until the node has its own certificate)')
  .option('--ca-cert-hash <sha256:hex>', "pin the cluster CA's public key hash (printed by `skiff token create --print-join-command`)")
  .option('--data-dir <dir>', "the node's certificates and state", process.env.SKIFF_AGENT_DATA_DIR ?? '.skiff-agent')
  .option('--name <name>', 'node name (default: the host name)')
  .option('--node-ip <address>', "the node's InternalIP (default: the host's first non-loopback IPv4 address)")
  .addOption(new Option('--runtime <runtime>', 'container runtime').choices(['auto', 'runc', 'process']).default('auto'))
  .option('--kubelet-port <port>', 'port of the streaming endpoint (logs, exec, port-forward)', '10250')
  .option('--cluster-cidr <cidr>', 'pod addresses of the whole cluster (not masqueraded between nodes)', '10.244.0.0/16')
  .option('--insecure-registry <host...>', 'registries to pull from over plain HTTP (loopback ones always are)')
  .option('--container-log-max-size <quantity>', 'rotate a container log once it reaches this size', '10Mi')
  .option('--container-log-max-files <count>', 'log files kept per container, the current one included', '5')
  .option('--cleanup', "on shutdown, stop this node's pods and remove its iptables rules, routes and bridge")
  .action(async (options: AgentCliOptions) => {
    const { runAgent } = await import('./agent.js');
    await runAgent(options);
  });

program
  .command('kubectl')
  .description("run the machine's kubectl against the local cluster (DATA_DIR/kubeconfig.yaml)")
  .option('--data-dir <dir>', 'data directory of the cluster', process.env.SKIFF_DATA_DIR ?? '.skiff')
  .allowUnknownOption()
  .helpOption(false)
  .argument('[args...]', 'kubectl arguments')
  .action(async (args: string[], options: { dataDir: string }) => {
    const { runKubectl } = await import('./kubectl.js');
    process.exitCode = await runKubectl(options.dataDir, args);
  });

const token = program.command('token').description('bootstrap tokens that let nodes join the cluster (kubeadm token)');
token
  .command('create')
  .description('create a bootstrap token for `skiff agent --token`')
  .option('--data-dir <dir>', 'data directory of the cluster', process.env.SKIFF_DATA_DIR ?? '.skiff')
  .option('--ttl <duration>', 'how long the token is valid (like 24h, 30m; 0: forever)', '24h')
  .option('--description <text>', 'a note kept with the token')
  .option('--print-join-command', 'print the whole `skiff agent` command, with the CA hash to check')
  .action(async (options: { dataDir: string; ttl: string; description?: string; printJoinCommand?: boolean }) => {
    const { createToken } = await import('./token.js');
    await createToken(options);
  });
token
  .command('list')
  .description('list bootstrap tokens')
  .option('--data-dir <dir>', 'data directory of the cluster', process.env.SKIFF_DATA_DIR ?? '.skiff')
  .action(async (options: { dataDir: string }) => {
    const { listTokens } = await import('./token.js');
    await listTokens(options);
  });

const image = program.command('image').description("the node's images (for machines without a registry)");
image
  .command('import')
  .description('load a `docker save` tarball or an OCI image layout (directory or tarball) into the node')
  .argument('<file>', 'the image archive')
  .option('--data-dir <dir>', 'data directory of the server or agent whose node gets the image', process.env.SKIFF_DATA_DIR ?? '.skiff')
  .option('--ref <reference>', 'name the image (when the archive names none, or to rename it)')
  .action(async (file: string, options: { dataDir: string; ref?: string }) => {
    const { importImage } = await import('./image.js');
    await importImage(file, options);
  });
image
  .command('list')
  .description("list the node's images")
  .option('--data-dir <dir>', 'data directory of the server or agent', process.env.SKIFF_DATA_DIR ?? '.skiff')
  .action(async (options: { dataDir: string }) => {
    const { listImages } = await import('./image.js');
    await listImages(options);
  });

const datastore = program.command('datastore').description('inspect a datastore');
datastore
  .command('status')
  .description('show the revision, compaction and key counts of a datastore')
  .option('--data-dir <dir>', 'data directory whose state.db to open', process.env.SKIFF_DATA_DIR ?? '.skiff')
  .option('--datastore <url>', 'datastore URL (default sqlite://DATA_DIR/state.db)')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table'))
  .action(async (options: { dataDir: string; datastore?: string; output: 'table' | 'json' | 'yaml' }) => {
    const { datastoreStatus } = await import('./datastore.js');
    process.exitCode = await datastoreStatus(options);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const code = (err as NodeJS.ErrnoException).code;
  const message = code === 'EADDRINUSE' ? `address already in use: ${(err as Error).message.replace(/^listen EADDRINUSE: address already in use /, '')}` : err instanceof Error ? err.message : String(err);
  process.stderr.write(`skiff: error: ${message}\n`);
  process.exitCode = 1;
}
