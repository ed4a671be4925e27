// Scheduling constraints of a pod: node selectors and affinity, pod
// (anti-)affinity, tolerations, topology spread constraints.

import { labels, validation } from '../../machinery/index.js';
import {
  duplicateWithDetail,
  forbidden,
  invalid,
  isNil,
  listAt,
  notSupported,
  numAt,
  objAt,
  optStr,
  required,
  strAt,
  structValue,
  stringsAt,
  type Errs,
  type FieldPath,
  type Obj,
} from './util.js';

function labelSelector(selector: Obj | undefined, path: FieldPath): Errs {
  return labels.validateLabelSelector(selector as labels.LabelSelectorObject | undefined, {}, path);
}

function validateLabelName(key: string, path: FieldPath): Errs {
  return validation.validateLabelName(key, path);
}

/** ValidateNodeSelectorRequirement. */
function validateNodeSelectorRequirement(req: Obj, allowInvalidLabelValue: boolean, path: FieldPath): Errs {
  const errs: Errs = [];
  const values = stringsAt(req, 'values');
  const operator = strAt(req, 'operator');
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(forbidden(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(required(path.child('values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(invalid(path.child('operator'), operator, 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(strAt(req, 'key'), path.child('key')));
  if (!allowInvalidLabelValue) {
    values.forEach((value, i) => {
      errs.push(...validation.isValidLabelValue(value).map((msg) => invalid(path.child('values').index(i), value, msg)));
    });
  }
  return errs;
}

function validateNodeFieldSelectorRequirement(req: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  const operator = strAt(req, 'operator');
  const values = stringsAt(req, 'values');
  if (operator === 'In' || operator === 'NotIn') {
    if (values.length !== 1) errs.push(required(path.child('values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
  } else {
    errs.push(invalid(path.child('operator'), operator, 'not a valid selector operator'));
  }
  if (strAt(req, 'key') !== 'metadata.name') errs.push(invalid(path.child('key'), strAt(req, 'key'), 'not a valid field selector key'));
  else {
    values.forEach((v, i) => errs.push(...validation.isDNS1123Subdomain(v).map((msg) => invalid(path.child('values').index(i), v, msg))));
  }
  return errs;
}

function validateNodeSelectorTerm(term: Obj, allowInvalidLabelValue: boolean, path: FieldPath): Errs {
  const errs: Errs = [];
  listAt(term, 'matchExpressions').forEach((req, j) => errs.push(...validateNodeSelectorRequirement(req, allowInvalidLabelValue, path.child('matchExpressions').index(j))));
  listAt(term, 'matchFields').forEach((req, j) => errs.push(...validateNodeFieldSelectorRequirement(req, path.child('matchFields').index(j))));
  return errs;
}

/** ValidateNodeSelector. */
export function validateNodeSelector(selector: Obj, allowInvalidLabelValue: boolean, path: FieldPath): Errs {
  const termsPath = path.child('nodeSelectorTerms');
  const terms = listAt(selector, 'nodeSelectorTerms');
  if (terms.length === 0) return [required(termsPath, 'must have at least one node selector term')];
  return terms.flatMap((term, i) => validateNodeSelectorTerm(term, allowInvalidLabelValue, termsPath.index(i)));
}

function validatePodAffinityTerm(term: Obj, path: FieldPath): Errs {
  const errs = labelSelector(objAt(term, 'labelSelector'), path.child('labelSelector'));
  errs.push(...labelSelector(objAt(term, 'namespaceSelector'), path.child('namespaceSelector')));
  for (const name of stringsAt(term, 'namespaces')) {
    errs.push(...validation.isDNS1123Label(name).map((msg) => invalid(path.child('namespace'), name, msg)));
  }
  const topologyKey = strAt(term, 'topologyKey');
  if (topologyKey === '') errs.push(required(path.child('topologyKey'), 'can not be empty'));
  errs.push(...validateLabelName(topologyKey, path.child('topologyKey')));
  return errs;
}

function validatePodAffinity(affinity: Obj, path: FieldPath): Errs {
  const errs: Errs = [];
  listAt(affinity, 'requiredDuringSchedulingIgnoredDuringExecution').forEach((term, i) =>
    errs.push(...validatePodAffinityTerm(term, path.child('requiredDuringSchedulingIgnoredDuringExecution').index(i))),
  );
  listAt(affinity, 'preferredDuringSchedulingIgnoredDuringExecution').forEach((weighted, j) => {
    const weightedPath = path.child('preferredDuringSchedulingIgnoredDuringExecution').index(j);
    const weight = numAt(weighted, 'weight') ?? 0;
    if (weight <= 0 || weight > 100) errs.push(invalid(weightedPath.child('weight'), weight, 'must be in the range 1-100'));
    errs.push(...validatePodAffinityTerm(objAt(weighted, 'podAffinityTerm') ?? {}, weightedPath.child('podAffinityTerm')));
  });
  return errs;
}

/** validateAffinity. */
export function validateAffinity(affinity: Obj | undefined, path: FieldPath): Errs {
  if (!affinity) return [];
  const errs: Errs = [];
  const nodeAffinity = objAt(affinity, 'nodeAffinity');
  if (nodeAffinity) {
    const naPath = path.child('nodeAffinity');
    const requiredSelector = objAt(nodeAffinity, 'requiredDuringSchedulingIgnoredDuringExecution');
    if (requiredSelector) errs.push(...validateNodeSelector(requiredSelector, false, naPath.child('requiredDuringSchedulingIgnoredDuringExecution')));
    listAt(nodeAffinity, 'preferredDuringSchedulingIgnoredDuringExecution').forEach((term, i) => {
      const termPath = naPath.child('preferredDuringSchedulingIgnoredDuringExecution').index(i);
      const weight = numAt(term, 'weight') ?? 0;
      if (weight <= 0 || weight > 100) errs.push(invalid(termPath.child('weight'), weight, 'must be in the range 1-100'));
      errs.push(...validateNodeSelectorTerm(objAt(term, 'preference') ?? {}, true, termPath.child('preference')));
    });
  }
  const podAffinity = objAt(affinity, 'podAffinity');
  if (podAffinity) errs.push(...validatePodAffinity(podAffinity, path.child('podAffinity')));
  const podAntiAffinity = objAt(affinity, 'podAntiAffinity');
  if (podAntiAffinity) errs.push(...validatePodAffinity(podAntiAffinity, path.child('podAntiAffinity')));
  return errs;
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** validateTaintEffect. */
export function validateTaintEffect(effect: string, allowEmpty: boolean, path: FieldPath): Errs {
  if (!allowEmpty && effect === '') return [required(path, '')];
  return TAINT_EFFECTS.includes(effect) ? [] : [notSupported(path, effect, TAINT_EFFECTS)];
}

/** ValidateTolerations. */
export function validateTolerations(tolerations: Obj[], path: FieldPath): Errs {
  const errs: Errs = [];
  tolerations.forEach((toleration, i) => {
    const idxPath = path.index(i);
    const key = strAt(toleration, 'key');
    const operator = strAt(toleration, 'operator');
    const effect = strAt(toleration, 'effect');
    const value = strAt(toleration, 'value');
    if (key !== '') errs.push(...validateLabelName(key, idxPath.child('key')));
    if (key === '' && operator !== 'Exists') {
      errs.push(invalid(idxPath.child('operator'), operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (!isNil(toleration.tolerationSeconds) && effect !== 'NoExecute') {
      errs.push(invalid(idxPath.child('effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (operator) {
      case 'Equal':
      case '': {
        const msgs = validation.isValidLabelValue(value);
        if (msgs.length > 0) errs.push(invalid(idxPath.child('operator'), value, msgs.join(';')));
        break;
      }
      case 'Exists':
        if (value !== '') errs.push(invalid(idxPath.child('operator'), value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(idxPath.child('operator'), operator, ['Equal', 'Exists']));
    }
    if (effect !== '') errs.push(...validateTaintEffect(effect, true, idxPath.child('effect')));
  });
  return errs;
}

/** validateNodeTaints (errors reported under the path given, upstream passes metadata.taints). */
export function validateTaints(taints: Obj[], path: FieldPath): Errs {
  const errs: Errs = [];
  const unique = new Map<string, Set<string>>();
  taints.forEach((taint, i) => {
    const idxPath = path.index(i);
    const key = strAt(taint, 'key');
    const effect = strAt(taint, 'effect');
    errs.push(...validateLabelName(key, idxPath.child('key')));
    const valueErrs = validation.isValidLabelValue(strAt(taint, 'value'));
    if (valueErrs.length > 0) errs.push(invalid(idxPath.child('value'), strAt(taint, 'value'), valueErrs.join(';')));
    errs.push(...validateTaintEffect(effect, false, idxPath.child('effect')));
    const seen = unique.get(effect) ?? new Set<string>();
    if (seen.has(key)) {
      const badValue = structValue({ key, value: strAt(taint, 'value'), effect, timeAdded: taint.timeAdded }, ['key', 'value', 'effect', 'timeAdded']);
      errs.push(duplicateWithDetail(idxPath, badValue, 'taints must be unique by key and effect pair'));
      return;
    }
    seen.add(key);
    unique.set(effect, seen);
  });
  return errs;
}

/** validateTopologySpreadConstraints. */
export function validateTopologySpreadConstraints(constraints: Obj[], path: FieldPath): Errs {
  const errs: Errs = [];
  constraints.forEach((constraint, i) => {
    const subPath = path.index(i);
    const maxSkew = numAt(constraint, 'maxSkew') ?? 0;
    if (maxSkew <= 0) errs.push(invalid(subPath.child('maxSkew'), maxSkew, 'must be greater than zero'));
    const topologyKey = strAt(constraint, 'topologyKey');
    if (topologyKey === '') errs.push(required(subPath.child('topologyKey'), 'can not be empty'));
    const action = strAt(constraint, 'whenUnsatisfiable');
    if (action !== 'DoNotSchedule' && action !== 'ScheduleAnyway') {
      errs.push(notSupported(subPath.child('whenUnsatisfiable'), action, ['DoNotSchedule', 'ScheduleAnyway']));
    }
    const repeated = constraints.slice(i + 1).some((other) => strAt(other, 'topologyKey') === topologyKey && strAt(other, 'whenUnsatisfiable') === action);
    if (repeated) errs.push(validation.duplicate(subPath.child('{topologyKey, whenUnsatisfiable}'), `{${topologyKey}, ${action}}`));
    const minDomains = numAt(constraint, 'minDomains');
    if (minDomains !== undefined) {
      if (minDomains <= 0) errs.push(invalid(subPath.child('minDomains'), minDomains, 'must be greater than zero'));
      if (action !== 'DoNotSchedule') {
        errs.push(invalid(subPath.child('minDomains'), minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${action}`));
      }
    }
    for (const key of ['nodeAffinityPolicy', 'nodeTaintsPolicy']) {
      const policy = optStr(constraint, key);
      if (policy !== undefined && policy !== 'Honor' && policy !== 'Ignore') errs.push(notSupported(subPath.child(key), policy, ['Honor', 'Ignore']));
    }
    errs.push(...labelSelector(objAt(constraint, 'labelSelector'), subPath.child('labelSelector')));
  });
  return errs;
}

