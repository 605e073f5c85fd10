// What the server serves against what the live tree holds. The journal (state.json) says which
// reloads are owed, but a journal can be lost (a damaged state file, a gate killed at the wrong
// moment): so every push also asks the server for the serials of the zones the last few releases
// touched (all of them after a repair), compares them with the live files, and reloads what
// differs. A lost journal can no longer leave a stale zone served with every status green.
// A promoted push does not ask again for its own zones: reload.ts's verifySerials has just seen
// each of them served at the serial it promoted, which is its live file's serial, and nothing has
// changed the live tree since (the zone set's lock is held throughout), so they owe no reload and
// a second answer would prove nothing the first did not. The owed reloads a lost journal can
// hide are earlier releases' (and, after a repair, any zone's), and those are still asked.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import { zoneOfFile } from './diff.js';
import { liveTree, treeDir, type ZoneSetLayout } from './layout.js';
import { readManifest } from './releases.js';
import { reloadZones, servedSerials, verifySerials } from './reload.js';
import { readSoaSerial } from './serial.js';
import { writeZoneList } from './servers/zone-list.js';

export interface ServedCheck {
  at: string;
  checked: number;
  /** Zones the server did not serve at the live serial, reloaded by this check. */
  reloaded: string[];
  /** Zones still not served at the live serial after the reload. */
  stale: string[];
}

/** How many earlier releases' zones each push compares besides its own, newest release first. */
export const RECENT_RELEASES = 3;
/** At most this many of them: a release that added 10,000 zones must not make every push O(zones). */
export const RECENT_ZONES = 32;

/**
 * Live files to compare: all of them (after a repair: O(zones), only then), or up to RECENT_ZONES
 * of the zones the last few releases changed or added, newest release first, picked at random
 * within a release. Those are the zones a lost journal could have left unreloaded, and reading
 * their manifests costs O(changed), where listing the live tree of 10,000 zones costs ~25 ms a
 * push on the 2-core dev machine. `verified` is the release this push promoted and verified: its
 * zones are left out (see the header) and the sample comes from the releases before it.
 */
export function pickZoneFiles(layout: ZoneSetLayout, verified: string | undefined, all: boolean): string[] {
  const liveDir = treeDir(layout, liveTree(layout));
  if (all) return readdirSync(liveDir).filter((name) => !name.startsWith('.'));
  const manifestFiles = (id: string): string[] => {
    const manifest = readManifest(layout, id);
    return [...(manifest?.changed ?? []), ...(manifest?.added ?? [])];
  };
  const proven = new Set(verified === undefined ? [] : manifestFiles(verified));
  const recent = new Set<string>();
  const earlier = readdirSync(layout.releases)
    .filter((id) => id !== verified)
    .sort()
    .slice(-RECENT_RELEASES)
    .reverse();
  for (const id of earlier) {
    const files = manifestFiles(id).filter((file) => !proven.has(file));
    while (files.length > 0 && recent.size < RECENT_ZONES) recent.add(files.splice(Math.floor(Math.random() * files.length), 1)[0] ?? '');
  }
  recent.delete('');
  return [...recent].filter((file) => existsSync(join(liveDir, file)));
}

/** Compares and reloads; undefined when the zone set has no reload or no verification configured. */
export async function reconcileServed(
  settings: ZoneSetSettings,
  layout: ZoneSetLayout,
  files: readonly string[],
): Promise<ServedCheck | undefined> {
  if (!settings.verify || settings.control.length === 0 || files.length === 0) return undefined;
  const tree = liveTree(layout);
  const liveDir = treeDir(layout, tree);
  const expected: Record<string, number> = {};
  for (const file of files) {
    const zone = zoneOfFile(file, settings.zoneFile);
    if (zone === undefined) continue;
    let serial: number | undefined;
    try {
      serial = readSoaSerial(readFileSync(join(liveDir, file), 'utf8'));
    } catch {
      serial = undefined;
    }
    if (serial !== undefined) expected[zone] = serial;
  }
  const zones = Object.keys(expected);
  const served = await servedSerials(settings, zones);
  const differ = zones.filter((zone) => served.get(zone) !== expected[zone]);
  const check: ServedCheck = { at: new Date().toISOString(), checked: zones.length, reloaded: differ, stale: [] };
  if (differ.length === 0) return check;
  // A zone the server does not answer for at all may be missing from its zone list (a lost
  // journal that still owed a reconfigure): the list is written afresh from the live tree.
  const unknown = differ.some((zone) => !served.has(zone));
  try {
    if (unknown) writeZoneList(layout, settings, tree);
    await reloadZones(settings, { reload: differ, reconfig: unknown });
  } catch {
    // Reported below through the serials that stay stale.
  }
  check.stale = await verifySerials(settings, Object.fromEntries(differ.map((zone) => [zone, expected[zone] ?? 0])));
  return check;
}
