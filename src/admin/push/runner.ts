// `zonegate push`: lock, validate, push every selected target in parallel (bounded), record
// counters, alert on failure, and return the exit code for cron. Quiet on success unless a person
// watches (TTY progress); on failure one summary on stderr, which is what cron mails.

import { hostname } from 'node:os';
import pino from 'pino';
import { UsageError } from '../../shared/errors.js';
import type { Policy, PushSettings, Target } from '../../shared/policy/types.js';
import { alertFailure, ping } from './alerts.js';
import { killGroup, liveGroups } from './attempt.js';
import { PUSH_EXIT } from '../../shared/exit-codes.js';
import { runExitCode } from './run-exit-code.js';
import { tryLock } from './lock.js';
import { pushSettings } from './settings.js';
import { startProgress, type ProgressDisplay } from './progress.js';
import { errorText, openRunLog, pruneRunLogs, type RunLog } from './run-log.js';
import { readStatus, recordRun, recordSkip, statusFile, writeStatus, type TargetOutcome } from './status-file.js';
import { skipOptions } from './skip.js';
import { pushTarget } from './target-push.js';
import { makeSlots } from './slots.js';
import { renderRunJson } from './run-json.js';
import { validateSources } from './validate-all.js';
import { renderDryRun } from './dry-run.js';

export interface PushRunOptions {
  policy: Policy;
  only: readonly string[];
  overrides: Partial<Pick<PushSettings, 'stateDir' | 'logDir' | 'lockFile' | 'concurrency'>>;
  progress: boolean;
  /** Print the run as one JSON object on stdout at the end (run-json.ts). */
  json?: boolean;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WritableStream;
  /** `--dry-run` (dry-run.ts): report what each target would do; no status, alerts or pings. */
  dryRun?: boolean;
}

export function selectTargets(policy: Policy, only: readonly string[]): Target[] {
  if (only.length === 0) {
    if (policy.targets.size === 0) throw new UsageError('no-targets', `${policy.source}: targets: the config lists no targets to push to`);
    return [...policy.targets.values()];
  }
  return only.map((name) => {
    const target = policy.targets.get(name);
    if (target === undefined)
      throw new UsageError(
        'unknown-target',
        `${name}: no such target under "targets" in ${policy.source} (known: ${[...policy.targets.keys()].join(', ')})`,
      );
    return target;
  });
}

const CHILD_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', HOME: process.env['HOME'] ?? '/' };

export async function runPush(options: PushRunOptions): Promise<number> {
  const settings = pushSettings(options.policy, options.overrides);
  const targets = selectTargets(options.policy, options.only);
  const statusPath = statusFile(settings.stateDir);
  const lock = await tryLock(settings.lockFile);
  if (lock.kind === 'busy' && options.dryRun === true) {
    options.stderr.write(`zonegate push: dry run not started: a run holds ${settings.lockFile} (${lock.holder ?? 'holder unknown'})\n`);
    return PUSH_EXIT.skipped;
  }
  if (lock.kind === 'busy') {
    const status = recordSkip(readStatus(statusPath), new Date());
    writeStatus(statusPath, status);
    // One skip is a slow run; several in a row is a hung one that blocks every later push.
    if (status.consecutiveSkips >= settings.skipAlertAfter) {
      const summary = `zonegate push: skipped ${String(status.consecutiveSkips)} runs in a row: the previous run still holds ${settings.lockFile} (${lock.holder ?? 'holder unknown'})`;
      options.stderr.write(`${summary}\n`);
      for (const problem of await alertFailure(
        settings,
        { outcome: 'skipped', exitCode: PUSH_EXIT.skipped, summary, runLog: undefined },
        CHILD_ENV,
        hostname(),
      ))
        options.stderr.write(`zonegate push: alert failed: ${problem}\n`);
    }
    if (options.json === true) options.stdout.write(renderRunJson({ exitCode: PUSH_EXIT.skipped, outcomes: [], runLog: undefined }));
    return PUSH_EXIT.skipped;
  }
  let log: RunLog;
  try {
    log = openRunLog(settings.logDir);
  } catch (error) {
    // A run that cannot keep its log pushes nothing (never lose what a push did), but it still
    // counts as a failed run and says why, so status and Nagios see it instead of a stack trace.
    try {
      const problem = `cannot write the run log in ${settings.logDir}: ${errorText(error)}`;
      const exitCode = await failWithoutLog(settings, problem, options.stderr);
      if (options.json === true) options.stdout.write(renderRunJson({ exitCode, outcomes: [], runLog: undefined, problem }));
      return exitCode;
    } finally {
      lock.release();
    }
  }
  try {
    return await pushAll(targets, settings, log, options);
  } finally {
    log.close();
    lock.release();
  }
}

