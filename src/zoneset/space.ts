// Room for a push, checked before anything is written: a push that runs out of space or inodes
// half-way leaves work for the next one, so it is refused up front with one reason (exit 89, not
// retried: another attempt finds the same full disk). What a push may need is not known before rsync
// runs, so the check asks for room for every zone of the set to change once: the live tree's size
// in blocks, an inode per zone, and a small reserve for the journal, the release record and logs.

import { lstatSync, readdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { ZoneSetError } from '../shared/errors.js';

const RESERVE_BYTES = 1024 * 1024;
const RESERVE_INODES = 64;

export interface SpaceNeed {
  bytes: number;
  inodes: number;
}

export interface SpaceReport {
  freeBytes: number;
  freeInodes: number;
  /** False on filesystems without a fixed inode table (btrfs reports 0 files): judged by bytes alone. */
  inodesCounted: boolean;
  need: SpaceNeed;
}

/** Bytes the files of a tree occupy on disk (blocks, not lengths). */
export function treeBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) total += diskBytes(join(dir, name));
  return total;
}

function diskBytes(path: string): number {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  return stat?.isFile() ? stat.blocks * 512 : 0;
}

export function spaceNeed(liveBytes: number, zones: number): SpaceNeed {
  return { bytes: liveBytes + RESERVE_BYTES, inodes: zones + RESERVE_INODES };
}

export function spaceReport(root: string, need: SpaceNeed): SpaceReport {
  const fs = statfsSync(root);
  return { freeBytes: fs.bavail * fs.bsize, freeInodes: fs.ffree, inodesCounted: fs.files > 0, need };
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Refuses the push (exit 89) when the zone set's filesystem lacks the room `need` says. */
export function requireSpace(report: SpaceReport, zoneSet: string): void {
  const { freeBytes, freeInodes, need } = report;
  const inodesShort = report.inodesCounted && freeInodes < need.inodes;
  if (freeBytes >= need.bytes && !inodesShort) return;
  const what =
    freeBytes < need.bytes
      ? `${mib(freeBytes)} free, ${mib(need.bytes)} needed`
      : `${String(freeInodes)} inodes free, ${String(need.inodes)} needed`;
  throw new ZoneSetError('no-space', `not enough room for a push to zone set ${zoneSet} (${what}); the live zones are unchanged`, {
    details: { freeBytes, freeInodes, needBytes: need.bytes, needInodes: need.inodes },
  });
}
