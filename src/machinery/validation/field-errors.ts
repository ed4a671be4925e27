// field.Error / field.ErrorList: one validation failure at one path, rendered
// exactly as upstream renders it, since kubectl prints these strings verbatim
// ("The Pod "x" is invalid: metadata.name: Invalid value: ...") and the
// Status causes carry the type as `reason`.

import { goJSON, goQuote } from './go.js';
import { pathString, type OptionalPath } from './path.js';

export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTooShort'
  | 'FieldValueTypeInvalid'
  | 'InternalError';

const TYPE_TEXT: Readonly<Record<FieldErrorType, string>> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTooShort: 'Too short',
  FieldValueTypeInvalid: 'Invalid value',
  InternalError: 'Internal error',
};

/** Types whose message never shows the bad value. */
const VALUE_HIDDEN: ReadonlySet<FieldErrorType> = new Set<FieldErrorType>([
  'FieldValueRequired',
  'FieldValueForbidden',
  'FieldValueTooLong',
  'FieldValueTooShort',
  'InternalError',
]);

/** Upstream's omitValue: a bad value that is deliberately left out of the message. */
export const OMIT_VALUE: unique symbol = Symbol('omitValue');

/** The cause shape the API server puts in a 422 Status (see apiserver/status.ts FieldCause). */
export interface FieldCauseLike {
  readonly type: string;
  readonly field: string;
  /** The whole "field: Type: detail" text. */
  readonly message: string;
}

export class FieldError {
  constructor(
    readonly type: FieldErrorType,
    readonly field: string,
    readonly badValue: unknown,
    readonly detail: string,
  ) {}

  /** The message without the field name (the `message` of a Status cause upstream). */
  errorBody(): string {
    let body = TYPE_TEXT[this.type];
    if (!VALUE_HIDDEN.has(this.type) && this.badValue !== OMIT_VALUE) body += `: ${renderBadValue(this.badValue)}`;
    return this.detail.length > 0 ? `${body}: ${this.detail}` : body;
  }

  /** field.Error.Error(): "field: body". */
  toString(): string {
    return `${this.field}: ${this.errorBody()}`;
  }

  toCause(): FieldCauseLike {
    return { type: this.type, field: this.field, message: this.toString() };
  }
}

/**
 * Go prints simple scalars with %v, strings with %q and everything else as JSON.
 * A JavaScript number stands for Go's int64/float64 alike.
 */
function renderBadValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return goQuote(value);
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      return goJSON(value);
  }
}

export function required(path: OptionalPath, detail: string): FieldError {
  return new FieldError('FieldValueRequired', pathString(path), '', detail);
}

export function invalid(path: OptionalPath, value: unknown, detail: string): FieldError {
  return new FieldError('FieldValueInvalid', pathString(path), value, detail);
}

export function typeInvalid(path: OptionalPath, value: unknown, detail: string): FieldError {
  return new FieldError('FieldValueTypeInvalid', pathString(path), value, detail);
}

export function notFound(path: OptionalPath, value: unknown): FieldError {
  return new FieldError('FieldValueNotFound', pathString(path), value, '');
}

export function duplicate(path: OptionalPath, value: unknown): FieldError {
  return new FieldError('FieldValueDuplicate', pathString(path), value, '');
}

export function notSupported(path: OptionalPath, value: unknown, validValues: readonly string[]): FieldError {
  const detail = validValues.length > 0 ? `supported values: ${validValues.map((v) => goQuote(v)).join(', ')}` : '';
  return new FieldError('FieldValueNotSupported', pathString(path), value, detail);
}

export function forbidden(path: OptionalPath, detail: string): FieldError {
  return new FieldError('FieldValueForbidden', pathString(path), '', detail);
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

/** A value too long in bytes; the value itself is never shown. Negative max: no number in the message. */
export function tooLong(path: OptionalPath, maxLength: number): FieldError {
  const detail = maxLength >= 0 ? `may not be more than ${maxLength} ${plural(maxLength, 'byte', 'bytes')}` : 'value is too long';
  return new FieldError('FieldValueTooLong', pathString(path), '<value omitted>', detail);
}

/** Like tooLong, for limits counted in characters (runes). */
export function tooLongCharacters(path: OptionalPath, maxLength: number): FieldError {
  const detail = maxLength >= 0 ? `may not be more than ${maxLength} ${plural(maxLength, 'character', 'characters')}` : 'value is too long';
  return new FieldError('FieldValueTooLong', pathString(path), '<value omitted>', detail);
}

/** A list with too many items. A negative actual count is left out of the message. */
export function tooMany(path: OptionalPath, actualQuantity: number, maxQuantity: number): FieldError {
  const detail = maxQuantity >= 0 ? `must have at most ${maxQuantity} ${plural(maxQuantity, 'item', 'items')}` : 'has too many items';
  return new FieldError('FieldValueTooMany', pathString(path), actualQuantity >= 0 ? actualQuantity : OMIT_VALUE, detail);
}

export function internalError(path: OptionalPath, message: string): FieldError {
  return new FieldError('InternalError', pathString(path), undefined, message);
}

/** The constructors under upstream's package name, for code that reads like `field.Invalid(...)`. */
export const field = {
  required,
  invalid,
  typeInvalid,
  notFound,
  duplicate,
  notSupported,
  forbidden,
  tooLong,
  tooLongCharacters,
  tooMany,
  internalError,
} as const;

export type FieldErrorList = readonly FieldError[];

/**
 * ErrorList.ToAggregate().Error(): duplicates (by message) dropped, one message
 * alone as is, several as "[a, b]". Undefined for an empty list (nil aggregate).
 */
export function aggregateMessage(errors: FieldErrorList): string | undefined {
  const messages = [...new Set(errors.map((e) => e.toString()))];
  if (messages.length === 0) return undefined;
  return messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
}
