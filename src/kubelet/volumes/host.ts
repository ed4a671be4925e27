// Host facts and operations volumes need: tmpfs mounts (root only) and hostPath type checks.

import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, realpath, stat } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const isRoot = (): boolean => process.getuid?.() === 0;

/** Mount points from /proc/self/mountinfo (octal escapes decoded). */
export async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(' ')[4]!.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await mountPoints()).includes(path);
}

/** Mounts a tmpfs on dir unless one is there already. */
export async function ensureTmpfs(path: string, sizeBytes?: number): Promise<void> {
  await mkdir(path, { recursive: true });
  // mountinfo shows resolved paths: compare with the real one so a mount is never stacked.
  const dir = await realpath(path);
  if (await isMountPoint(dir)) return;
  const options = ['mode=0755', ...(sizeBytes !== undefined && sizeBytes > 0 ? [`size=${sizeBytes}`] : [])];
  await run('mount', ['-t', 'tmpfs', '-o', options.join(','), 'tmpfs', dir]);
}

/** Unmounts every mount at or below dir, deepest first. */
export async function unmountBelow(path: string): Promise<void> {
  const dir = await realpath(path).catch(() => path);
  const below = (await mountPoints()).filter((point) => point === dir || point.startsWith(dir + '/'));
  for (const point of below.sort((a, b) => b.length - a.length)) {
    await run('umount', [point]).catch(async (err: unknown) => {
      // Gone meanwhile is fine; anything else would make removing the directory unsafe.
      if (await isMountPoint(point)) throw err;
    });
  }
}

export type HostPathType = '' | 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';

/** pkg/volume/hostpath checkTypeInternal: an error message, or undefined when the path fits. */
export async function checkHostPathType(path: string, type: string | undefined): Promise<string | undefined> {
  const info = await lstat(path).catch(() => undefined);
  // Symlinks count as what they point to, as upstream's os.Stat does.
  const target = info?.isSymbolicLink() ? await stat(path).catch(() => undefined) : info;
  const kind = type ?? '';
  if (kind === '') return undefined;
  if (kind === 'DirectoryOrCreate' && !target) {
    await mkdir(path, { recursive: true, mode: 0o755 });
    return undefined;
  }
  if (kind === 'FileOrCreate' && !target) {
    const handle = await open(path, constants.O_CREAT | constants.O_RDONLY, 0o644);
    await handle.close();
    return undefined;
  }
  switch (kind) {
    case 'DirectoryOrCreate':
    case 'Directory':
      return target?.isDirectory() ? undefined : `hostPath type check failed: ${path} is not a directory`;
    case 'FileOrCreate':
    case 'File':
      return target?.isFile() ? undefined : `hostPath type check failed: ${path} is not a file`;
    case 'Socket':
      return target?.isSocket() ? undefined : `hostPath type check failed: ${path} is not a socket file`;
    case 'CharDevice':
      return target?.isCharacterDevice() ? undefined : `hostPath type check failed: ${path} is not a character device`;
    case 'BlockDevice':
      return target?.isBlockDevice() ? undefined : `hostPath type check failed: ${path} is not a block device`;
  }
  return `${type} is an invalid volume type`;
}
