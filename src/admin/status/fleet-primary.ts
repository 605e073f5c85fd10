// What the primary holds for a target: every zone in its source tree (the files a push would send,
// named by the target's zoneFile pattern) and the SOA serial of each. The serial comes from the push
// runner's validation manifest when the file's size and mtime still match it, else from the file. The
// manifest also names the zones a push sent before, which the fleet view asks about after they left.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PushSettings, Target } from '../../shared/policy/types.js';
import { zoneOfFile } from '../../zoneset/diff.js';
import { readSoaSerial } from '../../zoneset/serial.js';
import { skipMatcher, skippedPatterns } from '../push/skip.js';
import { manifestFile, type Manifest } from '../push/validate.js';

export interface PrimaryZones {
  /** zone -> serial (undefined: the file has no readable SOA serial). */
  serials: Map<string, number | undefined>;
  /** Zones the push runner last validated for this tree (its manifest): pushed, or about to be. */
  pushed: string[];
}

function readManifest(file: string): Manifest {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return {};
  }
}

export function primaryZones(source: string, zoneFile: string, skipped: (name: string) => boolean, stateDir: string): PrimaryZones {
  const manifest = readManifest(manifestFile(stateDir, source));
  const zones = new Map<string, number | undefined>();
  for (const entry of readdirSync(source, { withFileTypes: true })) {
    if (!entry.isFile() || skipped(entry.name)) continue;
    const zone = zoneOfFile(entry.name, zoneFile);
    if (zone === undefined) continue;
    const path = join(source, entry.name);
    const stat = statSync(path);
    const known = manifest[entry.name];
    if (known !== undefined && known.size === stat.size && known.mtimeMs === stat.mtimeMs) zones.set(zone, known.serial);
    else zones.set(zone, readSoaSerial(readFileSync(path, 'utf8')));
  }
  const pushed = Object.keys(manifest)
    .map((file) => zoneOfFile(file, zoneFile))
    .filter((zone): zone is string => zone !== undefined);
  return { serials: zones, pushed };
}

/** One reading per (source, pattern, skips): several targets usually push the same tree. */
export function primaryZonesCache(
  settings: Pick<PushSettings, 'skipPatterns' | 'stateDir'>,
): (target: Target & { zoneFile: string }) => PrimaryZones {
  const cache = new Map<string, PrimaryZones>();
  return (target) => {
    const patterns = skippedPatterns(target, settings);
    const key = `${target.source}\0${target.zoneFile}\0${patterns.join('\0')}`;
    let zones = cache.get(key);
    if (zones === undefined) {
      zones = primaryZones(target.source, target.zoneFile, skipMatcher(patterns), settings.stateDir);
      cache.set(key, zones);
    }
    return zones;
  };
}
