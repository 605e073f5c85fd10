// Every default the config may leave out, in one place, so the starter configs, the docs and the
// validators agree on them.

import type { GateSettings, PushSettings, ZoneServer, ZoneSetLimits } from './types.js';

export const GATE_DEFAULTS: GateSettings = {
  rsync: '/usr/bin/rsync',
  bwrap: '/usr/bin/bwrap',
  log: '/var/log/zonegate/gate.log',
  sandbox: 'auto',
  stateDir: '/var/lib/zonegate/gate',
};

/**
 * rsync options a target may add; everything else is refused (the gate refuses more anyway).
 * No --contimeout: the client refuses it over a remote shell ("only … when connecting to an rsync
 * daemon"), so every push of such a target would fail with rsync's usage error.
 */
export const PUSH_RSYNC_OPTIONS: readonly RegExp[] = [
  /^--bwlimit=\d+[kKmM]?$/,
  /^--timeout=\d+$/,
  /^--checksum$/,
  /^--compress$/,
  /^--delay-updates$/,
  /^--exclude=[A-Za-z0-9._*?{}\[\]~#-]+$/,
  /^--chmod=[ugoaDF=+,rwxX0-7-]+$/,
];

export const PUSH_DEFAULTS: PushSettings = {
  stateDir: '/var/lib/zonegate',
  logDir: '/var/log/zonegate/push',
  lockFile: undefined,
  // Attempts at once. On the primary an attempt is an ssh and an rsync client (the key exchange and
  // the file-list walk are its CPU); the rest is waiting on the link and on the secondary's checks,
  // reload and verify. 8 keeps a small (2-core) primary busy without queueing its CPU, pushes 100
  // targets in ~13 waves, and a target waiting out a backoff holds no slot (slots.ts).
  concurrency: 8,
  keepLogs: 30,
  keepLogDays: 30,
  checker: ['/usr/bin/named-checkzone', '-k', 'fail', '-i', 'local'],
  backoffSeconds: [5, 15],
  hook: [],
  pingUrl: undefined,
  mailTo: undefined,
  sendmail: '/usr/sbin/sendmail',
  skipAlertAfter: 3,
  // Editors' and cp's leftovers: `cp db.x db.x.bak` must not become a zone on every secondary.
  skipPatterns: ['*~', '*.bak', '*.swp', '*.orig', '.#*', '#*#'],
};

/** The secondary's zone checker: every check named-checkzone has, set to fail. */
export const ZONESET_DEFAULT_CHECKER = [
  '/usr/bin/named-checkzone',
  '-k',
  'fail',
  '-m',
  'fail',
  '-M',
  'fail',
  '-S',
  'fail',
  '-n',
  'fail',
  '-i',
  'local',
];

/**
 * Each server's own checker and control program, the defaults of zoneSet.checker and
 * zoneSet.control. The checker gets the zone name and the file appended (kzonecheck: `-o ZONE FILE`;
 * -v, because without it a syntax error reads only "failed to run semantic checks").
 */
export const ZONESET_SERVER_DEFAULTS: Record<ZoneServer, { checker: string[]; control: string[] }> = {
  bind: { checker: ZONESET_DEFAULT_CHECKER, control: ['/usr/sbin/rndc'] },
  nsd: { checker: ['/usr/sbin/nsd-checkzone'], control: ['/usr/sbin/nsd-control'] },
  knot: { checker: ['/usr/bin/kzonecheck', '-v', '-o'], control: ['/usr/sbin/knotc'] },
};

/**
 * A zone set's cost limits. A 1,000,000-record zone is ~60 MB of text and ~330 MB for
 * named-checkzone 9.18 (measured: 300,000 records, 100 MB resident, 1.1 s), so these fit a large
 * real zone while two checkers at once stay within 2 GiB.
 */
export const ZONESET_LIMIT_DEFAULTS: ZoneSetLimits = {
  zoneBytes: 64 * 1024 * 1024,
  filesPerPush: 10_000,
  recordsPerZone: 1_000_000,
  generateRange: 0,
  checkerMemoryMB: 1024,
  checkerCpuSeconds: 60,
  checkerConcurrency: 2,
};

/** A zone set's deadline on the rsync phase of a push. */
export const ZONESET_TRANSFER_TIMEOUT_SECONDS = 600;
