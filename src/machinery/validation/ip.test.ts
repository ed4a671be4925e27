import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIP, isValidCIDR, isValidCIDRForLegacyField, isValidIP, isValidIPForLegacyField } from './ip.js';
import { newPath } from './path.js';
import type { FieldError } from './field-errors.js';

const p = newPath('spec', 'clusterIP');

function details(errs: FieldError[]): string[] {
  return errs.map((e) => e.detail);
}

// Cases from upstream ip_test.go: [input, strict error, legacy error, legacy-strict error].
const IP_CASES: ReadonlyArray<readonly [string, string, string, string]> = [
  ['1.2.3.4', '', '', ''],
  ['0.0.0.0', '', '', ''],
  ['255.255.255.255', '', '', ''],
  ['1234::abcd', '', '', ''],
  ['::', '', '', ''],
  ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '', '', ''],
  ['0:0:0:0:0:0:0:0', 'must be in canonical form ("::")', '', ''],
  ['0001:002:03:4::', 'must be in canonical form ("1:2:3:4::")', '', ''],
  ['1234::ABCD', 'must be in canonical form ("1234::abcd")', '', ''],
  ['1.1.1.01', 'must not have leading 0s', '', 'must not have leading 0s'],
  ['::ffff:1.1.1.1', 'must not be an IPv4-mapped IPv6 address', '', 'must not be an IPv4-mapped IPv6 address'],
];

const INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const BAD_IPS = ['', 'aaaaaaa', 'myhost.mydomain', '1.2.3.0/24', '1.2.3.400', '-1.0.0.0', '2001:db8::10005', '1.2.3.4:80', '[2001:db8::1]', '[2001:db8::1]:80', 'example.com:80', '1234::abcd%eth0', '169.254.0.0%eth0', '1::2::3', '1:2:3:4:5:6:7:8:9', '1.2.3'];

describe('isValidIP', () => {
  it('follows upstream cases', () => {
    for (const [input, strict, legacy, legacyStrict] of IP_CASES) {
      assert.deepEqual(details(isValidIP(p, input)), strict ? [strict] : [], input);
      assert.deepEqual(details(isValidIPForLegacyField(p, input, false)), legacy ? [legacy] : [], input);
      assert.deepEqual(details(isValidIPForLegacyField(p, input, true)), legacyStrict ? [legacyStrict] : [], input);
    }
  });
  it('rejects garbage in every mode', () => {
    for (const input of BAD_IPS) {
      assert.deepEqual(details(isValidIP(p, input)), [INVALID_IP], input);
      assert.deepEqual(details(isValidIPForLegacyField(p, input, false)), [INVALID_IP], input);
    }
  });
  it('renders the whole message', () => {
    assert.equal(isValidIP(p, 'x')[0]?.toString(), `spec.clusterIP: Invalid value: "x": ${INVALID_IP}`);
  });
});

describe('canonicalIP', () => {
  it('prints like Go net.IP.String', () => {
    assert.equal(canonicalIP('2001:db8:0:0::2'), '2001:db8::2');
    assert.equal(canonicalIP('192.012.2.2'), '192.12.2.2');
    assert.equal(canonicalIP('::ffff:192.12.2.2'), '192.12.2.2');
    assert.equal(canonicalIP('1:0:0:1:0:0:0:1'), '1:0:0:1::1');
    assert.equal(canonicalIP('1:0:0:2:0:0:3:4'), '1::2:0:0:3:4');
    assert.equal(canonicalIP('0:0:0:0:0:0:0:1'), '::1');
    assert.equal(canonicalIP('1:0:0:0:0:0:0:0'), '1::');
    assert.equal(canonicalIP('1:2:3:4:5:6:0:8'), '1:2:3:4:5:6:0:8');
    assert.equal(canonicalIP('::1.2.3.4'), '::102:304');
    assert.equal(canonicalIP('nope'), undefined);
  });
});

// Cases from upstream ip_test.go TestIsValidCIDR.
const CIDR_CASES: ReadonlyArray<readonly [string, string, string]> = [
  ['1.0.0.0/8', '', ''],
  ['0.0.0.0/0', '', ''],
  ['1.1.1.1/32', '', ''],
  ['2001:4860:4860::/48', '', ''],
  ['::/0', '', ''],
  ['::1/128', '', ''],
  ['2a00:79e0:2:0::/64', 'must be in canonical form ("2a00:79e0:2::/64")', ''],
  ['2001:DB8::/64', 'must be in canonical form ("2001:db8::/64")', ''],
  ['1.1.01.0/24', 'must not have leading 0s in IP or prefix length', 'must not have leading 0s in IP or prefix length'],
  ['::ffff:1.1.1.0/24', 'must not have an IPv4-mapped IPv6 address', 'must not have an IPv4-mapped IPv6 address'],
  ['::ffff:1.1.1.0/120', 'must not have an IPv4-mapped IPv6 address', 'must not have an IPv4-mapped IPv6 address'],
  ['1.2.3.4/24', 'must not have bits set beyond the prefix length', 'must not have bits set beyond the prefix length'],
  ['2001:db8::1/64', 'must not have bits set beyond the prefix length', 'must not have bits set beyond the prefix length'],
  ['192.168.0.0/016', 'must not have leading 0s in IP or prefix length', 'must not have leading 0s in IP or prefix length'],
];

const INVALID_CIDR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';
const BAD_CIDRS = ['', 'aaaaaaa', '1.2.3.4', '192.168.0.1/healthz', '192.168.0.1/0/99', '192.168.0.0/-16', '192.168.0.0/+16', '1.2.3.0/33', '::/129'];

describe('isValidCIDR', () => {
  it('follows upstream cases', () => {
    for (const [input, strict, legacyStrict] of CIDR_CASES) {
      assert.deepEqual(details(isValidCIDR(p, input)), strict ? [strict] : [], input);
      assert.deepEqual(details(isValidCIDRForLegacyField(p, input, false)), [], input);
      assert.deepEqual(details(isValidCIDRForLegacyField(p, input, true)), legacyStrict ? [legacyStrict] : [], input);
    }
  });
  it('rejects garbage in every mode', () => {
    for (const input of BAD_CIDRS) {
      assert.deepEqual(details(isValidCIDR(p, input)), [INVALID_CIDR], input);
      assert.deepEqual(details(isValidCIDRForLegacyField(p, input, false)), [INVALID_CIDR], input);
    }
  });
});
