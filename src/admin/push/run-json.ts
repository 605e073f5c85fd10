// `zonegate push --json`: the run as one JSON object on stdout, for scripts and the benchmark: the
// exit code, the run log, and per target its outcome with the timing of its last attempt
// (timing.ts). Every string in it was already cleaned where it was captured (remote-text.ts).

import type { TargetOutcome } from './status-file.js';

export interface RunJson {
  exitCode: number;
  outcomes: readonly TargetOutcome[];
  runLog: string | undefined;
  problem?: string;
  /** `push --dry-run --json`: each target's report lines ride along as `dryRun`. */
  dryRun?: boolean;
}

export function renderRunJson(run: RunJson): string {
  const ok = run.outcomes.filter((o) => o.kind === 'ok').length;
  return `${JSON.stringify({
    exitCode: run.exitCode,
    ok,
    failed: run.outcomes.length - ok,
    runLog: run.runLog ?? null,
    ...(run.dryRun === true ? { dryRun: true } : {}),
    ...(run.problem === undefined ? {} : { problem: run.problem }),
    targets: run.outcomes.map((o) => ({
      target: o.target,
      kind: o.kind,
      status: o.status ?? null,
      reason: o.reason,
      attempts: o.attempts,
      durationMs: o.durationMs,
      bytesSent: o.bytesSent,
      zonesChanged: o.zonesChanged,
      timing: o.timing ?? null,
      ...(run.dryRun === true ? { dryRun: o.dryRun ?? [] } : {}),
    })),
  })}\n`;
}
