// What `zonegate push` tells cron. 64 and 78 come from the shared table (usage, config).

import type { TargetOutcome } from './status-file.js';

export const PUSH_EXIT = {
  ok: 0,
  /** Some targets failed, at least one succeeded. */
  partial: 1,
  /** Every selected target failed (or the source tree failed validation for all of them). */
  failed: 2,
  /** The previous run still holds the lock; this run did nothing (EX_TEMPFAIL). */
  skipped: 75,
} as const;

export function runExitCode(outcomes: readonly TargetOutcome[]): number {
  const failed = outcomes.filter((o) => o.kind !== 'ok').length;
  if (failed === 0) return PUSH_EXIT.ok;
  return failed === outcomes.length ? PUSH_EXIT.failed : PUSH_EXIT.partial;
}
