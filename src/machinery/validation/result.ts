// Bad input (a malformed selector or quantity) is an expected outcome, not a
// bug, so parsers return this value instead of throwing. The message is
// upstream's error text verbatim: the API server sends it as a 400 BadRequest.

export interface ParseError {
  readonly error: string;
}

export function parseError(message: string): ParseError {
  return { error: message };
}

export function isParseError(value: unknown): value is ParseError {
  return typeof value === 'object' && value !== null && typeof (value as { error?: unknown }).error === 'string';
}
