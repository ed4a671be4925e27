// Defaults shared by `skiff server`'s local node and `skiff agent`.

import { networkInterfaces } from 'node:os';
import { validateLogRotationPolicy, type LogRotationPolicy } from '../kubelet/logs/index.js';
import { isParseError, parseQuantity } from '../machinery/quantity/index.js';

export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
/** kube-dns's ClusterIP, the tenth address of the default service CIDR (10.96.0.0/12), as kubeadm picks. */
export const CLUSTER_DNS_IP = '10.96.0.10';

export { defaultNodeName } from '../kubelet/agent/index.js';

/** The first non-loopback IPv4 address of this host (kubelet picks the default route's); 127.0.0.1 if none. */
export function defaultNodeIP(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return '127.0.0.1';
}

/** kubelet's --container-log-max-size (a quantity, 10Mi) and --container-log-max-files (5). */
export function logRotationFromFlags(maxSize: string, maxFiles: string): LogRotationPolicy {
  const size = parseQuantity(maxSize);
  if (isParseError(size)) throw new Error(`--container-log-max-size: not a quantity: ${maxSize}`);
  const policy = { maxSizeBytes: size.valueNumber(), maxFiles: Number(maxFiles) };
  const invalid = validateLogRotationPolicy(policy);
  if (invalid) throw new Error(`--container-log-max-size/--container-log-max-files: ${invalid}`);
  return policy;
}
