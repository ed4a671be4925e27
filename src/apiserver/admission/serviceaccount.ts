// The ServiceAccount admission plugin (upstream plugin/pkg/admission/serviceaccount),
// create side: a pod runs as the "default" service account unless it names one, and
// unless it or its service account opts out, it gets the kube-api-access-<random>
// projected volume (a bound token, the cluster CA, the namespace) mounted read-only in
// every container at /var/run/secrets/kubernetes.io/serviceaccount. Pure.

import type { Container, Pod, ServiceAccount, Volume } from 'kubernetes-types/core/v1.js';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const DEFAULT_SERVICE_ACCOUNT = 'default';
/** Upstream's token lifetime for the projected volume: an hour plus seven seconds. */
const TOKEN_EXPIRATION_SECONDS = 3607;
// utilrand.String: consonants and digits that spell no words.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

// utilrand.String draws from math/rand, not a CSPRNG: the suffix only has to differ from
// the pod's other volume names (crypto.randomInt costs several times more per pod).
function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += ALPHABET[Math.floor(Math.random() * ALPHABET.length)];
  return out;
}

export function kubeApiAccessVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

function mountsTokenPath(container: Container): boolean {
  return (container.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH);
}

/**
 * The pod as admission leaves it on create. `account` is the pod's service account
 * when it exists (its automountServiceAccountToken is honoured). Mirror pods are left alone.
 */
export function admitServiceAccount<T extends Pod>(pod: T, account: ServiceAccount | undefined): T {
  if (pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined) return pod;
  const spec = { ...(pod.spec ?? { containers: [] }) };
  if (!spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount || DEFAULT_SERVICE_ACCOUNT;
  if (!spec.serviceAccount) spec.serviceAccount = spec.serviceAccountName;
  const automount = spec.automountServiceAccountToken ?? account?.automountServiceAccountToken ?? true;
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  if (automount && !containers.every(mountsTokenPath)) {
    const existing = new Set((spec.volumes ?? []).map((v) => v.name));
    let name = `kube-api-access-${randomSuffix()}`;
    while (existing.has(name)) name = `kube-api-access-${randomSuffix()}`;
    spec.volumes = [...(spec.volumes ?? []), kubeApiAccessVolume(name)];
    const withMount = (c: Container): Container =>
      mountsTokenPath(c) ? c : { ...c, volumeMounts: [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }] };
    spec.containers = (spec.containers ?? []).map(withMount);
    if (spec.initContainers) spec.initContainers = spec.initContainers.map(withMount);
  }
  return { ...pod, spec };
}
