// Which rsync options a zone-set upload may not use. Decided with the rest of the request in
// evaluate(), so the gate and `zonegate check` always agree.

import { ZoneSetError } from '../../shared/errors.js';
import type { RsyncRequest } from '../rsync-args.js';

/**
 * The first write into the destination file's own inode, which staging shares with the live file.
 * The others make rsync hard-link files, and the change detection (diff.ts) relies on every file
 * rsync writes having a link count of 1. -H has no long spelling the parser accepts.
 */
const REFUSED_LONG = new Set(['inplace', 'append', 'append-verify', 'write-devices', 'link-dest', 'copy-dest', 'compare-dest']);

export function refuseZoneSetOptions(request: RsyncRequest): void {
  const writer = request.longOptions.find((option) => REFUSED_LONG.has(option.name));
  // attack/accident: --inplace would write through the hard link into the file named is serving.
  if (writer) {
    throw new ZoneSetError(
      'option-refused-zoneset',
      `option --${writer.name} is refused for zone sets: it would write into the live zone files or hard-link them`,
    );
  }
  if (request.shortFlags.includes('H')) {
    throw new ZoneSetError('option-refused-zoneset', 'option -H is refused for zone sets: zone files are never hard links of each other');
  }
}
