// `zonegate push --dry-run`: the request carries the dry run in a form the gate authorises, never
// as an rsync option alone. rsync's --rsync-path makes the remote command
// `zonegate-dry-run rsync --server …` (src/gate/request-form.ts), which the gate allows only where
// the key's rule allows the upload itself:
// - a zone-set target (zoneFile set) sends the zones for real: the gate receives them into the
//   spare, checks them as a push, reports what it would promote, and discards them;
// - a plain-tree target also passes rsync's own -n, so nothing is written at all (the gate refuses
//   the dry-run form into a plain tree without it).
// What comes back is text from the secondary: each report line is sanitized and bounded here.

import type { Target } from '../../shared/policy/types.js';
import { GATE_DRY_RUN_PREFIX } from '../../shared/exit-codes.js';
import { DRY_RUN_WORD } from '../../gate/request-form.js';
import type { TargetOutcome } from './status-file.js';
import { MAX_REASON_CHARS, sanitizeReason } from './remote-text.js';

/** Report lines kept per target (the gate lists at most 200 zones and says how many more). */
const MAX_REPORT_LINES = 210;

/** rsync options that make this push a dry run (placed before the others). */
export function dryRunOptions(target: Target): string[] {
  const form = `--rsync-path=${DRY_RUN_WORD} rsync`;
  return target.zoneFile === undefined ? ['--dry-run', form] : [form];
}

/** What the secondary said it would do: the gate's dry-run lines, or rsync's itemized changes (plain trees). */
export function dryRunReport(target: Target, stdout: string, stderr: string): string[] {
  const lines =
    target.zoneFile === undefined
      ? stdout.split('\n').filter((line) => /^(?:[<>ch.*][fdLDS]\S{9} |\*deleting )/.test(line))
      : stderr
          .split('\n')
          .filter((line) => line.startsWith(GATE_DRY_RUN_PREFIX))
          .map((line) => line.slice(GATE_DRY_RUN_PREFIX.length));
  const kept = lines.slice(0, MAX_REPORT_LINES).map((line) => sanitizeReason(line, MAX_REASON_CHARS));
  if (lines.length > MAX_REPORT_LINES) kept.push(`(and ${String(lines.length - MAX_REPORT_LINES)} more lines)`);
  return kept;
}

/** The dry run's output for the person who asked (stdout): per target, its verdict and report. */
export function renderDryRun(outcomes: readonly TargetOutcome[]): string {
  const lines = outcomes.flatMap((o) => [
    o.kind === 'ok'
      ? `${o.target}: dry run ok${o.dryRun?.length === 0 ? ': nothing would change' : ''}`
      : `${o.target}: dry run ${o.kind}${o.status === undefined ? '' : ` (exit ${String(o.status)})`}: ${o.reason}`,
    ...(o.dryRun ?? []).map((line) => `  ${line}`),
  ]);
  return `${lines.join('\n')}\n`;
}
