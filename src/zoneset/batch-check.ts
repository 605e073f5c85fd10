// BIND's batch checker: the zones of one directory checked by one `named-checkconf -z` per batch,
// over a generated config (batch-conf.ts) in a private temp file, under the same prlimit rlimits and bwrap
// sandbox as the per-zone checker. A zone the batch does not clear (an error attributed to it, no
// serial, a killed batch) is checked again on its own, so a refusal names the zone with the same
// message and exit code as the per-zone checker gives. Self-contained: one function, the contract
// of mapping servers/check-each.ts's serialOf over the jobs.
//
// Batch size: the zones spread over checkerConcurrency, at least 50 and at most 2,000 a batch and
// at most 32 MiB of zone text. Each batch costs a fixed ~25-40 ms for bwrap and the process start
// (measured, issue 15), so a 2,000-zone push is two batches, not eight. named-checkconf loads and
// frees one zone at a time, so the address-space limit still bounds the largest zone, as it does
// per zone; what a batch adds is its config: 62 MiB of address space for one zone, 68 MiB for
// 2,000 (max RSS 13 and 20 MB), a few MiB of the 1 GiB default. CPU time adds up over a batch,
// and 32 MiB of text costs a few seconds against the 60 s default. A zone that needs more than its
// batch leaves is re-checked alone with the whole limit.
//
// A batch that fails as a whole (killed by a limit, a failure no zone owns) is split into batches
// of BATCH_MIN_ZONES before zones are checked alone: with up to 2,000 zones a batch, one hostile
// zone must not cost thousands of single checks, and the zones are still checked in order, so the
// refusal names the same zone.

import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ZoneSetSettings } from '../shared/policy/types.js';
import { SANDBOX_BATCH_CONF, SANDBOX_TREE } from '../gate/sandbox.js';
import { batchable, mirrorCheckzone, readBatchOutput, renderBatchConf, type BatchChecker, type BatchEntry } from './batch-conf.js';
import { mapLimited, runCommand } from './run-command.js';
import { checkerTimeoutMs, limitedArgv, serialOf } from './servers/check-each.js';
import type { CheckerSandbox, CheckJob } from './servers/types.js';

/** named-checkzone's "loaded serial N" line: the serial it read, the same way for live and pushed files. */
export function namedLoadedSerial(output: string): number | undefined {
  const loaded = /loaded serial (\d+)/.exec(output);
  return loaded ? Number(loaded[1]) : undefined;
}

export const BATCH_MAX_ZONES = 2000;
export const BATCH_MIN_ZONES = 50;
export const BATCH_MAX_BYTES = 32 * 1024 * 1024;
/**
 * What runBatch keeps of a batch's output (whole lines only: run-command.ts). A zone whose line
 * comes after the cap has no serial from the batch and is checked alone, like any suspect.
 */
export const BATCH_MAX_OUTPUT = 4 * 1024 * 1024;

/** Splits job indices into batches (one directory each) and singles (checked one by one). */
export function planBatches<J extends BatchEntry & { dir: string }>(
  jobs: readonly J[],
  concurrency: number,
  sizeOf: (job: J) => number | undefined,
): { batches: number[][]; singles: number[] } {
  const singles: number[] = [];
  const byDir = new Map<string, number[]>();
  for (const [index, job] of jobs.entries()) {
    if (!batchable(job) || sizeOf(job) === undefined) singles.push(index);
    else {
      const indices = byDir.get(job.dir);
      if (indices === undefined) byDir.set(job.dir, [index]);
      else indices.push(index);
    }
  }
  const batches: number[][] = [];
  for (const indices of byDir.values()) {
    // Spread over the concurrency the admin allowed (two cores: two batches), but not below
    // BATCH_MIN_ZONES a batch: a process in bwrap costs more than checking fifty small zones.
    const size = Math.min(BATCH_MAX_ZONES, Math.max(BATCH_MIN_ZONES, Math.ceil(indices.length / concurrency)));
    let batch: number[] = [];
    let bytes = 0;
    for (const index of indices) {
      const job = jobs[index] as J;
      const fileBytes = sizeOf(job) ?? 0;
      if (batch.length > 0 && (batch.length >= size || bytes + fileBytes > BATCH_MAX_BYTES)) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(index);
      bytes += fileBytes;
    }
    if (batch.length > 0) batches.push(batch);
  }
  return { batches: batches.filter((batch) => batch.length > 1), singles: [...singles, ...batches.filter((b) => b.length === 1).flat()] };
}

