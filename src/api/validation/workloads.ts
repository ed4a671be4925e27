// Workload controllers: apps/v1 (Deployment, ReplicaSet, StatefulSet,
// DaemonSet), batch/v1 (Job, CronJob) and core/v1 ReplicationController.

import { labels, validation } from '../../machinery/index.js';
import { cronScheduleError, isKnownZone } from './cron.js';
import { validatePodTemplateSpec } from './pod.js';
import {
  FIELD_IMMUTABLE_ERROR_MSG,
  forbidden,
  intOrStringValue,
  selectorValue,
  labelsValue,
  invalid,
  isNil,
  isObj,
  nonNegative,
  notSupported,
  numAt,
  objAt,
  optStr,
  required,
  semanticEqual,
  strAt,
  stringMapAt,
  structValue,
  listAt,
  type Errs,
  type FieldPath,
  type Obj,
} from './util.js';

const newPath = validation.newPath;

// ---- IntOrString helpers (apps validation) ----

function percentValue(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^[0-9]+%$/.test(value)) return undefined;
  return Number(value.slice(0, -1));
}

function intOrPercentValue(value: unknown): number {
  if (typeof value === 'number') return value;
  return percentValue(value) ?? 0;
}

/** ValidatePositiveIntOrPercent. */
export function validatePositiveIntOrPercent(value: unknown, path: FieldPath): Errs {
  if (typeof value === 'string') return validation.isValidPercent(value).map((msg) => invalid(path, intOrStringValue(value), msg));
  if (typeof value === 'number') return nonNegative(value, path);
  return [invalid(path, intOrStringValue(value), "must be an integer or percentage (e.g '5%%')")];
}

/** IsNotMoreThan100Percent. */
export function notMoreThan100Percent(value: unknown, path: FieldPath): Errs {
  const percent = percentValue(value);
  return percent !== undefined && percent > 100 ? [invalid(path, intOrStringValue(value), 'must not be greater than 100%')] : [];
}

// ---- selectors and templates ----

type SelectorResult = { selector: labels.LabelSelector } | { error: string };

function asSelector(selector: Obj | undefined): SelectorResult {
  const result = labels.fromLabelSelector(selector as labels.LabelSelectorObject | undefined);
  return 'error' in result ? { error: result.error } : { selector: result };
}

function templateLabels(template: Obj | undefined): Record<string, string> | undefined {
  return stringMapAt(objAt(template, 'metadata'), 'labels');
}

function selectorMismatch(path: FieldPath, template: Obj | undefined): Errs {
  return [invalid(path.child('metadata', 'labels'), labelsValue(templateLabels(template)), '`selector` does not match template `labels`')];
}

/** The selector checks every apps/v1 controller shares: required, valid, non-empty. */
function validateRequiredSelector(spec: Obj, kindWord: string, path: FieldPath): Errs {
  const selector = objAt(spec, 'selector');
  if (!selector) return [required(path.child('selector'), '')];
  const errs = labels.validateLabelSelector(selector as labels.LabelSelectorObject, {}, path.child('selector'));
  if (listAt(selector, 'matchExpressions').length + Object.keys(objAt(selector, 'matchLabels') ?? {}).length === 0) {
    errs.push(invalid(path.child('selector'), selectorValue(selector), `empty selector is invalid for ${kindWord}`));
  }
  return errs;
}

