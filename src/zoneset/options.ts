// Which rsync options a zone-set upload may not use. Decided with the rest of the request in
// evaluate(), so the gate and `zonegate check` always agree.

import { ZoneSetError } from '../shared/errors.js';
import type { RsyncRequest } from '../gate/rsync-args.js';

/**
 * What a zone set refuses, and why. A push is judged by rsync's transfer log (transfer-log.ts), so
 * anything that leaves files in the tree without an item in that log is out, as is anything that
 * writes into a file in place or links files to other trees. -H has no long spelling the parser accepts.
 */
const REFUSED_LONG = new Map([
  ['inplace', 'it writes into the zone files in place'],
  ['append', 'it writes into the zone files in place'],
  ['append-verify', 'it writes into the zone files in place'],
  ['write-devices', 'it writes into the zone files in place'],
  ['link-dest', 'zone files are never hard links to other trees'],
  ['copy-dest', 'zone files come from the push, not from other trees'],
  ['compare-dest', 'zone files come from the push, not from other trees'],
  ['backup-dir', 'backups would be files rsync does not report; releases keep the previous zones'],
  ['suffix', 'backups would be files rsync does not report; releases keep the previous zones'],
  ['partial-dir', 'a partial directory would be left in the zone set; a failed push is never kept'],
]);

export function refuseZoneSetOptions(request: RsyncRequest): void {
  // attack/accident: --inplace would write into a file while named might load it; -b would plant
  // files (db.example~) that no transfer log item names.
  for (const option of request.longOptions) {
    const why = REFUSED_LONG.get(option.name);
    if (why !== undefined) throw new ZoneSetError('option-refused-zoneset', `option --${option.name} is refused for zone sets: ${why}`);
  }
  if (request.shortFlags.includes('H')) {
    throw new ZoneSetError('option-refused-zoneset', 'option -H is refused for zone sets: zone files are never hard links of each other');
  }
  if (request.shortFlags.includes('b')) {
    throw new ZoneSetError(
      'option-refused-zoneset',
      'option -b (--backup) is refused for zone sets: backups would be files rsync does not report; releases keep the previous zones',
    );
  }
}
