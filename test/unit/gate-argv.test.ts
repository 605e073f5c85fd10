// The gate's argv parser (gate-argv.ts) replaces node:util's parseArgs for start-up time; it must
// accept and refuse exactly what parseArgs did, with the same messages, so these tests compare the
// two on a table and on random argv. The one intended difference: an option given twice is refused.
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGateArgv } from '../../src/gate/gate-argv.js';
import { isGateError } from '../../src/shared/errors.js';
import { DEFAULT_CONFIG_PATH } from '../../src/shared/policy/types.js';

type Parsed =
  { kind: 'ok'; key: string; config: string } | { kind: 'help' } | { kind: 'refused'; reason: string; exitCode: number; message: string };

function ours(argv: string[]): Parsed {
  try {
    const parsed = parseGateArgv(argv);
    return parsed === 'help' ? { kind: 'help' } : { kind: 'ok', ...parsed };
  } catch (error) {
    if (!isGateError(error)) throw error;
    return { kind: 'refused', reason: error.reason, exitCode: error.exitCode, message: error.message };
  }
}

/** What the gate did before, with parseArgs (strict, no positionals). */
function reference(argv: string[]): Parsed {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) return { kind: 'help' };
  try {
    const { values } = parseArgs({
      args: argv,
      options: { key: { type: 'string' }, config: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.key === undefined) throw new Error('--key NAME is required');
    return { kind: 'ok', key: values.key, config: values.config ?? DEFAULT_CONFIG_PATH };
  } catch (error) {
    return {
      kind: 'refused',
      reason: 'gate-usage',
      exitCode: 78,
      message: `bad gate arguments in authorized_keys command=: ${(error as Error).message}`,
    };
  }
}

const refused = (message: string): Parsed => ({
  kind: 'refused',
  reason: 'gate-usage',
  exitCode: 78,
  message: `bad gate arguments in authorized_keys command=: ${message}`,
});

describe('parseGateArgv', () => {
  it.each<[string[], Parsed]>([
    [['--key', 'ns1'], { kind: 'ok', key: 'ns1', config: DEFAULT_CONFIG_PATH }],
    [['--config', '/etc/z.conf', '--key', 'ns1'], { kind: 'ok', key: 'ns1', config: '/etc/z.conf' }],
    [['--key=ns1', '--config=/c'], { kind: 'ok', key: 'ns1', config: '/c' }],
    [['--key=-x'], { kind: 'ok', key: '-x', config: DEFAULT_CONFIG_PATH }],
    [['--key', '-'], { kind: 'ok', key: '-', config: DEFAULT_CONFIG_PATH }],
    [['--key', 'a', '--'], { kind: 'ok', key: 'a', config: DEFAULT_CONFIG_PATH }],
    [['--help'], { kind: 'help' }],
    [['-h'], { kind: 'help' }],
    [[], refused('--key NAME is required')],
    [['--config', '/c'], refused('--key NAME is required')],
    [['--key'], refused("Option '--key <value>' argument missing")],
    [['--key', 'a', '--config'], refused("Option '--config <value>' argument missing")],
    [['--key', 'a', 'extra'], refused("Unexpected argument 'extra'. This command does not take positional arguments")],
    [['--', '--key', 'a'], refused("Unexpected argument '--key'. This command does not take positional arguments")],
    [['-'], refused("Unexpected argument '-'. This command does not take positional arguments")],
    [['--foo=1', '--key', 'a'], refused("Unknown option '--foo'")],
    [['--=a'], refused("Unknown option '--=a'")],
    [['-k', 'a'], refused("Unknown option '-k'")],
    [['-hk'], refused("Unknown option '-h'")],
    [['--key', 'a', '--help'], refused("Unknown option '--help'")],
    [['--Key', 'a'], refused("Unknown option '--Key'")],
    [
      ['--key', '--config'],
      refused(
        "Option '--key' argument is ambiguous.\nDid you forget to specify the option argument for '--key'?\nTo specify an option argument starting with a dash use '--key=-XYZ'.",
      ),
    ],
    // The one difference from parseArgs (which took the last): two keys in command= are refused.
    [['--key', 'a', '--key', 'b'], refused("Option '--key' given more than once")],
    [['--config=/a', '--key', 'k', '--config', '/b'], refused("Option '--config' given more than once")],
  ])('%j', (argv, expected) => {
    expect(ours(argv)).toEqual(expected);
  });

  it('agrees with parseArgs on random argv (outside repeated options)', () => {
    const word = fc.oneof(
      fc.constantFrom(
        '--key',
        '--config',
        '--key=a',
        '--config=/c',
        '--',
        '-',
        '-h',
        '--help',
        '-k',
        '--foo',
        '--foo=1',
        '--=a',
        '---key',
        '',
      ),
      fc.constantFrom('ns1', '/etc/zonegate.conf', '-x', '--x', '=', '--key=', '--config=-'),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 6 }), (argv) => {
        const expected = reference(argv);
        const got = ours(argv);
        if (got.kind === 'refused' && got.message.endsWith('given more than once')) return;
        expect(got).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
