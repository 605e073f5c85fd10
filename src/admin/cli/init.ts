// `zonegate init`: write a commented starter config for a primary or a secondary.

import { resolve } from 'node:path';
import { DEFAULT_CONFIG_PATH } from '../../shared/policy/types.js';
import { ROLES, renderStarterConfig, writeNewFile, type Role } from '../init/starter-config.js';
import type { CommandFactory } from './index.js';
import { defineCommand } from './define.js';

interface Args {
  role: Role;
  config: string;
  force: boolean;
  stdout: boolean;
}

export const initCommand: CommandFactory = () =>
  defineCommand<Args>({
    command: 'init',
    describe: 'Write a commented starter config that explains every field',
    builder: (yargs) =>
      yargs
        .option('role', { choices: ROLES, demandOption: true, describe: 'primary (pushes zones) or secondary (receives them)' })
        .option('config', { type: 'string', default: DEFAULT_CONFIG_PATH, describe: 'Where to write it' })
        .option('force', { type: 'boolean', default: false, describe: 'Replace an existing config' })
        .option('stdout', { type: 'boolean', default: false, describe: 'Print it instead of writing a file' })
        .example('$0 init --role secondary', 'writes /etc/zonegate/zonegate.conf for a secondary')
        .example('$0 init --role primary --config ./zonegate.conf', 'a primary config in the current directory'),
    handler: async (args) => {
      const text = await renderStarterConfig(args.role);
      if (args.stdout) {
        process.stdout.write(text);
        return;
      }
      const file = resolve(args.config);
      await writeNewFile(file, text, args.force, '--config');
      process.stdout.write(`wrote ${file} (${args.role}); edit it, then run: zonegate doctor --config ${file}\n`);
    },
  });
