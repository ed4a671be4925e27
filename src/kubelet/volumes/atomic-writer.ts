// kubelet's AtomicWriter (pkg/volume/util/atomic_writer.go): a volume's files live in a
// timestamped directory; `..data` is a symlink to the current one and every top-level
// name is a symlink through `..data`, so a new payload appears all at once.

import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile, chmod } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';

export interface FileProjection {
  readonly data: Buffer;
  readonly mode: number;
}

const DATA_DIR = '..data';
const DATA_DIR_TMP = '..data_tmp';

/** Upstream's validatePath: relative, no '..' element, no leading '..'. */
export function validatePayloadPath(path: string): string | undefined {
  if (path === '') return 'invalid path: must not be empty';
  if (isAbsolute(path)) return `invalid path: must be relative path: ${path}`;
  if (path.split('/').includes('..')) return `invalid path: must not contain '..': ${path}`;
  if (path.startsWith('..')) return `invalid path: must not start with '..': ${path}`;
  return undefined;
}

function timestampDirPrefix(now: Date): string {
  const p = (n: number, width = 2) => String(n).padStart(width, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

async function sameAsCurrent(dataDir: string, payload: ReadonlyMap<string, FileProjection>): Promise<boolean> {
  const present = await listFiles(dataDir);
  if (present.length !== payload.size) return false;
  for (const path of present) {
    const wanted = payload.get(path);
    if (!wanted) return false;
    const [info, content] = await Promise.all([stat(join(dataDir, path)), readFile(join(dataDir, path))]);
    if ((info.mode & 0o7777) !== wanted.mode || !content.equals(wanted.data)) return false;
  }
  return true;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...(await listFiles(dir, rel)));
    else found.push(rel);
  }
  return found;
}

/**
 * Makes targetDir hold exactly payload (paths relative to it). Returns false when
 * it already did. Throws on invalid paths and I/O failures.
 */
export async function writeAtomically(targetDir: string, payload: ReadonlyMap<string, FileProjection>, now: Date): Promise<boolean> {
  for (const path of payload.keys()) {
    const problem = validatePayloadPath(path);
    if (problem) throw new Error(problem);
  }
  await mkdir(targetDir, { recursive: true });
  const dataLink = join(targetDir, DATA_DIR);
  const oldTsName = await readlink(dataLink).catch(() => undefined);
  if (oldTsName !== undefined && (await sameAsCurrent(join(targetDir, oldTsName), payload))) return false;

  const tsDir = await mkdtemp(join(targetDir, timestampDirPrefix(now)));
  await chmod(tsDir, 0o755);
  for (const [path, file] of payload) {
    const full = join(tsDir, normalize(path));
    await mkdir(dirname(full), { recursive: true, mode: 0o755 });
    await writeFile(full, file.data);
    await chmod(full, file.mode);
  }
  const tsName = tsDir.slice(tsDir.lastIndexOf(sep) + 1);
  const tmpLink = join(targetDir, DATA_DIR_TMP);
  await rm(tmpLink, { force: true });
  await symlink(tsName, tmpLink);
  await rename(tmpLink, dataLink);

  const topLevel = new Set([...payload.keys()].map((path) => path.split('/')[0]!));
  for (const name of topLevel) {
    const link = join(targetDir, name);
    if (!(await exists(link))) await symlink(join(DATA_DIR, name), link);
  }
  for (const name of await readdir(targetDir)) {
    if (!name.startsWith('..') && !topLevel.has(name)) await rm(join(targetDir, name), { recursive: true, force: true });
  }
  if (oldTsName !== undefined && oldTsName !== tsName) await rm(join(targetDir, oldTsName), { recursive: true, force: true });
  return true;
}
