// Zone sets from the admin's side: find one by name in the config, list its releases, roll back.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../shared/errors.js';
import type { Policy, ZoneSetSettings } from '../shared/policy.js';
import { currentReleaseId, layoutOf, listReleases, releaseDir, type ZoneSetLayout } from '../gate/zoneset/layout.js';
import { acquireLock } from '../gate/zoneset/lock.js';
import { publishAgain } from '../gate/zoneset/promote.js';
import { reloadZones, verifySerials } from '../gate/zoneset/reload.js';
import { readSoaSerial } from '../gate/zoneset/serial.js';
import { readState } from '../gate/zoneset/state.js';
import { zoneOfFile } from '../gate/zoneset/diff.js';

export interface ZoneSetRef {
  settings: ZoneSetSettings;
  layout: ZoneSetLayout;
}

/** Every zone set in the config, by name (the same root may appear in several keys' rules). */
export function zoneSets(policy: Policy): Map<string, ZoneSetRef> {
  const found = new Map<string, ZoneSetRef>();
  for (const key of policy.keys.values()) {
    for (const rule of key.rules) {
      if (rule.zoneSet && !found.has(rule.zoneSet.name))
        found.set(rule.zoneSet.name, { settings: rule.zoneSet, layout: layoutOf(rule.root) });
    }
  }
  return found;
}

export function findZoneSet(policy: Policy, name: string): ZoneSetRef {
  const ref = zoneSets(policy).get(name);
  if (!ref) {
    const known = [...zoneSets(policy).keys()];
    throw new UsageError(
      'unknown-zoneset',
      `no zone set named ${JSON.stringify(name)} in ${policy.source}${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`,
    );
  }
  return ref;
}

export interface ReleaseInfo {
  id: string;
  zones: number;
  live: boolean;
}

export function describeReleases(ref: ZoneSetRef): { releases: ReleaseInfo[]; lastGoodPush: string | undefined } {
  let live: string | undefined;
  try {
    live = currentReleaseId(ref.layout);
  } catch {
    live = undefined;
  }
  const releases = listReleases(ref.layout).map((id) => ({ id, zones: readdirSync(releaseDir(ref.layout, id)).length, live: id === live }));
  return { releases, lastGoodPush: readState(ref.layout.stateFile).lastGoodPush };
}

export function renderReleases(name: string, info: ReturnType<typeof describeReleases>): string {
  const lines = [`zone set ${name}: last good push ${info.lastGoodPush ?? 'never'}`];
  for (const release of [...info.releases].reverse())
    lines.push(`${release.live ? '*' : ' '} ${release.id}  ${String(release.zones)} zones${release.live ? '  (live)' : ''}`);
  return `${lines.join('\n')}\n`;
}

export interface RollbackResult {
  from: string;
  to: string;
  published: string;
  reloaded: string[];
  stale: string[];
}

/** Publishes an older release as fresh copies, reloads the zones that differ, verifies the serials. */
export async function rollbackZoneSet(ref: ZoneSetRef, to: string | undefined): Promise<RollbackResult> {
  const { layout, settings } = ref;
  const lock = await acquireLock(layout.lockFile, settings.lockWaitSeconds, settings.name);
  try {
    const from = currentReleaseId(layout);
    const releases = listReleases(layout);
    const target = to ?? releases.filter((id) => id < from).at(-1);
    if (target === undefined || !releases.includes(target))
      throw new UsageError('unknown-release', `no release ${to ?? 'before the live one'} in zone set ${settings.name}`);
    if (target === from) throw new UsageError('unknown-release', `release ${target} is already live`);
    // The serials the rolled-back zones will be served with, read from the release itself.
    const serials: Record<string, number> = {};
    for (const file of readdirSync(releaseDir(layout, target))) {
      const zone = zoneOfFile(file, settings.zoneFile);
      const serial = readSoaSerial(readFileSync(join(releaseDir(layout, target), file), 'utf8'));
      if (zone !== undefined && serial !== undefined) serials[zone] = serial;
    }
    const liveFiles = readdirSync(releaseDir(layout, from));
    const { id: published, fresh, files } = publishAgain(layout, settings, target, { ...readState(layout.stateFile), serials });
    const sameZones = liveFiles.length === files.length && files.every((file) => liveFiles.includes(file));
    const reload = fresh.map((file) => zoneOfFile(file, settings.zoneFile)).filter((zone): zone is string => zone !== undefined);
    // Zones new to the live set are loaded by reconfig; reloading them before it would fail.
    const liveZones = new Set(liveFiles.map((file) => zoneOfFile(file, settings.zoneFile)));
    const reloaded = await reloadZones(settings, { reload: reload.filter((zone) => liveZones.has(zone)), reconfig: !sameZones });
    const expected = Object.fromEntries(reload.flatMap((zone) => (serials[zone] === undefined ? [] : [[zone, serials[zone]]])));
    const stale = await verifySerials(settings, expected);
    return { from, to: target, published, reloaded, stale };
  } finally {
    lock.release();
  }
}
