// `zonegate status` for people (pure).

import type { PushStatus } from '../push/status-file.js';
import { sanitizeReason } from '../push/remote-text.js';
import type { ZoneSetStatus } from './secondary.js';
import { renderHorizon } from '../../shared/policy/signature-horizon.js';

const mib = (bytes: number): string => (bytes / 1048576).toFixed(1);

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
    if (s.lastRunProblem !== undefined) lines.push(`last run failed: ${s.lastRunProblem}`);
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
    const last = set.lastPush;
    if (last !== undefined)
      lines.push(
        `    last push ${last.outcome} ${ago(last.time, nowMs)}, exit ${String(last.status)}: ${sanitizeReason(last.reason)}${last.ref === '' ? '' : ` (ref ${sanitizeReason(last.ref, 20)})`}`,
      );
    const space = set.space;
    if (space !== undefined)
      lines.push(
        `    filesystem: ${mib(space.availBytes)} MiB free of ${mib(space.sizeBytes)} MiB, ${space.totalInodes === 0 ? 'no inode limit' : `${String(space.availInodes)} of ${String(space.totalInodes)} inodes free`}`,
      );
    if (set.spaceNeeded !== undefined)
      lines.push(
        `    a push needs ${mib(set.spaceNeeded.bytes)} MiB and ${String(set.spaceNeeded.inodes)} inodes free (every zone changing once)`,
      );
    for (const line of set.damage ?? []) lines.push(`    ! ${sanitizeReason(line)}`);
    const server = set.server;
    lines.push(
      server.kind === 'answers'
        ? `    server ${server.server} answers for ${server.zone} (serial ${String(server.serial)})`
        : server.kind === 'silent'
          ? `    server ${server.server} does NOT answer for ${server.zone}`
          : `    server not checked: ${server.why}`,
    );
    lines.push(...signatureLines(set, nowMs));
    if (set.held !== undefined)
      lines.push(
        `    HELD${set.held.since ? ` since ${set.held.since}` : ''}: ${sanitizeReason(set.held.reason)} (pushes refused; zonegate unhold ${set.name})`,
      );
  }
  if (lines.length === 0) lines.push('nothing to report: the config has no targets and no zone sets');
  return `${lines.join('\n')}\n`;
}

const isoSeconds = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** The earliest signature expiry of the set, and every signed zone inside the horizon or unreadable. */
function signatureLines(set: ZoneSetStatus, nowMs: number): string[] {
  const signatures = set.signatures;
  if (signatures === undefined || signatures.zones.length === 0) return [];
  const horizon = renderHorizon(signatures.horizon);
  const known = signatures.zones.filter((z) => z.expires !== undefined).sort((a, b) => (a.expires ?? 0) - (b.expires ?? 0));
  const first = known[0];
  const lines = [
    `    signatures: ${String(signatures.zones.length)} signed zone(s)${first === undefined ? '' : `, earliest expiry ${sanitizeReason(first.zone, 255)} at ${isoSeconds(first.expires ?? 0)} (${sanitizeReason(`${first.owner ?? ''} ${first.covered ?? ''}`, 300)})`}; horizon ${horizon}`,
  ];
  const limit = nowMs / 1000 + signatures.horizon;
  for (const zone of signatures.zones) {
    const name = sanitizeReason(zone.zone, 255);
    if (zone.expires === undefined) lines.push(`    ! zone ${name}: signatures unreadable now (the live file changed since it was pushed)`);
    else if (zone.expires < limit)
      lines.push(
        `    ! zone ${name}: RRSIG of ${sanitizeReason(`${zone.owner ?? ''} ${zone.covered ?? ''}`, 300)} expire${zone.expires * 1000 <= nowMs ? 'd' : 's'} at ${isoSeconds(zone.expires)}, within ${horizon}: re-sign and push it`,
      );
  }
  return lines;
}
