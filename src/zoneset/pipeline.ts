// A push into a zone set, around the rsync run: lock, finish what a killed gate left, make sure the
// spare is in step; then, only if rsync succeeded, read its transfer log, validate what changed,
// promote, reload and verify, rolling back when the server does not take the new zones. The live
// tree changes in exactly one place (pointCurrentAt) and only after every check passed.

import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { DeniedError, ZoneSetError, isGateError } from '../shared/errors.js';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import { refuseZonesOutsideList } from './allowed-zones.js';
import { changesFromLog, hasChanges, zoneListLines, type ZoneSetChanges } from './diff.js';
import {
  discard,
  ensureLayout,
  layoutOf,
  liveTree,
  newReleaseId,
  otherTree,
  releaseDir,
  treeDir,
  type TreeName,
  type ZoneSetLayout,
} from './layout.js';
import { refuseIfHeld } from './hold.js';
import { acquireLock, type HeldLock } from './lock.js';
import { convertOldLayout } from './migrate.js';
import { promote, settle, touchedNames, unpromote, writeNamedInclude, type Promotion } from './promote.js';
import { refuseOversizedOrTooMany } from './push-limits.js';
import { pruneReleases } from './releases.js';
import { reloadZones, verifySerials } from './reload.js';
import { markSpareClean, markSpareDirty, mirrorFiles, rebuildSpare, spareIsDirty } from './spare.js';
import { readState, writeState, type ZoneSetState } from './state.js';
import { parseTransferLog, type TransferLog } from './transfer-log.js';
import { checkDeleteShare, validateZones, type CheckerSandbox } from './validate.js';

export interface ZoneSetPush {
  settings: ZoneSetSettings;
  /** Run the zone checker in bwrap (set when the gate sandboxes rsync too). */
  checkerSandbox: CheckerSandbox | undefined;
  layout: ZoneSetLayout;
  id: string;
  live: TreeName;
  /** Where rsync writes: the spare tree. */
  spareDir: string;
  /** Lines for the client about what an earlier, interrupted push left and how it was finished. */
  recovered: string[];
  /** The spare had to be copied afresh (an earlier push failed or was killed). */
  spareRebuilt: boolean;
  finish(): void;
}

export interface ZoneSetOutcome {
  status: number;
  /** Lines for the client's stderr. */
  report: string[];
  /** Fields for the audit log. */
  record: Record<string, unknown>;
}

/** Takes the lock and readies the spare; the caller runs rsync into `spareDir`. */
export async function prepareZoneSetPush(
  root: string,
  settings: ZoneSetSettings,
  checkerSandbox: CheckerSandbox | undefined,
): Promise<ZoneSetPush> {
  const layout = layoutOf(root);
  // A held zone set (after a rollback, say) takes no push: refused before the lock, and again
  // under it, so a hold set while this push waited still wins.
  refuseIfHeld(layout, settings.name);
  let opened: OpenedZoneSet | undefined;
  try {
    opened = await openZoneSet(layout, settings);
    refuseIfHeld(layout, settings.name);
    const id = newReleaseId();
    const live = liveTree(layout);
    markSpareDirty(layout, `push ${id} is writing into it`);
    writeFileSync(layout.transferLog, '', { mode: 0o600 });
    const held = opened.lock;
    return {
      settings,
      checkerSandbox,
      layout,
      id,
      live,
      spareDir: treeDir(layout, otherTree(live)),
      recovered: opened.notes,
      spareRebuilt: opened.spareRebuilt,
      finish: () => {
        held.release();
      },
    };
  } catch (error) {
    opened?.lock.release();
    throw asZoneSetError(error, settings);
  }
}

export interface OpenedZoneSet {
  lock: HeldLock;
  /** Lines for the user about what was converted or finished first. */
  notes: string[];
  /** The spare had to be copied afresh. */
  spareRebuilt: boolean;
}

/**
 * What every write to a zone set starts with (a push, a rollback): the lock, then whatever an
 * earlier zonegate or a killed gate left is converted or finished, and the spare is made to match
 * the live tree.
 */
