import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Container, Pod, Service } from 'kubernetes-types/core/v1.js';
import { Resources } from '../../client/index.js';
import { checkLeaksAfterAll, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { ContainerConfigError, containerArgv, expandVars, resolveContainerEnv } from './index.js';

checkLeaksAfterAll();

const b64 = (text: string): string => Buffer.from(text).toString('base64');

function pod(containers: Container[], extra: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: { name: 'web-0', namespace: 'default', uid: 'uid-1', labels: { app: 'web', tier: 'front' }, annotations: { note: 'a"b' } },
    spec: { nodeName: 'node-a', serviceAccountName: 'default', containers, ...extra },
    status: { podIP: '10.1.0.5', podIPs: [{ ip: '10.1.0.5' }, { ip: 'fd00::5' }], hostIP: '192.0.2.1', hostIPs: [{ ip: '192.0.2.1' }] },
  };
}

const service = (namespace: string, name: string, clusterIP: string, ports: Service['spec'] extends infer S ? S extends { ports?: infer P } ? P : never : never): Service => ({
  metadata: { namespace, name },
  spec: { clusterIP, ports },
});

describe('expandVars', () => {
  it('follows upstream expansion rules', () => {
    const lookup = (name: string) => ({ A: 'x', B: 'y' })[name];
    assert.equal(expandVars('$(A)-$(B)', lookup), 'x-y');
    assert.equal(expandVars('$$(A)', lookup), '$(A)');
    assert.equal(expandVars('$(MISSING)', lookup), '$(MISSING)');
    assert.equal(expandVars('$(A', lookup), '$(A');
    assert.equal(expandVars('a$b$', lookup), 'a$b$');
    assert.equal(expandVars('$$$$', lookup), '$$');
  });
});

describe('containerArgv', () => {
  const image = { entrypoint: ['/entry'], cmd: ['--default'] };
  const env = [{ name: 'PORT', value: '8080' }];
  it('uses the image entrypoint and cmd by default', () => {
    assert.deepEqual(containerArgv({ name: 'c' }, image, env), ['/entry', '--default']);
  });
  it('lets args replace cmd', () => {
    assert.deepEqual(containerArgv({ name: 'c', args: ['--port=$(PORT)'] }, image, env), ['/entry', '--port=8080']);
  });
  it('lets command replace entrypoint and drop cmd', () => {
    assert.deepEqual(containerArgv({ name: 'c', command: ['/bin/sh', '-c', 'echo $$(PORT) $(PORT)'] }, image, env), ['/bin/sh', '-c', 'echo $(PORT) 8080']);
    assert.deepEqual(containerArgv({ name: 'c', command: ['/run'], args: ['a'] }, image, env), ['/run', 'a']);
  });
  it('works without an image config', () => {
    assert.deepEqual(containerArgv({ name: 'c', args: ['x'] }, undefined, []), ['x']);
  });
});

