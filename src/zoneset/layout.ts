// Where a zone set keeps things, all under the rule's root so every rename stays on one filesystem:
//   current -> trees/a        the live zone files (named.conf points at current/<file>)
//   trees/a/, trees/b/        the live tree and the spare, which holds the same zones as hard links
//                             (no second copy) and is where the next push is received
//   releases/<id>/            one per promotion, for rollback: manifest.json and previous/, the
//                             files that push replaced or removed (its added files are listed)
//   .zonegate/                lock, state.json, the server's zone list (servers/zone-list.ts),
//                             spare-dirty, rsync's transfer log
//   .trash/                   what is being deleted, by a background rm after the push ends
// A push costs work for the zones it changes, not for the zones the set holds: rsync finds the
// spare already equal to the live tree, its transfer log names what it wrote, and promotion is one
// symlink rename followed by linking the changed files into the tree that is now the spare.

import { fsyncDirectory } from '../shared/atomic-write.js';
import { existsSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ZoneSetError } from '../shared/errors.js';
import { randomHex } from '../shared/random-hex.js';

export type TreeName = 'a' | 'b';

export interface ZoneSetLayout {
  root: string;
  current: string;
  trees: string;
  releases: string;
  trash: string;
  meta: string;
  lockFile: string;
  stateFile: string;
  /** Present while the spare may differ from the live tree; the next push then relinks it. */
  spareDirty: string;
  /** rsync's --log-file for the push under way: what it wrote and deleted. */
  transferLog: string;
}

export function layoutOf(root: string): ZoneSetLayout {
  const meta = join(root, '.zonegate');
  return {
    root,
    current: join(root, 'current'),
    trees: join(root, 'trees'),
    releases: join(root, 'releases'),
    trash: join(root, '.trash'),
    meta,
    lockFile: join(meta, 'lock'),
    stateFile: join(meta, 'state.json'),
    spareDirty: join(meta, 'spare-dirty'),
    transferLog: join(meta, 'transfer.log'),
  };
}

/** Sortable, unique release ids: UTC time to the millisecond plus a few random hex digits. */
export function newReleaseId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${stamp}-${randomHex(4)}`;
}

/** Creates the directories, and two empty trees with `current` on the first when the zone set is new. */
export function ensureLayout(layout: ZoneSetLayout): void {
  for (const dir of [layout.releases, layout.trash, layout.meta, treeDir(layout, 'a'), treeDir(layout, 'b')])
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (!existsSync(layout.current)) pointCurrentAt(layout, 'a');
}

export function treeDir(layout: ZoneSetLayout, tree: TreeName): string {
  return join(layout.trees, tree);
}

/** Which tree `current` points at; anything else is a layout zonegate did not make, and is refused. */
export function liveTree(layout: ZoneSetLayout): TreeName {
  const target = readlinkSync(layout.current);
  if (target === 'trees/a' || target === 'trees/b') return target.slice(-1) as TreeName;
  throw new ZoneSetError(
    'staging-failed',
    `${layout.current} points at ${JSON.stringify(target)}, not at trees/a or trees/b: not a zone set layout this zonegate made`,
  );
}

export function otherTree(tree: TreeName): TreeName {
  return tree === 'a' ? 'b' : 'a';
}

export function releaseDir(layout: ZoneSetLayout, id: string): string {
  return join(layout.releases, id);
}

/** The commit point: one rename swaps the whole zone set to the other tree. */
export function pointCurrentAt(layout: ZoneSetLayout, tree: TreeName): void {
  const temp = `${layout.current}.${randomHex(8)}.tmp`;
  symlinkSync(`trees/${tree}`, temp);
  renameSync(temp, layout.current);
  fsyncDirectory(layout.root);
}

/** Deletion in O(1) on the push's path: a rename into .trash, emptied by emptyTrash() or emptyTrashNow(). */
export function discard(layout: ZoneSetLayout, path: string): void {
  try {
    renameSync(path, join(layout.trash, `${Date.now().toString(36)}-${randomHex(6)}`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') rmSync(path, { recursive: true, force: true });
  }
}

/**
 * Empties .trash now: the first thing a push does under the lock, and after a failed preparation,
 * so that what failed never keeps the space a later push needs.
 */
export function emptyTrashNow(layout: ZoneSetLayout): void {
  for (const entry of readdirSync(layout.trash)) rmSync(join(layout.trash, entry), { recursive: true, force: true });
}

/**
 * Empties .trash in a detached `rm -rf`, so removing a spare of 10,000+ files never keeps the client
 * waiting. Whatever it leaves (a reboot) the next push's call removes.
 */
export async function emptyTrash(layout: ZoneSetLayout): Promise<void> {
  const entries = readdirSync(layout.trash).map((entry) => join(layout.trash, entry));
  if (entries.length === 0) return;
  const { spawn } = await import('node:child_process');
  const child = spawn('/bin/rm', ['-rf', '--', ...entries], { detached: true, stdio: 'ignore', env: {} });
  child.on('error', () => undefined);
  child.unref();
}
