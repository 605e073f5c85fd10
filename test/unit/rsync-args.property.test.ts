// Property tests: whatever the client sends, the tokenizer and parser either refuse with a
// GateError or return a request whose rebuilt argv cannot smuggle an option past `--`.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRsyncArgv, parseRsyncServerArgs, type RsyncRequest } from '../../src/gate/rsync-args.js';
import { LONG_OPTIONS } from '../../src/gate/rsync-options.js';
import { tokenizeCommand } from '../../src/gate/tokenize.js';
import { clientShape, outcome } from '../helpers/outcome.js';

const FIXTURES = (
  JSON.parse(readFileSync(new URL('../fixtures/rsync-client-commands.json', import.meta.url), 'utf8')) as {
    command: string;
  }[]
).map((f) => f.command);

// Anything the tokenizer must have refused: control chars, replacement char, lone surrogates.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;
const HARDENING = ['--confine-root=/srv/zones', '--drop-D', '--munge-links'];

function checkAccepted(request: RsyncRequest): void {
  for (const path of request.paths) {
    expect(path).not.toBe('');
    expect(path.startsWith('-')).toBe(false);
    expect(FORBIDDEN.test(path)).toBe(false);
  }
  for (const option of request.pathOptions) {
    expect(option.value?.startsWith('/')).toBe(false);
    expect(option.value?.split('/')).not.toContain('..');
  }
  const argv = buildRsyncArgv(request, request.paths, HARDENING);
  const dashdash = argv.indexOf('--');
  expect(argv.lastIndexOf('--')).toBe(dashdash);
  expect(argv[dashdash + 1]).toBe('.');
  expect(argv.slice(dashdash + 2)).toEqual(request.paths);
  expect(argv.slice(dashdash + 2).some((word) => word.startsWith('-'))).toBe(false);
  // Every option word before `--` is one the table (or the hardening list) knows.
  for (const word of argv.slice(0, dashdash)) {
    expect(word.startsWith('-')).toBe(true);
    if (word.startsWith('--') && !HARDENING.includes(word) && word !== '--server' && word !== '--sender') {
      expect(LONG_OPTIONS.get(word.slice(2).split('=')[0] ?? '')?.kind).not.toBe('refuse');
    }
  }
}

/** Parses, never letting a non-GateError escape (outcome rethrows those). */
function decideOn(command: string): void {
  const result = outcome(() => parseRsyncServerArgs(tokenizeCommand(command)));
  if (result.kind === 'ok') checkAccepted(result.value);
}

const hostileWords = [
  '.',
  '--',
  '-',
  '--server',
  '--sender',
  '--delete',
  '--rsync-path=x',
  '--log-file=/x',
  '-e',
  '-e.',
  '-s',
  '-L',
  '--partial-dir',
  '../x',
  '/abs',
  '-B',
  '-B1',
  '--timeout',
  '--timeout=1',
  'zones/',
  './-x',
  '-x',
  '\\-x',
  '\\ ',
  ';',
  '\\;',
  '$(id)',
  '\\$',
  '~',
  '\\~',
  '*',
  '\\*',
  '\n',
  '\\\n',
  '\ufffd',
  '\ud800',
  'é',
  '--files-from=-',
];

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...hostileWords), fc.string({ unit: 'binary', maxLength: 4 })),
  }),
  fc.record({
    kind: fc.constant('insertWord' as const),
    at: fc.nat(),
    text: fc.constantFrom(...hostileWords),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    text: fc.string({ maxLength: 0 }),
    length: fc.nat({ max: 12 }),
  }),
  fc.record({
    kind: fc.constant('swapWords' as const),
    at: fc.nat(),
    text: fc.constant(''),
    other: fc.nat(),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(command: string, m: Mutation): string {
  const at = m.at % (command.length + 1);
  switch (m.kind) {
    case 'insert':
      return command.slice(0, at) + m.text + command.slice(at);
    case 'delete':
      return command.slice(0, at) + command.slice(at + m.length);
    case 'insertWord': {
      const words = command.split(' ');
      words.splice(m.at % (words.length + 1), 0, m.text);
      return words.join(' ');
    }
    case 'swapWords': {
      const words = command.split(' ');
      const i = m.at % words.length;
      const j = m.other % words.length;
      [words[i], words[j]] = [words[j] ?? '', words[i] ?? ''];
      return words.join(' ');
    }
  }
}

describe('tokenizer + parser properties', () => {
  it('random strings only ever yield a GateError or a safe request', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        decideOn(s);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        decideOn(`rsync --server ${s}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated real client commands only ever yield a GateError or a safe request', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIXTURES), fc.array(mutation, { minLength: 1, maxLength: 4 }), (command, ms) => {
        decideOn(ms.reduce(mutate, command));
      }),
      { numRuns: 5000 },
    );
  });

  it('random word lists fed straight to the parser behave the same', () => {
    const word = fc.oneof(fc.constantFrom(...hostileWords), fc.string({ unit: 'binary', maxLength: 8 }));
    fc.assert(
      fc.property(fc.boolean(), fc.array(word, { maxLength: 8 }), (sender, rest) => {
        const tokens = ['rsync', '--server', ...(sender ? ['--sender'] : []), ...rest];
        const result = outcome(() => parseRsyncServerArgs(tokens));
        if (result.kind === 'ok') {
          // The parser alone does not police characters (the tokenizer does); the argv shape still holds.
          const argv = buildRsyncArgv(result.value, result.value.paths, HARDENING);
          expect(argv[argv.indexOf('--') + 1]).toBe('.');
          expect(parseRsyncServerArgs(clientShape(buildRsyncArgv(result.value, result.value.paths, [])))).toEqual(result.value);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('every accepted fixture survives the round trip through its rebuilt argv', () => {
    for (const command of FIXTURES) {
      const result = outcome(() => parseRsyncServerArgs(tokenizeCommand(command)));
      if (result.kind !== 'ok') continue;
      const again = parseRsyncServerArgs(clientShape(buildRsyncArgv(result.value, result.value.paths, [])));
      expect(again).toEqual(result.value);
    }
  });
});
