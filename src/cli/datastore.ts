// `skiff datastore status`: what a datastore holds, without starting a server.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { KEY_ROOT, openBackendStore, parseDatastoreUrl, type Store } from '../storage/index.js';

/** The --datastore URL, or the default sqlite file in the data dir. */
export function datastoreUrl(dataDir: string, datastore: string | undefined): string {
  return datastore ?? `sqlite://${resolve(join(dataDir, 'state.db'))}`;
}

export interface DatastoreStatus {
  datastore: string;
  backend: string;
  revision: number;
  compactedRevision: number;
  keys: number;
  resources: Array<{ group: string; resource: string; keys: number }>;
}

async function collectStatus(url: string, store: Store): Promise<DatastoreStatus> {
  const counts = new Map<string, number>();
  let keys = 0;
  let token: string | undefined;
  const revision = await store.currentRevision();
  do {
    const page = await store.list(KEY_ROOT, { limit: 1000, ...(token ? { continue: token } : {}), ...(token ? {} : { revision }) });
    for (const kv of page.items) {
      const [group = '', resource = ''] = kv.key.slice(KEY_ROOT.length).split('/');
      const id = `${group}/${resource}`;
      counts.set(id, (counts.get(id) ?? 0) + 1);
      keys++;
    }
    token = page.continue;
  } while (token);
  const resources = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, n]) => {
    const [group = '', resource = ''] = id.split('/');
    return { group, resource, keys: n };
  });
  return { datastore: url, backend: store.name, revision, compactedRevision: await store.compactedRevision(), keys, resources };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows.map((row) => row.map((cell, col) => cell.padEnd(widths[col]!)).join('   ').trimEnd()).join('\n') + '\n';
}

export async function datastoreStatus(options: { dataDir: string; datastore?: string; output: 'table' | 'json' | 'yaml' }): Promise<number> {
  const url = datastoreUrl(options.dataDir, options.datastore);
  const spec = parseDatastoreUrl(url);
  if (spec.kind === 'sqlite' && !existsSync(spec.path)) {
    process.stderr.write(`error: no datastore at ${spec.path} (start one with \`skiff server --data-dir DIR\`, or pass --datastore URL)\n`);
    return 1;
  }
  const store = await openBackendStore(spec);
  try {
    const status = await collectStatus(url, store);
    if (options.output === 'json') process.stdout.write(JSON.stringify(status, null, 2) + '\n');
    else if (options.output === 'yaml') process.stdout.write(stringify(status));
    else {
      process.stdout.write(
        `Datastore:           ${status.datastore}\nBackend:             ${status.backend}\nRevision:            ${status.revision}\n` +
          `Compacted revision:  ${status.compactedRevision}\nKeys:                ${status.keys}\n\n`,
      );
      const rows = [['GROUP', 'RESOURCE', 'KEYS'], ...status.resources.map((r) => [r.group, r.resource, String(r.keys)])];
      process.stdout.write(table(rows));
    }
    return 0;
  } finally {
    await store.close();
  }
}
