// `zonegate status` for people (pure).

import type { PushStatus } from '../push/status-file.js';
import type { ZoneSetStatus } from './secondary.js';

function ago(iso: string | undefined, nowMs: number): string {
  if (iso === undefined) return 'never';
  const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  const text =
    s < 120
      ? `${String(s)} s`
      : s < 7200
        ? `${String(Math.round(s / 60))} min`
        : s < 172_800
          ? `${String(Math.round(s / 3600))} h`
          : `${String(Math.round(s / 86400))} d`;
  return `${text} ago (${iso})`;
}

export function renderStatusText(
  primary: { status: PushStatus; targets: readonly string[] } | undefined,
  zoneSets: readonly ZoneSetStatus[],
  nowMs: number,
): string {
  const lines: string[] = [];
  if (primary !== undefined) {
    const s = primary.status;
    lines.push(
      `push runs: ${String(s.runs)} (${String(s.failedRuns)} failed), skipped: ${String(s.skips)} (${String(s.consecutiveSkips)} in a row), last run ${ago(s.lastRun, nowMs)}${s.lastRunExit === undefined ? '' : `, exit ${String(s.lastRunExit)}`}`,
    );
    if (s.lastRunLog !== undefined) lines.push(`last run log: ${s.lastRunLog}`);
    for (const name of primary.targets) {
      const t = s.targets[name];
      if (t === undefined) {
        lines.push(`  ${name}: no push recorded yet`);
        continue;
      }
      lines.push(`  ${name}: ${t.lastOutcome ?? '-'}; last success ${ago(t.lastSuccess, nowMs)}`);
      lines.push(
        `    runs ${String(t.runs)}, failures ${String(t.failures)} (${String(t.consecutiveFailures)} in a row), last: ${String(t.lastZonesChanged)} zone file(s), ${String(t.lastBytesSent)} B in ${(t.lastDurationMs / 1000).toFixed(1)} s`,
      );
      if (t.lastOutcome !== 'ok' && t.lastReason !== undefined) lines.push(`    reason: ${t.lastReason}`);
    }
  }
  for (const set of zoneSets) {
    lines.push(`zone set ${set.name} (${set.root}): last good push ${ago(set.lastGoodPush, nowMs)}, release ${set.release ?? 'none'}`);
    if (set.owed !== undefined) lines.push(`    ${set.owed}: the next push finishes it`);
    if (set.held !== undefined)
      lines.push(
        `    HELD${set.held.since ? ` since ${set.held.since}` : ''}: ${set.held.reason} (pushes refused; zonegate unhold ${set.name})`,
      );
  }
  if (lines.length === 0) lines.push('nothing to report: the config has no targets and no zone sets');
  return `${lines.join('\n')}\n`;
}
