// The primary's pre-send check, batched: the changed zones go through one `named-checkconf -z` per
// batch (zoneset/batch-check.ts, the mechanism the secondaries use) when the configured checker is
// a named-checkzone argv a batch can mirror. The zones a batch clears need no checker of their own;
// every other zone is checked alone by the caller, so a problem reads as it always did.

import { existsSync } from 'node:fs';
import { mirrorCheckzone } from '../../zoneset/batch-conf.js';
import { BATCH_MIN_ZONES, fileSize, planBatches, runBatch } from '../../zoneset/batch-check.js';
import { mapLimited } from '../../zoneset/run-command.js';

/** A batch on the primary gets what a per-zone check gets there: no sandbox, no rlimits. */
const BATCH_TIMEOUT_MS = 300_000;

/** The files of `entries` (zone, file in `dir`, its size when known) that a batch cleared. */
export async function clearedByBatch(
  checker: readonly string[],
  dir: string,
  entries: readonly { zone: string; file: string; size?: number | undefined }[],
  concurrency: number,
): Promise<Set<string>> {
  const cleared = new Set<string>();
  const mirror = mirrorCheckzone(checker);
  if (mirror === undefined || !existsSync(mirror.checkconf)) return cleared;
  const jobs = entries.map((entry) => ({ ...entry, dir }));
  const { batches } = planBatches(jobs, concurrency, fileSize);
  const runner = { shownDir: dir, argv: (conf: string) => [mirror.checkconf, '-z', conf], timeoutMs: BATCH_TIMEOUT_MS };
  const inBatch = async (batch: readonly number[]): Promise<void> => {
    const batchJobs = batch.map((index) => jobs[index] as (typeof jobs)[number]);
    const outcome = await runBatch(mirror, batchJobs, runner);
    // Failed as a whole (killed): smaller batches, as on the secondaries, before the caller checks zones alone.
    if (outcome.whole && batch.length > BATCH_MIN_ZONES) {
      for (let at = 0; at < batch.length; at += BATCH_MIN_ZONES) await inBatch(batch.slice(at, at + BATCH_MIN_ZONES));
      return;
    }
    const suspects = new Set(outcome.suspects);
    for (const [at, job] of batchJobs.entries()) if (!suspects.has(at)) cleared.add(job.file);
  };
  await mapLimited(batches, concurrency, inBatch);
  return cleared;
}
