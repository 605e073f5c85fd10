// `zonegate status --fleet`: asks every target (a few at once) for the serial it serves for each
// zone the primary holds for it, compares, and remembers lags and zones in the state file.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { flockFile } from '../../shared/flock.js';
import type { Policy, PushSettings, Target, TargetVerify } from '../../shared/policy/types.js';
import { mapLimited } from '../../zoneset/run-command.js';
import { compareTarget, zonesToAsk, type TargetReport } from './fleet-compare.js';
import { primaryZonesCache } from './fleet-primary.js';
import { queryTarget } from './fleet-query.js';
import { fleetStateFile, readFleetState, writeFleetState, type FleetState } from './fleet-state.js';
import { readTsigKeyFile, type TsigKey } from '../../shared/dns/tsig.js';

export interface FleetOptions {
  /** Targets asked at once. */
  targets: number;
  /** Queries in flight per target. */
  window: number;
  /** Tries per query. */
  tries: number;
}

export const FLEET_DEFAULTS: FleetOptions = { targets: 16, window: 32, tries: 2 };

export interface FleetReport {
  checkedAt: string;
  durationMs: number;
  targets: TargetReport[];
  /** Targets with `verify: false`. */
  notAsked: string[];
  /** Why this run did not update fleet.json (another run holds its lock); undefined when it did. */
  stateNotSaved?: string;
}

const DEFAULT_VERIFY = (target: Target): TargetVerify => ({
  server: target.host,
  port: 53,
  source: undefined,
  tsigKeyFile: undefined,
  timeoutSeconds: 2,
});

function describeServer(verify: TargetVerify, key: TsigKey | undefined): string {
  return `${verify.server}#${String(verify.port)}${verify.source === undefined ? '' : ` from ${verify.source}`}${key === undefined ? '' : ` key ${key.name}`}`;
}

async function checkTarget(
  target: Target,
  verify: TargetVerify,
  held: ReturnType<ReturnType<typeof primaryZonesCache>> | string,
  state: FleetState,
  options: FleetOptions,
): Promise<TargetReport> {
  const base = { target: target.name, server: describeServer(verify, undefined) };
  if (typeof held === 'string') return { ...base, state: 'error', why: held, held: 0, zones: [] };
  let tsig: TsigKey | undefined;
  try {
    tsig = verify.tsigKeyFile === undefined ? undefined : readTsigKeyFile(verify.tsigKeyFile);
  } catch (error) {
    return {
      ...base,
      state: 'error',
      why: `TSIG key: ${error instanceof Error ? error.message : String(error)}`,
      held: held.serials.size,
      zones: [],
    };
  }
  const memory = state.targets[target.name];
  const { held: zones, removed } = zonesToAsk(held, memory);
  const answers = await queryTarget(verify, [...zones, ...removed], { window: options.window, tries: options.tries, tsig });
  const result = compareTarget({ ...base, server: describeServer(verify, tsig) }, held, memory, answers, new Date().toISOString());
  state.targets[target.name] = result.memory;
  return result.report;
}

export async function runFleet(policy: Policy, settings: PushSettings, options: FleetOptions = FLEET_DEFAULTS): Promise<FleetReport> {
  const started = Date.now();
  const checkedAt = new Date(started).toISOString();
  const file = fleetStateFile(settings.stateDir);
  // Two runs at once (a Nagios check and a Prometheus cron job) must not interleave their writes:
  // the one that finds the lock taken asks and reports all the same, but leaves fleet.json alone.
  mkdirSync(settings.stateDir, { recursive: true });
  const lock = await flockFile(join(settings.stateDir, 'fleet.lock'), 0);
  const before = readFleetState(file);
  const state: FleetState = { version: 1, targets: {} };
  const zonesOf = primaryZonesCache(settings);
  const asked = [...policy.targets.values()].filter((t) => t.verify !== false);
  const reports = await mapLimited(asked, options.targets, async (target) => {
    const verify = target.verify === false || target.verify === undefined ? DEFAULT_VERIFY(target) : target.verify;
    let held: ReturnType<typeof zonesOf> | string;
    if (target.zoneFile === undefined) held = 'no zoneFile: set the target\'s zoneFile (or "verify": false to leave it out)';
    else {
      try {
        held = zonesOf({ ...target, zoneFile: target.zoneFile });
      } catch (error) {
        held = `cannot read the source ${target.source}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
      }
    }
    const memory = before.targets[target.name];
    if (memory !== undefined) state.targets[target.name] = memory;
    return checkTarget(target, verify, held, state, options);
  });
  try {
    if (lock.kind === 'held') writeFleetState(file, state);
  } finally {
    if (lock.kind === 'held') lock.release();
  }
  return {
    checkedAt,
    durationMs: Date.now() - started,
    targets: reports,
    notAsked: [...policy.targets.values()].filter((t) => t.verify === false).map((t) => t.name),
    ...(lock.kind === 'held'
      ? {}
      : { stateNotSaved: lock.kind === 'busy' ? 'another fleet run holds fleet.lock' : `fleet.lock: ${lock.kind} (${lock.code})` }),
  };
}
