// The config parser (src/shared/jsonc.ts): a table of accepted and refused documents with the
// position each refusal names, the prototype attacks, and a property test against JSON.parse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsoncSyntaxError, MAX_DEPTH, parseJsonc, type JsonValue } from '../../src/shared/jsonc.js';
import { parsePolicy } from '../../src/shared/policy/load.js';
import { outcome } from '../helpers/outcome.js';

type Result = { kind: 'ok'; value: unknown } | { kind: 'refused'; at: string; message: string };

function parse(text: string): Result {
  try {
    return { kind: 'ok', value: JSON.parse(JSON.stringify(parseJsonc(text).value)) as unknown };
  } catch (error) {
    if (!(error instanceof JsoncSyntaxError)) throw error;
    return { kind: 'refused', at: `${String(error.position.line)}:${String(error.position.column)}`, message: error.message };
  }
}

describe('parseJsonc', () => {
  it.each<[string, string, Result | { kind: 'refused'; at: string }]>([
    ['plain JSON', '{"a": [1, 2.5, -3e2, true, false, null, "x"]}', { kind: 'ok', value: { a: [1, 2.5, -300, true, false, null, 'x'] } }],
    ['line and block comments', '// head\n{ /* in */ "a": 1 // tail\n}', { kind: 'ok', value: { a: 1 } }],
    ['trailing commas', '{"a": [1, 2,], "b": {"c": 3,},}', { kind: 'ok', value: { a: [1, 2], b: { c: 3 } } }],
    [
      'escapes',
      String.raw`["\"\\\/\b\f\n\r\t", "\u00e9\u2028", "\ud83d\ude00"]`,
      { kind: 'ok', value: ['"\\/\b\f\n\r\t', 'é\u2028', '😀'] },
    ],
    ['a byte-order mark', '\ufeff{"a": 1}', { kind: 'ok', value: { a: 1 } }],
    ['CRLF line ends', '{\r\n"a": 1\r\n}', { kind: 'ok', value: { a: 1 } }],
    ['a comment-looking string', '{"a": "// not a comment /* */"}', { kind: 'ok', value: { a: '// not a comment /* */' } }],
    ['a duplicate member, at the second name', '{\n  "a": 1,\n  "a": 2\n}', { kind: 'refused', at: '3:3' }],
    ['a bad escape, at the backslash', '{"a": "\\x41"}', { kind: 'refused', at: '1:8' }],
    ['a short \\u escape', '["\\u12"]', { kind: 'refused', at: '1:3' }],
    ['a raw control character in a string', '["a\tb"]', { kind: 'refused', at: '1:4' }],
    ['an unterminated string, at its start', '{\n "a": "b\n}', { kind: 'refused', at: '2:7' }],
    ['an unterminated block comment', '{} /* x', { kind: 'refused', at: '1:4' }],
    ['single quotes', "{'a': 1}", { kind: 'refused', at: '1:2' }],
    ['a bare word', '{"a": yes}', { kind: 'refused', at: '1:7' }],
    ['a leading zero', '[01]', { kind: 'refused', at: '1:3' }],
    ['a missing comma', '[1 2]', { kind: 'refused', at: '1:4' }],
    ['text after the document', '{} {}', { kind: 'refused', at: '1:4' }],
    ['an empty document', '  ', { kind: 'refused', at: '1:3' }],
    ['a lone comma', '[,]', { kind: 'refused', at: '1:2' }],
  ])('%s', (_name, text, expected) => {
    expect(parse(text)).toMatchObject(expected);
  });

  it('records where each setting starts', () => {
    const { positions } = parseJsonc('{\n  "keys": {\n    "ns1": { "paths": ["a", "b"] }\n  }\n}');
    expect(Object.fromEntries(positions)).toMatchObject({
      keys: { line: 2, column: 3 },
      'keys.ns1': { line: 3, column: 5 },
      'keys.ns1.paths[1]': { line: 3, column: 29 },
    });
  });

  it(`accepts nesting to ${String(MAX_DEPTH)} levels and refuses deeper, without exhausting the stack`, () => {
    expect(parse('['.repeat(MAX_DEPTH) + ']'.repeat(MAX_DEPTH))).toMatchObject({ kind: 'ok' });
    // Attack: a deeply nested document that would overflow the stack (a RangeError, not a clean refusal).
    expect(parse('['.repeat(100_000) + ']'.repeat(100_000))).toMatchObject({ kind: 'refused', at: `1:${String(MAX_DEPTH + 1)}` });
  });

  it('builds objects without a prototype', () => {
    const value = parseJsonc('{"a": {"b": 1}}').value as Record<string, Record<string, JsonValue>>;
    expect(Object.getPrototypeOf(value)).toBeNull();
    expect(Object.getPrototypeOf(value['a'])).toBeNull();
    expect('toString' in value).toBe(false);
  });
});

