// `zonegate target add NAME --host H`: fetch the target's host key, show its fingerprint for the
// admin to confirm (compare it out of band: `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on
// the secondary), pin it in zonegate's known_hosts, and print the config entry to paste.
// Exit: 0 recorded, 1 not confirmed or fingerprint mismatch, 69 no host key could be fetched.

import { createInterface } from 'node:readline/promises';
import { UsageError } from '../../shared/errors.js';
import { DEFAULT_KEY_DIR } from '../keys/defaults.js';
import type { HostKey } from '../push/host-key.js';
import { defineCommand } from './define.js';
import type { CommandFactory } from './index.js';

interface TargetArgs {
  name: string;
  host: string;
  port: number;
  user: string;
  'known-hosts': string;
  identity: string | undefined;
  source: string;
  destination: string;
  fingerprint: string | undefined;
}

async function confirm(keys: readonly HostKey[], fingerprint: string | undefined): Promise<HostKey[] | string> {
  if (fingerprint !== undefined) {
    const match = keys.filter((k) => k.fingerprint === fingerprint);
    return match.length > 0
      ? match
      : `no host key with fingerprint ${fingerprint}; the target offered: ${keys.map((k) => `${k.type} ${k.fingerprint}`).join(', ')}`;
  }
  if (!process.stdin.isTTY) return 'not confirmed: run on a terminal to answer, or pass --fingerprint SHA256:… (checked out of band)';
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(
    "Is this the secondary's host key? Compare on the secondary: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub [y/N] ",
  );
  rl.close();
  return /^y(es)?$/i.test(answer.trim()) ? [...keys] : 'not confirmed';
}

export const targetCommand: CommandFactory = (setExit) =>
  defineCommand<TargetArgs>({
    command: 'target add <name>',
    describe: "Pin a secondary's host key in zonegate's known_hosts and print its config entry",
    builder: (yargs) =>
      yargs
        .positional('name', { type: 'string', demandOption: true, describe: 'target name, as under "targets"' })
        .option('host', { type: 'string', demandOption: true, describe: 'host name or address of the secondary' })
        .option('port', { type: 'number', default: 22, describe: 'its ssh port' })
        .option('user', { type: 'string', default: 'zonegate', describe: 'login on the secondary' })
        .option('known-hosts', { type: 'string', default: '/etc/zonegate/known_hosts', describe: "zonegate's known_hosts file" })
        .option('identity', {
          type: 'string',
          describe: 'private key for the config entry (default: KEYDIR/NAME, what `zonegate keygen NAME` writes)',
          defaultDescription: `${DEFAULT_KEY_DIR}/NAME`,
        })
        .option('source', { type: 'string', default: '/var/lib/zonegate/zones', describe: 'local zone tree for the config entry' })
        .option('destination', { type: 'string', default: '.', describe: 'remote path for the config entry' })
        .option('fingerprint', { type: 'string', describe: 'the expected SHA256:… fingerprint (non-interactive confirmation)' })
        .example('$0 target add ns2 --host ns2.example.net', "fetch, show and (after you confirm) pin ns2's host key")
        .example(
          '$0 target add ns3 --host 192.0.2.3 --port 2222 --fingerprint SHA256:abc…',
          'non-interactive, with a fingerprint checked out of band',
        )
        .epilog('Exit: 0 recorded, 1 not confirmed or fingerprint mismatch, 69 no host key fetched, 64 usage.'),
    handler: async (args: TargetArgs) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9.:-]*$/.test(args.host))
        throw new UsageError('usage', `--host ${JSON.stringify(args.host)}: a host name or IP address`);
      if (!args.fingerprint?.startsWith('SHA256:') && args.fingerprint !== undefined)
        throw new UsageError('usage', '--fingerprint must be SHA256:… as ssh-keygen -l prints it');
      const { fingerprintOf, knownHostsName, scanHostKeys, writeKnownHosts } = await import('../push/host-key.js');
      const { keys, error } = await scanHostKeys(args.host, args.port);
      if (error !== undefined) {
        process.stderr.write(`zonegate: ${error}\n`);
        setExit(69);
        return;
      }
      process.stderr.write(`${args.host} port ${String(args.port)} offers:\n${keys.map((k) => `  ${k.type} ${k.fingerprint}\n`).join('')}`);
      const chosen = await confirm(keys, args.fingerprint);
      if (typeof chosen === 'string') {
        process.stderr.write(`zonegate: ${chosen}; nothing recorded\n`);
        setExit(1);
        return;
      }
      const name = knownHostsName(args.host, args.port);
      writeKnownHosts(args['known-hosts'], name, chosen);
      const entry = {
        host: args.host,
        port: args.port,
        user: args.user,
        identity: args.identity ?? `${DEFAULT_KEY_DIR}/${args.name}`,
        knownHosts: args['known-hosts'],
        source: args.source,
        destination: args.destination,
        zoneFile: 'db.{zone}',
      };
      process.stdout.write(
        `recorded ${chosen.map((k) => fingerprintOf(k.body)).join(', ')} for ${name} in ${args['known-hosts']}\nadd to "targets" in the config:\n  ${JSON.stringify(args.name)}: ${JSON.stringify(entry)}\n`,
      );
    },
  });
