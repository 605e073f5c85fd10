// `zonegate releases ZONESET` and `zonegate rollback ZONESET [--to RELEASE]`.

import { configOption } from './config-option.js';
import { loadPolicy } from '../../shared/policy/load.js';
import { defineCommand } from './define.js';
import type { CommandFactory } from './index.js';

interface ReleasesArgs {
  zoneset: string;
  config: string;
  json: boolean;
}

export const releasesCommand: CommandFactory = () =>
  defineCommand<ReleasesArgs>({
    command: 'releases <zoneset>',
    describe: "List a zone set's releases (newest first; * is live): what each changed, and the last good push",
    builder: (yargs) =>
      yargs
        .positional('zoneset', { type: 'string', demandOption: true, describe: 'zone set name (zoneSet.name in the config)' })
        .option('config', configOption('the zonegate config file'))
        .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
        .example('$0 releases external', 'list the releases of zone set "external"'),
    handler: async (args) => {
      // Loaded here, like every command's logic, to keep the CLI's start-up small.
      const { describeReleases, findZoneSet, renderReleases } = await import('../zonesets/zoneset-admin.js');
      const ref = findZoneSet(loadPolicy(args.config), args.zoneset);
      const info = describeReleases(ref);
      process.stdout.write(args.json ? `${JSON.stringify(info)}\n` : renderReleases(args.zoneset, info));
    },
  });

interface RollbackArgs extends ReleasesArgs {
  to: string | undefined;
}

export const rollbackCommand: CommandFactory = () =>
  defineCommand<RollbackArgs>({
    command: 'rollback <zoneset>',
    describe: "Bring back an earlier release's zones (as fresh copies, so named reloads them) and reload what differs",
    builder: (yargs) =>
      yargs
        .positional('zoneset', { type: 'string', demandOption: true, describe: 'zone set name (zoneSet.name in the config)' })
        .option('to', { type: 'string', describe: 'release id (see `zonegate releases`); default: the one before the live release' })
        .option('config', configOption('the zonegate config file'))
        .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
        .example('$0 rollback external', 'go back one release')
        .example('$0 rollback external --to 20261123T101500123Z-3f9c', 'go back to a given release')
        .epilog(
          'A rollback is itself a new release, so it can be undone the same way. Exit: 0 rolled back and verified; ' +
            '84 the server did not take the rolled-back zones, and the release that was live stays live; 83 a push holds the zone set.',
        ),
    handler: async (args) => {
      const { findZoneSet, rollbackZoneSet } = await import('../zonesets/zoneset-admin.js');
      const result = await rollbackZoneSet(findZoneSet(loadPolicy(args.config), args.zoneset), args.to);
      if (args.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } else {
        process.stdout.write(`zone set ${args.zoneset}: release ${result.to} is live again as ${result.published} (was ${result.from})\n`);
        if (result.reloaded.length > 0) process.stdout.write(`rndc ${result.reloaded.join('; rndc ')}\n`);
      }
    },
  });
