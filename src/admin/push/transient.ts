// Which failures are worth another attempt. Transient: the link or the far side was briefly not
// there, or the zone set was busy with another push. Permanent: the gate, the zone data or our own
// config said no; retrying would only repeat the refusal (and delay the report).

import {
  GATE_EXIT_PREFIX,
  GATE_EXIT_TABLE,
  GATE_PROGRESS_PREFIX,
  GATE_TIMING_PREFIX,
  TRANSPORT_EXIT_TABLE,
  type ExitCodeEntry,
} from '../../shared/exit-codes.js';

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

/** What rsync or ssh say when the far end just closed the stream: the gate may know better. */
const STREAM_ENDED = new Set([5, 10, 12, 255]);

/**
 * ssh's own failure lines. rsync takes ssh's 255 only if ssh has already exited when rsync cleans up;
 * otherwise it reports its own 12, so a refused connection or key came out as a "protocol error"
 * (and an authentication failure as transient) depending on a race. These lines settle it.
 */
const SSH_FAILED = /^ssh: |Permission denied \(|Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/m;

const GATE_CODES = new Set(GATE_EXIT_TABLE.map((entry) => entry.code));

/** ssh's own status for a failed connection or login. */
const SSH_EXIT = 255;

/** The status in the gate's last `zonegate: exit N` line, when it is one of the gate's own codes. */
export function gateExit(stderr: string): number | undefined {
  const line = stderr
    .split('\n')
    .filter((l) => l.startsWith(GATE_EXIT_PREFIX))
    .pop();
  const code = line === undefined ? undefined : /^\d{1,3}$/.exec(line.slice(GATE_EXIT_PREFIX.length))?.[0];
  // Only the gate's band is taken from the far side: it may refine "the link dropped" into the
  // gate's reason, never turn a failure into success or into some unrelated rsync code.
  return code !== undefined && GATE_CODES.has(Number(code)) ? Number(code) : undefined;
}

export function classifyExit(rawStatus: number, stderr: string): AttemptEnd {
  if (rawStatus === 0) return { kind: 'ok' };
  const fromGate = STREAM_ENDED.has(rawStatus) ? gateExit(stderr) : undefined;
  const fromSsh = fromGate === undefined && STREAM_ENDED.has(rawStatus) && SSH_FAILED.test(stderr) ? SSH_EXIT : undefined;
  const status = fromGate ?? fromSsh ?? rawStatus;
  if (HELD.test(stderr)) return { kind: 'failed', status, transient: false, reason: 'gate: zone set held by its admin' };
  if (fromGate === undefined && STREAM_ENDED.has(status) && diedAfterTransfer(stderr))
    // The gate got the files and said so, then ended without a status: it was killed (or crashed)
    // while checking, promoting or reloading. The next push finishes or redoes that work.
    return {
      kind: 'failed',
      status,
      transient: true,
      reason: 'the gate on the target ended without a result after the transfer (killed there?)',
    };
  if (status === 255 && PERMANENT_SSH.test(stderr))
    return { kind: 'failed', status, transient: false, reason: 'ssh refused: host key or authentication' };
  const known = KNOWN_EXITS.get(status);
  if (known === undefined) return { kind: 'failed', status, transient: false, reason: `exit ${String(status)}` };
  return { kind: 'failed', status, transient: known.retry === 'transient', reason: known.meaning };
}

/**
 * The gate said the transfer was complete but never reached its closing timing line: it ended
 * (killed, out of memory) while checking, promoting or reloading. The timing line comes last, so
 * with it the gate did finish, whatever happened to the stream afterwards.
 */
function diedAfterTransfer(stderr: string): boolean {
  const lines = stderr.split('\n');
  return (
    lines.some((l) => l.startsWith(GATE_PROGRESS_PREFIX) && !l.startsWith(GATE_TIMING_PREFIX)) &&
    !lines.some((l) => l.startsWith(GATE_TIMING_PREFIX))
  );
}

/** Seconds to wait before retry `n` (1-based): the list's n-th entry (the last repeats), plus up to 25 % jitter. */
export function backoffMs(n: number, schedule: readonly number[], random: () => number = Math.random): number {
  const base = schedule[Math.min(n, schedule.length) - 1] ?? 0;
  return Math.round(base * 1000 * (1 + 0.25 * random()));
}
