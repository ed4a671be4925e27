// Bad patches are expected input, so every patch function returns this value
// instead of throwing. A failure carries both the underlying error text (what
// upstream's Go error says) and the Status kube-apiserver sends for it, which
// is not always the same text: for example upstream hides a failed JSON Patch
// test behind a generic 422 message.

export type PatchStatusReason =
  | 'BadRequest'
  | 'Invalid'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'Conflict'
  // metav1.StatusReasonUnknown: upstream answers a plain Go error with a 500
  // Status whose reason is empty and whose message is the error text.
  | '';

export interface PatchStatus {
  readonly code: number;
  readonly reason: PatchStatusReason;
  readonly message: string;
}

export interface PatchSuccess<T> {
  readonly ok: true;
  readonly value: T;
}

export interface PatchFailure {
  readonly ok: false;
  /** The error text upstream's patch library produces. */
  readonly message: string;
  /** The Status upstream's API server answers with. */
  readonly status: PatchStatus;
}

export type PatchResult<T> = PatchSuccess<T> | PatchFailure;

export function success<T>(value: T): PatchSuccess<T> {
  return { ok: true, value };
}

/** 400, message passed through (errors.NewBadRequest). */
export function badRequest(message: string): PatchFailure {
  return { ok: false, message, status: { code: 400, reason: 'BadRequest', message } };
}

/**
 * 422 as errors.NewGenericServerResponse builds it: the Status message is a
 * fixed sentence and the detail is dropped (kubectl prints "The request is
 * invalid: the server rejected our request due to an error in our request").
 */
export function unprocessable(message: string): PatchFailure {
  return {
    ok: false,
    message,
    status: { code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request' },
  };
}

/** 413 (errors.NewRequestEntityTooLargeError). */
export function tooLarge(message: string): PatchFailure {
  return {
    ok: false,
    message,
    status: { code: 413, reason: 'RequestEntityTooLarge', message: `Request entity too large: ${message}` },
  };
}

/** 415, message passed through (negotiation.NewUnsupportedMediaTypeError). */
export function unsupportedMediaType(message: string): PatchFailure {
  return { ok: false, message, status: { code: 415, reason: 'UnsupportedMediaType', message } };
}

/** A plain Go error reaching the handler: 500 with an empty reason. */
export function unknownError(message: string): PatchFailure {
  return { ok: false, message, status: { code: 500, reason: '', message } };
}

/**
 * Client-side outcomes (three-way conflicts, failed preconditions) never
 * reach an HTTP response upstream; the Status is only indicative.
 */
export function conflict(message: string): PatchFailure {
  return { ok: false, message, status: { code: 409, reason: 'Conflict', message } };
}
