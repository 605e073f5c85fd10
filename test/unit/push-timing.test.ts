// Where a target's last attempt spent its time, from the primary's own measurement and the gate's
// line: connect is the line's arrival minus the gate's total (both sides' clocks only ever compared
// with themselves), the phases never add up past the attempt, and a gate that claims more time than
// the primary waited (attack: inflate the secondary's part, hide a slow link) is ignored whole.

import { describe, expect, it } from 'vitest';
import { renderTiming, targetTiming } from '../../src/admin/push/timing.js';

const LINE = 'zonegate: progress: timing gate=40 transfer=100 check=5 promote=2 reload=8 verify=20 total=190\n';

describe('targetTiming', () => {
  it('places the gate start by the arrival of its line', () => {
    const timing = targetTiming({ stderr: LINE, durationMs: 400, timingAtMs: 390 });
    expect(timing).toEqual({
      attemptMs: 400,
      phases: { connect: 200, gate: 40, transfer: 100, check: 5, promote: 2, reload: 8, verify: 20 },
    });
    const sum = Object.values(timing.phases).reduce((a, b) => a + b, 0);
    expect(sum).toBeLessThanOrEqual(timing.attemptMs);
    expect(renderTiming(timing)).toBe(
      'timing: attempt 400 ms: connect 200, gate 40, transfer 100, check 5, promote 2, reload 8, verify 20, other 25',
    );
  });

  it('without a gate line, only the attempt', () => {
    expect(targetTiming({ stderr: 'ssh: connect to host x port 22: Connection refused\n', durationMs: 12, timingAtMs: undefined })).toEqual(
      {
        attemptMs: 12,
        phases: {},
        gate: 'none',
      },
    );
  });

  it.each([
    ['a total longer than the wait for it', LINE, 150],
    ['a malformed line', 'zonegate: progress: timing gate=40 total=nan\n', 100],
  ])('ignores %s', (_what, stderr, timingAtMs) => {
    const timing = targetTiming({ stderr, durationMs: 200, timingAtMs });
    expect(timing).toEqual({ attemptMs: 200, phases: {}, gate: 'ignored' });
    expect(renderTiming(timing)).toBe('timing: attempt 200 ms (the gate timing line was malformed: ignored)');
  });
});
