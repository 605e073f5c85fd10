// The admin CLI: yargs wiring only. Each command lives in its own module under cli/ and calls
// one function; this file maps errors to exit codes and is the only place that does.

import yargs, { type Argv, type CommandModule } from 'yargs';
import { isGateError } from '../shared/errors.js';
import { CHECK_EXIT, EXIT, NAGIOS_EXIT } from '../shared/exit-codes.js';
import { commands } from './cli/index.js';

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number): void => {
    exitCode = code;
  };
  const parser: Argv = yargs(argv)
    .scriptName('zonegate')
    .usage('$0 <command> [options]\n\nPush DNS zones to secondaries with rsync over SSH, safely.')
    .strict()
    // Words after `--` (a command line for `check`) stay verbatim in argv['--'].
    .parserConfiguration({ 'populate--': true })
    .demandCommand(1, 'Name a command; see `zonegate --help`.')
    .recommendCommands()
    .completion('completion', 'Print a bash/zsh completion script (source it from your shell rc)')
    .help()
    .alias('h', 'help')
    .version()
    // Wrap to the terminal; unwrapped when piped (man pages, greps).
    .wrap(process.stdout.isTTY ? Math.min(120, process.stdout.columns) : null)
    .fail((message, error) => {
      throw error ?? new UsageFailure(message);
    });
  for (const command of commands(setExit)) parser.command(command as CommandModule);
  try {
    await parser.parseAsync();
  } catch (error) {
    // `zonegate check` keeps its own exit table (CHECK_EXIT), where 2 is a usage error, wherever its options stand.
    // A Nagios plugin must print one status line and exit 0-3 whatever goes wrong: a usage error
    // or an unusable config is UNKNOWN, with the reason, never a bare 64 or 78 ("out of bounds").
    if (commandWord(argv) === 'status' && argv.includes('--nagios')) return reportNagiosUnknown(error, argv.includes('--fleet'));
    const code = reportFailure(error);
    return code === EXIT.usage && commandWord(argv) === 'check' ? CHECK_EXIT.usage : code;
  }
  return exitCode;
}

class UsageFailure extends Error {}

/** The command's name: the first word that is not an option (the CLI has no global options with values). */
function commandWord(argv: readonly string[]): string | undefined {
  return argv.find((word) => !word.startsWith('-'));
}

function reportNagiosUnknown(error: unknown, fleet: boolean): number {
  const reason = error instanceof Error ? error.message : String(error);
  // One line, and no '|': Nagios would read what follows it as performance data. The fleet check's
  // failure line starts as its normal line does, so one pattern in Nagios matches both.
  process.stdout.write(`ZONEGATE ${fleet ? 'FLEET ' : ''}UNKNOWN - ${reason.replace(/[\r\n|]+/g, ' ').trim()}\n`);
  return NAGIOS_EXIT.unknown;
}

function reportFailure(error: unknown): number {
  if (error instanceof UsageFailure) {
    process.stderr.write(`zonegate: ${error.message}\nTry 'zonegate --help'.\n`);
    return EXIT.usage;
  }
  if (isGateError(error)) {
    process.stderr.write(`zonegate: ${error.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(`zonegate: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.internal;
}
