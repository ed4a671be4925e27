import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkLeaksAfterAll, eventually } from '../../../testing/index.js';
import type { ContainerConfig, PodSandbox } from '../types.js';
import { ProcessRuntime, rfc3339Nano } from './index.js';

checkLeaksAfterAll();

let dir: string;
let runtime: ProcessRuntime;
let sandbox: PodSandbox;

describe('process runtime', () => {
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-procrt-'));
  runtime = new ProcessRuntime({ rootDir: join(dir, 'pods') });
  sandbox = await runtime.runPodSandbox({
    uid: 'uid-1', name: 'p', namespace: 'default', hostname: 'p', hostNetwork: false,
    dns: { nameservers: ['10.0.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
    hostAliases: [], portMappings: [], logDirectory: join(dir, 'logs', 'default_p_uid-1'),
  });
});

after(async () => {
  await runtime.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, argv: string[], extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    name, attempt: 0, argv, env: [{ name: 'GREETING', value: 'hello' }], mounts: [], stdin: false, stdinOnce: false, tty: false,
    resources: {}, logPath: join(dir, 'logs', 'default_p_uid-1', name, '0.log'), labels: { 'io.kubernetes.container.name': name }, ...extra,
  };
}

test('rfc3339Nano trims trailing zeros like Go', () => {
  assert.equal(rfc3339Nano(BigInt(Date.parse('2016-10-06T00:17:09Z')) * 1_000_000n + 669794202n), '2016-10-06T00:17:09.669794202Z');
  assert.equal(rfc3339Nano(BigInt(Date.parse('2016-10-06T00:17:09Z')) * 1_000_000n + 500000000n), '2016-10-06T00:17:09.5Z');
  assert.equal(rfc3339Nano(BigInt(Date.parse('2016-10-06T00:17:09Z')) * 1_000_000n), '2016-10-06T00:17:09Z');
});

test('runs a command, writes CRI logs, reports the exit code', async () => {
  const id = await runtime.createContainer(sandbox.id, config('c1', ['/bin/sh', '-c', 'echo $GREETING; echo err >&2; printf partial; exit 3']));
  await runtime.startContainer(id);
  const status = await eventually(async () => {
    const s = await runtime.containerStatus(id);
    assert.equal(s?.state, 'exited');
    return s!;
  });
  assert.equal(status.exitCode, 3);
  assert.equal(status.reason, 'Error');
  const lines = readFileSync(status.logPath, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines.find((l) => l.endsWith('hello'))!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z stdout F hello$/);
  assert.ok(lines.some((l) => / stderr F err$/.test(l)));
  assert.ok(lines.some((l) => / stdout F partial$/.test(l)));
});

test('stop sends SIGTERM to the group and waits', async () => {
  const id = await runtime.createContainer(sandbox.id, config('c2', ['/bin/sh', '-c', 'trap "echo term; exit 7" TERM; echo ready; while true; do sleep 0.1; done']));
  await runtime.startContainer(id);
  await eventually(() => assert.match(readFileSync(join(dir, 'logs', 'default_p_uid-1', 'c2', '0.log'), 'utf8'), /ready/));
  await runtime.stopContainer(id, 5);
  const status = await runtime.containerStatus(id);
  assert.equal(status?.state, 'exited');
  assert.equal(status?.exitCode, 7);
  assert.match(readFileSync(status!.logPath, 'utf8'), /stdout F term/);
});

test('SIGKILL after the grace period', async () => {
  const id = await runtime.createContainer(sandbox.id, config('c3', ['/bin/sh', '-c', 'trap "" TERM; echo ready; while true; do sleep 0.1; done']));
  await runtime.startContainer(id);
  await eventually(() => assert.match(readFileSync(join(dir, 'logs', 'default_p_uid-1', 'c3', '0.log'), 'utf8'), /ready/));
  const started = Date.now();
  await runtime.stopContainer(id, 1);
  assert.ok(Date.now() - started >= 900);
  assert.equal((await runtime.containerStatus(id))?.exitCode, 137);
});

test('mounts are symlinks in the pod dir; execSync runs there', async () => {
  const volume = join(dir, 'vol');
  mkdirSync(volume);
  writeFileSync(join(volume, 'file'), 'from-volume');
  const id = await runtime.createContainer(sandbox.id, config('c4', ['/bin/sh', '-c', 'sleep 1000'], { mounts: [{ containerPath: '/data', hostPath: volume, readOnly: false }] }));
  await runtime.startContainer(id);
  const result = await runtime.execSync(id, ['/bin/sh', '-c', 'cat data/file; echo " $GREETING"; exit 2'], 5000);
  assert.deepEqual(result, { exitCode: 2, stdout: 'from-volume hello\n', stderr: '', timedOut: false });
  const slow = await runtime.execSync(id, ['/bin/sh', '-c', 'sleep 5'], 100);
  assert.equal(slow.timedOut, true);
  const session = await runtime.exec(id, ['/bin/cat'], { stdin: true, stdout: true, stderr: true, tty: false });
  const out: Buffer[] = [];
  session.stdout!.on('data', (c: Buffer) => out.push(c));
  session.stdin!.end('echoed');
  assert.equal(await session.exited, 0);
  assert.equal(Buffer.concat(out).toString(), 'echoed');
  await runtime.stopContainer(id, 0);
  assert.equal((await runtime.containerStatus(id))?.exitCode, 137);
});

test('a missing command exits 127', async () => {
  const id = await runtime.createContainer(sandbox.id, config('c5', ['/nonexistent/cmd']));
  await runtime.startContainer(id);
  const s = await eventually(async () => {
    const status = await runtime.containerStatus(id);
    assert.equal(status?.state, 'exited');
    return status!;
  });
  assert.equal(s.exitCode, 127);
});

test('portForward connects to loopback', async () => {
  const server = createServer((socket) => socket.end('pong'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const socket = await runtime.portForward(sandbox.id, port);
  const data: Buffer[] = [];
  socket.on('data', (c: Buffer) => data.push(c));
  await new Promise((r) => socket.once('end', r));
  socket.destroy();
  assert.equal(Buffer.concat(data).toString(), 'pong');
  await new Promise((r) => server.close(r));
});

test('removePodSandbox stops containers and removes the directory', async () => {
  const other = await runtime.runPodSandbox({
    uid: 'uid-2', name: 'q', namespace: 'default', hostname: 'q', hostNetwork: false,
    dns: { nameservers: [], searches: [], options: [] }, hostAliases: [], portMappings: [], logDirectory: join(dir, 'logs', 'default_q_uid-2'),
  });
  const id = await runtime.createContainer(other.id, config('c6', ['/bin/sh', '-c', 'sleep 1000'], { logPath: join(dir, 'logs', 'default_q_uid-2', 'c6', '0.log') }));
  await runtime.startContainer(id);
  const podDir = runtime.sandboxDir(other.id)!;
  await runtime.removePodSandbox(other.id);
  assert.equal(await runtime.containerStatus(id), undefined);
  assert.throws(() => readFileSync(join(podDir, 'etc', 'hostname')));
});

test('reopens the log of a running container after rotation renamed it', async () => {
  const id = await runtime.createContainer(sandbox.id, config('rot', ['/bin/sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.05; done']));
  await runtime.startContainer(id);
  const logPath = join(dir, 'logs', 'default_p_uid-1', 'rot', '0.log');
  await eventually(() => assert.match(readFileSync(logPath, 'utf8'), /tick 3\n/));
  renameSync(logPath, `${logPath}.20260101-000000`);
  await runtime.reopenContainerLog(id);
  await eventually(() => assert.match(readFileSync(logPath, 'utf8'), /tick \d+\n/));
  const numbers = (text: string) => [...text.matchAll(/stdout F tick (\d+)/g)].map((m) => Number(m[1]));
  const rotated = numbers(readFileSync(`${logPath}.20260101-000000`, 'utf8'));
  const fresh = numbers(readFileSync(logPath, 'utf8'));
  assert.ok(fresh[0]! > rotated.at(-1)!, `continues where the rotated file stops: ${rotated.at(-1)} then ${fresh[0]}`);
  await runtime.stopContainer(id, 0);
  await assert.rejects(runtime.reopenContainerLog(id), /not running/);
});
});
