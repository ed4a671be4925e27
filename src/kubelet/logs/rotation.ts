// Container log rotation as kubelet's ContainerLogManager does it: every 10 s each
// running container's log is checked; once it reaches containerLogMaxSize it is
// renamed to "<log>.<timestamp>" and the runtime is asked to reopen the log (CRI
// ReopenContainerLog), so the container's output continues in a fresh file. At most
// containerLogMaxFiles files are kept per container (the current one included), and
// rotated files other than the newest are gzip-compressed.

import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export interface LogRotationPolicy {
  /** containerLogMaxSize in bytes (kubelet default 10Mi). */
  readonly maxSizeBytes: number;
  /** containerLogMaxFiles, at least 2 (kubelet default 5). */
  readonly maxFiles: number;
}

export const DEFAULT_LOG_ROTATION: LogRotationPolicy = { maxSizeBytes: 10 * 1024 * 1024, maxFiles: 5 };

/** What rotation needs of the container runtime. */
export interface LogRuntime {
  listContainers(): Promise<readonly { readonly id: string; readonly state: string; readonly logPath: string }[]>;
  /** Makes the runtime write the container's output to a new file at its log path. */
  reopenContainerLog(containerId: string): Promise<void>;
}

export interface ContainerLogManagerOptions {
  readonly runtime: LogRuntime;
  readonly policy?: LogRotationPolicy;
  /** kubelet's containerLogMonitorInterval (10 s). */
  readonly intervalMs?: number;
  readonly now?: () => Date;
  readonly onError: (err: unknown, what: string) => void;
}

const COMPRESSED_SUFFIX = '.gz';
const TMP_SUFFIX = '.tmp';

/** Go's "20060102-150405" in UTC: rotated files sort by name in time order. */
export function rotationTimestamp(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** Rejects a policy kubelet would refuse at start. */
export function validateLogRotationPolicy(policy: LogRotationPolicy): string | undefined {
  if (!Number.isInteger(policy.maxFiles) || policy.maxFiles < 2) return `container log max files must be at least 2, got ${policy.maxFiles}`;
  if (!(policy.maxSizeBytes > 0)) return `container log max size must be positive, got ${policy.maxSizeBytes}`;
  return undefined;
}

export class ContainerLogManager {
  private readonly policy: LogRotationPolicy;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly options: ContainerLogManagerOptions) {
    this.policy = options.policy ?? DEFAULT_LOG_ROTATION;
    this.now = options.now ?? (() => new Date());
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.running = this.running.then(() => this.rotateLogs()).catch((err: unknown) => this.options.onError(err, 'rotating container logs'));
    }, this.options.intervalMs ?? 10_000);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over the running containers. */
  async rotateLogs(): Promise<void> {
    for (const container of await this.options.runtime.listContainers()) {
      if (container.state !== 'running' || !container.logPath) continue;
      await this.rotateLog(container.id, container.logPath).catch((err: unknown) => this.options.onError(err, `rotating the log of container ${container.id}`));
    }
  }

  /** Rotates one container's log if it reached the size limit. */
  async rotateLog(containerId: string, logPath: string): Promise<boolean> {
    const size = await stat(logPath).then((s) => s.size, () => undefined);
    if (size === undefined || size < this.policy.maxSizeBytes) return false;
    let rotated = await this.rotatedFiles(logPath);
    rotated = await this.removeExcess(rotated);
    await this.compress(rotated);
    const target = `${logPath}.${rotationTimestamp(this.now())}`;
    await rename(logPath, target);
    try {
      await this.options.runtime.reopenContainerLog(containerId);
    } catch (err) {
      // The runtime still writes to the renamed file: put it back, as kubelet does.
      await rename(target, logPath).catch(() => undefined);
      throw err;
    }
    return true;
  }

  /** "<log>.<timestamp>[.gz]" files, oldest first; leftovers of an interrupted compression go. */
  private async rotatedFiles(logPath: string): Promise<string[]> {
    const dir = dirname(logPath);
    const prefix = `${basename(logPath)}.`;
    const names = (await readdir(dir)).filter((name) => name.startsWith(prefix)).sort();
    const kept: string[] = [];
    for (const name of names) {
      if (name.endsWith(TMP_SUFFIX)) await rm(join(dir, name), { force: true });
      // Compressed and uncompressed both present: the compression finished, the original stays behind.
      else if (!name.endsWith(COMPRESSED_SUFFIX) && names.includes(name + COMPRESSED_SUFFIX)) await rm(join(dir, name), { force: true });
      else kept.push(join(dir, name));
    }
    return kept;
  }

  /** Keeps maxFiles - 2 rotated files: after this rotation there are maxFiles with the current one. */
  private async removeExcess(rotated: string[]): Promise<string[]> {
    const keep = Math.max(0, this.policy.maxFiles - 2);
    const excess = rotated.length - keep;
    for (const file of rotated.slice(0, Math.max(0, excess))) await rm(file, { force: true });
    return rotated.slice(Math.max(0, excess));
  }

  /** gzip every rotated file not yet compressed (the newest rotation is no longer written to). */
  private async compress(rotated: readonly string[]): Promise<void> {
    for (const file of rotated) {
      if (file.endsWith(COMPRESSED_SUFFIX)) continue;
      const tmp = `${file}${COMPRESSED_SUFFIX}${TMP_SUFFIX}`;
      await pipeline(createReadStream(file), createGzip(), createWriteStream(tmp));
      await rename(tmp, file + COMPRESSED_SUFFIX);
      await rm(file, { force: true });
    }
  }
}
