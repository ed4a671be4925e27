// CustomResourceDefinitions: validation and the strategy of the built-in
// customresourcedefinitions resource, the schema machinery of custom resources
// (pruning, defaults, validation), their table printer and OpenAPI, and the
// controller that serves them.
export { CrdController, resourceInfoFor, type CrdControllerOptions } from './controller.js';
export { crdOpenAPISchemas, definitionName, type CustomResourceOpenAPI } from './openapi.js';
export {
  customResourceDefinitionStrategy,
  defaultCustomResourceDefinition,
  validateCustomResourceDefinition,
  validateCustomResourceDefinitionUpdate,
  type CustomResourceDefinitionStrategyOptions,
} from './validation.js';
export { customResourceStrategy, type CustomResourceStrategy, type CustomResourceStrategyOptions, type CustomResourceState } from './cr-strategy.js';
export { CustomResourceSchema, pruneValue, applyDefaults, validateAgainstSchema } from './schema.js';
export { validateStructural, validateDefaults } from './structural.js';
export { customResourceTablePrinter, humanDuration } from './printer.js';
export { parseJsonPath, type JsonPath } from './jsonpath.js';
export { CRD_CLEANUP_FINALIZER, type CustomResourceDefinition, type JSONSchemaProps } from './types.js';
