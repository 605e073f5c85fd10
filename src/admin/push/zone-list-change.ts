// The zones a push added to or removed from a secondary's zone set, read from the gate's reply
// (`zonegate: zones added: a.example b.example`, src/zoneset/pipeline.ts). That text comes from the
// secondary, so it is hostile: only whole lines of the exact shape count, and only names that are
// plain DNS names are kept; the report is rebuilt from those, never copied.

export interface ZoneListChange {
  added: string[];
  removed: string[];
}

const LINE = /^zonegate: zones (added|removed): ([a-z0-9_. -]{1,20000}?)(?: \(and (\d{1,7}) more\))?$/;
const NAME = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
/** The gate lists at most 50 names per line; more than that is not the gate talking. */
const MAX_NAMES = 50;

export function parseZoneListChange(stderr: string): ZoneListChange & { more: { added: number; removed: number } } {
  const change = { added: [] as string[], removed: [] as string[], more: { added: 0, removed: 0 } };
  for (const line of stderr.split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const which = match[1] === 'added' ? 'added' : 'removed';
    const names = (match[2] ?? '').split(' ');
    if (names.length > MAX_NAMES || !names.every((name) => NAME.test(name) && name.length <= 253)) continue;
    change[which] = names;
    change.more[which] = Number(match[3] ?? '0');
  }
  return change;
}

/** Lines for the run's stderr (what cron mails): the served zone list changed on that target. */
export function renderZoneListChange(target: string, stderr: string): string[] {
  const change = parseZoneListChange(stderr);
  const line = (verb: string, names: string[], more: number): string[] =>
    names.length === 0
      ? []
      : [`zonegate push: ${target}: zones ${verb} on the secondary: ${names.join(' ')}${more > 0 ? ` (and ${String(more)} more)` : ''}`];
  return [...line('added', change.added, change.more.added), ...line('removed', change.removed, change.more.removed)];
}
