// A real NSD on a free loopback port, in the foreground (-d) from a temp dir with its own nsd.conf:
// no chroot, no privilege drop, no zone database, nsd-control on a unix socket in the dir (no TLS
// keys to make). The zone set's zone list is included at the top level, as an admin would.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonReady, type LabServer } from './dns-daemon.js';
import { quoted } from './named-conf.js';
import { fileLog } from './named-log.js';
import { freePort, retryOnPortTaken } from './ports.js';
import { processScope, type Scope } from './scope.js';
import { requireTool } from './tools.js';

export interface NsdOptions {
  scope?: Scope;
  parent?: string;
  /** Zone lists (nsd.conf fragments) to include; created empty when missing. */
  includeFiles: string[];
}

export const NSD = '/usr/sbin/nsd';
export const NSD_CONTROL = '/usr/sbin/nsd-control';
export const NSD_CHECKZONE = '/usr/sbin/nsd-checkzone';

export function renderNsdConf(dir: string, port: number, includes: readonly string[]): string {
  const p = (file: string): string => quoted(join(dir, file));
  return [
    'server:',
    `\tip-address: 127.0.0.1@${String(port)}`,
    '\tdo-ip6: no',
    '\tusername: ""',
    '\tchroot: ""',
    `\tzonesdir: ${quoted(dir)}`,
    '\tdatabase: ""',
    `\tzonelistfile: ${p('zone.list')}`,
    `\txfrdfile: ${p('xfrd.state')}`,
    `\txfrdir: ${quoted(dir)}`,
    `\tpidfile: ${p('nsd.pid')}`,
    `\tlogfile: ${p('nsd.log')}`,
    '\tverbosity: 2',
    '\tserver-count: 1',
    'remote-control:',
    '\tcontrol-enable: yes',
    `\tcontrol-interface: ${p('nsd.ctl')}`,
    ...includes.map((file) => `include: ${quoted(file)}`),
    '',
  ].join('\n');
}

async function launchNsd(options: NsdOptions): Promise<LabServer> {
  for (const tool of [NSD, NSD_CONTROL, NSD_CHECKZONE]) requireTool(tool, 'nsd');
  const scope = options.scope ?? processScope;
  for (const file of options.includeFiles) if (!existsSync(file)) writeFileSync(file, '');
  const dir = scope.tempDir('zonegate-nsd-', options.parent);
  const port = await freePort({ udp: true });
  const conf = join(dir, 'nsd.conf');
  writeFileSync(conf, renderNsdConf(dir, port, options.includeFiles));
  // Its own process group: NSD forks xfrd and a server process, and stopping the group stops them all.
  const child = scope.spawn(NSD, ['-d', '-c', conf], { cwd: dir, stdio: 'ignore', detached: true });
  return daemonReady({
    kind: 'nsd',
    scope,
    child,
    dir,
    port,
    output: fileLog(join(dir, 'nsd.log')),
    control: [NSD_CONTROL, '-c', conf],
    portTaken: /can't bind (udp|tcp) socket|could not open ports|address already in use/i,
  });
}

export function startNsd(options: NsdOptions): Promise<LabServer> {
  return retryOnPortTaken(() => launchNsd(options), 3);
}
