// `skiff server`: brings the cluster up on this machine, step by step.

import { mkdirSync } from 'node:fs';
import { openDatastore, parseDatastoreUrl } from '../storage/index.js';
import { datastoreUrl } from './datastore.js';

export interface ServerOptions {
  readonly dataDir: string;
  readonly datastore?: string;
  readonly httpsPort: string;
  readonly runtime: string;
}

function step(message: string): void {
  process.stdout.write(`skiff: ${message}\n`);
}

export async function runServer(options: ServerOptions): Promise<void> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const url = datastoreUrl(options.dataDir, options.datastore);
  const spec = parseDatastoreUrl(url);
  step(`opening datastore ${spec.kind === 'etcd' ? spec.endpoints.join(',') : url}`);
  const store = await openDatastore(url, {
    onCompactionError: (err) => process.stderr.write(`skiff: compaction failed (will retry): ${String(err)}\n`),
  });
  step(`datastore ready: ${store.name} at revision ${await store.currentRevision()}`);
  step('the Kubernetes API server is not part of this build yet; serving the datastore only (Ctrl-C stops)');

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      step(`${signal}: shutting down`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await store.close();
  step('stopped');
}
