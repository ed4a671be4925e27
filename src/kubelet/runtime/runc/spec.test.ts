import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkLeaksAfterAll } from '../../../testing/index.js';
import type { ContainerConfig } from '../types.js';
import {
  buildOciSpec,
  DEFAULT_CAPABILITIES,
  hostNetworkHostsFileContent,
  hostsFileContent,
  MASKED_PATHS,
  overlayMountOptions,
  resolvConfContent,
  type SandboxSpecInput,
} from './spec.js';

checkLeaksAfterAll();

const sandbox: SandboxSpecInput = {
  podUid: 'uid-1', hostname: 'web-0', netnsPath: '/run/netns/skiff-abc',
  hostsPath: '/state/sb/hosts', resolvConfPath: '/state/sb/resolv.conf', hostnamePath: '/state/sb/hostname',
};

function container(overrides: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    name: 'app', attempt: 0, argv: ['/bin/app', '--flag'], env: [{ name: 'A', value: '1' }],
    mounts: [], stdin: false, stdinOnce: false, tty: false, resources: {},
    logPath: '/logs/app/0.log', labels: {},
    ...overrides,
  };
}

function build(c: ContainerConfig, s: SandboxSpecInput = sandbox) {
  return buildOciSpec({ container: c, containerId: 'cid', sandbox: s, rootfsPath: '/state/c/rootfs', cgroupParent: 'skiff-node1' });
}

test('process: args, env with default PATH and HOSTNAME, cwd, user, terminal', () => {
  const spec = build(container({ workingDir: '/work', user: { uid: 1000, gid: 2000 }, tty: true }));
  assert.deepEqual(spec.process.args, ['/bin/app', '--flag']);
  assert.deepEqual(spec.process.env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=1', 'HOSTNAME=web-0']);
  assert.equal(spec.process.cwd, '/work');
  assert.deepEqual(spec.process.user, { uid: 1000, gid: 2000 });
  assert.equal(spec.process.terminal, true);
  assert.equal(spec.process.noNewPrivileges, false);
  assert.deepEqual(spec.process.capabilities.bounding, [...DEFAULT_CAPABILITIES]);
  assert.equal(spec.process.capabilities.bounding.length, 14);

  const plain = build(container({ env: [{ name: 'PATH', value: '/opt/bin' }, { name: 'HOSTNAME', value: 'mine' }] }));
  assert.deepEqual(plain.process.env, ['PATH=/opt/bin', 'HOSTNAME=mine']);
  assert.equal(plain.process.cwd, '/');
  assert.deepEqual(plain.process.user, { uid: 0, gid: 0 });
  assert.equal(plain.process.terminal, false);
});

test('namespaces join the pod netns; host network keeps the host network and UTS', () => {
  const spec = build(container());
  assert.deepEqual(spec.linux.namespaces, [
    { type: 'pid' }, { type: 'ipc' }, { type: 'mount' }, { type: 'uts' }, { type: 'network', path: '/run/netns/skiff-abc' },
  ]);
  assert.equal(spec.hostname, 'web-0');
  const host = build(container(), { ...sandbox, netnsPath: undefined });
  assert.deepEqual(host.linux.namespaces.map((n) => n.type), ['pid', 'ipc', 'mount']);
  assert.equal(host.hostname, undefined);
});

test('mounts: defaults, pod files, volumes as rbind with ro; a volume replaces a pod file', () => {
  const spec = build(container({
    mounts: [
      { containerPath: '/data', hostPath: '/vol/data', readOnly: true },
      { containerPath: '/etc/hosts', hostPath: '/custom/hosts', readOnly: false },
    ],
  }));
  assert.deepEqual(spec.mounts.map((m) => m.destination), [
    '/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup',
    '/etc/resolv.conf', '/etc/hostname', '/data', '/etc/hosts',
  ]);
  assert.deepEqual(spec.mounts.find((m) => m.destination === '/data'), { destination: '/data', type: 'bind', source: '/vol/data', options: ['rbind', 'rprivate', 'ro'] });
  assert.deepEqual(spec.mounts.find((m) => m.destination === '/etc/hosts')?.source, '/custom/hosts');
  assert.deepEqual(spec.mounts.find((m) => m.destination === '/sys')?.options, ['nosuid', 'noexec', 'nodev', 'ro']);
  assert.ok(spec.mounts.find((m) => m.destination === '/sys/fs/cgroup')?.options.includes('ro'));
  assert.deepEqual(spec.linux.maskedPaths, [...MASKED_PATHS]);
  assert.ok(spec.linux.readonlyPaths.includes('/proc/sys'));
  assert.deepEqual(spec.root, { path: '/state/c/rootfs', readonly: false });
});

test('cgroup path and resources', () => {
  const spec = build(container({ resources: { cpuShares: 102, cpuQuota: 50000, cpuPeriod: 100000, memoryLimitBytes: 64 * 1024 * 1024 } }));
  assert.equal(spec.linux.cgroupsPath, '/skiff-node1/uid-1/cid');
  assert.deepEqual(spec.linux.resources.cpu, { shares: 102, quota: 50000, period: 100000 });
  assert.deepEqual(spec.linux.resources.memory, { limit: 67108864 });
  assert.deepEqual(spec.linux.resources.devices, [{ allow: false, access: 'rwm' }]);
  const none = build(container());
  assert.equal(none.linux.resources.cpu, undefined);
  assert.equal(none.linux.resources.memory, undefined);
  assert.deepEqual(build(container({ resources: { cpuQuota: 20000 } })).linux.resources.cpu, { quota: 20000, period: 100000 });
});

test('overlay lowerdir lists the upper-most layer first', () => {
  assert.equal(overlayMountOptions(['/l/base', '/l/mid', '/l/top'], '/c/upper', '/c/work'), 'lowerdir=/l/top:/l/mid:/l/base,upperdir=/c/upper,workdir=/c/work');
});

test('hosts file: kubelet header, pod IP line, host aliases', () => {
  assert.equal(hostsFileContent({ ip: '10.244.0.5', hostname: 'web-0', hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.remote', 'bar.remote'] }] }), [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    '10.244.0.5\tweb-0',
    '',
    '# Entries added by HostAliases.',
    '10.1.2.3\tfoo.remote\tbar.remote',
    '',
  ].join('\n'));
  assert.equal(hostNetworkHostsFileContent('127.0.0.1 localhost', []), '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost');
});

test('resolv.conf from the pod DNS config; none when empty', () => {
  assert.equal(resolvConfContent({ nameservers: ['10.96.0.10'], searches: ['ns.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5'] }),
    'nameserver 10.96.0.10\nsearch ns.svc.cluster.local svc.cluster.local\noptions ndots:5\n');
  assert.equal(resolvConfContent({ nameservers: [], searches: [], options: [] }), undefined);
});
