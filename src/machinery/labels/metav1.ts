// The structured form of a label selector (metav1.LabelSelector, as found in
// Deployment.spec.selector, NetworkPolicy, PodAffinity...): conversion to a
// LabelSelector (LabelSelectorAsSelector), its validation as an API field
// (ValidateLabelSelector) and its printed form (FormatLabelSelector).

import { childOf, forbidden, goQuote, invalid, isValidLabelValue, parseError, required, validateLabelName, validateLabels } from '../validation/index.js';
import type { FieldError, FieldPath, ParseError } from '../validation/index.js';
import { LabelSelector, newRequirement, type Operator, type Requirement } from './selector.js';

export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirementObject {
  readonly key: string;
  /** Typed as string: objects arrive from clients and may carry anything. */
  readonly operator: string;
  readonly values?: readonly string[] | null;
}

/** metav1.LabelSelector in its JSON shape. */
export interface LabelSelectorObject {
  readonly matchLabels?: Readonly<Record<string, string>> | null;
  readonly matchExpressions?: readonly LabelSelectorRequirementObject[] | null;
}

const OPERATORS: ReadonlyMap<string, Operator> = new Map<string, Operator>([
  ['In', 'in'],
  ['NotIn', 'notin'],
  ['Exists', 'exists'],
  ['DoesNotExist', '!'],
]);

/**
 * LabelSelectorAsSelector: a nil selector selects nothing, an empty one
 * everything. Errors are upstream's (the first failing requirement's aggregate,
 * or `"Foo" is not a valid label selector operator`).
 */
export function fromLabelSelector(ps: LabelSelectorObject | null | undefined): LabelSelector | ParseError {
  if (ps === null || ps === undefined) return LabelSelector.nothing();
  const matchLabels = Object.entries(ps.matchLabels ?? {});
  const expressions = ps.matchExpressions ?? [];
  if (matchLabels.length + expressions.length === 0) return LabelSelector.everything();
  const requirements: Requirement[] = [];
  for (const [key, value] of matchLabels) {
    const req = newRequirement(key, '=', [value]);
    if ('error' in req) return req;
    requirements.push(req);
  }
  for (const expr of expressions) {
    const operator = OPERATORS.get(expr.operator);
    if (operator === undefined) return parseError(`${goQuote(expr.operator)} is not a valid label selector operator`);
    const req = newRequirement(expr.key, operator, expr.values ?? []);
    if ('error' in req) return req;
    requirements.push(req);
  }
  return LabelSelector.of(requirements);
}

/** FormatLabelSelector: the selector string, "<none>" when empty, "<error>" when invalid. */
export function formatLabelSelector(ps: LabelSelectorObject | null | undefined): string {
  const selector = fromLabelSelector(ps);
  if ('error' in selector) return '<error>';
  const text = selector.toString();
  return text.length === 0 ? '<none>' : text;
}

export interface LabelSelectorValidationOptions {
  /** Skip label-value format checks on matchExpressions values (for objects stored before that check existed). */
  readonly allowInvalidLabelValueInSelector?: boolean;
}

/** ValidateLabelSelectorRequirement: operator arity, key format and (optionally) value format. */
export function validateLabelSelectorRequirement(
  sr: LabelSelectorRequirementObject,
  options: LabelSelectorValidationOptions,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const values = sr.values ?? [];
  switch (sr.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(forbidden(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(invalid(path.child('operator'), sr.operator, 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(sr.key, path.child('key')));
  if (!options.allowInvalidLabelValueInSelector) {
    values.forEach((value, i) => {
      errs.push(...isValidLabelValue(value).map((msg) => invalid(childOf(path, 'values').index(i), value, msg)));
    });
  }
  return errs;
}

/** ValidateLabelSelector: the 422 field errors for a metav1.LabelSelector field. A nil selector is valid. */
export function validateLabelSelector(
  ps: LabelSelectorObject | null | undefined,
  options: LabelSelectorValidationOptions,
  path: FieldPath,
): FieldError[] {
  if (ps === null || ps === undefined) return [];
  const errs = validateLabels(ps.matchLabels, path.child('matchLabels'));
  (ps.matchExpressions ?? []).forEach((expr, i) => {
    errs.push(...validateLabelSelectorRequirement(expr, options, path.child('matchExpressions').index(i)));
  });
  return errs;
}
