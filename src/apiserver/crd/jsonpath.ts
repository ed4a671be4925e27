// The JSONPath of client-go's util/jsonpath as CRD printer columns use it
// (`.spec.replicas`, `.status.conditions[?(@.type=="Ready")].status`,
// `.items[0]`, `.spec.containers[*].image`, `..name`), with missing keys allowed.
// Pure.

import { isObject } from '../../api/types.js';

type Step =
  | { kind: 'field'; names: string[] }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'index'; indices: number[] }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'filter'; left: Operand; op?: string; right?: Operand };

type Operand = { kind: 'path'; steps: Step[] } | { kind: 'literal'; value: unknown };

export class JsonPathError extends Error {}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parse(): Step[] {
    const steps: Step[] = [];
    this.skipSpaces();
    if (this.text[this.pos] === '$') this.pos++;
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos]!;
      if (ch === '.') {
        if (this.text[this.pos + 1] === '.') {
          this.pos += 2;
          steps.push({ kind: 'recursive' });
          if (this.text[this.pos] === '[') continue;
          steps.push(this.fieldAfterDot());
          continue;
        }
        this.pos++;
        if (this.pos >= this.text.length) break;
        if (this.text[this.pos] === '[') continue;
        steps.push(this.fieldAfterDot());
      } else if (ch === '[') {
        steps.push(this.bracket());
      } else if (/\s/.test(ch)) {
        this.pos++;
      } else {
        throw new JsonPathError(`unrecognized character in action: ${JSON.stringify(ch)}`);
      }
    }
    return steps;
  }

  private skipSpaces(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private fieldAfterDot(): Step {
    if (this.text[this.pos] === '*') {
      this.pos++;
      return { kind: 'wildcard' };
    }
    let name = '';
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos]!;
      if (ch === '\\' && this.pos + 1 < this.text.length) {
        name += this.text[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (ch === '.' || ch === '[' || /\s/.test(ch)) break;
      name += ch;
      this.pos++;
    }
    if (name === '') throw new JsonPathError('invalid field name');
    return { kind: 'field', names: [name] };
  }

  private bracket(): Step {
    const close = this.matchingBracket(this.pos);
    const inner = this.text.slice(this.pos + 1, close).trim();
    this.pos = close + 1;
    if (inner === '*') return { kind: 'wildcard' };
    if (inner.startsWith('?(') && inner.endsWith(')')) return this.filter(inner.slice(2, -1));
    if (/^['"]/.test(inner)) {
      const names = splitTopLevel(inner, ',').map((part) => unquote(part.trim()));
      return { kind: 'field', names };
    }
    if (inner.includes(':')) {
      const [a, b, c] = inner.split(':').map((s) => s.trim());
      const num = (s: string | undefined) => (s === undefined || s === '' ? undefined : Number(s));
      const step: Step = { kind: 'slice' };
      const start = num(a);
      const end = num(b);
      const by = num(c);
      if ([start, end, by].some((n) => n !== undefined && !Number.isInteger(n))) throw new JsonPathError(`invalid array index ${inner}`);
      if (start !== undefined) step.start = start;
      if (end !== undefined) step.end = end;
      if (by !== undefined) step.step = by;
      return step;
    }
    const indices = inner.split(',').map((s) => Number(s.trim()));
    if (indices.some((n) => !Number.isInteger(n))) throw new JsonPathError(`invalid array index ${inner}`);
    return { kind: 'index', indices };
  }

  private matchingBracket(open: number): number {
    let depth = 0;
    let quote: string | undefined;
    for (let i = open; i < this.text.length; i++) {
      const ch = this.text[i]!;
      if (quote) {
        if (ch === '\\') i++;
        else if (ch === quote) quote = undefined;
        continue;
      }
      if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '[') depth++;
      else if (ch === ']') {
        depth--;
        if (depth === 0) return i;
      }
    }
    throw new JsonPathError('unterminated array');
  }

  private filter(expr: string): Step {
    const m = /^(.*?)\s*(==|!=|<=|>=|<|>|=~)\s*(.*)$/.exec(expr.trim());
    if (!m) return { kind: 'filter', left: operand(expr.trim()) };
    return { kind: 'filter', left: operand(m[1]!), op: m[2]!, right: operand(m[3]!) };
  }
}

