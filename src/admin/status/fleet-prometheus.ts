// `zonegate status --fleet --prometheus` (pure): node_exporter textfile format, one series per
// target and zone. Alert on zonegate_fleet_target_up == 0, zonegate_fleet_zone_lag_seconds above
// your tolerance, and zonegate_fleet_zone_removed_but_served == 1.

import type { ZoneStatus } from './fleet-compare.js';
import { lagSeconds } from './fleet-render.js';
import type { FleetReport } from './fleet.js';

const escape = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function renderFleetPrometheus(report: FleetReport, nowMs: number): string {
  const out: string[] = [];
  const metric = (name: string, help: string, samples: [string, number | undefined][]): void => {
    const present = samples.filter((s): s is [string, number] => s[1] !== undefined);
    if (present.length === 0) return;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...present.map(([labels, v]) => `${name}${labels} ${String(v)}`));
  };
  const zones: [string, ZoneStatus][] = report.targets.flatMap((t) =>
    t.zones.map((z): [string, ZoneStatus] => [`{target="${escape(t.target)}",zone="${escape(z.zone)}"}`, z]),
  );
  const per = (pick: (z: ZoneStatus) => number | undefined): [string, number | undefined][] =>
    zones.map(([labels, z]) => [labels, pick(z)]);
  metric('zonegate_fleet_last_run_timestamp_seconds', 'When the fleet view last asked every target (primary).', [
    ['', Date.parse(report.checkedAt) / 1000],
  ]);
  metric('zonegate_fleet_run_duration_seconds', 'How long asking every target took.', [['', report.durationMs / 1000]]);
  metric(
    'zonegate_fleet_target_up',
    'The target answered DNS queries (1), did not (0); absent when it could not be asked (no zoneFile, unreadable TSIG key).',
    report.targets.map((t) => [`{target="${escape(t.target)}"}`, t.state === 'error' ? undefined : t.state === 'up' ? 1 : 0]),
  );
  metric(
    'zonegate_fleet_target_zones',
    'Zones the primary holds for the target.',
    report.targets.map((t) => [`{target="${escape(t.target)}"}`, t.held]),
  );
  metric(
    'zonegate_fleet_zone_serial',
    'SOA serial the target serves for the zone; absent when it serves none.',
    per((z) => ('served' in z ? z.served : z.kind === 'in-sync' ? z.serial : undefined)),
  );
  metric(
    'zonegate_fleet_zone_primary_serial',
    "SOA serial of the zone in the primary's source tree.",
    per((z) => (z.kind === 'in-sync' ? z.serial : 'primary' in z ? z.primary : undefined)),
  );
  metric(
    'zonegate_fleet_zone_behind',
    'The target serves an older serial than the primary, or none (1), or is in step (0); absent when unanswered.',
    per((z) =>
      z.kind === 'behind' || z.kind === 'missing' ? 1 : z.kind === 'unanswered' || z.kind === 'removed-but-served' ? undefined : 0,
    ),
  );
  metric(
    'zonegate_fleet_zone_behind_serials',
    "How many serials (RFC 1982) the served serial is below the primary's.",
    per((z) => (z.kind === 'behind' ? z.serials : z.kind === 'in-sync' ? 0 : undefined)),
  );
  metric(
    'zonegate_fleet_zone_lag_seconds',
    'How long the target has been behind on the zone (0 in step), from when a lag was first seen.',
    per((z) =>
      z.kind === 'behind' || z.kind === 'missing' ? lagSeconds(z.since, nowMs) : z.kind === 'in-sync' || z.kind === 'ahead' ? 0 : undefined,
    ),
  );
  metric(
    'zonegate_fleet_zone_removed_but_served',
    'The target still serves a zone the primary no longer holds (1).',
    per((z) => (z.kind === 'removed-but-served' ? 1 : undefined)),
  );
  metric(
    'zonegate_fleet_zone_answered',
    'The target answered the query for the zone (1), or timed out or sent an answer refused as malformed or wrongly signed (0).',
    per((z) => (z.kind === 'unanswered' ? 0 : 1)),
  );
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
