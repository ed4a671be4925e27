// The patch media types kube-apiserver accepts on PATCH and how it picks one
// from the Content-Type header. Built-in resources accept all four; custom
// resources have no strategic merge metadata and do not list the strategic
// type, so such a request gets 415 before any patching happens.

import { unsupportedMediaType, type PatchFailure } from './result.js';

export const JSON_PATCH_CONTENT_TYPE = 'application/json-patch+json';
export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH_CONTENT_TYPE = 'application/strategic-merge-patch+json';
export const APPLY_PATCH_YAML_CONTENT_TYPE = 'application/apply-patch+yaml';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const PATCH_TYPES: ReadonlyMap<string, PatchType> = new Map([
  [JSON_PATCH_CONTENT_TYPE, 'json'],
  [MERGE_PATCH_CONTENT_TYPE, 'merge'],
  [STRATEGIC_MERGE_PATCH_CONTENT_TYPE, 'strategic'],
  [APPLY_PATCH_YAML_CONTENT_TYPE, 'apply'],
]);

/**
 * The media type of a Content-Type header the way upstream reads it:
 * everything before the first ";" (when not at position 0), compared
 * exactly.
 */
export function patchMediaType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return semicolon > 0 ? contentType.slice(0, semicolon) : contentType;
}

/** The patch type a Content-Type names, or undefined for anything else. */
export function patchTypeFromContentType(contentType: string): PatchType | undefined {
  return PATCH_TYPES.get(patchMediaType(contentType));
}

/** Upstream's list for the resource, in the order its 415 message prints it. */
export function supportedPatchContentTypes(options: { readonly customResource: boolean }): readonly string[] {
  return options.customResource
    ? [JSON_PATCH_CONTENT_TYPE, MERGE_PATCH_CONTENT_TYPE, APPLY_PATCH_YAML_CONTENT_TYPE]
    : [JSON_PATCH_CONTENT_TYPE, MERGE_PATCH_CONTENT_TYPE, STRATEGIC_MERGE_PATCH_CONTENT_TYPE, APPLY_PATCH_YAML_CONTENT_TYPE];
}

export function unsupportedMediaTypeMessage(accepted: readonly string[]): string {
  return `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`;
}

/**
 * The 415 for a Content-Type the resource does not accept, or undefined when
 * it is accepted.
 */
export function checkPatchContentType(contentType: string, options: { readonly customResource: boolean }): PatchFailure | undefined {
  const supported = supportedPatchContentTypes(options);
  if (supported.includes(patchMediaType(contentType))) return undefined;
  return unsupportedMediaType(unsupportedMediaTypeMessage(supported));
}
