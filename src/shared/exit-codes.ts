// Every exit code zonegate gives, in one described table. The error classes (errors.ts), the push
// runner's retry rules (admin/push/transient.ts), `zonegate check`, the Nagios plugin and README's
// table all derive from it; test/unit/exit-codes.test.ts keeps README in step.
//
// Bands: rsync owns 0–35 (and 128+n for a signal), so the gate's own codes live in 64–78 (sysexits)
// and a zone set's in 80–99; the primary can tell all three apart from ssh's exit status alone.

export type Retry = 'transient' | 'permanent';

export interface ExitCodeEntry {
  readonly code: number;
  /** What the code means, as README and the push runner's summary say it. */
  readonly meaning: string;
  /** For codes the primary sees from a secondary: is another attempt worth it? */
  readonly retry: Retry;
}

/** The gate and the admin CLI (sysexits band). */
export const EXIT = {
  ok: 0,
  usage: 64,
  request: 65,
  spawn: 69,
  internal: 70,
  denied: 77,
  config: 78,
} as const;

/** Zone-set pushes that rsync itself completed; README lists them. */
export const ZONE_EXIT = {
  'zone-invalid': 80,
  'serial-not-increased': 81,
  'too-many-deletions': 82,
  'zoneset-busy': 83,
  'reload-failed': 84,
  'staging-failed': 85,
  'not-a-zone-file': 86,
  'promote-failed': 87,
  'option-refused-zoneset': 88,
  'no-space': 89,
  'zone-not-allowed': 90,
  'limit-exceeded': 91,
  'zoneset-held': 92,
  'transfer-timeout': 93,
  'dnssec-refused': 94,
} as const;

/** What `zonegate push` tells cron. */
export const PUSH_EXIT = {
  ok: 0,
  /** Some targets failed, at least one succeeded. */
  partial: 1,
  /** Every selected target failed (or the source tree failed validation for all of them). */
  failed: 2,
  /** The previous run still holds the lock; this run did nothing (EX_TEMPFAIL). */
  skipped: 75,
  /**
   * Stopped by SIGTERM, SIGINT or SIGHUP: exits this + the signal's number (143, 130, 129), the shell's
   * code for "killed by"; every attempt's process group was killed and the run recorded as failed.
   */
  interruptedBase: 128,
} as const;

/**
 * `zonegate check` keeps its own small table (0 allow, 1 deny, 2 usage) in every mode, plus `unverified`: allowed as far
 * as check could decide, but the tree is not on this host, so the filesystem step (symlinks) was not run.
 */
export const CHECK_EXIT = { allow: 0, deny: 1, usage: 2, unverified: 3 } as const;

/** The Nagios plugin API: exactly these four. */
export const NAGIOS_EXIT = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;

/**
 * The gate's last stderr line when it exits non-zero: this prefix and the status. The primary reads
 * it when rsync reports only its own protocol error because the gate closed the stream first.
 */
export const GATE_EXIT_PREFIX = 'zonegate: exit ';

/**
 * The gate says this (plus what it is doing) before the steps that follow a completed transfer. A
 * primary that saw it but no exit line knows the gate itself died there (killed, OOM), not the link.
 */
export const GATE_PROGRESS_PREFIX = 'zonegate: progress: ';

/**
 * The gate's last progress line for a zone-set push: where its time went, in whole milliseconds
 * since the gate's process started (shared/phase-timing.ts renders and parses it). It comes at the
 * end, so it also means the gate finished its work: no "died after the transfer" guess.
 */
export const GATE_TIMING_PREFIX = `${GATE_PROGRESS_PREFIX}timing `;

/**
 * A dry run's report (`zonegate push --dry-run`), on the progress channel: what the push would
 * promote, one line each, then the usual exit line when it would be refused.
 */
export const GATE_DRY_RUN_PREFIX = `${GATE_PROGRESS_PREFIX}dry run: `;

