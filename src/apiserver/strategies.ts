// Per-kind strategies of the built-in resources: defaults, create/update
// preparation and validation, the way upstream's registry strategies behave.

import type { ResourceInfo } from '../api/resources.js';
import { validation } from '../machinery/index.js';
import { isObject, type KubeObject } from '../api/types.js';
import type { Strategy } from './registry/strategy.js';
import { customResourceDefinitionStrategy } from './crd/index.js';
import { addTemplateCreationTimestamps, applyDefaults, generateJobSelector } from '../api/defaults/index.js';
import { validate as validateKind, validateUpdate as validateKindUpdate } from '../api/validation/index.js';

/** DNS-1123 label rule (namespaces, service port names), with upstream's messages. */
export const dns1123LabelProblems = (name: string): string[] => validation.isDNS1123Label(name);

/** Names that only have to be valid path segments (events, RBAC objects). */
const pathSegmentProblems = (name: string): string[] => validation.isValidPathSegmentName(name);


const SPEC_KINDS = new Set([
  'apps/Deployment',
  'apps/ReplicaSet',
  'apps/DaemonSet',
  'batch/CronJob',
  '/ReplicationController',
  'autoscaling/HorizontalPodAutoscaler',
  'policy/PodDisruptionBudget',
  'networking.k8s.io/Ingress',
  'networking.k8s.io/NetworkPolicy',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'scheduling.k8s.io/PriorityClass',
]);

