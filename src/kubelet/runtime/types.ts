// The container runtime contract the node agent programs against, shaped after the
// CRI (RuntimeService + ImageService) but in-process. Two implementations: `runc`
// (real containers through conmon + runc, one network namespace per pod) and
// `process` (host processes in a per-pod directory; no isolation).
//
// The agent resolves everything Kubernetes-specific (image config merged with the
// container spec, env values, volume sources) before calling the runtime, so a
// runtime only turns resolved configs into running things and reports what it sees.

import type { Duplex, Readable, Writable } from 'node:stream';

/** The parts of an OCI image config the agent and runtimes use. */
export interface ImageConfig {
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly env?: readonly string[];
  readonly workingDir?: string;
  readonly user?: string;
}

/** A pulled image, ready to become container root filesystems. */
export interface ImageRecord {
  /** The reference the pod asked for, normalized ("docker.io/library/busybox:latest"). */
  readonly ref: string;
  /** "sha256:..." of the image config: what `imageID` reports is `${repo}@${digest}`. */
  readonly id: string;
  /** Manifest digest, for status.containerStatuses[].imageID. */
  readonly digest: string;
  /** Unpacked layer directories, lowest first (overlay lowerdirs in reverse order). */
  readonly layerDirs: readonly string[];
  readonly config: ImageConfig;
  readonly sizeBytes: number;
}

export interface RegistryCredential {
  readonly username: string;
  readonly password: string;
}

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** Why a pull failed, in the words kubelet reports (ErrImagePull, ImageInspectError...). */
export class ImagePullError extends Error {
  constructor(
    message: string,
    readonly reason: 'ErrImagePull' | 'ErrImageNeverPull' | 'InvalidImageName',
  ) {
    super(message);
  }
}

export interface ImageService {
  /** Pulls (or finds, per policy) the image; credentials are tried in order, then anonymous. */
  ensureImage(ref: string, policy: PullPolicy, credentials: readonly RegistryCredential[], signal?: AbortSignal): Promise<ImageRecord>;
  /** Images present on this node, for node.status.images and garbage collection. */
  listImages(): Promise<readonly ImageRecord[]>;
  removeImage(ref: string): Promise<void>;
}

export interface DnsConfig {
  readonly nameservers: readonly string[];
  readonly searches: readonly string[];
  readonly options: readonly string[];
}

export interface PodPortMapping {
  readonly containerPort: number;
  readonly hostPort: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly hostIP?: string;
}

export interface PodSandboxConfig {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly hostname: string;
  readonly hostNetwork: boolean;
  readonly dns: DnsConfig;
  /** Extra /etc/hosts lines (hostAliases), besides localhost and the pod's own name. */
  readonly hostAliases: readonly { ip: string; hostnames: readonly string[] }[];
  readonly portMappings: readonly PodPortMapping[];
  /** Directory for this pod's container logs: <logRoot>/<namespace>_<name>_<uid>. */
  readonly logDirectory: string;
  /** Sum of container limits, for the pod-level cgroup (undefined: unlimited). */
  readonly memoryLimitBytes?: number;
}

export interface PodSandbox {
  readonly id: string;
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly state: 'ready' | 'notready';
  /** The pod's IP (undefined for hostNetwork: the node's IP applies). */
  readonly ip?: string;
  /** Path of the network namespace (runc), absent for the process runtime and hostNetwork. */
  readonly netnsPath?: string;
  readonly createdAt: Date;
}

export interface Mount {
  readonly containerPath: string;
  readonly hostPath: string;
  readonly readOnly: boolean;
}

export interface ContainerResources {
  /** cpu.shares from requests.cpu (2 minimum, as kubelet computes). */
  readonly cpuShares?: number;
  /** cfs quota/period from limits.cpu (period 100000 µs). */
  readonly cpuQuota?: number;
  readonly cpuPeriod?: number;
  readonly memoryLimitBytes?: number;
}

