// Running `zonegate status --fleet` in tests, and the shape of its --json output that they read.

import { expect } from 'vitest';
import { zonegate } from './admin-cli.js';

export interface FleetZoneJson {
  zone: string;
  kind: string;
  serial?: number;
  serials?: number;
  since?: string;
  served?: number;
  rcode?: string;
  why?: string;
}

export interface FleetTargetJson {
  target: string;
  state: string;
  why?: string;
  server: string;
  zones: FleetZoneJson[];
}

export function runFleetCli(
  config: string,
  args: string[] = [],
): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  return zonegate(['status', '--fleet', '--config', config, ...args], { timeout: 60_000 });
}

/** `--json`, by target name; fails the test on anything written to stderr. */
export async function fleetTargets(config: string): Promise<Record<string, FleetTargetJson>> {
  const result = await runFleetCli(config, ['--json']);
  expect(result.stderr).toBe('');
  const parsed = JSON.parse(result.stdout) as { fleet: { targets: FleetTargetJson[] } };
  return Object.fromEntries(parsed.fleet.targets.map((t) => [t.target, t]));
}

/** A target's zones that are not in sync. */
export const fleetProblems = (t: FleetTargetJson | undefined): FleetZoneJson[] => (t?.zones ?? []).filter((z) => z.kind !== 'in-sync');
