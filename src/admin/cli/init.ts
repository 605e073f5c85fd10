// `zonegate init`: write a commented starter config for a primary or a secondary; on a secondary,
// also prepare what must exist before the first push (log directory, logrotate, zone sets).

import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { loadPolicy } from '../../shared/policy/load.js';
import { ROLES, renderStarterConfig, writeNewFile, type Role } from '../init/starter-config.js';
import { lookupAccount } from '../init/account.js';
import { prepareSecondary } from '../init/prepare-secondary.js';
import { configOption } from './config-option.js';
import type { CommandFactory } from './index.js';
import { defineCommand } from './define.js';

interface Args {
  role: Role;
  config: string;
  force: boolean;
  stdout: boolean;
  user: string | undefined;
  logrotate: string;
}

export const initCommand: CommandFactory = () =>
  defineCommand<Args>({
    command: 'init',
    describe: 'Write a commented starter config; on a secondary, also create the log directory, logrotate file and zone-set directories',
    builder: (yargs) =>
      yargs
        .option('role', { choices: ROLES, demandOption: true, describe: 'primary (pushes zones) or secondary (receives them)' })
        .option('config', configOption('Where to write it (a secondary keeps an existing one and prepares the host from it)'))
        .option('force', { type: 'boolean', default: false, describe: 'Replace an existing config with the starter' })
        .option('stdout', { type: 'boolean', default: false, describe: 'Print the starter instead of writing a file' })
        .option('user', {
          type: 'string',
          describe: 'secondary: the login account the keys use; it gets the log and zone-set directories (default: you)',
        })
        .option('logrotate', {
          type: 'string',
          default: '/etc/logrotate.d/zonegate',
          describe: 'secondary: where to write the gate log’s logrotate file',
        })
        .example(
          '$0 init --role secondary --user zonegate',
          'write /etc/zonegate/zonegate.conf; after editing it, run again to create the zone sets',
        )
        .example('$0 init --role primary --config ./zonegate.conf', 'a primary config in the current directory')
        .epilog(
          'On a secondary, run it again after adding keys and zone sets to the config: it keeps the config and creates each zone set’s directories and an empty zone list for its server (ROOT/.zonegate/named-zones.conf, nsd-zones.conf or knot-zones.conf), and prints the line that includes it in named.conf, nsd.conf or knot.conf, so the server starts before the first push.',
        ),
    handler: async (args) => {
      const text = await renderStarterConfig(args.role);
      if (args.stdout) {
        process.stdout.write(text);
        return;
      }
      const file = resolve(args.config);
      if (args.role === 'primary' || args.force || !existsSync(file)) {
        await writeNewFile(file, text, args.force, '--config');
        process.stdout.write(`wrote ${file} (${args.role})\n`);
      } else {
        process.stdout.write(`kept ${file} (pass --force to replace it with the starter)\n`);
      }
      if (args.role === 'secondary') {
        const account = lookupAccount(args.user ?? userInfo().username);
        const policy = loadPolicy(file);
        for (const line of prepareSecondary({ policy, account, logrotate: resolve(args.logrotate) })) process.stdout.write(`${line}\n`);
      }
      process.stdout.write(`edit it, then run: zonegate doctor --config ${file}\n`);
    },
  });
