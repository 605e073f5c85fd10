// The fleet view's verdict for one target (pure): what the primary holds, what the target answered,
// and what the state file remembers, turned into one status per zone and the memory for next time.

import { serialIncreased } from '../../zoneset/serial.js';
import type { PrimaryZones } from './fleet-primary.js';
import type { TargetAnswers } from './fleet-query.js';
import { MAX_REMEMBERED, type TargetMemory } from './fleet-state.js';

export type ZoneStatus =
  | { zone: string; kind: 'in-sync'; serial: number }
  /** Serves an older serial than the primary holds, since `since`, by `serials` (RFC 1982 distance). */
  | { zone: string; kind: 'behind'; primary: number; served: number; serials: number; since: string }
  /** Does not serve a zone the primary holds (answered without its SOA: REFUSED, NXDOMAIN, …). */
  | { zone: string; kind: 'missing'; primary: number | undefined; rcode: string; since: string }
  /** Serves a serial the primary's is not above: the primary went backwards, or someone else writes there. */
  | { zone: string; kind: 'ahead'; primary: number; served: number }
  /** Still serves a zone the primary no longer holds. */
  | { zone: string; kind: 'removed-but-served'; served: number }
  /** The target answers, but not for this zone: a timeout, or an answer refused as malformed or wrongly signed. */
  | { zone: string; kind: 'unanswered'; why: string }
  /** The primary's own file has no readable SOA serial. */
  | { zone: string; kind: 'no-primary-serial'; served: number | undefined };

export interface TargetReport {
  target: string;
  /** server#port (and the source address or TSIG key name that picks the view). */
  server: string;
  state: 'up' | 'unreachable' | 'error';
  why?: string;
  /** Zones the primary holds for this target. */
  held: number;
  zones: ZoneStatus[];
}

/** The zones to ask: those the primary holds, then those it held or pushed before (bounded). */
export function zonesToAsk(primary: PrimaryZones, memory: TargetMemory | undefined): { held: string[]; removed: string[] } {
  const held = [...primary.serials.keys()].sort();
  const removed = new Set<string>();
  for (const zone of [...(memory?.known ?? []), ...primary.pushed]) {
    if (removed.size >= MAX_REMEMBERED) break;
    if (!primary.serials.has(zone)) removed.add(zone);
  }
  return { held, removed: [...removed].sort() };
}

const distance = (from: number, to: number): number => (to - from + 0x1_0000_0000) % 0x1_0000_0000;

export function compareTarget(
  base: Pick<TargetReport, 'target' | 'server'>,
  primary: PrimaryZones,
  memory: TargetMemory | undefined,
  answers: TargetAnswers,
  nowIso: string,
): { report: TargetReport; memory: TargetMemory } {
  const { held, removed } = zonesToAsk(primary, memory);
  const before = memory?.lagging ?? {};
  if (answers.kind === 'unreachable') {
    // Nothing learnt: lags keep their start, and every zone stays remembered.
    return {
      report: { ...base, state: 'unreachable', why: answers.why, held: held.length, zones: [] },
      memory: { lagging: before, known: [...held, ...removed] },
    };
  }
  const lagging: Record<string, string> = {};
  const zones: ZoneStatus[] = [];
  for (const zone of held) {
    const want = primary.serials.get(zone);
    const answer = answers.zones.get(zone) ?? { kind: 'timeout' as const };
    const since = before[zone] ?? nowIso;
    if (answer.kind === 'timeout' || answer.kind === 'bad-answer') {
      if (before[zone] !== undefined) lagging[zone] = before[zone];
      zones.push({ zone, kind: 'unanswered', why: answer.kind === 'timeout' ? 'no answer' : answer.why });
    } else if (answer.kind === 'no-soa') {
      lagging[zone] = since;
      zones.push({ zone, kind: 'missing', primary: want, rcode: answer.rcode, since });
    } else if (want === undefined) zones.push({ zone, kind: 'no-primary-serial', served: answer.serial });
    else if (answer.serial === want) zones.push({ zone, kind: 'in-sync', serial: want });
    else if (serialIncreased(answer.serial, want)) {
      lagging[zone] = since;
      zones.push({ zone, kind: 'behind', primary: want, served: answer.serial, serials: distance(answer.serial, want), since });
    } else zones.push({ zone, kind: 'ahead', primary: want, served: answer.serial });
  }
  const known = [...held];
  for (const zone of removed) {
    const answer = answers.zones.get(zone);
    // Forgotten once the target answers without it; a timeout keeps it for the next run.
    if (answer?.kind === 'no-soa') continue;
    known.push(zone);
    if (answer?.kind === 'serial') zones.push({ zone, kind: 'removed-but-served', served: answer.serial });
  }
  return { report: { ...base, state: 'up', held: held.length, zones }, memory: { lagging, known } };
}
