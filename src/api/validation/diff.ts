// A readable stand-in for the cmp.Diff text upstream appends to some
// "immutable" messages (pod updates, PVC and PV specs). Go prints a diff of the
// internal structs, which cannot be reproduced from JSON; this keeps its shape
// (type name, "-" old and "+" new lines per changed top-level field).

import { validation } from '../../machinery/index.js';
import { isObj, semanticEqual, type Obj } from './util.js';

function goFieldName(key: string): string {
  return `${key.charAt(0).toUpperCase()}${key.slice(1)}`;
}

function render(value: unknown): string {
  return value === undefined ? 'nil' : validation.goJSON(value);
}

export function specDiff(typeName: string, oldValue: unknown, newValue: unknown): string {
  const oldObj: Obj = isObj(oldValue) ? oldValue : {};
  const newObj: Obj = isObj(newValue) ? newValue : {};
  const keys = [...new Set([...Object.keys(oldObj), ...Object.keys(newObj)])];
  const lines = [`  ${typeName}{`];
  let identical = 0;
  for (const key of keys) {
    if (semanticEqual(oldObj[key], newObj[key])) {
      identical++;
      continue;
    }
    if (identical > 0) lines.push(`  \t... // ${identical} identical ${identical === 1 ? 'field' : 'fields'}`);
    identical = 0;
    if (oldObj[key] !== undefined) lines.push(`- \t${goFieldName(key)}: ${render(oldObj[key])},`);
    if (newObj[key] !== undefined) lines.push(`+ \t${goFieldName(key)}: ${render(newObj[key])},`);
  }
  if (identical > 0) lines.push(`  \t... // ${identical} identical ${identical === 1 ? 'field' : 'fields'}`);
  lines.push('  }');
  return `${lines.join('\n')}\n`;
}
