// How two Nagios levels combine into one check result, for every Nagios form zonegate prints
// (push and zone-set status, the fleet view): CRITICAL beats everything, WARNING beats OK and
// UNKNOWN, and UNKNOWN ("cannot tell") only beats OK.

import { NAGIOS_EXIT } from '../../shared/exit-codes.js';

export function worseNagiosLevel(current: number, level: number): number {
  if (level === NAGIOS_EXIT.ok) return current;
  if (level === NAGIOS_EXIT.unknown) return current === NAGIOS_EXIT.ok ? level : current;
  return current === NAGIOS_EXIT.unknown ? level : Math.max(current, level);
}
