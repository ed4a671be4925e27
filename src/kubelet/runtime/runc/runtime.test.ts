// Real containers through conmon + runc. Needs root, runc, conmon and busybox-static;
// skips with the reason otherwise. Everything lives under a temp dir, a unique cgroup
// parent and per-pod network namespaces, all removed in `after` even when a test fails.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { checkLeaksAfterAll } from '../../../testing/index.js';
import type { ContainerConfig, ImageRecord, PodNetwork, PodNetworkAttachment, PodSandboxConfig } from '../types.js';
import { runCommand } from './command.js';
import { ContainerStartError, RuncRuntime, removeCgroupDirs } from './index.js';
import { hostname } from 'node:os';

checkLeaksAfterAll({ graceMs: 5000 });

const RUNC = '/usr/sbin/runc';
const CONMON = '/usr/bin/conmon';
const BUSYBOX = '/usr/bin/busybox';

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root: runc containers';
  if (!existsSync(RUNC)) return `needs runc at ${RUNC}`;
  if (!existsSync(CONMON)) return `needs conmon at ${CONMON}`;
  if (!existsSync(BUSYBOX)) return `needs busybox-static at ${BUSYBOX}`;
  try {
    execFileSync('ip', ['netns', 'list']);
  } catch {
    return 'needs iproute2 (ip netns)';
  }
  return undefined;
}
const skip = skipReason();

