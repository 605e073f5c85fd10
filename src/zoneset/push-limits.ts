// Limits on one push as a whole, beside the per-zone pre-scan (prescan.ts): the server-side rsync
// options that bound what a push may write and how long it may sit idle, and what the transfer log
// says was skipped or touched.

import { ZoneSetError } from '../shared/errors.js';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import { maxSizeOptions, type TransferLog } from './transfer-log.js';

/** The longest a push's connection may stay idle, whatever the deadline on the whole transfer. */
const IDLE_TIMEOUT_SECONDS = 60;

/**
 * Options the gate adds to a zone-set push's server argv: --max-size so a huge file never lands on
 * disk, and --timeout so a stalled client is dropped (the whole transfer's deadline is
 * transferTimeoutSeconds, enforced by the gate).
 */
export function zoneSetServerOptions(settings: ZoneSetSettings): string[] {
  return [
    ...maxSizeOptions(settings.limits.zoneBytes),
    `--timeout=${String(Math.min(IDLE_TIMEOUT_SECONDS, settings.transferTimeoutSeconds))}`,
  ];
}

/** Printable for the client and the log: the name as rsync logged it, cut short. */
function shown(name: string): string {
  return JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
}

export function refuseOversizedOrTooMany(log: TransferLog, settings: ZoneSetSettings): void {
  const [oversized] = log.oversized;
  // rsync skipped it without an error: going live without that zone's new version would be silent.
  if (oversized !== undefined) {
    throw new ZoneSetError(
      'limit-exceeded',
      `${shown(oversized)} is larger than ${String(settings.limits.zoneBytes)} bytes (zoneSet.limits.zoneBytes on this secondary); nothing was changed`,
      { details: { limit: 'zoneBytes', file: oversized.slice(0, 200) } },
    );
  }
  const files = log.written.length + log.deleted.length;
  if (files > settings.limits.filesPerPush) {
    throw new ZoneSetError(
      'limit-exceeded',
      `the push writes or deletes ${String(files)} files, more than ${String(settings.limits.filesPerPush)} (zoneSet.limits.filesPerPush on this secondary); nothing was changed`,
      { details: { limit: 'filesPerPush', files } },
    );
  }
}