/** ValidatePodTemplateSpecForReplicaSet (Deployments and ReplicaSets). */
function validateTemplateForReplicaSet(template: Obj | undefined, selector: labels.LabelSelector, path: FieldPath, kind: string): Errs {
  const errs: Errs = [];
  if (!selector.isEmpty() && !selector.matches(templateLabels(template) ?? {})) errs.push(...selectorMismatch(path, template));
  errs.push(...validatePodTemplateSpec(template, path));
  const spec = objAt(template, 'spec');
  const restartPolicy = strAt(spec, 'restartPolicy');
  if (restartPolicy !== 'Always') errs.push(notSupported(path.child('spec', 'restartPolicy'), restartPolicy, ['Always']));
  if (!isNil(spec?.activeDeadlineSeconds)) {
    errs.push(forbidden(path.child('spec', 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errs;
}

function validateSelectorAndTemplate(spec: Obj, kindWord: string, kind: string, path: FieldPath): Errs {
  const errs = validateRequiredSelector(spec, kindWord, path);
  const selector = asSelector(objAt(spec, 'selector'));
  if ('error' in selector) errs.push(invalid(path.child('selector'), selectorValue(objAt(spec, 'selector')), 'invalid label selector'));
  else errs.push(...validateTemplateForReplicaSet(objAt(spec, 'template'), selector.selector, path.child('template'), kind));
  return errs;
}

function selectorImmutable(obj: Obj, old: Obj): Errs {
  const newSelector = objAt(obj, 'spec')?.selector;
  const oldSelector = objAt(old, 'spec')?.selector;
  if (semanticEqual(newSelector, oldSelector)) return [];
  return [invalid(newPath('spec').child('selector'), isObj(newSelector) ? selectorValue(newSelector) : null, FIELD_IMMUTABLE_ERROR_MSG)];
}

// ---- Deployment ----

function validateDeploymentStrategy(strategy: Obj, path: FieldPath): Errs {
  const type = strAt(strategy, 'type');
  const rollingUpdate = objAt(strategy, 'rollingUpdate');
  switch (type) {
    case 'Recreate':
      return rollingUpdate ? [forbidden(path.child('rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'")] : [];
    case 'RollingUpdate': {
      if (!rollingUpdate) return [required(path.child('rollingUpdate'), 'this should be defaulted and never be nil')];
      const ruPath = path.child('rollingUpdate');
      const errs = validatePositiveIntOrPercent(rollingUpdate.maxUnavailable, ruPath.child('maxUnavailable'));
      errs.push(...validatePositiveIntOrPercent(rollingUpdate.maxSurge, ruPath.child('maxSurge')));
      if (intOrPercentValue(rollingUpdate.maxUnavailable) === 0 && intOrPercentValue(rollingUpdate.maxSurge) === 0) {
        errs.push(invalid(ruPath.child('maxUnavailable'), intOrStringValue(rollingUpdate.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
      }
      errs.push(...notMoreThan100Percent(rollingUpdate.maxUnavailable, ruPath.child('maxUnavailable')));
      return errs;
    }
    default: {
      const badValue = new Map<string, unknown>([
        ['type', type === '' ? undefined : type],
        ['rollingUpdate', rollingUpdate ? structValue(rollingUpdate, ['maxUnavailable', 'maxSurge']) : undefined],
      ]);
      return [notSupported(path, badValue, ['Recreate', 'RollingUpdate'])];
    }
  }
}

export function validateDeployment(deployment: Obj): Errs {
  const path = newPath('spec');
  const spec = objAt(deployment, 'spec') ?? {};
  const errs = nonNegative(numAt(spec, 'replicas') ?? 0, path.child('replicas'));
  errs.push(...validateSelectorAndTemplate(spec, 'deployment', 'ReplicaSet', path));
  errs.push(...validateDeploymentStrategy(objAt(spec, 'strategy') ?? {}, path.child('strategy')));
  errs.push(...nonNegative(numAt(spec, 'minReadySeconds') ?? 0, path.child('minReadySeconds')));
  errs.push(...nonNegative(numAt(spec, 'revisionHistoryLimit'), path.child('revisionHistoryLimit')));
  const rollbackTo = objAt(spec, 'rollbackTo');
  if (rollbackTo) errs.push(...nonNegative(numAt(rollbackTo, 'revision') ?? 0, path.child('rollback').child('version')));
  const deadline = numAt(spec, 'progressDeadlineSeconds');
  if (deadline !== undefined) {
    errs.push(...nonNegative(deadline, path.child('progressDeadlineSeconds')));
    if (deadline <= (numAt(spec, 'minReadySeconds') ?? 0)) errs.push(invalid(path.child('progressDeadlineSeconds'), deadline, 'must be greater than minReadySeconds'));
  }
  return errs;
}

export function validateDeploymentUpdate(deployment: Obj, old: Obj): Errs {
  return [...validateDeployment(deployment), ...selectorImmutable(deployment, old)];
}

// ---- ReplicaSet ----

export function validateReplicaSet(replicaSet: Obj): Errs {
  const path = newPath('spec');
  const spec = objAt(replicaSet, 'spec') ?? {};
  const errs = nonNegative(numAt(spec, 'replicas') ?? 0, path.child('replicas'));
  errs.push(...nonNegative(numAt(spec, 'minReadySeconds') ?? 0, path.child('minReadySeconds')));
  errs.push(...validateSelectorAndTemplate(spec, 'deployment', 'ReplicaSet', path));
  return errs;
}

export function validateReplicaSetUpdate(replicaSet: Obj, old: Obj): Errs {
  return [...validateReplicaSet(replicaSet), ...selectorImmutable(replicaSet, old)];
}

// ---- StatefulSet ----

function validateRetentionPolicyType(value: unknown, path: FieldPath): Errs {
  const policy = typeof value === 'string' ? value : '';
  return policy === 'Retain' || policy === 'Delete' ? [] : [notSupported(path, policy, ['Retain', 'Delete'])];
}

export function validateStatefulSet(statefulSet: Obj): Errs {
  const path = newPath('spec');
  const spec = objAt(statefulSet, 'spec') ?? {};
  const errs: Errs = [];
  const policy = strAt(spec, 'podManagementPolicy');
  if (policy === '') errs.push(required(path.child('podManagementPolicy'), ''));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') {
    errs.push(invalid(path.child('podManagementPolicy'), policy, "must be 'OrderedReady' or 'Parallel'"));
  }
  const strategy = objAt(spec, 'updateStrategy') ?? {};
  const rollingUpdate = objAt(strategy, 'rollingUpdate');
  switch (strAt(strategy, 'type')) {
    case '':
      errs.push(required(path.child('updateStrategy'), ''));
      break;
    case 'OnDelete':
      if (rollingUpdate) {
        errs.push(invalid(path.child('updateStrategy').child('rollingUpdate'), structValue(rollingUpdate, ['partition', 'maxUnavailable']), "only allowed for updateStrategy 'RollingUpdate'"));
      }
      break;
    case 'RollingUpdate':
      if (rollingUpdate) {
        const ruPath = path.child('updateStrategy', 'rollingUpdate');
        errs.push(...nonNegative(numAt(rollingUpdate, 'partition') ?? 0, ruPath.child('partition')));
        if (!isNil(rollingUpdate.maxUnavailable)) {
          const maxPath = ruPath.child('maxUnavailable');
          errs.push(...validatePositiveIntOrPercent(rollingUpdate.maxUnavailable, maxPath));
          if (intOrPercentValue(rollingUpdate.maxUnavailable) === 0) errs.push(invalid(maxPath, intOrStringValue(rollingUpdate.maxUnavailable), 'cannot be 0'));
          errs.push(...notMoreThan100Percent(rollingUpdate.maxUnavailable, maxPath));
        }
      }
      break;
    default:
      errs.push(invalid(path.child('updateStrategy'), structValue(strategy, ['type', 'rollingUpdate']), "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const retention = objAt(spec, 'persistentVolumeClaimRetentionPolicy');
  if (retention) {
    const retentionPath = path.child('persistentVolumeClaimRetentionPolicy');
    errs.push(...validateRetentionPolicyType(retention.whenDeleted, retentionPath.child('whenDeleted')));
    errs.push(...validateRetentionPolicyType(retention.whenScaled, retentionPath.child('whenScaled')));
  }
  errs.push(...nonNegative(numAt(spec, 'replicas') ?? 0, path.child('replicas')));
  errs.push(...nonNegative(numAt(spec, 'minReadySeconds') ?? 0, path.child('minReadySeconds')));
  const ordinals = objAt(spec, 'ordinals');
  if (ordinals) errs.push(...nonNegative(numAt(ordinals, 'start') ?? 0, path.child('ordinals.start')));
  errs.push(...nonNegative(numAt(spec, 'revisionHistoryLimit'), path.child('revisionHistoryLimit')));
  errs.push(...validateRequiredSelector(spec, 'statefulset', path));
  const template = objAt(spec, 'template');
  const templatePath = path.child('template');
  const selector = asSelector(objAt(spec, 'selector'));
  if ('error' in selector) errs.push(invalid(path.child('selector'), selectorValue(objAt(spec, 'selector')), ''));
  else {
    // Upstream checks only the template's labels and annotations here, not its pod spec.
    if (!selector.selector.isEmpty() && !selector.selector.matches(templateLabels(template) ?? {})) errs.push(...selectorMismatch(templatePath, template));
    const metadata = objAt(template, 'metadata');
    errs.push(...validation.validateLabels(stringMapAt(metadata, 'labels'), templatePath.child('labels')));
    errs.push(...validation.validateAnnotations(stringMapAt(metadata, 'annotations'), templatePath.child('annotations')));
  }
  const templateSpec = objAt(template, 'spec');
  const restartPolicy = strAt(templateSpec, 'restartPolicy');
  if (restartPolicy !== 'Always') errs.push(notSupported(templatePath.child('spec', 'restartPolicy'), restartPolicy, ['Always']));
  if (!isNil(templateSpec?.activeDeadlineSeconds)) {
    errs.push(forbidden(templatePath.child('spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in StatefulSet is not Supported'));
  }
  return errs;
}

const STATEFULSET_MUTABLE = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy'];

export function validateStatefulSetUpdate(statefulSet: Obj, old: Obj): Errs {
  const errs = validateStatefulSet(statefulSet);
  const strip = (o: Obj): Obj => Object.fromEntries(Object.entries(objAt(o, 'spec') ?? {}).filter(([k]) => !STATEFULSET_MUTABLE.includes(k)));
  if (!semanticEqual(strip(statefulSet), strip(old))) {
    errs.push(
      forbidden(
        newPath('spec'),
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

// ---- DaemonSet ----

function validateDaemonSetUpdateStrategy(strategy: Obj, path: FieldPath): Errs {
  const type = strAt(strategy, 'type');
  const rollingUpdate = objAt(strategy, 'rollingUpdate');
  if (type === 'OnDelete') return [];
  if (type === 'RollingUpdate') {
    if (!rollingUpdate) return [required(path.child('rollingUpdate'), '')];
    const ruPath = path.child('rollingUpdate');
    const errs = validatePositiveIntOrPercent(rollingUpdate.maxUnavailable, ruPath.child('maxUnavailable'));
    errs.push(...validatePositiveIntOrPercent(rollingUpdate.maxSurge, ruPath.child('maxSurge')));
    errs.push(...notMoreThan100Percent(rollingUpdate.maxUnavailable, ruPath.child('maxUnavailable')));
    errs.push(...notMoreThan100Percent(rollingUpdate.maxSurge, ruPath.child('maxSurge')));
    const hasUnavailable = intOrPercentValue(rollingUpdate.maxUnavailable) !== 0;
    const hasSurge = intOrPercentValue(rollingUpdate.maxSurge) !== 0;
    if (hasUnavailable && hasSurge) errs.push(invalid(ruPath.child('maxSurge'), intOrStringValue(rollingUpdate.maxSurge), 'may not be set when maxUnavailable is non-zero'));
    else if (!hasUnavailable && !hasSurge) errs.push(required(ruPath.child('maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
    return errs;
  }
  const badValue = new Map<string, unknown>([
    ['type', type === '' ? undefined : type],
    ['rollingUpdate', rollingUpdate ? structValue(rollingUpdate, ['maxUnavailable', 'maxSurge']) : undefined],
  ]);
  return [notSupported(path, badValue, ['RollingUpdate', 'OnDelete'])];
}

export function validateDaemonSet(daemonSet: Obj): Errs {
  const path = newPath('spec');
  const spec = objAt(daemonSet, 'spec') ?? {};
  const selectorObj = objAt(spec, 'selector');
  const errs = labels.validateLabelSelector(selectorObj as labels.LabelSelectorObject | undefined, {}, path.child('selector'));
  const template = objAt(spec, 'template');
  const selector = asSelector(selectorObj);
  if (!('error' in selector) && !selector.selector.matches(templateLabels(template) ?? {})) errs.push(...selectorMismatch(path.child('template'), template));
  if (selectorObj && listAt(selectorObj, 'matchExpressions').length + Object.keys(objAt(selectorObj, 'matchLabels') ?? {}).length === 0) {
    errs.push(invalid(path.child('selector'), selectorValue(selectorObj), 'empty selector is invalid for daemonset'));
  }
  errs.push(...validatePodTemplateSpec(template, path.child('template')));
  const templateSpec = objAt(template, 'spec');
  const restartPolicy = strAt(templateSpec, 'restartPolicy');
  if (restartPolicy !== 'Always') errs.push(notSupported(path.child('template', 'spec', 'restartPolicy'), restartPolicy, ['Always']));
  if (!isNil(templateSpec?.activeDeadlineSeconds)) {
    errs.push(forbidden(path.child('template', 'spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in DaemonSet is not Supported'));
  }
  errs.push(...nonNegative(numAt(spec, 'minReadySeconds') ?? 0, path.child('minReadySeconds')));
  errs.push(...nonNegative(numAt(spec, 'templateGeneration') ?? 0, path.child('templateGeneration')));
  errs.push(...validateDaemonSetUpdateStrategy(objAt(spec, 'updateStrategy') ?? {}, path.child('updateStrategy')));
  errs.push(...nonNegative(numAt(spec, 'revisionHistoryLimit'), path.child('revisionHistoryLimit')));
  return errs;
}

export function validateDaemonSetUpdate(daemonSet: Obj, old: Obj): Errs {
  const errs: Errs = [];
  const newGeneration = numAt(objAt(daemonSet, 'spec'), 'templateGeneration') ?? 0;
  const oldGeneration = numAt(objAt(old, 'spec'), 'templateGeneration') ?? 0;
  if (newGeneration < oldGeneration) errs.push(invalid(newPath('spec').child('templateGeneration'), newGeneration, 'must not be decremented'));
  return [...errs, ...validateDaemonSet(daemonSet), ...selectorImmutable(daemonSet, old)];
}

// ---- ReplicationController (core/v1) ----

export function validateReplicationController(rc: Obj): Errs {
  const path = newPath('spec');
  const spec = objAt(rc, 'spec') ?? {};
  const errs = nonNegative(numAt(spec, 'minReadySeconds') ?? 0, path.child('minReadySeconds'));
  const selectorMap = stringMapAt(spec, 'selector') ?? {};
  if (Object.keys(selectorMap).length === 0) errs.push(required(path.child('selector'), ''));
  errs.push(...nonNegative(numAt(spec, 'replicas') ?? 0, path.child('replicas')));
  const template = objAt(spec, 'template');
  const templatePath = path.child('template');
  if (!template) errs.push(required(templatePath, ''));
  else {
    const selector = labels.selectorFromSet(selectorMap);
    if (!selector.isEmpty() && !selector.matches(templateLabels(template) ?? {})) errs.push(...selectorMismatch(templatePath, template));
    errs.push(...validatePodTemplateSpec(template, templatePath));
    const templateSpec = objAt(template, 'spec');
    const restartPolicy = strAt(templateSpec, 'restartPolicy');
    if (restartPolicy !== 'Always') errs.push(notSupported(templatePath.child('spec', 'restartPolicy'), restartPolicy, ['Always']));
    if (!isNil(templateSpec?.activeDeadlineSeconds)) {
      errs.push(forbidden(templatePath.child('spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in ReplicationController is not Supported'));
    }
  }
  return errs;
}

// ---- Job ----

const MAX_PARALLELISM_FOR_INDEXED_JOB = 100000;

function validatePodFailurePolicy(spec: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  const rules = listAt(objAt(spec, 'podFailurePolicy'), 'rules');
  const rulesPath = path.child('rules');
  if (rules.length > 20) errs.push(validation.tooMany(rulesPath, rules.length, 20));
  const actions = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
  rules.forEach((rule, i) => {
    const rulePath = rulesPath.index(i);
    const action = strAt(rule, 'action');
    if (!actions.includes(action)) errs.push(notSupported(rulePath.child('action'), action, actions));
    const onExitCodes = objAt(rule, 'onExitCodes');
    const onPodConditions = listAt(rule, 'onPodConditions');
    if (onExitCodes && onPodConditions.length > 0) {
      errs.push(invalid(rulePath, 'specifying both OnExitCodes and OnPodConditions is not supported', 'specifying both OnExitCodes and OnPodConditions is not supported'));
    } else if (!onExitCodes && onPodConditions.length === 0) {
      errs.push(invalid(rulePath, 'specifying one of OnExitCodes and OnPodConditions is required', 'specifying one of OnExitCodes and OnPodConditions is required'));
    }
    if (onExitCodes) {
      const operator = strAt(onExitCodes, 'operator');
      if (operator !== 'In' && operator !== 'NotIn') errs.push(notSupported(rulePath.child('onExitCodes', 'operator'), operator, ['In', 'NotIn']));
    }
    onPodConditions.forEach((pattern, j) => {
      const status = strAt(pattern, 'status');
      if (!['False', 'True', 'Unknown'].includes(status)) {
        errs.push(notSupported(rulePath.child('onPodConditions').index(j).child('status'), status, ['False', 'True', 'Unknown']));
      }
    });
  });
  return errs;
}

/** validateJobSpec (shared by Jobs and CronJob job templates). */
function validateJobSpecCommon(spec: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  for (const key of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex']) {
    errs.push(...nonNegative(numAt(spec, key), path.child(key)));
  }
  const maxFailedIndexes = numAt(spec, 'maxFailedIndexes');
  if (maxFailedIndexes !== undefined) {
    errs.push(...nonNegative(maxFailedIndexes, path.child('maxFailedIndexes')));
    if (isNil(spec.backoffLimitPerIndex)) errs.push(required(path.child('backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
  }
  const completionMode = optStr(spec, 'completionMode');
  const completions = numAt(spec, 'completions');
  if (completionMode !== undefined) {
    if (completionMode !== 'NonIndexed' && completionMode !== 'Indexed') {
      errs.push(notSupported(path.child('completionMode'), completionMode, ['NonIndexed', 'Indexed']));
    }
    if (completionMode === 'Indexed') {
      if (completions === undefined) errs.push(required(path.child('completions'), 'when completion mode is Indexed'));
      const parallelism = numAt(spec, 'parallelism');
      if (parallelism !== undefined && parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB) {
        errs.push(invalid(path.child('parallelism'), parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`));
      }
      if (completions !== undefined && maxFailedIndexes !== undefined && maxFailedIndexes > completions) {
        errs.push(invalid(path.child('maxFailedIndexes'), maxFailedIndexes, 'must be less than or equal to completions'));
      }
    }
  }
  if (completionMode === undefined || completionMode === 'NonIndexed') {
    const perIndex = numAt(spec, 'backoffLimitPerIndex');
    if (perIndex !== undefined) errs.push(invalid(path.child('backoffLimitPerIndex'), perIndex, 'requires indexed completion mode'));
    if (maxFailedIndexes !== undefined) errs.push(invalid(path.child('maxFailedIndexes'), maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (!isNil(spec.podFailurePolicy)) errs.push(...validatePodFailurePolicy(spec, path.child('podFailurePolicy')));
  const replacement = optStr(spec, 'podReplacementPolicy');
  if (replacement !== undefined) {
    if (!isNil(spec.podFailurePolicy)) {
      if (replacement !== 'Failed') errs.push(notSupported(path.child('podReplacementPolicy'), replacement, ['Failed']));
    } else if (replacement !== 'Failed' && replacement !== 'TerminatingOrFailed') {
      errs.push(notSupported(path.child('podReplacementPolicy'), replacement, ['Failed', 'TerminatingOrFailed']));
    }
  }
  const template = objAt(spec, 'template');
  errs.push(...validatePodTemplateSpec(template, path.child('template')));
  const restartPolicy = strAt(objAt(template, 'spec'), 'restartPolicy');
  const restartPath = path.child('template', 'spec', 'restartPolicy');
  if (restartPolicy === 'Always' || restartPolicy === '') errs.push(required(restartPath, 'valid values: "OnFailure", "Never"'));
  else if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') errs.push(notSupported(restartPath, restartPolicy, ['OnFailure', 'Never']));
  else if (!isNil(spec.podFailurePolicy) && restartPolicy !== 'Never') {
    errs.push(invalid(restartPath, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  return errs;
}

/** ValidateJobSpec: the common rules plus the selector, which must select the template. */
function validateJobSpec(spec: Obj, path: FieldPath): Errs {
  const errs = validateJobSpecCommon(spec, path);
  const selectorObj = objAt(spec, 'selector');
  // The registry generates the selector before validation unless manualSelector is true, so a
  // missing one can only be reported for manual selectors.
  if (!selectorObj) {
    if (spec.manualSelector === true) errs.push(required(path.child('selector'), ''));
    return errs;
  }
  errs.push(...labels.validateLabelSelector(selectorObj as labels.LabelSelectorObject, {}, path.child('selector')));
  const selector = asSelector(selectorObj);
  if (!('error' in selector) && !selector.selector.matches(templateLabels(objAt(spec, 'template')) ?? {})) {
    errs.push(...selectorMismatch(path.child('template'), objAt(spec, 'template')));
  }
  return errs;
}

export function validateJob(job: Obj): Errs {
  const metadata = objAt(job, 'metadata');
  const spec = objAt(job, 'spec') ?? {};
  const errs = validateGeneratedSelector(job);
  errs.push(...validateJobSpec(spec, newPath('spec')));
  const completions = numAt(spec, 'completions');
  if (spec.completionMode === 'Indexed' && completions !== undefined && completions > 0) {
    const hostname = `${strAt(metadata, 'name')}-${completions - 1}`;
    if (validation.isDNS1123Label(hostname).length > 0) {
      errs.push(invalid(newPath('metadata').child('name'), strAt(metadata, 'name'), `will not able to create pod with invalid DNS label: ${hostname}`));
    }
  }
  return errs;
}

/** ValidateGeneratedSelector: with a generated selector the template must carry the generated labels. */
function validateGeneratedSelector(job: Obj): Errs {
  const spec = objAt(job, 'spec') ?? {};
  if (spec.manualSelector === true || !objAt(spec, 'selector')) return [];
  const metadata = objAt(job, 'metadata');
  const uid = strAt(metadata, 'uid');
  const name = strAt(metadata, 'name');
  const errs: Errs = [];
  if (uid === '') errs.push(required(newPath('metadata').child('uid'), ''));
  const templateMetaPath = newPath('spec').child('template').child('metadata');
  const templateLabelMap = templateLabels(objAt(spec, 'template')) ?? {};
  for (const [key, expected] of [
    ['controller-uid', uid],
    ['job-name', name],
    ['batch.kubernetes.io/controller-uid', uid],
    ['batch.kubernetes.io/job-name', name],
  ] as const) {
    const actual = templateLabelMap[key];
    if (actual === undefined) errs.push(required(templateMetaPath.child('labels').key(key), `must be '${expected}'`));
    else if (actual !== expected) errs.push(invalid(templateMetaPath.child('labels').key(key), labelsValue(templateLabelMap), `must be '${expected}'`));
  }
  const expected: Record<string, string> = { 'controller-uid': uid, 'batch.kubernetes.io/controller-uid': uid };
  const selector = asSelector(objAt(spec, 'selector'));
  if (!('error' in selector) && !selector.selector.matches(expected)) {
    errs.push(invalid(newPath('spec').child('selector'), selectorValue(objAt(spec, 'selector')), '`selector` not auto-generated'));
  }
  return errs;
}

function templateForUpdateCheck(spec: Obj): unknown {
  return spec.template;
}

export function validateJobUpdate(job: Obj, old: Obj): Errs {
  const path = newPath('spec');
  const spec = objAt(job, 'spec') ?? {};
  const oldSpec = objAt(old, 'spec') ?? {};
  const errs = validateJobSpec(spec, path);
  const indexed = spec.completionMode === 'Indexed';
  if (!semanticEqual(spec.completions, oldSpec.completions)) {
    // ElasticIndexedJob is on: indexed jobs may change completions together with parallelism.
    if (!indexed) errs.push(invalid(path.child('completions'), spec.completions ?? null, FIELD_IMMUTABLE_ERROR_MSG));
    else if (!isNil(spec.completions) && spec.completions !== spec.parallelism) {
      errs.push(invalid(path.child('completions'), spec.completions, 'can only be modified in tandem with spec.parallelism'));
    }
  }
  errs.push(...selectorImmutable(job, old));
  // Scheduling directives of a suspended job that never started may change (MutableSchedulingDirectives).
  const newTemplate = structuredClone(templateForUpdateCheck(spec)) as Obj | undefined;
  const oldTemplate = structuredClone(templateForUpdateCheck(oldSpec)) as Obj | undefined;
  const neverStarted = isNil(objAt(old, 'status')?.startTime);
  if (spec.suspend === true && oldSpec.suspend === true && neverStarted && newTemplate && oldTemplate) {
    const newTemplateSpec = objAt(newTemplate, 'spec') ?? {};
    const oldTemplateSpec = objAt(oldTemplate, 'spec') ?? {};
    for (const key of ['nodeSelector', 'tolerations', 'affinity', 'schedulingGates']) oldTemplateSpec[key] = newTemplateSpec[key];
    const newMeta = objAt(newTemplate, 'metadata') ?? {};
    const oldMeta = objAt(oldTemplate, 'metadata') ?? {};
    oldMeta.labels = newMeta.labels;
    oldMeta.annotations = newMeta.annotations;
  }
  if (!semanticEqual(newTemplate, oldTemplate)) {
    errs.push(invalid(path.child('template'), newTemplate ?? null, FIELD_IMMUTABLE_ERROR_MSG));
  }
  for (const key of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    if (semanticEqual(spec[key], oldSpec[key])) continue;
    const value = spec[key];
    if (isObj(value)) errs.push(invalid(path.child(key), value, FIELD_IMMUTABLE_ERROR_MSG));
    else errs.push(invalid(path.child(key), value ?? null, FIELD_IMMUTABLE_ERROR_MSG));
  }
  return errs;
}

// ---- CronJob ----

function validateTimeZone(timeZone: string | undefined, path: FieldPath): Errs {
  if (timeZone === undefined) return [];
  if (timeZone === '') return [invalid(path, timeZone, 'timeZone must be nil or non-empty string')];
  for (const part of timeZone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z.\-_0-9+]{1,14}$/.test(part)) {
      return [invalid(path, timeZone, `unknown time zone ${timeZone}`)];
    }
  }
  const errs: Errs = [];
  if (timeZone.toLowerCase() === 'local') errs.push(invalid(path, timeZone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  if (!isKnownZone(timeZone) || timeZone === 'Local') errs.push(invalid(path, timeZone, `unknown time zone ${timeZone}`));
  return errs;
}

function validateCronJobSpec(spec: Obj, oldSpec: Obj | undefined, path: FieldPath): Errs {
  const errs: Errs = [];
  const schedule = strAt(spec, 'schedule');
  const schedulePath = path.child('schedule');
  const timeZone = optStr(spec, 'timeZone');
  if (schedule === '') errs.push(required(schedulePath, ''));
  else {
    const error = cronScheduleError(schedule);
    if (error !== undefined) errs.push(invalid(schedulePath, schedule, error));
    const allowTZ = oldSpec !== undefined && strAt(oldSpec, 'schedule').includes('TZ');
    if (schedule.includes('TZ')) {
      if (allowTZ) {
        if (timeZone !== undefined) errs.push(invalid(schedulePath, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
      } else {
        errs.push(invalid(schedulePath, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
      }
    }
  }
  errs.push(...nonNegative(numAt(spec, 'startingDeadlineSeconds'), path.child('startingDeadlineSeconds')));
  if (oldSpec === undefined || optStr(oldSpec, 'timeZone') !== timeZone) errs.push(...validateTimeZone(timeZone, path.child('timeZone')));
  const concurrency = strAt(spec, 'concurrencyPolicy');
  if (concurrency === '') errs.push(required(path.child('concurrencyPolicy'), ''));
  else if (!['Allow', 'Forbid', 'Replace'].includes(concurrency)) {
    errs.push(notSupported(path.child('concurrencyPolicy'), concurrency, ['Allow', 'Forbid', 'Replace']));
  }
  const jobTemplate = objAt(spec, 'jobTemplate') ?? {};
  const jobTemplatePath = path.child('jobTemplate');
  const jobSpec = objAt(jobTemplate, 'spec') ?? {};
  errs.push(...validation.validateLabels(stringMapAt(objAt(jobTemplate, 'metadata'), 'labels'), jobTemplatePath.child('metadata', 'labels')));
  errs.push(...validateJobSpecCommon(jobSpec, jobTemplatePath.child('spec')));
  if (!isNil(jobSpec.selector)) {
    errs.push(invalid(jobTemplatePath.child('spec', 'selector'), selectorValue(objAt(jobSpec, 'selector')), '`selector` will be auto-generated'));
  }
  if (jobSpec.manualSelector === true) errs.push(notSupported(jobTemplatePath.child('spec', 'manualSelector'), true, ['nil', 'false']));
  errs.push(...nonNegative(numAt(spec, 'successfulJobsHistoryLimit'), path.child('successfulJobsHistoryLimit')));
  errs.push(...nonNegative(numAt(spec, 'failedJobsHistoryLimit'), path.child('failedJobsHistoryLimit')));
  return errs;
}

export function validateCronJob(cronJob: Obj): Errs {
  const errs = validateCronJobSpec(objAt(cronJob, 'spec') ?? {}, undefined, newPath('spec'));
  const name = strAt(objAt(cronJob, 'metadata'), 'name');
  if (name.length > 52) errs.push(invalid(newPath('metadata').child('name'), name, 'must be no more than 52 characters'));
  return errs;
}

export function validateCronJobUpdate(cronJob: Obj, old: Obj): Errs {
  return validateCronJobSpec(objAt(cronJob, 'spec') ?? {}, objAt(old, 'spec') ?? {}, newPath('spec'));
}
