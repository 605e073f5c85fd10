// The serial the checker read from each live zone file, so that a push does not run the checker
// again on a live copy it checked when that copy was pushed: .zonegate/live-serials.json, one entry
// per zone with the promoted file's identity (file-identity.ts), written after a push was verified
// (the zone set's lock held). An entry is used only while the live file still has that identity;
// anything else (no entry, another identity, a damaged, oversized or odd record) means the live copy
// is checked as before. A rollback drops the entries of the zones it touches before it swaps.
// The record names its reader (server and checker argv): a serial read by another checker, or by
// zonegate's own reader under `checker: false`, is not "read the same way", so a changed setting
// discards the whole record.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../shared/atomic-write.js';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import type { ZoneSetChanges } from './diff.js';
import { fileIdentity, readRecordObject, sameIdentity, type FileIdentity } from './file-identity.js';
import type { ZoneSetLayout } from './layout.js';

export interface LiveSerialEntry extends FileIdentity {
  file: string;
  serial: number;
}

export type LiveSerialRecord = Record<string, LiveSerialEntry>;

/** About 100 bytes an entry: room for far more zones than a zone set holds; a larger file is not read. */
export const LIVE_SERIALS_MAX_BYTES = 32 * 1024 * 1024;

export const liveSerialsFile = (layout: Pick<ZoneSetLayout, 'meta'>): string => join(layout.meta, 'live-serials.json');

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

const isEntry = (value: unknown): value is LiveSerialEntry => {
  if (value === null || typeof value !== 'object') return false;
  const e = value as Partial<LiveSerialEntry>;
  return (
    typeof e.file === 'string' &&
    isCount(e.serial) &&
    e.serial <= 0xffffffff &&
    [e.dev, e.ino, e.size].every(isCount) &&
    typeof e.mtimeMs === 'number' &&
    Number.isFinite(e.mtimeMs)
  );
};

/** Who read the serials: the same server and checker argv, or the record is not used. */
export const serialReader = (settings: Pick<ZoneSetSettings, 'server' | 'checker'>): string =>
  JSON.stringify([settings.server, settings.checker]);

/** The record of `reader`; empty when missing, of another reader, or damaged anywhere: one bad entry and none is trusted. */
export function readLiveSerials(layout: Pick<ZoneSetLayout, 'meta'>, reader: string): LiveSerialRecord {
  const raw = readRecordObject(liveSerialsFile(layout), LIVE_SERIALS_MAX_BYTES);
  const zones = raw?.['zones'];
  if (raw?.['reader'] !== reader || zones === null || typeof zones !== 'object' || Array.isArray(zones)) return {};
  const out = Object.create(null) as LiveSerialRecord;
  for (const [zone, entry] of Object.entries(zones)) {
    if (!isEntry(entry)) return {};
    out[zone] = entry;
  }
  return out;
}

/** The recorded serials of the changed zones whose live file is still the one recorded. */
export function trustedLiveSerials(record: LiveSerialRecord, liveDir: string, changes: ZoneSetChanges): Map<string, number> {
  const trusted = new Map<string, number>();
  for (const { zone, file } of changes.changed) {
    const entry = record[zone];
    if (entry?.file !== file) continue;
    const now = fileIdentity(join(liveDir, file));
    if (now !== undefined && sameIdentity(now, entry)) trusted.set(zone, entry.serial);
  }
  return trusted;
}

/**
 * After a verified push: the touched zones' entries replaced by the serials just checked and the
 * files now live, removed zones dropped. A failed write removes the record (every live copy is then
 * checked again) rather than leave it behind the live tree.
 */
export function recordLiveSerials(
  layout: ZoneSetLayout,
  settings: ZoneSetSettings,
  changes: ZoneSetChanges,
  serials: Record<string, number>,
): void {
  update(layout, serialReader(settings), changes, (next) => {
    for (const { zone, file } of [...changes.changed, ...changes.added]) {
      const serial = serials[zone];
      const identity = fileIdentity(join(layout.current, file));
      if (serial !== undefined && identity !== undefined) next[zone] = { file, serial, ...identity };
    }
  });
}

/** Before a rollback swaps: the zones it touches lose their entries (their serials were not checked). */
export function forgetLiveSerials(layout: ZoneSetLayout, settings: ZoneSetSettings, changes: ZoneSetChanges): void {
  update(layout, serialReader(settings), changes, () => undefined);
}

function update(layout: ZoneSetLayout, reader: string, changes: ZoneSetChanges, add: (next: LiveSerialRecord) => void): void {
  try {
    const next = readLiveSerials(layout, reader);
    for (const { zone } of [...changes.changed, ...changes.added, ...changes.removed]) Reflect.deleteProperty(next, zone);
    add(next);
    writeFileAtomic(liveSerialsFile(layout), `${JSON.stringify({ reader, zones: next })}\n`, { mode: 0o600 });
  } catch {
    try {
      rmSync(liveSerialsFile(layout), { force: true });
    } catch {
      // Left behind, its entries still name files that are no longer live: none of them matches.
    }
  }
}
