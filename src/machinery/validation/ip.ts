// IP and CIDR validation as apimachinery/pkg/util/validation/ip.go does it.
// Upstream parses twice: first "sloppily" (Go 1.16 net.ParseIP, which accepted
// leading zeros), then strictly (net/netip); the difference between the two
// parses is what the error messages describe, so both are reproduced here.
// No node:net: this folder stays free of I/O modules.

import { invalid, type FieldError } from './field-errors.js';
import { goQuote } from './go.js';
import type { OptionalPath } from './path.js';

const HEX = /^[0-9a-fA-F]$/;
const DIGIT = /^[0-9]$/;

/** Parse result: 16 bytes (IPv4 stored IPv4-mapped, as Go's net.IP does). */
interface ParsedIP {
  readonly bytes: Uint8Array;
  /** Written in dotted IPv4 form (netip.Addr.Is4), as opposed to IPv6 syntax. */
  readonly v4Syntax: boolean;
}

/** Reads leading decimal digits; strict mode refuses a leading zero ("010"). */
function readDecimal(s: string, strict: boolean): { value: number; length: number } | undefined {
  let length = 0;
  let value = 0;
  while (length < s.length && DIGIT.test(s[length] ?? '')) {
    value = value * 10 + Number(s[length]);
    length++;
    if (value >= 0xffffff) return undefined;
  }
  if (length === 0) return undefined;
  if (strict && length > 1 && s[0] === '0') return undefined;
  return { value, length };
}

function parseIPv4Octets(input: string, strict: boolean): number[] | undefined {
  const octets: number[] = [];
  let s = input;
  for (let i = 0; i < 4; i++) {
    if (i > 0) {
      if (s[0] !== '.') return undefined;
      s = s.slice(1);
    }
    const n = readDecimal(s, strict);
    if (n === undefined || n.value > 0xff) return undefined;
    octets.push(n.value);
    s = s.slice(n.length);
  }
  return s.length === 0 ? octets : undefined;
}

function v4Mapped(octets: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(16);
  bytes[10] = 0xff;
  bytes[11] = 0xff;
  bytes.set(octets, 12);
  return bytes;
}

/** Reads one hex group; strict mode (netip) allows at most 4 digits. */
function readHexGroup(s: string, strict: boolean): { value: number; length: number } | undefined {
  let length = 0;
  let value = 0;
  while (length < s.length && HEX.test(s[length] ?? '')) {
    value = value * 16 + parseInt(s[length] ?? '0', 16);
    length++;
    if (value >= 0xffffff || (strict && length > 4)) return undefined;
  }
  return length === 0 || value > 0xffff ? undefined : { value, length };
}

/** The IPv6 grammar shared by Go 1.16 net.parseIPv6 and netip.parseIPv6 (zones are rejected). */
function parseIPv6Bytes(input: string, strict: boolean): Uint8Array | undefined {
  const ip = new Uint8Array(16);
  let s = input;
  let ellipsis = -1;
  if (s.startsWith('::')) {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return ip;
  }
  let i = 0;
  while (i < 16) {
    const group = readHexGroup(s, strict);
    if (group === undefined) return undefined;
    if (s[group.length] === '.') {
      // A trailing dotted IPv4 fills the last 4 bytes.
      if ((ellipsis < 0 && i !== 12) || i + 4 > 16) return undefined;
      const octets = parseIPv4Octets(s, strict);
      if (octets === undefined) return undefined;
      ip.set(octets, i);
      s = '';
      i += 4;
      break;
    }
    ip[i] = group.value >> 8;
    ip[i + 1] = group.value & 0xff;
    i += 2;
    s = s.slice(group.length);
    if (s.length === 0) break;
    if (s[0] !== ':' || s.length === 1) return undefined;
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return undefined;
  return expandEllipsis(ip, i, ellipsis);
}

function expandEllipsis(ip: Uint8Array, filled: number, ellipsis: number): Uint8Array | undefined {
  if (filled === 16) return ellipsis >= 0 ? undefined : ip; // "::" must stand for at least one group
  if (ellipsis < 0) return undefined;
  const shift = 16 - filled;
  const out = new Uint8Array(16);
  out.set(ip.subarray(0, ellipsis), 0);
  out.set(ip.subarray(ellipsis, filled), ellipsis + shift);
  return out;
}

/** The first '.' or ':' decides the family, as in both Go parsers. */
function parseIP(s: string, strict: boolean): ParsedIP | undefined {
  for (const c of s) {
    if (c === '.') {
      const octets = parseIPv4Octets(s, strict);
      return octets === undefined ? undefined : { bytes: v4Mapped(octets), v4Syntax: true };
    }
    if (c === ':') {
      const bytes = parseIPv6Bytes(s, strict);
      return bytes === undefined ? undefined : { bytes, v4Syntax: false };
    }
  }
  return undefined;
}

function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** IPv6 text per RFC 5952 (netip.Addr.String): longest run of >= 2 zero groups becomes "::". */
function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let g = 0; g < 8; g++) groups.push(((bytes[2 * g] ?? 0) << 8) | (bytes[2 * g + 1] ?? 0));
  let zeroStart = -1;
  let zeroLength = 0;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i >= 2 && j - i > zeroLength) {
      zeroStart = i;
      zeroLength = j - i;
    }
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === zeroStart) {
      out += '::';
      i += zeroLength - 1;
      continue;
    }
    if (i > 0 && !out.endsWith('::')) out += ':';
    out += (groups[i] ?? 0).toString(16);
  }
  return out;
}

