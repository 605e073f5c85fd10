// The list of admin commands. Each module exports a factory taking `setExit`, so a command can
// report a non-zero status (e.g. `check` denies, `doctor` finds a problem) without calling exit.

import type { CommandModule } from 'yargs';
import { checkCommand } from './check.js';
import { releasesCommand, rollbackCommand } from './zoneset.js';
import { holdCommand, unholdCommand } from './hold.js';
import { authorizedKeysCommand } from './authorized-keys.js';
import { keygenCommand } from './keygen.js';
import { initCommand } from './init.js';
import { cronCommand, systemdCommand } from './push-jobs.js';
import { doctorCommand } from './doctor.js';
import { pushCommand } from './push.js';
import { statusCommand } from './status.js';
import { targetCommand } from './target.js';
import { logCommand } from './log.js';

export type SetExit = (code: number) => void;
export type CommandFactory = (setExit: SetExit) => CommandModule<object, never>;

const factories: CommandFactory[] = [
  checkCommand,
  releasesCommand,
  rollbackCommand,
  holdCommand,
  unholdCommand,
  authorizedKeysCommand,
  keygenCommand,
  initCommand,
  cronCommand,
  systemdCommand,
  doctorCommand,
  pushCommand,
  statusCommand,
  targetCommand,
  logCommand,
];

export function commands(setExit: SetExit): CommandModule<object, never>[] {
  return factories.map((factory) => factory(setExit));
}
