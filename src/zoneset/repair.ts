// Damaged state: state.json emptied or cut short (a full disk before atomic writes, an admin's
// editor, a bad restore) used to read as an empty state with no word anywhere, losing the journal of
// a reload still owed. Now it is noticed under the lock, kept aside for the admin, rebuilt from what
// the disk still shows (the live tree, the release records), recorded in the new state (status shows
// it), and the push that found it compares every served serial with the live tree (served-check.ts).

import { copyFileSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import { discard, liveTree, releaseDir, treeDir, type ZoneSetLayout } from './layout.js';
import { inspectReleases, type ReleaseManifest } from './releases.js';
import { treeBytes } from './space.js';
import { markSpareDirty } from './spare.js';
import { inspectState, writeState } from './state.js';

export interface StateRepair {
  note: string;
}

/** Whether the live tree holds what release `id` made live: none of its replaced files is still live. */
function wentLive(layout: ZoneSetLayout, id: string, manifest: ReleaseManifest | undefined, liveDir: string): boolean {
  const previous = join(releaseDir(layout, id), 'previous');
  let replaced: string[];
  try {
    replaced = readdirSync(previous);
  } catch {
    replaced = [];
  }
  for (const file of replaced) {
    const old = lstatSync(join(previous, file), { throwIfNoEntry: false });
    const live = lstatSync(join(liveDir, file), { throwIfNoEntry: false });
    if (old !== undefined && live !== undefined && old.ino === live.ino && old.dev === live.dev) return false;
  }
  for (const file of manifest?.added ?? []) if (lstatSync(join(liveDir, file), { throwIfNoEntry: false }) === undefined) return false;
  return true;
}

/** Repairs a damaged state.json; undefined when it was fine (or absent: a new zone set). */
export function repairDamagedState(layout: ZoneSetLayout, settings: ZoneSetSettings): StateRepair | undefined {
  const { state, damage } = inspectState(layout.stateFile);
  if (damage === undefined) return undefined;
  const kept = `${layout.stateFile}.damaged`;
  copyFileSync(layout.stateFile, kept);
  const liveDir = treeDir(layout, liveTree(layout));
  const { complete, damaged } = inspectReleases(layout);
  const records = [
    ...complete.map((manifest) => ({ id: manifest.id, manifest })),
    ...damaged.map(({ id }) => ({ id, manifest: undefined })),
  ].sort((x, y) => (x.id < y.id ? -1 : 1));
  // The newest record whose changes the live tree holds is the live release; newer ones were
  // written by a promotion that never swapped (their journal entry is what was lost) and go.
  let release: string | undefined;
  while (records.length > 0) {
    const newest = records.pop();
    if (newest === undefined) break;
    if (wentLive(layout, newest.id, newest.manifest, liveDir)) {
      release = newest.id;
      break;
    }
    discard(layout, releaseDir(layout, newest.id));
  }
  const action = `kept as ${kept}; rebuilt from the live tree${release === undefined ? '' : ` (release ${release})`}; every served serial checked`;
  writeState(layout.stateFile, {
    release,
    zones: readdirSync(liveDir).length,
    lastGoodPush: state.lastGoodPush,
    bytes: treeBytes(liveDir),
    lastDamage: { at: new Date().toISOString(), what: 'state.json', problem: damage, action },
  });
  // Whatever the lost journal said, the spare's contents are unknown.
  markSpareDirty(layout, 'state.json was damaged');
  return { note: `zonegate: zone set ${settings.name}: state.json was damaged (${damage}): ${action}` };
}
