// Public face of machinery/fields: field selectors as upstream's
// k8s.io/apimachinery/pkg/fields parses, matches and prints them, and the
// per-kind field label conversion that rejects unsupported fields. Pure: no I/O.

export {
  FieldSelector,
  andSelectors,
  checkFieldSelectorFields,
  defaultMetaV1FieldConverter,
  escapeValue,
  everything,
  matches,
  oneTermEqualSelector,
  parseAndTransformFieldSelector,
  parseFieldSelector,
  selectorFromSet,
  supportedFieldsConverter,
  unescapeValue,
  type FieldLabelConverter,
  type FieldOperator,
  type FieldRequirement,
  type Fields,
} from './selector.js';
export { isParseError, type ParseError } from '../validation/index.js';
