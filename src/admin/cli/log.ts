// `zonegate log`: gate and push log records for people (or as JSON lines), filtered.

import { loadPolicy } from '../../shared/policy/load.js';
import { parseAge } from '../status/thresholds.js';
import { configOption } from './config-option.js';
import { defineCommand } from './define.js';
import type { CommandFactory } from './index.js';

interface LogArgs {
  config: string;
  since: string;
  key: string | undefined;
  'zone-set': string | undefined;
  outcome: string | undefined;
  json: boolean;
}

export const logCommand: CommandFactory = () =>
  defineCommand<LogArgs>({
    command: 'log',
    describe: 'Show gate and push log records for people: what was allowed, refused, promoted, pushed',
    builder: (yargs) =>
      yargs
        .option('config', configOption('the zonegate config file (gate.log and push.logDir)'))
        .option('since', { type: 'string', default: '24h', describe: 'how far back: seconds, or 90s, 5m, 12h, 7d' })
        .option('key', { type: 'string', describe: 'only this key (gate) or target (push)' })
        .option('zone-set', { type: 'string', describe: 'only this zone set' })
        .option('outcome', {
          type: 'string',
          describe: 'only records with this verdict or outcome: allow, deny, promoted, refused, ok, failed…',
        })
        .option('json', { type: 'boolean', default: false, describe: 'print the matching records as JSON lines' })
        .example('$0 log --since 12h --outcome deny', 'what was refused since last night')
        .example('$0 log --zone-set external --json', 'the zone set’s records, for jq'),
    handler: async (args) => {
      const sinceMs = Date.now() - parseAge('since', args.since) * 1000;
      const policy = loadPolicy(args.config);
      const { readLogs, renderRecord } = await import('../logs/read-logs.js');
      const { pushSettings } = await import('../push/settings.js');
      const records = readLogs(
        {
          gateLog: policy.keys.size > 0 ? policy.gate.log : undefined,
          pushLogDir: policy.targets.size > 0 ? pushSettings(policy, {}).logDir : undefined,
        },
        { sinceMs, key: args.key, zoneSet: args['zone-set'], outcome: args.outcome },
      );
      for (const record of records) process.stdout.write(`${args.json ? JSON.stringify(record) : renderRecord(record)}\n`);
    },
  });