async function failWithoutLog(settings: ReturnType<typeof pushSettings>, problem: string, stderr: NodeJS.WritableStream): Promise<number> {
  const statusPath = statusFile(settings.stateDir);
  const exitCode = PUSH_EXIT.failed;
  writeStatus(statusPath, recordRun(readStatus(statusPath), [], exitCode, new Date(), undefined, problem));
  const summary = `zonegate push: run failed, nothing pushed: ${problem}\n`;
  stderr.write(summary);
  for (const alert of await alertFailure(settings, { outcome: 'failed', exitCode, summary, runLog: undefined }, CHILD_ENV, hostname()))
    stderr.write(`zonegate push: alert failed: ${alert}\n`);
  return exitCode;
}

async function pushAll(
  targets: readonly Target[],
  settings: ReturnType<typeof pushSettings>,
  log: RunLog,
  options: PushRunOptions,
): Promise<number> {
  const statusPath = statusFile(settings.stateDir);
  const events = pino(
    { base: { component: 'push', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    {
      write: (text: string) => {
        log.event(text);
      },
    },
  );
  // A signal (cron's or systemd's stop, Ctrl-C, a closed terminal) stops the run: every attempt's
  // process group gets TERM, then KILL if it lingers; no new attempt starts, backoffs end at once,
  // and the run is recorded as interrupted before the process exits 128 + the signal's number.
  const stopper = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    log.line(`received ${signal}: stopping every attempt`);
    for (const pid of liveGroups) killGroup(pid, 'SIGTERM');
    setTimeout(() => {
      for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
    }, 2000).unref();
    stopper.abort(signal);
  };
  process.on('SIGTERM', stop).on('SIGINT', stop).on('SIGHUP', stop);
  let display: ProgressDisplay | undefined;
  try {
    let removed: string[] = [];
    try {
      removed = pruneRunLogs(settings.logDir, settings.keepLogs, settings.keepLogDays, log.stem);
    } catch (error) {
      log.line(`cannot remove old run logs: ${errorText(error)}`);
    }
    log.line(
      `run start: pid ${String(process.pid)}, targets ${targets.map((t) => t.name).join(', ')}; removed ${String(removed.length)} old log file(s)`,
    );
    events.info(
      { event: 'run-start', targets: targets.map((t) => t.name), logsRemoved: removed.length },
      `run start: ${String(targets.length)} target(s)`,
    );
    const pingProblems: (string | undefined)[] = [];
    const started =
      settings.pingUrl === undefined || options.dryRun === true ? Promise.resolve(undefined) : ping(settings.pingUrl, 'start', '');
    const blocked = await validateSources(targets, settings, log);
    if (options.progress)
      display = startProgress(
        options.stdout,
        targets.map((t) => t.name),
      );
    // Every target starts at once and waits for a slot per attempt (slots.ts): a target waiting out
    // a backoff gives its slot to the next one, so dead secondaries never stall the fleet.
    const slots = makeSlots(settings.concurrency);
    const outcomes = await Promise.all(
      targets.map(async (target): Promise<TargetOutcome> => {
        const invalid = blocked.get(target.name);
        const outcome =
          invalid ??
          (await pushTarget(target, {
            backoffSeconds: settings.backoffSeconds,
            env: CHILD_ENV,
            skip: skipOptions(settings),
            log,
            stop: stopper.signal,
            slots,
            onPhase: (name, phase) => display?.update(name, phase),
            ...(options.dryRun === true ? { dryRun: true } : {}),
          }));
        if (invalid) display?.update(target.name, { kind: 'done', outcome: invalid });
        // Each target is reported the moment it ends: a dead or slow one never holds the others' records back.
        events[outcome.kind === 'ok' ? 'info' : 'error'](
          { event: 'target', ...outcome },
          `${outcome.target}: ${outcome.kind}${outcome.status === undefined ? '' : ` (exit ${String(outcome.status)})`}`,
        );
        return outcome;
      }),
    );
    display?.stop();
    display = undefined;
    const byTargets = runExitCode(outcomes, stopper.signal.aborted ? (stopper.signal.reason as NodeJS.Signals) : undefined);
    log.line(`run end: exit ${String(byTargets)}`);
    events.info(
      { event: 'run-end', exitCode: byTargets, failed: outcomes.filter((o) => o.kind !== 'ok').map((o) => o.target) },
      `run end: exit ${String(byTargets)}`,
    );
    // The log's first failed write (disk full mid-run) fails the run: what was pushed is not on record.
    const problem = log.problem();
    const exitCode = problem !== undefined && byTargets === PUSH_EXIT.ok ? PUSH_EXIT.partial : byTargets;
    if (options.dryRun === true) {
      // Nothing went live: the status file, monitoring and alerts see only real runs.
      const report = renderDryRun(outcomes);
      for (const line of report.trimEnd().split('\n')) log.line(`dry run: ${line}`);
      options.stdout.write(options.json === true ? renderRunJson({ exitCode, outcomes, runLog: log.file, dryRun: true }) : report);
      return exitCode;
    }
    writeStatus(statusPath, recordRun(readStatus(statusPath), outcomes, exitCode, new Date(), log.file, problem));
    const summary = `${renderSummary(outcomes, log.file)}${problem === undefined ? '' : `  run problem: ${problem}\n`}`;
    // The served zone list changed on a secondary: worth a mail even when every push succeeded.
    const zoneListChanges = outcomes.flatMap((o) => o.zoneListChange ?? []);
    for (const line of zoneListChanges) log.line(line);
    if (zoneListChanges.length > 0) options.stderr.write(`${zoneListChanges.join('\n')}\n`);
    pingProblems.push(await started);
    if (exitCode !== PUSH_EXIT.ok) {
      options.stderr.write(summary);
      const event = {
        outcome: exitCode === PUSH_EXIT.partial ? ('partial' as const) : ('failed' as const),
        exitCode,
        summary,
        runLog: log.file,
      };
      for (const alert of await alertFailure(settings, event, CHILD_ENV, hostname())) pingProblems.push(alert);
    } else if (settings.pingUrl !== undefined) {
      pingProblems.push(await ping(settings.pingUrl, 'success', summary));
    }
    if (options.json === true)
      options.stdout.write(renderRunJson({ exitCode, outcomes, runLog: log.file, ...(problem === undefined ? {} : { problem }) }));
    for (const alert of pingProblems.filter(Boolean)) {
      log.line(`alert problem: ${String(alert)}`);
      options.stderr.write(`zonegate push: alert failed: ${String(alert)}\n`);
    }
    return exitCode;
  } finally {
    display?.stop();
    process.off('SIGTERM', stop).off('SIGINT', stop).off('SIGHUP', stop);
  }
}

/**
 * What cron mails on failure: a count, then one line per target that did not succeed, then the run
 * log. Targets that succeeded are not listed: with a hundred of them the two that failed would be
 * lost in the mail (they are all in the run log and `--json`).
 */
export function renderSummary(outcomes: readonly TargetOutcome[], runLog: string): string {
  const ok = outcomes.filter((o) => o.kind === 'ok').length;
  const lines = outcomes
    .filter((o) => o.kind !== 'ok')
    .map((o) => `  ${o.target}: ${o.kind}${o.status === undefined ? '' : ` (exit ${String(o.status)})`}: ${o.reason}\n`);
  return `zonegate push: ${String(ok)} of ${String(outcomes.length)} target(s) ok\n${lines.join('')}  log: ${runLog}\n`;
}
