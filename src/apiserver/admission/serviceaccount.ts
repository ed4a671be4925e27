// The ServiceAccount admission plugin (upstream plugin/pkg/admission/serviceaccount),
// create side: a pod runs as the "default" service account unless it names one, and
// unless it or its service account opts out, it gets the kube-api-access-<random>
// projected volume (a bound token, the cluster CA, the namespace) mounted read-only in
// every container at /var/run/secrets/kubernetes.io/serviceaccount, and it takes the
// account's imagePullSecrets unless it has its own. A pod whose service account does
// not exist is refused (getServiceAccount: the cache, then live reads). No I/O of its own.

import type { Container, Pod, ServiceAccount, Volume } from 'kubernetes-types/core/v1.js';
import { newForbidden, newNotFound, type StatusError } from '../status.js';
import { copyMembers, withOverrides } from '../../machinery/index.js';

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

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** Mirror pods (the API's view of a kubelet's static pods) are not given a service account. */
export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined;
}

/** The service account a pod runs as, once admitted. */
export function serviceAccountNameOf(pod: Pod): string {
  return pod.spec?.serviceAccountName || pod.spec?.serviceAccount || DEFAULT_SERVICE_ACCOUNT;
}

export interface ServiceAccountReads {
  /** From the cache (upstream: the informer's lister); may lag behind storage. */
  cached(namespace: string, name: string): Promise<ServiceAccount | undefined>;
  /** From storage (upstream: a GET through the client). */
  live(namespace: string, name: string): Promise<ServiceAccount | undefined>;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/**
 * Upstream's getServiceAccount: the cache first, then live reads; the `default`
 * account is read up to ten times, 100-200 ms apart, since its controller creates it
 * moments after the namespace. Undefined when it does not exist.
 */
export async function getServiceAccount(reads: ServiceAccountReads, namespace: string, name: string): Promise<ServiceAccount | undefined> {
  const cached = await reads.cached(namespace, name);
  if (cached) return cached;
  const attempts = name === DEFAULT_SERVICE_ACCOUNT ? 10 : 1;
  const intervalMs = 100 + Math.floor((reads.random ?? Math.random)() * 100);
  const sleep = reads.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await sleep(intervalMs);
    const live = await reads.live(namespace, name);
    if (live) return live;
  }
  return undefined;
}

/**
 * admission.NewForbidden for a missing service account: named by the pod's name, else
 * its generateName (names are generated after admission), else "Unknown".
 */
export function serviceAccountNotFound(pod: Pod, namespace: string, name: string): StatusError {
  const podName = pod.metadata?.name || pod.metadata?.generateName || 'Unknown';
  const notFound = newNotFound({ group: '', resource: 'serviceaccount' }, name);
  return newForbidden({ group: '', resource: 'pods' }, podName, `error looking up service account ${namespace}/${name}: ${notFound.message}`);
}

/**
 * The pod as admission leaves it on create. `account` is the pod's service account
 * (its automountServiceAccountToken and imagePullSecrets are honoured; undefined only
 * when the lookup was skipped). Mirror pods are left alone.
 */
export function admitServiceAccount<T extends Pod>(pod: T, account: ServiceAccount | undefined): T {
  if (isMirrorPod(pod)) return pod;
  // Copied member by member (not spread): members are added to it (see machinery/objects.ts).
  const spec = copyMembers(pod.spec ?? { containers: [] });
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
      mountsTokenPath(c) ? c : withOverrides(c, { volumeMounts: [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }] });
    spec.containers = (spec.containers ?? []).map(withMount);
    if (spec.initContainers) spec.initContainers = spec.initContainers.map(withMount);
  }
  if (!spec.imagePullSecrets?.length && account?.imagePullSecrets?.length) {
    spec.imagePullSecrets = account.imagePullSecrets.map((s) => ({ name: s.name ?? '' }));
  }
  return { ...pod, spec };
}
