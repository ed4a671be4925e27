// The label selector string syntax (labels.Parse): a lexer and a recursive
// descent parser mirroring upstream's, because its error messages ("found ',',
// expected: identifier after ','") are part of the API: the server returns
// them verbatim as 400 BadRequest.
//
//   <selector>    ::= <requirement> | <requirement> "," <selector>
//   <requirement> ::= [!] KEY [ <set-based> | <exact-match> ]
//   <set-based>   ::= ("in" | "notin") "(" VALUE ("," VALUE)* ")"
//   <exact-match> ::= ("=" | "==" | "!=" | ">" | "<") VALUE

import { compareGoStrings, parseError, type OptionalPath, type ParseError } from '../validation/index.js';
import { BINARY_OPERATORS, LabelSelector, newRequirement, validateLabelKey, type Operator, type Requirement } from './selector.js';

type TokenKind =
  | 'endOfString'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

interface Token {
  readonly kind: TokenKind;
  readonly literal: string;
}

/** A Map, not an object literal: identifiers such as "constructor" must not hit the prototype. */
const LITERAL_TOKENS: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  [')', 'closedPar'],
  [',', 'comma'],
  ['!', 'doesNotExist'],
  ['==', 'doubleEquals'],
  ['=', 'equals'],
  ['>', 'greaterThan'],
  ['in', 'in'],
  ['<', 'lessThan'],
  ['!=', 'notEquals'],
  ['notin', 'notIn'],
  ['(', 'openPar'],
]);

function isWhitespace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function isSpecialSymbol(c: string): boolean {
  return c === '=' || c === '!' || c === '(' || c === ')' || c === ',' || c === '>' || c === '<';
}

/**
 * Upstream reads bytes and uses 0 for "end of input", so a NUL character in
 * the input also acts as an end marker at that point. END reproduces that.
 */
const END = '';

class Lexer {
  private pos = 0;

  constructor(private readonly s: string) {}

  private read(): string {
    if (this.pos >= this.s.length) return END;
    const c = this.s[this.pos++] ?? END;
    return c === '\u0000' ? END : c;
  }

  private unread(): void {
    this.pos--;
  }

  private scanIdentifierOrKeyword(): Token {
    let buffer = '';
    for (;;) {
      const c = this.read();
      if (c === END) break;
      if (isSpecialSymbol(c) || isWhitespace(c)) {
        this.unread();
        break;
      }
      buffer += c;
    }
    return { kind: LITERAL_TOKENS.get(buffer) ?? 'identifier', literal: buffer };
  }

  /** Longest run of special symbols that still forms an operator ("!=" rather than "!"). */
  private scanSpecialSymbol(): Token {
    let buffer = '';
    let last: Token | undefined;
    for (;;) {
      const c = this.read();
      if (c === END) break;
      if (!isSpecialSymbol(c)) {
        this.unread();
        break;
      }
      buffer += c;
      const kind = LITERAL_TOKENS.get(buffer);
      if (kind !== undefined) last = { kind, literal: buffer };
      else if (last !== undefined) {
        this.unread();
        break;
      }
    }
    // Every single special symbol is a token, so `last` is always set here.
    return last ?? { kind: 'identifier', literal: buffer };
  }

  lex(): Token {
    let c = this.read();
    while (isWhitespace(c)) c = this.read();
    if (c === END) return { kind: 'endOfString', literal: '' };
    this.unread();
    return isSpecialSymbol(c) ? this.scanSpecialSymbol() : this.scanIdentifierOrKeyword();
  }
}

/** In a value position the keywords "in" and "notin" are ordinary identifiers ("x in (in)"). */
type Context = 'keyAndOperator' | 'values';

class Parser {
  private readonly tokens: Token[] = [];
  private position = 0;

  constructor(
    input: string,
    private readonly path: OptionalPath,
  ) {
    const lexer = new Lexer(input);
    for (;;) {
      const token = lexer.lex();
      this.tokens.push(token);
      if (token.kind === 'endOfString') break;
    }
  }

  private adjust(token: Token, context: Context): Token {
    if (context === 'values' && (token.kind === 'in' || token.kind === 'notIn')) return { kind: 'identifier', literal: token.literal };
    return token;
  }

  private lookahead(context: Context): Token {
    return this.adjust(this.tokens[this.position] ?? END_TOKEN, context);
  }

  private consume(context: Context): Token {
    const token = this.tokens[this.position] ?? END_TOKEN;
    this.position++;
    return this.adjust(token, context);
  }

  parse(): Requirement[] | ParseError {
    const requirements: Requirement[] = [];
    for (;;) {
      const next = this.lookahead('values');
      if (next.kind === 'endOfString') return requirements;
      if (next.kind !== 'identifier' && next.kind !== 'doesNotExist') {
        return parseError(`found '${next.literal}', expected: !, identifier, or 'end of string'`);
      }
      const req = this.parseRequirement();
      if ('error' in req) return parseError(`unable to parse requirement: ${req.error}`);
      requirements.push(req);
      const after = this.consume('values');
      if (after.kind === 'endOfString') return requirements;
      if (after.kind !== 'comma') return parseError(`found '${after.literal}', expected: ',' or 'end of string'`);
      const following = this.lookahead('values');
      if (following.kind !== 'identifier' && following.kind !== 'doesNotExist') {
        return parseError(`found '${following.literal}', expected: identifier after ','`);
      }
    }
  }

