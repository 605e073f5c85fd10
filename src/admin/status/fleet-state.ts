// The fleet view's memory, `<push.stateDir>/fleet.json`, replaced atomically after every run:
// - since when each target has been behind (or missing) on each zone, so "behind for 3 h" survives
//   between runs (a lag that ends is forgotten; one that starts again starts afresh);
// - the zones the primary has held for each target, so a zone that has left the primary's tree is
//   still asked for, and a secondary that keeps serving it is reported, until it stops.
// A damaged file is read as empty (lags restart from now): it only ever delays a lag alert.

import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../shared/atomic-write.js';

export interface TargetMemory {
  /** zone -> ISO time a lag (behind or missing) was first seen. */
  lagging: Record<string, string>;
  /** Zones the primary held for this target in earlier runs. */
  known: string[];
}

export interface FleetState {
  version: 1;
  targets: Record<string, TargetMemory>;
}

/** A removed zone is remembered until the secondary stops serving it, but never more than this many per target. */
export const MAX_REMEMBERED = 100_000;

export const fleetStateFile = (stateDir: string): string => join(stateDir, 'fleet.json');

// Zone names as zoneOfFile gives them: anything else in the file was not written by us.
const ZONE = /^[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;

export function readFleetState(file: string): FleetState {
  const state: FleetState = { version: 1, targets: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return state;
  }
  const targets = (raw as { targets?: unknown } | null)?.targets;
  if (typeof targets !== 'object' || targets === null) return state;
  for (const [name, value] of Object.entries(targets as Record<string, unknown>)) {
    const memory = value as { lagging?: unknown; known?: unknown } | null;
    const lagging: Record<string, string> = {};
    if (typeof memory?.lagging === 'object' && memory.lagging !== null)
      for (const [zone, since] of Object.entries(memory.lagging as Record<string, unknown>))
        if (ZONE.test(zone) && typeof since === 'string' && ISO.test(since)) lagging[zone] = since;
    const known = Array.isArray(memory?.known)
      ? memory.known.filter((z): z is string => typeof z === 'string' && ZONE.test(z)).slice(0, MAX_REMEMBERED)
      : [];
    state.targets[name] = { lagging, known };
  }
  return state;
}

export function writeFleetState(file: string, state: FleetState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(state)}\n`, { mode: 0o644 });
}
