// Nagios/Icinga plugin output (pure): one status line with perfdata, details below, and the plugin
// exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

import type { PushStatus } from '../push/status-file.js';
import type { ZoneSetStatus } from './secondary.js';

import { NAGIOS_EXIT } from '../../shared/exit-codes.js';
import { worseNagiosLevel } from './nagios-level.js';
import { evaluateZoneSetHealth } from './nagios-zoneset.js';
import { sanitizeReason } from '../push/remote-text.js';
const LABEL = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

export interface Thresholds {
  /** Age of the last success (primary, per target) or last good push (secondary), seconds. */
  warnAge: number;
  critAge: number;
  warnFailures: number;
  critFailures: number;
  /** Consecutive runs skipped because the previous one held the lock. */
  warnSkips: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { warnAge: 3600, critAge: 3 * 3600, warnFailures: 1, critFailures: 3, warnSkips: 2 };

export interface NagiosInput {
  /** undefined: this host has no targets; null: it has targets but the status file is unreadable. */
  primary: { status: PushStatus | null; targets: readonly string[] } | undefined;
  zoneSets: readonly ZoneSetStatus[];
}

export interface NagiosResult {
  code: number;
  output: string;
}

const label = (name: string): string => `'${name.replace(/'/g, '')}'`;

export function evaluateNagios(input: NagiosInput, t: Thresholds, nowMs: number): NagiosResult {
  let code: number = NAGIOS_EXIT.ok;
  const problems: { level: number; message: string }[] = [];
  const details: string[] = [];
  const perf: string[] = [];
  const raise = (level: number, message: string): void => {
    code = worseNagiosLevel(code, level);
    problems.push({ level, message });
  };
  const age = (iso: string | undefined): number | undefined =>
    iso === undefined ? undefined : Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  const checkAge = (what: string, seconds: number | undefined, never: string): void => {
    if (seconds === undefined) raise(NAGIOS_EXIT.critical, `${what}: ${never}`);
    else if (seconds >= t.critAge) raise(NAGIOS_EXIT.critical, `${what}: last success ${String(seconds)} s ago (>= ${String(t.critAge)})`);
    else if (seconds >= t.warnAge) raise(NAGIOS_EXIT.warning, `${what}: last success ${String(seconds)} s ago (>= ${String(t.warnAge)})`);
  };
  if (input.primary !== undefined) {
    const status = input.primary.status;
    if (status === null) raise(NAGIOS_EXIT.unknown, 'push status file unreadable');
    else {
      // A run that failed as a whole (no run log) pushed nothing, and every later run fails alike
      // until someone fixes the host: page at once rather than wait for the age threshold.
      if (status.lastRunProblem !== undefined) raise(NAGIOS_EXIT.critical, `last run failed: ${status.lastRunProblem}`);
      for (const name of input.primary.targets) {
        const target = status.targets[name];
        if (target === undefined && status.runs === 0) {
          raise(NAGIOS_EXIT.unknown, `${name}: no push run recorded yet`);
          continue;
        }
        const seconds = age(target?.lastSuccess);
        const failures = target?.consecutiveFailures ?? 0;
        checkAge(name, seconds, 'never pushed successfully');
        if (failures >= t.critFailures)
          raise(NAGIOS_EXIT.critical, `${name}: ${String(failures)} consecutive failures (${target?.lastReason ?? ''})`);
        else if (failures >= t.warnFailures)
          raise(NAGIOS_EXIT.warning, `${name}: ${String(failures)} consecutive failure(s) (${target?.lastReason ?? ''})`);
        details.push(
          `${name}: ${target?.lastOutcome ?? 'never run'}, last success ${seconds === undefined ? 'never' : `${String(seconds)} s ago`}, ${String(failures)} consecutive failure(s)`,
        );
        if (seconds !== undefined) perf.push(`${label(`${name}_age`)}=${String(seconds)}s;${String(t.warnAge)};${String(t.critAge)};0`);
        perf.push(`${label(`${name}_consecutive_failures`)}=${String(failures)};${String(t.warnFailures)};${String(t.critFailures)};0`);
      }
      if (status.consecutiveSkips >= t.warnSkips)
        raise(NAGIOS_EXIT.warning, `${String(status.consecutiveSkips)} runs skipped in a row: the previous run still holds the lock`);
      perf.push(
        `'consecutive_skips'=${String(status.consecutiveSkips)};${String(t.warnSkips)};;0`,
        `'runs'=${String(status.runs)}c`,
        `'skips'=${String(status.skips)}c`,
      );
    }
  }
  for (const set of input.zoneSets) {
    const seconds = age(set.lastGoodPush);
    checkAge(`zone set ${set.name}`, seconds, 'no good push recorded');
    if (set.owed !== undefined) raise(NAGIOS_EXIT.warning, `zone set ${set.name}: ${set.owed}; the next push finishes it`);
    evaluateZoneSetHealth(set, raise, perf, nowMs);
    // A hold is deliberate but stops every push: worth a warning until it is released. The reason
    // is the admin's text, made one line without a | (which would start Nagios perfdata).
    if (set.held !== undefined) raise(NAGIOS_EXIT.warning, `zone set ${set.name} held: ${sanitizeReason(set.held.reason)}`);
    details.push(
      `zone set ${set.name}: last good push ${seconds === undefined ? 'never' : `${String(seconds)} s ago`}, release ${set.release ?? 'none'}`,
    );
    if (seconds !== undefined)
      perf.push(`${label(`zoneset_${set.name}_age`)}=${String(seconds)}s;${String(t.warnAge)};${String(t.critAge)};0`);
  }
  if (input.primary === undefined && input.zoneSets.length === 0)
    raise(NAGIOS_EXIT.unknown, 'no targets and no zone sets in the config: nothing to monitor');
  if (input.primary?.status) {
    const { status: pushStatus, targets } = input.primary;
    const failing = targets.filter((name) => (pushStatus.targets[name]?.consecutiveFailures ?? 0) > 0).length;
    perf.push(`'targets_failing'=${String(failing)};;;0;${String(targets.length)}`);
  }
  // A `|` would start the perfdata part early; a newline would start the long output.
  const headline = renderHeadline(problems, details.length).replace(/[|\n]/g, '/');
  // Past the headline's few problems, each one gets a line of the long output, worst first.
  const more = problems.length > HEADLINE_PROBLEMS ? worstFirst(problems).map((p) => `problem: ${p.message}`) : [];
  return {
    code,
    output: `ZONEGATE ${LABEL[code] ?? 'UNKNOWN'} - ${headline} | ${perf.join(' ')}\n${[...more, ...details].map((d) => `${d}\n`).join('')}`,
  };
}

/**
 * Problems named on the status line. With a hundred targets, half of them failing would make a
 * status line of tens of kilobytes, past what Nagios keeps of a plugin's output (and what fits a
 * pager's SMS); the line names the worst few and counts the rest, which follow one per line.
 */
const HEADLINE_PROBLEMS = 5;

const SEVERITY = [0, 2, 3, 1]; // OK, WARNING, CRITICAL, UNKNOWN: critical first, then warning, then unknown
function worstFirst(problems: readonly { level: number; message: string }[]): { level: number; message: string }[] {
  return [...problems].sort((a, b) => (SEVERITY[b.level] ?? 0) - (SEVERITY[a.level] ?? 0));
}

function renderHeadline(problems: readonly { level: number; message: string }[], items: number): string {
  if (problems.length === 0) return `${String(items)} item(s) fine`;
  if (problems.length <= HEADLINE_PROBLEMS) return problems.map((p) => p.message).join('; ');
  const shown = worstFirst(problems).slice(0, HEADLINE_PROBLEMS);
  return `${shown.map((p) => p.message).join('; ')}; and ${String(problems.length - HEADLINE_PROBLEMS)} more problem(s), listed below`;
}
