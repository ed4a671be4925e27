// `skiff token create|list`: bootstrap tokens for joining nodes (kubeadm token).

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/types.js';
import { BOOTSTRAP_TOKEN_NAMESPACE, bootstrapTokenSecret, generateBootstrapToken } from '../apiserver/index.js';
import { HttpClient, Resources, loadKubeconfig, type HttpClientOptions } from '../client/index.js';
import { caCertHash } from '../pki/index.js';

function adminClient(dataDir: string): { client: HttpClient; options: HttpClientOptions } {
  const kubeconfig = join(resolve(dataDir), 'kubeconfig.yaml');
  if (!existsSync(kubeconfig)) throw new Error(`no kubeconfig at ${kubeconfig}; start a cluster with \`skiff server --data-dir ${dataDir}\``);
  const options = loadKubeconfig(kubeconfig);
  return { client: new HttpClient({ ...options, component: 'skiff-token' }), options };
}

/** "24h", "90m", "3600s", "0" (never expires) -> seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(h|m|s)?$/.exec(text.trim());
  if (!match) throw new Error(`--ttl: not a duration (like 24h, 30m, 0): ${text}`);
  return Number(match[1]) * ({ h: 3600, m: 60, s: 1 }[match[2] ?? 's'] ?? 1);
}

export async function createToken(options: { dataDir: string; ttl: string; description?: string; printJoinCommand?: boolean }): Promise<void> {
  const ttlSeconds = parseDuration(options.ttl);
  const { client, options: connection } = adminClient(options.dataDir);
  try {
    const token = generateBootstrapToken();
    await client.create(Resources.secrets, BOOTSTRAP_TOKEN_NAMESPACE, bootstrapTokenSecret(token, { ttlSeconds, ...(options.description ? { description: options.description } : {}) }) as KubeObject);
    const text = `${token.id}.${token.secret}`;
    if (!options.printJoinCommand) {
      process.stdout.write(`${text}\n`);
      return;
    }
    const ca = connection.ca ? String(connection.ca) : '';
    const hash = ca ? ` --ca-cert-hash ${caCertHash(ca)}` : '';
    process.stdout.write(`skiff agent --server ${connection.server} --token ${text}${hash}\n`);
  } finally {
    client.close();
  }
}

export async function listTokens(options: { dataDir: string }): Promise<void> {
  const { client } = adminClient(options.dataDir);
  try {
    const list = await client.list<Secret & KubeObject>(Resources.secrets, BOOTSTRAP_TOKEN_NAMESPACE, { fieldSelector: 'type=bootstrap.kubernetes.io/token' });
    const decode = (s: Secret, k: string) => (s.data?.[k] ? Buffer.from(s.data[k]!, 'base64').toString('utf8') : '');
    const rows = [['TOKEN', 'TTL', 'EXPIRES', 'DESCRIPTION']];
    for (const secret of list.items) {
      const expires = decode(secret, 'expiration');
      const left = expires ? Math.max(0, Math.round((Date.parse(expires) - Date.now()) / 3600_000)) : undefined;
      rows.push([`${decode(secret, 'token-id')}.<hidden>`, left === undefined ? '<forever>' : `${left}h`, expires || '<never>', decode(secret, 'description') || '<none>']);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const row of rows) process.stdout.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('')}\n`);
  } finally {
    client.close();
  }
}
