// Label selectors (apimachinery/pkg/labels): requirements, matching and the
// canonical string form. A selector's String() goes back to clients and into
// Table output, so ordering and spelling follow upstream exactly.

import {
  aggregateMessage,
  childOf,
  compareGoStrings,
  invalid,
  isQualifiedName,
  isValidLabelValue,
  parseError,
  parseGoInt64,
  type FieldError,
  type FieldPath,
  type OptionalPath,
  type ParseError,
} from '../validation/index.js';

/** selection.Operator, spelled as upstream spells it. */
export type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'gt' | 'lt' | 'exists' | '!';

/** The binary operators in upstream's order (it appears in a parse error message). */
export const BINARY_OPERATORS: readonly Operator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  /** Sorted and distinct when produced by the parser; matched as a set. */
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>>;

function hasLabel(labels: Labels, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key);
}

/** validateLabelKey: one field error carrying all qualified-name messages. */
export function validateLabelKey(key: string, path: OptionalPath): FieldError | undefined {
  const errs = isQualifiedName(key);
  return errs.length > 0 ? invalid(path, key, errs.join('; ')) : undefined;
}

/** The error path is ".../values[i][key]", as upstream builds it. */
function validateLabelValue(key: string, value: string, path: FieldPath): FieldError | undefined {
  const errs = isValidLabelValue(value);
  return errs.length > 0 ? invalid(path.key(key), value, errs.join('; ')) : undefined;
}

/** Go renders a nil []string as JSON null; an empty values list stands for one. */
function valuesBadValue(values: readonly string[]): readonly string[] | null {
  return values.length === 0 ? null : values;
}

