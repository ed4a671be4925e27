// Pure builders for what runc and a pod's containers read: the OCI runtime spec
// (config.json) of a container, and the pod files /etc/hosts, /etc/resolv.conf and
// /etc/hostname. No I/O here: the runtime writes what these return.

import type { ContainerConfig, DnsConfig } from '../types.js';

/** The subset of the OCI runtime spec (1.0.2) this runtime writes. */
export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: OciMount[];
  linux: {
    cgroupsPath: string;
    resources: {
      devices: { allow: boolean; access: string }[];
      cpu?: { shares?: number; quota?: number; period?: number };
      memory?: { limit: number };
    };
    namespaces: { type: string; path?: string }[];
    maskedPaths: string[];
    readonlyPaths: string[];
  };
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** What a container's spec needs to know about its pod. */
export interface SandboxSpecInput {
  readonly podUid: string;
  readonly hostname: string;
  /** Undefined for hostNetwork pods: they keep the host's network and UTS namespaces. */
  readonly netnsPath?: string;
  readonly hostsPath: string;
  readonly resolvConfPath: string;
  readonly hostnamePath: string;
}

// containerd's default capability set (pkg/oci defaultUnixCaps).
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

// `runc spec` defaults.
export const MASKED_PATHS: readonly string[] = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi',
];
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

// containerd's DefaultPathEnv, used when neither image nor pod set PATH.
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function defaultMounts(): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
}

function bindMount(destination: string, source: string, readOnly: boolean): OciMount {
  return { destination, type: 'bind', source, options: ['rbind', 'rprivate', readOnly ? 'ro' : 'rw'] };
}

/**
 * The cgroup of a container: `/<cgroupParent>/<podUid>/<containerId>`. Absolute, because
 * runc resolves a relative cgroupsPath against its caller's own cgroup in each v1
 * hierarchy (on this host the memory one is not the root), which would scatter a pod.
 */
export function containerCgroupPath(cgroupParent: string, podUid: string, containerId: string): string {
  return `/${cgroupParent}/${podUid}/${containerId}`;
}

export function podCgroupPath(cgroupParent: string, podUid: string): string {
  return `/${cgroupParent}/${podUid}`;
}

export function buildOciSpec(input: {
  readonly container: ContainerConfig;
  readonly containerId: string;
  readonly sandbox: SandboxSpecInput;
  readonly rootfsPath: string;
  readonly cgroupParent: string;
}): OciSpec {
  const { container, sandbox } = input;
  const env = container.env.map((e) => `${e.name}=${e.value}`);
  if (!container.env.some((e) => e.name === 'PATH')) env.unshift(DEFAULT_PATH);
  // containerd sets HOSTNAME for every container; a pod's own value wins.
  if (!container.env.some((e) => e.name === 'HOSTNAME')) env.push(`HOSTNAME=${sandbox.hostname}`);

  const namespaces: { type: string; path?: string }[] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'mount' }];
  if (sandbox.netnsPath !== undefined) {
    namespaces.push({ type: 'uts' }, { type: 'network', path: sandbox.netnsPath });
  }

  // The pod's files first; the agent's volume mounts may replace any of them.
  const podFiles: OciMount[] = [
    bindMount('/etc/hosts', sandbox.hostsPath, false),
    bindMount('/etc/resolv.conf', sandbox.resolvConfPath, false),
    bindMount('/etc/hostname', sandbox.hostnamePath, false),
  ];
  const volumeDestinations = new Set(container.mounts.map((m) => m.containerPath));
  const mounts = [
    ...defaultMounts(),
    ...podFiles.filter((m) => !volumeDestinations.has(m.destination)),
    ...container.mounts.map((m) => bindMount(m.containerPath, m.hostPath, m.readOnly)),
  ];

  const { cpuShares, cpuQuota, cpuPeriod, memoryLimitBytes } = container.resources;
  const resources: OciSpec['linux']['resources'] = { devices: [{ allow: false, access: 'rwm' }] };
  if (cpuShares !== undefined || cpuQuota !== undefined) {
    resources.cpu = {};
    if (cpuShares !== undefined) resources.cpu.shares = cpuShares;
    if (cpuQuota !== undefined) {
      resources.cpu.quota = cpuQuota;
      resources.cpu.period = cpuPeriod ?? 100000;
    }
  }
  if (memoryLimitBytes !== undefined) resources.memory = { limit: memoryLimitBytes };

  const caps = [...DEFAULT_CAPABILITIES];
  const spec: OciSpec = {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: container.tty,
      user: container.user ?? { uid: 0, gid: 0 },
      args: [...container.argv],
      env,
      cwd: container.workingDir || '/',
      capabilities: { bounding: caps, effective: [...caps], permitted: [...caps] },
      noNewPrivileges: false,
    },
    root: { path: input.rootfsPath, readonly: false },
    mounts,
    linux: {
      cgroupsPath: containerCgroupPath(input.cgroupParent, sandbox.podUid, input.containerId),
      resources,
      namespaces,
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
  if (sandbox.netnsPath !== undefined) spec.hostname = sandbox.hostname;
  return spec;
}

/** overlay mount options: lowerdir lists the upper-most layer first. */
export function overlayMountOptions(layerDirs: readonly string[], upperDir: string, workDir: string): string {
  const lower = [...layerDirs].reverse().join(':');
  return `lowerdir=${lower},upperdir=${upperDir},workdir=${workDir}`;
}

/** The kubelet's managed /etc/hosts (pkg/kubelet/kubelet_pods.go managedHostsFileContent). */
export function hostsFileContent(input: {
  readonly ip?: string;
  readonly hostname: string;
  readonly hostAliases: readonly { ip: string; hostnames: readonly string[] }[];
}): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  if (input.ip) lines.push(`${input.ip}\t${input.hostname}`);
  let content = lines.join('\n') + '\n';
  if (input.hostAliases.length > 0) {
    content += '\n# Entries added by HostAliases.\n';
    for (const alias of input.hostAliases) content += `${alias.ip}\t${alias.hostnames.join('\t')}\n`;
  }
  return content;
}

/** A host network pod's /etc/hosts: the host's file under the kubelet's header, plus aliases. */
export function hostNetworkHostsFileContent(hostFile: string, hostAliases: readonly { ip: string; hostnames: readonly string[] }[]): string {
  let content = '# Kubernetes-managed hosts file (host network).\n' + hostFile;
  if (hostAliases.length > 0) {
    if (!content.endsWith('\n')) content += '\n';
    content += '\n# Entries added by HostAliases.\n';
    for (const alias of hostAliases) content += `${alias.ip}\t${alias.hostnames.join('\t')}\n`;
  }
  return content;
}

/** resolv.conf from the pod's DNS config; undefined when it names no nameserver (use the host's). */
export function resolvConfContent(dns: DnsConfig): string | undefined {
  if (dns.nameservers.length === 0 && dns.searches.length === 0 && dns.options.length === 0) return undefined;
  let content = '';
  for (const server of dns.nameservers) content += `nameserver ${server}\n`;
  if (dns.searches.length > 0) content += `search ${dns.searches.join(' ')}\n`;
  if (dns.options.length > 0) content += `options ${dns.options.join(' ')}\n`;
  return content;
}
