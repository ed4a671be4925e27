// Real nodes: `skiff server --runtime runc` runs a node in process, and `skiff agent`
// joins a second one from its own network namespace. A busybox image built here is
// pulled from a docker-registry; kubectl drives everything, and the checks are what a
// user sees: Service answers (bodies checked), DNS, logs/exec/port-forward/cp, probes,
// CrashLoopBackOff, cgroup limits, graceful termination, node loss, and that nothing is
// left behind.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { missingForRunc } from '../src/cli/runtime-choice.js';
import { checkLeaksAfterAll, eventually, kubectlBinaries, startCluster, type KubectlResult, type TestCluster } from '../src/testing/index.js';
import { buildBusyboxImage, busyboxSkipReason, pushImage, registrySkipReason, startRegistry, writeDockerSaveTarball, type RunningRegistry } from './support/registry.js';
import { createTestHost, netnsUnavailable, type TestHost } from './support/netns.js';

checkLeaksAfterAll({ graceMs: 5000 });

const SKIFF = join(import.meta.dirname, '..', '..', 'bin', 'skiff');
const run = promisify(execFile);

function skipReason(): string | false {
  const missing = missingForRunc();
  const reason = missing.length > 0 ? `needs ${missing.join(', ')}` : (netnsUnavailable() || registrySkipReason() || busyboxSkipReason());
  // CI installs everything: there a missing piece fails rather than skips.
  if (reason && process.env.CI === 'true') throw new Error(`CI must provide what runc nodes need: ${reason}`);
  return reason;
}

