// Shallow copies of decoded JSON objects that keep V8's hidden classes shared. Pure.
//
// V8 gives an object copied by spreading (`{ ...source }`) a class that new
// members do not extend along the usual transitions: a spread copy that gains a
// member (`{ ...source, extra }`, or a later assignment) ends up with a class of
// its own. Every later read of it then misses the inline caches and every new
// member builds another class, which made defaulting, validating, tracking and
// encoding a pod several times slower. Copies built member by member from `{}`
// (or by Object.assign onto `{}`) share their classes with every other object
// that has the same members in the same order.

/** Sets a member as JSON.parse and spreading do: "__proto__" becomes an own member, not the prototype. */
export function setOwn<V>(out: Record<string, V>, key: string, value: V): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
  else out[key] = value;
}

/**
 * `{ ...source, ...overrides }` in one pass: overridden members keep their
 * place, new ones follow in the overrides' order, undefined ones are left out
 * (as spreading, assigning and deleting would leave them, without the slow
 * dictionary objects `delete` makes).
 */
export function withOverrides<T extends object>(source: T, overrides: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  const from = source as Record<string, unknown>;
  const own = Object.prototype.hasOwnProperty;
  for (const key in from) {
    const value = own.call(overrides, key) ? overrides[key] : from[key];
    if (value !== undefined) setOwn(out, key, value);
  }
  for (const key in overrides) {
    const value = overrides[key];
    if (value !== undefined && !own.call(from, key)) setOwn(out, key, value);
  }
  return out as T;
}

/** `{ ...source }`, as a copy that new members extend along the shared transitions. */
export function copyMembers<T extends object>(source: T): T {
  // Object.assign copies along the usual transitions, faster than a loop, but through
  // [[Set]]: an own "__proto__" member (JSON.parse makes one) would set the prototype.
  if (!Object.prototype.hasOwnProperty.call(source, '__proto__')) return Object.assign({}, source);
  const out: Record<string, unknown> = {};
  const from = source as Record<string, unknown>;
  for (const key of Object.keys(from)) setOwn(out, key, from[key]);
  return out as T;
}
