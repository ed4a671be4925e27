import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabelSelector, parseToRequirements } from './parser.js';
import { LabelSelector, type Requirement } from './selector.js';
import { newPath } from '../validation/index.js';

function parse(s: string): LabelSelector {
  const result = parseLabelSelector(s);
  if ('error' in result) throw new Error(`unexpected parse error for ${JSON.stringify(s)}: ${result.error}`);
  return result;
}

function parseFails(s: string): string {
  const result = parseLabelSelector(s);
  if (!('error' in result)) assert.fail(`expected ${JSON.stringify(s)} to fail, got ${result.toString()}`);
  return result.error;
}

function reqs(s: string): readonly Requirement[] {
  return parse(s).requirements;
}

describe('parseLabelSelector: round trips (upstream TestSelectorParse)', () => {
  it('restrings good selectors without spaces', () => {
    for (const s of ['x=a,y=b,z=c', '', 'x!=a,y=b', 'x=', 'x= ', 'x=,z= ', 'x= ,z= ', '!x', 'x>1', 'x>1,z<5']) {
      assert.equal(parse(s).toString(), s.replaceAll(' ', ''), s);
    }
  });
  it('rejects bad selectors', () => {
    for (const s of ['x=a||y=b', 'x==a==b', '!x=a', 'x<a']) parseFails(s);
  });
  it('is deterministic (sorted by key)', () => {
    assert.equal(parse('x=a,a=x').toString(), parse('a=x,x=a').toString());
    assert.equal(parse('x=a,a=x').toString(), 'a=x,x=a');
  });
});

describe('parseLabelSelector: set-based syntax (upstream TestSetSelectorParser)', () => {
  const good: ReadonlyArray<readonly [string, ReadonlyArray<Requirement>]> = [
    ['', []],
    ['\rx', [{ key: 'x', operator: 'exists', values: [] }]],
    ['this-is-a-dns.domain.com/key-with-dash', [{ key: 'this-is-a-dns.domain.com/key-with-dash', operator: 'exists', values: [] }]],
    ['this-is-another-dns.domain.com/key-with-dash in (so,what)', [{ key: 'this-is-another-dns.domain.com/key-with-dash', operator: 'in', values: ['so', 'what'] }]],
    ['0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)', [{ key: '0.1.2.domain/99', operator: 'notin', values: ['10.10.100.1', 'tick.tack.clock'] }]],
    ['foo  in\t (abc)', [{ key: 'foo', operator: 'in', values: ['abc'] }]],
    ['x notin\n (abc)', [{ key: 'x', operator: 'notin', values: ['abc'] }]],
    ['x  notin\t\t\t(abc,def)', [{ key: 'x', operator: 'notin', values: ['abc', 'def'] }]],
    ['x in (abc,def)', [{ key: 'x', operator: 'in', values: ['abc', 'def'] }]],
    ['x in (abc,)', [{ key: 'x', operator: 'in', values: ['', 'abc'] }]],
    ['x in ()', [{ key: 'x', operator: 'in', values: [''] }]],
    [
      'x notin (abc,,def),bar,z in (),w',
      [
        { key: 'bar', operator: 'exists', values: [] },
        { key: 'w', operator: 'exists', values: [] },
        { key: 'x', operator: 'notin', values: ['', 'abc', 'def'] },
        { key: 'z', operator: 'in', values: [''] },
      ],
    ],
    ['x=a', [{ key: 'x', operator: '=', values: ['a'] }]],
    ['x==a', [{ key: 'x', operator: '==', values: ['a'] }]],
    ['x>1', [{ key: 'x', operator: 'gt', values: ['1'] }]],
    ['x<7', [{ key: 'x', operator: 'lt', values: ['7'] }]],
    ['x=a,y!=b,z in (h,i,j)', [
      { key: 'x', operator: '=', values: ['a'] },
      { key: 'y', operator: '!=', values: ['b'] },
      { key: 'z', operator: 'in', values: ['h', 'i', 'j'] },
    ]],
    ['x notin ( )', [{ key: 'x', operator: 'notin', values: [''] }]],
    ['x notin (, a)', [{ key: 'x', operator: 'notin', values: ['', 'a'] }]],
    ['a ', [{ key: 'a', operator: 'exists', values: [] }]],
    ['a in (x,y,notin, z,in)', [{ key: 'a', operator: 'in', values: ['in', 'notin', 'x', 'y', 'z'] }]],
    ['in in (in)', [{ key: 'in', operator: 'in', values: ['in'] }]],
    ['notin=in', [{ key: 'notin', operator: '=', values: ['in'] }]],
    ['x in (b,a,b)', [{ key: 'x', operator: 'in', values: ['a', 'b'] }]],
  ];
  it('parses requirements', () => {
    for (const [input, expected] of good) assert.deepEqual(reqs(input), expected, input);
  });
  it('rejects malformed input', () => {
    for (const s of ['x=a||y=b', 'x,,y', ',x,y', 'x nott in (y)', 'a in (xyz),', 'a in (xyz)b notin ()', 'a in (xyz abc)', 'a notin(', 'a (', '(']) parseFails(s);
  });
});

