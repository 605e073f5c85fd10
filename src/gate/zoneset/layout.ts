// Where a zone set keeps things, all under the rule's root so every rename stays on one filesystem:
//   current -> releases/<id>   the live zone files (named.conf points at current/<file>)
//   releases/<id>/             this and previous releases, kept for rollback
//   .staging/<id>/             a push being received; never served, removed when not promoted
//   .zonegate/                 lock, state.json, named-zones.conf
//   .trash/                    what is being deleted, by a background rm after the push ends

import { existsSync, fsyncSync, closeSync, openSync, mkdirSync, readlinkSync, renameSync, symlinkSync, rmSync, readdirSync } from 'node:fs';
import { randomHex } from '../random-hex.js';
import { join } from 'node:path';

export interface ZoneSetLayout {
  root: string;
  current: string;
  releases: string;
  staging: string;
  trash: string;
  meta: string;
  lockFile: string;
  stateFile: string;
  namedInclude: string;
}

export function layoutOf(root: string): ZoneSetLayout {
  const meta = join(root, '.zonegate');
  return {
    root,
    current: join(root, 'current'),
    releases: join(root, 'releases'),
    staging: join(root, '.staging'),
    trash: join(root, '.trash'),
    meta,
    lockFile: join(meta, 'lock'),
    stateFile: join(meta, 'state.json'),
    namedInclude: join(meta, 'named-zones.conf'),
  };
}

/** Sortable, unique release ids: UTC time to the millisecond plus a few random hex digits. */
export function newReleaseId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${stamp}-${randomHex(4)}`;
}

/** Creates the directories, and an empty first release when the zone set is new. */
export function ensureLayout(layout: ZoneSetLayout): void {
  for (const dir of [layout.releases, layout.staging, layout.trash, layout.meta]) mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (!existsSync(layout.current)) {
    const id = newReleaseId();
    mkdirSync(join(layout.releases, id), { mode: 0o755 });
    pointCurrentAt(layout, id);
  }
}

export function currentReleaseId(layout: ZoneSetLayout): string {
  return readlinkSync(layout.current).replace(/^releases\//, '');
}

export function releaseDir(layout: ZoneSetLayout, id: string): string {
  return join(layout.releases, id);
}

export function listReleases(layout: ZoneSetLayout): string[] {
  return readdirSync(layout.releases).sort();
}

/** The commit point: one rename swaps the whole zone set to another release. */
export function pointCurrentAt(layout: ZoneSetLayout, id: string): void {
  const temp = `${layout.current}.${randomHex(8)}.tmp`;
  symlinkSync(`releases/${id}`, temp);
  renameSync(temp, layout.current);
  syncDir(layout.root);
}

export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The staging copy an unchanged push leaves for the next one: identical to the live release it
 * was made from, so the next push can skip linking every file again.
 */
export function spareName(liveId: string): string {
  return `spare-${liveId}`;
}

/** Moves what a killed push left in .staging to the trash, keeping the spare for `liveId`; under the lock. */
export function removeLeftoverStaging(layout: ZoneSetLayout, liveId: string): string[] {
  const leftovers = readdirSync(layout.staging).filter((entry) => entry !== spareName(liveId));
  for (const entry of leftovers) discard(layout, join(layout.staging, entry));
  return leftovers;
}

/** Deletion in O(1) on the push's path: a rename into .trash, emptied by emptyTrash(). */
export function discard(layout: ZoneSetLayout, path: string): void {
  try {
    renameSync(path, join(layout.trash, `${Date.now().toString(36)}-${randomHex(6)}`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') rmSync(path, { recursive: true, force: true });
  }
}

/**
 * Empties .trash in a detached `rm -rf`, so removing an old release of 10,000+ files never keeps
 * the client waiting. Whatever it leaves (a reboot) the next push's call removes.
 */
export async function emptyTrash(layout: ZoneSetLayout): Promise<void> {
  const entries = readdirSync(layout.trash).map((entry) => join(layout.trash, entry));
  if (entries.length === 0) return;
  const { spawn } = await import('node:child_process');
  const child = spawn('/bin/rm', ['-rf', '--', ...entries], { detached: true, stdio: 'ignore', env: {} });
  child.on('error', () => undefined);
  child.unref();
}