const namespaceStrategy: Strategy = {
  nameProblems: dns1123LabelProblems,
  defaults(obj) {
    const spec = isObject(obj.spec) ? obj.spec : {};
    if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
    obj.spec = spec;
  },
  prepareForCreate(obj) {
    obj.status = { phase: 'Active' };
    // Upstream labels every namespace with its own name.
    obj.metadata = { ...obj.metadata, labels: { ...(obj.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata!.name! } };
  },
  prepareForUpdate(obj) {
    obj.metadata = { ...obj.metadata, labels: { ...(obj.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata!.name! } };
  },
  fieldSelectors: { 'status.phase': (o) => String((o.status as { phase?: string } | undefined)?.phase ?? '') },
  pendingFinalization(obj) {
    const spec = isObject(obj.spec) ? obj.spec : {};
    return Array.isArray(spec.finalizers) && spec.finalizers.length > 0;
  },
  onMarkedForDeletion(obj) {
    obj.status = { ...(isObject(obj.status) ? obj.status : {}), phase: 'Terminating' };
  },
};

const podStrategy: Strategy = {
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending', qosClass: podQosClass(obj) };
  },
  gracefulDelete(obj, requested) {
    const spec = isObject(obj.spec) ? obj.spec : {};
    // Unscheduled pods have no kubelet to wait for.
    if (!spec.nodeName) return 0;
    const phase = isObject(obj.status) ? obj.status.phase : undefined;
    if (phase === 'Succeeded' || phase === 'Failed') return 0;
    if (requested !== undefined) return requested;
    return typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30;
  },
  fieldSelectors: {
    'spec.nodeName': (o) => String((o.spec as { nodeName?: string } | undefined)?.nodeName ?? ''),
    'spec.restartPolicy': (o) => String((o.spec as { restartPolicy?: string } | undefined)?.restartPolicy ?? ''),
    'spec.schedulerName': (o) => String((o.spec as { schedulerName?: string } | undefined)?.schedulerName ?? ''),
    'spec.serviceAccountName': (o) => String((o.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? ''),
    'spec.hostNetwork': (o) => String((o.spec as { hostNetwork?: boolean } | undefined)?.hostNetwork ?? false),
    'status.phase': (o) => String((o.status as { phase?: string } | undefined)?.phase ?? ''),
    'status.podIP': (o) => String((o.status as { podIP?: string } | undefined)?.podIP ?? ''),
    'status.nominatedNodeName': (o) => String((o.status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName ?? ''),
  },
};

/** Upstream's QoS class: Guaranteed, Burstable or BestEffort from requests and limits. */
export function podQosClass(pod: KubeObject): string {
  const spec = isObject(pod.spec) ? pod.spec : {};
  const containers = [...(Array.isArray(spec.initContainers) ? spec.initContainers : []), ...(Array.isArray(spec.containers) ? spec.containers : [])];
  let anyResource = false;
  let guaranteed = true;
  for (const c of containers) {
    const resources = isObject(c) && isObject(c.resources) ? c.resources : {};
    const requests = isObject(resources.requests) ? resources.requests : {};
    const limits = isObject(resources.limits) ? resources.limits : {};
    if (Object.keys(requests).length || Object.keys(limits).length) anyResource = true;
    for (const r of ['cpu', 'memory']) {
      if (limits[r] === undefined) guaranteed = false;
      else if (requests[r] !== undefined && String(requests[r]) !== String(limits[r])) guaranteed = false;
    }
  }
  if (!anyResource) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

const eventStrategy: Strategy = {
  allowCreateOnUpdate: true,
  nameProblems: pathSegmentProblems,
  fieldSelectors: {
    'involvedObject.kind': (o) => String((o.involvedObject as { kind?: string } | undefined)?.kind ?? ''),
    'involvedObject.namespace': (o) => String((o.involvedObject as { namespace?: string } | undefined)?.namespace ?? ''),
    'involvedObject.name': (o) => String((o.involvedObject as { name?: string } | undefined)?.name ?? ''),
    'involvedObject.uid': (o) => String((o.involvedObject as { uid?: string } | undefined)?.uid ?? ''),
    'involvedObject.apiVersion': (o) => String((o.involvedObject as { apiVersion?: string } | undefined)?.apiVersion ?? ''),
    'involvedObject.resourceVersion': (o) => String((o.involvedObject as { resourceVersion?: string } | undefined)?.resourceVersion ?? ''),
    'involvedObject.fieldPath': (o) => String((o.involvedObject as { fieldPath?: string } | undefined)?.fieldPath ?? ''),
    reason: (o) => String(o.reason ?? ''),
    reportingComponent: (o) => String(o.reportingComponent ?? ''),
    source: (o) => String((o.source as { component?: string } | undefined)?.component ?? ''),
    type: (o) => String(o.type ?? ''),
  },
};

const RBAC_NAMES: Partial<Strategy> = { nameProblems: pathSegmentProblems };

/** Adds the kind's upstream defaults and validation (src/api/defaults, src/api/validation). */
function withKindRules(info: ResourceInfo, strategy: Strategy): Strategy {
  const { group, version, kind } = info;
  return {
    ...strategy,
    defaults(obj) {
      applyDefaults(group, version, kind, obj);
      addTemplateCreationTimestamps(group, kind, obj);
      strategy.defaults?.(obj);
    },
    validate(obj) {
      return [...validateKind(group, version, kind, obj).map((e) => e.toCause()), ...(strategy.validate?.(obj) ?? [])];
    },
    validateUpdate(obj, old) {
      return [...validateKindUpdate(group, version, kind, obj, old).map((e) => e.toCause()), ...(strategy.validateUpdate?.(obj, old) ?? strategy.validate?.(obj) ?? [])];
    },
  };
}

const jobStrategy: Strategy = {
  generationTracksSpec: true,
  prepareForCreate(obj) {
    delete obj.status;
    generateJobSelector(obj);
    // Copies the generated template labels onto the Job, as upstream's re-defaulting does.
    applyDefaults('batch', 'v1', 'Job', obj);
  },
};

const TEMPLATE_GENERATION = 'deprecated.daemonset.template.generation';

/** The template generation upstream keeps in an annotation on apps/v1 DaemonSets. */
function withTemplateGeneration(obj: KubeObject, generation: number): void {
  obj.metadata = { ...obj.metadata, annotations: { ...(obj.metadata?.annotations ?? {}), [TEMPLATE_GENERATION]: String(generation) } };
}

const daemonSetStrategy: Strategy = {
  generationTracksSpec: true,
  prepareForCreate(obj) {
    withTemplateGeneration(obj, 1);
  },
  prepareForUpdate(obj, old) {
    const previous = Number(old.metadata?.annotations?.[TEMPLATE_GENERATION] ?? '1') || 1;
    const template = (o: KubeObject) => JSON.stringify(isObject(o.spec) ? o.spec.template : undefined);
    withTemplateGeneration(obj, template(obj) === template(old) ? previous : previous + 1);
  },
};

export function strategyFor(info: ResourceInfo): Strategy {
  return withKindRules(info, baseStrategyFor(info));
}

function baseStrategyFor(info: ResourceInfo): Strategy {
  const id = `${info.group}/${info.kind}`;
  switch (id) {
    case '/Namespace':
      return namespaceStrategy;
    case '/Pod':
      return podStrategy;
    case '/Event':
    case 'events.k8s.io/Event':
      return eventStrategy;
    case '/Node':
      return {
        allowCreateOnUpdate: false,
        // A kubelet registers its node with status (capacity, addresses) in one create.
        prepareForCreate() {},
        fieldSelectors: { 'spec.unschedulable': (o) => String((o.spec as { unschedulable?: boolean } | undefined)?.unschedulable ?? false) },
      };
    case '/Secret':
      return { fieldSelectors: { type: (o) => String(o.type ?? '') } };
    case 'batch/Job':
      return jobStrategy;
    case 'apps/DaemonSet':
      return daemonSetStrategy;
    case 'apps/StatefulSet':
      return { generationTracksSpec: true, nameProblems: dns1123LabelProblems };
    case 'apiextensions.k8s.io/CustomResourceDefinition':
      return customResourceDefinitionStrategy();
    case 'coordination.k8s.io/Lease':
      return { allowCreateOnUpdate: false };
    case 'rbac.authorization.k8s.io/Role':
    case 'rbac.authorization.k8s.io/ClusterRole':
    case 'rbac.authorization.k8s.io/RoleBinding':
    case 'rbac.authorization.k8s.io/ClusterRoleBinding':
      return RBAC_NAMES;
    default:
      return SPEC_KINDS.has(id) ? { generationTracksSpec: true } : {};
  }
}
