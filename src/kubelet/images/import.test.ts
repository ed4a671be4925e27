import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildBusyboxImage, busyboxSkipReason, writeDockerSaveTarball, writeOciLayoutTarball } from '../../../test/support/registry.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { ImageImportError, ImageStore, importImage } from './index.js';

checkLeaksAfterAll();

const skip = busyboxSkipReason() || (process.getuid?.() === 0 ? false : 'needs root: image ownership');

async function withStore(fn: (store: ImageStore, dir: string) => Promise<void>): Promise<void> {
  const dir = await fsp.mkdtemp(join(tmpdir(), 'skiff-import-test-'));
  const store = await ImageStore.open({ root: join(dir, 'store') });
  try {
    await fn(store, dir);
  } finally {
    await store.close();
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

test('imports a docker save tarball under its RepoTags', { skip }, async () => {
  await withStore(async (store, dir) => {
    const image = await buildBusyboxImage();
    const file = join(dir, 'busybox.tar');
    await writeDockerSaveTarball(file, image, ['busybox:imported', 'example.com/tools/busybox:1']);
    const records = await importImage(store, file);
    assert.deepEqual(records.map((r) => r.ref), ['docker.io/library/busybox:imported', 'example.com/tools/busybox:1']);
    const record = await store.ensureImage('busybox:imported', 'Never', []);
    assert.equal(record.id, image.config.digest);
    assert.deepEqual(record.config.cmd, ['sh']);
    assert.equal(await fsp.readlink(join(record.layerDirs[0] ?? '', 'bin/sh')), '/bin/busybox');
  });
});

test('imports an OCI layout tarball, named by annotation or by the given reference', { skip }, async () => {
  await withStore(async (store, dir) => {
    const image = await buildBusyboxImage();
    const named = join(dir, 'named.tar');
    await writeOciLayoutTarball(named, image, 'registry.local/busybox:oci');
    assert.deepEqual((await importImage(store, named)).map((r) => r.ref), ['registry.local/busybox:oci']);
    assert.equal((await store.ensureImage('registry.local/busybox:oci', 'Never', [])).digest, image.manifest.digest);

    const bare = join(dir, 'bare.tar');
    await writeOciLayoutTarball(bare, image, 'latest');
    await assert.rejects(importImage(store, bare), ImageImportError);
    assert.deepEqual((await importImage(store, bare, { ref: 'busybox:bare' })).map((r) => r.ref), ['docker.io/library/busybox:bare']);
  });
});
