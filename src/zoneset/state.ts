// The zone set's state file: which release is live, how many zones it holds, when the last good push
// happened (monitoring reads it: `zonegate status`), and the journal of a promotion under way.
// Written atomically and durably (shared/atomic-write.ts); small, whatever the number of zones.

import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../shared/atomic-write.js';
import type { TreeName } from './layout.js';

/**
 * A promotion under way, written before `current` is swapped and cleared once named serves the new
 * serials. The next push reads it: if `current` already points at `tree`, it finishes the reload;
 * if not, the gate died before the swap and the release is dropped.
 */
export interface PendingPromotion {
  /** The release going live (after a failed reload: the one restored). */
  release: string | undefined;
  tree: TreeName;
  reload: string[];
  reconfig: boolean;
  /** The serials named should serve once the reload is done. */
  serials: Record<string, number>;
  /** A release record to drop when the swap never happened. */
  dropOnAbort?: string | undefined;
  /** The state to return to when the swap never happened. */
  before: { release: string | undefined; zones: number | undefined };
}

/** How the last push into the zone set ended, as `zonegate status` on the secondary shows it. */
export type LastPushOutcome = 'promoted' | 'unchanged' | 'refused' | 'failed' | 'rolled-back';

export interface LastPush {
  time: string;
  outcome: LastPushOutcome;
  /** The gate's exit status for that push. */
  status: number;
  /** One line; for a refusal or failure, why. It may quote client file names: shown escaped, capped. */
  reason: string;
  /** The audit log's ref for the details. */
  ref: string;
}

export interface ZoneSetState {
  release: string | undefined;
  /** Zones in the live tree; undefined until a promotion counted them. */
  zones: number | undefined;
  lastGoodPush: string | undefined;
  lastPush?: LastPush | undefined;
  pending?: PendingPromotion | undefined;
}

const OUTCOMES: readonly string[] = ['promoted', 'unchanged', 'refused', 'failed', 'rolled-back'] satisfies LastPushOutcome[];

function isLastPush(value: unknown): value is LastPush {
  if (value === null || typeof value !== 'object') return false;
  const last = value as Partial<LastPush>;
  return (
    typeof last.time === 'string' &&
    typeof last.outcome === 'string' &&
    OUTCOMES.includes(last.outcome) &&
    typeof last.status === 'number' &&
    typeof last.reason === 'string' &&
    typeof last.ref === 'string'
  );
}

function isPending(value: unknown): value is PendingPromotion {
  if (value === null || typeof value !== 'object') return false;
  const pending = value as Partial<PendingPromotion>;
  return (
    (pending.release === undefined || typeof pending.release === 'string') &&
    (pending.tree === 'a' || pending.tree === 'b') &&
    Array.isArray(pending.reload) &&
    typeof pending.reconfig === 'boolean' &&
    pending.serials !== null &&
    typeof pending.serials === 'object' &&
    pending.before !== null &&
    typeof pending.before === 'object'
  );
}

export function readState(file: string): ZoneSetState {
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<ZoneSetState>;
    return {
      release: typeof raw.release === 'string' ? raw.release : undefined,
      zones: typeof raw.zones === 'number' ? raw.zones : undefined,
      lastGoodPush: typeof raw.lastGoodPush === 'string' ? raw.lastGoodPush : undefined,
      lastPush: isLastPush(raw.lastPush) ? raw.lastPush : undefined,
      pending: isPending(raw.pending) ? raw.pending : undefined,
    };
  } catch {
    return { release: undefined, zones: undefined, lastGoodPush: undefined };
  }
}

export function writeState(file: string, state: ZoneSetState): void {
  writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`);
}

const REASON_MAX = 500;

/**
 * Records how a push ended; the caller holds the zone set's lock (state.json is read, changed and
 * replaced). The reason may carry client-chosen file names: control characters go, length is capped.
 */
export function recordLastPush(file: string, last: Omit<LastPush, 'time'>, now = new Date()): void {
  const reason = last.reason.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, REASON_MAX);
  writeState(file, { ...readState(file), lastPush: { ...last, reason, time: now.toISOString() } });
}
