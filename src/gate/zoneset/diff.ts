// What a push changed: staging against the live release it was copied from. Unchanged files are
// still hard links to the live inode; rsync replaced every file it wrote with a new inode.

import { lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { ZoneSetError } from '../../shared/errors.js';

export interface ZoneFile {
  zone: string;
  file: string;
}

export interface ZoneSetChanges {
  added: ZoneFile[];
  changed: ZoneFile[];
  removed: ZoneFile[];
  /** Zones in the live release before the push. */
  before: number;
}

/** Maps a file name to its zone through a "db.{zone}" pattern; undefined when it does not match. */
export function zoneOfFile(file: string, pattern: string): string | undefined {
  const [prefix = '', suffix = ''] = pattern.split('{zone}');
  if (!file.startsWith(prefix) || !file.endsWith(suffix) || file.length <= prefix.length + suffix.length) return undefined;
  const zone = file.slice(prefix.length, file.length - suffix.length);
  // A DNS name as a file name: labels of letters, digits, - and _, dots between; no leading dot.
  if (!/^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(zone))
    return undefined;
  return zone.toLowerCase();
}

function entries(dir: string): Map<string, Stats> {
  const out = new Map<string, Stats>();
  for (const name of readdirSync(dir)) out.set(name, lstatSync(join(dir, name)));
  return out;
}

/**
 * Only the staging tree is stat'ed: a file rsync left alone is still a hard link to the live inode
 * (link count 2 or more), while every file it wrote is a new inode with a link count of 1. The live
 * tree is only listed, and a live file is stat'ed only when its staged name was rewritten.
 */
export function diffReleases(liveDir: string, stagingDir: string, pattern: string): ZoneSetChanges {
  const live = new Set(readdirSync(liveDir));
  const staged = entries(stagingDir);
  const changes: ZoneSetChanges = { added: [], changed: [], removed: [], before: live.size };
  const zones = new Map<string, string>();
  for (const [file, stat] of staged) {
    const zone = zoneOfFile(file, pattern);
    // attack/accident: directories, symlinks, devices or stray files must never reach named's tree.
    if (!stat.isFile() || zone === undefined) {
      const what = stat.isFile() ? `does not match the zone file pattern ${JSON.stringify(pattern)}` : 'is not a regular file';
      throw new ZoneSetError('not-a-zone-file', `${JSON.stringify(file)} ${what}`);
    }
    const other = zones.get(zone);
    if (other !== undefined)
      throw new ZoneSetError('not-a-zone-file', `${JSON.stringify(file)} and ${JSON.stringify(other)} are the same zone ${zone}`);
    zones.set(zone, file);
    if (!live.has(file)) changes.added.push({ zone, file });
    else if (stat.nlink === 1 && !sameContent(join(liveDir, file), join(stagingDir, file), stat)) changes.changed.push({ zone, file });
  }
  for (const file of live) {
    if (!staged.has(file)) changes.removed.push({ zone: zoneOfFile(file, pattern) ?? file, file });
  }
  return changes;
}

/**
 * rsync rewrites a file whose mtime differs even when the bytes are the same (a `touch` on the
 * primary, or the fresh mtime zonegate gave a promoted file): that is not a change to validate or
 * reload.
 */
function sameContent(liveFile: string, stagedFile: string, stagedStat: Stats): boolean {
  const liveStat = lstatSync(liveFile);
  if (liveStat.ino === stagedStat.ino && liveStat.dev === stagedStat.dev) return true;
  return liveStat.size === stagedStat.size && readFileSync(liveFile).equals(readFileSync(stagedFile));
}

export function hasChanges(changes: ZoneSetChanges): boolean {
  return changes.added.length + changes.changed.length + changes.removed.length > 0;
}
