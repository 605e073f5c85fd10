// Validation before anything goes live: no mass deletion, every added or changed zone passes the
// checker (named-checkzone with strict flags by default) under rlimits, after a cheap pre-scan of
// its text, and every changed zone's serial went up, read the same way for the live and the new file.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZoneSetError } from '../shared/errors.js';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import type { ZoneFile, ZoneSetChanges } from './diff.js';
import { SANDBOX_TREE, sandboxedHelperArgv } from '../gate/sandbox.js';
import { mapLimited, runCommand } from './run-command.js';
import { prescanZone } from './prescan.js';
import { readSoaSerial, serialIncreased } from './serial.js';

export function checkDeleteShare(changes: ZoneSetChanges, settings: ZoneSetSettings): void {
  if (changes.removed.length === 0 || changes.before === 0) return;
  const share = changes.removed.length / changes.before;
  // An empty or unmounted source directory on the primary would otherwise wipe the secondary.
  if (share > settings.maxDeleteShare) {
    throw new ZoneSetError(
      'too-many-deletions',
      `the push would delete ${String(changes.removed.length)} of ${String(changes.before)} zones (${String(Math.round(share * 100))}%, limit ${String(Math.round(settings.maxDeleteShare * 100))}%); an empty or unmounted source? nothing was changed`,
    );
  }
}

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
  const { checkerMemoryMB, checkerCpuSeconds } = settings.limits;
  const limits = [PRLIMIT, `--as=${String(checkerMemoryMB * 1024 * 1024)}`, `--cpu=${String(checkerCpuSeconds)}`, '--core=0', '--'];
  // A bug in the checker's parser must not be reachable outside the sandbox: it reads client data.
  const command = [...settings.checker, zone, join(sandbox ? SANDBOX_TREE : dir, file)];
  return [...limits, ...(sandbox ? [sandbox.bwrap, ...sandboxedHelperArgv(command, dir)] : command)];
}

/**
 * The serial of one zone file, read the same way for the live file and the pushed one (the checker's
 * "loaded serial", or zonegate's own reader without a checker): a parse differential between the
 * two must not turn "the serial went up" into a skipped check. Throws when the checker refuses it.
 */
async function serialOf(
  settings: ZoneSetSettings,
  dir: string,
  zone: ZoneFile,
  sandbox: CheckerSandbox | undefined,
  which: 'pushed' | 'live',
): Promise<number | undefined> {
  if (settings.checker.length === 0) return readSoaSerial(readFileSync(join(dir, zone.file), 'utf8'));
  const shownDir = sandbox ? SANDBOX_TREE : dir;
  // Wall clock too: a checker blocked on I/O uses no CPU time.
  const result = await runCommand(
    checkerArgv(settings, dir, zone.file, zone.zone, sandbox),
    (settings.limits.checkerCpuSeconds * 2 + 10) * 1000,
  );
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

/** Checks added and changed zones; returns their new serials. */
export async function validateZones(
  settings: ZoneSetSettings,
  spareDir: string,
  liveDir: string,
  changes: ZoneSetChanges,
  sandbox?: CheckerSandbox,
): Promise<Record<string, number>> {
  const touched = [...changes.changed, ...changes.added];
  const { limits } = settings;
  // Every pushed zone is pre-scanned before any checker starts: the cheap refusals come first.
  for (const zone of touched) prescanZone(join(spareDir, zone.file), zone, limits);
  const jobs = [
    ...touched.map((zone) => ({ zone, dir: spareDir, which: 'pushed' as const })),
    ...changes.changed.map((zone) => ({ zone, dir: liveDir, which: 'live' as const })),
  ];
  const serials = await mapLimited(jobs, limits.checkerConcurrency, (job) => serialOf(settings, job.dir, job.zone, sandbox, job.which));
  const result: Record<string, number> = {};
  const live: Record<string, number | undefined> = {};
  for (const [index, job] of jobs.entries()) {
    const serial = serials[index];
    if (job.which === 'live') {
      live[job.zone.zone] = serial;
      continue;
    }
    if (serial === undefined) throw new ZoneSetError('zone-invalid', `zone ${job.zone.zone} (${job.zone.file}) has no readable SOA serial`);
    result[job.zone.zone] = serial;
  }
  for (const zone of changes.changed) {
    const before = live[zone.zone];
    const after = result[zone.zone] ?? 0;
    // An unreadable live serial is a refusal, never a skipped check (a decoy line used to do that).
    if (before === undefined) {
      throw new ZoneSetError(
        'serial-not-increased',
        `zone ${zone.zone}: the live copy has no SOA serial zonegate can read, so the new serial ${String(after)} cannot be compared; the admin of this secondary must repair the live zone`,
        { details: { zone: zone.zone, after } },
      );
    }
    // named loads a backwards serial on a primary with only a log line; its secondaries would not.
    if (!serialIncreased(before, after)) {
      throw new ZoneSetError(
        'serial-not-increased',
        `zone ${zone.zone}: serial ${String(after)} is not greater than the live ${String(before)} (RFC 1982); bump the SOA serial`,
        {
          details: { zone: zone.zone, before, after },
        },
      );
    }
  }
  return result;
}
