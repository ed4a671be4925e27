// Public face of machinery/labels: label selectors as upstream's
// k8s.io/apimachinery/pkg/labels parses, matches and prints them, plus the
// structured metav1.LabelSelector. Pure: no I/O imports.

export {
  BINARY_OPERATORS,
  LabelSelector,
  equalLabels,
  everything,
  formatLabels,
  matches,
  newRequirement,
  nothing,
  requirementMatches,
  requirementToString,
  selectorFromSet,
  validatedSelectorFromSet,
  type Labels,
  type Operator,
  type Requirement,
} from './selector.js';
export { parseLabelSelector, parseToRequirements } from './parser.js';
export {
  formatLabelSelector,
  fromLabelSelector,
  validateLabelSelector,
  validateLabelSelectorRequirement,
  type LabelSelectorObject,
  type LabelSelectorOperator,
  type LabelSelectorRequirementObject,
  type LabelSelectorValidationOptions,
} from './metav1.js';
export { isParseError, type ParseError } from '../validation/index.js';
