// Which pods back which Services, as the Endpoints and EndpointSlice controllers
// decide it (k8s.io/endpointslice/util): membership by selector, inclusion rules,
// port resolution, and the last-change-trigger-time bookkeeping. Pure.

import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { labels } from '../../machinery/index.js';
import { isPodReady, isPodTerminal, parseTime, podReadyCondition } from '../common/index.js';

/** v1.EndpointsLastChangeTriggerTime. */
export const LAST_CHANGE_TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';
/** v1.IsHeadlessService: set on Endpoints and EndpointSlices of headless Services. */
export const HEADLESS_SERVICE_LABEL = 'service.kubernetes.io/headless';

/** ShouldPodBeInEndpoints: not terminal, has an IP, and (unless includeTerminating) not being deleted. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !(pod.status?.podIPs?.length ?? 0)) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** ShouldSetHostname: the pod names itself (hostname) under this Service (subdomain). */
export function shouldSetHostname(pod: Pod, service: Service): boolean {
  return Boolean(pod.spec?.hostname) && pod.spec?.subdomain === service.metadata?.name && service.metadata?.namespace === pod.metadata?.namespace;
}

/** helper.IsServiceIPSet: a cluster IP other than None. */
export function isServiceIPSet(service: Service): boolean {
  const ip = service.spec?.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None';
}

/**
 * FindPort: the container port a Service port targets: a number as is, a name looked
 * up among the pod's container (and sidecar) ports with the same protocol.
 */
export function findPort(pod: Pod, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  const protocol = servicePort.protocol ?? 'TCP';
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const container of [...(pod.spec?.containers ?? []), ...sidecars]) {
    for (const port of container.ports ?? []) {
      if (port.name === target && (port.protocol ?? 'TCP') === protocol) return port.containerPort;
    }
  }
  return undefined;
}

/** The pod's IPs: status.podIPs, or status.podIP when only that is set. */
export function podIPs(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => Boolean(ip));
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

export function isIPv6(ip: string): boolean {
  return ip.includes(':');
}

/** The IP family a Service's endpoints use: its first ipFamily, else the family of its cluster IP (or of the pod's IP when headless). */
export function serviceIPFamily(service: Service, pod?: Pod): 'IPv4' | 'IPv6' {
  const first = service.spec?.ipFamilies?.[0];
  if (first === 'IPv4' || first === 'IPv6') return first;
  if (isServiceIPSet(service)) return isIPv6(service.spec!.clusterIP!) ? 'IPv6' : 'IPv4';
  const ip = pod?.status?.podIP;
  return ip && isIPv6(ip) ? 'IPv6' : 'IPv4';
}

/** A Service's spec.selector as a selector; undefined for a nil selector (which selects nothing). */
export function serviceSelector(service: Service): labels.LabelSelector | undefined {
  const selector = service.spec?.selector;
  if (selector === undefined || selector === null) return undefined;
  return labels.selectorFromSet(selector);
}

function serviceKey(service: Service): string {
  return `${service.metadata?.namespace ?? ''}/${service.metadata?.name ?? ''}`;
}

/** getServicesForPod: keys of the namespace's Services whose selector matches the labels. */
export function servicesMatching(services: readonly Service[], podLabels: Readonly<Record<string, string>>): Set<string> {
  const keys = new Set<string>();
  for (const service of services) {
    if (serviceSelector(service)?.matches(podLabels)) keys.add(serviceKey(service));
  }
  return keys;
}

/** podEndpointsChanged: [whether the pod's endpoint may differ, whether its Service membership may differ]. */
function podEndpointsChanged(old: Pod, cur: Pod): [boolean, boolean] {
  const labelsChanged = !labels.equalLabels(old.metadata?.labels, cur.metadata?.labels) || old.spec?.hostname !== cur.spec?.hostname || old.spec?.subdomain !== cur.spec?.subdomain;
  if (old.metadata?.deletionTimestamp !== cur.metadata?.deletionTimestamp) return [true, labelsChanged];
  if (isPodReady(old) !== isPodReady(cur)) return [true, labelsChanged];
  if (podIPs(old).join(',') !== podIPs(cur).join(',')) return [true, labelsChanged];
  // Endpoints also carry the pod's phase-dependent inclusion; a pod turning terminal must leave them.
  if (isPodTerminal(old) !== isPodTerminal(cur)) return [true, labelsChanged];
  return [false, labelsChanged];
}

/** GetServicesToUpdateOnPodChange: the Service keys a pod update concerns. */
export function servicesToUpdateOnPodChange(services: readonly Service[], old: Pod, cur: Pod): Set<string> {
  if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return new Set();
  const [podChanged, labelsChanged] = podEndpointsChanged(old, cur);
  if (!podChanged && !labelsChanged) return new Set();
  const current = servicesMatching(services, cur.metadata?.labels ?? {});
  if (!labelsChanged) return current;
  const previous = servicesMatching(services, old.metadata?.labels ?? {});
  if (podChanged) return new Set([...current, ...previous]);
  // Only the labels changed: the Services gained or lost, not the ones kept.
  const changed = new Set<string>();
  for (const key of current) if (!previous.has(key)) changed.add(key);
  for (const key of previous) if (!current.has(key)) changed.add(key);
  return changed;
}

/** time.RFC3339Nano of an instant in ms: fractional seconds only when non-zero, trailing zeros trimmed. */
export function rfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.replace(/\.(\d{3})Z$/, (_m, frac: string) => (frac === '000' ? 'Z' : `.${frac.replace(/0+$/, '')}Z`));
}

interface ServiceState {
  lastServiceTriggerTime: number;
  lastPodTriggerTimes: Map<string, number>;
}

/**
 * TriggerTimeTracker: the EndpointsLastChangeTriggerTime of a sync: the Service's
 * creation on its first sync, later the earliest pod Ready transition (or Service
 * change) not seen at the previous sync; undefined when nothing changed.
 */
export class TriggerTimeTracker {
  private readonly states = new Map<string, ServiceState>();

  compute(service: Service, pods: readonly Pod[]): number | undefined {
    const key = serviceKey(service);
    const state = this.states.get(key);
    let minChanged: number | undefined;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const at = parseTime(podReadyCondition(pod)?.lastTransitionTime);
      if (at === undefined) continue;
      const name = pod.metadata?.name ?? '';
      podTimes.set(name, at);
      if (at > (state?.lastPodTriggerTimes.get(name) ?? Number.NEGATIVE_INFINITY)) minChanged = Math.min(minChanged ?? at, at);
    }
    const serviceTime = parseTime(service.metadata?.creationTimestamp) ?? 0;
    if (serviceTime > (state?.lastServiceTriggerTime ?? Number.NEGATIVE_INFINITY)) minChanged = Math.min(minChanged ?? serviceTime, serviceTime);
    this.states.set(key, { lastServiceTriggerTime: serviceTime, lastPodTriggerTimes: podTimes });
    if (!state) return parseTime(service.metadata?.creationTimestamp);
    return minChanged;
  }

  deleteService(namespace: string, name: string): void {
    this.states.delete(`${namespace}/${name}`);
  }
}
