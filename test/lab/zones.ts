// Zone text, and zone trees for zone-set tests: a primary's source directory, a zone set's live files.
// zoneText() is the one generator: the tests, the demo and the benchmarks each pick the records
// (and so the size) their zones need.
import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ZoneShape {
  /** Write `$ORIGIN zone.` first (default no: named and named-checkzone take the origin from the zone statement). */
  origin?: boolean;
  ttl?: number;
  /** Primary name server and contact of the SOA; default ns1.<zone>. and hostmaster.<zone>. */
  mname?: string;
  rname?: string;
  /** refresh, retry, expire, negative TTL. */
  timers?: readonly [number, number, number, number];
  /** NS targets; default ns1.<zone>. */
  nameservers?: readonly string[];
  /** Every line after the SOA and NS records. */
  records?: readonly string[];
}

/** A zone's text: $TTL, SOA with `serial`, NS, then the shape's records (default ns1 A and a www A that follows the serial). */
export function zoneText(zone: string, serial: number, shape: ZoneShape = {}): string {
  if (!Number.isInteger(serial) || serial < 0 || serial > 0xffff_ffff) throw new Error(`bad SOA serial ${String(serial)}`);
  const apex = zone.replace(/\.$/, '');
  const [refresh, retry, expire, negative] = shape.timers ?? [3600, 600, 86400, 300];
  const records = shape.records ?? ['ns1 IN A 127.0.0.1', `www IN A 192.0.2.${String((serial % 250) + 1)}`];
  return [
    ...(shape.origin === true ? [`$ORIGIN ${apex}.`] : []),
    `$TTL ${String(shape.ttl ?? 300)}`,
    `@ IN SOA ${shape.mname ?? `ns1.${apex}.`} ${shape.rname ?? `hostmaster.${apex}.`} ( ${String(serial)} ${String(refresh)} ${String(retry)} ${String(expire)} ${String(negative)} )`,
    ...(shape.nameservers ?? [`ns1.${apex}.`]).map((ns) => `@ IN NS ${ns}`),
    ...records,
    '',
  ].join('\n');
}

/** A valid small zone (the default shape) with `extra` lines at the end: what most tests need. */
export function soaZone(zone: string, serial: number, extra = ''): string {
  return zoneText(zone, serial, { records: ['ns1 IN A 127.0.0.1', `www IN A 192.0.2.${String((serial % 250) + 1)}`, extra] });
}

// Each source tree gets its own mtime, seconds apart: rsync's quick check compares whole seconds,
// and an admin does not edit the same zone twice within one.
let clock = Math.floor(Date.now() / 1000) - 3600;

/** Writes dir/name with `text` and an mtime two seconds after the last one written this way. */
export function writeZoneFile(dir: string, name: string, text: string): void {
  clock += 2;
  writeFileSync(join(dir, name), text);
  utimesSync(join(dir, name), clock, clock);
}

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
