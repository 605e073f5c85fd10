// Promotion, all or nothing: the spare, validated, becomes live with one symlink rename. Before it
// the release record and the state journal are written (what can fail for lack of space fails
// while the live zones are still untouched); after it the other tree is brought back in step.

import { prepareAtomicWrite } from '../shared/atomic-write.js';
import { existsSync, lstatSync, readdirSync, utimesSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { ZoneSetError, isGateError } from '../shared/errors.js';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import type { ZoneSetChanges } from './diff.js';
import { discard, otherTree, pointCurrentAt, releaseDir, treeDir, type TreeName, type ZoneSetLayout } from './layout.js';
import { recordRelease, type ReleaseManifest } from './releases.js';
import { faultPoint } from './fault.js';
import { markSpareClean, mirrorFiles } from './spare.js';
import { renderZoneList, writeZoneList, zoneListPath } from './servers/zone-list.js';
import { writeState, type PendingPromotion, type ZoneSetState } from './state.js';

export interface PromotionRequest {
  id: string;
  kind: ReleaseManifest['kind'];
  rollbackTo?: string;
  live: TreeName;
  changes: ZoneSetChanges;
  /** The serials the server should serve for the changed and added zones. */
  serials: Record<string, number>;
}

export interface Promotion {
  release: string;
  previous: string | undefined;
  pending: PendingPromotion;
  state: ZoneSetState;
}

export function promote(layout: ZoneSetLayout, settings: ZoneSetSettings, request: PromotionRequest, state: ZoneSetState): Promotion {
  const { changes } = request;
  const liveDir = treeDir(layout, request.live);
  const spare = otherTree(request.live);
  const spareDir = treeDir(layout, spare);
  const zonesCameOrWent = changes.added.length + changes.removed.length > 0;
  let journaled = false;
  let swapped = false;
  try {
    // A push's new files are looked at once, for their mtimes and for the space they take.
    const grown = request.kind === 'push' ? freshenMtimes(spareDir, liveDir, changes, new Date()) : undefined;
    const bytes = state.bytes === undefined || grown === undefined ? state.bytes : Math.max(0, state.bytes + grown);
    const zones = zonesCameOrWent || state.zones === undefined ? readdirSync(spareDir).length : state.zones;
    faultPoint('release-recording');
    recordRelease(layout, liveDir, changes, {
      id: request.id,
      at: new Date().toISOString(),
      kind: request.kind,
      rollbackTo: request.rollbackTo,
      previous: state.release,
      changed: changes.changed.map((zone) => zone.file),
      added: changes.added.map((zone) => zone.file),
      removed: changes.removed.map((zone) => zone.file),
      zones,
    });
    const pending: PendingPromotion = {
      release: request.id,
      tree: spare,
      reload: changes.changed.map((zone) => zone.zone),
      reconfig: zonesCameOrWent,
      serials: request.serials,
      before: { release: state.release, zones: state.zones },
      dropOnAbort: request.id,
    };
    const next: ZoneSetState = { ...state, bytes, release: request.id, zones, pending };
    // The zone list only changes when zones come or go (its paths go through current/).
    const listPath = zoneListPath(layout, settings.server);
    const commitInclude =
      zonesCameOrWent || !existsSync(listPath)
        ? prepareAtomicWrite(listPath, renderZoneList(layout, settings, readdirSync(spareDir)))
        : () => undefined;
    // The journal first: a gate killed from here on is finished or undone by the next push.
    faultPoint('journaling');
    writeState(layout.stateFile, next);
    journaled = true;
    faultPoint('journaled');
    pointCurrentAt(layout, spare);
    swapped = true;
    faultPoint('swapped');
    commitInclude();
    return { release: request.id, previous: state.release, pending, state: next };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    // Past the swap the zones are live and the journal says what is owed: the next push finishes it.
    if (swapped) {
      throw new ZoneSetError('promote-failed', `promoted, but could not write the zone list (${code}); the next push finishes the reload`, {
        cause: error,
        details: { liveChanged: true },
      });
    }
    discard(layout, releaseDir(layout, request.id));
    if (journaled) writeState(layout.stateFile, state);
    // A zone list the server could not read safely (conf-text.ts) keeps its own reason.
    if (isGateError(error)) throw error;
    throw new ZoneSetError('promote-failed', `could not promote the push (${code}); the live zones are unchanged`, { cause: error });
  }
}

/**
 * named skips a zone file whose mtime is not later than the file it loaded before. A changed file
 * keeps the primary's mtime when that is later (so the next push's quick check still matches and
 * nothing is sent again); otherwise it gets a fresh one. Returns the bytes on disk (blocks) the
 * push adds to the live tree, from the same lstats: the state's `bytes` for the next space check.
 */
export function freshenMtimes(spareDir: string, liveDir: string, changes: ZoneSetChanges, now: Date): number {
  const disk = (stat: Stats | undefined): number => (stat?.isFile() === true ? stat.blocks * 512 : 0);
  let grown = 0;
  for (const zone of changes.changed) {
    const staged = lstatSync(join(spareDir, zone.file));
    const loaded = lstatSync(join(liveDir, zone.file));
    grown += disk(staged) - disk(loaded);
    if (staged.mtimeMs <= loaded.mtimeMs) {
      const fresh = new Date(Math.max(now.getTime(), loaded.mtimeMs + 1000));
      utimesSync(join(spareDir, zone.file), fresh, fresh);
    }
  }
  for (const { file } of changes.added) grown += disk(lstatSync(join(spareDir, file), { throwIfNoEntry: false }));
  for (const { file } of changes.removed) grown -= disk(lstatSync(join(liveDir, file), { throwIfNoEntry: false }));
  return grown;
}

/** Every name a push or rollback touched: what the spare must copy from the live tree afterwards. */
export function touchedNames(changes: ZoneSetChanges): string[] {
  return [...changes.added, ...changes.changed, ...changes.removed].map((zone) => zone.file).concat(changes.touched);
}

/** After a promotion: the old live tree, now the spare, takes the files that changed. */
export function settle(layout: ZoneSetLayout, live: TreeName, names: readonly string[]): void {
  mirrorFiles(treeDir(layout, live), treeDir(layout, otherTree(live)), names);
  markSpareClean(layout);
}

/**
 * Undoes a promotion named did not take: the previous tree goes live again, the files the push
 * changed get a fresh mtime there first (named would skip files no newer than what it loaded), the
 * release record is dropped and the spare is put back in step.
 */
export function unpromote(
  layout: ZoneSetLayout,
  settings: ZoneSetSettings,
  promotion: Promotion,
  changes: ZoneSetChanges,
  state: ZoneSetState,
): PendingPromotion {
  const previousTree = otherTree(promotion.pending.tree);
  const previousDir = treeDir(layout, previousTree);
  const now = new Date();
  for (const { file } of changes.changed) utimesSync(join(previousDir, file), now, now);
  // Journaled like a promotion: a gate killed before the reload below leaves it to the next push.
  const pending: PendingPromotion = {
    ...promotion.pending,
    release: state.release,
    tree: previousTree,
    serials: {},
    before: { release: promotion.release, zones: promotion.state.zones },
    dropOnAbort: undefined,
  };
  writeState(layout.stateFile, { ...state, pending });
  pointCurrentAt(layout, previousTree);
  if (promotion.pending.reconfig) writeZoneList(layout, settings, previousTree);
  discard(layout, releaseDir(layout, promotion.release));
  settle(layout, previousTree, touchedNames(changes));
  return pending;
}
