// Pure API machinery: selectors, quantities, validation, patches.
export * as labels from './labels/index.js';
export * as fields from './fields/index.js';
export * as quantity from './quantity/index.js';
export * as validation from './validation/index.js';
export * as managedfields from './managedfields/index.js';
export { copyMembers, setOwn, withOverrides } from './objects.js';
export { GenerationalCache } from './generational-cache.js';
export { JsonInterner, internJson, internJsonAgainst, internJsonMemoized } from './json-interner.js';
