// zoneSet.zones: the secondary's own list of the zones a set may hold, and the per-zone pre-scan.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/shared/policy/load.js';
import { ZONESET_LIMIT_DEFAULTS } from '../../src/shared/policy/defaults.js';
import { parseZonePattern, zoneAllowed } from '../../src/zoneset/allowed-zones.js';
import { generateCount, prescanZone } from '../../src/zoneset/prescan.js';
import { fakeEd25519PublicKey } from '../lab/keys.js';
import { outcome } from '../helpers/outcome.js';

describe('zoneAllowed', () => {
  const list = ['example.com', '*.example.net'].map((entry) => parseZonePattern(entry) ?? '');
  it.each([
    ['example.com', true],
    ['EXAMPLE.com', true],
    ['www.example.com', false],
    ['a.example.net', true],
    ['b.a.example.net', true],
    // A suffix pattern is below its name only: example.net itself must be listed on its own.
    ['example.net', false],
    ['badexample.net', false],
    ['com', false],
    ['in-addr.arpa', false],
  ])('%s: %s', (zone, allowed) => {
    expect(zoneAllowed(zone, list)).toBe(allowed);
  });

  it.each(['*example.net', '*.', 'a..b', 'exa mple.com', '*.*.example.net', ''])('refuses the entry %j', (entry) => {
    expect(parseZonePattern(entry)).toBeUndefined();
  });
});

describe('zoneSet.zones in the config', () => {
  const config = (zoneSet: Record<string, unknown>): string =>
    `{\n  "keys": {\n    "ns1": {\n      "publicKey": "${fakeEd25519PublicKey()}",\n      "from": ["192.0.2.1"],\n      "rules": [\n        {"direction": "upload", "root": "/srv/ext", "paths": ["**"],\n         "zoneSet": ${JSON.stringify(zoneSet)}}\n      ]\n    }\n  }\n}\n`;

  it('is required: a zone set without it is refused with file:line:col and the fix', () => {
    const result = outcome(() => parsePolicy(config({ name: 'ext' }), '/etc/zonegate/zonegate.conf'));
    expect(result).toMatchObject({
      kind: 'refused',
      reason: 'config-invalid',
      message: expect.stringMatching(
        /^\/etc\/zonegate\/zonegate\.conf:8:\d+: keys\.ns1\.rules\[0\]\.zoneSet: has no "zones": list the zones/,
      ) as unknown,
    });
    expect(result).toMatchObject({ message: expect.stringContaining('"zones": ["example.com", "*.example.net"]') as unknown });
  });

  it('refuses an entry that is neither a name nor *.name, at its own position', () => {
    const result = outcome(() => parsePolicy(config({ zones: ['example.com', 'ex ample.net'] }), 'c'));
    expect(result).toMatchObject({
      message: expect.stringMatching(/^c:8:\d+: keys\.ns1\.rules\[0\]\.zoneSet\.zones\[1\]: must be a zone name/) as unknown,
    });
  });

  it('keeps the list in lower case, without a trailing dot', () => {
    const policy = parsePolicy(config({ zones: ['Example.COM.', '*.Example.net'] }), 'c');
    expect(policy.keys.get('ns1')?.rules[0]?.zoneSet?.zones).toEqual(['example.com', '*.example.net']);
  });
});

describe('prescanZone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonegate-prescan-'));
  const zone = { zone: 'a.example', file: 'db.a.example' };
  const scan = (text: string, limits: Partial<typeof ZONESET_LIMIT_DEFAULTS> = {}): ReturnType<typeof outcome> => {
    writeFileSync(join(dir, zone.file), text);
    return outcome(() => {
      prescanZone(join(dir, zone.file), zone, { ...ZONESET_LIMIT_DEFAULTS, ...limits });
    });
  };
  const head = '$TTL 300\n@ IN SOA ns1 host ( 1 2 3 4 5 )\n@ IN NS ns1\nns1 IN A 192.0.2.1\n';

  it('passes an ordinary zone', () => {
    expect(scan(head)).toMatchObject({ kind: 'ok' });
  });

  it.each([
    // attack: one short line that costs the checker gigabytes.
    [
      'a $GENERATE, refused by default',
      `${head}$GENERATE 1-2000000000 h$ A 10.0.0.1\n`,
      {},
      /uses \$GENERATE, which this zone set refuses/,
    ],
    ['a lower-case $generate', `${head}$generate 1-2 h$ A 10.0.0.1\n`, {}, /uses \$GENERATE/],
    [
      'a $GENERATE over the range cap',
      `${head}$GENERATE 1-2000000000 h$ A 10.0.0.1\n`,
      { generateRange: 65536 },
      /\$GENERATE of 2000000000 names/,
    ],
    [
      'a $GENERATE within the cap but over the record limit',
      `${head}$GENERATE 1-100 h$ A 10.0.0.1\n`,
      { generateRange: 1000, recordsPerZone: 50 },
      /more than 50 records/,
    ],
    ['too many records', `${head}${'www IN A 192.0.2.1\n'.repeat(20)}`, { recordsPerZone: 10 }, /more than 10 records/],
    ['a file over zoneBytes', `${head}${'; padding\n'.repeat(200)}`, { zoneBytes: 1024 }, /is \d+ bytes \(zoneSet\.limits\.zoneBytes 1024/],
    ['a record longer than 1 MiB (an unclosed parenthesis)', `${head}x IN TXT (\n${'"a" '.repeat(300_000)}`, {}, /longer than 1 MiB/],
  ])('refuses %s', (_name, text, limits, message) => {
    expect(scan(text, limits)).toMatchObject({
      kind: 'refused',
      reason: 'limit-exceeded',
      message: expect.stringMatching(message) as unknown,
    });
  });

  it('refuses $INCLUDE as zone-invalid, and counts a record split over lines once', () => {
    expect(scan(`${head}$INCLUDE /etc/shadow\n`)).toMatchObject({
      reason: 'zone-invalid',
      message: expect.stringContaining('uses $INCLUDE') as unknown,
    });
    expect(scan(`${head}x IN TXT ( "a"\n "b" )\n`, { recordsPerZone: 4 })).toMatchObject({ kind: 'ok' });
  });

  it.each([
    [['$GENERATE', '1-10'], 10],
    [['$GENERATE', '1-10/2'], 5],
    [['$GENERATE', '5-1'], undefined],
    [['$GENERATE', '1-10/0'], undefined],
    [['$GENERATE', 'x'], undefined],
  ])('generateCount(%j) = %s', (words, count) => {
    expect(generateCount(words)).toBe(count);
  });
});
