// `zonegate releases ZONESET` and `zonegate rollback ZONESET [--to RELEASE]`.

import { configOption } from './config-option.js';
import { loadPolicy } from '../../shared/policy/load.js';
import { defineCommand } from './define.js';
import type { CommandFactory } from './index.js';

interface ReleasesArgs {
  zoneset: string | undefined;
  config: string;
  json: boolean;
}

interface RollbackArgs {
  zoneset: string;
  config: string;
  json: boolean;
  to: string | undefined;
}

export const releasesCommand: CommandFactory = () =>
  defineCommand<ReleasesArgs>({
    command: 'releases [zoneset]',
    describe: 'List zone sets (all, or one): live zones and serials, and releases newest first (* is live) with the zones each changed',
    builder: (yargs) =>
      yargs
        .positional('zoneset', { type: 'string', describe: 'zone set name (zoneSet.name in the config); default: every zone set' })
        .option('config', configOption('the zonegate config file'))
        .option('json', { type: 'boolean', default: false, describe: 'print JSON: {"zoneSets": [...]}, in the same order as the text' })
        .example('$0 releases', 'every zone set of this secondary')
        .example('$0 releases external', 'only zone set "external"'),
    handler: async (args) => {
      // Loaded here, like every command's logic, to keep the CLI's start-up small.
      const { findZoneSet, zoneSets } = await import('../zonesets/zoneset-admin.js');
      const { describeZoneSet, renderZoneSet } = await import('../zonesets/releases-view.js');
      const policy = loadPolicy(args.config);
      const refs = args.zoneset === undefined ? [...zoneSets(policy).values()] : [findZoneSet(policy, args.zoneset)];
      const views = refs.map(describeZoneSet);
      if (args.json) process.stdout.write(`${JSON.stringify({ zoneSets: views })}\n`);
      else process.stdout.write(views.length === 0 ? `no zone sets in ${policy.source}\n` : views.map(renderZoneSet).join('\n'));
    },
  });

export const rollbackCommand: CommandFactory = () =>
  defineCommand<RollbackArgs>({
    command: 'rollback <zoneset>',
    describe: "Bring back an earlier release's zones (as fresh copies, so the server reloads them) and reload what differs",
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
      const { serverAdapter } = await import('../../zoneset/servers/adapters.js');
      const zoneSet = findZoneSet(loadPolicy(args.config), args.zoneset);
      const result = await rollbackZoneSet(zoneSet, args.to);
      const program = serverAdapter(zoneSet.settings.server).program;
      if (args.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } else {
        process.stdout.write(`zone set ${args.zoneset}: release ${result.to} is live again as ${result.published} (was ${result.from})\n`);
        if (result.reloaded.length > 0) process.stdout.write(`${program} ${result.reloaded.join(`; ${program} `)}\n`);
      }
    },
  });
