// Kubernetes Status errors (apimachinery's api/errors): the shapes and messages
// kubectl prints as "Error from server (Reason): message".

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** An API error carrying the Status to send. Expected outcomes, not bugs. */
export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'StatusError';
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string {
    return this.status.reason ?? '';
  }
}

export function isStatusError(err: unknown, reason?: string): err is StatusError {
  return err instanceof StatusError && (reason === undefined || err.reason === reason);
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): StatusError {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status.details = details;
  return new StatusError(status);
}

/** A resource as upstream names it in messages: "pods", "deployments.apps". */
export interface QualifiedResource {
  readonly group: string;
  readonly resource: string;
}

function resourceString(qr: QualifiedResource): string {
  return qr.group ? `${qr.resource}.${qr.group}` : qr.resource;
}

export function newNotFound(qr: QualifiedResource, name: string): StatusError {
  return failure(404, 'NotFound', `${resourceString(qr)} "${name}" not found`, { name, group: qr.group, kind: qr.resource });
}

export function newAlreadyExists(qr: QualifiedResource, name: string): StatusError {
  return failure(409, 'AlreadyExists', `${resourceString(qr)} "${name}" already exists`, { name, group: qr.group, kind: qr.resource });
}

export const OPTIMISTIC_LOCK_MESSAGE = 'the object has been modified; please apply your changes to the latest version and try again';

export function newConflict(qr: QualifiedResource, name: string, reason: string): StatusError {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${resourceString(qr)} "${name}": ${reason}`, { name, group: qr.group, kind: qr.resource });
}

export interface FieldCause {
  readonly type: string; // FieldValueRequired, FieldValueInvalid, ...
  readonly field: string;
  readonly message: string; // the whole "field: Reason: detail" text
}

/** 422 Invalid, as `Kind "name" is invalid: [a, b]` with one cause per field error. */
export function newInvalid(groupKind: { group: string; kind: string }, name: string, errors: readonly FieldCause[]): StatusError {
  // Upstream's aggregate drops repeated messages.
  const messages = [...new Set(errors.map((e) => e.message))];
  const aggregate = messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
  const kind = groupKind.group ? `${groupKind.kind}.${groupKind.group}` : groupKind.kind;
  return failure(422, 'Invalid', `${kind} "${name}" is invalid: ${aggregate}`, {
    name,
    group: groupKind.group,
    kind: groupKind.kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.message.startsWith(`${e.field}: `) ? e.message.slice(e.field.length + 2) : e.message, field: e.field })),
  });
}

export function newBadRequest(message: string): StatusError {
  return failure(400, 'BadRequest', message);
}

export function newUnauthorized(message = 'Unauthorized'): StatusError {
  return failure(401, 'Unauthorized', message);
}

export function newForbidden(qr: QualifiedResource, name: string, why: string): StatusError {
  const subject = name ? `${resourceString(qr)} "${name}"` : resourceString(qr);
  return failure(403, 'Forbidden', `${subject} is forbidden: ${why}`, { name, group: qr.group, kind: qr.resource });
}

export function newMethodNotSupported(qr: QualifiedResource, action: string): StatusError {
  return failure(405, 'MethodNotAllowed', `${action} is not supported on resources of kind "${resourceString(qr)}"`, { group: qr.group, kind: qr.resource });
}

export function newNotAcceptable(message: string): StatusError {
  return failure(406, 'NotAcceptable', message);
}

export function newResourceExpired(message: string): StatusError {
  return failure(410, 'Expired', message);
}

export function newRequestEntityTooLarge(limit: number): StatusError {
  return failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

export function newUnsupportedMediaType(contentType: string, supported: readonly string[]): StatusError {
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${supported.join(', ')}`, {
    causes: [{ reason: 'UnsupportedMediaType', message: contentType }],
  });
}

export function newTooManyRequests(retryAfterSeconds: number): StatusError {
  return failure(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds });
}

export function newInternalError(message: string): StatusError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

export function newTimeout(message: string, retryAfterSeconds = 1): StatusError {
  return failure(504, 'Timeout', message, { retryAfterSeconds });
}

export function newNotFoundPath(path: string): StatusError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', { causes: [{ reason: 'UnexpectedServerResponse', message: `404 page not found: ${path}` }] });
}
