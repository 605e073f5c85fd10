// The real programs the lab runs, by absolute path. A missing one fails the run (never skips) with
// the line that installs it.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';
export const SSH = '/usr/bin/ssh';
export const SSH_KEYGEN = '/usr/bin/ssh-keygen';
export const RSYNC = '/usr/bin/rsync';

/** Fails (never skips) when a real program the test needs is missing, with the line that installs it. */
export function requireTool(path: string, debianPackage: string): string {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is missing; this test uses the real program: apt-get install -y ${debianPackage}`);
  }
  return path;
}

const BIND_INSTALL = 'apt-get install -y bind9 bind9-utils bind9-dnsutils';
const SEARCH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of a BIND program (named, rndc, dig, named-checkzone); a missing one fails with the install line. */
export function bindTool(name: string): string {
  const dirs = [...SEARCH, ...(process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '')];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${name} is missing; this test uses the real BIND programs: ${BIND_INSTALL}`);
}
