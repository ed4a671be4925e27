import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  buildBusyboxImage, buildImage, buildIndex, busyboxSkipReason, HOST_ARCH, pushImage, pushIndex, registrySkipReason,
  startFakeRegistry, startRegistry, type BuiltImage, type RunningRegistry,
} from '../../../test/support/registry.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { ImagePullError } from '../runtime/types.js';
import { ImageStore, type ImageStoreOptions } from './index.js';

checkLeaksAfterAll();

const execFileAsync = promisify(execFile);
const IS_ROOT = process.getuid?.() === 0;
const rootSkip = IS_ROOT ? false : 'needs root: layers hold whiteout devices and image ownership';

async function withStore<T>(fn: (store: ImageStore, root: string) => Promise<T>, options: Partial<ImageStoreOptions> = {}): Promise<T> {
  const root = await fsp.mkdtemp(join(tmpdir(), 'skiff-images-test-'));
  const store = await ImageStore.open({ root, ...options });
  try {
    return await fn(store, root);
  } finally {
    await store.close();
    await fsp.rm(root, { recursive: true, force: true });
  }
}

async function rejectsWith(promise: Promise<unknown>, reason: string, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ImagePullError, String(err));
    assert.equal(err.reason, reason);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

function simpleImage(marker: string): BuiltImage {
  return buildImage({ layers: [[{ path: 'hello.txt', content: marker }]], config: { Cmd: ['/hello'], Env: ['A=1'], WorkingDir: '/w', User: '1000:1000' } });
}

describe('pull from docker-registry on loopback', { skip: registrySkipReason() || rootSkip }, () => {
  let registry: RunningRegistry;
  let busybox: BuiltImage;
  before(async () => {
    registry = await startRegistry();
    busybox = await buildBusyboxImage();
    await pushImage(registry.host, 'library/busybox', '1.35', busybox);
  });
  after(async () => registry?.stop());

  test('anonymous pull unpacks a runnable busybox root filesystem', async () => {
    await withStore(async (store) => {
      const ref = `${registry.host}/library/busybox:1.35`;
      const record = await store.ensureImage(ref, 'IfNotPresent', []);
      assert.equal(record.ref, ref);
      assert.equal(record.id, busybox.config.digest);
      assert.equal(record.digest, busybox.manifest.digest);
      assert.deepEqual(record.config, { cmd: ['sh'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] });
      assert.equal(record.layerDirs.length, 1);
      const rootfs = record.layerDirs[0] ?? '';
      assert.equal((await fsp.stat(join(rootfs, 'bin/busybox'))).mode & 0o7777, 0o755);
      assert.equal(await fsp.readlink(join(rootfs, 'bin/sh')), '/bin/busybox');
      assert.equal((await fsp.stat(join(rootfs, 'tmp'))).mode & 0o7777, 0o1777);
      assert.equal((await fsp.stat(join(rootfs, 'root'))).mode & 0o7777, 0o700);
      assert.match(await fsp.readFile(join(rootfs, 'etc/passwd'), 'utf8'), /^nobody:x:65534:/m);
      const { stdout } = await execFileAsync('chroot', [rootfs, '/bin/sh', '-c', 'echo hello from $(id -un)']);
      assert.equal(stdout, 'hello from root\n');
      assert.deepEqual((await store.listImages()).map((i) => i.ref), [ref]);
    });
  });

  test('an OCI index pushed to the registry resolves to this machine\'s image', async () => {
    const other = buildImage({ layers: [[{ path: 'arch', content: 'other' }]], architecture: 's390x' });
    const mine = buildImage({ layers: [[{ path: 'arch', content: HOST_ARCH }]] });
    await pushIndex(registry.host, 'multi', 'v1', buildIndex([{ image: other, architecture: 's390x' }, { image: mine, architecture: HOST_ARCH }]), [other, mine]);
    await withStore(async (store) => {
      const record = await store.ensureImage(`${registry.host}/multi:v1`, 'IfNotPresent', []);
      assert.equal(record.digest, mine.manifest.digest);
      assert.equal(await fsp.readFile(join(record.layerDirs[0] ?? '', 'arch'), 'utf8'), HOST_ARCH);
    });
  });

  test('a missing tag is ErrImagePull with containerd\'s words', async () => {
    await withStore(async (store) => {
      const ref = `${registry.host}/library/busybox:nope`;
      await rejectsWith(store.ensureImage(ref, 'IfNotPresent', []), 'ErrImagePull',
        `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`);
    });
  });
});

