// `zonegate doctor`: check this host and print a checklist with fixes; exit 1 on any problem.

import { userInfo } from 'node:os';
import { configOption } from './config-option.js';
import { renderChecklist } from '../doctor/checks.js';
import { defaultGatePath, safePathOption } from '../keys/gate-paths.js';
import type { CommandFactory } from './index.js';
import { defineCommand } from './define.js';

interface Args {
  config: string;
  user: string | undefined;
  'authorized-keys': string | undefined;
  gate: string | undefined;
  node: string | undefined;
  connect: boolean | undefined;
}

export const doctorCommand: CommandFactory = (setExit) =>
  defineCommand<Args>({
    command: 'doctor',
    describe: 'Check this host (config, rsync, shell and rc files, authorized_keys, sandbox, log) and print fixes',
    builder: (yargs) =>
      yargs
        .option('config', configOption('Config file'))
        .option('user', { type: 'string', describe: 'Login account the keys log in as (default: the current user)' })
        .option('authorized-keys', {
          type: 'string',
          describe: "authorized_keys file (default: sshd's AuthorizedKeysFile for USER, from sshd -T)",
        })
        .option('gate', { type: 'string', describe: 'Gate path expected in command= (default: this package’s bin/gate.cjs)' })
        .option('node', { type: 'string', describe: 'node path expected in command= (default: the node running this command)' })
        .option('connect', {
          type: 'boolean',
          describe: "On a primary: ask each target's gate over ssh for its version and this key's rules (zonegate-hello; runs no rsync)",
        })
        .example('$0 doctor --user bind', 'check a secondary whose keys log in as bind')
        .example('$0 doctor --config /etc/zonegate/zonegate.conf', 'check a primary')
        .example('$0 doctor --connect', 'check a primary and the whole chain to each target, before the first push'),
    handler: async (args) => {
      // Loaded here: the probes use execa, which costs every other command ~100 ms at start-up.
      const { runDoctor } = await import('../doctor/probe.js');
      const items = await runDoctor({
        config: safePathOption('config', args.config),
        user: args.user ?? userInfo().username,
        ...(args['authorized-keys'] === undefined ? {} : { authorizedKeys: args['authorized-keys'] }),
        connect: args.connect === true,
        command: {
          gate: safePathOption('gate', args.gate ?? defaultGatePath()),
          node: safePathOption('node', args.node ?? process.execPath),
        },
      });
      process.stdout.write(renderChecklist(items));
      if (items.some((entry) => entry.status === 'fail')) setExit(1);
    },
  });