/** The gate's own codes and the zone-set codes, as a secondary returns them through ssh. */
export const GATE_EXIT_TABLE: readonly ExitCodeEntry[] = [
  { code: EXIT.request, meaning: 'not a well-formed rsync request', retry: 'permanent' },
  { code: EXIT.spawn, meaning: 'rsync could not be started on the target', retry: 'permanent' },
  { code: EXIT.internal, meaning: 'internal error (a bug)', retry: 'permanent' },
  { code: EXIT.denied, meaning: 'request refused by policy', retry: 'permanent' },
  { code: EXIT.config, meaning: 'config problem on the target', retry: 'permanent' },
  { code: ZONE_EXIT['zone-invalid'], meaning: 'zone invalid', retry: 'permanent' },
  { code: ZONE_EXIT['serial-not-increased'], meaning: 'serial not increased', retry: 'permanent' },
  { code: ZONE_EXIT['too-many-deletions'], meaning: 'too many deletions', retry: 'permanent' },
  { code: ZONE_EXIT['zoneset-busy'], meaning: 'zone set busy with another push', retry: 'transient' },
  { code: ZONE_EXIT['reload-failed'], meaning: 'reload failed (rolled back)', retry: 'permanent' },
  {
    code: ZONE_EXIT['staging-failed'],
    meaning: 'the zone set could not receive the push (its spare tree or transfer log)',
    retry: 'permanent',
  },
  { code: ZONE_EXIT['not-a-zone-file'], meaning: 'not a zone file', retry: 'permanent' },
  { code: ZONE_EXIT['promote-failed'], meaning: 'promote failed', retry: 'permanent' },
  { code: ZONE_EXIT['option-refused-zoneset'], meaning: 'option refused for zone sets', retry: 'permanent' },
  { code: ZONE_EXIT['no-space'], meaning: 'not enough free space or inodes on the target for a push', retry: 'permanent' },
  { code: ZONE_EXIT['zone-not-allowed'], meaning: "zone not in the zone set's list (zoneSet.zones)", retry: 'permanent' },
  { code: ZONE_EXIT['limit-exceeded'], meaning: 'a cost limit of the zone set was exceeded', retry: 'permanent' },
  // The secondary's admin holds the set (after a rollback): retrying would only repeat the refusal.
  { code: ZONE_EXIT['zoneset-held'], meaning: 'zone set held by its admin', retry: 'permanent' },
  // A slow link may finish next time; the deadline keeps one slow push from holding the lock.
  { code: ZONE_EXIT['transfer-timeout'], meaning: "the transfer ran past the zone set's deadline", retry: 'transient' },
  // Only a fresh signing on the primary mends it: the same files would be refused again.
  {
    code: ZONE_EXIT['dnssec-refused'],
    meaning: 'a signed zone does not verify, or a signature expires within signatureHorizon',
    retry: 'permanent',
  },
];

/** rsync's and ssh's codes that the push runner tells apart. */
export const TRANSPORT_EXIT_TABLE: readonly ExitCodeEntry[] = [
  { code: 1, meaning: 'rsync syntax or usage error', retry: 'permanent' },
  { code: 2, meaning: 'rsync protocol incompatibility', retry: 'permanent' },
  { code: 3, meaning: 'rsync file selection error', retry: 'permanent' },
  { code: 5, meaning: 'rsync could not start the protocol (connection closed early)', retry: 'transient' },
  { code: 10, meaning: 'rsync socket I/O error', retry: 'transient' },
  { code: 11, meaning: 'rsync file I/O error', retry: 'permanent' },
  { code: 12, meaning: 'rsync protocol data stream error (connection dropped)', retry: 'transient' },
  { code: 23, meaning: 'rsync partial transfer (permissions or refused files)', retry: 'permanent' },
  { code: 24, meaning: 'source files vanished during the transfer (zones being rewritten)', retry: 'transient' },
  { code: 30, meaning: 'rsync I/O timeout', retry: 'transient' },
  { code: 35, meaning: 'rsync timed out waiting for the connection', retry: 'transient' },
  { code: 255, meaning: 'ssh connection failed', retry: 'transient' },
];
