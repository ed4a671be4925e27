// `skiff image import|list`: the node's image store, for machines without a registry.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ImageStore, importImageFile } from '../kubelet/images/index.js';

/** The image store of the node whose data dir this is (server or agent). */
export function imagesDir(dataDir: string): string {
  return join(resolve(dataDir), 'node', 'images');
}

export async function importImage(file: string, options: { dataDir: string; ref?: string }): Promise<void> {
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  process.stdout.write(`skiff: importing ${file} into ${imagesDir(options.dataDir)}\n`);
  const refs = await importImageFile(imagesDir(options.dataDir), resolve(file), options.ref ? { ref: options.ref } : {});
  for (const ref of refs) process.stdout.write(`skiff: imported ${ref}\n`);
  if (refs.length === 0) throw new Error(`${file} holds no image with a name; give one with --ref`);
}

export async function listImages(options: { dataDir: string }): Promise<void> {
  const store = await ImageStore.open({ root: imagesDir(options.dataDir) });
  try {
    const rows = [['IMAGE', 'IMAGE ID', 'SIZE']];
    for (const image of await store.listImages()) rows.push([image.ref, image.id.replace(/^sha256:/, '').slice(0, 13), `${(image.sizeBytes / 1e6).toFixed(1)}MB`]);
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const row of rows) process.stdout.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('')}\n`);
  } finally {
    await store.close();
  }
}
