// The status file: run, failure and skip counters, and per target the last success, consecutive
// failures, bytes and zones changed. Written atomically (temp file + rename) so `zonegate status`,
// Nagios or node_exporter never read half a file. The update functions are pure.

import { writeFileAtomic } from '../../shared/atomic-write.js';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TargetTiming } from './timing.js';

/** `interrupted`: the run itself was stopped by a signal before this target finished. */
export type TargetOutcomeKind = 'ok' | 'failed' | 'timeout' | 'invalid' | 'interrupted';

export interface TargetOutcome {
  target: string;
  kind: TargetOutcomeKind;
  /** Exit status of the last attempt (rsync, ssh or the gate), when there was one. */
  status: number | undefined;
  reason: string;
  attempts: number;
  durationMs: number;
  bytesSent: number;
  zonesChanged: number;
  /** Lines saying which zones the push added to or removed from the secondary (zone-list-change.ts). */
  zoneListChange?: string[];
  /** Where the last attempt's time went (timing.ts); absent when no attempt ran. */
  timing?: TargetTiming;
  /** `push --dry-run`: what the secondary would do, sanitized (dry-run.ts); never stored. */
  dryRun?: string[];
}

export interface TargetCounters {
  runs: number;
  failures: number;
  consecutiveFailures: number;
  lastRun: string | undefined;
  lastSuccess: string | undefined;
  lastFailure: string | undefined;
  lastOutcome: TargetOutcomeKind | undefined;
  lastReason: string | undefined;
  lastDurationMs: number;
  lastBytesSent: number;
  lastZonesChanged: number;
  bytesSentTotal: number;
  zonesChangedTotal: number;
}

export interface PushStatus {
  version: 1;
  runs: number;
  failedRuns: number;
  skips: number;
  consecutiveSkips: number;
  lastRun: string | undefined;
  lastRunExit: number | undefined;
  lastSkip: string | undefined;
  lastRunLog: string | undefined;
  /** Why the last run failed as a whole (e.g. its log could not be written), beside the targets' reasons. */
  lastRunProblem: string | undefined;
  targets: Record<string, TargetCounters>;
}

export function emptyStatus(): PushStatus {
  return {
    version: 1,
    runs: 0,
    failedRuns: 0,
    skips: 0,
    consecutiveSkips: 0,
    lastRun: undefined,
    lastRunExit: undefined,
    lastSkip: undefined,
    lastRunLog: undefined,
    lastRunProblem: undefined,
    targets: {},
  };
}

function emptyTarget(): TargetCounters {
  return {
    runs: 0,
    failures: 0,
    consecutiveFailures: 0,
    lastRun: undefined,
    lastSuccess: undefined,
    lastFailure: undefined,
    lastOutcome: undefined,
    lastReason: undefined,
    lastDurationMs: 0,
    lastBytesSent: 0,
    lastZonesChanged: 0,
    bytesSentTotal: 0,
    zonesChangedTotal: 0,
  };
}

export function statusFile(stateDir: string): string {
  return join(stateDir, 'push-status.json');
}

export function readStatus(file: string): PushStatus {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return emptyStatus();
  }
  const raw = JSON.parse(text) as Partial<PushStatus>;
  return {
    ...emptyStatus(),
    ...raw,
    targets: Object.fromEntries(Object.entries(raw.targets ?? {}).map(([name, t]) => [name, { ...emptyTarget(), ...t }])),
  };
}

export function writeStatus(file: string, status: PushStatus): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  writeFileAtomic(file, `${JSON.stringify(status, null, 2)}\n`);
}

export function recordRun(
  status: PushStatus,
  outcomes: readonly TargetOutcome[],
  exitCode: number,
  now: Date,
  runLog: string | undefined,
  problem?: string,
): PushStatus {
  const at = now.toISOString();
  const targets = { ...status.targets };
  for (const outcome of outcomes) {
    const before = targets[outcome.target] ?? emptyTarget();
    const ok = outcome.kind === 'ok';
    targets[outcome.target] = {
      ...before,
      runs: before.runs + 1,
      failures: before.failures + (ok ? 0 : 1),
      consecutiveFailures: ok ? 0 : before.consecutiveFailures + 1,
      lastRun: at,
      lastSuccess: ok ? at : before.lastSuccess,
      lastFailure: ok ? before.lastFailure : at,
      lastOutcome: outcome.kind,
      lastReason: outcome.reason,
      lastDurationMs: outcome.durationMs,
      lastBytesSent: outcome.bytesSent,
      lastZonesChanged: outcome.zonesChanged,
      bytesSentTotal: before.bytesSentTotal + outcome.bytesSent,
      zonesChangedTotal: before.zonesChangedTotal + outcome.zonesChanged,
    };
  }
  return {
    ...status,
    runs: status.runs + 1,
    failedRuns: status.failedRuns + (exitCode === 0 ? 0 : 1),
    consecutiveSkips: 0,
    lastRun: at,
    lastRunExit: exitCode,
    lastRunLog: runLog,
    lastRunProblem: problem,
    targets,
  };
}

export function recordSkip(status: PushStatus, now: Date): PushStatus {
  return { ...status, skips: status.skips + 1, consecutiveSkips: status.consecutiveSkips + 1, lastSkip: now.toISOString() };
}
