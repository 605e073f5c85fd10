// `zonegate status --fleet`: the options it adds to `zonegate status`, and its handler.

import type { Argv } from 'yargs';
import { UsageError } from '../../shared/errors.js';
import { writePrometheusText } from './prometheus-output.js';
import { loadPolicy } from '../../shared/policy/load.js';
import { pushSettings } from '../push/settings.js';
import { FLEET_DEFAULTS, runFleet } from '../status/fleet.js';
import { evaluateFleetNagios, FLEET_DEFAULT_THRESHOLDS, parseFleetThresholds } from '../status/fleet-nagios.js';
import { renderFleetPrometheus } from '../status/fleet-prometheus.js';
import { renderFleetJson, renderFleetText } from '../status/fleet-render.js';

export interface FleetArgs {
  config: string;
  'state-dir': string | undefined;
  json: boolean;
  nagios: boolean;
  prometheus: boolean;
  output: string | undefined;
  'warn-lag': string;
  'crit-lag': string;
  'warn-serials': number | undefined;
  'crit-serials': number | undefined;
  concurrency: number;
}

// The return type is left to inference: it carries the options' types into StatusArgs.
export function fleetOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('fleet', {
      type: 'boolean',
      default: false,
      describe: 'on the primary: ask every target over DNS for the serial it serves of every zone, and compare',
    })
    .option('warn-lag', {
      type: 'string',
      default: FLEET_DEFAULT_THRESHOLDS.warnLag,
      describe: 'with --fleet --nagios: how long a zone may be behind before WARNING (90s, 5m, 2h, 1d)',
    })
    .option('crit-lag', {
      type: 'string',
      default: FLEET_DEFAULT_THRESHOLDS.critLag,
      describe: 'with --fleet --nagios: how long before CRITICAL (not below --warn-lag)',
    })
    .option('warn-serials', { type: 'number', describe: 'with --fleet --nagios: serials behind before WARNING, however recent' })
    .option('crit-serials', { type: 'number', describe: 'with --fleet --nagios: serials behind before CRITICAL, however recent' })
    .option('concurrency', { type: 'number', default: FLEET_DEFAULTS.targets, describe: 'with --fleet: targets asked at once' });
}

export async function fleetStatus(args: FleetArgs, setExit: (code: number) => void): Promise<void> {
  const thresholds = parseFleetThresholds({
    warnLag: args['warn-lag'],
    critLag: args['crit-lag'],
    warnSerials: args['warn-serials'],
    critSerials: args['crit-serials'],
  });
  if (!Number.isInteger(args.concurrency) || args.concurrency < 1 || args.concurrency > 256)
    throw new UsageError('usage', '--concurrency: a whole number from 1 to 256');
  if (args.output !== undefined && !args.prometheus) throw new UsageError('usage', '--output goes with --prometheus');
  const policy = loadPolicy(args.config);
  const settings = pushSettings(policy, args['state-dir'] === undefined ? {} : { stateDir: args['state-dir'] });
  const report = await runFleet(policy, settings, { ...FLEET_DEFAULTS, targets: args.concurrency });
  const now = Date.now();
  if (args.nagios) {
    const result = evaluateFleetNagios(report, thresholds, now);
    process.stdout.write(result.output);
    setExit(result.code);
    return;
  }
  if (args.prometheus) {
    writePrometheusText(renderFleetPrometheus(report, now), args.output);
    return;
  }
  process.stdout.write(args.json ? renderFleetJson(report, now) : renderFleetText(report, now));
}
