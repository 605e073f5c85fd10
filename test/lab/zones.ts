// Zone trees for zone-set tests: a primary's source directory, and a zone set's live files.
import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { soaZone } from './named.js';

// Each source tree gets its own mtime, seconds apart: rsync's quick check compares whole seconds,
// and an admin does not edit the same zone twice within one.
let clock = Math.floor(Date.now() / 1000) - 3600;

/** A source tree of db.<zone> files: a serial makes a valid zone, a string is the file's text. */
export function zoneSource(zones: Record<string, number | string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'zonegate-zones-'));
  clock += 2;
  for (const [zone, content] of Object.entries(zones)) {
    writeFileSync(join(dir, `db.${zone}`), typeof content === 'number' ? soaZone(zone, content) : content);
    utimesSync(join(dir, `db.${zone}`), clock, clock);
  }
  return dir;
}

/** A zone set's live files (through its current symlink), name -> contents. */
export function liveZones(root: string): Record<string, string> {
  const dir = join(root, 'current');
  if (!existsSync(dir)) return {};
  return Object.fromEntries(readdirSync(dir).map((file) => [file, readFileSync(join(dir, file), 'utf8')]));
}
