// Validation before anything goes live: no mass deletion, every added or changed zone passes the
// checker (named-checkzone with strict flags by default) under rlimits, after a cheap pre-scan of
// its text, and every changed zone's serial went up, read the same way for the live and the new file.

import { join } from 'node:path';
import { ZoneSetError } from '../shared/errors.js';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import type { ZoneSetChanges } from './diff.js';
import { checkZonesInBatches } from './batch-check.js';
import type { CheckerSandbox } from './zone-checker.js';
import { prescanZone } from './prescan.js';
import { serialIncreased } from './serial.js';

export { PRLIMIT, checkerArgv, type CheckerSandbox } from './zone-checker.js';

export function checkDeleteShare(changes: ZoneSetChanges, settings: ZoneSetSettings): void {
  if (changes.removed.length === 0 || changes.before === 0) return;
  const share = changes.removed.length / changes.before;
  // An empty or unmounted source directory on the primary would otherwise wipe the secondary.
  if (share > settings.maxDeleteShare) {
    throw new ZoneSetError(
      'too-many-deletions',
      `the push would delete ${String(changes.removed.length)} of ${String(changes.before)} zones (${String(Math.round(share * 100))}%, limit ${String(Math.round(settings.maxDeleteShare * 100))}%); an empty or unmounted source? nothing was changed`,
    );
  }
}

/** Checks added and changed zones; returns their new serials. */
export async function validateZones(
  settings: ZoneSetSettings,
  spareDir: string,
  liveDir: string,
  changes: ZoneSetChanges,
  sandbox?: CheckerSandbox,
): Promise<Record<string, number>> {
  const touched = [...changes.changed, ...changes.added];
  const { limits } = settings;
  // Every pushed zone is pre-scanned before any checker starts: the cheap refusals come first.
  for (const zone of touched) prescanZone(join(spareDir, zone.file), zone, limits);
  const jobs = [
    ...touched.map((zone) => ({ ...zone, dir: spareDir, which: 'pushed' as const })),
    ...changes.changed.map((zone) => ({ ...zone, dir: liveDir, which: 'live' as const })),
  ];
  // Many zones per checker process (batch-check.ts); a failed batch is re-checked zone by zone.
  const serials = await checkZonesInBatches(settings, jobs, sandbox);
  const result: Record<string, number> = {};
  const live: Record<string, number | undefined> = {};
  for (const [index, job] of jobs.entries()) {
    const serial = serials[index];
    if (job.which === 'live') {
      live[job.zone] = serial;
      continue;
    }
    if (serial === undefined) throw new ZoneSetError('zone-invalid', `zone ${job.zone} (${job.file}) has no readable SOA serial`);
    result[job.zone] = serial;
  }
  for (const zone of changes.changed) {
    const before = live[zone.zone];
    const after = result[zone.zone] ?? 0;
    // An unreadable live serial is a refusal, never a skipped check (a decoy line used to do that).
    if (before === undefined) {
      throw new ZoneSetError(
        'serial-not-increased',
        `zone ${zone.zone}: the live copy has no SOA serial zonegate can read, so the new serial ${String(after)} cannot be compared; the admin of this secondary must repair the live zone`,
        { details: { zone: zone.zone, after } },
      );
    }
    // named loads a backwards serial on a primary with only a log line; its secondaries would not.
    if (!serialIncreased(before, after)) {
      throw new ZoneSetError(
        'serial-not-increased',
        `zone ${zone.zone}: serial ${String(after)} is not greater than the live ${String(before)} (RFC 1982); bump the SOA serial`,
        {
          details: { zone: zone.zone, before, after },
        },
      );
    }
  }
  return result;
}
