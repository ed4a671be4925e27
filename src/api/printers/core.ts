// Printers of the core (v1) kinds, after upstream pkg/printers/internalversion.

import {
  age,
  arr,
  byteCompare,
  containerCells,
  formatLabels,
  get,
  int,
  isObj,
  isSet,
  joinHostPort,
  mapSize,
  meta,
  name,
  obj,
  objs,
  optNum,
  optStr,
  parseTime,
  since,
  str,
  strMap,
  type Obj,
} from './format.js';
import { humanDuration } from './duration.js';
import { canonicalQuantity } from './quantity.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column, docColumn, printer, type Printer, type TableRowCondition } from './types.js';

// ---------------------------------------------------------------------------
// Pods

const POD_SUCCEEDED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
const POD_FAILED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

function isRestartableInitContainer(container: Obj | undefined): boolean {
  return container !== undefined && container.restartPolicy === 'Always';
}

function hasCondition(status: Obj, type: string): boolean {
  return objs(status.conditions).some((c) => c.type === type && c.status === 'True');
}

/** isPodInitializedConditionTrue: the first Initialized condition decides. */
function initializedConditionTrue(status: Obj): boolean {
  const cond = objs(status.conditions).find((c) => c.type === 'Initialized');
  return cond?.status === 'True';
}

function later(current: number | undefined, candidate: unknown): number | undefined {
  const t = parseTime(candidate);
  if (t === undefined) return current;
  return current === undefined || current < t ? t : current;
}

