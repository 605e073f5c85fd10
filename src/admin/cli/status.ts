// `zonegate status`: the push counters (primary) and each zone set's last good push (secondary),
// for people, as JSON, as a Nagios plugin (exit 0/1/2/3 with perfdata) or for node_exporter.

import { UsageError } from '../../shared/errors.js';
import { writePrometheusText } from './prometheus-output.js';
import { configOption } from './config-option.js';
import { loadPolicy } from '../../shared/policy/load.js';
import { pushSettings } from '../push/settings.js';
import { readStatus, statusFile, type PushStatus } from '../push/status-file.js';
import { NAGIOS_EXIT } from '../../shared/exit-codes.js';
import { DEFAULT_THRESHOLDS, evaluateNagios } from '../status/nagios.js';
import { renderPrometheus } from '../status/prometheus.js';
import { parseThresholds } from '../status/thresholds.js';
import { renderStatusText } from '../status/render-text.js';
import { zoneSetStatuses } from '../status/secondary.js';
import { defineCommand } from './define.js';
import type { CommandFactory } from './index.js';
import { fleetOptions, fleetStatus, type FleetArgs } from './status-fleet.js';

interface StatusArgs extends FleetArgs {
  fleet: boolean;
  config: string;
  'state-dir': string | undefined;
  json: boolean;
  nagios: boolean;
  prometheus: boolean;
  output: string | undefined;
  'warn-age': string;
  'crit-age': string;
  'warn-failures': number;
  'crit-failures': number;
  'warn-skips': number;
}

function safeRead(file: string): PushStatus | null {
  try {
    return readStatus(file);
  } catch {
    return null;
  }
}

export const statusCommand: CommandFactory = (setExit) =>
  defineCommand<StatusArgs>({
    command: 'status',
    describe:
      "Show push counters and last successes (primary) and zone sets' last good push (secondary); with --fleet, the serial every target serves",
    builder: (yargs) =>
      fleetOptions(
        yargs
          .option('config', configOption('the zonegate config file'))
          .option('state-dir', { type: 'string', describe: 'where `zonegate push` keeps its status file (default push.stateDir)' })
          .option('json', { type: 'boolean', default: false, describe: 'print the status as one JSON object' })
          .option('nagios', {
            type: 'boolean',
            default: false,
            describe: 'act as a Nagios plugin: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN',
          })
          .option('prometheus', { type: 'boolean', default: false, describe: 'print node_exporter textfile metrics' })
          .option('output', { type: 'string', describe: 'with --prometheus: write this file atomically instead of stdout' })
          .option('warn-age', {
            type: 'string',
            default: String(DEFAULT_THRESHOLDS.warnAge),
            describe: 'age of the last success before WARNING: seconds, or 90s, 5m, 2h, 1d',
          })
          .option('crit-age', {
            type: 'string',
            default: String(DEFAULT_THRESHOLDS.critAge),
            describe: 'age of the last success before CRITICAL (not below --warn-age)',
          })
          .option('warn-failures', {
            type: 'number',
            default: DEFAULT_THRESHOLDS.warnFailures,
            describe: 'consecutive failures before WARNING',
          })
          .option('crit-failures', {
            type: 'number',
            default: DEFAULT_THRESHOLDS.critFailures,
            describe: 'consecutive failures before CRITICAL',
          })
          .option('warn-skips', {
            type: 'number',
            default: DEFAULT_THRESHOLDS.warnSkips,
            describe: 'runs skipped in a row (lock held) before WARNING',
          }),
      )
        .example('$0 status', 'counters and last successes, for people')
        .example('$0 status --nagios --warn-age 30m --crit-age 2h', 'a Nagios/Icinga check (NRPE command)')
        .example(
          '$0 status --prometheus --output /var/lib/prometheus/node-exporter/zonegate.prom',
          'for the node_exporter textfile collector',
        )
        .example('$0 status --fleet', 'on the primary: which serial every target serves, one line per problem')
        .example('$0 status --fleet --nagios --warn-lag 1h --crit-lag 1d', 'a Nagios check of the whole fleet')
        .epilog(
          'Exit: 0, or with --nagios 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; 64 usage, 78 config. With --nagios every failure (usage, a missing or broken config) is one UNKNOWN line on stdout (ZONEGATE FLEET UNKNOWN with --fleet, as its other lines start) and exit 3. --fleet remembers in <push.stateDir>/fleet.json since when each zone has lagged, and which zones the primary held.',
        ),
    handler: async (args: StatusArgs) => {
      if ([args.json, args.nagios, args.prometheus].filter(Boolean).length > 1)
        throw new UsageError('usage', 'choose one of --json, --nagios, --prometheus');
      if (args.fleet) {
        await fleetStatus(args, setExit);
        return;
      }
      const thresholds = parseThresholds({
        warnAge: args['warn-age'],
        critAge: args['crit-age'],
        warnFailures: args['warn-failures'],
        critFailures: args['crit-failures'],
        warnSkips: args['warn-skips'],
      });
      const policy = loadPolicy(args.config);
      const settings = pushSettings(policy, args['state-dir'] === undefined ? {} : { stateDir: args['state-dir'] });
      const targets = [...policy.targets.keys()];
      const status = targets.length === 0 ? undefined : safeRead(statusFile(settings.stateDir));
      const zoneSets = await zoneSetStatuses(policy);
      const now = Date.now();
      if (args.nagios) {
        const result = evaluateNagios({ primary: status === undefined ? undefined : { status, targets }, zoneSets }, thresholds, now);
        process.stdout.write(result.output);
        setExit(result.code);
        return;
      }
      if (status === null) {
        // Text, JSON and Prometheus readers get the error on stderr and exit 3, the same "cannot tell"
        // code Nagios gets above (there as a status line on stdout).
        setExit(NAGIOS_EXIT.unknown);
        process.stderr.write(`zonegate: cannot read the push status file ${statusFile(settings.stateDir)}\n`);
        return;
      }
      if (args.prometheus) {
        writePrometheusText(renderPrometheus(status, zoneSets), args.output);
        return;
      }
      if (args.output !== undefined) throw new UsageError('usage', '--output goes with --prometheus');
      if (args.json) process.stdout.write(`${JSON.stringify({ push: status ?? null, zoneSets })}\n`);
      else process.stdout.write(renderStatusText(status === undefined ? undefined : { status, targets }, zoneSets, now));
    },
  });
