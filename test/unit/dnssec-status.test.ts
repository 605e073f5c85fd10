// What status says about signed zones (pure renderers, and the record read against the live files):
// WARNING inside the horizon, CRITICAL once expired, the Prometheus gauge per zone, and an entry
// whose live file changed (a rollback) read again from the file rather than trusted.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, evaluateNagios } from '../../src/admin/status/nagios.js';
import { renderPrometheus } from '../../src/admin/status/prometheus.js';
import { renderStatusText } from '../../src/admin/status/render-text.js';
import type { ZoneSetStatus } from '../../src/admin/status/secondary.js';
import { NAGIOS_EXIT } from '../../src/shared/exit-codes.js';
import { ZONESET_LIMIT_DEFAULTS } from '../../src/shared/policy/defaults.js';
import type { ZoneSignature } from '../../src/zoneset/dnssec-status.js';
import { readZoneSignatures } from '../../src/zoneset/dnssec-status.js';
import { recordSignatures } from '../../src/zoneset/dnssec-record.js';
import { layoutOf } from '../../src/zoneset/layout.js';

const now = Date.parse('2026-11-26T00:00:00.000Z');
const DAY = 86_400;
const inDays = (days: number): number => now / 1000 + days * DAY;

function zoneSet(zones: ZoneSignature[]): ZoneSetStatus {
  return {
    name: 'ext',
    root: '/z',
    release: 'r1',
    zones: 2,
    lastGoodPush: new Date(now - 60_000).toISOString(),
    lastPush: undefined,
    space: undefined,
    server: { kind: 'not-checked', why: 'verify is off' },
    signatures: { horizon: 3 * DAY, zones },
  };
}
const sig = (zone: string, expires: number | undefined): ZoneSignature => ({ zone, owner: `www.${zone}.`, covered: 'A', expires });

describe('signature expiry in Nagios', () => {
  it.each([
    ['outside the horizon', [sig('a.example', inDays(10))], NAGIOS_EXIT.ok, /'zoneset_ext_signature_seconds_left'=864000s;259200:;0:/],
    [
      'inside the horizon',
      [sig('a.example', inDays(10)), sig('b.example', inDays(2))],
      NAGIOS_EXIT.warning,
      /^ZONEGATE WARNING - zone set ext: zone b\.example: RRSIG expires at 2026-11-28T00:00:00Z, within the signature horizon.*'zoneset_ext_signature_seconds_left'=172800s/,
    ],
    [
      'expired',
      [sig('a.example', inDays(-1))],
      NAGIOS_EXIT.critical,
      /^ZONEGATE CRITICAL - zone set ext: zone a\.example: RRSIG expired at 2026-11-25T00:00:00Z/,
    ],
    ['unreadable now', [sig('a.example', undefined)], NAGIOS_EXIT.warning, /zone a\.example: its signatures cannot be read now/],
    ['no signed zone: no perfdata', [], NAGIOS_EXIT.ok, /^(?!.*signature_seconds_left)/s],
  ] as const)('%s', (_name, zones, code, pattern) => {
    const result = evaluateNagios({ primary: undefined, zoneSets: [zoneSet([...zones])] }, DEFAULT_THRESHOLDS, now);
    expect(result.code).toBe(code);
    expect(result.output).toMatch(pattern);
  });
});

describe('signature expiry in Prometheus and text', () => {
  it('one gauge per signed zone, labels escaped, and the horizon beside it', () => {
    const text = renderPrometheus(undefined, [zoneSet([sig('a.example', 1_800_000_000), sig('b"\\.example', 1_800_000_001)])]);
    expect(text).toContain(
      '# TYPE zonegate_zone_signature_expiry_timestamp_seconds gauge\nzonegate_zone_signature_expiry_timestamp_seconds{zoneset="ext",zone="a.example"} 1800000000\n',
    );
    expect(text).toContain('zonegate_zone_signature_expiry_timestamp_seconds{zoneset="ext",zone="b\\"\\\\.example"} 1800000001\n');
    expect(text).toContain('zonegate_zoneset_signature_horizon_seconds{zoneset="ext"} 259200\n');
  });

  it('no signed zone, no signature metrics', () => {
    expect(renderPrometheus(undefined, [zoneSet([])])).not.toContain('signature');
  });

  it('text names the earliest expiry and every zone inside the horizon', () => {
    const text = renderStatusText(undefined, [zoneSet([sig('a.example', inDays(10)), sig('b.example', inDays(1))])], now);
    expect(text).toContain(
      '    signatures: 2 signed zone(s), earliest expiry b.example at 2026-11-27T00:00:00Z (www.b.example. A); horizon 3d\n',
    );
    expect(text).toContain(
      '    ! zone b.example: RRSIG of www.b.example. A expires at 2026-11-27T00:00:00Z, within 3d: re-sign and push it\n',
    );
    expect(text).not.toContain('! zone a.example');
  });
});

describe('readZoneSignatures', () => {
  const root = mkdtempSync(join(tmpdir(), 'zonegate-sigstatus-'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });
  const layout = layoutOf(root);
  mkdirSync(join(root, 'trees', 'a'), { recursive: true });
  mkdirSync(layout.meta, { recursive: true });
  symlinkSync('trees/a', layout.current);
  const rrsig = (expiration: string): string =>
    `@ IN SOA ns1 host 1 2 3 4 5\nwww IN RRSIG A 13 3 300 ${expiration} 20261101000000 4711 a.example. AAAA\n`;
  const changes = {
    before: 0,
    touched: [],
    changed: [],
    added: [
      { zone: 'a.example', file: 'db.a.example' },
      { zone: 'b.example', file: 'db.b.example' },
    ],
    removed: [],
  };

  it('trusts an entry whose live file is the one recorded, and reads a replaced file again', () => {
    writeFileSync(join(layout.current, 'db.a.example'), rrsig('20261210000000'));
    writeFileSync(join(layout.current, 'db.b.example'), rrsig('20261211000000'));
    // The record says something the files do not: only a matching identity makes status trust it.
    recordSignatures(layout, changes, {
      'a.example': { owner: 'recorded.a.example.', covered: 'A', expires: 111 },
      'b.example': { owner: 'recorded.b.example.', covered: 'A', expires: 222 },
    });
    // A rollback publishes a fresh copy (a new inode) of another version.
    rmSync(join(layout.current, 'db.b.example'));
    writeFileSync(join(layout.current, 'db.b.example'), rrsig('20261220000000'));
    expect(readZoneSignatures(root, { limits: ZONESET_LIMIT_DEFAULTS })).toEqual([
      { zone: 'a.example', owner: 'recorded.a.example.', covered: 'A', expires: 111 },
      { zone: 'b.example', owner: 'www.b.example.', covered: 'A', expires: Date.parse('2026-12-20T00:00:00Z') / 1000 },
    ]);
  });

  it('a damaged record is an empty one, never a crash', () => {
    writeFileSync(join(layout.meta, 'signatures.json'), '{"a.example": {"expires": "soon"}, "__proto__": {"polluted": 1}}');
    expect(readZoneSignatures(root, { limits: ZONESET_LIMIT_DEFAULTS })).toEqual([]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
