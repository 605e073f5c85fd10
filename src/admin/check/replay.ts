// `zonegate check --replay LOG`: re-decides every request in a gate audit log against the current
// policy and lists those whose verdict or reason would change.

import { readFileSync } from 'node:fs';
import { UsageError } from '../../shared/errors.js';
import type { Policy } from '../../shared/policy/types.js';
import { checkRequest, type CheckResult } from './check-request.js';

/** Reasons of the filesystem step: re-decided where the tree exists, not replayable where it does not. */
const FILESYSTEM_REASONS = new Set(['symlink-escape', 'root-unavailable', 'path-unresolvable']);

/** Reasons decided at run time (sandbox, log, config); replay cannot re-decide them. */
const RUNTIME_REASONS = new Set([
  'sandbox-unavailable',
  'log-unwritable',
  'spawn-failed',
  'rsync-missing',
  'internal-error',
  'gate-usage',
  'config-missing',
  'config-unreadable',
  'config-unsafe',
  'config-syntax',
  'config-invalid',
]);

export interface ReplayChange {
  ref: string;
  before: string;
  after: CheckResult;
}

export interface ReplayReport {
  replayed: number;
  skipped: number;
  changes: ReplayChange[];
}

interface DecisionRecord {
  event?: unknown;
  ref?: unknown;
  key?: unknown;
  client?: unknown;
  command?: unknown;
  commandBase64?: unknown;
  verdict?: unknown;
  reason?: unknown;
}

export function replayLog(policy: Policy, logFile: string): ReplayReport {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch (error) {
    throw new UsageError('replay-unreadable', `cannot read ${logFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
    });
  }
  const report: ReplayReport = { replayed: 0, skipped: 0, changes: [] };
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let record: DecisionRecord;
    try {
      record = JSON.parse(line) as DecisionRecord;
    } catch {
      throw new UsageError('replay-bad-line', `${logFile}:${String(index + 1)}: not a JSON log line`);
    }
    if (record.event !== 'decision') continue;
    const reason = typeof record.reason === 'string' ? record.reason : undefined;
    if (typeof record.key !== 'string' || record.key === '' || (reason !== undefined && RUNTIME_REASONS.has(reason))) {
      report.skipped++;
      continue;
    }
    const after = checkRequest(policy, {
      key: record.key,
      client: typeof record.client === 'string' ? record.client : undefined,
      command: replayedCommand(record),
    });
    if (after.verdict === 'allow' && after.filesystem === 'not-run' && reason !== undefined && FILESYSTEM_REASONS.has(reason)) {
      report.skipped++;
      continue;
    }
    report.replayed++;
    const before = record.verdict === 'allow' ? 'allow' : `deny (${reason ?? 'unknown'})`;
    const now = after.verdict === 'allow' ? 'allow' : `deny (${after.reason})`;
    if (before !== now) report.changes.push({ ref: typeof record.ref === 'string' ? record.ref : '?', before, after });
  }
  return report;
}

export function renderReplayText(report: ReplayReport): string {
  const lines = report.changes.map((change) => {
    const now = change.after.verdict === 'allow' ? 'allow' : `deny (${change.after.reason})`;
    return `ref ${change.ref} key ${change.after.key} from ${change.after.client ?? '?'}: ${change.before} -> ${now}: ${JSON.stringify(change.after.command ?? null)}`;
  });
  lines.push(
    `${String(report.replayed)} requests replayed, ${String(report.changes.length)} would change, ${String(report.skipped)} not replayable (decided at run time)`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * The command as the gate saw it: from the exact bytes when the gate logged them (not valid UTF-8),
 * decoded the way Node decoded the gate's environment, else the logged text.
 */
function replayedCommand(record: DecisionRecord): string | undefined {
  if (typeof record.commandBase64 === 'string') return Buffer.from(record.commandBase64, 'base64').toString('utf8');
  return typeof record.command === 'string' ? record.command : undefined;
}
