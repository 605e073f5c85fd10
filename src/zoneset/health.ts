// What `zonegate status` shows about a zone set's storage and recovery, read without the lock and
// without writing anything: a damaged state file or release record, the last push's outcome, a
// reload still owed, a spare waiting to be relinked, free space against what a push needs, and the
// last comparison of served serials with the live tree.

import { existsSync } from 'node:fs';
import { layoutOf, liveTree, treeDir } from './layout.js';
import { inspectReleases, type DamagedRelease } from './releases.js';
import type { ServedCheck } from './served-check.js';
import { spaceNeed, spaceReport, treeBytes, type SpaceReport } from './space.js';
import { inspectState, type DamageRecord, type LastPush } from './state.js';

export interface ZoneSetHealth {
  /** state.json is damaged now (the next push repairs it). */
  stateDamage: string | undefined;
  /** The last damage found and repaired. */
  lastDamage: DamageRecord | undefined;
  damagedReleases: DamagedRelease[];
  lastPush: LastPush | undefined;
  lastGoodPush: string | undefined;
  /** Zones a killed push still owes a reload (the journal), plus whether `rndc reconfig` is owed. */
  reloadOwed: { zones: string[]; reconfig: boolean } | undefined;
  /** The spare must be relinked before the next push (an earlier push failed). */
  spareDirty: boolean;
  /** Free space and inodes against what a push needs; undefined when the zone set has no tree yet. */
  space: SpaceReport | undefined;
  servedCheck: ServedCheck | undefined;
}

export function readZoneSetHealth(root: string): ZoneSetHealth {
  const layout = layoutOf(root);
  const { state, damage } = inspectState(layout.stateFile);
  let space: SpaceReport | undefined;
  let damagedReleases: DamagedRelease[] = [];
  try {
    const bytes = state.bytes ?? treeBytes(treeDir(layout, liveTree(layout)));
    space = spaceReport(root, spaceNeed(bytes, state.zones ?? 0));
    damagedReleases = inspectReleases(layout).damaged;
  } catch {
    space = undefined;
  }
  const pending = state.pending;
  return {
    stateDamage: damage,
    lastDamage: state.lastDamage,
    damagedReleases,
    lastPush: state.lastPush,
    lastGoodPush: state.lastGoodPush,
    reloadOwed: pending ? { zones: pending.reload, reconfig: pending.reconfig } : undefined,
    spareDirty: existsSync(layout.spareDirty),
    space,
    servedCheck: state.servedCheck,
  };
}
