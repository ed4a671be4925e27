// Field selectors (apimachinery/pkg/fields): "f=v,g!=w" with backslash
// escaping of '\', ',' and '=' in values. Terms are kept in the order upstream
// keeps them (the raw terms sorted before parsing), so toString() round-trips
// the way a real API server echoes a selector.

import { compareGoStrings, goQuote, parseError, type ParseError } from '../validation/index.js';

/** The operators a term may be written with; "==" is the same as "=". */
export type FieldOperator = '=' | '==' | '!=';

/** selection.Equals ("=") or selection.NotEquals ("!="), as Requirements() reports them. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

export type Fields = Readonly<Record<string, string>>;

/** Escapes a literal value for use in a field selector (fields.EscapeValue). */
export function escapeValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** fields.UnescapeValue: the literal value, or upstream's error for a bad escape or a bare ',' / '='. */
export function unescapeValue(escaped: string): string | ParseError {
  if (!/[\\,=]/.test(escaped)) return escaped;
  let out = '';
  let inSlash = false;
  for (const c of escaped) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') return parseError(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    // Upstream prints the rune with %v, i.e. as its code point number.
    else if (c === ',' || c === '=') return parseError(`invalid field selector: unescaped character in value: ${c.codePointAt(0) ?? 0}`);
    else out += c;
  }
  return inSlash ? parseError('invalid field selector: invalid escape sequence: \\') : out;
}

/** Splits on commas that are not escaped; escapes stay in the terms. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** "!=" and "==" are tried before "=" so that neither leaves a stray character in the value. */
const TERM_OPERATORS: readonly FieldOperator[] = ['!=', '==', '='];

/** The field name has no escaping: the first operator found splits the term. */
function splitTerm(term: string): { field: string; operator: FieldOperator; rawValue: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const operator of TERM_OPERATORS) {
      if (term.startsWith(operator, i)) return { field: term.slice(0, i), operator, rawValue: term.slice(i + operator.length) };
    }
  }
  return undefined;
}

/** Maps a (field, value) pair to another, or rejects it; returning ["", ""] drops the term. */
export type FieldLabelConverter = (field: string, value: string) => readonly [string, string] | ParseError;

function requirementToString(req: FieldRequirement): string {
  return `${req.field}${req.operator}${escapeValue(req.value)}`;
}

export class FieldSelector {
  private static readonly EVERYTHING = new FieldSelector([]);

  private constructor(private readonly terms: readonly FieldRequirement[]) {}

  static everything(): FieldSelector {
    return FieldSelector.EVERYTHING;
  }

  /** Terms are kept in the given order (upstream does not sort an AndSelectors or a Set). */
  static of(requirements: readonly FieldRequirement[]): FieldSelector {
    return requirements.length === 0 ? FieldSelector.EVERYTHING : new FieldSelector([...requirements]);
  }

  requirements(): readonly FieldRequirement[] {
    return this.terms;
  }

  /** A field absent from `fields` counts as the empty string, as upstream's Fields.Get does. */
  matches(fields: Fields): boolean {
    return this.terms.every((t) => {
      const actual = Object.prototype.hasOwnProperty.call(fields, t.field) ? (fields[t.field] ?? '') : '';
      return t.operator === '=' ? actual === t.value : actual !== t.value;
    });
  }

  isEmpty(): boolean {
    return this.terms.length === 0;
  }

  /** The value an equality term pins `field` to (for index lookups such as spec.nodeName). */
  requiresExactMatch(field: string): string | undefined {
    return this.terms.find((t) => t.operator === '=' && t.field === field)?.value;
  }

  /**
   * Transform: rewrites every term through `fn` (field label conversion per
   * kind); a term mapped to ("", "") is dropped; the first error is returned.
   */
  transform(fn: FieldLabelConverter): FieldSelector | ParseError {
    const next: FieldRequirement[] = [];
    for (const term of this.terms) {
      const converted = fn(term.field, term.value);
      if ('error' in converted) return converted;
      const [field, value] = converted;
      if (field.length === 0 && value.length === 0) continue;
      next.push({ field, operator: term.operator, value });
    }
    return FieldSelector.of(next);
  }

  toString(): string {
    return this.terms.map(requirementToString).join(',');
  }
}

/**
 * fields.ParseSelector: the `fieldSelector` query parameter. Errors are
 * upstream's text ("invalid selector: 'x'; can't understand 'x'").
 */
export function parseFieldSelector(selector: string): FieldSelector | ParseError {
  const parts = splitTerms(selector).sort(compareGoStrings);
  const terms: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (split === undefined) return parseError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const value = unescapeValue(split.rawValue);
    if (typeof value !== 'string') return value;
    terms.push({ field: split.field, operator: split.operator === '!=' ? '!=' : '=', value });
  }
  return FieldSelector.of(terms);
}

/** fields.ParseAndTransformSelector. */
export function parseAndTransformFieldSelector(selector: string, fn: FieldLabelConverter): FieldSelector | ParseError {
  const parsed = parseFieldSelector(selector);
  return 'error' in parsed ? parsed : parsed.transform(fn);
}

export function matches(selector: FieldSelector, fields: Fields): boolean {
  return selector.matches(fields);
}

export function everything(): FieldSelector {
  return FieldSelector.everything();
}

/** fields.OneTermEqualSelector. */
export function oneTermEqualSelector(field: string, value: string): FieldSelector {
  return FieldSelector.of([{ field, operator: '=', value }]);
}

/** fields.SelectorFromSet: field=value for every entry. */
export function selectorFromSet(set: Fields | null | undefined): FieldSelector {
  return FieldSelector.of(Object.entries(set ?? {}).map(([field, value]) => ({ field, operator: '=', value })));
}

/** fields.AndSelectors. */
export function andSelectors(...selectors: FieldSelector[]): FieldSelector {
  return FieldSelector.of(selectors.flatMap((s) => s.requirements()));
}

/**
 * The field label conversion a kind registers upstream: the listed fields pass
 * (aliases are renamed, like pods' legacy "spec.host" -> "spec.nodeName"),
 * anything else fails with "field label not supported: <field>".
 */
export function supportedFieldsConverter(supported: Iterable<string>, aliases: Readonly<Record<string, string>> = {}): FieldLabelConverter {
  const allowed = new Set(supported);
  const renames = new Map(Object.entries(aliases));
  return (field, value) => {
    const renamed = renames.get(field);
    if (renamed !== undefined) return [renamed, value];
    if (allowed.has(field)) return [field, value];
    return parseError(`field label not supported: ${field}`);
  };
}

/** DefaultMetaV1FieldSelectorConversion: for kinds that register no conversion of their own. */
export const defaultMetaV1FieldConverter: FieldLabelConverter = (field, value) => {
  if (field === 'metadata.name' || field === 'metadata.namespace') return [field, value];
  return parseError(`${goQuote(field)} is not a known field selector: only "metadata.name", "metadata.namespace"`);
};

/** Convenience: the error for the first field outside `allowed`, or undefined if all are allowed. */
export function checkFieldSelectorFields(selector: FieldSelector, allowed: Iterable<string>): ParseError | undefined {
  const result = selector.transform(supportedFieldsConverter(allowed));
  return 'error' in result ? result : undefined;
}
