// When many zones changed, one full `rndc reload` beats one `rndc reload ZONE` each (servers/bind.ts has
// the measurements): above 8 changed zones, and once they are more than 1/150 of the set.
import { describe, expect, it } from 'vitest';
import { fullReloadWins } from '../../src/zoneset/servers/bind.js';

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

  it('counts the set only when enough zones changed to matter', () => {
    let counted = 0;
    fullReloadWins(3, () => ++counted);
    expect(counted).toBe(0);
  });
});
