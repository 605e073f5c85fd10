// The primary's pre-send check, batched: the changed zones go through one `named-checkconf -z` per
// batch (zoneset/batch-check.ts, the mechanism the secondaries use) when the configured checker is
// a named-checkzone argv a batch can mirror. The zones a batch clears need no checker of their own;
// every other zone is checked alone by the caller, so a problem reads as it always did.

import { existsSync } from 'node:fs';
import { mirrorCheckzone } from '../../zoneset/batch-conf.js';
import { fileSize, planBatches, runBatch } from '../../zoneset/batch-check.js';
import { mapLimited } from '../../zoneset/run-command.js';

/** A batch on the primary gets what a per-zone check gets there: no sandbox, no rlimits. */
const BATCH_TIMEOUT_MS = 300_000;

/** The files of `entries` (zone, file in `dir`) that a batch cleared. */
export async function clearedByBatch(
  checker: readonly string[],
  dir: string,
  entries: readonly { zone: string; file: string }[],
  concurrency: number,
): Promise<Set<string>> {
  const cleared = new Set<string>();
  const mirror = mirrorCheckzone(checker);
  if (mirror === undefined || !existsSync(mirror.checkconf)) return cleared;
  const jobs = entries.map((entry) => ({ ...entry, dir }));
  const { batches } = planBatches(jobs, concurrency, fileSize);
  const runner = { shownDir: dir, argv: (conf: string) => [mirror.checkconf, '-z', conf], timeoutMs: BATCH_TIMEOUT_MS };
  await mapLimited(batches, concurrency, async (batch) => {
    const batchJobs = batch.map((index) => jobs[index] as (typeof jobs)[number]);
    const { suspects } = await runBatch(mirror, batchJobs, runner);
    for (const [at, job] of batchJobs.entries()) if (!suspects.includes(at)) cleared.add(job.file);
  });
  return cleared;
}
