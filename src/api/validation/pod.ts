// Pods and pod templates (pkg/apis/core/validation: ValidatePodSpec,
// validateContainers, ValidatePodCreate, ValidatePodUpdate and friends),
// with the 1.33 default feature gates.

import { validation } from '../../machinery/index.js';
import { validateAffinity, validateTolerations, validateTopologySpreadConstraints } from './affinity.js';
import { specDiff } from './diff.js';
import { validateContainerResources, resourceEntries, validateContainerResourceName, validateResourceQuantityValue } from './resources.js';
import {
  ENV_FIELD_PATHS,
  validateLocalDescendingPath,
  validateObjectFieldSelector,
  validatePathNoBacksteps,
  validatePullPolicy,
  validateResourceFieldSelector,
  validateVolumes,
  type VolumeInfo,
} from './volumes.js';
import {
  MAX_INT32,
  dnsLabel,
  dnsSubdomain,
  forbidden,
  invalid,
  isNil,
  isObj,
  listAt,
  nonNegative,
  notFound,
  notSupported,
  numAt,
  objAt,
  optStr,
  qualifiedName,
  required,
  semanticEqual,
  strAt,
  structValue,
  stringMapAt,
  stringsAt,
  type Errs,
  type FieldPath,
  type Obj,
} from './util.js';

export interface PodValidationOptions {
  /** The object is a Pod (not a template embedded in a workload). */
  readonly resourceIsPod: boolean;
  /** metadata.name of the pod, for generic ephemeral volume PVC names. */
  readonly podName?: string;
}

const newPath = validation.newPath;

// ---- container parts ----

function validateContainerPorts(ports: Obj[], path: FieldPath): Errs {
  const errs: Errs = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const idxPath = path.index(i);
    const name = strAt(port, 'name');
    if (name !== '') {
      const msgs = validation.isValidPortName(name);
      if (msgs.length > 0) errs.push(...msgs.map((msg) => invalid(idxPath.child('name'), name, msg)));
      else if (names.has(name)) errs.push(validation.duplicate(idxPath.child('name'), name));
      else names.add(name);
    }
    const containerPort = numAt(port, 'containerPort') ?? 0;
    if (containerPort === 0) errs.push(required(idxPath.child('containerPort'), ''));
    else errs.push(...validation.isValidPortNum(containerPort).map((msg) => invalid(idxPath.child('containerPort'), containerPort, msg)));
    const hostPort = numAt(port, 'hostPort') ?? 0;
    if (hostPort !== 0) errs.push(...validation.isValidPortNum(hostPort).map((msg) => invalid(idxPath.child('hostPort'), hostPort, msg)));
    const protocol = strAt(port, 'protocol');
    if (protocol === '') errs.push(required(idxPath.child('protocol'), ''));
    else if (!['SCTP', 'TCP', 'UDP'].includes(protocol)) errs.push(notSupported(idxPath.child('protocol'), protocol, ['SCTP', 'TCP', 'UDP']));
  });
  return errs;
}

function validateKeySelector(selector: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  const name = strAt(selector, 'name');
  errs.push(...validation.isDNS1123Subdomain(name).map((msg) => invalid(path.child('name'), name, msg)));
  const key = strAt(selector, 'key');
  if (key === '') errs.push(required(path.child('key'), ''));
  else errs.push(...validation.isConfigMapKey(key).map((msg) => invalid(path.child('key'), key, msg)));
  return errs;
}

