import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { FakeClock, Resources } from '../../client/index.js';
import { checkLeaksAfterAll, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { ContainerConfigError } from '../env/index.js';
import { VolumeManager, VolumeSetupError, containerMounts, type MountedVolume } from './index.js';
import { mountPoints } from './host.js';

checkLeaksAfterAll();

const root = process.getuid?.() === 0;
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const mode = (path: string): number => statSync(path).mode & 0o777;

describe('VolumeManager', () => {
  let cp: TestControlPlane;
  let dir: string;
  let podsDir: string;
  let manager: VolumeManager;
  const clock = new FakeClock(Date.now());
  const set: string[] = [];

  before(async () => {
    cp = await startControlPlane({ builtinControllers: false });
    dir = mkdtempSync(join(tmpdir(), 'skiff-volumes-'));
    podsDir = join(dir, 'pods');
    manager = new VolumeManager({ client: cp.client, podsDir, nodeName: 'node-a', clock });
    await cp.client.create(Resources.serviceaccounts, 'default', { metadata: { name: 'default' } });
    await cp.client.create(Resources.nodes, '', { metadata: { name: 'node-a' }, status: { allocatable: { cpu: '4', memory: '8Gi' } } });
    await cp.client.create(Resources.configmaps, 'default', { metadata: { name: 'app-config' }, data: { 'app.conf': 'v1', other: 'o' } });
    await cp.client.create(Resources.configmaps, 'default', { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\n' } });
    await cp.client.create(Resources.secrets, 'default', { metadata: { name: 'creds' }, data: { username: b64('admin'), password: b64('s3cret') } });
  });
  after(async () => {
    for (const uid of set) await manager.tearDownPod(uid);
    await cp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function createPod(name: string, volumes: Volume[], extra: Partial<Pod['spec']> = {}): Promise<Pod> {
    const pod = await cp.client.create<Pod & KubeObject>(Resources.pods, 'default', {
      metadata: { name, labels: { app: 'web', tier: 'front' }, annotations: { build: '7' } },
      spec: {
        serviceAccountName: 'default',
        nodeName: 'node-a',
        containers: [{ name: 'main', image: 'busybox', resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { memory: '128Mi' } } }],
        volumes,
        ...extra,
      },
    });
    set.push(pod.metadata!.uid!);
    return pod;
  }
  const setUp = async (pod: Pod): Promise<ReadonlyMap<string, MountedVolume>> => manager.setUpPod(pod);

  it('makes emptyDirs', async () => {
    const pod = await createPod('empty', [{ name: 'scratch', emptyDir: {} }, { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }]);
    const volumes = await setUp(pod);
    const scratch = volumes.get('scratch')!;
    assert.equal(scratch.hostPath, join(podsDir, pod.metadata!.uid!, 'volumes/kubernetes.io~empty-dir/scratch'));
    assert.equal(mode(scratch.hostPath), 0o777);
    assert.equal(scratch.readOnly, false);
    writeFileSync(join(scratch.hostPath, 'kept'), 'x');
    await setUp(pod);
    assert.ok(existsSync(join(scratch.hostPath, 'kept')), 'a second setUp keeps the contents');
    const mem = volumes.get('mem')!.hostPath;
    assert.equal((await mountPoints()).includes(mem), root, root ? 'memory emptyDir is a tmpfs' : 'without root it is a directory');
    await manager.tearDownPod(pod.metadata!.uid!);
    assert.equal(existsSync(join(podsDir, pod.metadata!.uid!)), false);
    assert.equal((await mountPoints()).some((p) => p.startsWith(podsDir)), false, 'nothing stays mounted');
  });

  it('writes configMaps atomically and shows updates through ..data', async () => {
    const pod = await createPod('cm', [
      { name: 'all', configMap: { name: 'app-config' } },
      { name: 'some', configMap: { name: 'app-config', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }], defaultMode: 0o640 } },
      { name: 'missing-ok', configMap: { name: 'absent', optional: true } },
    ]);
    const volumes = await setUp(pod);
    const all = volumes.get('all')!;
    assert.equal(all.readOnly, true);
    assert.equal(readFileSync(join(all.hostPath, 'app.conf'), 'utf8'), 'v1');
    assert.equal(lstatSync(join(all.hostPath, 'app.conf')).isSymbolicLink(), true);
    assert.equal(readlinkSync(join(all.hostPath, 'app.conf')), '..data/app.conf');
    const firstTarget = readlinkSync(join(all.hostPath, '..data'));
    assert.match(firstTarget, /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./);
    assert.equal(mode(join(all.hostPath, 'app.conf')), 0o644);
    const some = volumes.get('some')!.hostPath;
    assert.equal(readFileSync(join(some, 'conf/app.conf'), 'utf8'), 'v1');
    assert.equal(mode(join(some, 'conf/app.conf')), 0o600);
    assert.equal(existsSync(join(some, 'other')), false);

    await setUp(pod);
    assert.equal(readlinkSync(join(all.hostPath, '..data')), firstTarget, 'unchanged contents are not rewritten');

    const current = await cp.client.get<KubeObject>(Resources.configmaps, 'default', 'app-config');
    await cp.client.update(Resources.configmaps, 'default', { ...current, data: { 'app.conf': 'v2' } });
    await setUp(pod);
    assert.equal(readFileSync(join(all.hostPath, 'app.conf'), 'utf8'), 'v2');
    assert.notEqual(readlinkSync(join(all.hostPath, '..data')), firstTarget);
    assert.equal(existsSync(join(all.hostPath, firstTarget)), false, 'the old timestamped dir is removed');
    assert.equal(existsSync(join(all.hostPath, 'other')), false, 'removed keys disappear');
  });

  it('reports missing configMaps, secrets and keys as FailedMount', async () => {
    const cases: Array<[Volume, string]> = [
      [{ name: 'x', configMap: { name: 'nope' } }, 'MountVolume.SetUp failed for volume "x" : configmap "nope" not found'],
      [{ name: 'y', secret: { secretName: 'nope' } }, 'MountVolume.SetUp failed for volume "y" : secret "nope" not found'],
      [{ name: 'z', configMap: { name: 'app-config', items: [{ key: 'k', path: 'k' }] } }, 'MountVolume.SetUp failed for volume "z" : configmap references non-existent config key: k'],
      [{ name: 'w', secret: { secretName: 'creds', items: [{ key: 'k', path: 'k' }] } }, 'MountVolume.SetUp failed for volume "w" : references non-existent secret key: k'],
    ];
    for (const [volume, message] of cases) {
      const pod = await createPod(`fail-${volume.name}`, [volume]);
      await assert.rejects(setUp(pod), (err: unknown) => err instanceof VolumeSetupError && err.message === message && err.volumeName === volume.name);
    }
  });

  it('writes secrets with their modes, on tmpfs as root', async () => {
    const pod = await createPod('secret', [
      { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
      { name: 'default-mode', secret: { secretName: 'creds', items: [{ key: 'password', path: 'pw' }] } },
    ]);
    const volumes = await setUp(pod);
    const creds = volumes.get('creds')!.hostPath;
    assert.equal(readFileSync(join(creds, 'password'), 'utf8'), 's3cret');
    assert.equal(mode(join(creds, 'password')), 0o400);
    assert.equal(mode(join(volumes.get('default-mode')!.hostPath, 'pw')), 0o644);
    assert.equal((await mountPoints()).includes(creds), root);
  });

  it('projects downward API fields and resources', async () => {
    const pod = await createPod('downward', [
      {
        name: 'info',
        downwardAPI: {
          items: [
            { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'app', fieldRef: { fieldPath: "metadata.labels['app']" } },
            { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } },
            { path: 'cpu_limit', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu' } },
            { path: 'mem_limit', resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' } },
            { path: 'cpu_request', resourceFieldRef: { containerName: 'main', resource: 'requests.cpu', divisor: '1m' } },
          ],
        },
      },
    ]);
    const info = (await setUp(pod)).get('info')!.hostPath;
    const read = (name: string) => readFileSync(join(info, name), 'utf8');
    assert.equal(read('name'), 'downward');
    assert.equal(read('labels'), 'app="web"\ntier="front"');
    assert.equal(read('app'), 'web');
    assert.equal(read('uid'), pod.metadata!.uid);
    assert.equal(read('cpu_limit'), '4', 'unset limits come from node allocatable');
    assert.equal(read('mem_limit'), '128');
    assert.equal(read('cpu_request'), '250');
    const relabeled = structuredClone(pod);
    relabeled.metadata!.labels = { app: 'api' };
    await setUp(relabeled);
    assert.equal(read('labels'), 'app="api"');
  });

  it('projects a bound service account token, the root CA and the namespace (kube-api-access)', async () => {
    const pod = await createPod('token', [
      {
        name: 'kube-api-access-abcde',
        projected: {
          defaultMode: 0o644,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
    ]);
    const access = (await setUp(pod)).get('kube-api-access-abcde')!;
    assert.equal(access.readOnly, true);
    const token = readFileSync(join(access.hostPath, 'token'), 'utf8');
    const user = await cp.server.tokens.verify(token);
    assert.equal(user?.name, 'system:serviceaccount:default:default', 'the API server accepts the token');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number; 'kubernetes.io': { pod: { uid: string } } };
    assert.equal(claims['kubernetes.io'].pod.uid, pod.metadata!.uid, 'bound to the pod');
    assert.equal(claims.exp - claims.iat, 3607);
    assert.equal(readFileSync(join(access.hostPath, 'namespace'), 'utf8'), 'default');
    assert.match(readFileSync(join(access.hostPath, 'ca.crt'), 'utf8'), /BEGIN CERTIFICATE/);

    await setUp(pod);
    assert.equal(readFileSync(join(access.hostPath, 'token'), 'utf8'), token, 'a fresh token is kept');
    clock.advance(3607 * 800 + 1000);
    await setUp(pod);
    assert.notEqual(readFileSync(join(access.hostPath, 'token'), 'utf8'), token, 'refreshed after 80% of its life');
  });

  it('checks hostPath types', async () => {
    const hostDir = join(dir, 'host');
    mkdirSync(hostDir);
    writeFileSync(join(hostDir, 'file'), 'f');
    const socketPath = join(hostDir, 'sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const good = await createPod('hostpath', [
        { name: 'made-dir', hostPath: { path: join(hostDir, 'new/dir'), type: 'DirectoryOrCreate' } },
        { name: 'made-file', hostPath: { path: join(hostDir, 'new-file'), type: 'FileOrCreate' } },
        { name: 'dir', hostPath: { path: hostDir, type: 'Directory' } },
        { name: 'file', hostPath: { path: join(hostDir, 'file'), type: 'File' } },
        { name: 'socket', hostPath: { path: socketPath, type: 'Socket' } },
        { name: 'untyped', hostPath: { path: join(hostDir, 'anything') } },
      ]);
      const volumes = await setUp(good);
      assert.equal(volumes.get('dir')!.hostPath, hostDir);
      assert.ok(statSync(join(hostDir, 'new/dir')).isDirectory());
      assert.ok(statSync(join(hostDir, 'new-file')).isFile());
      const cases: Array<[Volume, string]> = [
        [{ name: 'a', hostPath: { path: join(hostDir, 'file'), type: 'Directory' } }, `hostPath type check failed: ${join(hostDir, 'file')} is not a directory`],
        [{ name: 'b', hostPath: { path: hostDir, type: 'File' } }, `hostPath type check failed: ${hostDir} is not a file`],
        [{ name: 'c', hostPath: { path: join(hostDir, 'file'), type: 'Socket' } }, `hostPath type check failed: ${join(hostDir, 'file')} is not a socket file`],
        [{ name: 'd', hostPath: { path: join(hostDir, 'absent'), type: 'Directory' } }, `hostPath type check failed: ${join(hostDir, 'absent')} is not a directory`],
      ];
      for (const [volume, problem] of cases) {
        const pod = await createPod(`hostpath-${volume.name}`, [volume]);
        await assert.rejects(setUp(pod), { message: `MountVolume.SetUp failed for volume "${volume.name}" : ${problem}` });
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('tears down every pod on the node at once (cleanup), tmpfs mounts included', async () => {
    const secret = await createPod('all-a', [{ name: 'creds', secret: { secretName: 'creds' } }]);
    const memory = await createPod('all-b', [{ name: 'mem', emptyDir: { medium: 'Memory' } }]);
    await setUp(secret);
    await setUp(memory);
    await manager.tearDownAllPods();
    for (const pod of [secret, memory]) assert.equal(existsSync(join(podsDir, pod.metadata!.uid!)), false);
    assert.equal((await mountPoints()).some((p) => p.startsWith(podsDir + '/')), false, 'nothing stays mounted');
  });

  it('mounts a bound PVC at its PV path', async () => {
    const pvPath = join(dir, 'local-path', `pvc-${randomBytes(3).toString('hex')}`);
    await cp.client.create(Resources.persistentvolumes, '', {
      metadata: { name: 'pv-data' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: pvPath, type: 'DirectoryOrCreate' }, storageClassName: 'local-path' },
    });
    const claim = await cp.client.create<KubeObject>(Resources.persistentvolumeclaims, 'default', {
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local-path' },
    });
    const pod = await createPod('pvc', [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]);
    // Upstream's registry sets phase Pending on create; the message names whatever phase there is.
    await assert.rejects(setUp(pod), { message: /^error processing PVC default\/data: PVC default\/data has non-bound phase \("(Pending)?"\) or empty pvc.Spec.VolumeName \(""\)$/ });
    const bound = await cp.client.update<KubeObject>(Resources.persistentvolumeclaims, 'default', { ...claim, spec: { ...(claim.spec as object), volumeName: 'pv-data' } });
    await cp.client.update(Resources.persistentvolumeclaims, 'default', { ...bound, status: { phase: 'Bound' } }, { subresource: 'status' });
    const volumes = await setUp(pod);
    assert.equal(volumes.get('data')!.hostPath, pvPath);
    assert.ok(statSync(pvPath).isDirectory(), 'the PV directory is created on the node');
    const missing = await createPod('pvc-missing', [{ name: 'data', persistentVolumeClaim: { claimName: 'ghost' } }]);
    await assert.rejects(setUp(missing), { message: 'error processing PVC default/ghost: failed to fetch PVC from API server: persistentvolumeclaims "ghost" not found' });
  });
});

describe('containerMounts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-mounts-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const volumes = new Map<string, MountedVolume>([
    ['data', { hostPath: join(dir, 'data'), readOnly: false }],
    ['config', { hostPath: join(dir, 'config'), readOnly: true }],
  ]);
  const pod: Pod = { metadata: { name: 'web-0', namespace: 'default', uid: 'u1' }, spec: { containers: [] } };
  const podDir = join(dir, 'pod');

  it('maps volumeMounts, subPath, subPathExpr and the termination log', () => {
    const mounts = containerMounts(
      pod,
      {
        name: 'main',
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        volumeMounts: [
          { name: 'data', mountPath: '/data' },
          { name: 'data', mountPath: '/logs', subPath: 'logs', readOnly: true },
          { name: 'data', mountPath: '/mine', subPathExpr: 'pods/$(POD_NAME)' },
          { name: 'config', mountPath: '/etc/app' },
        ],
      },
      volumes,
      podDir,
    );
    assert.deepEqual(mounts, [
      { containerPath: '/data', hostPath: join(dir, 'data'), readOnly: false },
      { containerPath: '/logs', hostPath: join(dir, 'data/logs'), readOnly: true },
      { containerPath: '/mine', hostPath: join(dir, 'data/pods/web-0'), readOnly: false },
      { containerPath: '/etc/app', hostPath: join(dir, 'config'), readOnly: true },
      { containerPath: '/dev/termination-log', hostPath: join(podDir, 'containers/main/termination-log'), readOnly: false },
    ]);
    assert.ok(statSync(join(dir, 'data/pods/web-0')).isDirectory());
    assert.equal(statSync(join(podDir, 'containers/main/termination-log')).mode & 0o777, 0o666);
    const custom = containerMounts(pod, { name: 'side', terminationMessagePath: '/tmp/msg' }, volumes, podDir, []);
    assert.deepEqual(custom, [{ containerPath: '/tmp/msg', hostPath: join(podDir, 'containers/side/termination-log'), readOnly: false }]);
  });

  it('fails like kubelet on bad mounts', () => {
    const bad = (volumeMounts: { name: string; mountPath: string; subPath?: string; subPathExpr?: string }[], env?: { name: string; value: string }[]) =>
      assert.throws(() => containerMounts(pod, { name: 'main', volumeMounts }, volumes, podDir, env), ContainerConfigError);
    bad([{ name: 'nope', mountPath: '/x' }]);
    bad([{ name: 'data', mountPath: '/x', subPath: '../escape' }]);
    bad([{ name: 'data', mountPath: '/x', subPath: '/abs' }]);
    bad([{ name: 'data', mountPath: '/x', subPathExpr: '$(UNSET)' }], []);
  });
});
