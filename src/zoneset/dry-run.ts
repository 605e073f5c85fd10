// A dry run into a zone set (`zonegate push --dry-run`): rsync has written the push into the spare
// as for a real push; every check a real push makes runs (cost limits, zone names, the zone list,
// the delete share, the checker, serials), and the report says what would be promoted. Then the
// spare takes back the live files, exactly as after a refused push. The live tree, the zone set's
// state and what the server serves are never touched: no promote, no reload, no state write.

import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isGateError, ZoneSetError } from '../shared/errors.js';
import { GATE_DRY_RUN_PREFIX } from '../shared/exit-codes.js';
import { refuseZonesOutsideList } from './allowed-zones.js';
import { changesFromLog, hasChanges, type ZoneFile, type ZoneSetChanges } from './diff.js';
import { applyToWritten } from './file-attrs.js';
import { treeDir } from './layout.js';
import {
  describeChanges,
  markSpareDirtyQuietly,
  readTransferLog,
  restoreSpare,
  type ZoneSetOutcome,
  type ZoneSetPush,
} from './pipeline.js';
import { refuseOversizedOrTooMany } from './push-limits.js';
import { readSoaSerial } from './serial.js';
import { checkDeleteShare, validateZones } from './validate.js';
import { readLiveSerials, serialReader, trustedLiveSerials } from './live-serials.js';

/** Zones listed one per line; a push of thousands of zones says how many more. */
const MAX_LISTED = 200;

function liveSerial(liveDir: string, zone: ZoneFile): string {
  try {
    return String(readSoaSerial(readFileSync(join(liveDir, zone.file), 'utf8')) ?? '?');
  } catch {
    return '?';
  }
}

export function renderDryRun(name: string, changes: ZoneSetChanges, serials: Record<string, number>, liveDir: string): string[] {
  const serial = (zone: ZoneFile): string => String(serials[zone.zone] ?? '?');
  const lines = [
    ...changes.changed.map((z) => `changed ${z.zone} ${liveSerial(liveDir, z)} -> ${serial(z)}`),
    ...changes.added.map((z) => `added ${z.zone} ${serial(z)}`),
    ...changes.removed.map((z) => `removed ${z.zone} ${liveSerial(liveDir, z)}`),
  ];
  const listed = lines.slice(0, MAX_LISTED);
  if (lines.length > MAX_LISTED) listed.push(`(and ${String(lines.length - MAX_LISTED)} more)`);
  return [
    `zone set ${name}: would promote ${String(changes.changed.length)} changed, ${String(changes.added.length)} added, ${String(changes.removed.length)} removed; nothing was promoted`,
    ...listed,
  ].map((line) => `${GATE_DRY_RUN_PREFIX}${line}`);
}

/** Everything a real push checks after rsync, then the report; throws ZoneSetError as a real push would. */
export async function completeZoneSetDryRun(push: ZoneSetPush): Promise<ZoneSetOutcome> {
  const { settings } = push;
  const liveDir = treeDir(push.layout, push.live);
  const log = readTransferLog(push);
  try {
    chmodSync(push.spareDir, 0o755);
    refuseOversizedOrTooMany(log, settings);
    const changes = changesFromLog(liveDir, push.spareDir, log, settings.zoneFile);
    applyToWritten(push.spareDir, liveDir, log.written, push.attrs);
    let serials: Record<string, number> = {};
    if (hasChanges(changes)) {
      refuseZonesOutsideList(changes, settings.zones, settings.name);
      checkDeleteShare(changes, settings);
      const recorded = trustedLiveSerials(readLiveSerials(push.layout, serialReader(settings)), liveDir, changes);
      serials = await validateZones(settings, push.spareDir, liveDir, changes, push.checkerSandbox, recorded);
    }
    return {
      status: 0,
      report: hasChanges(changes)
        ? renderDryRun(settings.name, changes, serials, liveDir)
        : [`${GATE_DRY_RUN_PREFIX}zone set ${settings.name}: no zone changed; nothing would be promoted`],
      record: { zoneSet: settings.name, outcome: 'dry-run', dryRun: true, ...describeChanges(changes), serials },
    };
  } catch (error) {
    if (isGateError(error)) throw error;
    markSpareDirtyQuietly(push.layout);
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ZoneSetError('staging-failed', `zone set ${settings.name}: ${code} in a dry run; the live zones are unchanged`, {
      cause: error,
    });
  } finally {
    // Whatever the verdict, the spare takes back the live files (or stays marked for a fresh copy).
    restoreSpare(push, log);
  }
}
