import { describe, expect, it } from 'vitest';
import { parseAge, parseThresholds } from '../../src/admin/status/thresholds.js';
import { outcome } from '../helpers/outcome.js';

const counts = { warnFailures: 1, critFailures: 3, warnSkips: 2 };

describe('parseAge', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['5m', 300],
    ['2h', 7200],
    ['1d', 86_400],
    ['0', 0],
  ])('%j is %i seconds', (value, seconds) => {
    expect(parseAge('crit-age', value)).toBe(seconds);
  });

  // A threshold that parses to NaN never fires: every one of these must be refused, not ignored.
  it.each(['', 'abc', '2x', '1.5h', '-5', '5 m', '2hh', 'h', '0x10', '1e3', '9999999999', 'Infinity'])('refuses %j', (value) => {
    expect(outcome(() => parseAge('crit-age', value))).toMatchObject({ kind: 'refused', reason: 'usage' });
  });
});

describe('parseThresholds', () => {
  it('takes units on both ages', () => {
    expect(parseThresholds({ warnAge: '30m', critAge: '2h', ...counts })).toMatchObject({ warnAge: 1800, critAge: 7200 });
  });

  it.each([
    [{ warnAge: '3h', critAge: '2h', ...counts }, /--warn-age \(3h\) is above --crit-age \(2h\)/],
    [{ warnAge: '60', critAge: '1h', ...counts, warnFailures: 4 }, /--warn-failures \(4\) is above --crit-failures \(3\)/],
    [{ warnAge: '60', critAge: '1h', ...counts, warnSkips: Number.NaN }, /--warn-skips: a whole number/],
  ])('refuses %j', (args, message) => {
    expect(outcome(() => parseThresholds(args))).toMatchObject({ kind: 'refused', reason: 'usage' });
    expect(() => parseThresholds(args)).toThrow(message);
  });
});