function httpGet(url: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out: ${url}`)));
    req.on('error', reject);
  });
}

function ok(result: KubectlResult, what: string): string {
  assert.equal(result.code, 0, `${what} failed: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** An httpd answering "hello from <pod name>" on 8080. */
function webDeployment(image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
      terminationGracePeriodSeconds: 2
      containers:
      - name: httpd
        image: ${image}
        command: [sh, -c, 'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www']
        ports: [{containerPort: 8080, name: http}]
        readinessProbe: {httpGet: {path: /index.html, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: sh, image: ${image}, command: [sh, -c, 'trap "exit 0" TERM; while true; do sleep 1; done']}
`;
}

describe('nodes with runc', { skip: skipReason() }, () => {
  let host: TestHost;
  let registry: RunningRegistry;
  let cluster: TestCluster;
  let agent: ChildProcess | undefined;
  let agentOutput = '';
  let agentDir: string;
  let image: string;
  let joinCommand: { server: string; token: string; hash: string };
  const k = (args: string[], input?: string) => cluster.kubectl(args, { timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });

  async function stopAgent(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = agent;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  async function startAgent(join_: { server: string; token: string; hash: string }): Promise<void> {
    agentOutput = '';
    const args = [SKIFF, 'agent', '--server', join_.server, '--token', join_.token, '--ca-cert-hash', join_.hash, '--data-dir', agentDir, '--name', 'node-2', '--node-ip', host.ip, '--runtime', 'runc', '--cleanup', '--insecure-registry', registry.host];
    const child = spawn(host.exec[0]!, [...host.exec.slice(1), process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    agent = child;
    child.stdout!.on('data', (d: Buffer) => (agentOutput += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (agentOutput += d.toString()));
    await eventually(async () => assert.match(agentOutput, /skiff: ready/, agentOutput), { timeoutMs: 60_000 });
  }

  before(async () => {
    host = await createTestHost('node2');
    registry = await startRegistry({ address: host.hostIP });
    await pushImage(registry.host, 'busybox', 'e2e', await buildBusyboxImage());
    image = `${registry.host}/busybox:e2e`;
    cluster = await startCluster({
      runtime: 'runc',
      startTimeoutMs: 60_000,
      stopTimeoutMs: 60_000,
      extraArgs: ['--node-name', 'node-1', '--node-ip', host.hostIP, '--kubelet-port', '0', '--cleanup', '--insecure-registry', registry.host, '--node-monitor-grace-period', '8', '--container-log-max-size', '16Ki', '--container-log-max-files', '3'],
    });
    const { stdout } = await run(process.execPath, [SKIFF, 'token', 'create', '--print-join-command', '--data-dir', cluster.dataDir]);
    const match = /--server https:\/\/[^:]+:(\d+) --token (\S+) --ca-cert-hash (\S+)/.exec(stdout);
    assert.ok(match, stdout);
    agentDir = mkdtempSync(join(tmpdir(), 'skiff-agent-'));
    joinCommand = { server: `https://${host.hostIP}:${match[1]}`, token: match[2]!, hash: match[3]! };
    await startAgent(joinCommand);
    ok(await k(['wait', '--for=condition=Ready', 'node/node-1', 'node/node-2', '--timeout=60s']), 'nodes Ready');
    ok(await k(['apply', '-f', '-'], webDeployment(image)), 'apply web');
    ok(await k(['rollout', 'status', 'deployment/web', '--timeout=120s']), 'web rollout');
    ok(await k(['wait', '--for=condition=Ready', 'pod/client', '--timeout=120s']), 'client Ready');
  });

  after(async () => {
    await stopAgent();
    await cluster?.stop();
    await registry?.stop();
    await host?.destroy();
    if (agentDir) rmSync(agentDir, { recursive: true, force: true });
  });

  it('spreads the Deployment over both nodes and answers on the ClusterIP from the host', async () => {
    const nodes = ok(await k(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.nodeName}']), 'get pods').split(' ').sort();
    assert.deepEqual(nodes, ['node-1', 'node-2']);
    const names = ok(await k(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}']), 'get pods').split(' ');
    const clusterIP = ok(await k(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}']), 'get svc');
    const seen = new Set<string>();
    await eventually(
      async () => {
        const { body } = await httpGet(`http://${clusterIP}/index.html`);
        const answer = /^hello from (\S+)\n$/.exec(body);
        assert.ok(answer && names.includes(answer[1]!), `unexpected answer: ${body}`);
        seen.add(answer[1]!);
        assert.equal(seen.size, 2, 'both endpoints answer');
      },
      { timeoutMs: 30_000 },
    );
  });

  it('lets pods reach the Service by name and pods on the other node by IP', async () => {
    const out = ok(await k(['exec', 'client', '--', 'wget', '-q', '-O-', 'http://web/index.html']), 'wget by name');
    assert.match(out, /^hello from web-/);
    const pods = JSON.parse(ok(await k(['get', 'pods', '-l', 'app=web', '-o', 'json']), 'get pods')) as { items: { metadata: { name: string }; status: { podIP: string } }[] };
    for (const pod of pods.items) {
      const body = ok(await k(['exec', 'client', '--', 'wget', '-q', '-O-', `http://${pod.status.podIP}:8080/index.html`]), `wget ${pod.status.podIP}`);
      assert.equal(body, `hello from ${pod.metadata.name}\n`);
    }
  });

  it('resolves cluster names through the cluster DNS with the upstream search path', async () => {
    const resolv = ok(await k(['exec', 'client', '--', 'cat', '/etc/resolv.conf']), 'resolv.conf');
    assert.match(resolv, /^nameserver 10\.96\.0\.10$/m);
    assert.match(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/m);
    assert.match(resolv, /^options ndots:5$/m);
    const clusterIP = ok(await k(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}']), 'get svc');
    const lookup = ok(await k(['exec', 'client', '--', 'nslookup', 'web.default.svc.cluster.local']), 'nslookup');
    assert.ok(lookup.includes(clusterIP), lookup);
  });

  it('gives pods their service account credentials and a route to the API', async () => {
    const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
    assert.equal(ok(await k(['exec', 'client', '--', 'cat', `${dir}/namespace`]), 'namespace'), 'default');
    assert.match(ok(await k(['exec', 'client', '--', 'cat', `${dir}/token`]), 'token'), /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.match(ok(await k(['exec', 'client', '--', 'cat', `${dir}/ca.crt`]), 'ca.crt'), /^-----BEGIN CERTIFICATE-----/);
    const env = ok(await k(['exec', 'client', '--', 'env']), 'env');
    assert.match(env, /^KUBERNETES_SERVICE_HOST=10\.96\.0\.1$/m);
    // The token authenticates as the pod's service account.
    const token = ok(await k(['exec', 'client', '--', 'cat', `${dir}/token`]), 'token');
    const asPod = ['--kubeconfig', '/dev/null', '--server', `https://127.0.0.1:${cluster.port}`, '--certificate-authority', join(cluster.dataDir, 'tls', 'ca.crt'), '--token', token];
    const whoami = ok(await k([...asPod, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']), 'auth whoami with the pod token');
    assert.equal(whoami, 'system:serviceaccount:default:default');
    // The kubernetes Service leads the pod to the API server's TLS listener. busybox's
    // own TLS offers only SHA-1 signatures, which the server refuses: the refusal is the
    // server's answer (an address nobody serves would be refused or time out instead).
    const reach = await k(['exec', 'client', '--', 'wget', '-q', '-O-', '--no-check-certificate', 'https://10.96.0.1/version']);
    assert.match(reach.stderr, /TLS error from peer/, `wget through the kubernetes Service: ${reach.stderr}`);
  });

  it('serves logs, exec with exit codes, port-forward and cp', async () => {
    const pod = ok(await k(['get', 'pods', '-l', 'app=web', '--field-selector', 'spec.nodeName=node-2', '-o', 'jsonpath={.items[0].metadata.name}']), 'get pod');
    ok(await k(['exec', pod, '--', 'sh', '-c', 'echo line-one; echo line-two >&2']), 'exec');
    const failed = await k(['exec', pod, '--', 'sh', '-c', 'exit 3']);
    assert.equal(failed.code, 3, `exit code passes through: ${failed.stderr}`);

    ok(await k(['exec', '-i', pod, '--', 'sh', '-c', 'cat > /tmp/stdin.txt'], 'through stdin\n'), 'exec -i');
    assert.equal(ok(await k(['exec', pod, '--', 'cat', '/tmp/stdin.txt']), 'read back'), 'through stdin\n');
    const dir = mkdtempSync(join(tmpdir(), 'skiff-cp-'));
    try {
      ok(await k(['exec', pod, '--', 'sh', '-c', 'echo from the pod > /tmp/out.txt']), 'write');
      ok(await k(['cp', `${pod}:/tmp/out.txt`, join(dir, 'out.txt')]), 'kubectl cp');
      assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'from the pod\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const forward = spawn(kubectlBinaries().default, ['port-forward', `pod/${pod}`, ':8080'], { env: { ...process.env, KUBECONFIG: cluster.kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let forwarded = '';
      forward.stdout!.on('data', (d: Buffer) => (forwarded += d.toString()));
      forward.stderr!.on('data', (d: Buffer) => (forwarded += d.toString()));
      const port = await eventually(async () => {
        const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(forwarded);
        assert.ok(m, forwarded);
        return m[1]!;
      });
      const { body } = await httpGet(`http://127.0.0.1:${port}/index.html`);
      assert.equal(body, `hello from ${pod}\n`);
    } finally {
      forward.kill();
    }
    const logs = await k(['logs', pod]);
    assert.equal(logs.code, 0, logs.stderr);
  });

  it('passes input through `kubectl run -i` (attach with stdin) and removes the pod with --rm', async () => {
    const result = await k(['run', 'reader', '-i', '--rm', '--restart=Never', `--image=${image}`, '--', 'sh', '-c', 'read line; echo "got $line"'], 'hello from stdin\n');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^got hello from stdin$/m);
    assert.match(result.stdout, /pod "reader" deleted/);
  });

  it("attaches to a container's output until it exits", async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: ticker}
spec:
  restartPolicy: Never
  containers:
  - {name: sh, image: ${image}, command: [sh, -c, 'sleep 2; i=0; while [ $i -lt 6 ]; do echo tick $i; i=$((i+1)); sleep 0.5; done']}
`;
    ok(await k(['apply', '-f', '-'], manifest), 'apply');
    ok(await k(['wait', '--for=condition=Ready', 'pod/ticker', '--timeout=60s']), 'ready');
    const attached = await k(['attach', 'ticker']);
    assert.equal(attached.code, 0, attached.stderr);
    assert.match(attached.stdout, /tick 5\n$/);
    ok(await k(['delete', 'pod', 'ticker', '--wait=true']), 'delete');
  });

  it('rotates a container log that outgrows --container-log-max-size, keeping --container-log-max-files', async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: chatty}
spec:
  nodeName: node-1
  terminationGracePeriodSeconds: 0
  containers:
  - {name: sh, image: ${image}, command: [sh, -c, 'i=0; while true; do echo "line $i ................................................................................................"; i=$((i+1)); sleep 0.005; done']}
`;
    ok(await k(['apply', '-f', '-'], manifest), 'apply');
    const uid = ok(await k(['get', 'pod', 'chatty', '-o', 'jsonpath={.metadata.uid}']), 'uid');
    const dir = join(cluster.dataDir, 'node', 'logs', 'pods', `default_chatty_${uid}`, 'sh');
    // The agent looks every 10 s: two rotations, the older one compressed.
    const files = await eventually(
      async () => {
        const names = readdirSync(dir).sort();
        assert.ok(names.some((n) => /^0\.log\.\d{8}-\d{6}\.gz$/.test(n)), names.join(' '));
        // Between the rename and conmon's reopen the current file is briefly missing.
        assert.ok(names.includes('0.log'), names.join(' '));
        return names;
      },
      { timeoutMs: 45_000 },
    );
    assert.ok(files.length <= 3, `at most 3 files: ${files.join(' ')}`);
    // kubectl logs reads the current file: recent lines; the first lines were rotated away.
    const tail = ok(await k(['logs', 'chatty', '--tail', '1']), 'logs --tail 1');
    assert.ok(Number(/^line (\d+) /.exec(tail)?.[1]) > 0, tail);
    await eventually(() => {
      const first = /stdout F line (\d+) /.exec(readFileSync(join(dir, '0.log'), 'utf8'))?.[1];
      assert.ok(Number(first) > 0, `the current file starts after line 0: ${first}`);
    });
    ok(await k(['delete', 'pod', 'chatty', '--wait=true']), 'delete');
  });

  it('puts memory limits into the cgroup', async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: limited}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: sh, image: ${image}, command: [sh, -c, 'trap "exit 0" TERM; while true; do sleep 1; done'], resources: {limits: {memory: 64Mi, cpu: 250m}}}
`;
    ok(await k(['apply', '-f', '-'], manifest), 'apply');
    ok(await k(['wait', '--for=condition=Ready', 'pod/limited', '--timeout=60s']), 'ready');
    const limit = ok(await k(['exec', 'limited', '--', 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes']), 'read cgroup');
    assert.equal(limit.trim(), String(64 * 1024 * 1024));
    ok(await k(['delete', 'pod', 'limited', '--wait=true']), 'delete');
  });

  it('restarts a container whose liveness probe fails', async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: unhealthy}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: sh
    image: ${image}
    command: [sh, -c, 'touch /tmp/healthy; sleep 2; rm /tmp/healthy; trap "exit 0" TERM; while true; do sleep 1; done']
    livenessProbe: {exec: {command: [cat, /tmp/healthy]}, periodSeconds: 1, failureThreshold: 1}
`;
    ok(await k(['apply', '-f', '-'], manifest), 'apply');
    await eventually(
      async () => {
        const restarts = ok(await k(['get', 'pod', 'unhealthy', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}']), 'get');
        assert.ok(Number(restarts) >= 1, `restartCount ${restarts}`);
      },
      { timeoutMs: 60_000 },
    );
    const events = ok(await k(['get', 'events', '--field-selector', 'involvedObject.name=unhealthy', '-o', 'jsonpath={.items[*].message}']), 'events');
    assert.match(events, /Liveness probe failed/);
    ok(await k(['delete', 'pod', 'unhealthy', '--wait=true']), 'delete');
  });

  it('backs off a crashing container and shows the previous attempt\'s logs', async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  containers:
  - {name: sh, image: ${image}, command: [sh, -c, 'echo attempt at $(date +%s); exit 1']}
`;
    ok(await k(['apply', '-f', '-'], manifest), 'apply');
    await eventually(
      async () => {
        const reason = ok(await k(['get', 'pod', 'crasher', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}']), 'get');
        assert.equal(reason, 'CrashLoopBackOff');
      },
      { timeoutMs: 60_000 },
    );
    const previous = ok(await k(['logs', 'crasher', '--previous']), 'logs --previous');
    assert.match(previous, /^attempt at \d+\n$/);
    const table = ok(await k(['get', 'pod', 'crasher']), 'get');
    assert.match(table, /crasher\s+0\/1\s+CrashLoopBackOff\s+\d+/);
    ok(await k(['delete', 'pod', 'crasher', '--wait=true']), 'delete');
  });

  it('terminates gracefully: SIGTERM first, the pod gone well before the grace period', async () => {
    const marks = mkdtempSync(join(tmpdir(), 'skiff-term-'));
    try {
      const manifest = `apiVersion: v1
kind: Pod
metadata: {name: graceful}
spec:
  nodeName: node-1
  terminationGracePeriodSeconds: 30
  volumes: [{name: out, hostPath: {path: ${marks}}}]
  containers:
  - name: sh
    image: ${image}
    volumeMounts: [{name: out, mountPath: /out}]
    command: [sh, -c, 'trap "echo got TERM > /out/signal; exit 0" TERM; while true; do sleep 0.2; done']
`;
      ok(await k(['apply', '-f', '-'], manifest), 'apply');
      ok(await k(['wait', '--for=condition=Ready', 'pod/graceful', '--timeout=60s']), 'ready');
      const started = Date.now();
      ok(await k(['delete', 'pod', 'graceful', '--wait=true']), 'delete');
      assert.ok(Date.now() - started < 20_000, `deleted after ${Date.now() - started} ms`);
      assert.equal(readFileSync(join(marks, 'signal'), 'utf8'), 'got TERM\n');
    } finally {
      rmSync(marks, { recursive: true, force: true });
    }
  });

  it('provisions a local-path PersistentVolume on the node the pod lands on', async () => {
    const manifest = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  nodeSelector: {kubernetes.io/hostname: node-2}
  terminationGracePeriodSeconds: 1
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
  containers:
  - name: sh
    image: ${image}
    volumeMounts: [{name: data, mountPath: /data}]
    command: [sh, -c, 'echo kept > /data/file; trap "exit 0" TERM; while true; do sleep 1; done']
`;
    ok(await k(['apply', '-f', '-'], manifest), 'apply');
    ok(await k(['wait', '--for=condition=Ready', 'pod/writer', '--timeout=60s']), 'ready');
    const claim = ok(await k(['get', 'pvc', 'data', '-o', 'jsonpath={.status.phase} {.spec.storageClassName} {.spec.volumeName}']), 'get pvc');
    const [phase, className, volume] = claim.split(' ');
    assert.equal(phase, 'Bound');
    assert.equal(className, 'local-path');
    const path = ok(await k(['get', 'pv', volume!, '-o', 'jsonpath={.spec.hostPath.path}']), 'get pv');
    assert.ok(path.startsWith(join(agentDir, 'node', 'local-path')), `the volume lives in node-2's data dir: ${path}`);
    await eventually(async () => assert.equal(readFileSync(join(path, 'file'), 'utf8'), 'kept\n'));
    ok(await k(['delete', 'pod', 'writer', '--wait=true']), 'delete pod');
    ok(await k(['delete', 'pvc', 'data', '--wait=true']), 'delete pvc');
    // reclaimPolicy Delete: node-2's agent removes the directory, then the volume goes.
    await eventually(
      async () => {
        assert.equal(existsSync(path), false, `${path} removed on node-2`);
        assert.match((await k(['get', 'pv', volume!])).stderr, /NotFound/);
      },
      { timeoutMs: 30_000 },
    );
  });

  it('adopts running containers when the agent restarts', async () => {
    const query = ['get', 'pods', '-l', 'app=web', '--field-selector', 'spec.nodeName=node-2', '-o', 'jsonpath={.items[0].metadata.name} {.items[0].status.containerStatuses[0].containerID} {.items[0].status.containerStatuses[0].restartCount}'];
    const before_ = ok(await k(query), 'get pod');
    const [pod, containerID] = before_.split(' ');
    await stopAgent('SIGKILL');
    await startAgent(joinCommand);
    ok(await k(['wait', '--for=condition=Ready', 'node/node-2', '--timeout=60s']), 'node-2 Ready');
    await eventually(async () => assert.equal(ok(await k(query), 'get pod'), `${pod} ${containerID} 0`), { timeoutMs: 30_000 });
    const body = ok(await k(['exec', 'client', '--', 'wget', '-q', '-O-', `http://${ok(await k(['get', 'pod', pod!, '-o', 'jsonpath={.status.podIP}']), 'ip')}:8080/index.html`]), 'wget');
    assert.equal(body, `hello from ${pod}\n`);
  });

  it('moves pods off a node whose agent stops answering', async () => {
    const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: mover}
spec:
  replicas: 1
  selector: {matchLabels: {app: mover}}
  template:
    metadata: {labels: {app: mover}}
    spec:
      terminationGracePeriodSeconds: 1
      affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 100, preference: {matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [node-2]}]}}]}}
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      containers:
      - {name: sh, image: ${image}, command: [sh, -c, 'trap "exit 0" TERM; while true; do sleep 1; done']}
