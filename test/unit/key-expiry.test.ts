// keys.*.expiry read as sshd reads expiry-time= (src/shared/key-expiry.ts). The local-time cases set
// TZ: Node re-reads it when process.env.TZ is assigned. The expected instants for standard time are
// what glibc's mktime() returns with tm_isdst = 0, which is what sshd calls.
import { afterEach, describe, expect, it } from 'vitest';
import { expiryInstant, isExpired } from '../../src/shared/key-expiry.js';

const savedTz = process.env['TZ'];
afterEach(() => {
  if (savedTz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = savedTz;
});

const iso = (text: string): string | undefined => {
  const instant = expiryInstant(text);
  return instant === undefined ? undefined : new Date(instant).toISOString();
};

describe('expiryInstant', () => {
  it.each([
    ['20270101Z', '2027-01-01T00:00:00.000Z'],
    ['202701011230Z', '2027-01-01T12:30:00.000Z'],
    ['20270101123045Z', '2027-01-01T12:30:45.000Z'],
    ['20280229Z', '2028-02-29T00:00:00.000Z'],
  ])('reads %s as UTC', (text, expected) => {
    expect(iso(text)).toBe(expected);
  });

  it.each([
    ['20270231'],
    ['20271301'],
    ['202701012400'],
    ['202701011260'],
    ['20270101123060'],
    ['2027-01-01'],
    ['20270101z'],
    ['202701011'],
    ['20270101 '],
    [''],
  ])('refuses %j', (text) => {
    expect(expiryInstant(text)).toBeUndefined();
  });

  it('reads a local time in the system time zone, like sshd', () => {
    process.env['TZ'] = 'America/New_York';
    expect(iso('202701011200')).toBe('2027-01-01T17:00:00.000Z');
    expect(iso('20270101')).toBe('2027-01-01T05:00:00.000Z');
  });

  it('takes the earlier of the wall-clock and standard-time readings during daylight saving time', () => {
    process.env['TZ'] = 'Europe/Berlin';
    // Wall clock 12:00 CEST is 10:00Z; sshd (mktime, tm_isdst = 0) reads 12:00 CET, 11:00Z.
    expect(iso('202607011200')).toBe('2026-07-01T10:00:00.000Z');
    expect(iso('202601011200')).toBe('2026-01-01T11:00:00.000Z');
    // Southern hemisphere: January is summer time (+11), standard time is +10.
    process.env['TZ'] = 'Australia/Sydney';
    expect(iso('202601011200')).toBe('2026-01-01T01:00:00.000Z');
    expect(iso('202607011200')).toBe('2026-07-01T02:00:00.000Z');
  });
});

describe('isExpired', () => {
  it('refuses from the second after the instant, like sshd', () => {
    const instant = Date.parse('2027-01-01T00:00:00Z');
    expect(isExpired('20270101Z', instant)).toBe(false);
    expect(isExpired('20270101Z', instant + 999)).toBe(false);
    expect(isExpired('20270101Z', instant + 1000)).toBe(true);
    expect(isExpired('20270101Z', instant - 86_400_000)).toBe(false);
  });

  it('fails closed on an expiry it cannot read', () => {
    expect(isExpired('soon', 0)).toBe(true);
  });
});
