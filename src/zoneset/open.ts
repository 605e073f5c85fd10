// What every write to a zone set starts with (a push, a rollback), under its lock and before
// anything new is written: .trash emptied (what a failed push left never keeps the space a later one
// needs), an old layout converted, a damaged state.json repaired, a promotion a killed gate left
// finished or dropped, the live files brought to the zone set's owner/group/mode when that setting
// changed, room for the push checked, and the spare linked afresh when it may differ from live.

import { statSync } from 'node:fs';
import { DeniedError, ZoneSetError, isGateError } from '../shared/errors.js';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import { faultPoint } from './fault.js';
import { applyToTree, renderFileAttrs, resolveFileAttrs, type FileAttrs } from './file-attrs.js';
import { discard, emptyTrashNow, ensureLayout, liveTree, releaseDir, treeDir, type ZoneSetLayout } from './layout.js';
import { acquireLock, type HeldLock } from './lock.js';
import { convertOldLayout } from './migrate.js';
import { pruneReleases } from './releases.js';
import { reloadZones, verifySerials } from './reload.js';
import { repairDamagedState } from './repair.js';
import { writeZoneList } from './servers/zone-list.js';
import { requireSpace, spaceNeed, spaceReport, treeBytes } from './space.js';
import { dropSpare, markSpareDirty, rebuildSpare, spareIsDirty } from './spare.js';
import { readState, recordLastPush, writeState } from './state.js';

export interface OpenedZoneSet {
  lock: HeldLock;
  /** Lines for the user about what was converted, repaired or finished first. */
  notes: string[];
  /** The spare had to be linked afresh. */
  spareRebuilt: boolean;
  /** Owner, group and mode for the files that go live. */
  attrs: FileAttrs;
  /** The journal could not be trusted (repaired or finished): compare every served serial. */
  checkAllServed: boolean;
}

export async function openZoneSet(layout: ZoneSetLayout, settings: ZoneSetSettings): Promise<OpenedZoneSet> {
  // The zone set's directory is the admin's to create: a typo in the config must not make
  // zonegate build a new, unserved tree somewhere else.
  if (!statSync(layout.root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new DeniedError('root-unavailable', `the zone set ${settings.name} has no directory ${layout.root} on this host`);
  }
  ensureLayout(layout);
  const lock = await acquireLock(layout.lockFile, settings.lockWaitSeconds, settings.name);
  try {
    faultPoint('locked');
    emptyTrashNow(layout);
    const notes: string[] = [];
    const converted = await convertOldLayout(layout, settings);
    if (converted !== undefined) notes.push(converted);
    const repaired = repairDamagedState(layout, settings);
    if (repaired !== undefined) notes.push(repaired.note);
    const recovered = await recoverInterruptedPromotion(layout, settings);
    if (recovered !== undefined) notes.push(recovered);
    const attrs = resolveFileAttrs(settings.files);
    bringLiveToAttrs(layout, attrs);
    const spareRebuilt = spareIsDirty(layout);
    // What a failed push left in the spare goes before the space is measured.
    if (spareRebuilt) dropSpare(layout);
    checkRoom(layout, settings);
    if (spareRebuilt) rebuildSpare(layout);
    faultPoint('opened');
    return { lock, notes, spareRebuilt, attrs, checkAllServed: repaired !== undefined || recovered !== undefined };
  } catch (error) {
    const refusal = asZoneSetError(error, settings);
    if (refusal instanceof ZoneSetError)
      // Before the transfer (no room, damaged beyond repair): the audit log has the ref, not this code.
      recordLastPush(layout.stateFile, { outcome: 'refused', status: refusal.exitCode, reason: refusal.message, ref: '' });
    lock.release();
    throw refusal;
  }
}

export function asZoneSetError(error: unknown, settings: ZoneSetSettings): unknown {
  if (isGateError(error)) return error;
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new ZoneSetError('no-space', `no space left for zone set ${settings.name} (${code}); the live zones are unchanged`, {
      cause: error,
    });
  return new ZoneSetError('staging-failed', `cannot prepare zone set ${settings.name} (${code}); the live zones are unchanged`, {
    cause: error,
  });
}

/**
 * When `files` changed (or a zone set from before the setting), every live file is brought to it
 * once, in place: the admin's decision, not a client's; the spare is linked afresh afterwards.
 */
function bringLiveToAttrs(layout: ZoneSetLayout, attrs: FileAttrs): void {
  const wanted = renderFileAttrs(attrs);
  const state = readState(layout.stateFile);
  if (state.files === wanted) return;
  applyToTree(treeDir(layout, liveTree(layout)), attrs);
  markSpareDirty(layout, 'the live files were given new attributes');
  writeState(layout.stateFile, { ...readState(layout.stateFile), files: wanted });
}

/** Refuses the push (exit 89) unless there is room for every zone to change once. */
function checkRoom(layout: ZoneSetLayout, settings: ZoneSetSettings): void {
  const state = readState(layout.stateFile);
  const liveDir = treeDir(layout, liveTree(layout));
  let bytes = state.bytes;
  if (bytes === undefined) {
    // Once per zone set (before this field existed, or after a repair that could not count).
    bytes = treeBytes(liveDir);
    writeState(layout.stateFile, { ...state, bytes });
  }
  const zones = state.zones ?? 0;
  requireSpace(spaceReport(layout.root, spaceNeed(bytes, zones)), settings.name);
}

/**
 * Finishes or drops a promotion whose gate was killed (the state's journal): when `current` already
 * points at the new tree the reload is done now, otherwise the release is dropped. Returns a line for
 * the client, or undefined when nothing was pending.
 */
export async function recoverInterruptedPromotion(layout: ZoneSetLayout, settings: ZoneSetSettings): Promise<string | undefined> {
  const state = readState(layout.stateFile);
  const pending = state.pending;
  if (!pending) return undefined;
  const live = liveTree(layout);
  const prefix = `zonegate: zone set ${settings.name}:`;
  // The spare may hold anything the killed push wrote: the next step relinks it.
  markSpareDirty(layout, 'an interrupted promotion');
  if (pending.reconfig) writeZoneList(layout, settings, live);
  if (live !== pending.tree) {
    if (pending.dropOnAbort !== undefined) discard(layout, releaseDir(layout, pending.dropOnAbort));
    writeState(layout.stateFile, { ...state, ...pending.before, bytes: undefined, pending: undefined });
    return `${prefix} dropped the promotion an interrupted push had not made; the live zones were never changed`;
  }
  const what = [...pending.reload, ...(pending.reconfig ? ['reconfig'] : [])].join(', ');
  try {
    await reloadZones(settings, pending);
    const stale = await verifySerials(settings, pending.serials);
    if (stale.length > 0) return `${prefix} an interrupted push left ${stale.join(', ')} unreloaded, and they still are not served`;
  } catch (error) {
    return `${prefix} finishing an interrupted reload failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  // After an undone push the old zones are served again: that is not a good push.
  const lastGoodPush = pending.dropOnAbort === undefined ? state.lastGoodPush : new Date().toISOString();
  writeState(layout.stateFile, { ...state, lastGoodPush, pending: undefined });
  pruneReleases(layout, settings.keep, state.release);
  return `${prefix} finished the reload an interrupted push left pending (${what || 'nothing to reload'})`;
}
