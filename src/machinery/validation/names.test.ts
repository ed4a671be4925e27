import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  isCIdentifier,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isDNS1123SubdomainWithUnderscore,
  isEnvVarName,
  isHTTPHeaderName,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPercent,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  regexError,
} from './names.js';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const QNAME_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('regexError', () => {
  it('formats examples with upstream spacing', () => {
    assert.equal(regexError('msg', 'fmt'), "msg (regex used for validation is 'fmt')");
    assert.equal(regexError('msg', 'fmt', 'a'), "msg (e.g. 'a', regex used for validation is 'fmt')");
    assert.equal(regexError('msg', 'fmt', 'a', 'b'), "msg (e.g. 'a',  or 'b', regex used for validation is 'fmt')");
  });
});

describe('isDNS1123Subdomain', () => {
  it('accepts upstream good values', () => {
    for (const v of ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a.a', 'ab.a', 'a-1.a', '1.a', 'a.b.c.d.e', 'aa.bb.cc.dd.ee', '1.2.3.4.5', '11.22.33.44.55', 'a'.repeat(253)]) {
      assert.deepEqual(isDNS1123Subdomain(v), [], v);
    }
  });
  it('rejects with the exact message', () => {
    assert.deepEqual(isDNS1123Subdomain('Foo_Bar'), [SUBDOMAIN_MSG]);
    for (const v of ['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2', '.', 'a.', '.a', 'a..b', '1.', '.1', '1..2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'A.a', 'aB.a', 'ab.A', 'A1.a', 'a1.A', 'A.1', 'aB.1', 'A1.1', '1A.1', '0.A', '01.A', '012.A', '1A.a', '1a.A', 'A.B.C.D.E', 'AA.BB.CC.DD.EE', 'a.B.c.d.e', 'aa.bB.cc.dd.ee', 'a@b', 'a,b', 'a_b', 'a;b', 'a:b', 'a%b', 'a?b', 'a$b']) {
      assert.notDeepEqual(isDNS1123Subdomain(v), [], v);
    }
  });
  it('reports length in characters', () => {
    assert.deepEqual(isDNS1123Subdomain('a'.repeat(254)), ['must be no more than 253 characters']);
  });
});

describe('isDNS1123Label', () => {
  it('accepts and rejects', () => {
    for (const v of ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a'.repeat(63)]) {
      assert.deepEqual(isDNS1123Label(v), [], v);
    }
    assert.deepEqual(isDNS1123Label('A'), [LABEL_MSG]);
    assert.deepEqual(isDNS1123Label('a_b'), [LABEL_MSG]);
  });
  it('says dots are the problem for a valid subdomain', () => {
    assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
  });
  it('reports both length and format', () => {
    assert.deepEqual(isDNS1123Label(`${'a'.repeat(64)}-`), ['must be no more than 63 characters', LABEL_MSG]);
  });
});

describe('isDNS1035Label', () => {
  it('requires a leading letter', () => {
    assert.deepEqual(isDNS1035Label('my-svc'), []);
    assert.deepEqual(isDNS1035Label('1abc'), [DNS1035_MSG]);
    assert.deepEqual(isDNS1035Label('no-domain.com'), [DNS1035_MSG]);
  });
});

describe('isQualifiedName', () => {
  it('accepts upstream good values', () => {
    for (const v of ['simple', 'now-with-dashes', '1-starts-with-num', '1234', 'simple/simple', 'now-with-dashes/simple', 'now-with-dashes/now-with-dashes', 'now.with.dots/simple', 'now-with.dashes-and.dots/simple', '1-num.2-num/3-num', '1234/5678', '1.2.3.4/5678', 'Uppercase_Is_OK_123', 'example.com/Uppercase_Is_OK_123', 'requests.storage-foo', 'a'.repeat(63), `${'a'.repeat(253)}/${'b'.repeat(63)}`]) {
      assert.deepEqual(isQualifiedName(v), [], v);
    }
  });
  it('rejects upstream bad values', () => {
    for (const v of ['nospecialchars%^=@', 'cantendwithadash-', '-cantstartwithadash-', 'only/one/slash', 'Example.com/abc', 'example_com/abc', 'example.com/', '/simple', 'a'.repeat(64), `${'a'.repeat(254)}/abc`]) {
      assert.notDeepEqual(isQualifiedName(v), [], v);
    }
  });
  it('uses upstream messages', () => {
    assert.deepEqual(isQualifiedName('A_'), [QNAME_MSG]);
    assert.deepEqual(isQualifiedName('/simple'), ['prefix part must be non-empty']);
    assert.deepEqual(isQualifiedName('example.com/'), ['name part must be non-empty', QNAME_MSG]);
    assert.deepEqual(isQualifiedName('Example.com/abc'), [`prefix part ${SUBDOMAIN_MSG}`]);
    assert.deepEqual(isQualifiedName('a/b/c'), [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]);
    assert.deepEqual(isQualifiedName('a'.repeat(64)), ['name part must be no more than 63 characters']);
  });
});

describe('isValidLabelValue', () => {
  it('accepts empty and upstream good values', () => {
    for (const v of ['simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', '-'.repeat(0), 'a'.repeat(63), '', 'Uppercase_Is_OK_123']) {
      assert.deepEqual(isValidLabelValue(v), [], v);
    }
  });
  it('rejects with the exact message', () => {
    assert.deepEqual(isValidLabelValue('nospecialchars%^=@'), [LABEL_VALUE_MSG]);
    assert.deepEqual(isValidLabelValue('Tama-nui-te-rā.is.Māori.sun'), [LABEL_VALUE_MSG]);
    assert.deepEqual(isValidLabelValue('a'.repeat(64)), ['must be no more than 63 characters']);
  });
});

describe('isCIdentifier', () => {
  it('checks C identifiers', () => {
    for (const v of ['a', 'ab', 'abc', 'a1', '_a', 'a_', 'a_b', 'a_1', 'a__1__2__b', '__abc_123', 'A', 'AB', 'AbC', 'A1', '_A', 'A_', 'A_B', 'A_1', 'A__1__2__B', '__123_ABC']) {
      assert.deepEqual(isCIdentifier(v), [], v);
    }
    assert.deepEqual(isCIdentifier('1'), [
      "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')",
    ]);
    for (const v of ['', 'A B', 'AB-C', 'A-1', 'AB.C', '#A', '1ABC', '123']) assert.equal(isCIdentifier(v).length, 1, v);
  });
});

describe('environment variable names', () => {
  it('strict rule', () => {
    assert.deepEqual(isEnvVarName('my.env-name'), []);
    assert.deepEqual(isEnvVarName('1BAD'), [
      "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
    ]);
    assert.deepEqual(isEnvVarName('..'), ["must not be '..'"]);
    assert.deepEqual(isEnvVarName('..foo'), ["must not start with '..'"]);
  });
  it('relaxed rule allows printable ASCII except =', () => {
    assert.deepEqual(isRelaxedEnvVarName('1 weird:name!'), []);
    assert.deepEqual(isRelaxedEnvVarName(''), ['environment variable name must be non-empty']);
    assert.deepEqual(isRelaxedEnvVarName('A=B'), ["a valid environment variable name must consist only of printable ASCII characters other than '='"]);
    assert.deepEqual(isRelaxedEnvVarName('café'), ["a valid environment variable name must consist only of printable ASCII characters other than '='"]);
  });
});

describe('ports', () => {
  it('isValidPortNum', () => {
    for (const p of [1, 2, 1000, 16384, 32768, 65535]) assert.deepEqual(isValidPortNum(p), [], String(p));
    for (const p of [0, -1, 65536, 100000, 1.5]) assert.deepEqual(isValidPortNum(p), ['must be between 1 and 65535, inclusive'], String(p));
  });
  it('isValidPortName', () => {
    for (const n of ['telnet', 're-mail-ck', 'pop3', 'a', 'a-1', '1-a', 'a-1-b-2-c', '1-a-2-b-3']) assert.deepEqual(isValidPortName(n), [], n);
    assert.deepEqual(isValidPortName('longerthan15characters'), ['must be no more than 15 characters']);
    assert.deepEqual(isValidPortName(''), ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']);
    assert.deepEqual(isValidPortName('12345'), ['must contain at least one letter (a-z)']);
    assert.deepEqual(isValidPortName('a--b'), ['must not contain consecutive hyphens']);
    assert.deepEqual(isValidPortName('-ab'), ['must not begin or end with a hyphen']);
    assert.deepEqual(isValidPortName('Http'), ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']);
  });
});

describe('other formats', () => {
  it('isConfigMapKey', () => {
    assert.deepEqual(isConfigMapKey('key.name'), []);
    assert.deepEqual(isConfigMapKey('.'), ["must not be '.'"]);
    assert.deepEqual(isConfigMapKey('a/b'), [
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
  });
  it('isWildcardDNS1123Subdomain', () => {
    assert.deepEqual(isWildcardDNS1123Subdomain('*.example.com'), []);
    assert.equal(isWildcardDNS1123Subdomain('*.*.bar.com').length, 1);
    assert.match(isWildcardDNS1123Subdomain('foo.com')[0] ?? '', /regex used for validation is '\\\*\\\.\[a-z0-9\]/);
  });
  it('isDNS1123SubdomainWithUnderscore', () => {
    assert.deepEqual(isDNS1123SubdomainWithUnderscore('_sip._tcp.example.com'), []);
    assert.equal(isDNS1123SubdomainWithUnderscore('A').length, 1);
  });
  it('isValidPercent and isHTTPHeaderName', () => {
    assert.deepEqual(isValidPercent('93%'), []);
    assert.equal(isValidPercent('93').length, 1);
    assert.deepEqual(isHTTPHeaderName('X-Header-Name'), []);
    assert.deepEqual(isHTTPHeaderName('X_Header'), ["a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"]);
  });
  it('isValidPathSegmentName', () => {
    assert.deepEqual(isValidPathSegmentName('..'), ["may not be '..'"]);
    assert.deepEqual(isValidPathSegmentName('a/b%c'), ["may not contain '/'", "may not contain '%'"]);
    assert.deepEqual(isValidPathSegmentName('system:node'), []);
  });
});
