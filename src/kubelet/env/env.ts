// kubelet's makeEnvironmentVariables: service links, envFrom, then env (with $(VAR)
// expansion of what came before and of service variables), in upstream's precedence.

import type { ConfigMap, Container, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { Resources, isNotFound, type ApiClient } from '../../client/index.js';
import { expandVars } from './argv.js';
import { podContainerResourceValue, podFieldValue, type PodRuntimeIPs } from './fieldpath.js';

export interface EnvVarValue {
  readonly name: string;
  readonly value: string;
}

export interface EnvSources extends PodRuntimeIPs {
  readonly client: ApiClient;
  /** Services to make link variables from: the pod's namespace and `kubernetes` in default (others are ignored). */
  readonly services: readonly Service[];
  /** The node's allocatable resources: what resourceFieldRef limits fall back to when unset. */
  readonly nodeAllocatable?: Readonly<Record<string, string>>;
}

/** Why a container cannot be created yet; the pod waits with this reason and message. */
export class ContainerConfigError extends Error {
  readonly reason = 'CreateContainerConfigError';
}

// Upstream's IsEnvVarName (without RelaxedEnvironmentVariableValidation).
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

const serviceEnvName = (name: string): string => name.replaceAll('-', '_').toUpperCase();

const isServiceIPSet = (service: Service): boolean => {
  const ip = service.spec?.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None';
};

const joinHostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** pkg/kubelet/envvars.FromServices for one service. */
function serviceVariables(service: Service): EnvVarValue[] {
  const prefix = serviceEnvName(service.metadata?.name ?? '');
  const clusterIP = service.spec?.clusterIP ?? '';
  const ports = service.spec?.ports ?? [];
  const vars: EnvVarValue[] = [{ name: `${prefix}_SERVICE_HOST`, value: clusterIP }];
  if (ports.length > 0) vars.push({ name: `${prefix}_SERVICE_PORT`, value: String(ports[0]!.port) });
  for (const port of ports) {
    if (port.name) vars.push({ name: `${prefix}_SERVICE_PORT_${serviceEnvName(port.name)}`, value: String(port.port) });
  }
  // Docker-link compatible variables.
  ports.forEach((port, i) => {
    const protocol = (port.protocol ?? 'TCP').toLowerCase();
    const url = `${protocol}://${joinHostPort(clusterIP, port.port)}`;
    if (i === 0) vars.push({ name: `${prefix}_PORT`, value: url });
    const portPrefix = `${prefix}_PORT_${port.port}_${protocol.toUpperCase()}`;
    vars.push(
      { name: portPrefix, value: url },
      { name: `${portPrefix}_PROTO`, value: protocol },
      { name: `${portPrefix}_PORT`, value: String(port.port) },
      { name: `${portPrefix}_ADDR`, value: clusterIP },
    );
  });
  return vars;
}

/** kubelet's getServiceEnvVarMap: the master service always, the pod's namespace when links are enabled. */
export function serviceEnvironment(pod: Pod, services: readonly Service[]): Map<string, string> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const enableLinks = pod.spec?.enableServiceLinks ?? true;
  const chosen = new Map<string, Service>();
  for (const service of services) {
    if (!isServiceIPSet(service)) continue;
    const name = service.metadata?.name ?? '';
    if (service.metadata?.namespace === 'default' && name === 'kubernetes') {
      if (!chosen.has(name)) chosen.set(name, service);
    } else if (service.metadata?.namespace === namespace && enableLinks) {
      chosen.set(name, service);
    }
  }
  const env = new Map<string, string>();
  for (const service of [...chosen.values()].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) {
    for (const v of serviceVariables(service)) env.set(v.name, v.value);
  }
  return env;
}

const decodeSecretValue = (value: string): string => Buffer.from(value, 'base64').toString('utf8');

/** Reads ConfigMaps and Secrets of the pod's namespace once per resolution. */
class ObjectSource {
  private readonly configMaps = new Map<string, Promise<ConfigMap | undefined>>();
  private readonly secrets = new Map<string, Promise<Secret | undefined>>();
  constructor(
    private readonly client: ApiClient,
    private readonly namespace: string,
  ) {}

