import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareGoStrings, goJSON, goQuote, parseGoInt64, utf8ByteLength } from './go.js';
import { isDomainPrefixedPath, isFullyQualifiedDomainName, isFullyQualifiedName } from './domain.js';
import { newPath } from './path.js';
import { isParseError, parseError } from './result.js';

describe('goQuote (strconv.Quote)', () => {
  it('escapes like Go', () => {
    assert.equal(goQuote('abc'), '"abc"');
    assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(goQuote('\u0007\b\f\n\r\t\v'), '"\\a\\b\\f\\n\\r\\t\\v"');
    assert.equal(goQuote('\u0000\u001f\u007f'), '"\\x00\\x1f\\x7f"');
    assert.equal(goQuote('héllo 世界'), '"héllo 世界"');
    assert.equal(goQuote('\u00a0\u200b'), '"\\u00a0\\u200b"');
    assert.equal(goQuote('\u{e0001}'), '"\\U000e0001"');
  });
});

describe('goJSON', () => {
  it('sorts map keys and escapes HTML characters', () => {
    assert.equal(goJSON({ b: [1, 'x'], a: null }), '{"a":null,"b":[1,"x"]}');
    assert.equal(goJSON('<&>'), '"\\u003c\\u0026\\u003e"');
    assert.equal(goJSON(undefined), 'null');
    assert.equal(goJSON(12n), '12');
    assert.equal(goJSON({ toJSON: () => '1Gi' }), '"1Gi"');
  });
});

describe('compareGoStrings', () => {
  it('orders by UTF-8 bytes', () => {
    assert.equal(compareGoStrings('a', 'b'), -1);
    assert.equal(compareGoStrings('b', 'a'), 1);
    assert.equal(compareGoStrings('a', 'a'), 0);
    assert.equal(compareGoStrings('a', 'ab'), -1);
    assert.equal(compareGoStrings('B', 'a'), -1);
    // U+FF61 sorts before U+1F600 in UTF-8, but after it in UTF-16.
    assert.equal(compareGoStrings('\uff61', '\u{1f600}'), -1);
    assert.equal(compareGoStrings('\u{1f600}', '\uff61'), 1);
  });
});

describe('parseGoInt64 and utf8ByteLength', () => {
  it('parses like strconv.ParseInt(s, 10, 64)', () => {
    assert.equal(parseGoInt64('42'), 42n);
    assert.equal(parseGoInt64('+7'), 7n);
    assert.equal(parseGoInt64('-9223372036854775808'), -(2n ** 63n));
    assert.equal(parseGoInt64('9223372036854775808'), undefined);
    assert.equal(parseGoInt64('1_000'), undefined);
    assert.equal(parseGoInt64(''), undefined);
    assert.equal(parseGoInt64(' 1'), undefined);
  });
  it('counts UTF-8 bytes', () => {
    assert.equal(utf8ByteLength('abc'), 3);
    assert.equal(utf8ByteLength('é'), 2);
    assert.equal(utf8ByteLength('世'), 3);
    assert.equal(utf8ByteLength('😀'), 4);
  });
});

describe('ParseError', () => {
  it('is recognised structurally', () => {
    assert.equal(isParseError(parseError('x')), true);
    assert.equal(isParseError({ error: 1 }), false);
    assert.equal(isParseError(null), false);
  });
});

describe('domain validators', () => {
  const p = newPath('spec', 'controller');
  it('isDomainPrefixedPath', () => {
    assert.deepEqual(isDomainPrefixedPath(p, 'acme.io/foo'), []);
    assert.deepEqual(isDomainPrefixedPath(p, 'example.com/path/to/thing'), []);
    assert.equal(isDomainPrefixedPath(p, '')[0]?.toString(), 'spec.controller: Required value');
    assert.equal(isDomainPrefixedPath(p, 'acme.io')[0]?.toString(), 'spec.controller: Invalid value: "acme.io": must be a domain-prefixed path (such as "acme.io/foo")');
    assert.equal(isDomainPrefixedPath(p, 'acme.io/')[0]?.detail, 'must be a domain-prefixed path (such as "acme.io/foo")');
    assert.equal(isDomainPrefixedPath(p, 'Acme.io/foo')[0]?.badValue, 'Acme.io');
    assert.equal(
      isDomainPrefixedPath(p, 'acme.io/foo bar')[0]?.toString(),
      "spec.controller: Invalid value: \"foo bar\": Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')",
    );
  });
  it('isFullyQualifiedName and isFullyQualifiedDomainName', () => {
    assert.deepEqual(isFullyQualifiedName(p, 'a.b.c'), []);
    assert.equal(isFullyQualifiedName(p, 'a.b')[0]?.detail, 'should be a domain with at least three segments separated by dots');
    assert.deepEqual(isFullyQualifiedDomainName(p, 'example.com.'), []);
    assert.equal(isFullyQualifiedDomainName(p, 'example')[0]?.detail, 'should be a domain with at least two segments separated by dots');
  });
});
