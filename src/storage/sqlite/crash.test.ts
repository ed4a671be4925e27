// Kill -9 in the middle of a stream of writes: every acknowledged write must be there
// after reopening, and the file must pass SQLite's integrity check.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openSqliteStore } from './index.js';
import { valueFor } from './test-child.js';

const KILL_AFTER = 1000;

const dir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Ack {
  readonly revision: number;
  readonly key: string;
  readonly value: string;
}

/** Runs the writing child until it has acknowledged KILL_AFTER writes, then SIGKILLs it. */
function writeUntilKilled(path: string): Promise<Ack[]> {
  const child = fileURLToPath(new URL('./test-child.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, 'write', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Ack[] = [];
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`the writer acknowledged only ${acks.length} writes in 60 s; stderr: ${stderr}`));
    }, 60_000);
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Lines printed before the kill still arrive afterwards; all of them count.
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const [revision, key, value] = line.split(' ');
      acks.push({ revision: Number(revision), key: key!, value: value! });
      if (acks.length >= KILL_AFTER && !killed) {
        killed = true;
        proc.kill('SIGKILL');
      }
    });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`the writer ended with code ${code} before it was killed; stderr: ${stderr}`));
      else resolve(acks);
    });
  });
}

it('every write acknowledged before kill -9 survives, and the file is intact', async () => {
  const path = join(dir, 'state.db');
  const acks = await writeUntilKilled(path);
  assert.ok(acks.length >= KILL_AFTER);

  // The store itself recovers the WAL left behind by the killed process.
  const store = await openSqliteStore(path);
  try {
    const counters = new Map<string, Ack>();
    for (const ack of acks) {
      if (ack.key.includes('/counters/')) {
        counters.set(ack.key, ack);
        continue;
      }
      const { kv } = await store.get(ack.key);
      assert.ok(kv, `acknowledged write ${ack.key} at revision ${ack.revision} is missing`);
      assert.equal(kv.modRevision, ack.revision);
      assert.equal(Buffer.from(kv.value).toString(), ack.value);
      assert.equal(ack.value, valueFor(ack.key));
    }
    // A counter may have moved on by a write that committed but was not acknowledged.
    assert.ok(counters.size > 0);
    for (const ack of counters.values()) {
      const { kv } = await store.get(ack.key);
      assert.ok(kv && kv.modRevision >= ack.revision, `counter ${ack.key} lost its update at revision ${ack.revision}`);
      assert.ok(Number(Buffer.from(kv.value).toString()) >= Number(ack.value));
      if (kv.modRevision === ack.revision) assert.equal(Buffer.from(kv.value).toString(), ack.value);
    }
    const maxAcked = Math.max(...acks.map((a) => a.revision));
    const current = await store.currentRevision();
    assert.ok(current >= maxAcked);

    const check = new Database(path, { readonly: true });
    try {
      assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
      // Revisions are dense and end at the current one: no commit was half kept.
      const [rows, last] = check.prepare('SELECT count(*), max(revision) FROM log').raw().get() as [number, number];
      assert.equal(last, current);
      assert.equal(rows, current);
    } finally {
      check.close();
    }
    // And the store takes writes again.
    const next = await store.create('/registry/core/configmaps/after/crash', Buffer.from('ok'));
    assert.equal(next.modRevision, current + 1);
  } finally {
    await store.close();
  }
});