`;
    ok(await k(['apply', '-f', '-'], manifest), 'apply');
    ok(await k(['rollout', 'status', 'deployment/mover', '--timeout=60s']), 'rollout');
    assert.equal(ok(await k(['get', 'pods', '-l', 'app=mover', '-o', 'jsonpath={.items[0].spec.nodeName}']), 'get'), 'node-2');
    // The agent freezes: no lease renewals, no status.
    agent!.kill('SIGSTOP');
    try {
      await eventually(
        async () => {
          const ready = ok(await k(['get', 'node', 'node-2', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']), 'get node');
          assert.equal(ready, 'Unknown');
        },
        { timeoutMs: 60_000 },
      );
      await eventually(
        async () => {
          const pods = ok(await k(['get', 'pods', '-l', 'app=mover', '-o', 'jsonpath={range .items[*]}{.spec.nodeName} {.status.phase} {.metadata.deletionTimestamp}{"\\n"}{end}']), 'get pods');
          assert.match(pods, /^node-1 Running $/m, pods);
        },
        { timeoutMs: 90_000 },
      );
    } finally {
      agent!.kill('SIGCONT');
    }
    // Back again, the agent finishes the evicted pod and the node is Ready.
    ok(await k(['wait', '--for=condition=Ready', 'node/node-2', '--timeout=60s']), 'node-2 Ready again');
    await eventually(
      async () => {
        const nodes = ok(await k(['get', 'pods', '-l', 'app=mover', '-o', 'jsonpath={.items[*].spec.nodeName}']), 'get');
        assert.equal(nodes, 'node-1');
      },
      { timeoutMs: 60_000 },
    );
    ok(await k(['delete', 'deployment', 'mover']), 'delete');
  });

  it('runs an image imported with `skiff image import` on a node without pulling', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-import-'));
    try {
      const tarball = join(dir, 'busybox.tar');
      await writeDockerSaveTarball(tarball, await buildBusyboxImage(), ['imported.example/busybox:offline']);
      const { stdout } = await run(process.execPath, [SKIFF, 'image', 'import', tarball, '--data-dir', agentDir]);
      assert.match(stdout, /skiff: imported imported\.example\/busybox:offline/);
      const manifest = `apiVersion: v1