describe('pulls against a fake registry', { skip: busyboxSkipReason() || rootSkip }, () => {
  test('pull policies: Never, IfNotPresent, Always', async () => {
    const fake = await startFakeRegistry();
    try {
      fake.add('app', 'v1', simpleImage('one'));
      await withStore(async (store) => {
        const ref = `${fake.host}/app:v1`;
        await rejectsWith(store.ensureImage(ref, 'Never', []), 'ErrImageNeverPull', `Container image "${ref}" is not present with pull policy of Never`);
        const pulled = await store.ensureImage(ref, 'IfNotPresent', []);
        assert.deepEqual(pulled.config, { cmd: ['/hello'], env: ['A=1'], workingDir: '/w', user: '1000:1000' });
        const manifestGets = (): number => fake.requests.filter((r) => r.startsWith('GET /v2/app/manifests/')).length;
        assert.equal(manifestGets(), 1);
        assert.deepEqual(await store.ensureImage(ref, 'IfNotPresent', []), pulled);
        assert.deepEqual(await store.ensureImage(ref, 'Never', []), pulled);
        assert.equal(manifestGets(), 1);
        // Always resolves again and picks up a moved tag; unchanged blobs are not fetched twice.
        fake.add('app', 'v1', simpleImage('two'));
        const again = await store.ensureImage(ref, 'Always', []);
        assert.equal(manifestGets(), 2);
        assert.notEqual(again.id, pulled.id);
        assert.equal(await fsp.readFile(join(again.layerDirs[0] ?? '', 'hello.txt'), 'utf8'), 'two');
        // By image ID too.
        assert.equal((await store.ensureImage(again.id, 'Never', [])).ref, ref);
        await rejectsWith(store.ensureImage('BUSYBOX', 'IfNotPresent', []), 'InvalidImageName',
          'Failed to apply default image tag "BUSYBOX": couldn\'t parse image reference "BUSYBOX": invalid reference format: repository name must be lowercase');
      });
    } finally {
      await fake.stop();
    }
  });

  test('concurrent pulls of one image share one download', async () => {
    const fake = await startFakeRegistry();
    try {
      const image = simpleImage('shared');
      fake.add('app', 'v1', image);
      await withStore(async (store) => {
        const ref = `${fake.host}/app:v1`;
        const records = await Promise.all([1, 2, 3, 4].map(() => store.ensureImage(ref, 'Always', [])));
        assert.ok(records.every((r) => r.id === image.config.digest));
        assert.equal(fake.requests.filter((r) => r.startsWith('GET /v2/app/manifests/')).length, 1);
        assert.equal(fake.requests.filter((r) => r.startsWith(`GET /v2/app/blobs/${image.layers[0]?.digest}`)).length, 1);
      });
    } finally {
      await fake.stop();
    }
  });

  test('bearer token flow: credentials in order, then anonymous', async () => {
    const fake = await startFakeRegistry({ auth: { scheme: 'bearer', username: 'alice', password: 's3cret' } });
    try {
      fake.add('private/app', 'v1', simpleImage('secret'));
      await withStore(async (store) => {
        const ref = `${fake.host}/private/app:v1`;
        await rejectsWith(store.ensureImage(ref, 'IfNotPresent', []), 'ErrImagePull',
          new RegExp(`^failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to http://${fake.host}/token\\?service=fake-registry&scope=repository%3Aprivate%2Fapp%3Apull: 401 Unauthorized$`));
        const record = await store.ensureImage(ref, 'IfNotPresent', [{ username: 'alice', password: 'wrong' }, { username: 'alice', password: 's3cret' }]);
        assert.equal(await fsp.readFile(join(record.layerDirs[0] ?? '', 'hello.txt'), 'utf8'), 'secret');
        assert.ok(fake.requests.some((r) => r.startsWith('GET /v2/private/app/blobs/') && r.endsWith('[Bearer]')));
      });
    } finally {
      await fake.stop();
    }
  });

  test('basic auth', async () => {
    const fake = await startFakeRegistry({ auth: { scheme: 'basic', username: 'bob', password: 'pw' } });
    try {
      fake.add('app', 'v1', simpleImage('basic'));
      await withStore(async (store) => {
        const ref = `${fake.host}/app:v1`;
        await rejectsWith(store.ensureImage(ref, 'IfNotPresent', []), 'ErrImagePull', /pull access denied, repository does not exist or may require authorization/);
        await rejectsWith(store.ensureImage(ref, 'IfNotPresent', [{ username: 'bob', password: 'nope' }]), 'ErrImagePull', /pull access denied.*unauthorized: authentication required/);
        const record = await store.ensureImage(ref, 'IfNotPresent', [{ username: 'bob', password: 'pw' }]);
        assert.equal(await fsp.readFile(join(record.layerDirs[0] ?? '', 'hello.txt'), 'utf8'), 'basic');
      });
    } finally {
      await fake.stop();
    }
  });

  test('an index resolves to this machine\'s platform', async () => {
    const fake = await startFakeRegistry();
    try {
      const other = buildImage({ layers: [[{ path: 'arch', content: 'other' }]], architecture: 's390x' });
      const mine = buildImage({ layers: [[{ path: 'arch', content: HOST_ARCH }]] });
      fake.addIndex('multi', 'v1', buildIndex([{ image: other, architecture: 's390x' }, { image: mine, architecture: HOST_ARCH }]), [other, mine]);
      fake.addIndex('foreign', 'v1', buildIndex([{ image: other, architecture: 's390x' }]), [other]);
      await withStore(async (store) => {
        const record = await store.ensureImage(`${fake.host}/multi:v1`, 'IfNotPresent', []);
        assert.equal(record.digest, mine.manifest.digest);
        assert.equal(await fsp.readFile(join(record.layerDirs[0] ?? '', 'arch'), 'utf8'), HOST_ARCH);
        await rejectsWith(store.ensureImage(`${fake.host}/foreign:v1`, 'IfNotPresent', []), 'ErrImagePull', /failed to resolve reference ".*": no match for platform in manifest: not found/);
      });
    } finally {
      await fake.stop();
    }
  });

  test('a corrupted blob fails verification and leaves nothing behind', async () => {
    const fake = await startFakeRegistry();
    try {
      const image = simpleImage('good');
      const layer = image.layers[0];
      assert.ok(layer);
      const corrupted: BuiltImage = { ...image, layers: [{ ...layer, data: Buffer.from(layer.data).fill(0, 20, 30) }] };
      fake.add('bad', 'v1', corrupted);
      await withStore(async (store, root) => {
        await rejectsWith(store.ensureImage(`${fake.host}/bad:v1`, 'IfNotPresent', []), 'ErrImagePull', /failed to verify sha256:/);
        assert.deepEqual(await fsp.readdir(join(root, 'layers')), []);
        assert.deepEqual(await fsp.readdir(join(root, 'tmp')), []);
      });
    } finally {
      await fake.stop();
    }
  });

  test('whiteouts and opaque directories hide lower layers under overlay', async () => {
    const fake = await startFakeRegistry();
    try {
      const image = buildImage({
        layers: [
          [
            { path: 'a/', type: 'dir' }, { path: 'a/gone', content: 'x' }, { path: 'a/kept', content: 'k' },
            { path: 'd/', type: 'dir' }, { path: 'd/old1', content: '1' }, { path: 'd/old2', content: '2' },
            { path: 'owned', content: 'o', uid: 1234, gid: 4321, mode: 0o4750 },
          ],
          [
            { path: 'a/.wh.gone' }, { path: 'd/.wh..wh..opq' }, { path: 'd/new', content: 'n' },
            { path: 'link', type: 'hardlink', linkname: 'd/new' }, { path: 'abs', type: 'symlink', linkname: '/d/new' },
          ],
        ],
      });
      fake.add('layers', 'v1', image);
      await withStore(async (store, root) => {
        const record = await store.ensureImage(`${fake.host}/layers:v1`, 'IfNotPresent', []);
        assert.equal(record.layerDirs.length, 2);
        const [lower, upper] = record.layerDirs as [string, string];
        const owned = await fsp.stat(join(lower, 'owned'));
        assert.deepEqual([owned.uid, owned.gid, owned.mode & 0o7777], [1234, 4321, 0o4750]);
        const whiteout = await fsp.lstat(join(upper, 'a/gone'));
        assert.ok(whiteout.isCharacterDevice() && whiteout.rdev === 0, 'whiteout is a 0/0 character device');
        assert.equal((await fsp.stat(join(upper, 'link'))).ino, (await fsp.stat(join(upper, 'd/new'))).ino);

        const merged = join(root, 'merged');
        const work = join(root, 'work');
        const upperRw = join(root, 'upper');
        await Promise.all([merged, work, upperRw].map((d) => fsp.mkdir(d)));
        await execFileAsync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${[...record.layerDirs].reverse().join(':')},upperdir=${upperRw},workdir=${work}`, merged]);
        try {
          assert.deepEqual((await fsp.readdir(join(merged, 'a'))).sort(), ['kept']);
          assert.deepEqual((await fsp.readdir(join(merged, 'd'))).sort(), ['new']);
          assert.equal(await fsp.readFile(join(merged, 'link'), 'utf8'), 'n');
          assert.equal(await fsp.readlink(join(merged, 'abs')), '/d/new');
        } finally {
          await execFileAsync('umount', [merged]);
        }
      });
    } finally {
      await fake.stop();
    }
  });

  test('a layer cannot write outside its directory', async () => {
    const fake = await startFakeRegistry();
    try {
      const escape = buildImage({ layers: [[{ path: 'evil', type: 'symlink', linkname: '/tmp' }, { path: 'evil/owned', content: 'x' }]] });
      const dotdot = buildImage({ layers: [[{ path: '../outside', content: 'x' }]] });
      fake.add('escape', 'v1', escape);
      fake.add('dotdot', 'v1', dotdot);
      await withStore(async (store) => {
        await rejectsWith(store.ensureImage(`${fake.host}/escape:v1`, 'IfNotPresent', []), 'ErrImagePull', /writes through a non-directory: evil/);
        await rejectsWith(store.ensureImage(`${fake.host}/dotdot:v1`, 'IfNotPresent', []), 'ErrImagePull', /escapes the root/);
      });
    } finally {
      await fake.stop();
    }
  });

  test('garbage collection removes unused images least recently used first', async () => {
    const fake = await startFakeRegistry();
    try {
      const images = ['one', 'two', 'three'].map((m) => simpleImage(m));
      images.forEach((image, i) => fake.add('app', `v${i + 1}`, image));
      let clock = 1000;
      await withStore(async (store, root) => {
        const refs = [1, 2, 3].map((i) => `${fake.host}/app:v${i}`);
        for (const ref of refs) {
          clock += 1000;
          await store.ensureImage(ref, 'IfNotPresent', []);
        }
        clock += 1000;
        await store.ensureImage(refs[0] ?? '', 'IfNotPresent', []); // v1 used most recently now
        const size = (await store.listImages())[0]?.sizeBytes ?? 0;
        // Room for two images; v3 is in use: v2, the least recently used unused one, goes.
        const result = await store.garbageCollectImages(new Set([refs[2] ?? '']), { maxBytes: size * 2 + 10 });
        assert.deepEqual(result.removed, [refs[1]]);
        assert.deepEqual((await store.listImages()).map((i) => i.ref).sort(), [refs[0], refs[2]].sort());
        assert.equal((await fsp.readdir(join(root, 'layers'))).length, 2);
        assert.ok(!(await fsp.readdir(join(root, 'blobs', 'sha256'))).includes(images[1]?.config.digest.slice(7) ?? ''));
        // Below the threshold: nothing to do.
        assert.deepEqual((await store.garbageCollectImages(new Set(), { maxBytes: size * 2 + 10 })).removed, []);
        assert.deepEqual((await store.garbageCollectImages(new Set(), { highPercent: 100, lowPercent: 99 })).removed, []);
        await store.removeImage(refs[0] ?? '');
        assert.deepEqual((await store.listImages()).map((i) => i.ref), [refs[2]]);
        assert.equal((await fsp.readdir(join(root, 'layers'))).length, 1);
      }, { now: () => clock });
    } finally {
      await fake.stop();
    }
  });

  test('the store survives a restart', async () => {
    const fake = await startFakeRegistry();
    const root = await fsp.mkdtemp(join(tmpdir(), 'skiff-images-test-'));
    try {
      fake.add('app', 'v1', simpleImage('persist'));
      const first = await ImageStore.open({ root });
      const record = await first.ensureImage(`${fake.host}/app:v1`, 'IfNotPresent', []);
      await first.close();
      const second = await ImageStore.open({ root });
      try {
        assert.deepEqual(await second.ensureImage(`${fake.host}/app:v1`, 'Never', []), record);
      } finally {
        await second.close();
      }
    } finally {
      await fake.stop();
      await fsp.rm(root, { recursive: true, force: true });
    }
  });
});
