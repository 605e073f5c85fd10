// What `zonegate status` shows of a zone set's signed zones: each one's earliest RRSIG expiry, from
// the record the gate wrote at promotion (dnssec-record.ts), checked against the live file's
// identity with one lstat. Only a zone whose file no longer matches its entry (a rollback brought
// back another version) is read again, bounded by the zone set's zoneBytes.

import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import { scanSignatureFile } from './dnssec-rrsig.js';
import { readSignatureRecord } from './dnssec-record.js';
import { layoutOf } from './layout.js';

export interface ZoneSignature {
  zone: string;
  /** The RRSIG that expires first; undefined when the live file can no longer be read as signed. */
  owner: string | undefined;
  covered: string | undefined;
  /** Seconds since the epoch; undefined when unknown (the zone is then shown as unreadable). */
  expires: number | undefined;
}

export function readZoneSignatures(root: string, settings: Pick<ZoneSetSettings, 'limits'>): ZoneSignature[] {
  const layout = layoutOf(root);
  const out: ZoneSignature[] = [];
  for (const [zone, entry] of Object.entries(readSignatureRecord(layout))) {
    const path = join(layout.current, entry.file);
    let same = false;
    try {
      const stat = lstatSync(path);
      same = stat.ino === entry.ino && stat.size === entry.size && stat.mtimeMs === entry.mtimeMs;
    } catch {
      continue; // gone from the live tree: nothing is served from it
    }
    if (same) {
      out.push({ zone, owner: entry.owner, covered: entry.covered, expires: entry.expires });
      continue;
    }
    let scan;
    try {
      scan = scanSignatureFile(path, zone, settings.limits.zoneBytes);
    } catch {
      scan = undefined;
    }
    if (scan?.kind === 'unsigned') continue;
    const earliest = scan?.kind === 'signed' ? scan.earliest : undefined;
    out.push({ zone, owner: earliest?.owner, covered: earliest?.covered, expires: earliest?.expires });
  }
  return out.sort((a, b) => a.zone.localeCompare(b.zone));
}
