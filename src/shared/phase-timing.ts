// Where a zone-set push spent its time on the secondary, as one compact line the gate sends back
// through its progress channel (GATE_TIMING_PREFIX) and the push runner reads. The gate measures
// with its own monotonic clock from its process start (performance.now()), so no clock is ever
// compared across hosts: the primary places the gate's start by subtracting the gate's `total` from
// the moment the line arrived.
//
// The line is text from another host: the parser takes it only when it has exactly this shape
// (known names, each once, whole milliseconds with a bounded number of digits, phases adding up to
// no more than the total) and otherwise ignores it whole.

import { GATE_TIMING_PREFIX } from './exit-codes.js';

/** The gate's phases, in the order they happen. */
export const GATE_PHASES = ['gate', 'transfer', 'check', 'promote', 'reload', 'verify'] as const;
export type GatePhase = (typeof GATE_PHASES)[number];

export type GateTiming = Partial<Record<GatePhase, number>> & { total: number };

/** Longest line the parser looks at: the six phases and the total at 8 digits each fit in ~110. */
export const MAX_TIMING_LINE = 200;
/** About 27 hours in ms: more than any deadline a push can have; a longer number is not a duration. */
const MAX_MS_DIGITS = 8;

/** Accumulates whole-millisecond phase durations from one monotonic clock (milliseconds since process start). */
export class PhaseClock {
  private readonly spent = new Map<GatePhase, number>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * Runs `work` and adds its duration to `phase`. Each end point is rounded before subtracting, so
   * phases that do not overlap never add up to more than the total, whatever the rounding.
   */
  async time<T>(phase: GatePhase, work: () => Promise<T> | T): Promise<T> {
    const started = Math.round(this.now());
    try {
      return await work();
    } finally {
      this.add(phase, Math.round(this.now()) - started);
    }
  }

  /** A start mark for stop(): for a phase whose steps do not sit in one block. */
  start(): number {
    return Math.round(this.now());
  }

  /** Adds the time since `started` (from start()) to `phase`. */
  stop(phase: GatePhase, started: number): void {
    this.add(phase, Math.round(this.now()) - started);
  }

  /** Records that `phase` ended now, having started at process start (the gate's own start-up). */
  sinceStart(phase: GatePhase): void {
    this.add(phase, Math.round(this.now()));
  }

  add(phase: GatePhase, ms: number): void {
    this.spent.set(phase, (this.spent.get(phase) ?? 0) + Math.max(0, ms));
  }

  /** The phases measured so far, in GATE_PHASES order (the audit record's `stagesMs`). */
  phases(): Partial<Record<GatePhase, number>> {
    return Object.fromEntries(GATE_PHASES.flatMap((phase) => (this.spent.has(phase) ? [[phase, this.spent.get(phase)]] : [])));
  }

  /** The progress line: `zonegate: progress: timing gate=37 transfer=120 … total=190`. */
  render(): string {
    const total = Math.round(this.now());
    const parts = GATE_PHASES.flatMap((phase) => {
      const ms = this.spent.get(phase);
      return ms === undefined ? [] : [`${phase}=${String(ms)}`];
    });
    return `${GATE_TIMING_PREFIX}${[...parts, `total=${String(total)}`].join(' ')}`;
  }
}

const FIELD = new RegExp(`^(${GATE_PHASES.join('|')}|total)=(\\d{1,${String(MAX_MS_DIGITS)}})$`);

/**
 * The gate's timing from the last timing line in `stderr`, or undefined when there is none or it is
 * not exactly well formed: an unknown name, a repeated one, a non-number, too many digits, phases
 * summing past the total, or a line longer than MAX_TIMING_LINE.
 */
export function parseGateTiming(stderr: string): GateTiming | undefined {
  const at = stderr.lastIndexOf(`\n${GATE_TIMING_PREFIX}`);
  const start = at === -1 ? (stderr.startsWith(GATE_TIMING_PREFIX) ? 0 : -1) : at + 1;
  if (start === -1) return undefined;
  const end = stderr.indexOf('\n', start);
  const line = stderr.slice(start, end === -1 ? undefined : end);
  if (line.length > MAX_TIMING_LINE) return undefined;
  const fields = line.slice(GATE_TIMING_PREFIX.length).split(' ');
  const seen = new Map<string, number>();
  for (const field of fields) {
    const match = FIELD.exec(field);
    if (match?.[1] === undefined || match[2] === undefined || seen.has(match[1])) return undefined;
    seen.set(match[1], Number(match[2]));
  }
  const total = seen.get('total');
  if (total === undefined) return undefined;
  seen.delete('total');
  const sum = [...seen.values()].reduce((a, b) => a + b, 0);
  if (sum > total) return undefined;
  return { ...(Object.fromEntries(seen) as Partial<Record<GatePhase, number>>), total };
}