function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unquote(text: string): string {
  if (text.length >= 2 && (text[0] === '"' || text[0] === "'") && text[text.length - 1] === text[0]) {
    return text.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return text;
}

function operand(text: string): Operand {
  const t = text.trim();
  if (t.startsWith('@')) return { kind: 'path', steps: new Parser(t.slice(1)).parse() };
  if (/^['"]/.test(t)) return { kind: 'literal', value: unquote(t) };
  if (t === 'true' || t === 'false') return { kind: 'literal', value: t === 'true' };
  if (t === 'null') return { kind: 'literal', value: null };
  const n = Number(t);
  if (t !== '' && !Number.isNaN(n)) return { kind: 'literal', value: n };
  throw new JsonPathError(`unrecognized filter operand ${t}`);
}

function evaluate(steps: readonly Step[], input: unknown[]): unknown[] {
  let current = input;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of current) apply(step, value, next);
    current = next;
  }
  return current;
}

function descendants(value: unknown, out: unknown[]): void {
  out.push(value);
  if (Array.isArray(value)) for (const v of value) descendants(v, out);
  else if (isObject(value)) for (const k of Object.keys(value).sort()) descendants(value[k], out);
}

function apply(step: Step, value: unknown, out: unknown[]): void {
  switch (step.kind) {
    case 'field':
      if (isObject(value)) for (const name of step.names) if (name in value) out.push(value[name]);
      return;
    case 'wildcard':
      if (Array.isArray(value)) out.push(...value);
      else if (isObject(value)) for (const k of Object.keys(value).sort()) out.push(value[k]);
      return;
    case 'recursive':
      descendants(value, out);
      return;
    case 'index':
      if (!Array.isArray(value)) return;
      for (const i of step.indices) {
        const at = i < 0 ? value.length + i : i;
        if (at >= 0 && at < value.length) out.push(value[at]);
      }
      return;
    case 'slice': {
      if (!Array.isArray(value)) return;
      const len = value.length;
      const norm = (n: number) => (n < 0 ? Math.max(0, len + n) : Math.min(n, len));
      const start = step.start === undefined ? 0 : norm(step.start);
      const end = step.end === undefined ? len : norm(step.end);
      const by = step.step && step.step > 0 ? step.step : 1;
      for (let i = start; i < end; i += by) out.push(value[i]);
      return;
    }
    case 'filter': {
      const items = Array.isArray(value) ? value : isObject(value) ? Object.keys(value).sort().map((k) => value[k]) : [];
      for (const item of items) if (matches(step, item)) out.push(item);
      return;
    }
  }
}

function operandValues(op: Operand, item: unknown): unknown[] {
  return op.kind === 'literal' ? [op.value] : evaluate(op.steps, [item]);
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==':
      return a === b || (typeof a === 'number' && typeof b === 'number' && a === b);
    case '!=':
      return a !== b;
    case '=~':
      return typeof a === 'string' && typeof b === 'string' && new RegExp(b).test(a);
  }
  if (typeof a === 'number' && typeof b === 'number') {
    if (op === '<') return a < b;
    if (op === '<=') return a <= b;
    if (op === '>') return a > b;
    if (op === '>=') return a >= b;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    if (op === '<') return a < b;
    if (op === '<=') return a <= b;
    if (op === '>') return a > b;
    if (op === '>=') return a >= b;
  }
  return false;
}

function matches(step: Extract<Step, { kind: 'filter' }>, item: unknown): boolean {
  const left = operandValues(step.left, item);
  if (!step.op || !step.right) return left.length > 0;
  const right = operandValues(step.right, item);
  return left.some((a) => right.some((b) => compare(a, step.op!, b)));
}

export interface JsonPath {
  /** Every value the path selects, in document order; empty when keys are missing. */
  find(obj: unknown): unknown[];
}

/** Parses a JSONPath, bare (`.spec.x`) or as a template (`{.spec.x}`). */
export function parseJsonPath(path: string): JsonPath {
  let text = path.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  const steps = new Parser(text).parse();
  return { find: (obj) => evaluate(steps, [obj]) };
}