  private parseRequirement(): Requirement | ParseError {
    const head = this.parseKeyAndInferOperator();
    if ('error' in head) return head;
    if (head.operator === 'exists' || head.operator === '!') return newRequirement(head.key, head.operator, [], this.path);
    const operator = this.parseOperator();
    if (typeof operator !== 'string') return operator;
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    if ('error' in values) return values;
    return newRequirement(head.key, operator, distinctSorted(values), this.path);
  }

  /** A key alone (or after '!') with nothing following means exists / does-not-exist. */
  private parseKeyAndInferOperator(): { key: string; operator: Operator | undefined } | ParseError {
    let operator: Operator | undefined;
    let token = this.consume('values');
    if (token.kind === 'doesNotExist') {
      operator = '!';
      token = this.consume('values');
    }
    if (token.kind !== 'identifier') return parseError(`found '${token.literal}', expected: identifier`);
    const keyErr = validateLabelKey(token.literal, this.path);
    if (keyErr) return parseError(keyErr.toString());
    const next = this.lookahead('values');
    if ((next.kind === 'endOfString' || next.kind === 'comma') && operator !== '!') operator = 'exists';
    return { key: token.literal, operator };
  }

  private parseOperator(): Operator | ParseError {
    const token = this.consume('keyAndOperator');
    const operator = TOKEN_OPERATORS.get(token.kind);
    if (operator !== undefined) return operator;
    return parseError(`found '${token.literal}', expected: ${BINARY_OPERATORS.join(', ')}`);
  }

  private parseValues(): string[] | ParseError {
    const open = this.consume('values');
    if (open.kind !== 'openPar') return parseError(`found '${open.literal}' expected: '('`);
    const first = this.lookahead('values');
    if (first.kind === 'closedPar') {
      this.consume('values');
      return ['']; // "()" is the set holding the empty string
    }
    if (first.kind !== 'identifier' && first.kind !== 'comma') return parseError(`found '${first.literal}', expected: ',', ')' or identifier`);
    const values = this.parseIdentifiersList();
    if (!Array.isArray(values)) return values;
    if (this.consume('values').kind !== 'closedPar') return parseError(`found '${first.literal}', expected: ')'`);
    return values;
  }

  /** A comma-separated list in which empty entries stand for the empty string: "(a,,b)", "(,a)". */
  private parseIdentifiersList(): string[] | ParseError {
    const values: string[] = [];
    for (;;) {
      const token = this.consume('values');
      if (token.kind === 'identifier') {
        values.push(token.literal);
        const next = this.lookahead('values');
        if (next.kind === 'comma') continue;
        if (next.kind === 'closedPar') return values;
        return parseError(`found '${next.literal}', expected: ',' or ')'`);
      }
      if (token.kind !== 'comma') return parseError(`found '${token.literal}', expected: ',', or identifier`);
      if (values.length === 0) values.push('');
      const next = this.lookahead('values');
      if (next.kind === 'closedPar') {
        values.push('');
        return values;
      }
      if (next.kind === 'comma') {
        this.consume('values');
        values.push('');
      }
    }
  }

  private parseExactValue(): string[] | ParseError {
    const next = this.lookahead('values');
    if (next.kind === 'endOfString' || next.kind === 'comma') return [''];
    const token = this.consume('values');
    if (token.kind === 'identifier') return [token.literal];
    return parseError(`found '${token.literal}', expected: identifier`);
  }
}

const END_TOKEN: Token = { kind: 'endOfString', literal: '' };

const TOKEN_OPERATORS: ReadonlyMap<TokenKind, Operator> = new Map<TokenKind, Operator>([
  ['in', 'in'],
  ['equals', '='],
  ['doubleEquals', '=='],
  ['greaterThan', 'gt'],
  ['lessThan', 'lt'],
  ['notIn', 'notin'],
  ['notEquals', '!='],
]);

/** Upstream collects values in a sets.String, whose List() is sorted and distinct. */
function distinctSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort(compareGoStrings);
}

/**
 * labels.Parse: the selector string of a `labelSelector` query parameter.
 * The empty string selects everything. `path` only prefixes error messages.
 */
export function parseLabelSelector(selector: string, path?: OptionalPath): LabelSelector | ParseError {
  const result = new Parser(selector, path).parse();
  return 'error' in result ? result : LabelSelector.of(result);
}

/** labels.ParseToRequirements: the parsed requirements, sorted by key. */
export function parseToRequirements(selector: string, path?: OptionalPath): readonly Requirement[] | ParseError {
  const result = parseLabelSelector(selector, path);
  return 'error' in result ? result : result.requirements;
}
