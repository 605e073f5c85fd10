// A push into a zone set, around the rsync run: lock, clean up, stage; then, only if rsync
// succeeded, diff, validate, promote, reload and verify, rolling back when the server does not take
// the new zones. The live tree changes in exactly one place (pointCurrentAt) and only after every
// check passed.

import { existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DeniedError, ZoneSetError, isGateError } from '../../shared/errors.js';
import type { ZoneSetSettings } from '../../shared/policy.js';
import { diffReleases, hasChanges, type ZoneSetChanges } from './diff.js';
import {
  currentReleaseId,
  discard,
  ensureLayout,
  layoutOf,
  newReleaseId,
  releaseDir,
  removeLeftoverStaging,
  spareName,
  type ZoneSetLayout,
} from './layout.js';
import { acquireLock, type HeldLock } from './lock.js';
import { promote, pruneReleases, publishAgain } from './promote.js';
import { reloadZones, verifySerials } from './reload.js';
import { stageFromRelease } from './stage.js';
import { readState, writeState, type ZoneSetState } from './state.js';
import { checkDeleteShare, validateZones, type CheckerSandbox } from './validate.js';

export interface ZoneSetPush {
  settings: ZoneSetSettings;
  /** Run the zone checker in bwrap (set when the gate sandboxes rsync too). */
  checkerSandbox: CheckerSandbox | undefined;
  layout: ZoneSetLayout;
  liveId: string;
  stagingId: string;
  stagingDir: string;
  leftovers: string[];
  finish(): void;
}

export interface ZoneSetOutcome {
  status: number;
  /** Lines for the client's stderr. */
  report: string[];
  /** Fields for the audit log. */
  record: Record<string, unknown>;
}

