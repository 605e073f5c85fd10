// One timestamped log per run (rsync's itemized changes, the gate's `zonegate:` replies, outcomes)
// beside its pino events, and retention: keep the newest `keep` run logs and none older than `maxDays`,
// except that a failed run is kept for `maxDays` whatever the count (at */5, 30 runs are 2.5 hours:
// last night's failure would be gone by morning). Only files whose names this module wrote are ever
// removed; anything else in the directory is left alone.

import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A run's text log (.log) and its pino events (.jsonl) share one stem and are aged out together. */
export const RUN_LOG_PATTERN = /^(push-\d{8}T\d{9}Z-\d+)\.(log|jsonl)$/;

export interface RunLog {
  file: string;
  stem: string;
  /** Where the run's pino events go. */
  eventsFile: string;
  /** Appends one pino line to the events file (pino's destination). */
  event(text: string): void;
  /** The first write that failed (disk full, read-only remount), in one line; the run goes on and says so. */
  problem(): string | undefined;
  line(text: string): void;
  /** Appends a block of output, each line prefixed (e.g. "ns2 rsync| "). */
  block(prefix: string, text: string): void;
  close(): void;
}

export function runStem(now: Date, pid: number): string {
  return `push-${now.toISOString().replace(/[-:.]/g, '')}-${String(pid)}`;
}

export function openRunLog(dir: string, now = new Date()): RunLog {
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  const stem = runStem(now, process.pid);
  const file = join(dir, `${stem}.log`);
  const eventsFile = join(dir, `${stem}.jsonl`);
  const fd = openSync(file, 'a', 0o640);
  let events: number;
  try {
    events = openSync(eventsFile, 'a', 0o640);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let problem: string | undefined;
  // Synchronous writes: a run killed by its own timeout or by kill -9 still leaves what it saw.
  // A failed write never stops the pushes already under way; the run reports it at the end.
  const writeTo = (to: number, text: string): void => {
    try {
      writeSync(to, text);
    } catch (error) {
      problem ??= `cannot write the run log ${to === fd ? file : eventsFile}: ${errorText(error)}`;
    }
  };
  const write = (text: string): void => {
    writeTo(fd, text);
  };
  return {
    file,
    stem,
    eventsFile,
    event: (text) => {
      writeTo(events, text);
    },
    problem: () => problem,
    line: (text) => {
      write(`${new Date().toISOString()} ${text}\n`);
    },
    block: (prefix, text) => {
      const lines = text.split('\n').filter((l) => l !== '');
      if (lines.length > 0) write(lines.map((l) => `${prefix}${l}\n`).join(''));
    },
    close: () => {
      for (const open of [fd, events])
        try {
          closeSync(open);
        } catch (error) {
          problem ??= `cannot write the run log ${file}: ${errorText(error)}`;
        }
    },
  };
}

export function errorText(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? (error instanceof Error ? error.message : String(error));
}

export interface LogEntry {
  name: string;
  mtimeMs: number;
  /** Set on a run's .jsonl: the run failed (or never recorded its end: killed). */
  failed?: boolean;
}

/**
 * Which files to delete (pure): runs beyond the newest `keep`, or whose newest file is older than
 * `maxDays`; never the current run (`current` is its stem) and never a file we did not name.
 */
export function logsToRemove(entries: readonly LogEntry[], keep: number, maxDays: number, nowMs: number, current?: string): string[] {
  const runs = new Map<string, { files: string[]; mtimeMs: number; failed: boolean }>();
  for (const entry of entries) {
    const stem = RUN_LOG_PATTERN.exec(entry.name)?.[1];
    if (stem === undefined || stem === current) continue;
    const run = runs.get(stem) ?? { files: [], mtimeMs: 0, failed: false };
    run.files.push(entry.name);
    run.mtimeMs = Math.max(run.mtimeMs, entry.mtimeMs);
    run.failed ||= entry.failed === true;
    runs.set(stem, run);
  }
  // Stems sort by time (UTC stamp first); the current run counts towards `keep`, failed runs do not.
  const sorted = [...runs.entries()].sort(([a], [b]) => b.localeCompare(a));
  const room = Math.max(0, keep - (current === undefined ? 0 : 1));
  const maxAgeMs = maxDays * 86_400_000;
  let counted = 0;
  return sorted
    .filter(([, run]) => {
      if (nowMs - run.mtimeMs > maxAgeMs) return true;
      if (run.failed) return false;
      counted += 1;
      return counted > room;
    })
    .flatMap(([, run]) => run.files)
    .sort();
}

export function pruneRunLogs(dir: string, keep: number, maxDays: number, current?: string, nowMs = Date.now()): string[] {
  const entries: LogEntry[] = [];
  for (const name of readdirSync(dir)) {
    if (!RUN_LOG_PATTERN.test(name)) continue;
    try {
      const stat = statSync(join(dir, name));
      if (stat.isFile()) entries.push({ name, mtimeMs: stat.mtimeMs, failed: name.endsWith('.jsonl') && runFailed(join(dir, name)) });
    } catch {
      // Removed by a concurrent prune: nothing to do.
    }
  }
  const doomed = logsToRemove(entries, keep, maxDays, nowMs, current);
  for (const name of doomed) unlinkSync(join(dir, name));
  return doomed;
}

const TAIL_BYTES = 4096;

/** Whether a run's events end without `run-end` (killed) or with a non-zero exit code; read from the file's tail. */
export function runFailed(eventsFile: string): boolean {
  let fd: number;
  try {
    fd = openSync(eventsFile, 'r');
  } catch {
    return false;
  }
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(size, TAIL_BYTES));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    const lines = buffer
      .toString('utf8')
      .split('\n')
      .filter((line) => line.includes('"run-end"'));
    const last = lines.at(-1);
    if (last === undefined) return true;
    const end = JSON.parse(last) as { exitCode?: unknown };
    return end.exitCode !== 0;
  } catch {
    return true;
  } finally {
    closeSync(fd);
  }
}
