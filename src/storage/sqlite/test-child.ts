// A child process for the tests that need a process of their own:
//   open-close PATH   opens the store, writes once, closes it, and must then exit by itself
//   write PATH        writes forever with 16 concurrent writers (creates of new keys,
//                     and every few writes an update of the writer's counter key),
//                     printing "<revision> <key> <value>" for every write as soon as
//                     it is acknowledged
// stdout to a pipe is synchronous on Linux, so a printed line means the write had been
// acknowledged before the process could be killed.

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from './index.js';

const WRITERS = 16;

/** The value written to a new key (no spaces: the ack lines are space-separated). */
export function valueFor(key: string): string {
  return `value-of-${key}`;
}

async function openClose(path: string): Promise<void> {
  const store = await openSqliteStore(path);
  await store.create('/registry/core/pods/ns/a', Buffer.from('1'));
  await store.close();
}

async function writeForever(path: string): Promise<void> {
  const store = await openSqliteStore(path);
  const writer = async (id: number): Promise<void> => {
    const counter = `/registry/core/counters/crash/w${id}`;
    for (let n = 0; ; n++) {
      const key = `/registry/core/configmaps/crash/w${id}-${n}`;
      const kv = await store.create(key, Buffer.from(valueFor(key)));
      process.stdout.write(`${kv.modRevision} ${key} ${valueFor(key)}\n`);
      if (n % 4 === 3) {
        const updated = await store.guaranteedUpdate(counter, () => Buffer.from(String(n)), { ignoreNotFound: true });
        process.stdout.write(`${updated.modRevision} ${counter} ${n}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, id) => writer(id)));
}

function main(mode: string | undefined, path: string | undefined): void {
  if (!path) {
    process.stderr.write('usage: test-child.js open-close|write PATH\n');
    process.exit(2);
  }
  const run = mode === 'open-close' ? openClose(path) : mode === 'write' ? writeForever(path) : Promise.reject(new Error(`unknown mode ${mode}`));
  run.catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}

// Also imported by crash.test.ts for valueFor; only run when started as a script.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2], process.argv[3]);
}
