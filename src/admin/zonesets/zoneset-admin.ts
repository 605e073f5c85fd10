// Zone sets from the admin's side: find one by name in the config, list its releases, roll back.

import { lstatSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../shared/errors.js';
import type { Policy, ZoneSetSettings } from '../../shared/policy/types.js';
import { zoneOfFile, type ZoneSetChanges } from '../../zoneset/diff.js';
import { layoutOf, liveTree, newReleaseId, otherTree, treeDir, type TreeName, type ZoneSetLayout } from '../../zoneset/layout.js';
import { applyToWritten } from '../../zoneset/file-attrs.js';
import { openZoneSet } from '../../zoneset/open.js';
import { reloadOrUndo } from '../../zoneset/pipeline.js';
import { promote } from '../../zoneset/promote.js';
import { inspectReleases, undoPlan } from '../../zoneset/releases.js';
import { readSoaSerial } from '../../zoneset/serial.js';
import { markSpareDirty, placeCopy } from '../../zoneset/spare.js';
import { readState } from '../../zoneset/state.js';
import { forgetLiveSerials } from '../../zoneset/live-serials.js';

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

export interface RollbackResult {
  from: string;
  to: string;
  published: string;
  reloaded: string[];
}

/**
 * Brings back the zones of an earlier release as a new release: the files the later releases
 * touched are copied into the spare with a fresh mtime (named skips files no newer than what it
 * loaded), promoted, reloaded and verified like a push; if named does not take them, the release
 * that was live stays live.
 */
export async function rollbackZoneSet(ref: ZoneSetRef, to: string | undefined): Promise<RollbackResult> {
  const { layout, settings } = ref;
  const { lock, notes, attrs } = await openZoneSet(layout, settings);
  try {
    for (const note of notes) process.stderr.write(`${note}\n`);
    const state = readState(layout.stateFile);
    const from = state.release;
    const { complete: releases, damaged } = inspectReleases(layout);
    const known = (id: string): boolean => releases.some((release) => release.id === id) || damaged.some((release) => release.id === id);
    // With no earlier record kept (pruned, or damaged), the live release's own previous/ still
    // holds what it replaced: '' stands for "the zones before the oldest release kept".
    const earlier = [...releases, ...damaged].map((release) => release.id).filter((id) => from !== undefined && id < from);
    const target = to ?? earlier.sort().at(-1) ?? (from !== undefined && known(from) ? '' : undefined);
    if (from === undefined || target === undefined || (target !== '' && !known(target)))
      throw new UsageError('unknown-release', `no release ${to ?? 'before the live one'} in zone set ${settings.name}`);
    if (target === from) throw new UsageError('unknown-release', `release ${target} is already live`);
    if (target > from) throw new UsageError('unknown-release', `release ${target} is newer than the live release ${from}`);
    const live = liveTree(layout);
    const changes = stageUndo(layout, live, undoPlan(layout, releases, target, from, damaged), settings.zoneFile);
    const staged = [...changes.changed, ...changes.added].map((zone) => zone.file);
    applyToWritten(treeDir(layout, otherTree(live)), treeDir(layout, live), staged, attrs);
    const serials: Record<string, number> = {};
    for (const zone of [...changes.changed, ...changes.added]) {
      const serial = readSoaSerial(readFileSync(join(treeDir(layout, otherTree(live)), zone.file), 'utf8'));
      if (serial !== undefined) serials[zone.zone] = serial;
    }
    // Their serials were read by zonegate's reader, not the checker: the next push checks them live.
    forgetLiveSerials(layout, settings, changes);
    const promotion = promote(
      layout,
      settings,
      { id: newReleaseId(), kind: 'rollback', ...(target === '' ? {} : { rollbackTo: target }), live, changes, serials },
      state,
    );
    const reloaded = await reloadOrUndo({ layout, settings }, promotion, changes, state);
    return { from, to: target === '' ? `before ${from}` : target, published: promotion.release, reloaded };
  } finally {
    lock.release();
  }
}

/** Writes the undo plan into the spare (fresh copies, fresh mtimes) and says what it changes. */
function stageUndo(layout: ZoneSetLayout, live: TreeName, plan: Map<string, string | null>, pattern: string): ZoneSetChanges {
  const liveDir = treeDir(layout, live);
  const spareDir = treeDir(layout, otherTree(live));
  const changes: ZoneSetChanges = { added: [], changed: [], removed: [], touched: [], before: 0 };
  markSpareDirty(layout, 'a rollback is writing into it');
  for (const [file, source] of plan) {
    const liveStat = lstatSync(join(liveDir, file), { throwIfNoEntry: false });
    const zone = { zone: zoneOfFile(file, pattern) ?? file, file };
    if (source === null) {
      if (liveStat === undefined) continue;
      rmSync(join(spareDir, file), { force: true });
      changes.removed.push(zone);
      continue;
    }
    placeCopy(source, spareDir, file, new Date(Math.max(Date.now(), (liveStat?.mtimeMs ?? 0) + 1000)));
    (liveStat === undefined ? changes.added : changes.changed).push(zone);
  }
  return changes;
}