export async function openZoneSet(layout: ZoneSetLayout, settings: ZoneSetSettings): Promise<OpenedZoneSet> {
  // The zone set's directory is the admin's to create: a typo in the config must not make
  // zonegate build a new, unserved tree somewhere else.
  if (!statSync(layout.root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new DeniedError('root-unavailable', `the zone set ${settings.name} has no directory ${layout.root} on this host`);
  }
  ensureLayout(layout);
  const lock = await acquireLock(layout.lockFile, settings.lockWaitSeconds, settings.name);
  try {
    const notes: string[] = [];
    const converted = await convertOldLayout(layout, settings);
    if (converted !== undefined) notes.push(converted);
    const recovered = await recoverInterruptedPromotion(layout, settings);
    if (recovered !== undefined) notes.push(recovered);
    const spareRebuilt = spareIsDirty(layout);
    if (spareRebuilt) await rebuildSpare(layout);
    return { lock, notes, spareRebuilt };
  } catch (error) {
    lock.release();
    throw asZoneSetError(error, settings);
  }
}

function asZoneSetError(error: unknown, settings: ZoneSetSettings): unknown {
  if (isGateError(error)) return error;
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new ZoneSetError('staging-failed', `cannot prepare zone set ${settings.name} (${code}); the live zones are unchanged`, {
    cause: error,
  });
}

function describeChanges(changes: ZoneSetChanges): Record<string, string[]> {
  return {
    added: changes.added.map((z) => z.zone),
    changed: changes.changed.map((z) => z.zone),
    removed: changes.removed.map((z) => z.zone),
  };
}

function readTransferLog(push: ZoneSetPush): TransferLog {
  const log = parseTransferLog(readFileSync(push.layout.transferLog, 'utf8'));
  // Without a complete log, what rsync wrote is unknown: the spare stays marked and is copied afresh.
  if (log === undefined) throw new ZoneSetError('staging-failed', "rsync's transfer log is missing or incomplete; nothing was promoted");
  return log;
}

/** Everything after a successful rsync run; throws ZoneSetError when the push is refused. */
export async function completeZoneSetPush(push: ZoneSetPush): Promise<ZoneSetOutcome> {
  const { settings, layout } = push;
  const name = settings.name;
  const liveDir = treeDir(layout, push.live);
  const log = readTransferLog(push);
  // The client's mode for its top directory must not make the tree unreadable to named.
  chmodSync(push.spareDir, 0o755);
  let changes: ZoneSetChanges;
  let serials: Record<string, number>;
  try {
    refuseOversizedOrTooMany(log, settings);
    changes = changesFromLog(liveDir, push.spareDir, log, settings.zoneFile);
    if (!hasChanges(changes)) {
      // Byte for byte the live zones (times or modes aside): nothing to promote, the spare stays.
      markSpareClean(layout);
      // Still a good push: the primary is alive and in step, which is what monitoring asks.
      writeState(layout.stateFile, { ...readState(layout.stateFile), lastGoodPush: new Date().toISOString() });
      return {
        status: 0,
        report: [`zonegate: zone set ${name}: no zone changed; nothing to promote`],
        record: { zoneSet: name, outcome: 'unchanged', ...describeChanges(changes) },
      };
    }
    refuseZonesOutsideList(changes, settings.zones, name);
    checkDeleteShare(changes, settings);
    serials = await validateZones(settings, push.spareDir, liveDir, changes, push.checkerSandbox);
  } catch (error) {
    restoreSpare(push, log);
    throw error;
  }
  const state = readState(layout.stateFile);
  const promotion = promote(layout, settings, { id: push.id, kind: 'push', live: push.live, changes, serials }, state);
  const commands = await reloadOrUndo(push, promotion, changes, state);
  const serialText = Object.entries(serials).map(([zone, serial]) => `${zone} ${String(serial)}`);
  const report = [
    `zonegate: zone set ${name}: release ${promotion.release} is live: ${String(changes.changed.length)} changed, ${String(changes.added.length)} added, ${String(changes.removed.length)} removed`,
    ...zoneListLines(changes),
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
      ...describeChanges(changes),
    },
  };
}

/** A refused push: the spare takes back the live versions of what rsync wrote (the log is complete). */
function restoreSpare(push: ZoneSetPush, log: TransferLog): void {
  if (log.refused.length > 0) return; // directories, links, escaped names: left for the next push's fresh copy
  try {
    mirrorFiles(treeDir(push.layout, push.live), push.spareDir, new Set([...log.written, ...log.deleted]));
    markSpareClean(push.layout);
  } catch {
    // Still marked: the next push copies it afresh.
  }
}

/**
 * Reloads and verifies a promotion; on success records it as the last good push and puts the spare
 * back in step. When the server does not take it, undoes it and throws.
 */
export async function reloadOrUndo(
  push: Pick<ZoneSetPush, 'layout' | 'settings'>,
  promotion: Promotion,
  changes: ZoneSetChanges,
  state: ZoneSetState,
): Promise<string[]> {
  const { layout, settings } = push;
  let commands: string[];
  try {
    commands = await reloadZones(settings, promotion.pending);
    const stale = await verifySerials(settings, promotion.pending.serials);
    if (stale.length > 0)
      throw new ZoneSetError('reload-failed', `the server does not serve the new serial of ${stale.join(', ')} after the reload`);
  } catch (error) {
    const pending = unpromote(layout, settings, promotion, changes, state);
    try {
      await reloadZones(settings, pending);
    } catch {
      // Best effort: the files are back; the report already says the push failed.
    }
    writeState(layout.stateFile, { ...state, pending: undefined });
    const message = isGateError(error) ? error.message : String(error);
    throw new ZoneSetError(
      'reload-failed',
      `${message}; rolled back to ${state.release ? `release ${state.release}` : 'the zones before it'}`,
      {
        cause: error,
        details: { zoneSet: settings.name, rolledBackTo: state.release, ...describeChanges(changes) },
      },
    );
  }
  writeState(layout.stateFile, { ...promotion.state, lastGoodPush: new Date().toISOString(), pending: undefined });
  // The new zones are served; what follows only tidies up, and a failure leaves the spare marked.
  try {
    settle(layout, promotion.pending.tree, touchedNames(changes));
    pruneReleases(layout, settings.keep, promotion.release);
  } catch {
    // The next push copies the spare afresh.
  }
  return commands;
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
  // The spare may hold anything the killed push wrote: the next step copies it afresh.
  markSpareDirty(layout, 'an interrupted promotion');
  if (pending.reconfig) writeNamedInclude(layout, live, settings.zoneFile);
  if (live !== pending.tree) {
    if (pending.dropOnAbort !== undefined) discard(layout, releaseDir(layout, pending.dropOnAbort));
    writeState(layout.stateFile, { ...state, ...pending.before, pending: undefined });
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
