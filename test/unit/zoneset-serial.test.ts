import { describe, expect, it } from 'vitest';
import { readSoaSerial, serialIncreased } from '../../src/zoneset/serial.js';

describe('serialIncreased (RFC 1982)', () => {
  it.each([
    [1, 2, true],
    [2026112301, 2026112302, true],
    [2, 2, false],
    [3, 2, false],
    // Wrapping: 4294967295 + 1 = 0 is an increase.
    [4294967295, 0, true],
    [4294967295, 5, true],
    // Exactly 2^31 apart is undefined in RFC 1982; refuse it.
    [0, 2147483648, false],
    [0, 2147483647, true],
    [2147483648, 0, false],
    [10, 4294967290, false],
  ])('%i -> %i: %s', (a, b, expected) => {
    expect(serialIncreased(a, b)).toBe(expected);
  });
});

describe('readSoaSerial', () => {
  it.each([
    ['@ IN SOA ns1 host 42 1 2 3 4', 42],
    [
      '$TTL 300\n; SOA 99 in a comment\n@ 300 IN SOA ns1.example. host.example. (\n  2026112301 ; serial\n  3600 600 86400 300 )',
      2026112301,
    ],
    ['example.com. SOA ns1 host ( 7\n 1 2 3 4 )', 7],
    ['@ IN SOA ns1 host notanumber 1 2 3 4', undefined],
    ['www IN A 192.0.2.1', undefined],
    ['@ IN SOA ns1 host 99999999999 1 2 3 4', undefined],
  ])('%j -> %s', (text, expected) => {
    expect(readSoaSerial(text)).toBe(expected);
  });
});

describe('readSoaSerial against parse differentials', () => {
  // attack: a decoy line whose words include SOA made the old regex read no serial, and an
  // unreadable live serial skipped the "serial must go up" check.
  const soa41 = '@ IN SOA ns1.example. host.example. 41 1 2 3 4\n';
  const generic41 =
    '@ 300 IN TYPE6 \\# 47 036e7331076578616d706c6500 04686f7374076578616d706c6500 00000029 00000001 00000002 00000003 00000004\n';
  it.each([
    ['a decoy TXT before the SOA', `aaa IN TXT SOA x y z\n${soa41}`, 41],
    ['a decoy TXT after the SOA', `${soa41}aaa IN TXT SOA 1 2 3\n`, 41],
    ['the SOA in RFC 3597 generic form', generic41, 41],
    ['a generic SOA split over lines', generic41.replace(' \\# 47 ', ' \\# 47 (\n ').replace(/\n$/, ' )\n'), 41],
    ['owner omitted, TTL and class swapped', `$ORIGIN example.\n@ A 192.0.2.1\n 300 IN SOA ns1 host 41 1 2 3 4\n`, 41],
    ['a generic SOA with a wrong length', generic41.replace('\\# 47', '\\# 46'), undefined],
    ['a generic SOA cut short', '@ IN TYPE6 \\# 4 00000029\n', undefined],
    ['an SOA whose serial is not a number', '@ IN SOA ns1 host x41 1 2 3 4\n', undefined],
  ])('%s', (_name, text, expected) => {
    expect(readSoaSerial(text)).toBe(expected);
  });
});
