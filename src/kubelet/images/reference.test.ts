import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { formatReference, isLoopbackRegistry, parseReference } from './index.js';

checkLeaksAfterAll();

const DIGEST = `sha256:${'a'.repeat(64)}`;

test('references normalize as docker does', () => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['user/app:v1', 'docker.io/user/app:v1'],
    ['index.docker.io/user/app', 'docker.io/user/app:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/app:v2', 'localhost:5000/app:v2'],
    ['127.0.0.1:5000/a/b/c:t', '127.0.0.1:5000/a/b/c:t'],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause:3.9'],
    [`busybox@${DIGEST}`, `docker.io/library/busybox@${DIGEST}`],
    [`busybox:1.36@${DIGEST}`, `docker.io/library/busybox:1.36@${DIGEST}`],
  ];
  for (const [input, want] of cases) {
    const parsed = parseReference(input);
    assert.ok(parsed.ok, `${input}: ${parsed.ok ? '' : parsed.message}`);
    assert.equal(formatReference(parsed.ref), want, input);
  }
});

test('invalid references give the kubelet/docker message', () => {
  const upper = parseReference('BUSYBOX');
  assert.deepEqual(upper, { ok: false, message: 'couldn\'t parse image reference "BUSYBOX": invalid reference format: repository name must be lowercase' });
  for (const bad of ['', 'busybox:', 'a b', 'busybox@sha256:xyz', ':tag', 'repo//x', '-x/y']) {
    const parsed = parseReference(bad);
    assert.equal(parsed.ok, false, bad);
  }
});

test('loopback registries are detected', () => {
  assert.ok(isLoopbackRegistry('127.0.0.1:5000'));
  assert.ok(isLoopbackRegistry('127.1.2.3'));
  assert.ok(isLoopbackRegistry('localhost:5000'));
  assert.ok(isLoopbackRegistry('[::1]:5000'));
  assert.ok(!isLoopbackRegistry('docker.io'));
  assert.ok(!isLoopbackRegistry('10.0.0.1:5000'));
});
