// Which failures are worth another attempt. Transient: the link or the far side was briefly not
// there, or the zone set was busy with another push. Permanent: the gate, the zone data or our own
// config said no; retrying would only repeat the refusal (and delay the report).

import { GATE_EXIT_TABLE, TRANSPORT_EXIT_TABLE, type ExitCodeEntry } from '../../shared/exit-codes.js';

export type AttemptEnd = { kind: 'ok' } | { kind: 'failed'; status: number; transient: boolean; reason: string } | { kind: 'timeout' };

/** Every code the push runner knows from a target: rsync's, ssh's and the gate's, each with its retry rule. */
const KNOWN_EXITS: ReadonlyMap<number, ExitCodeEntry> = new Map(
  [...TRANSPORT_EXIT_TABLE, ...GATE_EXIT_TABLE.map((entry) => ({ ...entry, meaning: `gate: ${entry.meaning}` }))].map((entry) => [
    entry.code,
    entry,
  ]),
);

/** ssh says 255 for a dead link and for a wrong host key alike; the key and auth cases never heal. */
const PERMANENT_SSH =
  /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|Permission denied \(|No such file or directory.*identity|Load key .*: /;

/**
 * A gate that refuses before the protocol starts exits at once, and the rsync client often reports
 * its own "connection unexpectedly closed" (12, transient) before it sees the gate's status. A held
 * zone set says so on a line of its own: that stays permanent whatever the exit code.
 */
const HELD = /^zonegate: denied: zone set \S+ is held on this secondary/m;

export function classifyExit(status: number, stderr: string): AttemptEnd {
  if (status === 0) return { kind: 'ok' };
  if (HELD.test(stderr)) return { kind: 'failed', status, transient: false, reason: 'gate: zone set held by its admin' };
  if (status === 255 && PERMANENT_SSH.test(stderr))
    return { kind: 'failed', status, transient: false, reason: 'ssh refused: host key or authentication' };
  const known = KNOWN_EXITS.get(status);
  if (known === undefined) return { kind: 'failed', status, transient: false, reason: `exit ${String(status)}` };
  return { kind: 'failed', status, transient: known.retry === 'transient', reason: known.meaning };
}

/** Seconds to wait before retry `n` (1-based): the list's n-th entry (the last repeats), plus up to 25 % jitter. */
export function backoffMs(n: number, schedule: readonly number[], random: () => number = Math.random): number {
  const base = schedule[Math.min(n, schedule.length) - 1] ?? 0;
  return Math.round(base * 1000 * (1 + 0.25 * random()));
}
