// A push into a zone set, around the rsync run: lock, finish what a killed gate left, make sure the
// spare is in step; then, only if rsync succeeded, read its transfer log, validate what changed,
// promote, reload and verify, rolling back when the server does not take the new zones. The live
// tree changes in exactly one place (pointCurrentAt) and only after every check passed.
// Over 300 lines on purpose: the order of these steps is the safety argument, read top to bottom;
// the per-step work lives in the modules it calls (validate, promote, reload, dnssec-*, live-serials).

import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ZoneSetError, isGateError } from '../shared/errors.js';
import { PhaseClock } from '../shared/phase-timing.js';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import { refuseZonesOutsideList } from './allowed-zones.js';
import { changesFromLog, hasChanges, zoneListLines, type ZoneSetChanges } from './diff.js';
import { faultPoint } from './fault.js';
import { applyToWritten, type FileAttrs } from './file-attrs.js';
import { refuseIfHeld } from './hold.js';
import { layoutOf, liveTree, newReleaseId, otherTree, treeDir, type TreeName, type ZoneSetLayout } from './layout.js';
import { asZoneSetError, openZoneSet, type OpenedZoneSet } from './open.js';
import { promote, settle, touchedNames, unpromote, type Promotion } from './promote.js';
import { refuseOversizedOrTooMany } from './push-limits.js';
import { pruneReleases } from './releases.js';
import { reloadZones, verifySerials } from './reload.js';
import { pickZoneFiles, reconcileServed, type ServedCheck } from './served-check.js';
import { dropSpare, markSpareClean, markSpareDirty, mirrorFiles } from './spare.js';
import { readState, writeState, type ZoneSetState } from './state.js';
import { parseTransferLog, type TransferLog } from './transfer-log.js';
import { serverAdapter } from './servers/adapters.js';
import type { CheckerSandbox } from './servers/types.js';
import { checkDeleteShare, validateZones } from './validate.js';
import { guardSignatures, type SignedZones } from './dnssec-guard.js';
import type { SignatureScan } from './dnssec-rrsig.js';
import { recordSignatures } from './dnssec-record.js';
import { readLiveSerials, recordLiveSerials, serialReader, trustedLiveSerials } from './live-serials.js';

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
  /** The spare had to be linked afresh (an earlier push failed or was killed). */
  spareRebuilt: boolean;
  /** Owner, group and mode for the files that go live. */
  attrs: FileAttrs;
  /** Compare every served serial with the live tree, not only a sample (the journal was not trusted). */
  checkAllServed: boolean;
  /** Where this push's time goes (check, promote, reload, verify here; the gate adds its start and the transfer). */
  clock: PhaseClock;
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
    faultPoint('prepared');
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
      attrs: opened.attrs,
      checkAllServed: opened.checkAllServed,
      clock: new PhaseClock(),
      finish: () => {
        held.release();
      },
    };
  } catch (error) {
    opened?.lock.release();
    throw asZoneSetError(error, settings);
  }
}

/** After a failed rsync run: what it wrote into the spare is removed now, not by the next push. */
export function abandonZoneSetPush(push: ZoneSetPush): void {
  try {
    dropSpare(push.layout);
  } catch {
    // Still marked: the next push drops it before it measures the free space.
  }
}

export function describeChanges(changes: ZoneSetChanges): Record<string, string[]> {
  return {
    added: changes.added.map((z) => z.zone),
    changed: changes.changed.map((z) => z.zone),
    removed: changes.removed.map((z) => z.zone),
  };
}

export function readTransferLog(push: ZoneSetPush): TransferLog {
  const log = parseTransferLog(readFileSync(push.layout.transferLog, 'utf8'));
  // Without a complete log, what rsync wrote is unknown: the spare stays marked and is relinked.
  if (log === undefined) throw new ZoneSetError('staging-failed', "rsync's transfer log is missing or incomplete; nothing was promoted");
  return log;
}

/** Everything after a successful rsync run; throws ZoneSetError when the push is refused. */
export async function completeZoneSetPush(push: ZoneSetPush): Promise<ZoneSetOutcome> {
  try {
    return await completeReceivedPush(push);
  } catch (error) {
    if (isGateError(error)) throw error;
    // A write that failed where no step expected it (ENOSPC, EIO): the spare is relinked by the next
    // push, and the client hears whether the live zones changed; the journal covers the rest.
    markSpareDirtyQuietly(push.layout);
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const liveChanged = liveTree(push.layout) !== push.live;
    const outcome = liveChanged ? 'the new zones are live and the next push finishes the reload' : 'the live zones are unchanged';
    throw new ZoneSetError(
      code === 'ENOSPC' || code === 'EDQUOT' ? 'no-space' : 'staging-failed',
      `zone set ${push.settings.name}: ${code} after rsync; ${outcome}`,
      { cause: error, details: { liveChanged } },
    );
  }
}