  /** undefined when missing; throws ContainerConfigError on other failures. */
  configMap(name: string): Promise<ConfigMap | undefined> {
    let found = this.configMaps.get(name);
    if (!found) this.configMaps.set(name, (found = this.fetch<ConfigMap>(Resources.configmaps, name)));
    return found;
  }

  secret(name: string): Promise<Secret | undefined> {
    let found = this.secrets.get(name);
    if (!found) this.secrets.set(name, (found = this.fetch<Secret>(Resources.secrets, name)));
    return found;
  }

  private async fetch<T extends ConfigMap | Secret>(type: typeof Resources.configmaps | typeof Resources.secrets, name: string): Promise<T | undefined> {
    try {
      return await this.client.get<T & KubeObject>(type, this.namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new ContainerConfigError(err instanceof Error ? err.message : String(err));
    }
  }
}

const notFound = (kind: 'configmap' | 'secret', name: string): ContainerConfigError => new ContainerConfigError(`${kind} "${name}" not found`);

export async function resolveContainerEnv(pod: Pod, container: Container, sources: EnvSources): Promise<{ name: string; value: string }[]> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const objects = new ObjectSource(sources.client, namespace);
  const serviceEnv = serviceEnvironment(pod, sources.services);
  // Declared variables in order; a later declaration of a name replaces the value in place.
  const declared = new Map<string, string>();

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? '';
      const configMap = await objects.configMap(name);
      if (!configMap) {
        if (from.configMapRef.optional) continue;
        throw notFound('configmap', name);
      }
      for (const [key, value] of Object.entries(configMap.data ?? {})) {
        // Invalid names are skipped (upstream records an InvalidEnvironmentVariableNames event).
        if (ENV_VAR_NAME.test(prefix + key)) declared.set(prefix + key, value);
      }
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const secret = await objects.secret(name);
      if (!secret) {
        if (from.secretRef.optional) continue;
        throw notFound('secret', name);
      }
      for (const [key, value] of Object.entries(secret.data ?? {})) {
        if (ENV_VAR_NAME.test(prefix + key)) declared.set(prefix + key, decodeSecretValue(value));
      }
    }
  }

  const lookup = (name: string): string | undefined => declared.get(name) ?? serviceEnv.get(name);
  for (const envVar of container.env ?? []) {
    let value = envVar.value ?? '';
    const from = envVar.valueFrom;
    if (value !== '') {
      value = expandVars(value, lookup);
    } else if (from?.fieldRef) {
      const result = podFieldValue(pod, from.fieldRef.fieldPath, sources);
      if (result instanceof Error) throw new ContainerConfigError(result.message);
      value = result;
    } else if (from?.resourceFieldRef) {
      const result = podContainerResourceValue(from.resourceFieldRef, pod, container, sources.nodeAllocatable);
      if (result instanceof Error) throw new ContainerConfigError(result.message);
      value = result;
    } else if (from?.configMapKeyRef) {
      const { name = '', key, optional } = from.configMapKeyRef;
      const configMap = await objects.configMap(name);
      if (!configMap) {
        if (optional) continue;
        throw notFound('configmap', name);
      }
      const found = configMap.data?.[key];
      if (found === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`);
      }
      value = found;
    } else if (from?.secretKeyRef) {
      const { name = '', key, optional } = from.secretKeyRef;
      const secret = await objects.secret(name);
      if (!secret) {
        if (optional) continue;
        throw notFound('secret', name);
      }
      const found = secret.data?.[key];
      if (found === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in Secret ${namespace}/${name}`);
      }
      value = decodeSecretValue(found);
    }
    declared.set(envVar.name, value);
  }

  const result = [...declared].map(([name, value]) => ({ name, value }));
  // Service variables come last and never override declared ones.
  for (const [name, value] of serviceEnv) if (!declared.has(name)) result.push({ name, value });
  return result;
}
