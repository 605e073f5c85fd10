// `zonegate authorized-keys`: print, --install or --check the lines for the configured keys.

import { resolve } from 'node:path';
import { configOption } from './config-option.js';
import { loadPolicy } from '../../shared/policy/load.js';
import { EXIT } from '../../shared/exit-codes.js';
import { renderAuthorizedKeysLines } from '../keys/authorized-keys-line.js';
import { renderBlock, type Duplicate } from '../keys/authorized-keys-block.js';
import { checkAuthorizedKeys, installAuthorizedKeys } from '../keys/authorized-keys-install.js';
import { createAuthorizedKeys } from '../keys/authorized-keys-create.js';
import { defaultGatePath, safePathOption } from '../keys/gate-paths.js';
import type { CommandFactory } from './index.js';
import { defineCommand } from './define.js';

interface Args {
  config: string;
  gate: string | undefined;
  node: string | undefined;
  install: string | undefined;
  check: string | undefined;
  create: boolean | undefined;
}

function warnDuplicates(file: string, duplicates: readonly Duplicate[]): void {
  for (const duplicate of duplicates) {
    const effect = duplicate.wins
      ? 'it comes BEFORE the zonegate block, so sshd uses it instead of the restricted line'
      : 'it comes after the zonegate block and is unused today, but wins as soon as the block is removed';
    process.stderr.write(
      `zonegate: WARNING: ${file}:${String(duplicate.line)} also holds the public key of keys.${duplicate.key}; ${effect}. Delete that line.\n`,
    );
  }
}

export const authorizedKeysCommand: CommandFactory = (setExit) =>
  defineCommand<Args>({
    command: 'authorized-keys',
    describe: 'Render the authorized_keys lines (from=, forced gate command) for the configured keys',
    builder: (yargs) =>
      yargs
        .option('config', configOption('Config file (its absolute path goes into command=)'))
        .option('gate', { type: 'string', describe: 'Absolute path of the gate script (default: this package’s bin/gate.cjs)' })
        .option('node', { type: 'string', describe: 'Absolute path of node (default: the node running this command)' })
        .option('install', { type: 'string', describe: 'Rewrite the zonegate block inside this existing authorized_keys file' })
        .option('check', { type: 'string', describe: 'Report drift between this authorized_keys file and the config (exit 1 on drift)' })
        .option('create', {
          type: 'boolean',
          describe: 'With --install: create a missing FILE (and its .ssh), 0600, owned by the account whose home holds it',
        })
        .implies('create', 'install')
        .conflicts('install', 'check')
        .example('$0 authorized-keys --config /etc/zonegate/zonegate.conf', 'print the lines')
        .example('$0 authorized-keys --install /var/lib/bind/.ssh/authorized_keys', 'install them into the block zonegate owns')
        .example(
          '$0 authorized-keys --install /var/lib/zonegate/.ssh/authorized_keys --create',
          'the same, creating the file for its account',
        )
        .example('$0 authorized-keys --check /var/lib/bind/.ssh/authorized_keys', 'exit 1 if the file differs from the config'),
    handler: async (args: Args) => {
      const config = safePathOption('config', args.config);
      const policy = loadPolicy(config);
      const command = {
        config,
        gate: safePathOption('gate', args.gate ?? defaultGatePath()),
        node: safePathOption('node', args.node ?? process.execPath),
      };
      const lines = renderAuthorizedKeysLines(policy.keys.values(), command);
      if (args.install !== undefined) {
        const file = resolve(args.install);
        if (args.create === true) {
          const made = await createAuthorizedKeys(file);
          if (made.created) process.stdout.write(`${file}: created for ${made.user ?? '?'} (mode 0600)\n`);
        }
        const result = await installAuthorizedKeys(file, lines, policy.keys.values());
        warnDuplicates(file, result.duplicates);
        process.stdout.write(
          `${file}: ${result.changed ? `installed ${String(lines.length)} key line(s)` : 'already up to date, nothing written'}\n`,
        );
        return;
      }
      if (args.check !== undefined) {
        const file = resolve(args.check);
        const result = await checkAuthorizedKeys(file, lines, policy.keys.values());
        if (!result.drift.blockFound) process.stdout.write(`${file}: no zonegate block (run --install)\n`);
        for (const line of result.drift.missing) process.stdout.write(`missing: ${line}\n`);
        for (const line of result.drift.unexpected) process.stdout.write(`unexpected: ${line}\n`);
        warnDuplicates(file, result.duplicates);
        process.stdout.write(result.ok ? `${file}: matches the config\n` : `${file}: differs from the config\n`);
        if (!result.ok) setExit(1);
        return;
      }
      process.stdout.write(renderBlock(lines));
      setExit(EXIT.ok);
    },
  });
