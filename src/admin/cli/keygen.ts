// `zonegate keygen TARGET`: the key pair a primary uses to push to one secondary.

import { resolve } from 'node:path';
import { DEFAULT_KEY_DIR } from '../keys/defaults.js';
import type { CommandFactory } from './index.js';
import { defineCommand } from './define.js';

interface Args {
  target: string;
  dir: string;
  force: boolean;
}

export const keygenCommand: CommandFactory = () =>
  defineCommand<Args>({
    command: 'keygen <target>',
    describe: 'Make an ed25519 key pair for pushing to one secondary (TARGET and TARGET.pub in the key directory)',
    builder: (yargs) =>
      yargs
        .positional('target', { type: 'string', demandOption: true, describe: 'Target name, as under "targets" in the config' })
        .option('dir', { type: 'string', default: DEFAULT_KEY_DIR, describe: 'Key directory (created with mode 0700)' })
        .option('force', { type: 'boolean', default: false, describe: 'Replace an existing key pair' })
        .example('$0 keygen ns2', 'writes /etc/zonegate/keys/ns2 and ns2.pub, prints the public key for the secondary’s config'),
    handler: async (args) => {
      // Loaded here: keygen uses execa, which costs every other command ~100 ms at start-up.
      const { generateKeyPair } = await import('../keys/keygen.js');
      const key = await generateKeyPair({ target: args.target, dir: resolve(args.dir), force: args.force });
      process.stdout.write(
        `private key: ${key.privateKey} (mode 0600)\npublic key:  ${key.publicKey}\nfingerprint: ${key.fingerprint}\n\n` +
          `Put this line in the secondary's config as keys.<name>.publicKey:\n${key.line}\n`,
      );
    },
  });