function validateEnvValueFrom(env: Obj, path: FieldPath): Errs {
  const valueFrom = objAt(env, 'valueFrom');
  if (!valueFrom) return [];
  const errs: Errs = [];
  let numSources = 0;
  const fieldRef = objAt(valueFrom, 'fieldRef');
  if (fieldRef) {
    numSources++;
    errs.push(...validateObjectFieldSelector(fieldRef, ENV_FIELD_PATHS, path.child('fieldRef')));
  }
  const resourceFieldRef = objAt(valueFrom, 'resourceFieldRef');
  if (resourceFieldRef) {
    numSources++;
    errs.push(...validateResourceFieldSelector(resourceFieldRef, path.child('resourceFieldRef'), false));
  }
  const configMapKeyRef = objAt(valueFrom, 'configMapKeyRef');
  if (configMapKeyRef) {
    numSources++;
    errs.push(...validateKeySelector(configMapKeyRef, path.child('configMapKeyRef')));
  }
  const secretKeyRef = objAt(valueFrom, 'secretKeyRef');
  if (secretKeyRef) {
    numSources++;
    errs.push(...validateKeySelector(secretKeyRef, path.child('secretKeyRef')));
  }
  if (numSources === 0) errs.push(invalid(path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (strAt(env, 'value') !== '') errs.push(invalid(path, '', 'may not be specified when `value` is not empty'));
  else if (numSources > 1) errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  return errs;
}

/** ValidateEnv with RelaxedEnvironmentVariableValidation (on by default since 1.32). */
function validateEnv(vars: Obj[], path: FieldPath): Errs {
  const errs: Errs = [];
  vars.forEach((env, i) => {
    const idxPath = path.index(i);
    const name = strAt(env, 'name');
    if (name === '') errs.push(required(idxPath.child('name'), ''));
    else errs.push(...validation.isRelaxedEnvVarName(name).map((msg) => invalid(idxPath.child('name'), name, msg)));
    errs.push(...validateEnvValueFrom(env, idxPath.child('valueFrom')));
  });
  return errs;
}

function validateEnvFrom(sources: Obj[], path: FieldPath): Errs {
  const errs: Errs = [];
  sources.forEach((source, i) => {
    const idxPath = path.index(i);
    const prefix = strAt(source, 'prefix');
    if (prefix !== '') errs.push(...validation.isRelaxedEnvVarName(prefix).map((msg) => invalid(idxPath.child('prefix'), prefix, msg)));
    let numSources = 0;
    for (const key of ['configMapRef', 'secretRef']) {
      const ref = objAt(source, key);
      if (!ref) continue;
      numSources++;
      const name = strAt(ref, 'name');
      if (name === '') errs.push(required(idxPath.child(key, 'name'), ''));
      else errs.push(...validation.nameIsDNSSubdomain(name, true).map((msg) => invalid(idxPath.child(key, 'name'), name, msg)));
    }
    if (numSources === 0) errs.push(invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (numSources > 1) errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function isPrivileged(container: Obj): boolean {
  return objAt(container, 'securityContext')?.privileged === true;
}

function validateVolumeMounts(container: Obj, volumes: Map<string, VolumeInfo>, path: FieldPath): Errs {
  const errs: Errs = [];
  const mountPoints = new Set<string>();
  const devices = new Map(listAt(container, 'volumeDevices').map((d) => [strAt(d, 'name'), strAt(d, 'devicePath')] as const));
  const devicePaths = new Set(devices.values());
  listAt(container, 'volumeMounts').forEach((mount, i) => {
    const idxPath = path.index(i);
    const name = strAt(mount, 'name');
    const mountPath = strAt(mount, 'mountPath');
    if (name === '') errs.push(required(idxPath.child('name'), ''));
    if (!volumes.has(name)) errs.push(notFound(idxPath.child('name'), name));
    if (mountPath === '') errs.push(required(idxPath.child('mountPath'), ''));
    if (mountPoints.has(mountPath)) errs.push(invalid(idxPath.child('mountPath'), mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    if (devices.has(name)) errs.push(invalid(idxPath.child('name'), name, 'must not already exist in volumeDevices'));
    if (devicePaths.has(mountPath)) errs.push(invalid(idxPath.child('mountPath'), mountPath, 'must not already exist as a path in volumeDevices'));
    const subPath = strAt(mount, 'subPath');
    const subPathExpr = strAt(mount, 'subPathExpr');
    if (volumes.get(name)?.isImage) {
      if (subPath !== '') errs.push(invalid(idxPath.child('subPath'), subPath, 'not allowed in image volume sources'));
      if (subPathExpr !== '') errs.push(invalid(idxPath.child('subPathExpr'), subPathExpr, 'not allowed in image volume sources'));
    }
    // Upstream reports these on the list path, not the item path.
    if (subPath !== '') errs.push(...validateLocalDescendingPath(subPath, path.child('subPath')));
    if (subPathExpr !== '') {
      if (subPath !== '') errs.push(invalid(idxPath.child('subPathExpr'), subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(subPathExpr, path.child('subPathExpr')));
    }
    const propagation = optStr(mount, 'mountPropagation');
    if (propagation !== undefined) {
      const propagationPath = path.child('mountPropagation');
      const supported = ['Bidirectional', 'HostToContainer', 'None'];
      if (!supported.includes(propagation)) errs.push(notSupported(propagationPath, propagation, supported));
      if (propagation === 'Bidirectional' && !isPrivileged(container)) {
        errs.push(forbidden(propagationPath, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
    const rro = optStr(mount, 'recursiveReadOnly');
    if (rro !== undefined) {
      const rroPath = path.child('recursiveReadOnly');
      if (rro === 'Enabled' || rro === 'IfPossible') {
        if (mount.readOnly !== true) errs.push(forbidden(rroPath, 'may only be specified when readOnly is true'));
        if (propagation !== undefined && propagation !== 'None') errs.push(forbidden(rroPath, 'may only be specified when mountPropagation is None or not specified'));
      } else if (rro !== 'Disabled') {
        errs.push(notSupported(rroPath, rro, ['Disabled', 'Enabled', 'IfPossible']));
      }
    }
  });
  return errs;
}

function validateVolumeDevices(container: Obj, volumes: Map<string, VolumeInfo>, path: FieldPath): Errs {
  const errs: Errs = [];
  const mounts = new Map(listAt(container, 'volumeMounts').map((m) => [strAt(m, 'name'), strAt(m, 'mountPath')] as const));
  const mountPaths = new Set(mounts.values());
  const devicePaths = new Set<string>();
  const deviceNames = new Set<string>();
  listAt(container, 'volumeDevices').forEach((device, i) => {
    const idxPath = path.index(i);
    const name = strAt(device, 'name');
    const devicePath = strAt(device, 'devicePath');
    const volume = volumes.get(name);
    if (name === '') errs.push(required(idxPath.child('name'), ''));
    if (deviceNames.has(name)) errs.push(invalid(idxPath.child('name'), name, 'must be unique'));
    if (volume && !volume.isPVC) errs.push(invalid(idxPath.child('name'), name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'));
    if (!volume) errs.push(notFound(idxPath.child('name'), name));
    if (devicePath === '') errs.push(required(idxPath.child('devicePath'), ''));
    if (devicePaths.has(devicePath)) errs.push(invalid(idxPath.child('devicePath'), devicePath, 'must be unique'));
    if (devicePath !== '' && validatePathNoBacksteps(devicePath, path.child('devicePath')).length > 0) {
      errs.push(invalid(idxPath.child('devicePath'), devicePath, "can not contain backsteps ('..')"));
    } else devicePaths.add(devicePath);
    if (mounts.has(name)) errs.push(invalid(idxPath.child('name'), name, 'must not already exist in volumeMounts'));
    if (mountPaths.has(devicePath)) errs.push(invalid(idxPath.child('devicePath'), devicePath, 'must not already exist as a path in volumeMounts'));
    if (name !== '') deviceNames.add(name);
  });
  return errs;
}

function validatePortNumOrName(port: unknown, path: FieldPath): Errs {
  if (typeof port === 'string') return validation.isValidPortName(port).map((msg) => invalid(path, port, msg));
  const n = typeof port === 'number' ? port : 0;
  return validation.isValidPortNum(n).map((msg) => invalid(path, n, msg));
}

function validateHandler(handler: Obj, kind: 'probe' | 'lifecycle', gracePeriod: number | undefined, path: FieldPath): Errs {
  const errs: Errs = [];
  let numHandlers = 0;
  const members = kind === 'probe' ? ['exec', 'httpGet', 'tcpSocket', 'grpc'] : ['exec', 'httpGet', 'tcpSocket', 'sleep'];
  for (const member of members) {
    const action = objAt(handler, member);
    if (!action) continue;
    const memberPath = path.child(member);
    if (numHandlers > 0) {
      errs.push(forbidden(memberPath, 'may not specify more than 1 handler type'));
      continue;
    }
    numHandlers++;
    switch (member) {
      case 'exec':
        if (stringsAt(action, 'command').length === 0) errs.push(required(memberPath.child('command'), ''));
        break;
      case 'httpGet': {
        if (strAt(action, 'path') === '') errs.push(required(memberPath.child('path'), ''));
        errs.push(...validatePortNumOrName(action.port, memberPath.child('port')));
        const scheme = strAt(action, 'scheme');
        if (scheme !== 'HTTP' && scheme !== 'HTTPS') errs.push(notSupported(memberPath.child('scheme'), scheme, ['HTTP', 'HTTPS']));
        for (const header of listAt(action, 'httpHeaders')) {
          const name = strAt(header, 'name');
          errs.push(...validation.isHTTPHeaderName(name).map((msg) => invalid(memberPath.child('httpHeaders'), name, msg)));
        }
        break;
      }
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(action.port, memberPath.child('port')));
        break;
      case 'grpc':
        errs.push(...validatePortNumOrName(numAt(action, 'port') ?? 0, memberPath.child('port')));
        break;
      case 'sleep': {
        // PodLifecycleSleepActionAllowZero is on in 1.33.
        const seconds = numAt(action, 'seconds') ?? 0;
        if (gracePeriod !== undefined && (seconds < 0 || seconds > gracePeriod)) {
          errs.push(invalid(memberPath, seconds, `must be non-negative and less than terminationGracePeriodSeconds (${gracePeriod})`));
        }
        break;
      }
    }
  }
  if (numHandlers === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

function validateProbe(probe: Obj | undefined, kind: 'liveness' | 'readiness' | 'startup', gracePeriod: number | undefined, path: FieldPath): Errs {
  if (!probe) return [];
  const errs = validateHandler(probe, 'probe', gracePeriod, path);
  for (const key of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...nonNegative(numAt(probe, key) ?? 0, path.child(key)));
  }
  const probeGrace = numAt(probe, 'terminationGracePeriodSeconds');
  if (probeGrace !== undefined && probeGrace <= 0) errs.push(invalid(path.child('terminationGracePeriodSeconds'), probeGrace, 'must be greater than 0'));
  if (kind !== 'readiness') {
    const success = numAt(probe, 'successThreshold') ?? 0;
    if (success !== 1) errs.push(invalid(path.child('successThreshold'), success, 'must be 1'));
  } else if (probeGrace !== undefined) {
    errs.push(invalid(path.child('terminationGracePeriodSeconds'), probeGrace, 'must not be set for readinessProbes'));
  }
  return errs;
}

function validateLifecycle(lifecycle: Obj, gracePeriod: number | undefined, path: FieldPath): Errs {
  const errs: Errs = [];
  const postStart = objAt(lifecycle, 'postStart');
  if (postStart) errs.push(...validateHandler(postStart, 'lifecycle', gracePeriod, path.child('postStart')));
  const preStop = objAt(lifecycle, 'preStop');
  if (preStop) errs.push(...validateHandler(preStop, 'lifecycle', gracePeriod, path.child('preStop')));
  return errs;
}

function validateResizePolicy(policies: Obj[], podRestartPolicy: string, path: FieldPath): Errs {
  const errs: Errs = [];
  const seen = new Set<string>();
  policies.forEach((policy, i) => {
    const resourceName = strAt(policy, 'resourceName');
    const restartPolicy = strAt(policy, 'restartPolicy');
    if (seen.has(resourceName)) errs.push(validation.duplicate(path.index(i), resourceName));
    seen.add(resourceName);
    if (resourceName === '') errs.push(required(path, ''));
    else if (resourceName !== 'cpu' && resourceName !== 'memory') errs.push(notSupported(path, resourceName, ['cpu', 'memory']));
    if (restartPolicy === '') errs.push(required(path, ''));
    else if (restartPolicy !== 'NotRequired' && restartPolicy !== 'RestartContainer') {
      errs.push(notSupported(path, restartPolicy, ['NotRequired', 'RestartContainer']));
    }
    if (podRestartPolicy === 'Never' && restartPolicy !== 'NotRequired') {
      errs.push(invalid(path, restartPolicy, "must be 'NotRequired' when `restartPolicy` is 'Never'"));
    }
  });
  return errs;
}

function validateSeccompProfile(profile: Obj | undefined, path: FieldPath): Errs {
  if (!profile) return [];
  const errs: Errs = [];
  const type = strAt(profile, 'type');
  if (type === '') errs.push(required(path.child('type'), 'type is required when seccompProfile is set'));
  else if (!['Localhost', 'RuntimeDefault', 'Unconfined'].includes(type)) {
    errs.push(notSupported(path.child('type'), type, ['Localhost', 'RuntimeDefault', 'Unconfined']));
  }
  const localhost = optStr(profile, 'localhostProfile');
  if (type === 'Localhost') {
    if (localhost === undefined) errs.push(required(path.child('localhostProfile'), 'must be set when seccomp type is Localhost'));
    else errs.push(...validateLocalDescendingPath(localhost, path.child('localhostProfile')));
  } else if (localhost !== undefined) {
    errs.push(invalid(path.child('localhostProfile'), structValue(profile, ['type', 'localhostProfile']), 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

function validateAppArmorProfile(profile: Obj | undefined, path: FieldPath): Errs {
  if (!profile) return [];
  const type = strAt(profile, 'type');
  const localhost = optStr(profile, 'localhostProfile');
  switch (type) {
    case 'Localhost': {
      if (localhost === undefined) return [required(path.child('localhostProfile'), 'must be set when AppArmor type is Localhost')];
      const errs: Errs = [];
      if (localhost.trim() !== localhost) errs.push(invalid(path.child('localhostProfile'), localhost, 'must not be padded with whitespace'));
      else if (localhost === '') errs.push(required(path.child('localhostProfile'), 'must be set when AppArmor type is Localhost'));
      if (localhost.length > 4095) errs.push(validation.tooLong(path.child('localhostProfile'), 4095));
      return errs;
    }
    case 'RuntimeDefault':
    case 'Unconfined':
      return localhost !== undefined ? [invalid(path.child('localhostProfile'), localhost, 'can only be set when AppArmor type is Localhost')] : [];
    case '':
      return [required(path.child('type'), 'type is required when appArmorProfile is set')];
    default:
      return [notSupported(path.child('type'), type, ['Localhost', 'RuntimeDefault', 'Unconfined'])];
  }
}

/** SecurityContext fields in declaration order (as its JSON prints). */
const SECURITY_CONTEXT_FIELDS = [
  'capabilities',
  'privileged',
  'seLinuxOptions',
  'windowsOptions',
  'runAsUser',
  'runAsGroup',
  'runAsNonRoot',
  'readOnlyRootFilesystem',
  'allowPrivilegeEscalation',
  'procMount',
  'seccompProfile',
  'appArmorProfile',
];

function validateContainerSecurityContext(sc: Obj | undefined, hostUsers: boolean, path: FieldPath): Errs {
  if (!sc) return [];
  const errs: Errs = [];
  const runAsUser = numAt(sc, 'runAsUser');
  if (runAsUser !== undefined) errs.push(...validation.isValidUserID(runAsUser).map((msg) => invalid(path.child('runAsUser'), runAsUser, msg)));
  const runAsGroup = numAt(sc, 'runAsGroup');
  if (runAsGroup !== undefined) errs.push(...validation.isValidGroupID(runAsGroup).map((msg) => invalid(path.child('runAsGroup'), runAsGroup, msg)));
  const procMount = optStr(sc, 'procMount');
  if (procMount !== undefined) {
    if (procMount !== 'Default' && procMount !== 'Unmasked') errs.push(notSupported(path.child('procMount'), procMount, ['Default', 'Unmasked']));
    if (hostUsers && procMount === 'Unmasked') errs.push(invalid(path.child('procMount'), procMount, '`hostUsers` must be false to use `Unmasked`'));
  }
  errs.push(...validateSeccompProfile(objAt(sc, 'seccompProfile'), path.child('seccompProfile')));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) {
      errs.push(invalid(path, structValue(sc, SECURITY_CONTEXT_FIELDS), 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    }
    for (const cap of stringsAt(objAt(sc, 'capabilities'), 'add')) {
      if (cap === 'CAP_SYS_ADMIN') {
        errs.push(invalid(path, structValue(sc, SECURITY_CONTEXT_FIELDS), 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
      }
    }
  }
  errs.push(...validateAppArmorProfile(objAt(sc, 'appArmorProfile'), path.child('appArmorProfile')));
  return errs;
}

interface PodContext {
  readonly volumes: Map<string, VolumeInfo>;
  readonly podClaimNames: ReadonlySet<string>;
  readonly gracePeriod: number | undefined;
  readonly restartPolicy: string;
  readonly hostUsers: boolean;
}

/** validateContainerCommon. */
function validateContainerCommon(container: Obj, ctx: PodContext, path: FieldPath): Errs {
  const errs: Errs = [];
  const name = strAt(container, 'name');
  if (name === '') errs.push(required(path.child('name'), ''));
  else errs.push(...dnsLabel(name, path.child('name')));
  if (strAt(container, 'image') === '') errs.push(required(path.child('image'), ''));
  const tmp = strAt(container, 'terminationMessagePolicy');
  if (tmp === '') errs.push(required(path.child('terminationMessagePolicy'), ''));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    errs.push(notSupported(path.child('terminationMessagePolicy'), tmp, ['File', 'FallbackToLogsOnError']));
  }
  errs.push(...validateContainerPorts(listAt(container, 'ports'), path.child('ports')));
  errs.push(...validateEnv(listAt(container, 'env'), path.child('env')));
  errs.push(...validateEnvFrom(listAt(container, 'envFrom'), path.child('envFrom')));
  errs.push(...validateVolumeMounts(container, ctx.volumes, path.child('volumeMounts')));
  errs.push(...validateVolumeDevices(container, ctx.volumes, path.child('volumeDevices')));
  errs.push(...validatePullPolicy(strAt(container, 'imagePullPolicy'), path.child('imagePullPolicy')));
  errs.push(...validateContainerResources(objAt(container, 'resources'), ctx.podClaimNames, path.child('resources')));
  errs.push(...validateResizePolicy(listAt(container, 'resizePolicy'), ctx.restartPolicy, path.child('resizePolicy')));
  errs.push(...validateContainerSecurityContext(objAt(container, 'securityContext'), ctx.hostUsers, path.child('securityContext')));
  return errs;
}

function checkHostPortConflicts(containers: Obj[], path: FieldPath): Errs {
  const errs: Errs = [];
  const seen = new Set<string>();
  containers.forEach((container, ci) => {
    listAt(container, 'ports').forEach((port, pi) => {
      const hostPort = numAt(port, 'hostPort') ?? 0;
      if (hostPort === 0) return;
      const key = `${strAt(port, 'protocol')}/${strAt(port, 'hostIP')}/${hostPort}`;
      if (seen.has(key)) errs.push(validation.duplicate(path.index(ci).child('ports').index(pi).child('hostPort'), key));
      else seen.add(key);
    });
  });
  return errs;
}

function validateContainers(containers: Obj[], ctx: PodContext, path: FieldPath): Errs {
  if (containers.length === 0) return [required(path, '')];
  const errs: Errs = [];
  const names = new Set<string>();
  containers.forEach((container, i) => {
    const cPath = path.index(i);
    errs.push(...validateContainerCommon(container, ctx, cPath));
    const name = strAt(container, 'name');
    if (names.has(name)) errs.push(validation.duplicate(cPath.child('name'), name));
    else names.add(name);
    const lifecycle = objAt(container, 'lifecycle');
    if (lifecycle) errs.push(...validateLifecycle(lifecycle, ctx.gracePeriod, cPath.child('lifecycle')));
    errs.push(...validateProbe(objAt(container, 'livenessProbe'), 'liveness', ctx.gracePeriod, cPath.child('livenessProbe')));
    errs.push(...validateProbe(objAt(container, 'readinessProbe'), 'readiness', ctx.gracePeriod, cPath.child('readinessProbe')));
    errs.push(...validateProbe(objAt(container, 'startupProbe'), 'startup', ctx.gracePeriod, cPath.child('startupProbe')));
    if (!isNil(container.restartPolicy)) errs.push(forbidden(cPath.child('restartPolicy'), 'may not be set for non-init containers'));
  });
  errs.push(...checkHostPortConflicts(containers, path));
  return errs;
}

function validateInitContainers(initContainers: Obj[], containers: Obj[], ctx: PodContext, path: FieldPath): Errs {
  const errs: Errs = [];
  const names = new Set(containers.map((c) => strAt(c, 'name')));
  initContainers.forEach((container, i) => {
    const idxPath = path.index(i);
    errs.push(...validateContainerCommon(container, ctx, idxPath));
    const restartPolicy = optStr(container, 'restartPolicy');
    if (restartPolicy !== undefined && restartPolicy !== 'Always') errs.push(notSupported(idxPath.child('restartPolicy'), restartPolicy, ['Always']));
    const restartable = restartPolicy === 'Always';
    const name = strAt(container, 'name');
    if (names.has(name)) errs.push(validation.duplicate(idxPath.child('name'), name));
    else if (name !== '') names.add(name);
    errs.push(...checkHostPortConflicts([container], path));
    if (restartable) {
      const lifecycle = objAt(container, 'lifecycle');
      if (lifecycle) errs.push(...validateLifecycle(lifecycle, ctx.gracePeriod, idxPath.child('lifecycle')));
      errs.push(...validateProbe(objAt(container, 'livenessProbe'), 'liveness', ctx.gracePeriod, idxPath.child('livenessProbe')));
      errs.push(...validateProbe(objAt(container, 'readinessProbe'), 'readiness', ctx.gracePeriod, idxPath.child('readinessProbe')));
      errs.push(...validateProbe(objAt(container, 'startupProbe'), 'startup', ctx.gracePeriod, idxPath.child('startupProbe')));
    } else {
      for (const key of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (!isNil(container[key])) errs.push(forbidden(idxPath.child(key), 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
  return errs;
}

const EPHEMERAL_ALLOWED = new Set([
  'name',
  'image',
  'command',
  'args',
  'workingDir',
  'envFrom',
  'env',
  'volumeMounts',
  'volumeDevices',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'imagePullPolicy',
  'securityContext',
  'stdin',
  'stdinOnce',
  'tty',
  'targetContainerName',
]);
/** EphemeralContainerCommon fields in declaration order (the forbidden ones are reported in this order). */
const CONTAINER_FIELD_ORDER = ['ports', 'resources', 'resizePolicy', 'restartPolicy', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'];

function validateEphemeralContainers(ephemeral: Obj[], containers: Obj[], initContainers: Obj[], ctx: PodContext, path: FieldPath): Errs {
  const errs: Errs = [];
  const others = new Set([...containers, ...initContainers].map((c) => strAt(c, 'name')));
  const all = new Set(others);
  ephemeral.forEach((container, i) => {
    const idxPath = path.index(i);
    errs.push(...validateContainerCommon(container, ctx, idxPath));
    errs.push(...validateContainerOnlyForPod(container, idxPath));
    const name = strAt(container, 'name');
    if (all.has(name)) errs.push(validation.duplicate(idxPath.child('name'), name));
    else all.add(name);
    const target = strAt(container, 'targetContainerName');
    if (target !== '' && !others.has(target)) errs.push(notFound(idxPath.child('targetContainerName'), target));
    for (const key of CONTAINER_FIELD_ORDER) {
      const value = container[key];
      const set = !isNil(value) && !(isObj(value) && Object.keys(value).length === 0) && !(Array.isArray(value) && value.length === 0);
      if (set && !EPHEMERAL_ALLOWED.has(key)) errs.push(forbidden(idxPath.child(key), 'cannot be set for an Ephemeral Container'));
    }
    listAt(container, 'volumeMounts').forEach((mount, j) => {
      if (strAt(mount, 'subPath') !== '') errs.push(forbidden(idxPath.child('volumeMounts').index(j).child('subPath'), 'cannot be set for an Ephemeral Container'));
      if (strAt(mount, 'subPathExpr') !== '') {
        errs.push(forbidden(idxPath.child('volumeMounts').index(j).child('subPathExpr'), 'cannot be set for an Ephemeral Container'));
      }
    });
  });
  return errs;
}

function validateContainerOnlyForPod(container: Obj, path: FieldPath): Errs {
  const image = strAt(container, 'image');
  return image.trim() !== image ? [invalid(path.child('image'), image, 'must not have leading or trailing whitespace')] : [];
}

// ---- pod-level parts ----

function validateRestartPolicy(policy: string, path: FieldPath): Errs {
  if (policy === 'Always' || policy === 'OnFailure' || policy === 'Never') return [];
  if (policy === '') return [required(path, '')];
  return [notSupported(path, policy, ['Always', 'OnFailure', 'Never'])];
}

function validateDNSPolicy(policy: string, path: FieldPath): Errs {
  const supported = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (supported.includes(policy)) return [];
  if (policy === '') return [required(path, '')];
  return [notSupported(path, policy, supported)];
}

export function validatePreemptionPolicy(policy: string, path: FieldPath): Errs {
  if (policy === 'PreemptLowerPriority' || policy === 'Never') return [];
  if (policy === '') return [required(path, '')];
  return [notSupported(path, policy, ['PreemptLowerPriority', 'Never'])];
}

const SYSCTL_SEGMENT = '[a-z0-9]([-_a-z0-9]*[a-z0-9])?';
const SYSCTL_FMT = `(${SYSCTL_SEGMENT}[\\./])*${SYSCTL_SEGMENT}`;
const SYSCTL_RE = new RegExp(`^${SYSCTL_FMT}$`);

function sysctlNamespace(name: string): 'net' | 'ipc' | undefined {
  const normalized = name.replace(/\//g, '.');
  if (normalized.startsWith('net.')) return 'net';
  if (normalized.startsWith('kernel.shm') || normalized.startsWith('kernel.msg') || normalized === 'kernel.sem' || normalized.startsWith('fs.mqueue.')) return 'ipc';
  return undefined;
}

function validatePodSecurityContext(spec: Obj, path: FieldPath): Errs {
  const sc = objAt(spec, 'securityContext');
  if (!sc) return [];
  const errs: Errs = [];
  const fsGroup = numAt(sc, 'fsGroup');
  if (fsGroup !== undefined) errs.push(...validation.isValidGroupID(fsGroup).map((msg) => invalid(path.child('fsGroup'), fsGroup, msg)));
  const runAsUser = numAt(sc, 'runAsUser');
  if (runAsUser !== undefined) errs.push(...validation.isValidUserID(runAsUser).map((msg) => invalid(path.child('runAsUser'), runAsUser, msg)));
  const runAsGroup = numAt(sc, 'runAsGroup');
  if (runAsGroup !== undefined) errs.push(...validation.isValidGroupID(runAsGroup).map((msg) => invalid(path.child('runAsGroup'), runAsGroup, msg)));
  const groups = Array.isArray(sc.supplementalGroups) ? sc.supplementalGroups : [];
  groups.forEach((gid, g) => {
    if (typeof gid === 'number') errs.push(...validation.isValidGroupID(gid).map((msg) => invalid(path.child('supplementalGroups').index(g), gid, msg)));
  });
  if (spec.shareProcessNamespace === true && spec.hostPID === true) {
    errs.push(invalid(path.child('shareProcessNamespace'), true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  }
  const seen = new Set<string>();
  listAt(sc, 'sysctls').forEach((sysctl, i) => {
    const name = strAt(sysctl, 'name');
    const namePath = path.child('sysctls').index(i).child('name');
    if (name === '') errs.push(required(namePath, ''));
    else if (name.length > 253 || !SYSCTL_RE.test(name)) {
      errs.push(invalid(namePath, name, `must have at most 253 characters and match regex ^${SYSCTL_FMT}$`));
    } else if (seen.has(name)) errs.push(validation.duplicate(namePath, name));
    const ns = sysctlNamespace(name);
    if (spec.hostNetwork === true && ns === 'net') errs.push(invalid(namePath, name, "may not be specified when 'hostNetwork' is true"));
    else if (spec.hostIPC === true && ns === 'ipc') errs.push(invalid(namePath, name, "may not be specified when 'hostIPC' is true"));
    seen.add(name);
  });
  const fsGroupChangePolicy = optStr(sc, 'fsGroupChangePolicy');
  if (fsGroupChangePolicy !== undefined && fsGroupChangePolicy !== 'Always' && fsGroupChangePolicy !== 'OnRootMismatch') {
    errs.push(notSupported(path.child('fsGroupChangePolicy'), fsGroupChangePolicy, ['Always', 'OnRootMismatch']));
  }
  errs.push(...validateSeccompProfile(objAt(sc, 'seccompProfile'), path.child('seccompProfile')));
  errs.push(...validateAppArmorProfile(objAt(sc, 'appArmorProfile'), path.child('appArmorProfile')));
  const groupsPolicy = optStr(sc, 'supplementalGroupsPolicy');
  if (groupsPolicy !== undefined && groupsPolicy !== 'Merge' && groupsPolicy !== 'Strict') {
    errs.push(notSupported(path.child('supplementalGroupsPolicy'), groupsPolicy, ['Merge', 'Strict']));
  }
  const seLinuxChangePolicy = optStr(sc, 'seLinuxChangePolicy');
  if (seLinuxChangePolicy !== undefined && seLinuxChangePolicy !== 'MountOption' && seLinuxChangePolicy !== 'Recursive') {
    errs.push(notSupported(path.child('seLinuxChangePolicy'), seLinuxChangePolicy, ['MountOption', 'Recursive']));
  }
  return errs;
}

function validatePodDNSConfig(spec: Obj, path: FieldPath): Errs {
  const dnsConfig = objAt(spec, 'dnsConfig');
  const policy = strAt(spec, 'dnsPolicy');
  if (policy === 'None') {
    if (!dnsConfig) return [required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (stringsAt(dnsConfig, 'nameservers').length === 0) return [required(path.child('nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (!dnsConfig) return [];
  const errs: Errs = [];
  const nameservers = stringsAt(dnsConfig, 'nameservers');
  if (nameservers.length > 3) errs.push(invalid(path.child('nameservers'), nameservers, 'must not have more than 3 nameservers'));
  nameservers.forEach((ns, i) => errs.push(...validation.isValidIPForLegacyField(path.child('nameservers').index(i), ns, false)));
  const searches = stringsAt(dnsConfig, 'searches');
  if (searches.length > 32) errs.push(invalid(path.child('searches'), searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) errs.push(invalid(path.child('searches'), searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  searches.forEach((search, i) => {
    // RelaxedDNSSearchValidation is on in 1.33: "." and underscores are allowed.
    if (search === '.') return;
    const trimmed = search.endsWith('.') ? search.slice(0, -1) : search;
    errs.push(...validation.isDNS1123SubdomainWithUnderscore(trimmed).map((msg) => invalid(path.child('searches').index(i), trimmed, msg)));
  });
  listAt(dnsConfig, 'options').forEach((option, i) => {
    if (strAt(option, 'name') === '') errs.push(required(path.child('options').index(i), 'must not be empty'));
  });
  return errs;
}

function validateHostNetworkDeps(spec: Obj, resourceIsPod: boolean, path: FieldPath): Errs {
  if (spec.hostNetwork !== true) return [];
  const errs: Errs = [];
  listAt(spec, 'containers').forEach((container, i) => {
    listAt(container, 'ports').forEach((port, j) => {
      const hostPort = numAt(port, 'hostPort') ?? 0;
      const containerPort = numAt(port, 'containerPort') ?? 0;
      if ((resourceIsPod || hostPort !== 0) && hostPort !== containerPort) {
        errs.push(invalid(path.child('containers').index(i).child('ports').index(j).child('hostPort'), hostPort, 'must match `containerPort` when `hostNetwork` is true'));
      }
    });
  });
  return errs;
}

function validateImagePullSecrets(secrets: Obj[], path: FieldPath): Errs {
  const errs: Errs = [];
  secrets.forEach((secret, i) => {
    if (Object.keys(secret).some((k) => k !== 'name')) {
      errs.push(invalid(path.index(i), structValue(secret, ['name']), 'only name may be set'));
    }
  });
  return errs;
}

function validateOS(spec: Obj, path: FieldPath): Errs {
  const os = objAt(spec, 'os');
  if (!os) return [];
  const name = strAt(os, 'name');
  if (name === '') return [required(path.child('name'), '')];
  if (name !== 'linux' && name !== 'windows') return [notSupported(path.child('name'), name, ['linux', 'windows'])];
  return [];
}

function podClaimNames(spec: Obj): Set<string> {
  return new Set(listAt(spec, 'resourceClaims').map((c) => strAt(c, 'name')).filter((n) => n !== ''));
}

function validatePodResourceClaims(spec: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  const names = new Set<string>();
  listAt(spec, 'resourceClaims').forEach((claim, i) => {
    const idxPath = path.index(i);
    const name = strAt(claim, 'name');
    if (name === '') errs.push(required(idxPath.child('name'), ''));
    else if (names.has(name)) errs.push(validation.duplicate(idxPath.child('name'), name));
    else {
      errs.push(...dnsLabel(name, idxPath.child('name')));
      names.add(name);
    }
    const claimName = optStr(claim, 'resourceClaimName');
    const templateName = optStr(claim, 'resourceClaimTemplateName');
    if (claimName !== undefined && templateName !== undefined) {
      errs.push(invalid(idxPath, structValue(claim, ['name', 'resourceClaimName', 'resourceClaimTemplateName']), 'at most one of `resourceClaimName` or `resourceClaimTemplateName` may be specified'));
    }
    if (claimName === undefined && templateName === undefined) {
      errs.push(invalid(idxPath, structValue(claim, ['name', 'resourceClaimName', 'resourceClaimTemplateName']), 'must specify one of: `resourceClaimName`, `resourceClaimTemplateName`'));
    }
    if (claimName !== undefined) errs.push(...dnsSubdomain(claimName, idxPath.child('resourceClaimName')));
    if (templateName !== undefined) errs.push(...dnsSubdomain(templateName, idxPath.child('resourceClaimTemplateName')));
  });
  return errs;
}

/** ValidatePodSpec. */
export function validatePodSpec(spec: Obj, path: FieldPath, opts: PodValidationOptions): Errs {
  const errs: Errs = [];
  const gracePeriod = numAt(spec, 'terminationGracePeriodSeconds');
  if (isNil(spec.terminationGracePeriodSeconds)) errs.push(required(path.child('terminationGracePeriodSeconds'), ''));
  const hostUsers = spec.hostUsers !== false;
  const { vols, errs: volumeErrs } = validateVolumes(listAt(spec, 'volumes'), opts.podName, path.child('volumes'), opts);
  errs.push(...volumeErrs);
  const ctx: PodContext = { volumes: vols, podClaimNames: podClaimNames(spec), gracePeriod, restartPolicy: strAt(spec, 'restartPolicy'), hostUsers };
  errs.push(...validatePodResourceClaims(spec, path.child('resourceClaims')));
  const containers = listAt(spec, 'containers');
  const initContainers = listAt(spec, 'initContainers');
  errs.push(...validateContainers(containers, ctx, path.child('containers')));
  errs.push(...validateInitContainers(initContainers, containers, ctx, path.child('initContainers')));
  errs.push(...validateEphemeralContainers(listAt(spec, 'ephemeralContainers'), containers, initContainers, ctx, path.child('ephemeralContainers')));
  errs.push(...validateHostNetworkDeps(spec, opts.resourceIsPod, path));
  errs.push(...validateRestartPolicy(strAt(spec, 'restartPolicy'), path.child('restartPolicy')));
  errs.push(...validateDNSPolicy(strAt(spec, 'dnsPolicy'), path.child('dnsPolicy')));
  errs.push(...validation.validateLabels(stringMapAt(spec, 'nodeSelector'), path.child('nodeSelector')));
  errs.push(...validatePodSecurityContext(spec, path.child('securityContext')));
  errs.push(...validateImagePullSecrets(listAt(spec, 'imagePullSecrets'), path.child('imagePullSecrets')));
  errs.push(...validateAffinity(objAt(spec, 'affinity'), path.child('affinity')));
  errs.push(...validatePodDNSConfig(spec, path.child('dnsConfig')));
  listAt(spec, 'readinessGates').forEach((gate, i) => errs.push(...qualifiedName(strAt(gate, 'conditionType'), path.child('readinessGates').index(i).child('conditionType'))));
  const gates = new Set<string>();
  listAt(spec, 'schedulingGates').forEach((gate, i) => {
    const name = strAt(gate, 'name');
    errs.push(...qualifiedName(name, path.child('schedulingGates').index(i)));
    if (gates.has(name)) errs.push(validation.duplicate(path.child('schedulingGates').index(i), name));
    gates.add(name);
  });
  errs.push(...validateTopologySpreadConstraints(listAt(spec, 'topologySpreadConstraints'), path.child('topologySpreadConstraints')));
  if (!hostUsers) {
    if (spec.hostNetwork === true) errs.push(forbidden(path.child('hostNetwork'), 'when `pod.Spec.HostUsers` is false'));
    if (spec.hostPID === true) errs.push(forbidden(path.child('HostPID'), 'when `pod.Spec.HostUsers` is false'));
    if (spec.hostIPC === true) errs.push(forbidden(path.child('HostIPC'), 'when `pod.Spec.HostUsers` is false'));
  }
  const serviceAccountName = strAt(spec, 'serviceAccountName');
  if (serviceAccountName !== '') errs.push(...dnsSubdomain(serviceAccountName, path.child('serviceAccountName')));
  const nodeName = strAt(spec, 'nodeName');
  if (nodeName !== '') errs.push(...dnsSubdomain(nodeName, path.child('nodeName')));
  const activeDeadline = numAt(spec, 'activeDeadlineSeconds');
  if (activeDeadline !== undefined && (activeDeadline < 1 || activeDeadline > MAX_INT32)) {
    errs.push(invalid(path.child('activeDeadlineSeconds'), activeDeadline, validation.inclusiveRangeError(1, MAX_INT32)));
  }
  const hostname = strAt(spec, 'hostname');
  if (hostname !== '') errs.push(...dnsLabel(hostname, path.child('hostname')));
  const subdomain = strAt(spec, 'subdomain');
  if (subdomain !== '') errs.push(...dnsLabel(subdomain, path.child('subdomain')));
  errs.push(...validateTolerations(listAt(spec, 'tolerations'), path.child('tolerations')));
  listAt(spec, 'hostAliases').forEach((alias, i) => {
    const aliasPath = path.child('hostAliases').index(i);
    errs.push(...validation.isValidIPForLegacyField(aliasPath.child('ip'), strAt(alias, 'ip'), false));
    stringsAt(alias, 'hostnames').forEach((hostnameValue, j) => errs.push(...dnsSubdomain(hostnameValue, aliasPath.child('hostnames').index(j))));
  });
  const priorityClassName = strAt(spec, 'priorityClassName');
  if (priorityClassName !== '') errs.push(...dnsSubdomain(priorityClassName, path.child('priorityClassName')));
  const runtimeClassName = optStr(spec, 'runtimeClassName');
  if (runtimeClassName !== undefined) errs.push(...dnsSubdomain(runtimeClassName, path.child('runtimeClassName')));
  const preemptionPolicy = optStr(spec, 'preemptionPolicy');
  if (preemptionPolicy !== undefined) errs.push(...validatePreemptionPolicy(preemptionPolicy, path.child('preemptionPolicy')));
  if (!isNil(spec.overhead)) {
    for (const [name, value] of resourceEntries(spec.overhead)) {
      const overheadPath = path.child('overhead').child('limits').key(name);
      errs.push(...validateContainerResourceName(name, overheadPath));
      errs.push(...validateResourceQuantityValue(name, value, overheadPath));
    }
  }
  errs.push(...validateOS(spec, path.child('os')));
  return errs;
}

/** ValidatePodTemplateSpec (for workloads and PodTemplates). */
export function validatePodTemplateSpec(template: Obj | undefined, path: FieldPath): Errs {
  const t = template ?? {};
  const metadata = objAt(t, 'metadata');
  const errs = validation.validateLabels(stringMapAt(metadata, 'labels'), path.child('labels'));
  errs.push(...validation.validateAnnotations(stringMapAt(metadata, 'annotations'), path.child('annotations')));
  errs.push(...validatePodSpecificAnnotations(metadata, path.child('annotations')));
  const spec = objAt(t, 'spec') ?? {};
  errs.push(...validatePodSpec(spec, path.child('spec'), { resourceIsPod: false }));
  if (listAt(spec, 'ephemeralContainers').length > 0) {
    errs.push(forbidden(path.child('spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

function validatePodSpecificAnnotations(metadata: Obj | undefined, path: FieldPath): Errs {
  const annotations = stringMapAt(metadata, 'annotations') ?? {};
  const errs: Errs = [];
  const cost = annotations['controller.kubernetes.io/pod-deletion-cost'];
  if (cost !== undefined) {
    const parsed = validation.parseGoInt64(cost);
    if (parsed === undefined || parsed < -2147483648n || parsed > 2147483647n) {
      errs.push(invalid(path.key('controller.kubernetes.io/pod-deletion-cost'), cost, 'must be a 32bit integer'));
    }
  }
  return errs;
}

/** validatePodMetadataAndSpec minus ObjectMeta (validated generically by the registry). */
function validatePodMetadataAndSpec(pod: Obj): Errs {
  const specPath = newPath('spec');
  const metadata = objAt(pod, 'metadata');
  const spec = objAt(pod, 'spec') ?? {};
  const errs = validatePodSpecificAnnotations(metadata, newPath('metadata', 'annotations'));
  errs.push(...validatePodSpec(spec, specPath, { resourceIsPod: true, podName: strAt(metadata, 'name') }));
  if (strAt(spec, 'serviceAccountName') === '') {
    listAt(spec, 'volumes').forEach((volume, vi) => {
      const projectedPath = specPath.child('volumes').index(vi).child('projected');
      listAt(objAt(volume, 'projected'), 'sources').forEach((source, si) => {
        if (!isNil(source.serviceAccountToken)) {
          errs.push(forbidden(projectedPath.child('sources').index(si).child('serviceAccountToken'), 'must not be specified when serviceAccountName is not set'));
        }
      });
    });
  }
  listAt(spec, 'containers').forEach((c, i) => errs.push(...validateContainerOnlyForPod(c, specPath.child('containers').index(i))));
  listAt(spec, 'initContainers').forEach((c, i) => errs.push(...validateContainerOnlyForPod(c, specPath.child('initContainers').index(i))));
  return errs;
}

/** ValidatePodCreate. */
export function validatePod(pod: Obj): Errs {
  const errs = validatePodMetadataAndSpec(pod);
  const spec = objAt(pod, 'spec') ?? {};
  const specPath = newPath('spec');
  if (listAt(spec, 'ephemeralContainers').length > 0) errs.push(forbidden(specPath.child('ephemeralContainers'), 'cannot be set on create'));
  if (strAt(spec, 'nodeName') !== '' && listAt(spec, 'schedulingGates').length > 0) {
    errs.push(forbidden(specPath.child('nodeName'), 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function validateContainerUpdates(newContainers: Obj[], oldContainers: Obj[], path: FieldPath): { errs: Errs; stop: boolean } {
  if (newContainers.length !== oldContainers.length) return { errs: [forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const errs: Errs = [];
  newContainers.forEach((container, i) => {
    const image = strAt(container, 'image');
    if (image === '') errs.push(required(path.index(i).child('image'), ''));
    if (image.trim() !== image) errs.push(invalid(path.index(i).child('image'), image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

function tolerationsEqualIgnoringSeconds(a: Obj, b: Obj): boolean {
  const strip = (t: Obj): Obj => Object.fromEntries(Object.entries(t).filter(([k]) => k !== 'tolerationSeconds'));
  return semanticEqual(strip(a), strip(b));
}

/** ValidatePodUpdate: the spec is immutable except images, activeDeadlineSeconds, added tolerations and removed scheduling gates. */
export function validatePodUpdate(pod: Obj, old: Obj): Errs {
  const errs = validatePodMetadataAndSpec(pod);
  const specPath = newPath('spec');
  const newSpec = objAt(pod, 'spec') ?? {};
  const oldSpec = objAt(old, 'spec') ?? {};
  for (const key of ['containers', 'initContainers']) {
    const result = validateContainerUpdates(listAt(newSpec, key), listAt(oldSpec, key), specPath.child(key));
    errs.push(...result.errs);
    if (result.stop) return errs;
  }
  const newDeadline = numAt(newSpec, 'activeDeadlineSeconds');
  const oldDeadline = numAt(oldSpec, 'activeDeadlineSeconds');
  if (newDeadline !== undefined) {
    if (newDeadline < 0 || newDeadline > MAX_INT32) {
      errs.push(invalid(specPath.child('activeDeadlineSeconds'), newDeadline, validation.inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (oldDeadline !== undefined && oldDeadline < newDeadline) {
      errs.push(invalid(specPath.child('activeDeadlineSeconds'), newDeadline, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldDeadline !== undefined) {
    errs.push(invalid(specPath.child('activeDeadlineSeconds'), null, 'must not update from a positive integer to nil value'));
  }
  const newTolerations = listAt(newSpec, 'tolerations');
  for (const oldToleration of listAt(oldSpec, 'tolerations')) {
    if (!newTolerations.some((t) => tolerationsEqualIgnoringSeconds(oldToleration, t))) {
      errs.push(forbidden(specPath.child('tolerations'), 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }
  const oldGates = new Set(listAt(oldSpec, 'schedulingGates').map((g) => strAt(g, 'name')));
  listAt(newSpec, 'schedulingGates').forEach((gate, i) => {
    const name = strAt(gate, 'name');
    if (!oldGates.has(name)) {
      errs.push(forbidden(specPath.child('schedulingGates').index(i).child('name'), `only deletion is allowed, but found new scheduling gate '${name}'`));
    }
  });
  if (podSpecsEqual(newSpec, oldSpec)) return errs;
  const munged = structuredClone(newSpec);
  for (const key of ['containers', 'initContainers']) {
    const oldList = listAt(oldSpec, key);
    if (Array.isArray(munged[key])) {
      munged[key] = (munged[key] as unknown[]).map((c, i) => (isObj(c) ? { ...c, image: oldList[i]?.image } : c));
    }
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.schedulingGates = oldSpec.schedulingGates;
  munged.tolerations = oldSpec.tolerations;
  const oldGrace = numAt(oldSpec, 'terminationGracePeriodSeconds');
  if (oldGrace !== undefined && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;
  for (const [key, value] of Object.entries(munged)) if (value === undefined) delete munged[key];
  if (!podSpecsEqual(munged, oldSpec)) {
    errs.push(
      forbidden(specPath, `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${specDiff('core.PodSpec', oldSpec, munged)}`),
    );
  }
  return errs;
}

/** Pointer fields of the pod spec tree: for these a zero value differs from unset. */
const POINTER_FIELDS = new Set([
  'activeDeadlineSeconds',
  'terminationGracePeriodSeconds',
  'automountServiceAccountToken',
  'enableServiceLinks',
  'shareProcessNamespace',
  'setHostnameAsFQDN',
  'hostUsers',
  'priority',
  'preemptionPolicy',
  'runtimeClassName',
  'privileged',
  'runAsUser',
  'runAsGroup',
  'runAsNonRoot',
  'readOnlyRootFilesystem',
  'allowPrivilegeEscalation',
  'procMount',
  'fsGroup',
  'fsGroupChangePolicy',
  'tolerationSeconds',
  'defaultMode',
  'mode',
  'optional',
  'readOnly',
  'sizeLimit',
  'expirationSeconds',
  'restartPolicy',
]);

/** Semantic equality with Go's zero-value rule: a non-pointer field set to its zero value equals an unset one. */
function podSpecsEqual(a: unknown, b: unknown, key = ''): boolean {
  const zero = (v: unknown): boolean => v === undefined || v === null || v === '' || v === 0 || v === false;
  if (!POINTER_FIELDS.has(key) && zero(a) && zero(b)) return true;
  if (Array.isArray(a) || Array.isArray(b) || isObj(a) || isObj(b)) {
    if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => podSpecsEqual(item, b[i]));
    if (isObj(a) && isObj(b)) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const k of keys) if (!podSpecsEqual(a[k], b[k], k)) return false;
      return true;
    }
    return semanticEqual(a, b);
  }
  return a === b || (isNil(a) && isNil(b));
}

/** ValidatePodTemplate (the PodTemplate kind). */
export function validatePodTemplate(obj: Obj): Errs {
  return validatePodTemplateSpec(objAt(obj, 'template'), newPath('template'));
}
