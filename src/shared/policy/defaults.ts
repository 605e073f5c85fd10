// Every default the config may leave out, in one place, so the starter configs, the docs and the
// validators agree on them.

import type { GateSettings, PushSettings } from './types.js';

export const GATE_DEFAULTS: GateSettings = {
  rsync: '/usr/bin/rsync',
  bwrap: '/usr/bin/bwrap',
  log: '/var/log/zonegate/gate.log',
  sandbox: 'auto',
  stateDir: '/var/lib/zonegate/gate',
};

/** rsync options a target may add; everything else is refused (the gate refuses more anyway). */
export const PUSH_RSYNC_OPTIONS: readonly RegExp[] = [
  /^--bwlimit=\d+[kKmM]?$/,
  /^--timeout=\d+$/,
  /^--contimeout=\d+$/,
  /^--checksum$/,
  /^--compress$/,
  /^--delay-updates$/,
  /^--exclude=[A-Za-z0-9._*?{}\[\]-]+$/,
  /^--chmod=[ugoaDF=+,rwxX0-7-]+$/,
];

export const PUSH_DEFAULTS: PushSettings = {
  stateDir: '/var/lib/zonegate',
  logDir: '/var/log/zonegate/push',
  lockFile: undefined,
  concurrency: 4,
  keepLogs: 30,
  keepLogDays: 30,
  checker: ['/usr/bin/named-checkzone', '-k', 'fail', '-i', 'local'],
  backoffSeconds: [5, 15],
  hook: [],
  pingUrl: undefined,
  mailTo: undefined,
  sendmail: '/usr/sbin/sendmail',
  skipAlertAfter: 3,
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
