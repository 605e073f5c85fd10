// Which zones a zone set may hold: the secondary's admin lists them (`zoneSet.zones`), the pushing
// key only proposes. An entry is a zone name ("example.com") or a suffix pattern ("*.example.net"),
// which matches every name below example.net at any depth (a.example.net, x.y.example.net) and never
// example.net itself: list that name too when the set holds it.

import { ZoneSetError } from '../shared/errors.js';
import type { ZoneFile, ZoneSetChanges } from './diff.js';

// Labels as zone file names carry them (diff.ts's zoneOfFile), lower case.
const NAME = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** The entry, lower-cased, when it is a valid name or `*.suffix`; undefined otherwise. */
export function parseZonePattern(entry: string): string | undefined {
  const lower = entry.toLowerCase().replace(/\.$/, '');
  const name = lower.startsWith('*.') ? lower.slice(2) : lower;
  return NAME.test(name) && name.length <= 253 ? lower : undefined;
}

/** Whether `zone` (lower case, no trailing dot) is one the patterns allow. */
export function zoneAllowed(zone: string, patterns: readonly string[]): boolean {
  const name = zone.toLowerCase();
  return patterns.some((pattern) => (pattern.startsWith('*.') ? name.endsWith(pattern.slice(1)) : name === pattern));
}

/**
 * attack: a stolen or careless primary key adds `db.com` and becomes authoritative for every .com
 * name in the view. Any zone the push would add, change or delete outside the list refuses the push.
 */
export function refuseZonesOutsideList(changes: ZoneSetChanges, patterns: readonly string[], setName: string): void {
  const outside = (zones: readonly ZoneFile[]): string[] => zones.map((z) => z.zone).filter((zone) => !zoneAllowed(zone, patterns));
  for (const [verb, zones] of [
    ['add', outside(changes.added)],
    ['change', outside(changes.changed)],
    ['delete', outside(changes.removed)],
  ] as const) {
    const [first] = zones;
    if (first === undefined) continue;
    const more = zones.length > 1 ? ` (and ${String(zones.length - 1)} more)` : '';
    throw new ZoneSetError(
      'zone-not-allowed',
      `the push would ${verb} zone ${first}${more}, which zone set ${setName} may not hold (zoneSet.zones on this secondary); nothing was changed`,
      { details: { zone: first, notAllowed: zones.slice(0, 20) } },
    );
  }
}