/** net.IP.String(): anything IPv4-mapped prints as dotted IPv4. */
function formatIP(bytes: Uint8Array): string {
  if (isV4Mapped(bytes)) return Array.from(bytes.subarray(12)).join('.');
  return formatIPv6(bytes);
}

/** Normalises an IP to Go's canonical text, or undefined if even the sloppy parser rejects it. */
export function canonicalIP(value: string): string | undefined {
  const ip = parseIP(value, false);
  return ip === undefined ? undefined : formatIP(ip.bytes);
}

const INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

function ipErrors(path: OptionalPath, value: string, strict: boolean): { ip?: ParsedIP; errors: FieldError[] } {
  const ip = parseIP(value, false);
  if (ip === undefined) return { errors: [invalid(path, value, INVALID_IP)] };
  const errors: FieldError[] = [];
  if (strict) {
    const parsed = parseIP(value, true);
    if (parsed === undefined) errors.push(invalid(path, value, 'must not have leading 0s'));
    if (parsed !== undefined && !parsed.v4Syntax && isV4Mapped(parsed.bytes)) {
      errors.push(invalid(path, value, 'must not be an IPv4-mapped IPv6 address'));
    }
  }
  return { ip, errors };
}

/**
 * IsValidIPForLegacyField: fields that predate strict validation. With
 * strictValidation false (StrictIPCIDRValidation off, the 1.33 default) leading
 * zeros and IPv4-mapped IPv6 are accepted.
 */
export function isValidIPForLegacyField(path: OptionalPath, value: string, strictValidation: boolean): FieldError[] {
  return ipErrors(path, value, strictValidation).errors;
}

/** IsValidIP: strict and canonical form required. */
export function isValidIP(path: OptionalPath, value: string): FieldError[] {
  const { ip, errors } = ipErrors(path, value, true);
  if (ip === undefined || errors.length > 0) return errors;
  const canonical = formatIP(ip.bytes);
  return value === canonical ? [] : [invalid(path, value, `must be in canonical form (${goQuote(canonical)})`)];
}

interface ParsedCIDR {
  readonly ip: ParsedIP;
  readonly bits: number;
  readonly bitsText: string;
}

function parseCIDRSloppy(value: string): ParsedCIDR | undefined {
  const slash = value.indexOf('/');
  if (slash < 0) return undefined;
  const addr = value.slice(0, slash);
  const bitsText = value.slice(slash + 1);
  const octets = parseIPv4Octets(addr, false);
  const ip: ParsedIP | undefined =
    octets !== undefined ? { bytes: v4Mapped(octets), v4Syntax: true } : mapV6(parseIPv6Bytes(addr, false));
  const bits = readDecimal(bitsText, false);
  if (ip === undefined || bits === undefined || bits.length !== bitsText.length) return undefined;
  if (bits.value > (ip.v4Syntax ? 32 : 128)) return undefined;
  return { ip, bits: bits.value, bitsText };
}

function mapV6(bytes: Uint8Array | undefined): ParsedIP | undefined {
  return bytes === undefined ? undefined : { bytes, v4Syntax: false };
}

/** The prefix length as counted on the 16-byte form. */
function maskBits(cidr: ParsedCIDR): number {
  return cidr.ip.v4Syntax ? cidr.bits + 96 : cidr.bits;
}

function masked(bytes: Uint8Array, bits: number): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    out[i] = (bytes[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

/** net.IPNet.String(): an IPv4-mapped network prints as IPv4 with the prefix shortened by 96. */
function formatNetwork(cidr: ParsedCIDR): string {
  const bits = maskBits(cidr);
  const network = masked(cidr.ip.bytes, bits);
  if (isV4Mapped(network)) return `${formatIP(network)}/${bits - 96}`;
  return `${formatIPv6(network)}/${bits}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.every((byte, i) => byte === b[i]);
}

function cidrErrors(path: OptionalPath, value: string, strict: boolean): { cidr?: ParsedCIDR; errors: FieldError[] } {
  const cidr = parseCIDRSloppy(value);
  if (cidr === undefined) return { errors: [invalid(path, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)')] };
  if (!strict) return { cidr, errors: [] };
  const addr = parseIP(value.slice(0, value.indexOf('/')), true);
  const leadingZeroBits = cidr.bitsText.length > 1 && cidr.bitsText[0] === '0';
  if (addr === undefined || leadingZeroBits) return { cidr, errors: [invalid(path, value, 'must not have leading 0s in IP or prefix length')] };
  if (!addr.v4Syntax && isV4Mapped(addr.bytes)) return { cidr, errors: [invalid(path, value, 'must not have an IPv4-mapped IPv6 address')] };
  if (!sameBytes(addr.bytes, masked(addr.bytes, maskBits(cidr)))) {
    return { cidr, errors: [invalid(path, value, 'must not have bits set beyond the prefix length')] };
  }
  return { cidr, errors: [] };
}

/** IsValidCIDRForLegacyField: see isValidIPForLegacyField. */
export function isValidCIDRForLegacyField(path: OptionalPath, value: string, strictValidation: boolean): FieldError[] {
  return cidrErrors(path, value, strictValidation).errors;
}

/** IsValidCIDR: strict, subnet form ("10.0.0.0/8"), canonical text. */
export function isValidCIDR(path: OptionalPath, value: string): FieldError[] {
  const { cidr, errors } = cidrErrors(path, value, true);
  if (cidr === undefined || errors.length > 0) return errors;
  const canonical = formatNetwork(cidr);
  return value === canonical ? [] : [invalid(path, value, `must be in canonical form (${goQuote(canonical)})`)];
}
