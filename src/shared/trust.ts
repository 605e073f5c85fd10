// Who may have written a file the gate trusts (its config, its caches, the directories of its log
// and state): only root or the account running us, and nothing writable by group or others. The
// config's directories are walked up to / the way sshd's StrictModes walks authorized_keys.

import { realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

interface Owned {
  uid: number;
  mode: number;
}

const S_ISVTX = 0o1000;

export function runningUid(): number {
  return process.getuid?.() ?? 0;
}

/** Why a file or directory with this owner and mode cannot be trusted, or undefined. */
export function ownershipProblem(stat: Owned, uid = runningUid()): string | undefined {
  if (stat.uid !== 0 && stat.uid !== uid) return `owned by uid ${String(stat.uid)}, not root or the running user`;
  if ((stat.mode & 0o022) !== 0) return `writable by group or others (mode ${(stat.mode & 0o7777).toString(8)})`;
  return undefined;
}

/**
 * The first directory above `file` (after resolving symlinks) that others could use to swap the
 * file: owned by someone else, or writable by group or others. One difference from sshd: a
 * root-owned sticky directory such as /tmp passes, because others cannot rename or remove the
 * entries in it they do not own.
 */
export function parentDirectoryProblem(file: string, uid = runningUid()): { dir: string; problem: string } | undefined {
  let dir = dirname(realpathSync(file));
  for (;;) {
    const stat = statSync(dir);
    const stickyRoot = stat.uid === 0 && (stat.mode & S_ISVTX) !== 0;
    const problem = stickyRoot ? undefined : ownershipProblem(stat, uid);
    if (problem !== undefined) return { dir, problem };
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Whether `path` is `dir` or lies below it (both absolute and normalized). */
export function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);
}
