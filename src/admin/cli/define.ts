// yargs types each command by its own argument shape; the command list holds them as one type.
// This is the single place where that widening happens.

import type { CommandModule } from 'yargs';

export function defineCommand<A>(module: CommandModule<object, A>): CommandModule<object, never> {
  return module as unknown as CommandModule<object, never>;
}
