// Which failures are worth another attempt. Transient: the link or the far side was briefly not
// there, or the zone set was busy with another push. Permanent: the gate, the zone data or our own
// config said no; retrying would only repeat the refusal (and delay the report).

export type AttemptEnd = { kind: 'ok' } | { kind: 'failed'; status: number; transient: boolean; reason: string } | { kind: 'timeout' };

/** rsync, ssh and gate exit codes that a later attempt may not see again. */
export const TRANSIENT_EXITS: ReadonlyMap<number, string> = new Map([
  [5, 'rsync could not start the protocol (connection closed early)'],
  [10, 'rsync socket I/O error'],
  [12, 'rsync protocol data stream error (connection dropped)'],
  [24, 'source files vanished during the transfer (zones being rewritten)'],
  [30, 'rsync I/O timeout'],
  [35, 'rsync timed out waiting for the connection'],
  [83, 'zone set busy with another push'],
  [255, 'ssh connection failed'],
]);

export const PERMANENT_EXITS: ReadonlyMap<number, string> = new Map([
  [1, 'rsync syntax or usage error'],
  [2, 'rsync protocol incompatibility'],
  [3, 'rsync file selection error'],
  [11, 'rsync file I/O error'],
  [23, 'rsync partial transfer (permissions or refused files)'],
  [65, 'gate: not a well-formed rsync request'],
  [69, 'gate: rsync could not be started on the target'],
  [77, 'gate: request refused by policy'],
  [78, 'gate: config problem on the target'],
  [80, 'gate: zone invalid'],
  [81, 'gate: serial not increased'],
  [82, 'gate: too many deletions'],
  [84, 'gate: reload failed (rolled back)'],
  [85, 'gate: the zone set could not receive the push (its spare tree or transfer log)'],
  [86, 'gate: not a zone file'],
  [87, 'gate: promote failed'],
  [88, 'gate: option refused for zone sets'],
]);

/** ssh says 255 for a dead link and for a wrong host key alike; the key and auth cases never heal. */
const PERMANENT_SSH =
  /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|Permission denied \(|No such file or directory.*identity|Load key .*: /;

export function classifyExit(status: number, stderr: string): AttemptEnd {
  if (status === 0) return { kind: 'ok' };
  if (status === 255 && PERMANENT_SSH.test(stderr))
    return { kind: 'failed', status, transient: false, reason: 'ssh refused: host key or authentication' };
  const transient = TRANSIENT_EXITS.get(status);
  if (transient !== undefined) return { kind: 'failed', status, transient: true, reason: transient };
  return { kind: 'failed', status, transient: false, reason: PERMANENT_EXITS.get(status) ?? `exit ${String(status)}` };
}

/** Seconds to wait before retry `n` (1-based): the list's n-th entry (the last repeats), plus up to 25 % jitter. */
export function backoffMs(n: number, schedule: readonly number[], random: () => number = Math.random): number {
  const base = schedule[Math.min(n, schedule.length) - 1] ?? 0;
  return Math.round(base * 1000 * (1 + 0.25 * random()));
}
