// Unpacks one image layer (tar, optionally gzip) into a directory in the form overlayfs
// reads as a lower layer: OCI whiteouts `.wh.NAME` become character devices 0/0, and
// opaque directories (`.wh..wh..opq`) become whiteouts of every name the lower layers
// hold in that directory (node cannot set the trusted.overlay.opaque xattr; since a
// layer directory is keyed by its chainID, its lower layers are fixed, so this is exact).
//
// Our own extractor on tar's Parser: the `tar` package's Unpack rewrites absolute
// symlink targets (breaking /bin/sh -> /bin/busybox style links). Here paths are
// confined to the target (no '..', no writing through symlinks), link targets are
// kept verbatim, and ownership, modes (with setuid bits), hardlinks and mtimes are kept.

import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createReadStream, promises as fsp } from 'node:fs';
import * as fs from 'node:fs';
import { once } from 'node:events';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';

const execFileAsync = promisify(execFile);
const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
const IS_ROOT = process.getuid?.() === 0;

export class LayerFormatError extends Error {}

interface Deferred {
  dirs: { path: string; mode: number; uid: number; gid: number; mtime?: Date }[];
  whiteouts: string[];
  opaqueDirs: string[];
  specials: { path: string; kind: 'c' | 'b' | 'p'; major: number; minor: number; mode: number; uid: number; gid: number }[];
}

/** Normalizes a tar member name to a relative path inside the layer, or undefined if it escapes. */
export function safeRelativePath(name: string): string | undefined {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  return parts.join('/');
}

/**
 * Unpacks `blobPath` into `targetDir` (which must exist and be empty) and returns the
 * diffID ("sha256:..." of the uncompressed tar). `lowerDirs` are the layers below, lowest first.
 */
export async function unpackLayer(blobPath: string, targetDir: string, lowerDirs: readonly string[], signal?: AbortSignal): Promise<string> {
  const deferred: Deferred = { dirs: [], whiteouts: [], opaqueDirs: [], specials: [] };
  const hash = createHash('sha256');
  const extractor = new Extractor(targetDir, deferred);
  const parser = new Parser({ strict: true, onReadEntry: (entry) => extractor.onEntry(entry) });
  const parsed = new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', (err: Error) => reject(err));
  });

  const input = createReadStream(blobPath);
  const head = await readHead(blobPath);
  const compressed = head[0] === 0x1f && head[1] === 0x8b;
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) {
    input.destroy();
    throw new LayerFormatError('unsupported layer compression: zstd');
  }
  const source = compressed ? input.pipe(createGunzip()) : input;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      signal?.throwIfAborted();
      hash.update(chunk);
      if (!parser.write(chunk)) await once(parser, 'drain');
      if (extractor.error) throw extractor.error;
    }
    parser.end();
    await parsed;
  } finally {
    input.destroy();
  }
  if (extractor.error) throw extractor.error;
  await applyDeferred(targetDir, lowerDirs, deferred);
  return `sha256:${hash.digest('hex')}`;
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await fsp.open(path, 'r');
  try {
    const buffer = Buffer.alloc(4);
    await handle.read(buffer, 0, 4, 0);
    return buffer;
  } finally {
    await handle.close();
  }
}

/** Writes entries synchronously, in archive order, so later entries see earlier ones. */
class Extractor {
  error: Error | undefined;
  private readonly safeDirs = new Set<string>(['']);

  constructor(private readonly root: string, private readonly deferred: Deferred) {}

  onEntry(entry: ReadEntry): void {
    try {
      this.write(entry);
    } catch (err) {
      this.error ??= err instanceof Error ? err : new Error(String(err));
      entry.resume();
    }
  }

