import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { issueCertificate } from '../../apiserver/index.js';
import { checkLeaksAfterAll, eventually, freePort, kubectlBinaries, startCluster, type TestCluster } from '../../testing/index.js';
import { FakeBackend, HostExecRuntime } from './fakes.test-support.js';
import { KubeletServer } from './index.js';

// @kubernetes/client-node's Exec and PortForward take this process's stdin as their
// default stream, which opens it: open it before the leak check counts what is open.
void process.stdin;
checkLeaksAfterAll({ graceMs: 5000 });

const suffix = Math.random().toString(36).slice(2, 8);
const NODE = `stream-node-${suffix}`;
const POD = `stream-pod-${suffix}`;
const UNSCHEDULED = `stream-unscheduled-${suffix}`;
const binaries = kubectlBinaries();
const skipReason = binaries.default ? undefined : 'needs kubectl on PATH';

function criLine(time: string, stream: string, tag: string, message: string): string {
  return `${time} ${stream} ${tag} ${message}\n`;
}

describe('KubeletServer through the API server', { skip: skipReason }, () => {
  let cluster: TestCluster;
  let kubelet: KubeletServer;
  let runtime: HostExecRuntime;
  let dir: string;
  let logPath: string;
  let httpServer: HttpServer;
  let httpPort: number;
  const children = new Set<ChildProcess>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-stream-'));
    logPath = join(dir, 'main.log');
    writeFileSync(
      logPath,
      criLine('2026-01-01T00:00:00.000000001Z', 'stdout', 'F', 'first line') +
        criLine('2026-01-01T00:00:01.5Z', 'stderr', 'P', 'part one ') +
        criLine('2026-01-01T00:00:01.6Z', 'stderr', 'F', 'part two') +
        criLine('2026-01-01T00:00:02Z', 'stdout', 'F', 'last line'),
    );
    const previousLog = join(dir, 'previous.log');
    writeFileSync(previousLog, criLine('2025-12-31T00:00:00Z', 'stdout', 'F', 'from the previous attempt'));
    cluster = await startCluster();
    const ca = { certPem: cluster.tls.ca, keyPem: readFileSync(join(cluster.dataDir, 'tls', 'ca.key'), 'utf8') };
    const serving = await issueCertificate(ca, { commonName: NODE, usage: 'server', ipAddresses: ['127.0.0.1'] });
    runtime = new HostExecRuntime();
    runtime.states.set('c-main', 'running');
    kubelet = new KubeletServer({
      tls: serving,
      clientCaPem: cluster.tls.ca,
      backend: new FakeBackend([{ namespace: 'default', pod: POD, container: 'main', containerId: 'c-main', logPath, previous: { containerId: 'c-old', logPath: previousLog } }], runtime),
      runtime,
      host: '127.0.0.1',
      port: 0,
    });
    const port = await kubelet.start();
    httpServer = createHttpServer((_req, res) => res.end(`hello from port-forward ${suffix}`));
    httpPort = await new Promise<number>((resolve) => httpServer.listen(0, '127.0.0.1', () => resolve((httpServer.address() as { port: number }).port)));

    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } };
    const pod = (name: string, nodeName?: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'main', image: 'busybox' }], tolerations: [{ operator: 'Exists' }] },
    });
    const created = await cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [node, pod(POD, NODE), pod(UNSCHEDULED)] }) });
    assert.equal(created.code, 0, created.stderr);
    const status = { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } };
    const patched = await cluster.kubectl(['patch', 'node', NODE, '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]);
    assert.equal(patched.code, 0, patched.stderr);
    // kubectl port-forward and exec want a running pod.
    const running = await cluster.kubectl(['patch', 'pod', POD, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Running' } })]);
    assert.equal(running.code, 0, running.stderr);
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await runtime?.dispose();
    await kubelet?.close();
    await new Promise<void>((resolve) => (httpServer ? httpServer.close(() => resolve()) : resolve()));
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A long-running kubectl whose output is collected. */
  function startKubectl(args: string[], binary = binaries.default): { child: ChildProcess; output: () => string; exited: Promise<number> } {
    const child = spawn(binary, args, { env: { ...process.env, KUBECONFIG: cluster.kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number>((resolve) =>
      child.once('close', (code) => {
        children.delete(child);
        resolve(code ?? 1);
      }),
    );
    return { child, output: () => output, exited };
  }

  it('serves logs: all, --tail, --timestamps, --previous, --limit-bytes', async () => {
    const all = await cluster.kubectl(['logs', POD]);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, 'first line\npart one part two\nlast line\n');
    const tail = await cluster.kubectl(['logs', POD, '--tail=1']);
    assert.equal(tail.stdout, 'last line\n');
    const stamped = await cluster.kubectl(['logs', POD, '--timestamps', '--tail=2']);
    assert.equal(stamped.stdout, '2026-01-01T00:00:01.5Z part one part two\n2026-01-01T00:00:02Z last line\n');
    const previous = await cluster.kubectl(['logs', POD, '--previous', '-c', 'main']);
    assert.equal(previous.stdout, 'from the previous attempt\n');
    const limited = await cluster.kubectl(['logs', POD, '--limit-bytes=5']);
    assert.equal(limited.stdout, 'first');
    // metav1.Time travels with second precision.
    const since = await cluster.kubectl(['logs', POD, '--since-time=2026-01-01T00:00:02Z']);
    assert.equal(since.stdout, 'last line\n');
  });

  it('refuses bad log requests like upstream', async () => {
    const unscheduled = await cluster.kubectl(['logs', UNSCHEDULED]);
    assert.notEqual(unscheduled.code, 0);
    assert.match(unscheduled.stderr, new RegExp(`pod ${UNSCHEDULED} does not have a host assigned`));
    const negative = await cluster.kubectl(['get', '--raw', `/api/v1/namespaces/default/pods/${POD}/log?tailLines=-1`]);
    assert.notEqual(negative.code, 0);
    assert.match(negative.stderr, /must be greater than or equal to 0/);
    const missing = await cluster.kubectl(['logs', POD, '-c', 'nope']);
    assert.match(missing.stderr, /container nope is not valid for pod/);
    const exec = await cluster.kubectl(['exec', UNSCHEDULED, '--', 'true']);
    assert.notEqual(exec.code, 0);
    assert.match(exec.stderr, new RegExp(`pod ${UNSCHEDULED} does not have a host assigned`));
    const plain = await cluster.kubectl(['create', '--raw', `/api/v1/namespaces/default/pods/${POD}/exec?command=true&stdout=true`, '-f', '-'], { input: '{}' });
    assert.match(plain.stderr, /Upgrade request required/);
  });

  it('follows logs until the container exits', async () => {
    const follow = startKubectl(['logs', '-f', POD, '--tail=1']);
    await eventually(() => assert.match(follow.output(), /last line/), { timeoutMs: 10_000 });
    appendFileSync(logPath, criLine('2026-01-01T00:00:03Z', 'stdout', 'F', 'appended while following'));
    await eventually(() => assert.match(follow.output(), /appended while following/), { timeoutMs: 10_000 });
    runtime.states.set('c-main', 'exited');
    try {
      assert.equal(await follow.exited, 0);
    } finally {
      runtime.states.set('c-main', 'running');
    }
  });

  // Every kubectl.1.NN beside kubectl (SKIFF_TEST_KUBECTL_VERSIONS=1.27,1.29 narrows it).
  const wanted = process.env.SKIFF_TEST_KUBECTL_VERSIONS?.split(',');
  const versions: [string, string][] = [['default', binaries.default], ...[...binaries.versions].filter(([v]) => !wanted || wanted.includes(v)).sort()];
  for (const [version, binary] of versions) {
    it(`kubectl ${version}: exec, stdin, exit codes`, async () => {
      const hi = await cluster.kubectl(['exec', POD, '--', 'echo', 'hi'], { binary });
      assert.equal(hi.code, 0, hi.stderr);
      assert.equal(hi.stdout, 'hi\n');
      const cat = await cluster.kubectl(['exec', '-i', POD, '--', 'sh', '-c', 'cat; echo err >&2'], { binary, input: 'from stdin\n' });
      assert.equal(cat.code, 0, cat.stderr);
      assert.equal(cat.stdout, 'from stdin\n');
      assert.match(cat.stderr, /^err$/m);
      const failed = await cluster.kubectl(['exec', POD, '--', 'sh', '-c', 'exit 3'], { binary });
      assert.equal(failed.code, 3, failed.stderr);
    });

    it(`kubectl ${version}: port-forward`, async () => {
      const local = await freePort();
      const forward = startKubectl(['port-forward', `pod/${POD}`, `${local}:${httpPort}`], binary);
      try {
        await eventually(() => assert.match(forward.output(), /Forwarding from 127\.0\.0\.1/), { timeoutMs: 10_000 });
        for (let i = 0; i < 2; i++) {
          const body = await fetch(`http://127.0.0.1:${local}/`).then(
            (r) => r.text(),
            (err: Error) => `fetch failed: ${err.message} ${String(err.cause)}; kubectl said: ${forward.output()}`,
          );
          assert.equal(body, `hello from port-forward ${suffix}`);
        }
      } finally {
        forward.child.kill('SIGTERM');
        await forward.exited;
      }
    });
  }

  it('kubectl exec -it (a terminal from script(1)): output and terminal size', async (t) => {
    const script = ['/usr/bin/script'].find((path) => existsSync(path));
    if (!script) return t.skip('needs script(1) from util-linux for a pseudo-terminal');
    const command = `stty cols 91 rows 33; ${binaries.default} exec -it ${POD} -- sh -c 'echo tty-ok'`;
    const run = startKubectl(['-qec', command, '/dev/null'], script);
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), /tty-ok/);
    assert.ok(runtime.resizes.some((size) => size.width === 91 && size.height === 33), JSON.stringify(runtime.resizes));
  });

  it('kubectl attach', async () => {
    const attached = await cluster.kubectl(['attach', POD, '-c', 'main']);
    assert.equal(attached.code, 0, attached.stderr);
    assert.match(attached.stdout, /attached to c-main/);
  });

  for (const [version, binary] of versions.filter(([v]) => v === 'default' || v === '1.29')) {
    it(`kubectl ${version}: cp both ways (a few MB, through backpressure)`, async () => {
      const source = join(dir, `upload-${version}.bin`);
      const content = randomBytes(3 * 1024 * 1024);
      writeFileSync(source, content);
      const target = join(dir, `in-pod-${version}`);
      await cluster.kubectl(['exec', POD, '--', 'mkdir', '-p', target], { binary });
      const up = await cluster.kubectl(['cp', source, `default/${POD}:${target}/upload.bin`], { binary });
      assert.equal(up.code, 0, up.stderr);
      assert.ok(readFileSync(join(target, 'upload.bin')).equals(content));
      const back = join(dir, `downloaded-${version}.bin`);
      const down = await cluster.kubectl(['cp', `default/${POD}:${target}/upload.bin`, back], { binary });
      assert.equal(down.code, 0, down.stderr);
      assert.ok(readFileSync(back).equals(content));
    });
  }

  it('@kubernetes/client-node Exec and PortForward', async () => {
    const k8s = await import('kubernetes-client-node-1');
    const config = new k8s.KubeConfig();
    config.loadFromFile(cluster.kubeconfig);
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const status = await new Promise<{ status?: string }>((resolve, reject) => {
      new k8s.Exec(config).exec('default', POD, 'main', ['sh', '-c', 'echo client-node'], stdout, null, null, false, (s) => resolve(s)).catch(reject);
    });
    assert.equal(status.status, 'Success');
    assert.equal(out, 'client-node\n');

    const output = new PassThrough();
    let received = '';
    output.on('data', (d: Buffer) => (received += d.toString()));
    const input = new Readable({ read() {} });
    const ws = (await new k8s.PortForward(config).portForward('default', POD, [httpPort], output, null, input)) as { close(): void };
    input.push('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await eventually(() => assert.match(received, new RegExp(`hello from port-forward ${suffix}`)), { timeoutMs: 10_000 });
    ws.close();
    input.push(null);
  });

  it('refuses clients other than the API server', async () => {
    const port = (await cluster.kubectl(['get', 'node', NODE, '-o', 'jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}'])).stdout;
    const code = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: Number(port), path: '/healthz', ca: cluster.tls.ca, cert: cluster.tls.cert, key: cluster.tls.key }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(code, 403);
    await assert.rejects(
      new Promise((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port: Number(port), path: '/healthz', ca: cluster.tls.ca }, resolve);
        req.on('error', reject);
        req.end();
      }),
    );
  });
});
