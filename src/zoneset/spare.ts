// The spare tree: a copy of the live tree with its own inodes, so that rsync can work on it exactly
// as it would on the live files (deltas, --delete, attribute updates) while the live inodes are never
// written, not even their modes or times. After each push it is brought back in step with the live
// tree by copying only the files the push touched.

import {
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { ZoneSetError } from '../shared/errors.js';
import { discard, liveTree, otherTree, treeDir, type ZoneSetLayout } from './layout.js';

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
 * Replaces a spare that may differ from the live tree (a killed transfer, a crash before it was put
 * back in step) with a fresh full copy: the one step whose cost grows with the zone set, taken only
 * after something went wrong.
 */
export async function rebuildSpare(layout: ZoneSetLayout): Promise<void> {
  const tree = liveTree(layout);
  const live = treeDir(layout, tree);
  const spare = treeDir(layout, otherTree(tree));
  discard(layout, spare);
  await copyTree(layout, live, spare, 'the spare tree');
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
 * Makes `names` in `target` what they are in `source`: a copy (mode, times and, as root, owner kept)
 * renamed into place, or no file where the source has none. Files not named are not looked at.
 */
export function mirrorFiles(source: string, target: string, names: Iterable<string>): void {
  const asRoot = process.getuid?.() === 0;
  for (const name of names) {
    const from = join(source, name);
    const to = join(target, name);
    const stat = lstatSync(from, { throwIfNoEntry: false });
    if (stat === undefined) {
      try {
        unlinkSync(to);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      continue;
    }
    placeCopy(from, target, name, stat.mtime);
    if (asRoot) chownSync(to, stat.uid, stat.gid);
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
