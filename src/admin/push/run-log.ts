// One timestamped log per run (rsync's itemized changes, the gate's `zonegate:` replies, outcomes),
// and retention: keep the newest `keep` run logs and none older than `maxDays`. Only files whose
// names this module wrote are ever removed; anything else in the directory is left alone.

import { closeSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const RUN_LOG_PATTERN = /^push-\d{8}T\d{6}\d{3}Z-\d+\.log$/;

export interface RunLog {
  file: string;
  line(text: string): void;
  /** Appends a block of output, each line prefixed (e.g. "ns2 rsync| "). */
  block(prefix: string, text: string): void;
  close(): void;
}

export function runLogName(now: Date, pid: number): string {
  return `push-${now.toISOString().replace(/[-:.]/g, '')}-${String(pid)}.log`;
}

export function openRunLog(dir: string, now = new Date()): RunLog {
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  const file = join(dir, runLogName(now, process.pid));
  const fd = openSync(file, 'a', 0o640);
  // Synchronous writes: a run killed by its own timeout or by kill -9 still leaves what it saw.
  const write = (text: string): void => {
    writeSync(fd, text);
  };
  return {
    file,
    line: (text) => write(`${new Date().toISOString()} ${text}\n`),
    block: (prefix, text) => {
      const lines = text.split('\n').filter((l) => l !== '');
      if (lines.length > 0) write(lines.map((l) => `${prefix}${l}\n`).join(''));
    },
    close: () => closeSync(fd),
  };
}

export interface LogEntry {
  name: string;
  mtimeMs: number;
}

/** Which run logs to delete (pure): beyond the newest `keep`, or older than `maxDays`; never `current`. */
export function logsToRemove(entries: readonly LogEntry[], keep: number, maxDays: number, nowMs: number, current?: string): string[] {
  const ours = entries.filter((e) => RUN_LOG_PATTERN.test(e.name) && e.name !== current);
  // Names sort by time; the current run counts towards `keep`.
  const sorted = [...ours].sort((a, b) => b.name.localeCompare(a.name));
  const room = Math.max(0, keep - (current === undefined ? 0 : 1));
  const maxAgeMs = maxDays * 86_400_000;
  return sorted.filter((e, index) => index >= room || nowMs - e.mtimeMs > maxAgeMs).map((e) => e.name).sort();
}

export function pruneRunLogs(dir: string, keep: number, maxDays: number, current?: string, nowMs = Date.now()): string[] {
  const entries: LogEntry[] = [];
  for (const name of readdirSync(dir)) {
    if (!RUN_LOG_PATTERN.test(name)) continue;
    try {
      const stat = statSync(join(dir, name));
      if (stat.isFile()) entries.push({ name, mtimeMs: stat.mtimeMs });
    } catch {
      // Removed by a concurrent prune: nothing to do.
    }
  }
  const doomed = logsToRemove(entries, keep, maxDays, nowMs, current);
  for (const name of doomed) unlinkSync(join(dir, name));
  return doomed;
}