function podRow(pod: Obj, now: Date): unknown[] {
  const spec = obj(pod, 'spec');
  const status = obj(pod, 'status');
  const initSpecs = objs(spec.initContainers);
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = objs(spec.containers).length;
  let readyContainers = 0;
  let lastRestart: number | undefined;
  let lastRestartableInitRestart: number | undefined;

  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  for (const cond of objs(status.conditions)) {
    if (cond.type === 'PodScheduled' && cond.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initByName = new Map<string, Obj>();
  for (const c of initSpecs) {
    initByName.set(str(c.name), c);
    if (isRestartableInitContainer(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = objs(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i] ?? {};
    const state = obj(cs, 'state');
    const terminated = isObj(state.terminated) ? state.terminated : undefined;
    const waiting = isObj(state.waiting) ? state.waiting : undefined;
    const lastTerminated = obj(cs, 'lastState', 'terminated');
    const restartable = isRestartableInitContainer(initByName.get(str(cs.name)));
    restarts += int(cs.restartCount);
    if (isObj(get(cs, 'lastState', 'terminated'))) lastRestart = later(lastRestart, lastTerminated.finishedAt);
    if (restartable) {
      restartableInitRestarts += int(cs.restartCount);
      if (isObj(get(cs, 'lastState', 'terminated'))) lastRestartableInitRestart = later(lastRestartableInitRestart, lastTerminated.finishedAt);
    }
    if (terminated && int(terminated.exitCode) === 0) continue;
    if (restartable && cs.started === true) {
      if (cs.ready === true) readyContainers++;
      continue;
    }
    if (terminated) {
      const r = str(terminated.reason);
      if (r === '') {
        reason = int(terminated.signal) !== 0 ? `Init:Signal:${int(terminated.signal)}` : `Init:ExitCode:${int(terminated.exitCode)}`;
      } else {
        reason = `Init:${r}`;
      }
    } else if (waiting && str(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || initializedConditionTrue(status)) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = objs(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i] ?? {};
      const state = obj(cs, 'state');
      const terminated = isObj(state.terminated) ? state.terminated : undefined;
      const waiting = isObj(state.waiting) ? state.waiting : undefined;
      restarts += int(cs.restartCount);
      if (isObj(get(cs, 'lastState', 'terminated'))) lastRestart = later(lastRestart, obj(cs, 'lastState', 'terminated').finishedAt);
      if (waiting && str(waiting.reason) !== '') {
        reason = str(waiting.reason);
      } else if (terminated && str(terminated.reason) !== '') {
        reason = str(terminated.reason);
      } else if (terminated) {
        reason = int(terminated.signal) !== 0 ? `Signal:${int(terminated.signal)}` : `ExitCode:${int(terminated.exitCode)}`;
      } else if (cs.ready === true && isObj(state.running)) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // Back to Running while at least one container still runs.
    if (reason === 'Completed' && hasRunning) reason = hasCondition(status, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = isSet(meta(pod).deletionTimestamp);
  if (deleting && status.reason === 'NodeLost') {
    reason = 'Unknown';
  } else if (deleting && phase !== 'Failed' && phase !== 'Succeeded') {
    reason = 'Terminating';
  }

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) restartsText = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;

  const podIPs = objs(status.podIPs);
  const podIP = str(status.podIP) || str(podIPs[0]?.ip) || '<none>';
  const nodeName = str(spec.nodeName) || '<none>';
  const nominated = str(status.nominatedNodeName) || '<none>';
  let readinessGates = '<none>';
  const gates = objs(spec.readinessGates);
  if (gates.length > 0) {
    let trueConditions = 0;
    const conditions = objs(status.conditions);
    for (const gate of gates) {
      const cond = conditions.find((c) => c.type === gate.conditionType);
      if (cond?.status === 'True') trueConditions++;
    }
    readinessGates = `${trueConditions}/${gates.length}`;
  }

  return [name(pod), `${readyContainers}/${totalContainers}`, reason, restartsText, age(pod, now), podIP, nodeName, nominated, readinessGates];
}

export const podPrinter: Printer = printer(
  [
    NAME_COLUMN,
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE_COLUMN,
    docColumn('IP', 'string', 'PodStatus.podIP', { priority: 1 }),
    docColumn('Node', 'string', 'PodSpec.nodeName', { priority: 1 }),
    docColumn('Nominated Node', 'string', 'PodStatus.nominatedNodeName', { priority: 1 }),
    docColumn('Readiness Gates', 'string', 'PodSpec.readinessGates', { priority: 1 }),
  ],
  podRow,
  (pod) => {
    const phase = get(pod, 'status', 'phase');
    if (phase === 'Succeeded') return POD_SUCCEEDED;
    if (phase === 'Failed') return POD_FAILED;
    return undefined;
  },
);

export const podTemplatePrinter: Printer = printer(
  [
    NAME_COLUMN,
    column('Containers', 'string', 'Names of each container in the template.'),
    column('Images', 'string', 'Images referenced by each container in the template.'),
    column('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  (o) => {
    const [names, images] = containerCells(get(o, 'template', 'spec', 'containers'));
    return [name(o), names, images, formatLabels(get(o, 'template', 'metadata', 'labels'))];
  },
);

export const replicationControllerPrinter: Printer = printer(
  [
    NAME_COLUMN,
    docColumn('Desired', 'integer', 'ReplicationControllerSpec.replicas'),
    docColumn('Current', 'integer', 'ReplicationControllerStatus.replicas'),
    docColumn('Ready', 'integer', 'ReplicationControllerStatus.readyReplicas'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    docColumn('Selector', 'string', 'ReplicationControllerSpec.selector', { priority: 1 }),
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    const status = obj(o, 'status');
    const [names, images] = containerCells(get(spec, 'template', 'spec', 'containers'));
    return [name(o), Math.trunc(optNum(spec.replicas) ?? 1), int(status.replicas), int(status.readyReplicas), age(o, now), names, images, formatLabels(spec.selector)];
  },
);

// ---------------------------------------------------------------------------
// Services and endpoints

/** The IPs (or hostnames) of a load balancer status, sorted and de-duplicated; never clipped, as the server prints wide. */
export function loadBalancerIngress(status: unknown): string {
  const set = new Set<string>();
  for (const ing of objs(get(status, 'ingress'))) {
    const ip = str(ing.ip);
    const hostname = str(ing.hostname);
    if (ip !== '') set.add(ip);
    else if (hostname !== '') set.add(hostname);
  }
  return [...set].sort(byteCompare).join(',');
}

function serviceExternalIP(svc: Obj, type: string): string {
  const spec = obj(svc, 'spec');
  const externalIPs = arr(spec.externalIPs).map(str);
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(get(svc, 'status', 'loadBalancer'));
      if (externalIPs.length > 0) return [...(lb === '' ? [] : lb.split(',')), ...externalIPs].join(',');
      return lb !== '' ? lb : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

function servicePorts(ports: unknown): string {
  return objs(ports)
    .map((p) => {
      const protocol = str(p.protocol) || 'TCP';
      const nodePort = int(p.nodePort);
      return nodePort > 0 ? `${int(p.port)}:${nodePort}/${protocol}` : `${int(p.port)}/${protocol}`;
    })
    .join(',');
}

export const servicePrinter: Printer = printer(
  [
    NAME_COLUMN,
    docColumn('Type', 'string', 'ServiceSpec.type'),
    docColumn('Cluster-IP', 'string', 'ServiceSpec.clusterIP'),
    docColumn('External-IP', 'string', 'ServiceSpec.externalIPs'),
    docColumn('Port(s)', 'string', 'ServiceSpec.ports'),
    AGE_COLUMN,
    docColumn('Selector', 'string', 'ServiceSpec.selector', { priority: 1 }),
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    const type = str(spec.type) || 'ClusterIP';
    const clusterIP = str(spec.clusterIP) || str(arr(spec.clusterIPs)[0]) || '<none>';
    const ports = servicePorts(spec.ports) || '<none>';
    return [name(o), type, clusterIP, serviceExternalIP(o, type), ports, age(o, now), formatLabels(spec.selector)];
  },
);

/** formatEndpoints: up to three `ip:port`, then `+ N more...`; `<none>` without subsets. */
export function formatEndpoints(endpoints: Obj): string {
  const subsets = objs(endpoints.subsets);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = objs(ss.addresses);
    const ports = objs(ss.ports);
    if (ports.length === 0) {
      count += addresses.length;
      for (const addr of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(str(addr.ip));
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const addr of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(str(addr.ip), int(port.port)));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsPrinter: Printer = printer([NAME_COLUMN, docColumn('Endpoints', 'string', 'Endpoints.subsets'), AGE_COLUMN], (o, now) => [name(o), formatEndpoints(o), age(o, now)]);

// ---------------------------------------------------------------------------
// Nodes

function nodeRoles(node: Obj): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(strMap(meta(node).labels))) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role !== '') roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort(byteCompare);
}

function nodeAddress(node: Obj, type: string): string {
  const found = objs(get(node, 'status', 'addresses')).find((a) => a.type === type);
  return found ? str(found.address) : '<none>';
}

export const nodePrinter: Printer = printer(
  [
    NAME_COLUMN,
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    AGE_COLUMN,
    docColumn('Version', 'string', 'NodeSystemInfo.kubeletVersion'),
    docColumn('Internal-IP', 'string', 'NodeStatus.addresses', { priority: 1 }),
    docColumn('External-IP', 'string', 'NodeStatus.addresses', { priority: 1 }),
    docColumn('OS-Image', 'string', 'NodeSystemInfo.osImage', { priority: 1 }),
    docColumn('Kernel-Version', 'string', 'NodeSystemInfo.kernelVersion', { priority: 1 }),
    docColumn('Container-Runtime', 'string', 'NodeSystemInfo.containerRuntimeVersion', { priority: 1 }),
  ],
  (o, now) => {
    // The last condition of each type wins, as in upstream's condition map.
    const byType = new Map<string, Obj>();
    for (const c of objs(get(o, 'status', 'conditions'))) byType.set(str(c.type), c);
    const status: string[] = [];
    const ready = byType.get('Ready');
    if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
    if (status.length === 0) status.push('Unknown');
    if (get(o, 'spec', 'unschedulable') === true) status.push('SchedulingDisabled');
    const roles = nodeRoles(o).join(',') || '<none>';
    const info = obj(o, 'status', 'nodeInfo');
    return [
      name(o),
      status.join(','),
      roles,
      age(o, now),
      str(info.kubeletVersion),
      nodeAddress(o, 'InternalIP'),
      nodeAddress(o, 'ExternalIP'),
      str(info.osImage) || '<unknown>',
      str(info.kernelVersion) || '<unknown>',
      str(info.containerRuntimeVersion) || '<unknown>',
    ];
  },
);

// ---------------------------------------------------------------------------
// Events (core/v1 and events.k8s.io/v1 print alike: both are the internal core Event upstream)

interface EventView {
  name: string;
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  eventTime: unknown;
  count: number;
  series: Obj | undefined;
  kind: string;
  objectName: string;
  fieldPath: string;
  component: string;
  host: string;
  reportingController: string;
  reportingInstance: string;
  type: string;
  reason: string;
  message: string;
}

function coreEvent(o: Obj): EventView {
  const involved = obj(o, 'involvedObject');
  const source = obj(o, 'source');
  return {
    name: name(o),
    firstTimestamp: o.firstTimestamp,
    lastTimestamp: o.lastTimestamp,
    eventTime: o.eventTime,
    count: int(o.count),
    series: isObj(o.series) ? o.series : undefined,
    kind: str(involved.kind),
    objectName: str(involved.name),
    fieldPath: str(involved.fieldPath),
    component: str(source.component),
    host: str(source.host),
    reportingController: str(o.reportingComponent),
    reportingInstance: str(o.reportingInstance),
    type: str(o.type),
    reason: str(o.reason),
    message: str(o.message),
  };
}

function eventsEvent(o: Obj): EventView {
  const regarding = obj(o, 'regarding');
  const source = obj(o, 'deprecatedSource');
  return {
    name: name(o),
    firstTimestamp: o.deprecatedFirstTimestamp,
    lastTimestamp: o.deprecatedLastTimestamp,
    eventTime: o.eventTime,
    count: int(o.deprecatedCount),
    series: isObj(o.series) ? o.series : undefined,
    kind: str(regarding.kind),
    objectName: str(regarding.name),
    fieldPath: str(regarding.fieldPath),
    component: str(source.component),
    host: str(source.host),
    reportingController: str(o.reportingController),
    reportingInstance: str(o.reportingInstance),
    type: str(o.type),
    reason: str(o.reason),
    message: str(o.note),
  };
}

function eventRow(e: EventView, now: Date): unknown[] {
  const firstTimestamp = parseTime(e.firstTimestamp) === undefined ? since(e.eventTime, now) : since(e.firstTimestamp, now);
  let lastTimestamp = parseTime(e.lastTimestamp) === undefined ? firstTimestamp : since(e.lastTimestamp, now);
  let count = e.count;
  if (e.series) {
    lastTimestamp = since(e.series.lastObservedTime, now);
    count = int(e.series.count);
  } else if (count === 0) {
    // Singleton events carry no count in the new API.
    count = 1;
  }
  const kind = e.kind.toLowerCase();
  const target = e.objectName !== '' ? `${kind}/${e.objectName}` : kind;
  const component = e.component || e.reportingController;
  const instance = e.host || e.reportingInstance;
  const source = instance === '' ? component : `${component}, ${instance}`;
  return [lastTimestamp, e.type, e.reason, target, e.fieldPath, source, e.message.trim(), firstTimestamp, count, e.name];
}

const EVENT_COLUMNS = [
  docColumn('Last Seen', 'string', 'Event.lastTimestamp'),
  docColumn('Type', 'string', 'Event.type'),
  docColumn('Reason', 'string', 'Event.reason'),
  docColumn('Object', 'string', 'Event.involvedObject'),
  docColumn('Subobject', 'string', 'ObjectReference.fieldPath', { priority: 1 }),
  docColumn('Source', 'string', 'Event.source', { priority: 1 }),
  docColumn('Message', 'string', 'Event.message'),
  docColumn('First Seen', 'string', 'Event.firstTimestamp', { priority: 1 }),
  docColumn('Count', 'string', 'Event.count', { priority: 1 }),
  docColumn('Name', 'string', 'ObjectMeta.name', { priority: 1, format: 'name' }),
];

export const eventPrinter: Printer = printer(EVENT_COLUMNS, (o, now) => eventRow(coreEvent(o), now));
export const eventsV1EventPrinter: Printer = printer(EVENT_COLUMNS, (o, now) => eventRow(eventsEvent(o), now));

// ---------------------------------------------------------------------------
// Namespaces, secrets, config

export const namespacePrinter: Printer = printer([NAME_COLUMN, column('Status', 'string', 'The status of the namespace'), AGE_COLUMN], (o, now) => [
  name(o),
  str(get(o, 'status', 'phase')),
  age(o, now),
]);

export const secretPrinter: Printer = printer(
  [NAME_COLUMN, docColumn('Type', 'string', 'Secret.type'), docColumn('Data', 'string', 'Secret.data'), AGE_COLUMN],
  (o, now) => [name(o), str(o.type), mapSize(o.data), age(o, now)],
);

export const serviceAccountPrinter: Printer = printer([NAME_COLUMN, docColumn('Secrets', 'string', 'ServiceAccount.secrets'), AGE_COLUMN], (o, now) => [
  name(o),
  arr(o.secrets).length,
  age(o, now),
]);

export const configMapPrinter: Printer = printer([NAME_COLUMN, docColumn('Data', 'string', 'ConfigMap.data'), AGE_COLUMN], (o, now) => [
  name(o),
  mapSize(o.data) + mapSize(o.binaryData),
  age(o, now),
]);

// ---------------------------------------------------------------------------
// Storage

/** helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, each once. */
export function accessModes(modes: unknown): string {
  const set = new Set(arr(modes).map(str));
  const out: string[] = [];
  if (set.has('ReadWriteOnce')) out.push('RWO');
  if (set.has('ReadOnlyMany')) out.push('ROX');
  if (set.has('ReadWriteMany')) out.push('RWX');
  if (set.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';

export const persistentVolumePrinter: Printer = printer(
  [
    NAME_COLUMN,
    docColumn('Capacity', 'string', 'PersistentVolumeSpec.capacity'),
    docColumn('Access Modes', 'string', 'PersistentVolumeSpec.accessModes'),
    docColumn('Reclaim Policy', 'string', 'PersistentVolumeSpec.persistentVolumeReclaimPolicy'),
    docColumn('Status', 'string', 'PersistentVolumeStatus.phase'),
    docColumn('Claim', 'string', 'PersistentVolumeSpec.claimRef'),
    column('StorageClass', 'string', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    docColumn('Reason', 'string', 'PersistentVolumeStatus.reason'),
    AGE_COLUMN,
    docColumn('VolumeMode', 'string', 'PersistentVolumeSpec.volumeMode', { priority: 1 }),
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    const status = obj(o, 'status');
    const claimRef = isObj(spec.claimRef) ? `${str(spec.claimRef.namespace)}/${str(spec.claimRef.name)}` : '';
    const phase = isSet(meta(o).deletionTimestamp) ? 'Terminating' : str(status.phase);
    const annotations = strMap(meta(o).annotations);
    const storageClass = BETA_STORAGE_CLASS in annotations ? (annotations[BETA_STORAGE_CLASS] ?? '') : str(spec.storageClassName);
    return [
      name(o),
      canonicalQuantity(get(spec, 'capacity', 'storage')),
      accessModes(spec.accessModes),
      str(spec.persistentVolumeReclaimPolicy),
      phase,
      claimRef,
      storageClass,
      optStr(spec.volumeAttributesClassName) ?? '<unset>',
      str(status.reason),
      age(o, now),
      optStr(spec.volumeMode) ?? '<unset>',
    ];
  },
);

export const persistentVolumeClaimPrinter: Printer = printer(
  [
    NAME_COLUMN,
    docColumn('Status', 'string', 'PersistentVolumeClaimStatus.phase'),
    docColumn('Volume', 'string', 'PersistentVolumeClaimSpec.volumeName'),
    docColumn('Capacity', 'string', 'PersistentVolumeClaimStatus.capacity'),
    docColumn('Access Modes', 'string', 'PersistentVolumeClaimStatus.accessModes'),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    AGE_COLUMN,
    docColumn('VolumeMode', 'string', 'PersistentVolumeClaimSpec.volumeMode', { priority: 1 }),
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    const status = obj(o, 'status');
    const phase = isSet(meta(o).deletionTimestamp) ? 'Terminating' : str(status.phase);
    const volumeName = str(spec.volumeName);
    let capacity = '';
    let modes = '';
    if (volumeName !== '') {
      modes = accessModes(status.accessModes);
      capacity = canonicalQuantity(get(status, 'capacity', 'storage'));
    }
    const annotations = strMap(meta(o).annotations);
    const storageClass = BETA_STORAGE_CLASS in annotations ? (annotations[BETA_STORAGE_CLASS] ?? '') : str(spec.storageClassName);
    return [
      name(o),
      phase,
      volumeName,
      capacity,
      modes,
      storageClass,
      optStr(spec.volumeAttributesClassName) ?? '<unset>',
      age(o, now),
      optStr(spec.volumeMode) ?? '<unset>',
    ];
  },
);

// ---------------------------------------------------------------------------
// Cluster state

export const componentStatusPrinter: Printer = printer(
  [
    NAME_COLUMN,
    column('Status', 'string', 'Status of the component conditions'),
    column('Message', 'string', 'Message of the component conditions'),
    column('Error', 'string', 'Error of the component conditions'),
  ],
  (o) => {
    let status = 'Unknown';
    let message = '';
    let error = '';
    const healthy = objs(o.conditions).find((c) => c.type === 'Healthy');
    if (healthy) {
      status = healthy.status === 'True' ? 'Healthy' : 'Unhealthy';
      message = str(healthy.message);
      error = str(healthy.error);
    }
    return [name(o), status, message, error];
  },
);

export const resourceQuotaPrinter: Printer = printer(
  [
    NAME_COLUMN,
    column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    AGE_COLUMN,
  ],
  (o, now) => {
    const hard = obj(o, 'status', 'hard');
    const used = obj(o, 'status', 'used');
    const requests: string[] = [];
    const limits: string[] = [];
    for (const resource of Object.keys(hard).sort(byteCompare)) {
      const pieces = resource.split('.');
      const target = pieces.length > 1 && pieces[0] === 'limits' ? limits : requests;
      target.push(`${resource}: ${canonicalQuantity(used[resource])}/${canonicalQuantity(hard[resource])}`);
    }
    return [name(o), requests.join(', '), limits.join(', '), age(o, now)];
  },
);