  private write(entry: ReadEntry): void {
    const rel = safeRelativePath(entry.path);
    if (rel === undefined) throw new LayerFormatError(`layer entry escapes the root: ${entry.path}`);
    if (rel === '') {
      entry.resume();
      return;
    }
    const dir = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
    const base = posix.basename(rel);
    this.ensureParent(dir);
    const target = join(this.root, rel);
    const mode = (entry.mode ?? 0o644) & 0o7777;
    const uid = entry.uid ?? 0;
    const gid = entry.gid ?? 0;

    if (base === OPAQUE_MARKER) {
      this.deferred.opaqueDirs.push(dir);
      entry.resume();
      return;
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.deferred.whiteouts.push(posix.join(dir, base.slice(WHITEOUT_PREFIX.length)));
      entry.resume();
      return;
    }

    switch (entry.type) {
      case 'Directory': {
        const existing = lstatOrUndefined(target);
        if (existing && !existing.isDirectory()) this.remove(target);
        if (!existing || !existing.isDirectory()) fs.mkdirSync(target, { mode: 0o700 });
        this.safeDirs.add(rel);
        this.deferred.dirs.push({ path: target, mode, uid, gid, ...(entry.mtime ? { mtime: entry.mtime } : {}) });
        entry.resume();
        return;
      }
      case 'File':
      case 'OldFile':
      case 'ContiguousFile': {
        this.replace(target);
        const fd = fs.openSync(target, 'wx', 0o600);
        let closed = false;
        const close = (): void => {
          if (closed) return;
          closed = true;
          fs.closeSync(fd);
        };
        entry.on('data', (chunk: Buffer) => {
          try {
            fs.writeSync(fd, chunk);
          } catch (err) {
            this.error ??= err as Error;
          }
        });
        entry.on('end', () => {
          try {
            if (IS_ROOT) fs.fchownSync(fd, uid, gid);
            fs.fchmodSync(fd, mode); // after chown, which clears setuid bits
            if (entry.mtime) fs.futimesSync(fd, entry.mtime, entry.mtime);
          } catch (err) {
            this.error ??= err as Error;
          } finally {
            close();
          }
        });
        return;
      }
      case 'SymbolicLink': {
        this.replace(target);
        fs.symlinkSync(entry.linkpath ?? '', target);
        if (IS_ROOT) fs.lchownSync(target, uid, gid);
        entry.resume();
        return;
      }
      case 'Link': {
        const linkRel = safeRelativePath(entry.linkpath ?? '');
        if (!linkRel) throw new LayerFormatError(`hardlink escapes the root: ${entry.path} -> ${entry.linkpath}`);
        const linkDir = posix.dirname(linkRel) === '.' ? '' : posix.dirname(linkRel);
        this.ensureParent(linkDir);
        const source = join(this.root, linkRel);
        const sourceStat = lstatOrUndefined(source);
        if (!sourceStat) throw new LayerFormatError(`hardlink target missing: ${entry.path} -> ${entry.linkpath}`);
        if (source !== target) {
          this.replace(target);
          fs.linkSync(source, target);
        }
        entry.resume();
        return;
      }
      case 'CharacterDevice':
      case 'BlockDevice':
      case 'FIFO': {
        this.replace(target);
        const kind = entry.type === 'CharacterDevice' ? 'c' : entry.type === 'BlockDevice' ? 'b' : 'p';
        this.deferred.specials.push({ path: target, kind, major: entry.header.devmaj ?? 0, minor: entry.header.devmin ?? 0, mode, uid, gid });
        entry.resume();
        return;
      }
      default:
        // Extended headers are folded into entries by the parser; anything else is skipped.
        entry.resume();
    }
  }

  /** Makes sure every component of `dir` is a real directory inside the root (no symlinks). */
  private ensureParent(dir: string): void {
    if (this.safeDirs.has(dir)) return;
    let current = '';
    for (const part of dir.split('/')) {
      current = current === '' ? part : `${current}/${part}`;
      if (this.safeDirs.has(current)) continue;
      const path = join(this.root, current);
      const stat = lstatOrUndefined(path);
      if (!stat) fs.mkdirSync(path, { mode: 0o755 });
      else if (!stat.isDirectory()) throw new LayerFormatError(`layer writes through a non-directory: ${current}`);
      this.safeDirs.add(current);
    }
  }

  /** Removes whatever is at `target` so a later entry replaces an earlier one. */
  private replace(target: string): void {
    const existing = lstatOrUndefined(target);
    if (existing) this.remove(target);
  }

  private remove(target: string): void {
    fs.rmSync(target, { recursive: true, force: true });
    // A removed directory may have been a verified parent: forget them all.
    this.safeDirs.clear();
    this.safeDirs.add('');
  }
}

function lstatOrUndefined(path: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function mknod(path: string, kind: 'c' | 'b' | 'p', major: number, minor: number): Promise<void> {
  const args = kind === 'p' ? [path, 'p'] : [path, kind, String(major), String(minor)];
  await execFileAsync('mknod', args);
}

async function applyDeferred(root: string, lowerDirs: readonly string[], deferred: Deferred): Promise<void> {
  for (const special of deferred.specials) {
    await mknod(special.path, special.kind, special.major, special.minor);
    if (IS_ROOT) await fsp.lchown(special.path, special.uid, special.gid);
    await fsp.chmod(special.path, special.mode);
  }
  // Whiteouts hide names in lower layers only: a name this layer itself holds wins.
  const whiteouts = new Set(deferred.whiteouts);
  for (const dir of deferred.opaqueDirs) {
    const names = new Set<string>();
    for (const lower of lowerDirs) {
      const entries = await fsp.readdir(join(lower, dir)).catch(() => [] as string[]);
      for (const name of entries) names.add(name);
    }
    for (const name of names) whiteouts.add(posix.join(dir, name));
  }
  for (const rel of whiteouts) {
    const target = join(root, rel);
    if (lstatOrUndefined(target)) continue;
    await mknod(target, 'c', 0, 0);
  }
  // Directory modes and times last: children are written, and read-only dirs stay so.
  for (const dir of deferred.dirs.reverse()) {
    if (IS_ROOT) await fsp.lchown(dir.path, dir.uid, dir.gid);
    await fsp.chmod(dir.path, dir.mode);
    if (dir.mtime) await fsp.utimes(dir.path, dir.mtime, dir.mtime);
  }
}
