// The rsync receiver in a zone set works on a spare tree whose unchanged files are hard links of
// the live ones (spare.ts). rsync writes new content into a temp file renamed over the name (a new
// inode), but applies attribute-only updates in place, to the existing inode (generator.c
// recv_generator → set_file_attrs() in rsync.c, for a file its quick check found up to date): with
// a shared inode that would chmod, chown or re-time the file named serves. So, for zone-set uploads:
//   - receiver-only switches that would do that are dropped from the rebuilt server argv: -p and
//     -E (the mode travels in the file list whatever they say; without them rsync leaves an existing
//     file's mode alone and gives a replacement the existing file's mode), and -t when -c or
//     --size-only make a file with other times count as up to date (its mtime would be set in place);
//   - switches that change the file list the client sends cannot be dropped on one side, so they are
//     refused: -o, -g (as root rsync chowns an up-to-date file in place), -A (ACLs), -U (atimes),
//     -N (crtimes).
// Owner, group and mode of live files come from the zone set's `files` setting (file-attrs.ts).

import { ZoneSetError } from '../shared/errors.js';
import type { RsyncRequest } from '../gate/rsync-args.js';

const REFUSED_SHORT = new Map([
  [
    'o',
    '-o (--owner) is refused for zone sets: owners of live zone files come from the zone set (push with --no-owner --no-group, or -rlpt instead of -a)',
  ],
  [
    'g',
    '-g (--group) is refused for zone sets: groups of live zone files come from the zone set (push with --no-owner --no-group, or -rlpt instead of -a)',
  ],
  ['A', '-A (--acls) is refused for zone sets: live zone files carry no client ACLs'],
  ['U', '-U (--atimes) is refused for zone sets: rsync would set access times of live files in place'],
  ['N', '-N (--crtimes) is refused for zone sets: rsync would set creation times of live files in place'],
]);

/** attack/accident: client options that would make rsync write attributes into a live inode. */
export function refuseInPlaceAttributes(request: RsyncRequest): void {
  for (const letter of request.shortFlags) {
    const why = REFUSED_SHORT.get(letter);
    if (why !== undefined) throw new ZoneSetError('option-refused-zoneset', `option ${why}`);
  }
}

/** The request as the zone-set receiver runs it: without the switches that chmod or re-time files in place. */
export function receiverRequest(request: RsyncRequest): RsyncRequest {
  // Under -c or --size-only a file counts as up to date whatever its times, and -t would then set
  // the client's mtime on it in place; without -t the receiver leaves it alone (new content still
  // lands in a new inode, timed now, and the next push's checksums find it up to date).
  const contentOnly = request.shortFlags.includes('c') || request.longOptions.some((option) => option.name === 'size-only');
  return { ...request, shortFlags: request.shortFlags.replace(contentOnly ? /[pEt]/g : /[pE]/g, '') };
}