describe('parseLabelSelector: upstream error messages', () => {
  it('reports the token found and what was expected', () => {
    assert.equal(parseFails('x,,y'), "found ',', expected: identifier after ','");
    assert.equal(parseFails(',x'), "found ',', expected: !, identifier, or 'end of string'");
    assert.equal(parseFails('a,'), "found '', expected: identifier after ','");
    assert.equal(parseFails('a in (xyz),'), "found '', expected: identifier after ','");
    assert.equal(parseFails('!x=a'), "found '=', expected: ',' or 'end of string'");
    assert.match(parseFails('x=a||y=b'), /^unable to parse requirement: values\[0\]\[x\]: Invalid value: "a\|\|y": /);
    assert.equal(parseFails('x==a==b'), "found '==', expected: ',' or 'end of string'");
    assert.equal(parseFails('a in (xyz)b notin ()'), "found 'b', expected: ',' or 'end of string'");
    assert.equal(parseFails('a b'), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    assert.equal(parseFails('x nott in (y)'), "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt");
    assert.equal(parseFails('a notin('), "unable to parse requirement: found '', expected: ',', ')' or identifier");
    assert.equal(parseFails('a in'), "unable to parse requirement: found '' expected: '('");
    assert.equal(parseFails('a in (xyz abc)'), "unable to parse requirement: found 'abc', expected: ',' or ')'");
    assert.equal(parseFails('a in (x=)'), "unable to parse requirement: found '=', expected: ',' or ')'");
    assert.equal(parseFails('a in (,=)'), "unable to parse requirement: found '=', expected: ',', or identifier");
    assert.equal(parseFails('a=('), "unable to parse requirement: found '(', expected: identifier");
    assert.equal(parseFails('!'), "unable to parse requirement: found '', expected: identifier");
    assert.equal(parseFails('('), "found '(', expected: !, identifier, or 'end of string'");
  });
  it('reports an invalid key against the nil path', () => {
    assert.equal(
      parseFails('A_'),
      "unable to parse requirement: <nil>: Invalid value: \"A_\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
    assert.equal(
      parseFails('/x=y'),
      'unable to parse requirement: <nil>: Invalid value: "/x": prefix part must be non-empty',
    );
  });
  it('joins several key messages with "; "', () => {
    assert.equal(
      parseFails('Bad_/x'),
      "unable to parse requirement: <nil>: Invalid value: \"Bad_/x\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
    assert.match(parseFails(`${'a'.repeat(64)}_`), /: name part must be no more than 63 characters; name part must consist of/);
  });
  it('reports an invalid value at values[i][key]', () => {
    assert.equal(
      parseFails('a=b_'),
      "unable to parse requirement: values[0][a]: Invalid value: \"b_\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
    assert.match(parseFails('a in (ok,-bad)'), /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "-bad": /);
  });
  it('requires integers for gt and lt', () => {
    assert.equal(parseFails('x<a'), "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer");
    assert.equal(parseFails('x>99999999999999999999'), "unable to parse requirement: values[0]: Invalid value: \"99999999999999999999\": for 'Gt', 'Lt' operators, the value must be an integer");
    // "-1" is an integer but not a valid label value.
    assert.match(parseFails('x>-1'), /^unable to parse requirement: values\[0\]\[x\]: Invalid value: "-1": a valid label/);
  });
  it('aggregates several requirement errors', () => {
    assert.equal(
      parseFails('x>a_'),
      "unable to parse requirement: [values[0]: Invalid value: \"a_\": for 'Gt', 'Lt' operators, the value must be an integer, values[0][x]: Invalid value: \"a_\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]",
    );
  });
  it('prefixes error paths with a given path', () => {
    const result = parseLabelSelector('A_', newPath('spec', 'selector'));
    assert.ok('error' in result);
    assert.match(result.error, /^unable to parse requirement: spec\.selector: Invalid value: "A_"/);
    const valueError = parseLabelSelector('a=b_', newPath('spec', 'selector'));
    assert.ok('error' in valueError);
    assert.match(valueError.error, /^unable to parse requirement: spec\.selector\.values\[0\]\[a\]: /);
  });
});

describe('lexer corner cases', () => {
  it('treats other characters as identifier text', () => {
    assert.equal(parseFails('a=~b'), "unable to parse requirement: values[0][a]: Invalid value: \"~b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  });
  it('takes the longest operator', () => {
    assert.deepEqual(reqs('a!=b'), [{ key: 'a', operator: '!=', values: ['b'] }]);
    assert.deepEqual(reqs('a==b'), [{ key: 'a', operator: '==', values: ['b'] }]);
  });
  it('does not confuse identifiers with Object.prototype keys', () => {
    assert.deepEqual(reqs('constructor=toString'), [{ key: 'constructor', operator: '=', values: ['toString'] }]);
  });
  it('treats a NUL character as an end marker where upstream does', () => {
    // Right after an operator the NUL is swallowed by the operator scan...
    assert.equal(parse('a,\u0000b').toString(), 'a,b');
    // ...but at the start of a token it ends the input.
    assert.equal(parseFails('a, \u0000b'), "found '', expected: identifier after ','");
  });
});

describe('parseToRequirements', () => {
  it('returns sorted requirements', () => {
    const result = parseToRequirements('b,a=1');
    assert.ok(!('error' in result));
    assert.deepEqual(
      result.map((r) => r.key),
      ['a', 'b'],
    );
  });
});