export function fileSize(job: BatchEntry & { dir: string; size?: number | undefined }): number | undefined {
  if (job.size !== undefined) return job.size;
  try {
    const stat = statSync(join(job.dir, job.file));
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}

/** How one batch runs: the directory as the checker sees it, and its argv for a config file. */
export interface BatchRunner {
  shownDir: string;
  argv(conf: string): string[];
  timeoutMs: number;
}

/** The zone set's runner: prlimit, and bwrap with the config bound in read-only when sandboxed. */
function zoneSetRunner(settings: ZoneSetSettings, checker: BatchChecker, dir: string, sandbox: CheckerSandbox | undefined): BatchRunner {
  return {
    shownDir: sandbox ? SANDBOX_TREE : dir,
    argv: (conf) =>
      sandbox
        ? limitedArgv(settings, dir, [checker.checkconf, '-z', SANDBOX_BATCH_CONF], sandbox, [[conf, SANDBOX_BATCH_CONF]])
        : limitedArgv(settings, dir, [checker.checkconf, '-z', conf], sandbox),
    timeoutMs: checkerTimeoutMs(settings),
  };
}

/** What one batch said: the serials it read, the indices of the entries it did not clear, and whether it failed as a whole. */
export interface BatchOutcome {
  serials: (number | undefined)[];
  suspects: number[];
  /** Failed as a whole: killed (a limit, a signal; 128+n through bwrap), or a failure no zone owns. */
  whole: boolean;
}

/** One batch through named-checkconf. */
export async function runBatch(checker: BatchChecker, entries: readonly BatchEntry[], runner: BatchRunner): Promise<BatchOutcome> {
  // A private file, not stdin: named-checkconf cannot open /dev/stdin when it is Node's socket pair.
  const scratch = mkdtempSync(join(tmpdir(), 'zonegate-batch-'));
  const conf = join(scratch, 'named.conf');
  let result;
  try {
    writeFileSync(conf, renderBatchConf(runner.shownDir, entries, checker), { mode: 0o600 });
    result = await runCommand(runner.argv(conf), runner.timeoutMs, { maxOutput: BATCH_MAX_OUTPUT });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const verdicts = readBatchOutput(result.output, entries, checker);
  const serials = entries.map((entry) => verdicts.get(entry.zone)?.serial);
  const suspects = entries.flatMap((entry, index) => (verdicts.get(entry.zone)?.failed === false ? [] : [index]));
  const killed = result.error !== undefined || (result.status ?? 0) >= 128;
  // A failure no zone owns (the config, a signal after the last zone): trust none of it.
  if (suspects.length === 0 && (result.status !== 0 || killed)) return { serials, suspects: entries.map((_, index) => index), whole: true };
  return { serials, suspects, whole: killed };
}

/**
 * The serial of every job, read by the checker the way serialOf reads it, many zones per process
 * when the checker is a named-checkzone argv a batch can mirror; throws serialOf's ZoneSetError
 * for the first zone that fails on its own.
 */
export async function checkZonesInBatches(
  settings: ZoneSetSettings,
  jobs: readonly CheckJob[],
  sandbox: CheckerSandbox | undefined,
): Promise<(number | undefined)[]> {
  const serials = new Array<number | undefined>(jobs.length);
  const alone = async (index: number): Promise<void> => {
    const job = jobs[index] as CheckJob;
    serials[index] = await serialOf(settings, job, sandbox, namedLoadedSerial);
  };
  const checker = mirrorCheckzone(settings.checker);
  const concurrency = settings.limits.checkerConcurrency;
  if (checker === undefined || !existsSync(checker.checkconf)) {
    await mapLimited(
      jobs.map((_, index) => index),
      concurrency,
      alone,
    );
    return serials;
  }
  const { batches, singles } = planBatches(jobs, concurrency, fileSize);
  const units: { batch: number[] | undefined; single: number }[] = [
    ...batches.map((batch) => ({ batch, single: -1 })),
    ...singles.map((single) => ({ batch: undefined, single })),
  ];
  const inBatch = async (batch: readonly number[]): Promise<void> => {
    const batchJobs = batch.map((index) => jobs[index] as CheckJob);
    const outcome = await runBatch(checker, batchJobs, zoneSetRunner(settings, checker, batchJobs[0]?.dir ?? '', sandbox));
    for (const [at, index] of batch.entries()) serials[index] = outcome.serials[at];
    // Failed as a whole: smaller batches first, in order, so the zones go one at a time only in
    // the part that fails again.
    if (outcome.whole && batch.length > BATCH_MIN_ZONES) {
      for (let at = 0; at < batch.length; at += BATCH_MIN_ZONES) await inBatch(batch.slice(at, at + BATCH_MIN_ZONES));
      return;
    }
    // In order, one at a time: the first suspect that fails alone is the zone the refusal names.
    for (const at of outcome.suspects) await alone(batch[at] as number);
  };
  await mapLimited(units, concurrency, ({ batch, single }) => (batch === undefined ? alone(single) : inBatch(batch)));
  return serials;
}
