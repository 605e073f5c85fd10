// Where one target's last attempt spent its time, for the run log, the run's events and
// `push --json`. The primary measures the attempt (spawn to exit) and when the gate's timing line
// arrived; the gate says how long it had been running then and how long each of its phases took.
// connect (ssh, up to the gate's start) = arrival - the gate's total: both on the primary's clock
// or both on the gate's, never one host's clock against the other's.
//
// The gate's numbers are hostile input (shared/phase-timing.ts parses them strictly); here they must
// also fit the primary's own measurement: a gate claiming to have run longer than the primary has
// been waiting for its line is ignored whole.

import { GATE_PHASES, parseGateTiming } from '../../shared/phase-timing.js';
import type { AttemptResult } from './attempt.js';

export const PHASES = ['connect', ...GATE_PHASES] as const;
export type Phase = (typeof PHASES)[number];

export interface TargetTiming {
  /** The last attempt, from starting rsync to its exit, in ms. */
  attemptMs: number;
  /** The phases known for that attempt; their sum is never more than attemptMs. */
  phases: Partial<Record<Phase, number>>;
  /** Why the gate's own phases are missing, when they are. */
  gate?: 'none' | 'ignored';
}

export function targetTiming(result: Pick<AttemptResult, 'stderr' | 'durationMs' | 'timingAtMs'>): TargetTiming {
  const attemptMs = result.durationMs;
  const gate = parseGateTiming(result.stderr);
  if (gate === undefined || result.timingAtMs === undefined) {
    // A line that looks like timing but did not parse is noted as ignored, not silently dropped.
    const claimed = result.stderr.includes('zonegate: progress: timing');
    return { attemptMs, phases: {}, gate: claimed ? 'ignored' : 'none' };
  }
  const arrivedMs = Math.min(result.timingAtMs, attemptMs);
  if (gate.total > arrivedMs) return { attemptMs, phases: {}, gate: 'ignored' };
  const phases: Partial<Record<Phase, number>> = { connect: arrivedMs - gate.total };
  for (const phase of GATE_PHASES) {
    const ms = gate[phase];
    if (ms !== undefined) phases[phase] = ms;
  }
  return { attemptMs, phases };
}

/** One line for the run log: `timing: attempt 412 ms: connect 120, gate 40, … (other 19)`. */
export function renderTiming(timing: TargetTiming): string {
  const known = PHASES.flatMap((phase) => {
    const ms = timing.phases[phase];
    return ms === undefined ? [] : [`${phase} ${String(ms)}`];
  });
  const spent = Object.values(timing.phases).reduce((a, b) => a + b, 0);
  const note = timing.gate === 'ignored' ? ' (the gate timing line was malformed: ignored)' : '';
  return `timing: attempt ${String(timing.attemptMs)} ms${known.length > 0 ? `: ${known.join(', ')}, other ${String(timing.attemptMs - spent)}` : ''}${note}`;
}