/** Takes the lock and stages the live release; the caller runs rsync into `stagingDir`. */
export async function prepareZoneSetPush(
  root: string,
  settings: ZoneSetSettings,
  checkerSandbox: CheckerSandbox | undefined,
): Promise<ZoneSetPush> {
  const layout = layoutOf(root);
  // The zone set's directory is the admin's to create: a typo in the config must not make the
  // gate build a new, unserved tree somewhere else.
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new DeniedError('root-unavailable', `the zone set ${settings.name} has no directory ${root} on this host`);
  }
  let lock: HeldLock | undefined;
  try {
    ensureLayout(layout);
    lock = await acquireLock(layout.lockFile, settings.lockWaitSeconds, settings.name);
    const liveId = currentReleaseId(layout);
    const leftovers = removeLeftoverStaging(layout, liveId);
    const stagingId = newReleaseId();
    const stagingDir = join(layout.staging, stagingId);
    const spare = join(layout.staging, spareName(liveId));
    if (existsSync(spare)) renameSync(spare, stagingDir);
    else stageFromRelease(releaseDir(layout, liveId), stagingDir);
    const held = lock;
    return {
      settings,
      checkerSandbox,
      layout,
      liveId,
      stagingId,
      stagingDir,
      leftovers,
      finish: () => {
        discard(layout, stagingDir);
        held.release();
      },
    };
  } catch (error) {
    lock?.release();
    if (isGateError(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ZoneSetError('staging-failed', `cannot prepare zone set ${settings.name} (${code}); the live zones are unchanged`, {
      cause: error,
    });
  }
}

function describeChanges(changes: ZoneSetChanges): Record<string, string[]> {
  return {
    added: changes.added.map((z) => z.zone),
    changed: changes.changed.map((z) => z.zone),
    removed: changes.removed.map((z) => z.zone),
  };
}

/** Everything after a successful rsync run; throws ZoneSetError when the push is refused. */
export async function completeZoneSetPush(push: ZoneSetPush): Promise<ZoneSetOutcome> {
  const { settings, layout } = push;
  const name = settings.name;
  const liveDir = releaseDir(layout, push.liveId);
  const changes = diffReleases(liveDir, push.stagingDir, settings.zoneFile);
  const summary = describeChanges(changes);
  if (!hasChanges(changes)) {
    // Identical to the live release: the next push can start from it instead of linking again.
    renameSync(push.stagingDir, join(layout.staging, spareName(push.liveId)));
    // Still a good push: the primary is alive and in step, which is what monitoring asks.
    writeState(layout.stateFile, { ...readState(layout.stateFile), lastGoodPush: new Date().toISOString() });
    return {
      status: 0,
      report: [`zonegate: zone set ${name}: no zone changed; nothing to promote`],
      record: { zoneSet: name, outcome: 'unchanged', ...summary },
    };
  }
  checkDeleteShare(changes, settings);
  const state = readState(layout.stateFile);
  const serials = await validateZones(settings, push.stagingDir, liveDir, changes, state.serials, push.checkerSandbox);
  const promotion = promote(layout, settings, { id: push.stagingId, dir: push.stagingDir }, changes, serials, state);
  const plan = promotion.state.pending ?? { reload: [], reconfig: false };
  try {
    const commands = await reloadZones(settings, plan);
    const stale = await verifySerials(settings, serials);
    if (stale.length > 0)
      throw new ZoneSetError('reload-failed', `the server does not serve the new serial of ${stale.join(', ')} after the reload`);
    writeState(layout.stateFile, { ...promotion.state, lastGoodPush: new Date().toISOString(), pending: undefined });
    // Only now, so deleting an old release never delays the new serials.
    pruneReleases(layout, settings.keep, [promotion.release, promotion.previous]);
    const serialText = Object.entries(serials).map(([zone, serial]) => `${zone} ${String(serial)}`);
    const report = [
      `zonegate: zone set ${name}: release ${promotion.release} is live: ${String(changes.changed.length)} changed, ${String(changes.added.length)} added, ${String(changes.removed.length)} removed`,
      ...(serialText.length > 0 ? [`zonegate: serials: ${serialText.join(', ')}`] : []),
      ...(commands.length > 0
        ? [
            `zonegate: ${commands.length > 6 ? `${String(commands.length)} rndc commands` : `rndc ${commands.join('; rndc ')}`}${settings.verify ? ', new serials verified' : ''}`,
          ]
        : []),
    ];
    return {
      status: 0,
      report,
      record: {
        zoneSet: name,
        outcome: 'promoted',
        release: promotion.release,
        previous: promotion.previous,
        serials,
        reload: commands,
        ...summary,
      },
    };
  } catch (error) {
    const rolledBack = await rollBack(layout, settings, promotion.previous, plan, state);
    const message = isGateError(error) ? error.message : String(error);
    throw new ZoneSetError('reload-failed', `${message}; rolled back to release ${rolledBack}`, {
      cause: error,
      details: { zoneSet: name, rolledBackTo: rolledBack, ...summary },
    });
  }
}

/**
 * Finishes the reload of a promotion whose gate died between making the release live and
 * reloading named. Returns a line for the client, or undefined when nothing was pending.
 */
export async function finishPendingReload(push: ZoneSetPush): Promise<string | undefined> {
  const { layout, settings } = push;
  const state = readState(layout.stateFile);
  if (!state.pending || state.release !== push.liveId) return undefined;
  const expected = Object.fromEntries(
    state.pending.reload.flatMap((zone) => (state.serials[zone] === undefined ? [] : [[zone, state.serials[zone]]])),
  );
  try {
    await reloadZones(settings, state.pending);
    const stale = await verifySerials(settings, expected);
    if (stale.length > 0)
      return `zonegate: zone set ${settings.name}: an interrupted push left ${stale.join(', ')} unreloaded, and they still are not served`;
  } catch (error) {
    return `zonegate: zone set ${settings.name}: finishing an interrupted reload failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  writeState(layout.stateFile, { ...state, lastGoodPush: new Date().toISOString(), pending: undefined });
  return `zonegate: zone set ${settings.name}: finished the reload an interrupted push left pending (${[...state.pending.reload, ...(state.pending.reconfig ? ['reconfig'] : [])].join(', ')})`;
}

/** Puts the previous release back live as fresh copies, and reloads what the failed push touched. */
export async function rollBack(
  layout: ZoneSetLayout,
  settings: ZoneSetSettings,
  toId: string,
  plan: { reload: string[]; reconfig: boolean },
  state: ZoneSetState,
): Promise<string> {
  const { id } = publishAgain(layout, settings, toId, state);
  try {
    await reloadZones(settings, plan);
  } catch {
    // Best effort: the files are back; the report already says the push failed.
  }
  return id;
}
