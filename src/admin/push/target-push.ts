// One target: attempts until success, a permanent failure, the retry budget, or the run being
// stopped by a signal. timeoutSeconds is one attempt's limit (as docs/configuration.md says): a
// timed-out attempt is killed with its process group and, like a dropped link, retried. Every
// attempt's output goes to the run log under the target's name.

import { identityProblem, SSH_KEY_WARNING } from './identity-check.js';
import type { Target } from '../../shared/policy/types.js';
import { runAttempt, type AttemptResult } from './attempt.js';
import { MAX_REASON_CHARS, sanitizeReason, sanitizeRemoteText } from './remote-text.js';
import { rsyncArgv, summarizeRsyncOutput } from './rsync-argv.js';
import type { RunLog } from './run-log.js';
import { renderZoneListChange } from './zone-list-change.js';
import type { TargetOutcome } from './status-file.js';
import { GATE_EXIT_PREFIX, GATE_PROGRESS_PREFIX } from '../../shared/exit-codes.js';
import { backoffMs, classifyExit } from './transient.js';
import type { Slots } from './slots.js';
import { renderTiming, targetTiming, type TargetTiming } from './timing.js';
import { dryRunOptions, dryRunReport } from './dry-run.js';

export type TargetPhase =
  | { kind: 'waiting' }
  | { kind: 'running'; attempt: number }
  | { kind: 'backoff'; attempt: number; untilMs: number }
  | { kind: 'done'; outcome: TargetOutcome };

export interface TargetPushOptions {
  backoffSeconds: readonly number[];
  env: Record<string, string>;
  log: RunLog;
  onPhase(target: string, phase: TargetPhase): void;
  /** Aborted when the run is being stopped (SIGTERM, SIGINT, SIGHUP): no further attempts, no more waiting. */
  stop: AbortSignal;
  /** The run's concurrency: one slot per running attempt, given back during a backoff. */
  slots: Slots;
  rsync?: string;
  ssh?: string;
  /** rsync options that leave editor and backup files out (skip.ts). */
  skip?: readonly string[];
  /** `push --dry-run` (dry-run.ts): the gate checks and reports, nothing goes live. */
  dryRun?: boolean;
}

/** Waits `ms`, or less when `stop` aborts: a backoff must never hold a killed run open. */
function pause(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      stop.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop.addEventListener('abort', done, { once: true });
  });
}

/** Why the run stopped, in the words the summary and the status file keep. */
function stopReason(stop: AbortSignal): string {
  return `interrupted by ${typeof stop.reason === 'string' ? stop.reason : 'a signal'}`;
}

/**
 * The gate's replies are the stderr lines it starts with `zonegate:`; the first one that is neither
 * a progress note nor the closing `zonegate: exit N` says what happened. Sanitized: it comes from
 * the secondary.
 */
function gateReply(stderr: string): string | undefined {
  const line = stderr
    .split('\n')
    .find((l) => l.startsWith('zonegate:') && !l.startsWith(GATE_PROGRESS_PREFIX) && !l.startsWith(GATE_EXIT_PREFIX));
  return line === undefined ? undefined : sanitizeReason(line.replace(/^zonegate: /, ''));
}

function describe(result: AttemptResult, reason: string): string {
  const reply = gateReply(result.stderr);
  const lines = result.stderr.split('\n');
  // ssh's warning about the key itself says more than the "Permission denied" that follows it.
  const sshLine =
    lines.find((l) => SSH_KEY_WARNING.test(l)) ??
    lines.find((l) => /^ssh: |Connection (refused|timed out|closed)|Host key verification failed|Permission denied/.test(l));
  return sanitizeReason([reason, reply, reply === undefined ? sshLine : undefined].filter(Boolean).join(': '), 2 * MAX_REASON_CHARS);
}

