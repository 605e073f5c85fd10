// When many zones changed, one full `rndc reload` beats one `rndc reload ZONE` each (servers/bind.ts has
// the measurements): above 8 changed zones, and once they are more than 1/150 of the set (1/20 when
// the commands are sent natively, each costing far less).
import { describe, expect, it } from 'vitest';
import { fullReloadWins, NATIVE_FULL_RELOAD_SHARE } from '../../src/zoneset/servers/bind.js';

describe('full reload or per zone, by count', () => {
  it.each([
    [1, 10, false],
    [8, 100, false],
    [9, 100, true],
    [10, 1_000, true],
    [10, 2_000, false],
    [14, 2_000, true],
    [10, 10_000, false],
    [67, 10_000, true],
    [2_000, 2_000, true],
  ])('%i changed of %i: full %s', (changed, set, full) => {
    expect(fullReloadWins(changed, () => set)).toBe(full);
  });

  it.each([
    [10, 1_000, false],
    [50, 1_000, false],
    [51, 1_000, true],
    [500, 10_000, false],
    [501, 10_000, true],
    [9, 100, true],
  ])('sent natively, %i changed of %i: full %s', (changed, set, full) => {
    expect(fullReloadWins(changed, () => set, NATIVE_FULL_RELOAD_SHARE)).toBe(full);
  });

  it('counts the set only when enough zones changed to matter', () => {
    let counted = 0;
    fullReloadWins(3, () => ++counted);
    expect(counted).toBe(0);
  });
});
