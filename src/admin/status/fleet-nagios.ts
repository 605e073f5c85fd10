// `zonegate status --fleet --nagios` (pure): one line, exit 0–3, with perfdata.
//
// Levels, and why:
// - a target that does not answer at all is CRITICAL: it serves nothing we can see.
// - a zone behind (or not served) is judged by how long the lag has lasted (--warn-lag/--crit-lag,
//   from the state file) and, when given, by how many serials (--warn-serials/--crit-serials): a
//   push in flight makes every secondary briefly behind, which must not page.
// - still serving a removed zone, serving a newer serial than the primary, a zone left unanswered
//   or refused as malformed/wrongly signed, and a primary file without a serial are WARNING:
//   worth a look, nothing is stale for a resolver yet.
// - a target that could not be asked (no zoneFile, an unreadable TSIG key) is UNKNOWN.

import { NAGIOS_EXIT } from '../../shared/exit-codes.js';
import { worseNagiosLevel } from './nagios-level.js';
import { UsageError } from '../../shared/errors.js';
import type { ZoneStatus } from './fleet-compare.js';
import { countFleet, lagSeconds, lagText } from './fleet-render.js';
import type { FleetReport } from './fleet.js';
import { parseAge } from './thresholds.js';

const LABEL = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

export interface FleetThresholds {
  warnLag: number;
  critLag: number;
  /** Serials behind before WARNING/CRITICAL, whatever the lag's age; undefined: not used. */
  warnSerials: number | undefined;
  critSerials: number | undefined;
}

export const FLEET_DEFAULT_THRESHOLDS = { warnLag: '1h', critLag: '1d' } as const;

function parseSerials(option: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new UsageError('usage', `--${option}: a whole number, 1 or more`);
  return value;
}

export function parseFleetThresholds(args: {
  warnLag: string;
  critLag: string;
  warnSerials: number | undefined;
  critSerials: number | undefined;
}): FleetThresholds {
  const t: FleetThresholds = {
    warnLag: parseAge('warn-lag', args.warnLag),
    critLag: parseAge('crit-lag', args.critLag),
    warnSerials: parseSerials('warn-serials', args.warnSerials),
    critSerials: parseSerials('crit-serials', args.critSerials),
  };
  if (t.warnLag > t.critLag)
    throw new UsageError('usage', `--warn-lag (${args.warnLag}) is above --crit-lag (${args.critLag}): WARNING must come first`);
  if (t.warnSerials !== undefined && t.critSerials !== undefined && t.warnSerials > t.critSerials)
    throw new UsageError('usage', '--warn-serials is above --crit-serials');
  return t;
}

type Lagging = Extract<ZoneStatus, { kind: 'behind' | 'missing' }>;

function levelOf(z: Lagging, t: FleetThresholds, nowMs: number): number {
  const age = lagSeconds(z.since, nowMs);
  const serials = z.kind === 'behind' ? z.serials : undefined;
  if (age >= t.critLag || (serials !== undefined && t.critSerials !== undefined && serials >= t.critSerials)) return NAGIOS_EXIT.critical;
  if (age >= t.warnLag || (serials !== undefined && t.warnSerials !== undefined && serials >= t.warnSerials)) return NAGIOS_EXIT.warning;
  return NAGIOS_EXIT.ok;
}

const few = (names: readonly string[]): string => `${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}`;

export function evaluateFleetNagios(report: FleetReport, t: FleetThresholds, nowMs: number): { code: number; output: string } {
  let code: number = NAGIOS_EXIT.ok;
  const problems: string[] = [];
  const raise = (level: number, message: string): void => {
    code = worseNagiosLevel(code, level);
    problems.push(message);
  };
  const c = countFleet(report);
  const unreachable = report.targets.filter((x) => x.state === 'unreachable').map((x) => x.target);
  const errors = report.targets.filter((x) => x.state === 'error').map((x) => x.target);
  if (unreachable.length > 0) raise(NAGIOS_EXIT.critical, `${String(unreachable.length)} target(s) unreachable: ${few(unreachable)}`);
  if (errors.length > 0) raise(NAGIOS_EXIT.unknown, `${String(errors.length)} target(s) not checked: ${few(errors)}`);
  const byLevel = new Map<number, string[]>();
  let maxLag = 0;
  let maxSerials = 0;
  const other = {
    'removed-but-served': [] as string[],
    ahead: [] as string[],
    unanswered: [] as string[],
    'no-primary-serial': [] as string[],
  };
  for (const target of report.targets) {
    for (const z of target.zones) {
      const where = `${target.target}/${z.zone}`;
      if (z.kind === 'behind' || z.kind === 'missing') {
        maxLag = Math.max(maxLag, lagSeconds(z.since, nowMs));
        if (z.kind === 'behind') maxSerials = Math.max(maxSerials, z.serials);
        const level = levelOf(z, t, nowMs);
        if (level !== NAGIOS_EXIT.ok) byLevel.set(level, [...(byLevel.get(level) ?? []), where]);
      } else if (z.kind !== 'in-sync') other[z.kind].push(where);
    }
  }
  for (const level of [NAGIOS_EXIT.critical, NAGIOS_EXIT.warning]) {
    const zones = byLevel.get(level) ?? [];
    if (zones.length > 0)
      raise(
        level,
        `${String(zones.length)} zone(s) lagging past the ${level === NAGIOS_EXIT.critical ? 'critical' : 'warning'} threshold: ${few(zones)}`,
      );
  }
  const words = {
    'removed-but-served': 'served after removal from the primary',
    ahead: 'ahead of the primary',
    unanswered: 'unanswered',
    'no-primary-serial': 'without a serial on the primary',
  };
  for (const [kind, zones] of Object.entries(other) as [keyof typeof other, string[]][])
    if (zones.length > 0) raise(NAGIOS_EXIT.warning, `${String(zones.length)} zone(s) ${words[kind]}: ${few(zones)}`);
  if (report.targets.length === 0) raise(NAGIOS_EXIT.unknown, 'no target to ask (every target has "verify": false, or there are none)');
  const lagging = c.behind + c.missing;
  const summary = `${String(c.targets)} target(s), ${String(c.inSync)} of ${String(c.zones)} zone(s) in sync${lagging > 0 ? `, ${String(lagging)} lagging under the thresholds (max ${lagText(maxLag)})` : ''}`;
  const perf = [
    `'targets'=${String(c.targets)};;;0`,
    `'targets_unreachable'=${String(c.unreachable)};;1;0;${String(c.targets)}`,
    `'zones_in_sync'=${String(c.inSync)};;;0;${String(c.zones)}`,
    `'zones_behind'=${String(c.behind)};;;0`,
    `'zones_missing'=${String(c.missing)};;;0`,
    `'max_lag'=${String(maxLag)}s;${String(t.warnLag)};${String(t.critLag)};0`,
    `'max_serials_behind'=${String(maxSerials)};${t.warnSerials === undefined ? '' : String(t.warnSerials)};${t.critSerials === undefined ? '' : String(t.critSerials)};0`,
    `'duration'=${(report.durationMs / 1000).toFixed(3)}s;;;0`,
  ];
  // One line: a `|` would start the perfdata early, a newline the long output.
  const headline = (problems.length > 0 ? problems.join('; ') : summary).replace(/[|\n]/g, '/');
  return { code, output: `ZONEGATE FLEET ${LABEL[code] ?? 'UNKNOWN'} - ${headline} | ${perf.join(' ')}\n` };
}
