// The push key, checked before ssh is run: ssh's own word for a missing or exposed key is a
// warning on stderr followed by "Permission denied (publickey)", which reads like a problem on the
// secondary. Checked here, the failure names the file and the fix, and is not retried.

import { statSync } from 'node:fs';

/** Why `identity` cannot work as an ssh private key, or undefined when it looks usable. */
export function identityProblem(identity: string): string | undefined {
  let stat;
  try {
    stat = statSync(identity);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return code === 'ENOENT'
      ? `the push key ${identity} does not exist (zonegate keygen makes one)`
      : `the push key ${identity} cannot be read (${code})`;
  }
  if (!stat.isFile()) return `the push key ${identity} is not a regular file`;
  // ssh refuses a private key that group or others may read ("UNPROTECTED PRIVATE KEY FILE").
  if ((stat.mode & 0o077) !== 0)
    return `the push key ${identity} is readable by group or others (mode ${(stat.mode & 0o777).toString(8)}); ssh refuses it: chmod 600 ${identity}`;
  return undefined;
}

/** ssh's own words about a key it would not use, for the summary when the pre-check could not tell. */
export const SSH_KEY_WARNING = /Load key .*|no such identity: .*|Permissions 0\d+ for .* are too open\.|UNPROTECTED PRIVATE KEY FILE/;