export async function pushTarget(target: Target, options: TargetPushOptions): Promise<TargetOutcome> {
  const started = Date.now();
  const timeoutSeconds = target.timeoutSeconds ?? 300;
  const retries = target.retries ?? 2;
  const pushArgv = rsyncArgv(
    target,
    {
      ...(options.rsync === undefined ? {} : { rsync: options.rsync }),
      ...(options.ssh === undefined ? {} : { ssh: options.ssh }),
    },
    options.skip,
  );
  const argv = options.dryRun === true ? [pushArgv[0] ?? 'rsync', ...dryRunOptions(target), ...pushArgv.slice(1)] : pushArgv;
  const { log } = options;
  let timing: TargetTiming | undefined;
  const finish = (outcome: Omit<TargetOutcome, 'target' | 'durationMs'>): TargetOutcome => {
    const done: TargetOutcome = {
      target: target.name,
      durationMs: Date.now() - started,
      ...outcome,
      // The reason quotes the secondary's replies: one line, no `|`, bounded, before it is stored.
      reason: sanitizeRemoteText(outcome.reason, { maxChars: MAX_REASON_CHARS, oneLine: true }),
      ...(timing === undefined ? {} : { timing }),
    };
    if (timing !== undefined) log.line(`${target.name}: ${renderTiming(timing)}`);
    log.line(
      `${target.name}: ${done.kind}${done.status === undefined ? '' : ` (exit ${String(done.status)})`} after ${String(done.attempts)} attempt(s), ${String(done.durationMs)} ms: ${done.reason}`,
    );
    options.onPhase(target.name, { kind: 'done', outcome: done });
    return done;
  };
  const { stop } = options;
  const interrupted = (attempts: number): TargetOutcome =>
    finish({ kind: 'interrupted', status: undefined, reason: stopReason(stop), attempts, bytesSent: 0, zonesChanged: 0 });
  const keyProblem = identityProblem(target.identity);
  if (keyProblem !== undefined) {
    log.line(`${target.name}: not attempted: ${keyProblem}`);
    return finish({ kind: 'failed', status: undefined, reason: keyProblem, attempts: 0, bytesSent: 0, zonesChanged: 0 });
  }
  for (let attempt = 1; ; attempt++) {
    const release = await options.slots.acquire(stop);
    if (release === undefined) return interrupted(attempt - 1);
    options.onPhase(target.name, { kind: 'running', attempt });
    log.line(`${target.name}: attempt ${String(attempt)}: ${argv.join(' ')}`);
    let raw: AttemptResult;
    try {
      raw = await runAttempt(argv, Date.now() + timeoutSeconds * 1000, options.env);
    } finally {
      release();
    }
    const result = { ...raw, stderr: raw.stderr.replace(/\r/g, '') };
    timing = targetTiming(result);
    log.block(`${target.name} rsync| `, result.stdout);
    log.block(`${target.name} stderr| `, result.stderr);
    const end = attemptEnd(result, argv[0] ?? 'rsync');
    if (end.kind === 'ok') {
      const summary = summarizeRsyncOutput(result.stdout);
      const reply = gateReply(result.stderr);
      return finish({
        kind: 'ok',
        status: 0,
        reason: reply ?? 'pushed',
        attempts: attempt,
        bytesSent: summary.bytesSent,
        zonesChanged: summary.filesChanged + summary.deleted,
        zoneListChange: renderZoneListChange(target.name, result.stderr),
        ...(options.dryRun === true ? { dryRun: dryRunReport(target, result.stdout, result.stderr) } : {}),
      });
    }
    // An attempt the stop killed failed because of the stop, whatever rsync said on the way out.
    if (stop.aborted) return interrupted(attempt);
    const wait = backoffMs(attempt, options.backoffSeconds);
    if (!end.transient || attempt > retries)
      return finish({
        kind: end.kind,
        status: end.status,
        reason: end.kind === 'timeout' ? end.reason : describe(result, end.reason),
        attempts: attempt,
        bytesSent: 0,
        zonesChanged: 0,
      });
    log.line(
      `${target.name}: transient failure (${end.status === undefined ? '' : `exit ${String(end.status)}: `}${end.reason}); retry in ${String(wait)} ms`,
    );
    options.onPhase(target.name, { kind: 'backoff', attempt, untilMs: Date.now() + wait });
    await pause(wait, stop);
  }

  function attemptEnd(
    result: AttemptResult,
    program: string,
  ): { kind: 'ok' } | { kind: 'failed' | 'timeout'; status: number | undefined; transient: boolean; reason: string } {
    // A stuck secondary (or link) is worth another attempt with a fresh limit, like a dropped one.
    if (result.timedOut)
      return {
        kind: 'timeout',
        status: undefined,
        transient: true,
        reason: `timed out after ${String(timeoutSeconds)} s; process group killed`,
      };
    if (result.error !== undefined)
      return { kind: 'failed', status: undefined, transient: false, reason: `cannot run ${program} (${result.error})` };
    if (result.status === undefined)
      return { kind: 'failed', status: undefined, transient: false, reason: `rsync killed by ${result.signal ?? 'a signal'}` };
    const end = classifyExit(result.status, result.stderr);
    if (end.kind === 'ok') return end;
    if (end.kind !== 'failed') throw new Error('unreachable');
    return { kind: 'failed', status: end.status, transient: end.transient, reason: end.reason };
  }
}