describe('resolveContainerEnv', () => {
  let cp: TestControlPlane;
  before(async () => {
    cp = await startControlPlane({ builtinControllers: false });
    await cp.client.create(Resources.configmaps, 'default', { metadata: { name: 'cfg' }, data: { MODE: 'fast', '1bad': 'x', LEVEL: '3' } });
    await cp.client.create(Resources.secrets, 'default', { metadata: { name: 'sec' }, data: { PASSWORD: b64('hunter2'), TOKEN: b64('t0k') } });
  });
  after(() => cp.close());

  const services: Service[] = [
    service('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
    service('default', 'redis-primary', '10.96.0.11', [{ port: 6379 }, { name: 'metrics', port: 9121, protocol: 'TCP' }]),
    service('default', 'headless', 'None', [{ port: 80 }]),
    service('other', 'elsewhere', '10.96.0.12', [{ port: 80 }]),
  ];
  const resolve = async (container: Container, spec: Partial<Pod['spec']> = {}) =>
    Object.fromEntries((await resolveContainerEnv(pod([container], spec), container, { client: cp.client, services, nodeAllocatable: { cpu: '2', memory: '4Gi' } })).map((e) => [e.name, e.value]));

  it('makes service link variables like kubelet', async () => {
    const env = await resolve({ name: 'c' });
    assert.equal(env.KUBERNETES_SERVICE_HOST, '10.96.0.1');
    assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
    assert.equal(env.KUBERNETES_SERVICE_PORT_HTTPS, '443');
    assert.equal(env.KUBERNETES_PORT, 'tcp://10.96.0.1:443');
    assert.equal(env.KUBERNETES_PORT_443_TCP_ADDR, '10.96.0.1');
    assert.equal(env.REDIS_PRIMARY_SERVICE_HOST, '10.96.0.11');
    assert.equal(env.REDIS_PRIMARY_SERVICE_PORT, '6379');
    assert.equal(env.REDIS_PRIMARY_SERVICE_PORT_METRICS, '9121');
    assert.equal(env.REDIS_PRIMARY_PORT_9121_TCP, 'tcp://10.96.0.11:9121');
    assert.equal(env.REDIS_PRIMARY_PORT_6379_TCP_PROTO, 'tcp');
    assert.equal(env.HEADLESS_SERVICE_HOST, undefined, 'headless services make no variables');
    assert.equal(env.ELSEWHERE_SERVICE_HOST, undefined, 'other namespaces make no variables');
  });

  it('keeps only the master service when service links are off', async () => {
    const env = await resolve({ name: 'c' }, { enableServiceLinks: false });
    assert.equal(env.KUBERNETES_SERVICE_HOST, '10.96.0.1');
    assert.equal(env.REDIS_PRIMARY_SERVICE_HOST, undefined);
  });

  it('resolves envFrom with prefixes, skips invalid names, and lets env override', async () => {
    const env = await resolve({
      name: 'c',
      envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'S_', secretRef: { name: 'sec' } }, { configMapRef: { name: 'absent', optional: true } }],
      env: [{ name: 'LEVEL', value: '$(LEVEL)0' }, { name: 'KUBERNETES_SERVICE_HOST', value: 'mine' }],
    });
    assert.equal(env.MODE, 'fast');
    assert.equal(env['1bad'], undefined);
    assert.equal(env.S_PASSWORD, 'hunter2');
    assert.equal(env.LEVEL, '30', 'env expands the earlier envFrom value');
    assert.equal(env.KUBERNETES_SERVICE_HOST, 'mine', 'declared variables win over service variables');
  });

  it('expands earlier variables and service variables but not later ones', async () => {
    const list = await resolveContainerEnv(
      pod([]),
      { name: 'c', env: [{ name: 'A', value: 'a' }, { name: 'B', value: '$(A)-$(C)-$(REDIS_PRIMARY_SERVICE_PORT)-$$(A)' }, { name: 'C', value: 'c' }] },
      { client: cp.client, services },
    );
    const env = Object.fromEntries(list.map((e) => [e.name, e.value]));
    assert.equal(env.B, 'a-$(C)-6379-$(A)');
    assert.deepEqual(list.slice(0, 3).map((e) => e.name), ['A', 'B', 'C'], 'declared order is kept, services after');
  });

  it('resolves valueFrom sources', async () => {
    const env = await resolve({
      name: 'c',
      resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { memory: '128Mi' } },
      env: [
        { name: 'CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
        { name: 'SEC', valueFrom: { secretKeyRef: { name: 'sec', key: 'TOKEN' } } },
        { name: 'OPT', valueFrom: { secretKeyRef: { name: 'sec', key: 'NOPE', optional: true } } },
        { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'LABELS', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
        { name: 'NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
        { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'POD_IPS', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } },
        { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'MEM_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'MEM_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.memory' } } },
      ],
    });
    assert.equal(env.CM, 'fast');
    assert.equal(env.SEC, 't0k');
    assert.equal('OPT' in env, false, 'a missing optional key sets nothing');
    assert.equal(env.NAME, 'web-0');
    assert.equal(env.NS, 'default');
    assert.equal(env.UID, 'uid-1');
    assert.equal(env.APP, 'web');
    assert.equal(env.LABELS, 'app="web"\ntier="front"');
    assert.equal(env.NOTE, 'a"b');
    assert.equal(env.NODE, 'node-a');
    assert.equal(env.SA, 'default');
    assert.equal(env.HOST_IP, '192.0.2.1');
    assert.equal(env.POD_IP, '10.1.0.5');
    assert.equal(env.POD_IPS, '10.1.0.5,fd00::5');
    assert.equal(env.CPU_REQ, '250');
    assert.equal(env.CPU_LIMIT, '2', 'an unset limit falls back to node allocatable');
    assert.equal(env.MEM_LIMIT, '128');
    assert.equal(env.MEM_REQ, String(64 * 1024 * 1024));
  });

  it('fails with CreateContainerConfigError messages like kubelet', async () => {
    const cases: Array<[Container, string]> = [
      [{ name: 'c', envFrom: [{ configMapRef: { name: 'absent' } }] }, 'configmap "absent" not found'],
      [{ name: 'c', envFrom: [{ secretRef: { name: 'nosecret' } }] }, 'secret "nosecret" not found'],
      [{ name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'NOPE' } } }] }, "couldn't find key NOPE in ConfigMap default/cfg"],
      [{ name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'sec', key: 'NOPE' } } }] }, "couldn't find key NOPE in Secret default/sec"],
      [{ name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }] }, 'secret "gone" not found'],
      [{ name: 'c', env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }] }, 'unsupported fieldPath: spec.bogus'],
    ];
    for (const [container, message] of cases) {
      await assert.rejects(resolve(container), (err: unknown) => {
        assert.ok(err instanceof ContainerConfigError);
        assert.equal(err.reason, 'CreateContainerConfigError');
        assert.equal(err.message, message);
        return true;
      });
    }
  });
});
