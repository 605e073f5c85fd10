// What `zonegate push` tells cron, from the outcomes of its targets (codes: shared/exit-codes.ts).

import { constants } from 'node:os';
import { PUSH_EXIT } from '../../shared/exit-codes.js';
import type { TargetOutcome } from './status-file.js';

/** `stoppedBy`: the signal that stopped the run; its exit is the shell's "killed by" code whatever the targets did. */
export function runExitCode(outcomes: readonly TargetOutcome[], stoppedBy?: NodeJS.Signals): number {
  if (stoppedBy !== undefined) return PUSH_EXIT.interruptedBase + constants.signals[stoppedBy];
  const failed = outcomes.filter((o) => o.kind !== 'ok').length;
  if (failed === 0) return PUSH_EXIT.ok;
  return failed === outcomes.length ? PUSH_EXIT.failed : PUSH_EXIT.partial;
}
