// One zone through the configured checker (named-checkzone with strict flags by default), under
// prlimit and, when the gate sandboxes, in bwrap: the per-zone path, and the fallback that names
// the zone when a batch (batch-check.ts) fails.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZoneSetError } from '../shared/errors.js';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import type { ZoneFile } from './diff.js';
import { SANDBOX_TREE, sandboxedHelperArgv } from '../gate/sandbox.js';
import { runCommand } from './run-command.js';
import { readSoaSerial } from './serial.js';

/** How the checker is run: directly, or through bwrap (the files it reads come from the client). */
export interface CheckerSandbox {
  bwrap: string;
}

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

/**
 * The serial of one zone file, read the same way for the live file and the pushed one (the checker's
 * "loaded serial", or zonegate's own reader without a checker): a parse differential between the
 * two must not turn "the serial went up" into a skipped check. Throws when the checker refuses it.
 */
export async function serialOf(
  settings: ZoneSetSettings,
  dir: string,
  zone: ZoneFile,
  sandbox: CheckerSandbox | undefined,
  which: 'pushed' | 'live',
): Promise<number | undefined> {
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
  const loaded = /loaded serial (\d+)/.exec(result.output);
  return loaded ? Number(loaded[1]) : readSoaSerial(readFileSync(join(dir, zone.file), 'utf8'));
}
