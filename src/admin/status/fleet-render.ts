// `zonegate status --fleet` for people (a quiet summary, then one line per problem) and as JSON
// (pure). Everything shown that a secondary influenced is a number, an rcode from our table, or a
// reason we wrote; zone names come from the primary's own files.

import type { TargetReport, ZoneStatus } from './fleet-compare.js';
import type { FleetReport } from './fleet.js';

/** 90 s, 12 min, 5 h, 3 d: how long a lag has lasted. */
export function lagText(seconds: number): string {
  if (seconds < 120) return `${String(seconds)} s`;
  if (seconds < 7200) return `${String(Math.round(seconds / 60))} min`;
  if (seconds < 172_800) return `${String(Math.round(seconds / 3600))} h`;
  return `${String(Math.round(seconds / 86400))} d`;
}

export const lagSeconds = (since: string, nowMs: number): number => Math.max(0, Math.round((nowMs - Date.parse(since)) / 1000));

export interface FleetCounts {
  targets: number;
  unreachable: number;
  errors: number;
  zones: number;
  inSync: number;
  behind: number;
  missing: number;
  ahead: number;
  removedButServed: number;
  unanswered: number;
  noPrimarySerial: number;
}

export function countFleet(report: FleetReport): FleetCounts {
  const counts: FleetCounts = {
    targets: report.targets.length,
    unreachable: 0,
    errors: 0,
    zones: 0,
    inSync: 0,
    behind: 0,
    missing: 0,
    ahead: 0,
    removedButServed: 0,
    unanswered: 0,
    noPrimarySerial: 0,
  };
  const field: Record<ZoneStatus['kind'], keyof FleetCounts> = {
    'in-sync': 'inSync',
    behind: 'behind',
    missing: 'missing',
    ahead: 'ahead',
    'removed-but-served': 'removedButServed',
    unanswered: 'unanswered',
    'no-primary-serial': 'noPrimarySerial',
  };
  for (const target of report.targets) {
    if (target.state === 'unreachable') counts.unreachable++;
    if (target.state === 'error') counts.errors++;
    counts.zones += target.held;
    for (const zone of target.zones) counts[field[zone.kind]]++;
  }
  return counts;
}

/** One line for a zone that is not in sync; undefined for one that is. */
export function zoneProblem(target: string, z: ZoneStatus, nowMs: number): string | undefined {
  const since = (iso: string): string => `since ${iso} (${lagText(lagSeconds(iso, nowMs))})`;
  switch (z.kind) {
    case 'in-sync':
      return undefined;
    case 'behind':
      return `${target}: ${z.zone} behind by ${String(z.serials)} serial(s): serves ${String(z.served)}, primary has ${String(z.primary)}, ${since(z.since)}`;
    case 'missing':
      return `${target}: ${z.zone} not served (${z.rcode}), primary has ${z.primary === undefined ? 'it' : String(z.primary)}, ${since(z.since)}`;
    case 'ahead':
      return `${target}: ${z.zone} serves ${String(z.served)}, newer than the primary's ${String(z.primary)}`;
    case 'removed-but-served':
      return `${target}: ${z.zone} still served (serial ${String(z.served)}) though the primary no longer has it`;
    case 'unanswered':
      return `${target}: ${z.zone} unanswered: ${z.why}`;
    case 'no-primary-serial':
      return `${target}: ${z.zone}: the primary's file has no readable SOA serial`;
  }
}

function targetProblem(t: TargetReport): string | undefined {
  if (t.state === 'unreachable') return `${t.target}: UNREACHABLE (${t.server}): ${t.why ?? ''}`;
  if (t.state === 'error') return `${t.target}: not checked: ${t.why ?? ''}`;
  return undefined;
}

export function renderFleetText(report: FleetReport, nowMs: number): string {
  const c = countFleet(report);
  const parts = [`${String(c.inSync)} in sync`];
  const add = (n: number, what: string): void => {
    if (n > 0) parts.push(`${String(n)} ${what}`);
  };
  add(c.behind, 'behind');
  add(c.missing, 'not served');
  add(c.ahead, 'ahead of the primary');
  add(c.removedButServed, 'served after removal');
  add(c.unanswered, 'unanswered');
  add(c.noPrimarySerial, 'without a primary serial');
  add(c.unreachable, `target(s) unreachable`);
  add(c.errors, `target(s) not checked`);
  const lines = [
    `fleet: ${String(c.targets)} target(s), ${String(c.zones)} zone(s) on the primary: ${parts.join(', ')} (${(report.durationMs / 1000).toFixed(1)} s)`,
  ];
  for (const t of report.targets) {
    const problem = targetProblem(t);
    if (problem !== undefined) lines.push(problem);
    for (const z of t.zones) {
      const line = zoneProblem(t.target, z, nowMs);
      if (line !== undefined) lines.push(line);
    }
  }
  if (report.notAsked.length > 0) lines.push(`not asked ("verify": false): ${report.notAsked.join(', ')}`);
  if (report.stateNotSaved !== undefined) lines.push(`lag starts not recorded this run: ${report.stateNotSaved}`);
  return `${lines.join('\n')}\n`;
}

/** The JSON form: the counts, then every target with every zone (lag ages in seconds as of checkedAt). */
export function renderFleetJson(report: FleetReport, nowMs: number): string {
  const targets = report.targets.map((t) => ({
    ...t,
    zones: t.zones.map((z) => ('since' in z ? { ...z, lagSeconds: lagSeconds(z.since, nowMs) } : z)),
  }));
  return `${JSON.stringify({ fleet: { checkedAt: report.checkedAt, durationMs: report.durationMs, counts: countFleet(report), targets, notAsked: report.notAsked, stateNotSaved: report.stateNotSaved ?? null } })}\n`;
}
