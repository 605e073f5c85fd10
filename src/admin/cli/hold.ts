// `zonegate hold ZONESET --reason TEXT` and `zonegate unhold ZONESET`: on a secondary, stop every
// push into a zone set (after a rollback, so the primary's next cron run does not undo it) until
// released. The gate refuses pushes into a held set with exit 92, which the push runner never
// retries, and its refusal carries the reason into the primary's cron mail.

import { DEFAULT_CONFIG_PATH } from '../../shared/policy/types.js';
import { UsageError } from '../../shared/errors.js';
import { loadPolicy } from '../../shared/policy/load.js';
import { defineCommand } from './define.js';
import type { CommandFactory } from './index.js';

interface HoldArgs {
  zoneset: string;
  config: string;
  reason: string | undefined;
}

export const holdCommand: CommandFactory = () =>
  defineCommand<HoldArgs>({
    command: 'hold <zoneset>',
    describe: 'Refuse every push into a zone set until `zonegate unhold` (e.g. to keep a rollback)',
    builder: (yargs) =>
      yargs
        .positional('zoneset', { type: 'string', demandOption: true, describe: 'zone set name (zoneSet.name in the config)' })
        .option('reason', { type: 'string', describe: 'why (shown to the pushing primary, in status and Nagios); required' })
        .option('config', { type: 'string', default: DEFAULT_CONFIG_PATH, describe: 'the zonegate config file' })
        .example('$0 rollback external && $0 hold external --reason "bad MX in example.com, ask hostmaster"', 'roll back and keep it')
        .epilog('Pushes into a held zone set exit 92 (not retried) with the reason, until `zonegate unhold ZONESET`.'),
    handler: async (args) => {
      const { cleanReason, readHold, setHold } = await import('../../zoneset/hold.js');
      const { findZoneSet } = await import('../zonesets/zoneset-admin.js');
      const reason = cleanReason(args.reason ?? '');
      if (reason === '')
        throw new UsageError('reason-missing', '--reason TEXT is required: it tells the primary why its pushes are refused');
      const ref = findZoneSet(loadPolicy(args.config), args.zoneset);
      const before = readHold(ref.layout);
      const hold = setHold(ref.layout, reason);
      process.stdout.write(
        `zone set ${args.zoneset}: held since ${hold.since}: ${hold.reason}${before ? ` (replaces the hold since ${before.since})` : ''}\n`,
      );
    },
  });

export const unholdCommand: CommandFactory = () =>
  defineCommand<Omit<HoldArgs, 'reason'>>({
    command: 'unhold <zoneset>',
    describe: 'Release a hold: the zone set takes pushes again',
    builder: (yargs) =>
      yargs
        .positional('zoneset', { type: 'string', demandOption: true, describe: 'zone set name (zoneSet.name in the config)' })
        .option('config', { type: 'string', default: DEFAULT_CONFIG_PATH, describe: 'the zonegate config file' })
        .example('$0 unhold external', 'the next push from the primary goes through again'),
    handler: async (args) => {
      const { releaseHold } = await import('../../zoneset/hold.js');
      const { findZoneSet } = await import('../zonesets/zoneset-admin.js');
      const released = releaseHold(findZoneSet(loadPolicy(args.config), args.zoneset).layout);
      process.stdout.write(
        released ? `zone set ${args.zoneset}: hold released (was: ${released.reason})\n` : `zone set ${args.zoneset}: was not held\n`,
      );
    },
  });