function operatorErrors(operator: Operator, values: readonly string[], path: OptionalPath): FieldError[] {
  const valuePath = childOf(path, 'values');
  switch (operator) {
    case 'in':
    case 'notin':
      return values.length === 0 ? [invalid(valuePath, valuesBadValue(values), "for 'in', 'notin' operators, values set can't be empty")] : [];
    case '=':
    case '==':
    case '!=':
      return values.length !== 1 ? [invalid(valuePath, valuesBadValue(values), 'exact-match compatibility requires one single value')] : [];
    case 'exists':
    case '!':
      return values.length !== 0 ? [invalid(valuePath, valuesBadValue(values), 'values set must be empty for exists and does not exist')] : [];
    case 'gt':
    case 'lt': {
      const errs =
        values.length !== 1 ? [invalid(valuePath, valuesBadValue(values), "for 'Gt', 'Lt' operators, exactly one value is required")] : [];
      values.forEach((v, i) => {
        if (parseGoInt64(v) === undefined) errs.push(invalid(valuePath.index(i), v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      return errs;
    }
  }
}

/**
 * NewRequirement: validates key, operator arity and values. On failure the
 * error is the aggregate of all field errors, as upstream returns it.
 */
export function newRequirement(key: string, operator: Operator, values: readonly string[], path?: OptionalPath): Requirement | ParseError {
  const errs: FieldError[] = [];
  const keyErr = validateLabelKey(key, childOf(path, 'key'));
  if (keyErr) errs.push(keyErr);
  errs.push(...operatorErrors(operator, values, path));
  const valuePath = childOf(path, 'values');
  values.forEach((v, i) => {
    const err = validateLabelValue(key, v, valuePath.index(i));
    if (err) errs.push(err);
  });
  const message = aggregateMessage(errs);
  return message === undefined ? { key, operator, values: [...values] } : parseError(message);
}

export function requirementMatches(req: Requirement, labels: Labels): boolean {
  const present = hasLabel(labels, req.key);
  const value = labels[req.key] ?? '';
  switch (req.operator) {
    case 'in':
    case '=':
    case '==':
      return present && req.values.includes(value);
    case 'notin':
    case '!=':
      return !present || !req.values.includes(value);
    case 'exists':
      return present;
    case '!':
      return !present;
    case 'gt':
    case 'lt':
      return present && compareInts(req, value);
  }
}

/** Gt/Lt: both sides must be int64; anything unparsable does not match. */
function compareInts(req: Requirement, labelValue: string): boolean {
  const actual = parseGoInt64(labelValue);
  const only = req.values.length === 1 ? req.values[0] : undefined;
  const wanted = only === undefined ? undefined : parseGoInt64(only);
  if (actual === undefined || wanted === undefined) return false;
  return req.operator === 'gt' ? actual > wanted : actual < wanted;
}

function sortedValues(values: readonly string[]): readonly string[] {
  return [...values].sort(compareGoStrings);
}

/** Requirement.String(): "!k", "k", "k=v", "k in (a,b)" with values sorted. */
export function requirementToString(req: Requirement): string {
  switch (req.operator) {
    case 'exists':
      return req.key;
    case '!':
      return `!${req.key}`;
    case 'in':
    case 'notin':
      return `${req.key} ${req.operator} (${sortedValues(req.values).join(',')})`;
    case 'gt':
      return `${req.key}>${sortedValues(req.values).join(',')}`;
    case 'lt':
      return `${req.key}<${sortedValues(req.values).join(',')}`;
    default:
      return `${req.key}${req.operator}${sortedValues(req.values).join(',')}`;
  }
}

/** Requirements sorted by key (stable, as Go's sort.Sort is for the small lists seen in practice). */
function byKey(reqs: readonly Requirement[]): Requirement[] {
  return [...reqs].sort((a, b) => compareGoStrings(a.key, b.key));
}

/**
 * A parsed label selector: the AND of its requirements. The "nothing"
 * selector (from a nil metav1.LabelSelector) matches no object at all.
 */
export class LabelSelector {
  private static readonly EVERYTHING = new LabelSelector([], true);
  private static readonly NOTHING = new LabelSelector([], false);

  private constructor(
    readonly requirements: readonly Requirement[],
    /** False only for nothing(): such a selector selects nothing. */
    readonly selectable: boolean,
  ) {}

  /** Matches every object (an empty selector string, or an empty metav1.LabelSelector). */
  static everything(): LabelSelector {
    return LabelSelector.EVERYTHING;
  }

  /** Matches no object (a nil metav1.LabelSelector). */
  static nothing(): LabelSelector {
    return LabelSelector.NOTHING;
  }

  /** Builds a selector; requirements are sorted by key like upstream's Add. */
  static of(requirements: readonly Requirement[]): LabelSelector {
    return requirements.length === 0 ? LabelSelector.EVERYTHING : new LabelSelector(byKey(requirements), true);
  }

  matches(labels: Labels): boolean {
    return this.selectable && this.requirements.every((r) => requirementMatches(r, labels));
  }

  /** True when the selector does not restrict anything (not true for nothing()). */
  isEmpty(): boolean {
    return this.selectable && this.requirements.length === 0;
  }

  add(...requirements: Requirement[]): LabelSelector {
    if (!this.selectable) return this;
    return LabelSelector.of([...this.requirements, ...requirements]);
  }

  /** The value a selector pins a label to (=, == or a one-value in), for index lookups. */
  requiresExactMatch(label: string): string | undefined {
    const req = this.requirements.find((r) => r.key === label);
    if (req === undefined) return undefined;
    const exact = req.operator === '=' || req.operator === '==' || req.operator === 'in';
    return exact && req.values.length === 1 ? req.values[0] : undefined;
  }

  toString(): string {
    return this.requirements.map(requirementToString).join(',');
  }
}

export function everything(): LabelSelector {
  return LabelSelector.everything();
}

export function nothing(): LabelSelector {
  return LabelSelector.nothing();
}

export function matches(selector: LabelSelector, labels: Labels): boolean {
  return selector.matches(labels);
}

/** SelectorFromSet: k=v for every entry, without validation. An empty set selects everything. */
export function selectorFromSet(set: Labels | null | undefined): LabelSelector {
  return LabelSelector.of(Object.entries(set ?? {}).map(([key, value]) => ({ key, operator: '=', values: [value] })));
}

/** ValidatedSelectorFromSet: the same, but each pair validated as NewRequirement does. */
export function validatedSelectorFromSet(set: Labels | null | undefined): LabelSelector | ParseError {
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(set ?? {})) {
    const req = newRequirement(key, '=', [value]);
    if ('error' in req) return req;
    reqs.push(req);
  }
  return LabelSelector.of(reqs);
}

/** labels.Equals: the same keys with the same values (no labels and empty labels alike). */
export function equalLabels(a: Labels | null | undefined, b: Labels | null | undefined): boolean {
  if (a === b) return true;
  const x = a ?? {};
  const y = b ?? {};
  const own = Object.prototype.hasOwnProperty;
  let count = 0;
  for (const key in x) {
    if (!own.call(y, key) || x[key] !== y[key]) return false;
    count++;
  }
  for (const _key in y) count--;
  return count === 0;
}

/** labels.Set.String(): "k=v" pairs sorted as whole strings, comma-joined. */
export function formatLabels(set: Labels | null | undefined): string {
  return Object.entries(set ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .sort(compareGoStrings)
    .join(',');
}
