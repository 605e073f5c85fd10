// `zonegate releases [NAME]`: each zone set's live zones with the serials their files carry, and its
// releases with the zones each changed. Text and JSON list the same things in the same order: zone
// sets as in the config, zones by name, releases newest first.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zoneOfFile } from '../../zoneset/diff.js';
import { inspectReleases, type DamagedRelease } from '../../zoneset/releases.js';
import { readSoaSerial } from '../../zoneset/serial.js';
import { inspectState, type DamageRecord } from '../../zoneset/state.js';
import type { ZoneSetRef } from './zoneset-admin.js';

export interface ReleaseInfo {
  id: string;
  at: string;
  kind: 'push' | 'rollback';
  rollbackTo: string | undefined;
  zones: number;
  changed: string[];
  added: string[];
  removed: string[];
  live: boolean;
}

export interface ZoneSetView {
  name: string;
  root: string;
  lastGoodPush: string | undefined;
  /** The live zones by name; serial null when the file has no readable SOA. */
  zones: { zone: string; serial: number | null }[];
  /** Newest first. */
  releases: ReleaseInfo[];
  /** Release records whose manifest is damaged: kept, never pruned; a rollback uses their previous/. */
  damaged: DamagedRelease[];
  /** state.json as found now (damaged: the next push repairs it), and the last repair recorded. */
  stateDamage: string | undefined;
  lastDamage: DamageRecord | undefined;
}

export function describeZoneSet(ref: ZoneSetRef): ZoneSetView {
  const { layout, settings } = ref;
  const { state, damage } = inspectState(layout.stateFile);
  const { complete, damaged } = inspectReleases(layout);
  const names = (files: readonly string[]): string[] => files.map((file) => zoneOfFile(file, settings.zoneFile) ?? file).sort();
  const releases = complete.reverse().map((release) => ({
    id: release.id,
    at: release.at,
    kind: release.kind,
    rollbackTo: release.rollbackTo,
    zones: release.zones,
    changed: names(release.changed),
    added: names(release.added),
    removed: names(release.removed),
    live: release.id === state.release,
  }));
  return {
    name: settings.name,
    root: layout.root,
    lastGoodPush: state.lastGoodPush,
    zones: liveZones(ref),
    releases,
    damaged,
    stateDamage: damage,
    lastDamage: state.lastDamage,
  };
}

function liveZones({ layout, settings }: ZoneSetRef): ZoneSetView['zones'] {
  let files: string[];
  try {
    files = readdirSync(layout.current);
  } catch {
    return [];
  }
  const zones: ZoneSetView['zones'] = [];
  for (const file of files) {
    const zone = zoneOfFile(file, settings.zoneFile);
    if (zone === undefined) continue;
    let serial: number | undefined;
    try {
      serial = readSoaSerial(readFileSync(join(layout.current, file), 'utf8'));
    } catch {
      serial = undefined;
    }
    zones.push({ zone, serial: serial ?? null });
  }
  return zones.sort((a, b) => (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0));
}

const SHOWN = 5;

function list(names: readonly string[]): string {
  const shown = names.slice(0, SHOWN).join(' ');
  return names.length > SHOWN ? `${shown} +${String(names.length - SHOWN)} more` : shown;
}

export function renderZoneSet(view: ZoneSetView): string {
  const lines = [
    `zone set ${view.name} (${view.root}): last good push ${view.lastGoodPush ?? 'never'}, ${String(view.zones.length)} live zone(s)`,
  ];
  if (view.stateDamage !== undefined) lines.push(`! state.json is damaged (${view.stateDamage}); the next push or rollback repairs it`);
  if (view.lastDamage !== undefined)
    lines.push(
      `! ${view.lastDamage.what} was found damaged at ${view.lastDamage.at} (${view.lastDamage.problem}): ${view.lastDamage.action}`,
    );
  for (const release of view.damaged)
    lines.push(`! ${release.id}  damaged: ${release.problem} (kept; its previous/ still serves a rollback)`);
  for (const { zone, serial } of view.zones) lines.push(`  ${zone} ${serial === null ? '(no SOA serial)' : String(serial)}`);
  for (const release of view.releases) {
    const what =
      release.kind === 'rollback'
        ? `rollback to ${release.rollbackTo ?? '?'}`
        : [
            `${String(release.changed.length)} changed, ${String(release.added.length)} added, ${String(release.removed.length)} removed`,
            ...(['changed', 'added', 'removed'] as const)
              .filter((kind) => release[kind].length > 0)
              .map((kind) => `${kind} ${list(release[kind])}`),
          ].join('; ');
    lines.push(`${release.live ? '*' : ' '} ${release.id}  ${String(release.zones)} zones  ${what}${release.live ? '  (live)' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
