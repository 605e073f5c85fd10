// The zone set's state file: which release is live, how many zones it holds, when the last good push
// happened (monitoring reads it: `zonegate status`), and the journal of a promotion under way.
// Written atomically and durably (shared/atomic-write.ts); small, whatever the number of zones.

import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../shared/atomic-write.js';
import type { TreeName } from './layout.js';
import type { ServedCheck } from './served-check.js';

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
  /** The live tree's size on disk (bytes in blocks), kept up to date by each promotion. */
  bytes?: number | undefined;
  /** The owner:group:mode the live files were last brought to (file-attrs.ts renderFileAttrs). */
  files?: string | undefined;
  /** The last time state.json or a release manifest was found damaged, and what was done. */
  lastDamage?: DamageRecord | undefined;
  /** The last comparison of served serials with the live tree (served-check.ts). */
  servedCheck?: ServedCheck | undefined;
}

export interface DamageRecord {
  at: string;
  what: string;
  problem: string;
  /** What zonegate did about it (kept the file as …, rebuilt from …). */
  action: string;
}

/** What reading state.json found: the state, and a problem when the file exists but is not one. */
export interface StateReading {
  state: ZoneSetState;
  damage: string | undefined;
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

const EMPTY: ZoneSetState = { release: undefined, zones: undefined, lastGoodPush: undefined };

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the type the check proved
const optional = <T>(value: unknown, check: (value: unknown) => boolean): T | undefined => (check(value) ? (value as T) : undefined);
const isString = (value: unknown): boolean => typeof value === 'string';
const isCount = (value: unknown): boolean => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isRecord = (value: unknown): boolean => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Reads state.json and says whether it is damaged: empty, not JSON, not an object, or a journal
 * entry that is not one. A missing file is a new zone set, not damage.
 */
export function inspectState(file: string): StateReading {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: { ...EMPTY }, damage: undefined };
    return { state: { ...EMPTY }, damage: `unreadable (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { state: { ...EMPTY }, damage: text.length === 0 ? 'empty (0 bytes)' : `not valid JSON (${String(text.length)} bytes)` };
  }
  if (!isRecord(raw)) return { state: { ...EMPTY }, damage: 'not a JSON object' };
  const record = raw as Record<string, unknown>;
  const state: ZoneSetState = {
    release: optional(record['release'], isString),
    zones: optional(record['zones'], isCount),
    lastGoodPush: optional(record['lastGoodPush'], isString),
    pending: isPending(record['pending']) ? record['pending'] : undefined,
    bytes: optional(record['bytes'], isCount),
    files: optional(record['files'], isString),
    lastPush: isLastPush(record['lastPush']) ? record['lastPush'] : undefined,
    lastDamage: optional(record['lastDamage'], isRecord),
    servedCheck: optional(record['servedCheck'], isRecord),
  };
  const damage =
    record['pending'] !== undefined && state.pending === undefined ? 'its promotion journal (pending) is malformed' : undefined;
  return { state, damage };
}

/** The state, empty when the file is missing or damaged (openZoneSet() notices and repairs damage). */
export function readState(file: string): ZoneSetState {
  return inspectState(file).state;
}

export function writeState(file: string, state: ZoneSetState): void {
  writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`);
}

const REASON_MAX = 500;

/**
 * Records how a push ended; the caller holds the zone set's lock (state.json is read, changed and
 * replaced). The reason may carry client-chosen file names: control characters go, length is capped.
 * A damaged state file is left for the next push to keep aside and repair, not overwritten here.
 */
export function recordLastPush(file: string, last: Omit<LastPush, 'time'>, now = new Date()): void {
  const { state, damage } = inspectState(file);
  if (damage !== undefined) return;
  const reason = last.reason.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, REASON_MAX);
  writeState(file, { ...state, lastPush: { ...last, reason, time: now.toISOString() } });
}