export interface ContainerConfig {
  readonly name: string;
  /** Restart count so far: names the log file `<name>/<attempt>.log`. */
  readonly attempt: number;
  /** Undefined for the process runtime, which runs host commands. */
  readonly image?: ImageRecord;
  /** The final argv (entrypoint/cmd merged with command/args, $(VAR) expanded). */
  readonly argv: readonly string[];
  readonly env: readonly { name: string; value: string }[];
  readonly workingDir?: string;
  /** Numeric uid/gid when the container or image sets them. */
  readonly user?: { uid: number; gid: number };
  readonly mounts: readonly Mount[];
  readonly stdin: boolean;
  readonly stdinOnce: boolean;
  readonly tty: boolean;
  readonly resources: ContainerResources;
  /** Absolute log path: <sandbox logDirectory>/<name>/<attempt>.log, CRI log format. */
  readonly logPath: string;
  /** Labels kept with the container so a restarted agent can adopt it. */
  readonly labels: Readonly<Record<string, string>>;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  readonly id: string;
  readonly sandboxId: string;
  readonly name: string;
  readonly attempt: number;
  readonly state: ContainerState;
  readonly createdAt: Date;
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
  readonly exitCode?: number;
  /** 'OOMKilled' when the kernel killed it for memory; otherwise 'Completed' (0) or 'Error'. */
  readonly reason?: string;
  readonly message?: string;
  readonly imageRef?: string;
  readonly logPath: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ExecOptions {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
}

/** A running exec (or attach) session; streams are absent when not asked for. */
export interface ExecSession {
  readonly stdin?: Writable;
  readonly stdout?: Readable;
  /** Absent with tty (stderr goes to stdout). */
  readonly stderr?: Readable;
  resize(size: { width: number; height: number }): void;
  /** Settles with the exit code once the process has ended and its output is drained. */
  readonly exited: Promise<number>;
  kill(): void;
}

/** A connection to a container's stdin (and terminal size); close() detaches. */
export interface AttachedInput {
  readonly stdin: Writable;
  resize(size: { width: number; height: number }): void;
  close(): void;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export interface ContainerRuntime {
  /** 'runc' or 'process': shown in node.status.nodeInfo.containerRuntimeVersion. */
  readonly name: string;
  readonly version: string;

  runPodSandbox(config: PodSandboxConfig): Promise<PodSandbox>;
  /** Stops every container of the pod and tears down its network; idempotent. */
  stopPodSandbox(sandboxId: string): Promise<void>;
  removePodSandbox(sandboxId: string): Promise<void>;
  listPodSandboxes(): Promise<readonly PodSandbox[]>;

  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** SIGTERM (or the image's stop signal), then SIGKILL after the grace period; idempotent. */
  stopContainer(containerId: string, gracePeriodSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  listContainers(sandboxId?: string): Promise<readonly ContainerStatus[]>;
  containerStatus(containerId: string): Promise<ContainerStatus | undefined>;

  /**
   * CRI ReopenContainerLog: the running container's output goes on in a new file at its
   * log path (log rotation renamed the old one). Fails when the container is not running.
   */
  reopenContainerLog(containerId: string): Promise<void>;

  /**
   * Input to a running container's stdin (kubectl attach -i, kubectl run -i): the
   * container must have been created with stdin. Absent: the runtime cannot.
   */
  attachInput?(containerId: string): Promise<AttachedInput>;

  /** Runs a command in the container and collects its output (probes, hooks). */
  execSync(containerId: string, argv: readonly string[], timeoutMs: number): Promise<ExecResult>;
  /** An interactive command in the container (kubectl exec). */
  exec(containerId: string, argv: readonly string[], options: ExecOptions): Promise<ExecSession>;
  /** Connects to a port inside the pod's network (kubectl port-forward). */
  portForward(sandboxId: string, port: number): Promise<Duplex>;

  /** Releases what the runtime holds in this process; containers keep running. */
  dispose(): Promise<void>;
}

/** The pod a network attachment is for (the sandbox's network namespace and port mappings). */
export interface PodNetworkAttachment {
  readonly sandboxId: string;
  /** Path of the pod's network namespace (/run/netns/NAME). */
  readonly netnsPath: string;
  readonly podUid: string;
  readonly name: string;
  readonly namespace: string;
  readonly portMappings: readonly PodPortMapping[];
}

/** Connects pod network namespaces to the node's pod network (CNI bridge in production). */
export interface PodNetwork {
  /** Attaches the namespace and returns the pod's IP. */
  setUp(attachment: PodNetworkAttachment): Promise<{ ip: string }>;
  /** Releases what setUp took (IP, host ports); idempotent, also when the netns is gone. */
  tearDown(attachment: PodNetworkAttachment): Promise<void>;
}
