// The rsync and ssh command lines for one target (pure). ssh never prompts and never trusts a host
// key it was not given: BatchMode, IdentitiesOnly, our known_hosts only, StrictHostKeyChecking=yes;
// -F /dev/null keeps the user's ~/.ssh/config (ProxyCommand, ControlMaster…) out of cron's runs.

import type { Target } from '../../shared/policy/types.js';

export const RSYNC = '/usr/bin/rsync';
export const SSH = '/usr/bin/ssh';

/** Safe defaults for zone files: recursive, times (named compares mtimes), no owners or devices. */
export const BASE_RSYNC_OPTIONS = ['--recursive', '--links', '--times', '--perms', '--chmod=D755,F644', '--itemize-changes', '--stats'];

export function sshArgv(target: Target, ssh = SSH): string[] {
  return [
    ssh,
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${target.knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=3',
    '-o',
    'PasswordAuthentication=no',
    '-o',
    'KbdInteractiveAuthentication=no',
    '-o',
    'ControlMaster=no',
    '-o',
    'ControlPath=none',
    '-i',
    target.identity,
    '-p',
    String(target.port),
    '-l',
    target.user,
  ];
}

/** rsync wants an IPv6 address in brackets before the `:path`. */
export function remoteSpec(target: Target): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${host}:${target.destination}`;
}

/** `skip`: rsync options that leave editor and backup files out (skip.ts). */
export function rsyncArgv(target: Target, paths: { rsync?: string; ssh?: string } = {}, skip: readonly string[] = []): string[] {
  // rsync splits -e on whitespace; every word here is validated (SAFE_PATH_PATTERN, host, user), none has a space.
  return [
    paths.rsync ?? RSYNC,
    ...BASE_RSYNC_OPTIONS,
    ...(target.delete ? ['--delete-delay'] : []),
    ...skip,
    ...(target.rsyncOptions ?? []),
    '-e',
    sshArgv(target, paths.ssh).join(' '),
    '--',
    `${target.source}/`,
    remoteSpec(target),
  ];
}

export interface TransferSummary {
  bytesSent: number;
  filesChanged: number;
  deleted: number;
}

/** Reads rsync's --itemize-changes lines and --stats totals from its stdout. */
export function summarizeRsyncOutput(stdout: string): TransferSummary {
  let filesChanged = 0;
  let deleted = 0;
  for (const line of stdout.split('\n')) {
    if (/^[<>c.]f\S{9} /.test(line) && !/^\.f/.test(line)) filesChanged++;
    else if (line.startsWith('*deleting ')) deleted++;
  }
  const sent = /^Total bytes sent: ([\d,.]+)/m.exec(stdout);
  return { bytesSent: sent?.[1] === undefined ? 0 : Number(sent[1].replace(/[,.]/g, '')), filesChanged, deleted };
}
