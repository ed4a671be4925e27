import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, beforeEach, describe, it } from 'node:test';
import { checkLeaksAfterAll } from '../../testing/leaks.js';
import { ContainerLogManager, rotationTimestamp, validateLogRotationPolicy, type LogRuntime } from './index.js';

checkLeaksAfterAll();

const root = mkdtempSync(join(tmpdir(), 'skiff-logrotation-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A runtime whose one container "writes" to its log; reopen starts a new file, as conmon does. */
function fakeRuntime(logPath: string, state = 'running'): LogRuntime & { reopened: number; failReopen: boolean } {
  const runtime = {
    reopened: 0,
    failReopen: false,
    async listContainers() {
      return [{ id: 'c1', state, logPath }];
    },
    async reopenContainerLog(id: string) {
      assert.equal(id, 'c1');
      if (runtime.failReopen) throw new Error('container is not running');
      runtime.reopened++;
      writeFileSync(logPath, '');
    },
  };
  return runtime;
}

describe('ContainerLogManager', () => {
  let dir: string;
  let logPath: string;
  let clock: number;
  const now = () => new Date(clock);
  beforeEach(() => {
    dir = mkdtempSync(join(root, 'c-'));
    logPath = join(dir, '0.log');
    clock = Date.parse('2026-11-29T05:00:00Z');
  });

  it('formats rotation timestamps as kubelet does (20060102-150405)', () => {
    assert.equal(rotationTimestamp(new Date('2026-01-02T03:04:05.678Z')), '20260102-030405');
  });

  it('refuses fewer than two files or a non-positive size', () => {
    assert.match(validateLogRotationPolicy({ maxSizeBytes: 1024, maxFiles: 1 }) ?? '', /at least 2/);
    assert.match(validateLogRotationPolicy({ maxSizeBytes: 0, maxFiles: 5 }) ?? '', /positive/);
    assert.equal(validateLogRotationPolicy({ maxSizeBytes: 1024, maxFiles: 2 }), undefined);
  });

  it('leaves a log under the limit alone', async () => {
    writeFileSync(logPath, 'x'.repeat(99));
    const runtime = fakeRuntime(logPath);
    const manager = new ContainerLogManager({ runtime, policy: { maxSizeBytes: 100, maxFiles: 3 }, now, onError: (err) => assert.fail(String(err)) });
    await manager.rotateLogs();
    assert.equal(runtime.reopened, 0);
    assert.deepEqual(readdirSync(dir), ['0.log']);
  });

  it('rotates a full log, keeps maxFiles files and compresses all but the newest rotation', async () => {
    const runtime = fakeRuntime(logPath);
    const manager = new ContainerLogManager({ runtime, policy: { maxSizeBytes: 100, maxFiles: 3 }, now, onError: (err) => assert.fail(String(err)) });
    for (let round = 0; round < 4; round++) {
      appendFileSync(logPath, `round ${round}\n`.padEnd(120, '.'));
      await manager.rotateLogs();
      clock += 60_000;
    }
    assert.equal(runtime.reopened, 4);
    // The current file plus two rotated ones: the oldest rounds are gone.
    assert.deepEqual(readdirSync(dir).sort(), ['0.log', '0.log.20261129-050200.gz', '0.log.20261129-050300']);
    assert.match(gunzipSync(readFileSync(join(dir, '0.log.20261129-050200.gz'))).toString(), /^round 2/);
    assert.match(readFileSync(join(dir, '0.log.20261129-050300'), 'utf8'), /^round 3/);
    assert.equal(readFileSync(logPath, 'utf8'), '');
  });

  it('puts the log back when the runtime cannot reopen it', async () => {
    writeFileSync(logPath, 'y'.repeat(200));
    const runtime = fakeRuntime(logPath);
    runtime.failReopen = true;
    const errors: string[] = [];
    const manager = new ContainerLogManager({ runtime, policy: { maxSizeBytes: 100, maxFiles: 3 }, now, onError: (err) => errors.push(String(err)) });
    await manager.rotateLogs();
    assert.deepEqual(readdirSync(dir), ['0.log']);
    assert.equal(readFileSync(logPath, 'utf8').length, 200);
    assert.match(errors.join('\n'), /not running/);
  });

  it('skips containers that are not running and removes leftovers of an interrupted compression', async () => {
    writeFileSync(logPath, 'z'.repeat(200));
    const exited = fakeRuntime(logPath, 'exited');
    const manager = new ContainerLogManager({ runtime: exited, policy: { maxSizeBytes: 100, maxFiles: 3 }, now, onError: (err) => assert.fail(String(err)) });
    await manager.rotateLogs();
    assert.equal(exited.reopened, 0);
    writeFileSync(join(dir, '0.log.20261129-040000.gz.tmp'), 'partial');
    writeFileSync(join(dir, '0.log.20261129-030000'), 'done');
    writeFileSync(join(dir, '0.log.20261129-030000.gz'), 'done');
    const running = fakeRuntime(logPath);
    await new ContainerLogManager({ runtime: running, policy: { maxSizeBytes: 100, maxFiles: 5 }, now, onError: (err) => assert.fail(String(err)) }).rotateLogs();
    assert.deepEqual(readdirSync(dir).sort(), ['0.log', '0.log.20261129-030000.gz', '0.log.20261129-050000']);
    assert.equal(existsSync(join(dir, '0.log.20261129-040000.gz.tmp')), false);
  });

  it('runs on its interval until stopped', async () => {
    writeFileSync(logPath, 'w'.repeat(200));
    const runtime = fakeRuntime(logPath);
    const manager = new ContainerLogManager({ runtime, policy: { maxSizeBytes: 100, maxFiles: 3 }, intervalMs: 10, now, onError: (err) => assert.fail(String(err)) });
    manager.start();
    for (const deadline = Date.now() + 5000; runtime.reopened === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
    await manager.stop();
    assert.equal(runtime.reopened, 1);
  });
});