export function markSpareDirtyQuietly(layout: ZoneSetLayout): void {
  try {
    markSpareDirty(layout, 'a push failed after rsync');
  } catch {
    // Marked since prepareZoneSetPush() unless a step had already put the spare back in step.
  }
}

async function completeReceivedPush(push: ZoneSetPush): Promise<ZoneSetOutcome> {
  const { settings, layout } = push;
  const name = settings.name;
  const liveDir = treeDir(layout, push.live);
  // The check phase ends once, whichever way it ends (verify's own time is not counted twice).
  let checkStarted: number | undefined = push.clock.start();
  const endCheck = (): void => {
    if (checkStarted !== undefined) push.clock.stop('check', checkStarted);
    checkStarted = undefined;
  };
  const log = readTransferLog(push);
  faultPoint('received');
  // The client's mode for its top directory must not make the tree unreadable to named.
  chmodSync(push.spareDir, 0o755);
  let changes: ZoneSetChanges;
  let serials: Record<string, number>;
  let signed: SignedZones;
  let liveChecked = 0;
  try {
    refuseOversizedOrTooMany(log, settings);
    changes = changesFromLog(liveDir, push.spareDir, log, settings.zoneFile);
    // Owner, group and mode from the zone set, before the checker reads what named will read.
    applyToWritten(push.spareDir, liveDir, log.written, push.attrs);
    if (!hasChanges(changes)) {
      // Byte for byte the live zones (times or modes aside): nothing to promote, the spare stays.
      markSpareClean(layout);
      endCheck();
      const check = await push.clock.time('verify', () => checkServed(push, undefined));
      // Still a good push: the primary is alive and in step, which is what monitoring asks.
      writeState(layout.stateFile, { ...readState(layout.stateFile), lastGoodPush: new Date().toISOString(), servedCheck: check });
      return {
        status: 0,
        report: [`zonegate: zone set ${name}: no zone changed; nothing to promote`, ...servedReport(name, check)],
        record: { zoneSet: name, outcome: 'unchanged', ...describeChanges(changes), servedCheck: check },
      };
    }
    refuseZonesOutsideList(changes, settings.zones, name);
    checkDeleteShare(changes, settings);
    const recorded = trustedLiveSerials(readLiveSerials(layout, serialReader(settings)), liveDir, changes);
    liveChecked = changes.changed.length - recorded.size;
    const scans = new Map<string, SignatureScan>();
    serials = await validateZones(settings, push.spareDir, liveDir, changes, push.checkerSandbox, recorded, scans);
    signed = await guardSignatures(settings, push.spareDir, changes, push.checkerSandbox?.bwrap, { scans });
    faultPoint('validated');
  } catch (error) {
    endCheck();
    restoreSpare(push, log);
    throw error;
  }
  endCheck();
  // Promote counts everything the promotion does, its bookkeeping after the reload included, so
  // the phases add up to the push (issue 15: ~90 ms at 2,000 zones was in no phase).
  const { state, promotion } = await push.clock.time('promote', () => {
    const before = readState(layout.stateFile);
    return {
      state: before,
      promotion: promote(layout, settings, { id: push.id, kind: 'push', live: push.live, changes, serials }, before),
    };
  });
  const swapped = performance.now();
  const commands = await reloadOrUndo(push, promotion, changes, state);
  await push.clock.time('promote', () => {
    recordSignatures(layout, changes, signed);
    recordLiveSerials(layout, settings, changes, serials);
  });
  const unverifiedMs = Math.round(performance.now() - swapped);
  // The changed and added zones were verified just now; the check covers the earlier releases' zones.
  const check = await push.clock.time('verify', () => checkServed(push, promotion.release));
  if (check !== undefined) writeState(layout.stateFile, { ...readState(layout.stateFile), servedCheck: check });
  const serialText = Object.entries(serials).map(([zone, serial]) => `${zone} ${String(serial)}`);
  const report = [
    `zonegate: zone set ${name}: release ${promotion.release} is live: ${String(changes.changed.length)} changed, ${String(changes.added.length)} added, ${String(changes.removed.length)} removed`,
    ...zoneListLines(changes),
    ...(serialText.length > 0 ? [`zonegate: serials: ${serialText.join(', ')}`] : []),
    ...(commands.length > 0 ? [`zonegate: ${reloadReport(settings, commands)}${settings.verify ? ', new serials verified' : ''}`] : []),
    ...servedReport(name, check),
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
      liveChecked,
      unverifiedMs,
      servedCheck: check,
      stagesMs: push.clock.phases(),
    },
  };
}

