// Values written into a server's config (the zone list): double-quoted, and anything that would
// need escaping in named.conf, nsd.conf or knot.conf is refused rather than escaped. Zone names
// and file names come from the client; diff.ts already allows only DNS labels and the zoneFile
// pattern's characters, so this is the second line: a quote, a newline or a `#` here would let a
// pushed file name write its own config statements.

import { ZoneSetError } from '../../shared/errors.js';

/** No quote, backslash, space, control character, `#`, `;`, braces, or `%` (NSD and Knot substitute %s). */
const SAFE = /^[A-Za-z0-9._/+@=:,-]+$/;

export function confQuoted(value: string, what: string, server: string): string {
  if (!SAFE.test(value)) {
    throw new ZoneSetError('not-a-zone-file', `refusing to write ${what} ${JSON.stringify(value)} into ${server}'s zone list`);
  }
  return `"${value}"`;
}
