// One target: attempts until success, a permanent failure, the retry budget or the target's
// deadline (timeoutSeconds covers all attempts and backoffs, so a dead target's report is never
// later than its timeout). Every attempt's output goes to the run log under the target's name.

import type { Target } from '../../shared/policy/types.js';
import { runAttempt, type AttemptResult } from './attempt.js';
import { rsyncArgv, summarizeRsyncOutput } from './rsync-argv.js';
import type { RunLog } from './run-log.js';
import { renderZoneListChange } from './zone-list-change.js';
import type { TargetOutcome } from './status-file.js';
import { backoffMs, classifyExit } from './transient.js';

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
  /** Resolves when the run is being stopped (SIGINT/SIGTERM): no further attempts. */
  stopping: () => boolean;
  rsync?: string;
  ssh?: string;
  /** rsync options that leave editor and backup files out (skip.ts). */
  skip?: readonly string[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The gate's replies are the stderr lines it starts with `zonegate:`; the first one says what happened. */
function lastGateReply(stderr: string): string | undefined {
  return stderr.split('\n').find((l) => l.startsWith('zonegate:'));
}

function describe(result: AttemptResult, reason: string): string {
  const reply = lastGateReply(result.stderr);
  const sshLine = result.stderr
    .split('\n')
    .find((l) => /^ssh: |Connection (refused|timed out|closed)|Host key verification failed|Permission denied/.test(l));
  return [reason, reply?.replace(/^zonegate: /, ''), reply === undefined ? sshLine : undefined].filter(Boolean).join(': ');
}

export async function pushTarget(target: Target, options: TargetPushOptions): Promise<TargetOutcome> {
  const started = Date.now();
  const deadline = started + (target.timeoutSeconds ?? 300) * 1000;
  const retries = target.retries ?? 2;
  const argv = rsyncArgv(
    target,
    {
      ...(options.rsync === undefined ? {} : { rsync: options.rsync }),
      ...(options.ssh === undefined ? {} : { ssh: options.ssh }),
    },
    options.skip,
  );
  const { log } = options;
  const finish = (outcome: Omit<TargetOutcome, 'target' | 'durationMs'>): TargetOutcome => {
    const done: TargetOutcome = { target: target.name, durationMs: Date.now() - started, ...outcome };
    log.line(
      `${target.name}: ${done.kind}${done.status === undefined ? '' : ` (exit ${String(done.status)})`} after ${String(done.attempts)} attempt(s), ${String(done.durationMs)} ms: ${done.reason}`,
    );
    options.onPhase(target.name, { kind: 'done', outcome: done });
    return done;
  };
  for (let attempt = 1; ; attempt++) {
    options.onPhase(target.name, { kind: 'running', attempt });
    log.line(`${target.name}: attempt ${String(attempt)}: ${argv.join(' ')}`);
    const raw = await runAttempt(argv, deadline, options.env);
    const result = { ...raw, stderr: raw.stderr.replace(/\r/g, '') };
    log.block(`${target.name} rsync| `, result.stdout);
    log.block(`${target.name} stderr| `, result.stderr);
    if (result.timedOut) {
      return finish({
        kind: 'timeout',
        status: undefined,
        reason: `timed out after ${String(target.timeoutSeconds ?? 300)} s; process group killed`,
        attempts: attempt,
        bytesSent: 0,
        zonesChanged: 0,
      });
    }
    if (result.error !== undefined || result.status === undefined) {
      const why =
        result.error !== undefined
          ? `cannot run ${argv[0] ?? 'rsync'} (${result.error})`
          : `rsync killed by ${result.signal ?? 'a signal'}`;
      return finish({ kind: 'failed', status: undefined, reason: why, attempts: attempt, bytesSent: 0, zonesChanged: 0 });
    }
    const end = classifyExit(result.status, result.stderr);
    if (end.kind === 'ok') {
      const summary = summarizeRsyncOutput(result.stdout);
      const reply = lastGateReply(result.stderr)?.replace(/^zonegate: /, '');
      return finish({
        kind: 'ok',
        status: 0,
        reason: reply ?? 'pushed',
        attempts: attempt,
        bytesSent: summary.bytesSent,
        zonesChanged: summary.filesChanged + summary.deleted,
        zoneListChange: renderZoneListChange(target.name, result.stderr),
      });
    }
    if (end.kind !== 'failed') throw new Error('unreachable');
    const wait = backoffMs(attempt, options.backoffSeconds);
    const retry = end.transient && attempt <= retries && Date.now() + wait < deadline && !options.stopping();
    if (!retry)
      return finish({
        kind: 'failed',
        status: end.status,
        reason: describe(result, end.reason),
        attempts: attempt,
        bytesSent: 0,
        zonesChanged: 0,
      });
    log.line(`${target.name}: transient failure (exit ${String(end.status)}: ${end.reason}); retry in ${String(wait)} ms`);
    options.onPhase(target.name, { kind: 'backoff', attempt, untilMs: Date.now() + wait });
    await sleep(wait);
  }
}
