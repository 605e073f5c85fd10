// The gate's own argv, from the authorized_keys command= line: exactly `--key NAME [--config FILE]`,
// or `--help`/`-h` alone. Parsed by hand: node:util's parseArgs compiles Node's internal parse_args
// modules on first use, 0.6-0.8 ms of every connection's start. The rules and the messages are
// parseArgs's with `strict: true` and no positionals (test/unit/gate-argv.test.ts compares the two),
// except that an option given twice is refused instead of the last one winning: two --key words
// in command= are a mistake, and the gate does not guess which key was meant.

import { ConfigError } from '../shared/errors.js';
import { DEFAULT_CONFIG_PATH } from '../shared/policy/types.js';

export interface GateArgs {
  key: string;
  config: string;
}

const OPTIONS = ['key', 'config'] as const;
type OptionName = (typeof OPTIONS)[number];

const isOptionName = (name: string): name is OptionName => (OPTIONS as readonly string[]).includes(name);

/** The error parseArgs throws for the same argv (its message, as text). */
function usage(message: string): never {
  throw new Error(message);
}

function parseWords(argv: readonly string[]): Partial<Record<OptionName, string>> {
  const values: Partial<Record<OptionName, string>> = {};
  const unexpected = (word: string): never => usage(`Unexpected argument '${word}'. This command does not take positional arguments`);
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '--') {
      // Everything after "--" is a positional argument, and the gate takes none.
      if (i + 1 < argv.length) unexpected(argv[i + 1] ?? '');
      break;
    }
    if (!word.startsWith('-') || word === '-') unexpected(word);
    // -k, -hk: the gate has no short options (-h is --help alone, handled before).
    if (!word.startsWith('--')) usage(`Unknown option '${word.slice(0, 2)}'`);
    // An "=" counts from the fourth character on, as in parseArgs: "--=a" is an option named "=a".
    const equals = word.indexOf('=', 3);
    const name = equals === -1 ? word.slice(2) : word.slice(2, equals);
    if (!isOptionName(name)) usage(`Unknown option '--${name}'`);
    let value: string | undefined;
    if (equals !== -1) value = word.slice(equals + 1);
    else {
      value = argv[i + 1];
      if (value === undefined) usage(`Option '--${name} <value>' argument missing`);
      i++;
      if (value.length > 1 && value.startsWith('-'))
        usage(
          `Option '--${name}' argument is ambiguous.\nDid you forget to specify the option argument for '--${name}'?\nTo specify an option argument starting with a dash use '--${name}=-XYZ'.`,
        );
    }
    if (values[name] !== undefined) usage(`Option '--${name}' given more than once`);
    values[name] = value;
  }
  return values;
}

export function parseGateArgv(argv: readonly string[]): GateArgs | 'help' {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) return 'help';
  try {
    const values = parseWords(argv);
    if (values.key === undefined) throw new Error('--key NAME is required');
    return { key: values.key, config: values.config ?? DEFAULT_CONFIG_PATH };
  } catch (error) {
    throw new ConfigError('gate-usage', `bad gate arguments in authorized_keys command=: ${(error as Error).message}`, { cause: error });
  }
}
