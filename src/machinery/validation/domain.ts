// The validators upstream writes against a field path (they return field
// errors, not bare messages): domain names and domain-prefixed paths, as used
// by CRD group names, IngressClass controllers, GatewayClass controller names.

import { invalid, required, type FieldError } from './field-errors.js';
import { isDNS1123Label, isDNS1123Subdomain, regexError } from './names.js';
import type { OptionalPath } from './path.js';

/** A domain with at least three dot-separated segments, no trailing dot (deprecated upstream, still used). */
export function isFullyQualifiedName(path: OptionalPath, name: string): FieldError[] {
  if (name.length === 0) return [required(path, '')];
  const errs = isDNS1123Subdomain(name);
  if (errs.length > 0) return [invalid(path, name, errs.join(','))];
  if (name.split('.').length < 3) return [invalid(path, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

/** A domain with at least two segments; one trailing dot is allowed and ignored. */
export function isFullyQualifiedDomainName(path: OptionalPath, value: string): FieldError[] {
  if (value.length === 0) return [required(path, '')];
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const errs = isDNS1123Subdomain(name);
  if (errs.length > 0) return [invalid(path, name, errs.join(','))];
  const labels = name.split('.');
  if (labels.length < 2) return [invalid(path, name, 'should be a domain with at least two segments separated by dots')];
  for (const label of labels) {
    const labelErrs = isDNS1123Label(label);
    if (labelErrs.length > 0) return [invalid(path, label, labelErrs.join(','))];
  }
  return [];
}

/** RFC 3986 path characters: unreserved, percent-encoded, sub-delims and ':'. */
const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const HTTP_PATH_RE = new RegExp(`^(?:${HTTP_PATH_FMT})$`);

/** "acme.io/foo": a DNS subdomain, '/', then a non-empty HTTP path. */
export function isDomainPrefixedPath(path: OptionalPath, dpPath: string): FieldError[] {
  if (dpPath.length === 0) return [required(path, '')];
  const slash = dpPath.indexOf('/');
  const host = slash < 0 ? dpPath : dpPath.slice(0, slash);
  const rest = slash < 0 ? '' : dpPath.slice(slash + 1);
  if (slash < 0 || host.length === 0 || rest.length === 0) {
    return [invalid(path, dpPath, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  }
  const errs = isDNS1123Subdomain(host).map((msg) => invalid(path, host, msg));
  if (!HTTP_PATH_RE.test(rest)) errs.push(invalid(path, rest, regexError('Invalid path', HTTP_PATH_FMT)));
  return errs;
}
