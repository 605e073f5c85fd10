// What a secondary's status adds to a zone set's ages: the free space of its filesystem (a push
// needs room for a spare copy of what changes, a full disk refuses pushes) and whether the
// configured server answers for one of its zones right now (a stopped named serves nothing,
// however fresh the files are).

import { readdirSync, statfsSync } from 'node:fs';
import type { ZoneSetSettings } from '../../shared/policy/types.js';
import { zoneOfFile } from '../../zoneset/diff.js';
import { servedSerials } from '../../zoneset/reload.js';

export interface FilesystemSpace {
  availBytes: number;
  sizeBytes: number;
  availInodes: number;
  /** 0 on filesystems without an inode limit (btrfs, some tmpfs): then inodes never run out. */
  totalInodes: number;
}

export function filesystemSpace(root: string): FilesystemSpace | undefined {
  try {
    const fs = statfsSync(root);
    return { availBytes: fs.bavail * fs.bsize, sizeBytes: fs.blocks * fs.bsize, availInodes: fs.ffree, totalInodes: fs.files };
  } catch {
    return undefined;
  }
}

export type ServerCheck =
  | { kind: 'not-checked'; why: string }
  | { kind: 'answers'; server: string; zone: string; serial: number }
  | { kind: 'silent'; server: string; zone: string };

/** One SOA query (one try of 1 s, as verify asks) for the first live zone, to the zone set's `verify` server. */
export async function checkServer(settings: ZoneSetSettings, liveDir: string): Promise<ServerCheck> {
  const verify = settings.verify;
  if (!verify) return { kind: 'not-checked', why: 'verify is off for this zone set' };
  let zone: string | undefined;
  try {
    zone = readdirSync(liveDir)
      .sort()
      .map((file) => zoneOfFile(file, settings.zoneFile))
      .find((z) => z !== undefined);
  } catch {
    zone = undefined;
  }
  if (zone === undefined) return { kind: 'not-checked', why: 'no live zone to ask for' };
  const server = `${verify.server}#${String(verify.port)}`;
  const serial = (await servedSerials(settings, [zone])).get(zone);
  return serial === undefined ? { kind: 'silent', server, zone } : { kind: 'answers', server, zone, serial };
}
