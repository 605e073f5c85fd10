// What `zonegate push` tells cron, from the outcomes of its targets (codes: shared/exit-codes.ts).

import { PUSH_EXIT } from '../../shared/exit-codes.js';
import type { TargetOutcome } from './status-file.js';

export function runExitCode(outcomes: readonly TargetOutcome[]): number {
  const failed = outcomes.filter((o) => o.kind !== 'ok').length;
  if (failed === 0) return PUSH_EXIT.ok;
  return failed === outcomes.length ? PUSH_EXIT.failed : PUSH_EXIT.partial;
}
