// Public face of machinery/managedfields: server-side apply and
// metadata.managedFields as kube-apiserver computes them (structured-merge-diff
// field sets in the FieldsV1 encoding, the Update and Apply operations of the
// field manager, conflicts and their 409 Status). Pure: no I/O imports.

export { FieldSet, FieldsV1Error, type FieldsV1 } from './fieldset.js';
export {
  compareValues,
  comparePE,
  deserializePE,
  fieldPE,
  indexPE,
  keyPE,
  makePath,
  pathToString,
  peToString,
  serializePE,
  valuePE,
  type Json,
  type KeyField,
  type Path,
  type PathElement,
} from './pathelement.js';
export { TypeSchema, DEDUCED, resolveAtom, type Atom, type ListAtom, type MapAtom, type ScalarAtom } from './schema.js';
export {
  compare,
  ensureNamedFieldsAreMembers,
  formatValidationErrors,
  merge,
  removeItems,
  toFieldSet,
  validate,
  type Comparison,
  type ValidationError,
} from './typed.js';
export {
  ANCIENT_CHANGES_MANAGER,
  MAX_UPDATE_MANAGERS,
  ManagedFieldsError,
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  formatTime,
  managerIdentifier,
  printManager,
  type Managed,
  type ManagerInfo,
  type ManagerSet,
} from './managers.js';
export {
  BEFORE_FIRST_APPLY_MANAGER,
  LAST_APPLIED_ANNOTATION,
  apply,
  checkName,
  ensureManagedFieldsValid,
  isResetManagedFields,
  managerFromRequest,
  patchOptionsErrors,
  resetFieldsFor,
  stripManagedFields,
  updateManagedFields,
  type ApplyConflict,
  type ApplyOptions,
  type ApplyResult,
  type StatusBody,
  type UpdateOptions,
} from './fieldmanager.js';
