// The bytes the client really sent. Node decodes process.env as UTF-8 and replaces what is not
// UTF-8 with U+FFFD, so the audit log would lose what an attacker (or a broken client) sent. When
// the decoded command holds a U+FFFD, the raw value is read back from /proc/self/environ (the
// environment sshd exec'd us with); the common, valid case never touches the file.

import { Buffer, isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';

const PREFIX = Buffer.from('SSH_ORIGINAL_COMMAND=');

/** SSH_ORIGINAL_COMMAND's raw bytes when they are not valid UTF-8, else undefined. */
export function readOriginalCommandBytes(decoded: string | undefined, environFile = '/proc/self/environ'): Buffer | undefined {
  if (decoded?.includes('\uFFFD') !== true) return undefined;
  let environ: Buffer;
  try {
    environ = readFileSync(environFile);
  } catch {
    return undefined;
  }
  // Entries are NUL-terminated NAME=value; getenv() (and so Node) uses the first match.
  for (let start = 0; start < environ.length;) {
    const nul = environ.indexOf(0, start);
    const end = nul === -1 ? environ.length : nul;
    if (environ.subarray(start, start + PREFIX.length).equals(PREFIX)) {
      const bytes = environ.subarray(start + PREFIX.length, end);
      return isUtf8(bytes) ? undefined : Buffer.from(bytes);
    }
    start = end + 1;
  }
  return undefined;
}
