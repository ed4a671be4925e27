// Printers of apps, batch, autoscaling and policy kinds.

import { humanDuration } from './duration.js';
import {
  age,
  arr,
  containerCells,
  formatLabelSelector,
  formatLabels,
  get,
  int,
  intOrString,
  isObj,
  isSet,
  labelSelectorString,
  meta,
  name,
  obj,
  objs,
  optBool,
  optNum,
  optStr,
  parseTime,
  since,
  str,
  type Obj,
} from './format.js';
import { canonicalQuantity } from './quantity.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column, docColumn, printer, type Printer } from './types.js';

/** spec.replicas as read back from storage: v1 defaulting makes a missing one 1. */
function replicas(spec: Obj): number {
  return Math.trunc(optNum(spec.replicas) ?? 1);
}

function templateContainers(spec: Obj): [string, string] {
  return containerCells(get(spec, 'template', 'spec', 'containers'));
}

// ---------------------------------------------------------------------------
// apps

export const deploymentPrinter: Printer = printer(
  [
    NAME_COLUMN,
    column('Ready', 'string', 'Number of the pod with ready state'),
    docColumn('Up-to-date', 'string', 'DeploymentStatus.updatedReplicas'),
    docColumn('Available', 'string', 'DeploymentStatus.availableReplicas'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    docColumn('Selector', 'string', 'DeploymentSpec.selector', { priority: 1 }),
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    const status = obj(o, 'status');
    const [names, images] = templateContainers(spec);
    const selector = labelSelectorString(spec.selector) ?? '<invalid>';
    return [name(o), `${int(status.readyReplicas)}/${replicas(spec)}`, int(status.updatedReplicas), int(status.availableReplicas), age(o, now), names, images, selector];
  },
);

export const replicaSetPrinter: Printer = printer(
  [
    NAME_COLUMN,
    docColumn('Desired', 'integer', 'ReplicaSetSpec.replicas'),
    docColumn('Current', 'integer', 'ReplicaSetStatus.replicas'),
    docColumn('Ready', 'integer', 'ReplicaSetStatus.readyReplicas'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    docColumn('Selector', 'string', 'ReplicaSetSpec.selector', { priority: 1 }),
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    const status = obj(o, 'status');
    const [names, images] = templateContainers(spec);
    return [name(o), replicas(spec), int(status.replicas), int(status.readyReplicas), age(o, now), names, images, formatLabelSelector(spec.selector)];
  },
);

export const statefulSetPrinter: Printer = printer(
  [NAME_COLUMN, column('Ready', 'string', 'Number of the pod with ready state'), AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN],
  (o, now) => {
    const spec = obj(o, 'spec');
    const [names, images] = templateContainers(spec);
    return [name(o), `${int(get(o, 'status', 'readyReplicas'))}/${replicas(spec)}`, age(o, now), names, images];
  },
);

export const daemonSetPrinter: Printer = printer(
  [
    NAME_COLUMN,
    docColumn('Desired', 'integer', 'DaemonSetStatus.desiredNumberScheduled'),
    docColumn('Current', 'integer', 'DaemonSetStatus.currentNumberScheduled'),
    docColumn('Ready', 'integer', 'DaemonSetStatus.numberReady'),
    docColumn('Up-to-date', 'integer', 'DaemonSetStatus.updatedNumberScheduled'),
    docColumn('Available', 'integer', 'DaemonSetStatus.numberAvailable'),
    docColumn('Node Selector', 'string', 'PodSpec.nodeSelector'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    docColumn('Selector', 'string', 'DaemonSetSpec.selector', { priority: 1 }),
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    const status = obj(o, 'status');
    const [names, images] = templateContainers(spec);
    return [
      name(o),
      int(status.desiredNumberScheduled),
      int(status.currentNumberScheduled),
      int(status.numberReady),
      int(status.updatedNumberScheduled),
      int(status.numberAvailable),
      formatLabels(get(spec, 'template', 'spec', 'nodeSelector')),
      age(o, now),
      names,
      images,
      formatLabelSelector(spec.selector),
    ];
  },
);

/** formatResourceName(GroupKind of the controller, name, withKind): `daemonset.apps/foo`. */
function controllerName(o: Obj): string {
  const ref = objs(meta(o).ownerReferences).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const apiVersion = str(ref.apiVersion);
  const slash = apiVersion.indexOf('/');
  const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
  const kind = str(ref.kind);
  const refName = str(ref.name);
  if (group === '' && kind === '') return refName;
  const groupKind = group === '' ? kind : `${kind}.${group}`;
  return `${groupKind.toLowerCase()}/${refName}`;
}

export const controllerRevisionPrinter: Printer = printer(
  [NAME_COLUMN, column('Controller', 'string', 'Controller of the object'), docColumn('Revision', 'string', 'ControllerRevision.revision'), AGE_COLUMN],
  (o, now) => [name(o), controllerName(o), int(o.revision), age(o, now)],
);

// ---------------------------------------------------------------------------
// batch

/** hasJobCondition: the first condition of the type decides. */
function jobCondition(status: Obj, type: string): boolean {
  const cond = objs(status.conditions).find((c) => c.type === type);
  return cond?.status === 'True';
}

export const jobPrinter: Printer = printer(
  [
    NAME_COLUMN,
    column('Status', 'string', 'Status of the job.'),
    docColumn('Completions', 'string', 'JobStatus.succeeded'),
    column('Duration', 'string', 'Time required to complete the job.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    docColumn('Selector', 'string', 'JobSpec.selector', { priority: 1 }),
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    const status = obj(o, 'status');
    const succeeded = int(status.succeeded);
    const completions = optNum(spec.completions);
    let done: string;
    if (completions !== undefined) {
      done = `${succeeded}/${Math.trunc(completions)}`;
    } else {
      const parallelism = Math.trunc(optNum(spec.parallelism) ?? 0);
      done = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    }
    const start = parseTime(status.startTime);
    const completion = parseTime(status.completionTime);
    let duration = '';
    if (start !== undefined) duration = humanDuration((completion ?? now.getTime()) - start);
    let state: string;
    if (jobCondition(status, 'Complete')) state = 'Complete';
    else if (jobCondition(status, 'Failed')) state = 'Failed';
    else if (isSet(meta(o).deletionTimestamp)) state = 'Terminating';
    else if (jobCondition(status, 'Suspended')) state = 'Suspended';
    else if (jobCondition(status, 'FailureTarget')) state = 'FailureTarget';
    else state = 'Running';
    const [names, images] = templateContainers(spec);
    return [name(o), state, done, duration, age(o, now), names, images, formatLabelSelector(spec.selector)];
  },
);

export const cronJobPrinter: Printer = printer(
  [
    NAME_COLUMN,
    docColumn('Schedule', 'string', 'CronJobSpec.schedule'),
    docColumn('Timezone', 'string', 'CronJobSpec.timeZone'),
    docColumn('Suspend', 'boolean', 'CronJobSpec.suspend'),
    docColumn('Active', 'integer', 'CronJobStatus.active'),
    docColumn('Last Schedule', 'string', 'CronJobStatus.lastScheduleTime'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    docColumn('Selector', 'string', 'JobSpec.selector', { priority: 1 }),
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    const status = obj(o, 'status');
    const lastSchedule = parseTime(status.lastScheduleTime) === undefined ? '<none>' : since(status.lastScheduleTime, now);
    // printBoolPtr; v1 defaulting makes a missing suspend false.
    const suspend = (optBool(spec.suspend) ?? false) ? 'True' : 'False';
    const jobSpec = obj(spec, 'jobTemplate', 'spec');
    const [names, images] = templateContainers(jobSpec);
    return [
      name(o),
      str(spec.schedule),
      optStr(spec.timeZone) ?? '<none>',
      suspend,
      arr(status.active).length,
      lastSchedule,
      age(o, now),
      names,
      images,
      formatLabelSelector(jobSpec.selector),
    ];
  },
);

// ---------------------------------------------------------------------------
// autoscaling

/** Quantity pointer String(): `<nil>` when unset. */
function quantityPtr(v: unknown): string {
  return v === undefined || v === null ? '<nil>' : canonicalQuantity(v);
}

function percent(v: unknown): string | undefined {
  const n = optNum(v);
  return n === undefined ? undefined : `${Math.trunc(n)}%`;
}

/** The v2 metric specs and statuses; an autoscaling/v1 object's CPU target is read as one Resource metric. */
function hpaMetrics(o: Obj): { specs: Obj[]; statuses: Obj[] } {
  const spec = obj(o, 'spec');
  const status = obj(o, 'status');
  if (Array.isArray(spec.metrics) || !('targetCPUUtilizationPercentage' in spec || 'currentCPUUtilizationPercentage' in status)) {
    return { specs: objs(spec.metrics), statuses: objs(status.currentMetrics) };
  }
  const specs: Obj[] = [];
  const statuses: Obj[] = [];
  if (optNum(spec.targetCPUUtilizationPercentage) !== undefined) {
    specs.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  if (optNum(status.currentCPUUtilizationPercentage) !== undefined) {
    statuses.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } });
  }
  return { specs, statuses };
}

function resourceMetric(specSource: Obj, statusSource: Obj | undefined): string {
  const target = obj(specSource, 'target');
  const resourceName = str(specSource.name);
  if (target.averageValue !== undefined && target.averageValue !== null) {
    const current = statusSource ? quantityPtr(get(statusSource, 'current', 'averageValue')) : '<unknown>';
    return `${resourceName}: ${current}/${canonicalQuantity(target.averageValue)}`;
  }
  const current = (statusSource && percent(get(statusSource, 'current', 'averageUtilization'))) ?? '<unknown>';
  const goal = percent(target.averageUtilization) ?? '<auto>';
  return `${resourceName}: ${current}/${goal}`;
}

function valueMetric(specSource: Obj, statusSource: Obj | undefined): string {
  const target = obj(specSource, 'target');
  if (target.averageValue !== undefined && target.averageValue !== null) {
    const currentValue = statusSource ? get(statusSource, 'current', 'averageValue') : undefined;
    const current = currentValue === undefined || currentValue === null ? '<unknown>' : canonicalQuantity(currentValue);
    return `${current}/${canonicalQuantity(target.averageValue)} (avg)`;
  }
  const current = statusSource ? quantityPtr(get(statusSource, 'current', 'value')) : '<unknown>';
  return `${current}/${quantityPtr(target.value)}`;
}

/** formatHPAMetrics: the first two targets, `current/target`, statuses matched by position. */
export function formatHPAMetrics(specs: Obj[], statuses: Obj[]): string {
  if (specs.length === 0) return '<none>';
  const list: string[] = [];
  const max = 2;
  specs.forEach((spec, i) => {
    const status = statuses[i];
    const sub = (key: string): Obj | undefined => (status && isObj(status[key]) ? status[key] : undefined);
    switch (spec.type) {
      case 'External':
        list.push(valueMetric(obj(spec, 'external'), sub('external')));
        break;
      case 'Pods': {
        const pods = sub('pods');
        const current = pods ? quantityPtr(get(pods, 'current', 'averageValue')) : '<unknown>';
        list.push(`${current}/${quantityPtr(get(spec, 'pods', 'target', 'averageValue'))}`);
        break;
      }
      case 'Object':
        list.push(valueMetric(obj(spec, 'object'), sub('object')));
        break;
      case 'Resource':
        list.push(resourceMetric(obj(spec, 'resource'), sub('resource')));
        break;
      case 'ContainerResource':
        list.push(resourceMetric(obj(spec, 'containerResource'), sub('containerResource')));
        break;
      default:
        list.push('<unknown type>');
    }
  });
  if (specs.length > max) return `${list.slice(0, max).join(', ')} + ${specs.length - max} more...`;
  return list.join(', ');
}

export const horizontalPodAutoscalerPrinter: Printer = printer(
  [
    NAME_COLUMN,
    docColumn('Reference', 'string', 'HorizontalPodAutoscalerSpec.scaleTargetRef'),
    docColumn('Targets', 'string', 'HorizontalPodAutoscalerSpec.metrics'),
    docColumn('MinPods', 'string', 'HorizontalPodAutoscalerSpec.minReplicas'),
    docColumn('MaxPods', 'string', 'HorizontalPodAutoscalerSpec.maxReplicas'),
    docColumn('Replicas', 'string', 'HorizontalPodAutoscalerStatus.currentReplicas'),
    AGE_COLUMN,
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    const ref = obj(spec, 'scaleTargetRef');
    const { specs, statuses } = hpaMetrics(o);
    const min = optNum(spec.minReplicas);
    return [
      name(o),
      `${str(ref.kind)}/${str(ref.name)}`,
      formatHPAMetrics(specs, statuses),
      min === undefined ? '<unset>' : String(Math.trunc(min)),
      int(spec.maxReplicas),
      int(get(o, 'status', 'currentReplicas')),
      age(o, now),
    ];
  },
);

/** The autoscaling/v1 Scale of a scale subresource. */
export const scalePrinter: Printer = printer(
  [
    docColumn('Name', 'string', 'ObjectMeta.name'),
    docColumn('Desired', 'integer', 'ScaleSpec.replicas'),
    docColumn('Available', 'integer', 'ScaleStatus.replicas'),
    AGE_COLUMN,
  ],
  (o, now) => [name(o), int(get(o, 'spec', 'replicas')), int(get(o, 'status', 'replicas')), age(o, now)],
);

// ---------------------------------------------------------------------------
// policy

export const podDisruptionBudgetPrinter: Printer = printer(
  [
    NAME_COLUMN,
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    AGE_COLUMN,
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    const present = (v: unknown): boolean => v !== undefined && v !== null;
    return [
      name(o),
      present(spec.minAvailable) ? intOrString(spec.minAvailable) : 'N/A',
      present(spec.maxUnavailable) ? intOrString(spec.maxUnavailable) : 'N/A',
      int(get(o, 'status', 'disruptionsAllowed')),
      age(o, now),
    ];
  },
);
