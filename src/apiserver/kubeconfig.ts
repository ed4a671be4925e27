// The admin kubeconfig `skiff server` writes to DATA_DIR/kubeconfig.yaml.

import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { KeyPairPem } from './pki.js';

export interface KubeconfigOptions {
  readonly server: string;
  readonly caPem: string;
  readonly client: KeyPairPem;
  readonly cluster?: string;
  readonly user?: string;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

export function kubeconfigYaml(options: KubeconfigOptions): string {
  const cluster = options.cluster ?? 'skiff';
  const user = options.user ?? 'skiff-admin';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: options.server, 'certificate-authority-data': b64(options.caPem) } }],
    users: [{ name: user, user: { 'client-certificate-data': b64(options.client.certPem), 'client-key-data': b64(options.client.keyPem) } }],
    contexts: [{ name: cluster, context: { cluster, user } }],
    'current-context': cluster,
    preferences: {},
  });
}

/** Writes the kubeconfig readable by its owner only (it holds a client key). */
export function writeKubeconfig(path: string, options: KubeconfigOptions): void {
  writeFileSync(path, kubeconfigYaml(options), { mode: 0o600 });
}
