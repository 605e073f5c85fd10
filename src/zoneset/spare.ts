// The spare tree: the live tree's files as hard links (no second copy of the data), where rsync
// receives the next push. rsync never writes into an existing file there: new content goes into a
// temp file renamed over the name (a new inode, --inplace and --append are refused), and the argv
// rules in receiver.ts leave it nothing to chmod, chown or re-time in place. So a push takes space
// only for the files it changes. After each push the spare is brought back in step by linking only
// the files the push touched.

import {
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { ZoneSetError } from '../shared/errors.js';
import { discard, emptyTrashNow, liveTree, otherTree, treeDir, type ZoneSetLayout } from './layout.js';
import { faultPoint } from './fault.js';

const CP = '/bin/cp';

/** Marks the spare as possibly out of step; written before rsync touches it. */
export function markSpareDirty(layout: ZoneSetLayout, why: string): void {
  writeFileSync(layout.spareDirty, `${why}\n`, { mode: 0o644 });
}

export function markSpareClean(layout: ZoneSetLayout): void {
  rmSync(layout.spareDirty, { force: true });
}

export function spareIsDirty(layout: ZoneSetLayout): boolean {
  return existsSync(layout.spareDirty);
}

/**
 * Removes a spare that may differ from the live tree (a killed or failed transfer, a crash before it
 * was put back in step) at once, .trash included, leaving an empty directory: what a failed push
 * wrote never keeps the space or the inodes the next one needs.
 */
export function dropSpare(layout: ZoneSetLayout): void {
  const spare = treeDir(layout, otherTree(liveTree(layout)));
  discard(layout, spare);
  emptyTrashNow(layout);
  mkdirSync(spare, { mode: 0o755 });
}

/**
 * Refills a dropped spare with hard links of every live file: a directory entry per zone, no data,
 * no inodes. The one step whose cost grows with the zone set, taken only after something went
 * wrong. When it fails (no room even for directory entries), what it made is removed at once.
 */
export function rebuildSpare(layout: ZoneSetLayout): void {
  const tree = liveTree(layout);
  const live = treeDir(layout, tree);
  const spare = treeDir(layout, otherTree(tree));
  try {
    for (const name of readdirSync(live)) {
      if (lstatSync(join(live, name)).isFile()) linkSync(join(live, name), join(spare, name));
      faultPoint('spare-link');
    }
  } catch (error) {
    dropSpare(layout);
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const reason = code === 'ENOSPC' || code === 'EDQUOT' ? 'no-space' : 'staging-failed';
    throw new ZoneSetError(reason, `cannot link the live zones into the spare tree (${code}); the live zones are unchanged`, {
      cause: error,
    });
  }
  markSpareClean(layout);
}

/**
 * A full copy into a new directory `to` with cp -a (modes, times and, as root, owners kept, so
 * rsync's quick check finds every file unchanged); `to` is removed again when the copy fails.
 */
export async function copyTree(layout: ZoneSetLayout, from: string, to: string, what: string): Promise<void> {
  mkdirSync(to, { mode: 0o755 });
  const { spawnSync } = await import('node:child_process');
  const result = spawnSync(CP, ['-a', '--reflink=auto', '--', `${from}/.`, to], { stdio: ['ignore', 'ignore', 'pipe'], env: {} });
  if (result.status !== 0) {
    discard(layout, to);
    mkdirSync(to, { mode: 0o755 });
    const said = result.error ? String((result.error as NodeJS.ErrnoException).code) : result.stderr.toString().trim().split('\n')[0];
    throw new ZoneSetError('staging-failed', `cannot copy the live zones into ${what} (${said ?? 'error'}); the live zones are unchanged`);
  }
}

/**
 * Makes `names` in `target` what they are in `source`: the same inode, or no file where the source
 * has none. Files not named are not looked at. `target` is always the spare, marked dirty while
 * this runs (a push, a refused push, a rollback, an undone promotion), and neither named nor any
 * reader looks at the spare's names: so each name is unlinked and linked again, two system calls,
 * rather than linked beside it and renamed into place (five, and an exception each; 90 ms of the
 * 2,000-zone push in issue 15). A crash between the two leaves a name missing in a spare still
 * marked dirty, which the next push relinks whole, as after any crash here.
 */
export function mirrorFiles(source: string, target: string, names: Iterable<string>): void {
  for (const name of names) {
    const from = join(source, name);
    const to = join(target, name);
    try {
      unlinkSync(to);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    // The one state the two calls add: the name gone from the spare (test/integration/zoneset-faults.test.ts).
    faultPoint('mirror-unlinked');
    try {
      linkSync(from, to);
    } catch (error) {
      // The source has no such file (a removed zone): the unlink above was the whole job. Anything
      // else, a missing target directory included, fails as it did.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || lstatSync(from, { throwIfNoEntry: false }) !== undefined) throw error;
    }
    faultPoint('mirror-link');
  }
}

/**
 * Puts a copy of `from` at `dir/name` with the given mtime: written beside it under a dot name and
 * renamed over it, so the name never shows a half-written file.
 */
export function placeCopy(from: string, dir: string, name: string, mtime: Date): void {
  const temp = join(dir, `.${name}.zonegate-copy`);
  copyFileSync(from, temp);
  utimesSync(temp, mtime, mtime);
  renameSync(temp, join(dir, name));
}
