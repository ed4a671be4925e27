// The JSON value model every patch algorithm here works on, with the helpers
// they share. Keys always come from request data, so reads and writes go
// through getOwn/setOwn: a plain `obj[key]` would see Object.prototype for
// keys like "constructor" and would change the prototype for "__proto__".

import { setOwn } from '../objects.js';

export { setOwn };

export type JsonPrimitive = string | number | boolean | null;
export type JsonArray = JsonValue[];
export interface JsonObject {
  [key: string]: JsonValue;
}
export type JsonValue = JsonPrimitive | JsonArray | JsonObject;

export type JsonKind = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

export function jsonKind(value: JsonValue): JsonKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'object';
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function hasOwn(object: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

export function getOwn(object: JsonObject, key: string): JsonValue | undefined {
  return hasOwn(object, key) ? object[key] : undefined;
}


/** Deep copy of a JSON value; the patch functions never mutate their inputs. */
export function cloneJson<T extends JsonValue>(value: T): T {
  return cloneValue(value) as T;
}

function cloneValue(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(cloneValue);
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value)) setOwn(out, key, cloneValue(value[key] as JsonValue));
    return out;
  }
  return value;
}

/**
 * Deep copy of an untrusted value that must be JSON data (what JSON.parse
 * produces). Returns undefined when it is not, so callers can report bad input
 * instead of failing later on an undefined, a function or a NaN.
 */
export function toJsonValue(value: unknown): JsonValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    case 'object':
      return value === null ? null : toJsonContainer(value);
    default:
      return undefined;
  }
}

function toJsonContainer(value: object): JsonValue | undefined {
  if (Array.isArray(value)) {
    const out: JsonArray = [];
    for (const item of value as unknown[]) {
      const converted = toJsonValue(item);
      if (converted === undefined) return undefined;
      out.push(converted);
    }
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    const converted = toJsonValue(item);
    if (converted === undefined) return undefined;
    setOwn(out, key, converted);
  }
  return out;
}

/** Structural equality of decoded JSON, as reflect.DeepEqual sees it. */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i] as JsonValue));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => hasOwn(b, key) && jsonEqual(a[key] as JsonValue, b[key] as JsonValue));
  }
  return false;
}
