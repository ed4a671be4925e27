// Discovery documents: legacy (/api, /apis, /api/v1, /apis/g/v) and aggregated
// (apidiscovery.k8s.io/v2 and v2beta1), built from the served resources.

import { createHash } from 'node:crypto';
import { GROUP_ORDER, type ResourceInfo } from '../api/resources.js';
import { acceptedVersion } from './media.js';

const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  finalize: ['update'],
  binding: ['create'],
  eviction: ['create'],
  token: ['create'],
  approval: ['get', 'patch', 'update'],
  ephemeralcontainers: ['get', 'patch', 'update'],
  resize: ['get', 'patch', 'update'],
  log: ['get'],
  exec: ['create', 'get'],
  attach: ['create', 'get'],
  portforward: ['create', 'get'],
  proxy: ['create', 'delete', 'get', 'patch', 'update'],
};

const SUBRESOURCE_KIND: Record<string, { group: string; version: string; kind: string }> = {
  scale: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  binding: { group: '', version: 'v1', kind: 'Binding' },
  eviction: { group: 'policy', version: 'v1', kind: 'Eviction' },
  token: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
  log: { group: '', version: 'v1', kind: 'Pod' },
  exec: { group: '', version: 'v1', kind: 'PodExecOptions' },
  attach: { group: '', version: 'v1', kind: 'PodAttachOptions' },
  portforward: { group: '', version: 'v1', kind: 'PodPortForwardOptions' },
};

function storageVersionHash(info: ResourceInfo): string {
  return createHash('sha256').update(`${info.group}/${info.version}/${info.kind}`).digest('base64').slice(0, 11);
}

function groupRank(group: string): number {
  const index = GROUP_ORDER.indexOf(group);
  return index < 0 ? GROUP_ORDER.length : index;
}

export interface GroupVersions {
  readonly group: string;
  /** Served versions, preferred first. */
  readonly versions: readonly string[];
}

/** Groups in kube-apiserver's order (built-ins by priority, then the rest by name). */
export function groupsOf(resources: readonly ResourceInfo[]): GroupVersions[] {
  const byGroup = new Map<string, string[]>();
  for (const r of resources) {
    const versions = byGroup.get(r.group) ?? [];
    if (!versions.includes(r.version)) versions.push(r.version);
    byGroup.set(r.group, versions);
  }
  return [...byGroup.entries()]
    .sort(([a], [b]) => groupRank(a) - groupRank(b) || a.localeCompare(b))
    .map(([group, versions]) => ({ group, versions: sortVersions(versions) }));
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first. */
export function sortVersions(versions: readonly string[]): string[] {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0];
    const stability = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stability, -Number(m[1]), -Number(m[3] ?? 0)];
  };
  return [...versions].sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2] || a.localeCompare(b);
  });
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(resources: readonly ResourceInfo[]): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groupsOf(resources)
      .filter((g) => g.group !== '')
      .map((g) => ({
        name: g.group,
        versions: g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${g.group}/${g.versions[0]}`, version: g.versions[0] },
      })),
  };
}

export function apiGroup(resources: readonly ResourceInfo[], group: string): object | undefined {
  const found = groupsOf(resources).find((g) => g.group === group);
  if (!found || group === '') return undefined;
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: group,
    versions: found.versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${group}/${found.versions[0]}`, version: found.versions[0] },
  };
}

export function apiResourceList(resources: readonly ResourceInfo[], group: string, version: string): object | undefined {
  const served = resources.filter((r) => r.group === group && r.version === version);
  if (served.length === 0) return undefined;
  const list: object[] = [];
  for (const r of [...served].sort((a, b) => a.plural.localeCompare(b.plural))) {
    list.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...r.verbs],
      ...(r.shortNames.length ? { shortNames: [...r.shortNames] } : {}),
      ...(r.categories.length ? { categories: [...r.categories] } : {}),
      ...(r.virtual ? {} : { storageVersionHash: storageVersionHash(r) }),
    });
    for (const sub of r.subresources) {
      const kind = SUBRESOURCE_KIND[sub];
      list.push({
        name: `${r.plural}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(kind && (kind.group !== group || kind.version !== version) ? { group: kind.group, version: kind.version } : {}),
        kind: kind?.kind ?? r.kind,
        verbs: SUBRESOURCE_VERBS[sub] ?? ['get'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: list };
}

function discoveryResource(r: ResourceInfo): object {
  return {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: [...r.verbs],
    ...(r.shortNames.length ? { shortNames: [...r.shortNames] } : {}),
    ...(r.categories.length ? { categories: [...r.categories] } : {}),
    ...(r.subresources.length
      ? {
          subresources: r.subresources.map((sub) => ({
            subresource: sub,
            responseKind: SUBRESOURCE_KIND[sub] ?? { group: r.group, version: r.version, kind: r.kind },
            verbs: SUBRESOURCE_VERBS[sub] ?? ['get'],
          })),
        }
      : {}),
  };
}

/** apidiscovery.k8s.io APIGroupDiscoveryList for /api (core) or /apis (the rest). */
export function aggregatedDiscovery(resources: readonly ResourceInfo[], core: boolean, version: 'v2' | 'v2beta1'): object {
  const groups = groupsOf(resources).filter((g) => (g.group === '') === core);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: g.group === '' ? {} : { name: g.group },
      versions: g.versions.map((v) => ({
        version: v,
        resources: resources
          .filter((r) => r.group === g.group && r.version === v)
          .sort((a, b) => a.plural.localeCompare(b.plural))
          .map(discoveryResource),
        freshness: 'Current',
      })),
    })),
  };
}

/** Which aggregated discovery version an Accept header asks for, if any. */
export function wantsAggregatedDiscovery(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  return acceptedVersion(accept, 'APIGroupDiscoveryList', 'apidiscovery.k8s.io', ['v2', 'v2beta1'] as const);
}