/** "rndc reload a.example; rndc reload b.example", or a count when there were many. */
function reloadReport(settings: ZoneSetSettings, commands: readonly string[]): string {
  const program = serverAdapter(settings.server).program;
  return commands.length > 6 ? `${String(commands.length)} ${program} commands` : `${program} ${commands.join(`; ${program} `)}`;
}

/** The served serials of the last releases' zones but `verified`'s (all when the journal was not trusted). */
async function checkServed(push: ZoneSetPush, verified: string | undefined): Promise<ServedCheck | undefined> {
  const check = await reconcileServed(push.settings, push.layout, pickZoneFiles(push.layout, verified, push.checkAllServed));
  faultPoint('served-checked');
  return check;
}

function servedReport(name: string, check: ServedCheck | undefined): string[] {
  if (check === undefined || check.reloaded.length === 0) return [];
  const fixed = check.reloaded.filter((zone) => !check.stale.includes(zone));
  return [
    ...(fixed.length > 0
      ? [`zonegate: zone set ${name}: the server served an old serial of ${fixed.join(', ')}; reloaded, now in step`]
      : []),
    ...(check.stale.length > 0
      ? [`zonegate: zone set ${name}: the server still does not serve the live serial of ${check.stale.join(', ')}`]
      : []),
  ];
}

/** A refused push: the spare takes back the live versions of what rsync wrote (the log is complete). */
export function restoreSpare(push: ZoneSetPush, log: TransferLog): void {
  if (log.refused.length > 0) return; // directories, links, escaped names: left for the next push's fresh copy
  try {
    mirrorFiles(treeDir(push.layout, push.live), push.spareDir, new Set([...log.written, ...log.deleted]));
    markSpareClean(push.layout);
  } catch {
    // Still marked: the next push relinks it.
  }
}

/**
 * Reloads and verifies a promotion; on success records it as the last good push and puts the spare
 * back in step. When the server does not take it, undoes it and throws.
 */
export async function reloadOrUndo(
  push: Pick<ZoneSetPush, 'layout' | 'settings'> & { clock?: PhaseClock },
  promotion: Promotion,
  changes: ZoneSetChanges,
  state: ZoneSetState,
): Promise<string[]> {
  const { layout, settings } = push;
  const clock = push.clock ?? new PhaseClock();
  // The verify window (docs/configuration.md): named may serve the new zones from its reload until
  // the rollback's reload, when the server does not take them; measured for the audit log.
  const swapped = performance.now();
  let commands: string[];
  try {
    faultPoint('promoted');
    // The promotion counted the zones; a tree is read only when an older state did not.
    const zonesInSet = (): number => promotion.state.zones ?? readdirSync(treeDir(layout, promotion.pending.tree)).length;
    commands = await clock.time('reload', () => reloadZones(settings, promotion.pending, zonesInSet));
    faultPoint('reloaded');
    const stale = await clock.time('verify', () => verifySerials(settings, promotion.pending.serials));
    if (stale.length > 0)
      throw new ZoneSetError('reload-failed', `the server does not serve the new serial of ${stale.join(', ')} after the reload`);
  } catch (error) {
    const pending = unpromote(layout, settings, promotion, changes, state);
    try {
      await clock.time('reload', () =>
        reloadZones(settings, pending, () => state.zones ?? readdirSync(treeDir(layout, pending.tree)).length),
      );
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
        details: {
          zoneSet: settings.name,
          rolledBackTo: state.release,
          ...describeChanges(changes),
          exposedMs: Math.round(performance.now() - swapped),
        },
      },
    );
  }
  writeState(layout.stateFile, { ...promotion.state, lastGoodPush: new Date().toISOString(), pending: undefined });
  // The new zones are served; what follows only tidies up, and a failure leaves the spare marked.
  faultPoint('verified');
  const tidying = clock.start();
  try {
    settle(layout, promotion.pending.tree, touchedNames(changes));
    faultPoint('settled');
    pruneReleases(layout, settings.keep, promotion.release);
  } catch {
    // The spare stays marked: the next push relinks it.
  }
  clock.stop('promote', tidying);
  return commands;
}