kind: Pod
metadata: {name: offline}
spec:
  nodeName: node-2
  terminationGracePeriodSeconds: 1
  containers:
  - {name: sh, image: imported.example/busybox:offline, imagePullPolicy: Never, command: [sh, -c, 'echo offline ok; trap "exit 0" TERM; while true; do sleep 1; done']}
`;
      ok(await k(['apply', '-f', '-'], manifest), 'apply');
      ok(await k(['wait', '--for=condition=Ready', 'pod/offline', '--timeout=60s']), 'ready');
      await eventually(async () => assert.equal(ok(await k(['logs', 'offline']), 'logs'), 'offline ok\n'));
      ok(await k(['delete', 'pod', 'offline', '--wait=true']), 'delete');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves no containers, network namespaces, mounts, veths or iptables rules after a clean shutdown', async () => {
    ok(await k(['delete', 'deployment', 'web', '--wait=true']), 'delete web');
    const dataDir = cluster.dataDir;
    // The pods' network namespaces, by the runtime's naming (skiff-<first 12 of the sandbox id>).
    const sandboxes = [join(dataDir, 'node', 'runc', 'state', 'sandboxes'), join(agentDir, 'node', 'runc', 'state', 'sandboxes')].flatMap((dir) => (existsSync(dir) ? readdirSync(dir) : []));
    const podNamespaces = sandboxes.map((id) => `skiff-${id.slice(0, 12)}`);
    await stopAgent();
    assert.match(agentOutput, /skiff: stopped/);
    await cluster.stop();
    const mounts = readFileSync('/proc/mounts', 'utf8');
    assert.ok(!mounts.includes(dataDir) && !mounts.includes(agentDir), 'no mounts left under the data dirs');
    const links = (await run('ip', ['-o', 'link', 'show'])).stdout;
    assert.ok(!/skiff0/.test(links), `bridge left: ${links}`);
    const nat = (await run('iptables-save', ['-t', 'nat'])).stdout;
    assert.ok(!/KUBE-SVC-|KUBE-SERVICES/.test(nat), 'service rules left on the host');
    const nsNat = (await run(host.exec[0]!, [...host.exec.slice(1), 'iptables-save', '-t', 'nat'])).stdout;
    assert.ok(!/KUBE-SVC-|KUBE-SERVICES/.test(nsNat), "service rules left in node-2's namespace");
    const nsLinks = (await run(host.exec[0]!, [...host.exec.slice(1), 'ip', '-o', 'link', 'show'])).stdout;
    assert.ok(!/skiff0|veth/.test(nsLinks), `links left in node-2's namespace: ${nsLinks}`);
    const netns = (await run('ip', ['netns', 'list'])).stdout;
    assert.deepEqual(podNamespaces.filter((name) => netns.includes(name)), [], 'pod network namespaces left');
    assert.ok(!existsSync(join(agentDir, 'node', 'runc')) || (await run('runc', ['--root', join(agentDir, 'node', 'runc'), 'list', '-q'])).stdout.trim() === '', 'containers left');
  });
});
