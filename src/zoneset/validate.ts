// Validation before anything goes live: no mass deletion, every added or changed zone passes the
// server's checker (servers/: named-checkzone with strict flags by default, nsd-checkzone,
// kzonecheck) under rlimits, after a cheap pre-scan of its text, and every changed zone's serial
// went up, read the same way for the live and the new file: by the checker now, or by the checker
// when that very live file was pushed (live-serials.ts; only while its identity is unchanged).

import { join } from 'node:path';
import { ZoneSetError } from '../shared/errors.js';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import type { ZoneSetChanges } from './diff.js';
import { prescanZone } from './prescan.js';
import { serialIncreased } from './serial.js';
import { serverAdapter } from './servers/adapters.js';
import type { CheckerSandbox, CheckJob } from './servers/types.js';
import type { SignatureScan } from './dnssec-rrsig.js';

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

/**
 * Checks added and changed zones; returns their new serials. `recorded`: live serials the checker
 * read when those live files were pushed (trustedLiveSerials); the other live copies are checked.
 * `scans` receives each pushed zone's DNSSEC scan from the pre-scan, for guardSignatures.
 */
export async function validateZones(
  settings: ZoneSetSettings,
  spareDir: string,
  liveDir: string,
  changes: ZoneSetChanges,
  sandbox?: CheckerSandbox,
  recorded: ReadonlyMap<string, number> = new Map(),
  scans?: Map<string, SignatureScan>,
): Promise<Record<string, number>> {
  const touched = [...changes.changed, ...changes.added];
  const { limits } = settings;
  // Every pushed zone is pre-scanned before any checker starts: the cheap refusals come first.
  const sizes = new Map<string, number>();
  for (const zone of touched) {
    const { size, scan } = prescanZone(join(spareDir, zone.file), zone, limits);
    sizes.set(zone.zone, size);
    scans?.set(zone.zone, scan);
  }
  const jobs: CheckJob[] = [
    ...touched.map(({ zone, file }) => ({ zone, file, dir: spareDir, which: 'pushed' as const, size: sizes.get(zone) })),
    ...changes.changed
      .filter(({ zone }) => !recorded.has(zone))
      .map(({ zone, file }) => ({ zone, file, dir: liveDir, which: 'live' as const })),
  ];
  const serials = await serverAdapter(settings.server).checkZones(settings, jobs, sandbox);
  const result: Record<string, number> = {};
  const live: Record<string, number | undefined> = Object.fromEntries(recorded);
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
    // named, NSD and Knot all load a backwards serial from a file (named with a log line); their secondaries would not.
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
