// One rule combines Nagios levels for every check zonegate prints (push, zone sets, the fleet).

import { describe, expect, it } from 'vitest';
import { NAGIOS_EXIT } from '../../src/shared/exit-codes.js';
import { worseNagiosLevel } from '../../src/admin/status/nagios-level.js';

const { ok, warning, critical, unknown } = NAGIOS_EXIT;

describe('worseNagiosLevel', () => {
  it.each([
    [ok, ok, ok],
    [ok, warning, warning],
    [ok, critical, critical],
    [ok, unknown, unknown],
    [warning, unknown, warning],
    [critical, unknown, critical],
    [unknown, warning, warning],
    [unknown, critical, critical],
    [unknown, ok, unknown],
    [warning, ok, warning],
    [critical, warning, critical],
  ])('%i then %i gives %i', (current, level, expected) => {
    expect(worseNagiosLevel(current, level)).toBe(expected);
  });
});
