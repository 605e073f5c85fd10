// The gate's timing line: rendered by the gate from one monotonic clock, parsed by the primary as
// hostile input. Attack: a compromised secondary sends timing lines built to break the primary's
// report (huge or negative numbers, non-numbers, unknown or repeated names, phases adding up past
// the total, a flood on one line); each is ignored whole, never partly taken.

import { describe, expect, it } from 'vitest';
import { PhaseClock, parseGateTiming } from '../../src/shared/phase-timing.js';

const P = 'zonegate: progress: timing ';

describe('PhaseClock', () => {
  it('adds whole milliseconds per phase and renders one line the parser takes back', async () => {
    let now = 30.4;
    const clock = new PhaseClock(() => now);
    clock.sinceStart('gate');
    await clock.time('transfer', () => {
      now = 130.6;
    });
    const mark = clock.start();
    now = 140.2;
    clock.stop('check', mark);
    await clock.time('reload', async () => {
      now = 150.5;
      await Promise.resolve();
    });
    await clock.time('reload', () => {
      now = 152.5;
    });
    now = 160.4;
    expect(clock.render()).toBe(`${P}gate=30 transfer=101 check=9 reload=13 total=160`);
    expect(parseGateTiming(`${clock.render()}\n`)).toEqual({ gate: 30, transfer: 101, check: 9, reload: 13, total: 160 });
  });

  it('counts a phase whose work throws', async () => {
    let now = 0;
    const clock = new PhaseClock(() => now);
    await expect(
      clock.time('check', () => {
        now = 5;
        throw new Error('zone invalid');
      }),
    ).rejects.toThrow('zone invalid');
    expect(clock.render()).toBe(`${P}check=5 total=5`);
  });
});

describe('parseGateTiming', () => {
  it.each([
    [
      `zonegate: zone set z: release 1 is live\n${P}gate=40 transfer=100 check=5 promote=2 reload=8 verify=20 total=190\nzonegate: exit 0\n`,
      190,
    ],
    [`${P}total=0`, 0],
    // The last timing line counts (the gate writes one, at its end).
    [`${P}gate=1 total=2\n${P}gate=3 total=4\n`, 4],
  ])('takes %j', (stderr, total) => {
    expect(parseGateTiming(stderr)?.total).toBe(total);
  });

  it.each([
    ['no line', 'zonegate: exit 83\n'],
    ['no total', `${P}gate=40 transfer=100\n`],
    ['unknown phase', `${P}gate=1 nap=5 total=10\n`],
    ['repeated phase', `${P}gate=1 gate=1 total=10\n`],
    ['negative', `${P}gate=-1 total=10\n`],
    ['fraction', `${P}gate=1.5 total=10\n`],
    ['exponent', `${P}gate=1e3 total=10000\n`],
    ['hex', `${P}gate=0x10 total=100\n`],
    ['too many digits', `${P}gate=1 total=123456789\n`],
    ['phases past the total', `${P}gate=6 transfer=5 total=10\n`],
    ['two spaces', `${P}gate=1  total=10\n`],
    ['trailing junk', `${P}gate=1 total=10 \n`],
    ['escape inside', `${P}gate=1\u001b[2J total=10\n`],
    ['not at a line start', `xx ${P}gate=1 total=10\n`],
    ['a flood on one line', `${P}${'gate=1 '.repeat(40000)}total=10\n`],
    // The last line is the one read: a good line before a bad one does not count.
    ['a bad last line', `${P}gate=1 total=10\n${P}gate=x total=10\n`],
  ])('ignores %s', (_what, stderr) => {
    expect(parseGateTiming(stderr)).toBeUndefined();
  });
});
