// Where `zonegate status` reads each signed zone's earliest signature expiry without parsing zone
// files: .zonegate/signatures.json, written by the gate after a promotion was verified (the zone
// set's lock held), one entry per signed live zone with the live file's identity (inode, size,
// mtime). An entry whose file no longer matches (a rollback brought back another version) is read
// again from the file by status; a zone without an entry is unsigned, or not pushed since the guard.

import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../shared/atomic-write.js';
import type { EarliestSignature } from './dnssec-rrsig.js';
import { readRecordObject } from './file-identity.js';
import type { SignedZones } from './dnssec-guard.js';
import type { ZoneSetChanges } from './diff.js';
import type { ZoneSetLayout } from './layout.js';

export interface SignatureEntry extends EarliestSignature {
  file: string;
  ino: number;
  size: number;
  mtimeMs: number;
}

export type SignatureRecord = Record<string, SignatureEntry>;

/** Far more than the signed zones of any zone set need; a larger file is not read (status reads the zones). */
const SIGNATURES_MAX_BYTES = 64 * 1024 * 1024;

export const signaturesFile = (layout: Pick<ZoneSetLayout, 'meta'>): string => join(layout.meta, 'signatures.json');

const isEntry = (value: unknown): value is SignatureEntry => {
  if (value === null || typeof value !== 'object') return false;
  const e = value as Partial<SignatureEntry>;
  return (
    typeof e.owner === 'string' &&
    typeof e.covered === 'string' &&
    typeof e.file === 'string' &&
    [e.expires, e.ino, e.size, e.mtimeMs].every((n) => typeof n === 'number' && Number.isFinite(n))
  );
};

/** The record; empty when missing or damaged (status then reads the files it needs). */
export function readSignatureRecord(layout: Pick<ZoneSetLayout, 'meta'>): SignatureRecord {
  const raw = readRecordObject(signaturesFile(layout), SIGNATURES_MAX_BYTES);
  if (raw === undefined) return {};
  const out = Object.create(null) as SignatureRecord;
  for (const [zone, entry] of Object.entries(raw)) if (isEntry(entry)) out[zone] = entry;
  return out;
}

/**
 * Brings the record in step with a verified promotion: touched zones replaced, removed zones
 * dropped. The zones are live by now, so a failure here (ENOSPC) only costs status a re-read.
 */
export function recordSignatures(layout: ZoneSetLayout, changes: ZoneSetChanges, signed: SignedZones): void {
  try {
    writeRecord(layout, changes, signed);
  } catch {
    // Status reads the file again where the record does not match it.
  }
}

function writeRecord(layout: ZoneSetLayout, changes: ZoneSetChanges, signed: SignedZones): void {
  const before = readSignatureRecord(layout);
  const next = Object.assign(Object.create(null) as SignatureRecord, before);
  for (const { zone } of [...changes.changed, ...changes.added, ...changes.removed]) Reflect.deleteProperty(next, zone);
  for (const { zone, file } of [...changes.changed, ...changes.added]) {
    const earliest = signed[zone];
    if (earliest === undefined) continue;
    const stat = lstatSync(join(layout.current, file));
    next[zone] = { ...earliest, file, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
  }
  // Unsigned zone sets never get the file: nothing to write, nothing for status to read.
  if (Object.keys(before).length === 0 && Object.keys(next).length === 0) return;
  writeFileAtomic(signaturesFile(layout), `${JSON.stringify(next)}\n`);
}
