// What a push changed: the names in rsync's transfer log, each compared between the spare (where
// rsync wrote) and the live tree. Nothing else is looked at, so the work follows the changed zones.

import { closeSync, constants, lstatSync, openSync, readdirSync, readSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { ZoneSetError } from '../shared/errors.js';
import type { TransferLog } from './transfer-log.js';

export interface ZoneFile {
  zone: string;
  file: string;
}

export interface ZoneSetChanges {
  added: ZoneFile[];
  changed: ZoneFile[];
  removed: ZoneFile[];
  /** Files rsync rewrote with the bytes they already had (new times or modes only). */
  touched: string[];
  /** Zones in the live tree before the push; counted only when the push removes zones. */
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

function refuse(file: string, what: string): never {
  throw new ZoneSetError('not-a-zone-file', `${JSON.stringify(file)} ${what}`);
}

export function changesFromLog(liveDir: string, spareDir: string, log: TransferLog, pattern: string): ZoneSetChanges {
  // attack/accident: directories, symlinks, devices or hard links must never reach named's tree.
  const [unusable] = log.refused;
  if (unusable !== undefined) refuse(unusable, 'is not a regular file with a plain name');
  const changes: ZoneSetChanges = { added: [], changed: [], removed: [], touched: [], before: 0 };
  // A name can appear twice (deleted, then sent again): what counts is what the spare holds now.
  for (const file of new Set([...log.written, ...log.deleted])) {
    const staged = lstatSync(join(spareDir, file), { throwIfNoEntry: false });
    const live = lstatSync(join(liveDir, file), { throwIfNoEntry: false });
    if (staged === undefined) {
      // A name rsync logged that neither tree has: the log and the trees disagree, so trust neither.
      if (live === undefined) refuse(file, 'is named in the transfer log but is in neither tree');
      changes.removed.push({ zone: zoneOfFile(file, pattern) ?? file, file });
      continue;
    }
    const zone = zoneOfFile(file, pattern);
    if (!staged.isFile()) refuse(file, 'is not a regular file');
    if (zone === undefined) refuse(file, `does not match the zone file pattern ${JSON.stringify(pattern)}`);
    if (live === undefined) changes.added.push({ zone, file });
    else if (sameContent(join(liveDir, file), live, join(spareDir, file), staged)) changes.touched.push(file);
    else changes.changed.push({ zone, file });
  }
  if (changes.added.length > 0) refuseTwoFilesForOneZone(spareDir, changes.added, pattern);
  if (changes.removed.length > 0) changes.before = readdirSync(liveDir).length;
  return changes;
}

const CHUNK = 64 * 1024;
// Two buffers for the whole diff (it is synchronous): no two fresh buffers per changed zone.
const liveChunk = Buffer.alloc(CHUNK);
const stagedChunk = Buffer.alloc(CHUNK);

/**
 * rsync rewrites a file whose mtime differs even when the bytes are the same (a `touch` on the
 * primary, or the fresh mtime zonegate gave a promoted file): that is not a change to validate or
 * reload. Compared chunk by chunk, stopping at the first difference (a new serial is near the top).
 */
function sameContent(liveFile: string, liveStat: Stats, stagedFile: string, stagedStat: Stats): boolean {
  if (liveStat.size !== stagedStat.size) return false;
  const liveFd = openSync(liveFile, constants.O_RDONLY);
  try {
    const stagedFd = openSync(stagedFile, constants.O_RDONLY);
    try {
      // Up to the size both had (as readFileSync read): no read past it just to meet the end.
      for (let total = 0; total < liveStat.size; total += CHUNK) {
        const got = readSync(liveFd, liveChunk, 0, CHUNK, null);
        // A short read (a file that shrank since the lstat) counts as a change, never as the same.
        const want = Math.min(CHUNK, liveStat.size - total);
        if (got !== want || readSync(stagedFd, stagedChunk, 0, want, null) !== want) return false;
        if (!liveChunk.subarray(0, want).equals(stagedChunk.subarray(0, want))) return false;
      }
      return true;
    } finally {
      closeSync(stagedFd);
    }
  } finally {
    closeSync(liveFd);
  }
}

/** Zone names are case-insensitive: "db.Example.com" beside "db.example.com" would be one zone twice. */
function refuseTwoFilesForOneZone(spareDir: string, added: readonly ZoneFile[], pattern: string): void {
  const wanted = new Map(added.map((zone) => [zone.zone, zone.file]));
  for (const file of readdirSync(spareDir)) {
    const zone = zoneOfFile(file, pattern);
    const addedFile = zone === undefined ? undefined : wanted.get(zone);
    if (addedFile !== undefined && addedFile !== file)
      throw new ZoneSetError('not-a-zone-file', `${JSON.stringify(addedFile)} and ${JSON.stringify(file)} are the same zone ${zone ?? ''}`);
  }
}

export function hasChanges(changes: ZoneSetChanges): boolean {
  return changes.added.length + changes.changed.length + changes.removed.length > 0;
}

/**
 * The zones a push added or removed, by name, so the primary can tell its admin that the served
 * zone list changed (zonegate push reads these lines: keep the format).
 */
export function zoneListLines(changes: ZoneSetChanges): string[] {
  const line = (what: string, zones: readonly ZoneFile[]): string[] => {
    if (zones.length === 0) return [];
    const names = zones.slice(0, 50).map((z) => z.zone);
    return [`zonegate: zones ${what}: ${names.join(' ')}${zones.length > 50 ? ` (and ${String(zones.length - 50)} more)` : ''}`];
  };
  return [...line('added', changes.added), ...line('removed', changes.removed)];
}