/** A one-layer busybox image: /bin/busybox plus a symlink per applet. */
async function makeBusyboxLayer(dir: string): Promise<void> {
  for (const sub of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root']) await fs.mkdir(join(dir, sub), { recursive: true });
  await fs.copyFile(BUSYBOX, join(dir, 'bin/busybox'));
  await fs.chmod(join(dir, 'bin/busybox'), 0o755);
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  for (const applet of applets) await fs.symlink('busybox', join(dir, 'bin', applet));
  await fs.writeFile(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
}

/**
 * A test pod network: a veth pair per pod with a /30 from 169.254.0.0/16 (host side in
 * the host namespace, so the node reaches the pod IP as it does through the CNI bridge).
 * Deleting the pod's netns deletes the pair.
 */
class VethNetwork implements PodNetwork {
  readonly hostLinks = new Set<string>();
  async setUp(a: PodNetworkAttachment): Promise<{ ip: string }> {
    const netns = a.netnsPath.split('/').pop() as string;
    const suffix = randomBytes(3).toString('hex');
    const host = `skh${suffix}`;
    const pod = `skp${suffix}`;
    // 169.254.<1..168>.<4k>: random /30s; avoid 169.254.169.254 (metadata services).
    const third = 1 + Math.floor(Math.random() * 168);
    const fourth = 4 * Math.floor(Math.random() * 63);
    const base = `169.254.${third}.`;
    const run = async (args: string[]) => {
      const r = await runCommand('ip', args);
      if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    };
    await run(['link', 'add', host, 'type', 'veth', 'peer', 'name', pod]);
    this.hostLinks.add(host);
    await run(['link', 'set', pod, 'netns', netns]);
    await run(['addr', 'add', `${base}${fourth + 1}/30`, 'dev', host]);
    await run(['link', 'set', host, 'up']);
    await run(['netns', 'exec', netns, 'ip', 'addr', 'add', `${base}${fourth + 2}/30`, 'dev', pod]);
    await run(['netns', 'exec', netns, 'ip', 'link', 'set', pod, 'up']);
    await run(['netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'up']);
    return { ip: `${base}${fourth + 2}` };
  }
  async tearDown(): Promise<void> {
    // The pair goes with the namespace; `cleanup` deletes any host end left behind.
  }
  async cleanup(): Promise<void> {
    for (const link of this.hostLinks) await runCommand('ip', ['link', 'del', link]);
  }
}

function collect(stream: Readable | undefined): Promise<string> {
  if (!stream) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('RuncRuntime', { skip }, () => {
  const suffix = randomBytes(4).toString('hex');
  const cgroupParent = `skiff-test-${suffix}`;
  const network = new VethNetwork();
  let dir: string;
  let runtime: RuncRuntime;
  let image: ImageRecord;
  const startTimes: number[] = [];

  before(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'skiff-runc-'));
    const layer = join(dir, 'layers/busybox');
    await makeBusyboxLayer(layer);
    image = { ref: 'test.local/busybox:latest', id: 'sha256:test', digest: 'sha256:test', layerDirs: [layer], config: {}, sizeBytes: 0 };
    runtime = await RuncRuntime.create({ root: join(dir, 'state'), network, cgroupParent });
  });

  after(async () => {
    if (!runtime) return;
    try {
      for (const sandbox of await runtime.listPodSandboxes()) await runtime.removePodSandbox(sandbox.id);
      for (const container of await runtime.listContainers()) await runtime.removeContainer(container.id);
      await runtime.dispose();
    } finally {
      // Belt and braces for a failed test: anything runc, the mount table or ip still knows.
      const runcRoot = join(dir, 'state/runc');
      const listed = await runCommand(RUNC, ['--root', runcRoot, 'list', '-q']);
      for (const id of listed.stdout.split('\n').filter(Boolean)) await runCommand(RUNC, ['--root', runcRoot, 'delete', '--force', id]);
      const mounts = (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' ')[4] ?? '');
      for (const mount of mounts.filter((m) => m.startsWith(dir)).reverse()) await runCommand('umount', ['-l', mount]);
      const netns = await runCommand('ip', ['netns', 'list']);
      for (const line of netns.stdout.split('\n')) {
        const name = line.split(' ')[0] ?? '';
        if (name && existsSync(join(dir, 'state/sandboxes')) && (await fs.readdir(join(dir, 'state/sandboxes'))).some((id) => name === `skiff-${id.slice(0, 12)}`)) {
          await runCommand('ip', ['netns', 'del', name]);
        }
      }
      await network.cleanup();
      await removeCgroupDirs(`/${cgroupParent}`);
      await fs.rm(dir, { recursive: true, force: true });
      if (startTimes.length > 0) {
        const sorted = [...startTimes].sort((a, b) => a - b);
        console.log(`create+start per container (ms): median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)}, max ${sorted.at(-1)?.toFixed(1)}, n=${sorted.length}`);
      }
    }
  });

  function podConfig(name: string, overrides: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
    const uid = `${name}-${randomBytes(4).toString('hex')}`;
    return {
      uid, name, namespace: 'default', hostname: name, hostNetwork: false,
      dns: { nameservers: ['10.96.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5'] },
      hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.remote', 'bar.remote'] }],
      portMappings: [], logDirectory: join(dir, 'logs', `default_${name}_${uid}`),
      ...overrides,
    };
  }

  function containerConfig(pod: PodSandboxConfig, name: string, argv: string[], overrides: Partial<ContainerConfig> = {}): ContainerConfig {
    return {
      name, attempt: 0, image, argv, env: [{ name: 'GREETING', value: 'hello from env' }],
      mounts: [], stdin: false, stdinOnce: false, tty: false, resources: {},
      logPath: join(pod.logDirectory, name, '0.log'), labels: { 'io.kubernetes.container.name': name },
      ...overrides,
    };
  }

  async function run(sandboxId: string, config: ContainerConfig): Promise<string> {
    const started = performance.now();
    const id = await runtime.createContainer(sandboxId, config);
    await runtime.startContainer(id);
    startTimes.push(performance.now() - started);
    return id;
  }

  async function waitExited(id: string) {
    return until(async () => {
      const status = await runtime.containerStatus(id);
      return status?.state === 'exited' ? status : undefined;
    }, 15_000, `container ${id} to exit`);
  }

  async function waitLog(path: string, pattern: RegExp): Promise<string> {
    return until(async () => {
      const text = await fs.readFile(path, 'utf8').catch(() => '');
      return pattern.test(text) ? text : undefined;
    }, 10_000, `log ${pattern}`);
  }

  test('a container that writes to stdout and stderr and exits 3: CRI log lines, exit code, reason Error', async () => {
    const pod = podConfig('exit3');
    const sandbox = await runtime.runPodSandbox(pod);
    assert.equal(sandbox.state, 'ready');
    assert.match(sandbox.ip ?? '', /^169\.254\./);
    const config = containerConfig(pod, 'main', ['sh', '-c', 'echo out; echo err >&2; exit 3']);
    const id = await run(sandbox.id, config);
    const status = await waitExited(id);
    assert.equal(status.exitCode, 3);
    assert.equal(status.reason, 'Error');
    assert.ok(status.startedAt && status.finishedAt && status.finishedAt >= status.startedAt);
    const log = await fs.readFile(config.logPath, 'utf8');
    assert.match(log, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d stdout F out$/m);
    assert.match(log, /^\S+ stderr F err$/m);

    const done = await run(sandbox.id, containerConfig(pod, 'ok', ['true'], { logPath: join(pod.logDirectory, 'ok', '0.log') }));
    const okStatus = await waitExited(done);
    assert.equal(okStatus.exitCode, 0);
    assert.equal(okStatus.reason, 'Completed');
    const listed = await runtime.listContainers(sandbox.id);
    assert.deepEqual(listed.map((c) => c.name).sort(), ['main', 'ok']);

    await runtime.stopPodSandbox(sandbox.id);
    await runtime.stopPodSandbox(sandbox.id); // idempotent
    assert.equal((await runtime.listPodSandboxes()).find((s) => s.id === sandbox.id)?.state, 'notready');
    assert.equal(existsSync(`/run/netns/skiff-${sandbox.id.slice(0, 12)}`), false);
    await runtime.removePodSandbox(sandbox.id);
    await runtime.removePodSandbox(sandbox.id); // idempotent
    assert.equal((await runtime.listContainers(sandbox.id)).length, 0);
    assert.equal(existsSync(`/run/netns/skiff-${sandbox.id.slice(0, 12)}`), false);
    assert.equal(existsSync(join('/sys/fs/cgroup/memory', cgroupParent, pod.uid)), false);
  });

  test('pod files, env and a read-only volume', async () => {
    const volume = join(dir, `vol-${suffix}`);
    await fs.mkdir(volume);
    await fs.writeFile(join(volume, 'data.txt'), 'volume content\n');
    const pod = podConfig('files');
    const sandbox = await runtime.runPodSandbox(pod);
    const id = await run(sandbox.id, containerConfig(pod, 'main', ['sleep', '1000'], {
      mounts: [{ containerPath: '/data', hostPath: volume, readOnly: true }],
    }));
    const cat = await runtime.execSync(id, ['cat', '/data/data.txt', '/etc/hostname', '/etc/resolv.conf'], 5000);
    assert.equal(cat.exitCode, 0, cat.stderr);
    assert.equal(cat.stdout, 'volume content\nfiles\nnameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local\noptions ndots:5\n');
    const hosts = await runtime.execSync(id, ['cat', '/etc/hosts'], 5000);
    assert.match(hosts.stdout, new RegExp(`^# Kubernetes-managed hosts file\\.\\n127\\.0\\.0\\.1\\tlocalhost\\n`));
    assert.match(hosts.stdout, new RegExp(`^${sandbox.ip?.replace(/\./g, '\\.')}\\tfiles$`, 'm'));
    assert.match(hosts.stdout, /^10\.1\.2\.3\tfoo\.remote\tbar\.remote$/m);
    const env = await runtime.execSync(id, ['sh', '-c', 'echo "$GREETING|$HOSTNAME|$PATH"; hostname'], 5000);
    assert.equal(env.stdout, 'hello from env|files|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nfiles\n');
    const write = await runtime.execSync(id, ['sh', '-c', 'echo x > /data/new.txt'], 5000);
    assert.notEqual(write.exitCode, 0);
    assert.match(write.stderr, /Read-only file system/);
    assert.equal(existsSync(join(volume, 'new.txt')), false);
    await runtime.removePodSandbox(sandbox.id);
  });

  test('graceful stop: SIGTERM handled; SIGTERM ignored is killed after the grace period', async () => {
    const pod = podConfig('stop');
    const sandbox = await runtime.runPodSandbox(pod);
    const graceful = containerConfig(pod, 'graceful', ['sh', '-c', "trap 'echo got TERM; exit 0' TERM; echo ready; while true; do sleep 0.1; done"]);
    const gracefulId = await run(sandbox.id, graceful);
    const stubbornId = await run(sandbox.id, containerConfig(pod, 'stubborn', ['sleep', '1000'], { logPath: join(pod.logDirectory, 'stubborn', '0.log') }));
    await waitLog(graceful.logPath, /stdout F ready/);
    assert.equal((await runtime.containerStatus(gracefulId))?.state, 'running');

    let started = Date.now();
    await runtime.stopContainer(gracefulId, 10);
    assert.ok(Date.now() - started < 5000, 'a handled SIGTERM ends the container well before the grace period');
    const gracefulStatus = await runtime.containerStatus(gracefulId);
    assert.equal(gracefulStatus?.exitCode, 0);
    assert.equal(gracefulStatus?.reason, 'Completed');
    await waitLog(graceful.logPath, /stdout F got TERM/);

    started = Date.now();
    await runtime.stopContainer(stubbornId, 1);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1000 && elapsed < 8000, `killed after the 1 s grace period (took ${elapsed} ms)`);
    const stubbornStatus = await runtime.containerStatus(stubbornId);
    assert.equal(stubbornStatus?.exitCode, 137);
    assert.equal(stubbornStatus?.reason, 'Error');
    await runtime.stopContainer(stubbornId, 1); // idempotent
    await runtime.removePodSandbox(sandbox.id);
  });

  test('memory limit in the container cgroup; exceeding it is OOMKilled', async () => {
    const limit = 32 * 1024 * 1024;
    const pod = podConfig('oom', { memoryLimitBytes: 2 * limit });
    const sandbox = await runtime.runPodSandbox(pod);
    assert.equal((await fs.readFile(join('/sys/fs/cgroup/memory', cgroupParent, pod.uid, 'memory.limit_in_bytes'), 'utf8')).trim(), String(2 * limit));
    const sleeper = await run(sandbox.id, containerConfig(pod, 'sleeper', ['sleep', '1000'], {
      resources: { memoryLimitBytes: limit, cpuShares: 512, cpuQuota: 50000, cpuPeriod: 100000 },
    }));
    const cgroup = (controller: string, file: string) => fs.readFile(join('/sys/fs/cgroup', controller, cgroupParent, pod.uid, sleeper, file), 'utf8').then((t) => t.trim());
    assert.equal(await cgroup('memory', 'memory.limit_in_bytes'), String(limit));
    assert.equal(await cgroup('cpu', 'cpu.shares'), '512');
    assert.equal(await cgroup('cpu', 'cpu.cfs_quota_us'), '50000');
    const inside = await runtime.execSync(sleeper, ['cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes'], 5000);
    assert.equal(inside.stdout.trim(), String(limit));

    const hog = await run(sandbox.id, containerConfig(pod, 'hog', ['sh', '-c', 'head -c 100m /dev/zero | tail'], {
      resources: { memoryLimitBytes: limit }, logPath: join(pod.logDirectory, 'hog', '0.log'),
    }));
    const status = await waitExited(hog);
    assert.equal(status.reason, 'OOMKilled');
    assert.notEqual(status.exitCode, 0);
    await runtime.removePodSandbox(sandbox.id);
  });

  test('containers of a pod share its network; port-forward reaches the pod IP', async () => {
    const pod = podConfig('net');
    const sandbox = await runtime.runPodSandbox(pod);
    const server = containerConfig(pod, 'server', ['sh', '-c', 'mkdir -p /www && echo shared-netns-body > /www/index.html && echo serving && exec httpd -f -p 8080 -h /www']);
    await run(sandbox.id, server);
    const client = await run(sandbox.id, containerConfig(pod, 'client', ['sleep', '1000'], { logPath: join(pod.logDirectory, 'client', '0.log') }));
    await waitLog(server.logPath, /serving/);
    const fetched = await until(async () => {
      const r = await runtime.execSync(client, ['wget', '-q', '-O-', 'http://127.0.0.1:8080/'], 5000);
      return r.exitCode === 0 ? r.stdout : undefined;
    }, 10_000, 'httpd in the other container');
    assert.equal(fetched, 'shared-netns-body\n');

    const socket = await runtime.portForward(sandbox.id, 8080);
    const response = collect(socket);
    socket.end('GET / HTTP/1.0\r\nHost: pod\r\n\r\n');
    assert.match(await response, /\r\n\r\nshared-netns-body\n$/);
    await runtime.removePodSandbox(sandbox.id);
  });

  test('execSync output, exit code and timeout; exec with pipes and with a tty', async () => {
    const pod = podConfig('exec');
    const sandbox = await runtime.runPodSandbox(pod);
    const id = await run(sandbox.id, containerConfig(pod, 'main', ['sleep', '1000']));
    const result = await runtime.execSync(id, ['sh', '-c', 'echo hi; echo oops >&2; exit 7'], 5000);
    assert.deepEqual(result, { exitCode: 7, stdout: 'hi\n', stderr: 'oops\n', timedOut: false });
    const started = Date.now();
    const slow = await runtime.execSync(id, ['sleep', '30'], 300);
    assert.equal(slow.timedOut, true);
    assert.ok(Date.now() - started < 5000);
    const leftovers = await runtime.execSync(id, ['sh', '-c', 'ps -o comm | grep -c "^sleep" || true'], 5000);
    assert.equal(leftovers.stdout.trim(), '1', 'the timed-out exec process was killed (only pid 1 sleeps)');

    const piped = await runtime.exec(id, ['sh', '-c', 'read line; echo "got $line"; echo to-err >&2; exit 4'], { stdin: true, stdout: true, stderr: true, tty: false });
    const pipedOut = collect(piped.stdout);
    const pipedErr = collect(piped.stderr);
    piped.stdin?.end('ping\n');
    assert.equal(await piped.exited, 4);
    assert.equal(await pipedOut, 'got ping\n');
    assert.equal(await pipedErr, 'to-err\n');

    const session = await runtime.exec(id, ['sh'], { stdin: true, stdout: true, stderr: false, tty: true });
    assert.equal(session.stderr, undefined);
    const output = collect(session.stdout);
    session.resize({ width: 100, height: 30 });
    session.stdin?.write('tty; stty size; exit 5\n');
    assert.equal(await session.exited, 5);
    const text = await output;
    assert.match(text, /\/dev\/pts\/\d+/);
    assert.match(text, /30 100/, text);
    await runtime.removePodSandbox(sandbox.id);
  });

  test('a missing executable: StartError with runc\'s message, exit code 128', async () => {
    const pod = podConfig('starterr');
    const sandbox = await runtime.runPodSandbox(pod);
    const id = await runtime.createContainer(sandbox.id, containerConfig(pod, 'main', ['/no/such/binary']));
    await assert.rejects(runtime.startContainer(id), (err: unknown) => {
      assert.ok(err instanceof ContainerStartError);
      assert.match(err.message, /^runc create failed: .*\/no\/such\/binary.*no such file or directory/);
      return true;
    });
    const status = await runtime.containerStatus(id);
    assert.equal(status?.state, 'exited');
    assert.equal(status?.exitCode, 128);
    assert.equal(status?.reason, 'StartError');
    await runtime.removePodSandbox(sandbox.id);
  });

  test('host network pod and a tty container', async () => {
    const pod = podConfig('hostnet', { hostNetwork: true });
    const sandbox = await runtime.runPodSandbox(pod);
    assert.equal(sandbox.netnsPath, undefined);
    assert.equal(sandbox.ip, undefined);
    const config = containerConfig(pod, 'main', ['sh', '-c', 'tty; cat /etc/hostname; hostname'], { tty: true });
    const id = await run(sandbox.id, config);
    const status = await waitExited(id);
    assert.equal(status.exitCode, 0);
    const log = await fs.readFile(config.logPath, 'utf8');
    assert.match(log, /stdout F \/dev\/pts\/0\r?$/m);
    const names = log.split('\n').filter((l) => l.includes(hostname())).length;
    assert.equal(names, 2, log);
    await runtime.removePodSandbox(sandbox.id);
  });

  test('attach input reaches a tty container\'s stdin, and resize sets its terminal size', async () => {
    const pod = podConfig('attach');
    const sandbox = await runtime.runPodSandbox(pod);
    const config = containerConfig(pod, 'shell', ['sh'], { tty: true, stdin: true, stdinOnce: false });
    const id = await run(sandbox.id, config);
    const input = await runtime.attachInput(id);
    input.resize({ width: 123, height: 45 });
    // The resize goes through conmon's control fifo: wait for it before asking.
    await until(async () => {
      input.stdin.write('stty size > /tmp/size\n');
      const result = await runtime.execSync(id, ['cat', '/tmp/size'], 5000);
      return result.stdout.trim() === '45 123' ? result : undefined;
    }, 10_000, 'the terminal size');
    input.stdin.write('echo typed-$((6*7))\n');
    await waitLog(config.logPath, /typed-42/);
    input.close();
    // stdinOnce false: the shell keeps running after the attach ends.
    assert.equal((await runtime.containerStatus(id))?.state, 'running');
    await runtime.removePodSandbox(sandbox.id);
  });

  test('attach input to a container without stdin is refused', async () => {
    const pod = podConfig('nostdin');
    const sandbox = await runtime.runPodSandbox(pod);
    const id = await run(sandbox.id, containerConfig(pod, 'sleeper', ['sleep', '100']));
    await assert.rejects(runtime.attachInput(id), /not created with stdin/);
    await runtime.removePodSandbox(sandbox.id);
  });

  test('a second runtime on the same root adopts sandboxes and running containers', async () => {
    const pod = podConfig('adopt');
    const sandbox = await runtime.runPodSandbox(pod);
    const config = containerConfig(pod, 'main', ['sh', '-c', 'echo adopted; exec sleep 1000']);
    const id = await run(sandbox.id, config);
    await waitLog(config.logPath, /adopted/);
    const second = await RuncRuntime.create({ root: join(dir, 'state'), network, cgroupParent });
    try {
      const sandboxes = await second.listPodSandboxes();
      const adopted = sandboxes.find((s) => s.id === sandbox.id);
      assert.equal(adopted?.state, 'ready');
      assert.equal(adopted?.ip, sandbox.ip);
      const containers = await second.listContainers(sandbox.id);
      assert.equal(containers.length, 1);
      assert.equal(containers[0]?.state, 'running');
      assert.equal(containers[0]?.labels['io.kubernetes.container.name'], 'main');
      assert.equal((await second.execSync(id, ['echo', 'via second'], 5000)).stdout, 'via second\n');
      const lingering = await second.exec(id, ['sleep', '100'], { stdin: false, stdout: true, stderr: true, tty: false });
      await second.dispose(); // ends the runtime's own children, not the containers
      assert.equal(await lingering.exited, 137);
      assert.equal((await runtime.containerStatus(id))?.state, 'running');
      await second.stopContainer(id, 0);
      assert.equal((await runtime.containerStatus(id))?.exitCode, 137);
      await second.removePodSandbox(sandbox.id);
      assert.equal((await runtime.listPodSandboxes()).find((s) => s.id === sandbox.id), undefined);
    } finally {
      await second.dispose();
    }
  });
  test('reopens a running container\'s log after rotation renamed it; refuses an exited one', async () => {
    const pod = podConfig('rotate');
    const sandbox = await runtime.runPodSandbox(pod);
    const config = containerConfig(pod, 'ticker', ['sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.05; done']);
    const id = await run(sandbox.id, config);
    await waitLog(config.logPath, /tick 3\n/);
    await fs.rename(config.logPath, `${config.logPath}.20260101-000000`);
    await runtime.reopenContainerLog(id);
    const fresh = await waitLog(config.logPath, /tick \d+\n/);
    const rotated = await fs.readFile(`${config.logPath}.20260101-000000`, 'utf8');
    const last = (text: string, which: 'first' | 'last') => {
      const numbers = [...text.matchAll(/stdout F tick (\d+)/g)].map((m) => Number(m[1]));
      return which === 'first' ? numbers[0]! : numbers.at(-1)!;
    };
    // The output continues in the new file where the rotated one stops.
    assert.ok(last(fresh, 'first') > last(rotated, 'last'), `new file starts after the rotated one: ${last(rotated, 'last')} then ${last(fresh, 'first')}`);
    await runtime.stopContainer(id, 0);
    await waitExited(id);
    await assert.rejects(runtime.reopenContainerLog(id), /not running/);
    await runtime.removePodSandbox(sandbox.id);
  });
});
