// The Nagios verdict on a zone set's health beyond its age (pure): the last push's outcome, the
// server's answer and the free space of the zone set's filesystem.
//
// Levels, and why:
// - a refused, failed or rolled-back last push is WARNING, not CRITICAL: the gate failed closed, so
//   the served zones are the last good ones, and the fix is usually the primary's zone data. One
//   broken zone must not page at night; if pushes keep failing, the last good push ages and the age
//   thresholds turn it CRITICAL.
// - the server not answering for a live zone is CRITICAL: the secondary serves nothing.
// - free space (bytes or inodes) under 10 % is WARNING, under 5 % CRITICAL: a push needs room for
//   the spare copy of what it changes, and a full disk refuses every push. Less than the engine's
//   own need (room for every live zone to change once) is CRITICAL: the next push is refused (89).
// - damage (state.json or a release record unreadable) is WARNING: zones are served, the next push
//   repairs state.json, and a damaged release only narrows what a rollback can reach.
// - a signed live zone whose first RRSIG expires within the zone set's signatureHorizon is WARNING:
//   resolvers still validate it, and the fix (re-sign, push) has the horizon's time; one already
//   expired is CRITICAL: the zone is bogus for every validating resolver now.

import { NAGIOS_EXIT } from '../../shared/exit-codes.js';
import { sanitizeReason } from '../push/remote-text.js';
import type { ZoneSetStatus } from './secondary.js';

export const SPACE_WARN_SHARE = 0.1;
export const SPACE_CRIT_SHARE = 0.05;

const label = (name: string): string => `'${name.replace(/['=\s]/g, '_')}'`;

export function evaluateZoneSetHealth(
  set: ZoneSetStatus,
  raise: (level: number, message: string) => void,
  perf: string[],
  nowMs = Date.now(),
): void {
  const what = `zone set ${set.name}`;
  const last = set.lastPush;
  if (last !== undefined && (last.outcome === 'refused' || last.outcome === 'failed' || last.outcome === 'rolled-back'))
    raise(NAGIOS_EXIT.warning, `${what}: last push ${last.outcome} (exit ${String(last.status)}): ${sanitizeReason(last.reason, 200)}`);
  for (const line of set.damage ?? []) raise(NAGIOS_EXIT.warning, `${what}: ${sanitizeReason(line, 200)}`);
  if (set.server.kind === 'silent') raise(NAGIOS_EXIT.critical, `${what}: ${set.server.server} does not answer for ${set.server.zone}`);
  if (set.server.kind !== 'not-checked')
    perf.push(`${label(`zoneset_${set.name}_server_up`)}=${set.server.kind === 'answers' ? '1' : '0'};;1:;0;1`);
  evaluateSignatures(set, raise, perf, nowMs);
  const space = set.space;
  if (space === undefined) return;
  const need = set.spaceNeeded;
  if (need !== undefined && (space.availBytes < need.bytes || (space.totalInodes > 0 && space.availInodes < need.inodes)))
    raise(
      NAGIOS_EXIT.critical,
      `${what}: less room than a push needs (${String(need.bytes)} B and ${String(need.inodes)} inodes): pushes are refused (exit 89)`,
    );
  const checks: [string, number, number, string][] = [
    ['free space', space.availBytes, space.sizeBytes, 'B'],
    ['free inodes', space.availInodes, space.totalInodes, ''],
  ];
  for (const [name, avail, total, unit] of checks) {
    if (total === 0) continue;
    const warn = Math.floor(total * SPACE_WARN_SHARE);
    const crit = Math.floor(total * SPACE_CRIT_SHARE);
    const share = `${((100 * avail) / total).toFixed(1)} %`;
    if (avail < crit) raise(NAGIOS_EXIT.critical, `${what}: ${name} ${share} (< ${String(SPACE_CRIT_SHARE * 100)} %)`);
    else if (avail < warn) raise(NAGIOS_EXIT.warning, `${what}: ${name} ${share} (< ${String(SPACE_WARN_SHARE * 100)} %)`);
    // Nagios ranges: "N:" alerts when the value falls below N.
    const key = name === 'free space' ? 'free' : 'inodes_free';
    perf.push(`${label(`zoneset_${set.name}_${key}`)}=${String(avail)}${unit};${String(warn)}:;${String(crit)}:;0;${String(total)}`);
  }
}

function evaluateSignatures(set: ZoneSetStatus, raise: (level: number, message: string) => void, perf: string[], nowMs: number): void {
  const signatures = set.signatures;
  if (signatures === undefined || signatures.zones.length === 0) return;
  const now = Math.floor(nowMs / 1000);
  let earliest: number | undefined;
  for (const zone of signatures.zones) {
    const name = `zone set ${set.name}: zone ${sanitizeReason(zone.zone, 255)}`;
    if (zone.expires === undefined) {
      raise(NAGIOS_EXIT.warning, `${name}: its signatures cannot be read now (the live file changed since it was pushed)`);
      continue;
    }
    earliest = earliest === undefined ? zone.expires : Math.min(earliest, zone.expires);
    const at = new Date(zone.expires * 1000).toISOString().replace('.000Z', 'Z');
    if (zone.expires <= now) raise(NAGIOS_EXIT.critical, `${name}: RRSIG expired at ${at}: bogus for validating resolvers`);
    else if (zone.expires < now + signatures.horizon)
      raise(NAGIOS_EXIT.warning, `${name}: RRSIG expires at ${at}, within the signature horizon: re-sign and push it`);
  }
  if (earliest !== undefined)
    perf.push(`${label(`zoneset_${set.name}_signature_seconds_left`)}=${String(earliest - now)}s;${String(signatures.horizon)}:;0:`);
}
