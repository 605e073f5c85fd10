// The checker run once per zone file, under prlimit and (when the gate sandboxes) bwrap: what every
// adapter does today (BIND's batch check, src/zoneset/batch-check.ts, may replace it for named).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZoneSetError } from '../../shared/errors.js';
import type { ZoneSetSettings } from '../../shared/policy/types.js';
import { SANDBOX_TREE, sandboxedHelperArgv } from '../../gate/sandbox.js';
import { mapLimited, runCommand } from '../run-command.js';
import { readSoaSerial } from '../serial.js';
import type { CheckerSandbox, CheckJob } from './types.js';

/** util-linux's prlimit: Node cannot set rlimits on a child, and bwrap has no option for them. */
export const PRLIMIT = '/usr/bin/prlimit';

/**
 * The checker's argv: under prlimit (address space, CPU time, no core file), which the whole tree
 * below it inherits, bwrap included, so the limits hold with or without the sandbox.
 */
export function checkerArgv(
  settings: ZoneSetSettings,
  dir: string,
  file: string,
  zone: string,
  sandbox: CheckerSandbox | undefined,
): string[] {
  return limitedArgv(settings, dir, [...settings.checker, zone, join(sandbox ? SANDBOX_TREE : dir, file)], sandbox);
}

/** Any checker command (per zone, or a batch) on the files of `dir`, under the zone set's rlimits. */
export function limitedArgv(
  settings: ZoneSetSettings,
  dir: string,
  command: readonly string[],
  sandbox: CheckerSandbox | undefined,
  files: readonly (readonly [string, string])[] = [],
): string[] {
  const { checkerMemoryMB, checkerCpuSeconds } = settings.limits;
  const limits = [PRLIMIT, `--as=${String(checkerMemoryMB * 1024 * 1024)}`, `--cpu=${String(checkerCpuSeconds)}`, '--core=0', '--'];
  // A bug in the checker's parser must not be reachable outside the sandbox: it reads client data.
  return [...limits, ...(sandbox ? [sandbox.bwrap, ...sandboxedHelperArgv(command, dir, files)] : command)];
}

/** Wall clock too: a checker blocked on I/O uses no CPU time. */
export function checkerTimeoutMs(settings: ZoneSetSettings): number {
  return (settings.limits.checkerCpuSeconds * 2 + 10) * 1000;
}

/** Reads the serial the checker says it loaded; undefined: zonegate's own reader reads the file. */
export type LoadedSerial = (output: string) => number | undefined;

/**
 * The serial of one zone file, read the same way for the live file and the pushed one (the checker's
 * "loaded serial" where it prints one, or zonegate's own reader): a parse differential between the
 * two must not turn "the serial went up" into a skipped check. Throws when the checker refuses it.
 */
export async function serialOf(
  settings: ZoneSetSettings,
  job: CheckJob,
  sandbox: CheckerSandbox | undefined,
  loadedSerial: LoadedSerial,
): Promise<number | undefined> {
  const { dir, which } = job;
  const zone = { zone: job.zone, file: job.file };
  if (settings.checker.length === 0) return readSoaSerial(readFileSync(join(dir, zone.file), 'utf8'));
  const shownDir = sandbox ? SANDBOX_TREE : dir;
  const result = await runCommand(checkerArgv(settings, dir, zone.file, zone.zone, sandbox), checkerTimeoutMs(settings));
  if (result.status !== 0) {
    // The checker's own words, minus the spare's path (meaningless to the client).
    // Killed (by signal, or 128+n through bwrap): most likely by its CPU-time or memory limit, and
    // what it printed then is a backtrace: one line of it is enough.
    const killed = result.error !== undefined || (result.status ?? 0) >= 128;
    const said = result.output
      .split(shownDir + '/')
      .join('')
      // nsd-checkzone starts each line with "[time] nsd-checkzone[pid]: ": noise for the client.
      .replace(/^\[[^\]\n]*\] [\w.-]+\[\d+\]: /gm, '')
      .trim()
      .split('\n')
      .slice(0, killed ? 1 : 6)
      .join('; ');
    const limited = killed
      ? ` (the checker was stopped: zoneSet.limits.checkerCpuSeconds ${String(settings.limits.checkerCpuSeconds)}, checkerMemoryMB ${String(settings.limits.checkerMemoryMB)})`
      : '';
    throw new ZoneSetError(
      'zone-invalid',
      `${which === 'live' ? 'the live copy of ' : ''}zone ${zone.zone} (${zone.file}) is invalid: ${said || (result.error ?? `checker exit ${String(result.status)}`)}${limited}`,
      { details: { zone: zone.zone } },
    );
  }
  return loadedSerial(result.output) ?? readSoaSerial(readFileSync(join(dir, zone.file), 'utf8'));
}

/** Checks the jobs one checker process each, at most limits.checkerConcurrency at once. */
export function checkEachZone(
  settings: ZoneSetSettings,
  jobs: readonly CheckJob[],
  sandbox: CheckerSandbox | undefined,
  loadedSerial: LoadedSerial = () => undefined,
): Promise<(number | undefined)[]> {
  return mapLimited(jobs, settings.limits.checkerConcurrency, (job) => serialOf(settings, job, sandbox, loadedSerial));
}