describe('prototype members are refused', () => {
  // Attack: a "__proto__" member became the parsed object's prototype, so settings hidden in it were
  // seen by lookups but never by the validator's unknown-key check (sandbox off, deletes allowed).
  it.each([
    ['__proto__ at the top', '{\n  "__proto__": {"gate": {"sandbox": "off"}}\n}', '2:3', '__proto__'],
    ['__proto__ in a rule', '{"keys": {"ns1": {"rules": [{\n "__proto__": {"delete": true}}]}}}', '2:2', '__proto__'],
    ['__proto__ spelled with an escape', '{"__pro\\u0074o__": {}}', '1:2', '__proto__'],
    ['constructor', '{"a": {"constructor": {"prototype": {}}}}', '1:8', 'constructor'],
    ['prototype', '{"prototype": 1}', '1:2', 'prototype'],
  ])('%s', (_name, text, at, member) => {
    const result = parse(text);
    expect(result).toMatchObject({ kind: 'refused', at });
    expect(result.kind === 'refused' && result.message).toContain(`"${member}"`);
    // Nothing leaked onto shared prototypes while parsing.
    expect(({} as Record<string, unknown>)['gate']).toBeUndefined();
    expect(({} as Record<string, unknown>)['delete']).toBeUndefined();
  });

  it('a policy with __proto__ is refused as a config error naming file:line:col', () => {
    const refused = outcome(() => parsePolicy('{\n  "__proto__": {"gate": {"sandbox": "off"}}\n}', '/etc/zonegate/config.json'));
    expect(refused).toMatchObject({ kind: 'refused', reason: 'config-syntax', exitCode: 78 });
    expect(refused.kind === 'refused' && refused.message).toContain('/etc/zonegate/config.json:2:3');
  });

  it('names that only contain the words are ordinary members', () => {
    expect(parse('{"__proto__x": 1, "my-constructor": 2, "Prototype": 3}')).toMatchObject({
      kind: 'ok',
      value: { __proto__x: 1, 'my-constructor': 2, Prototype: 3 },
    });
  });
});

const PROTO_MEMBER = /"(?:__proto__|constructor|prototype)":/;

describe('parseJsonc agrees with JSON.parse on plain JSON', () => {
  it('on serialized random values, compact and indented', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(undefined, 2, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        // fast-check's keys can be any string, these three included: those must be refused instead.
        if (PROTO_MEMBER.test(text)) expect(parse(text)).toMatchObject({ kind: 'refused' });
        else expect(parse(text)).toEqual({ kind: 'ok', value: JSON.parse(text) as unknown });
      }),
      { numRuns: 2000 },
    );
  });

  it('on arbitrary text: whatever JSON.parse accepts, parseJsonc reads the same way', () => {
    const jsonish = fc.stringMatching(/^[\s{}[\]",:0-9.eE+\-a-z\\/*]{0,40}$/);
    fc.assert(
      fc.property(fc.oneof(fc.string(), jsonish), (text) => {
        let expected: unknown;
        try {
          expected = JSON.parse(text);
        } catch {
          return;
        }
        const result = parse(text);
        // JSON.parse keeps the last of duplicate members; we refuse duplicates and prototype names.
        if (result.kind === 'refused') expect(result.message).toMatch(/^duplicate property|is not allowed/);
        else expect(result).toEqual({ kind: 'ok', value: JSON.parse(JSON.stringify(expected)) as unknown });
      }),
      { numRuns: 3000 },
    );
  });
});
