// A real Knot DNS (knotd) on a free loopback port, in the foreground from a temp dir with its own
// knot.conf (a text config: `knotc reload` reads it again), its LMDB storage in the dir, knotc on a
// unix socket there, logging to stderr. The zone set's zone list is included, as an admin would.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonReady, type LabServer } from './dns-daemon.js';
import { quoted } from './named-conf.js';
import { pipeLog } from './named-log.js';
import { freePort, retryOnPortTaken } from './ports.js';
import { processScope, type Scope } from './scope.js';
import { requireTool } from './tools.js';

export interface KnotOptions {
  scope?: Scope;
  parent?: string;
  /** Zone lists (knot.conf fragments) to include; created empty when missing. */
  includeFiles: string[];
}

export const KNOTD = '/usr/sbin/knotd';
export const KNOTC = '/usr/sbin/knotc';
export const KZONECHECK = '/usr/bin/kzonecheck';

export function renderKnotConf(dir: string, port: number, includes: readonly string[]): string {
  return [
    'server:',
    `    listen: 127.0.0.1@${String(port)}`,
    `    rundir: ${quoted(dir)}`,
    `    pidfile: ${quoted(join(dir, 'knot.pid'))}`,
    'database:',
    `    storage: ${quoted(join(dir, 'db'))}`,
    'control:',
    `    listen: ${quoted(join(dir, 'knot.sock'))}`,
    'log:',
    '  - target: stderr',
    '    any: info',
    ...includes.map((file) => `include: ${quoted(file)}`),
    '',
  ].join('\n');
}

async function launchKnot(options: KnotOptions): Promise<LabServer> {
  requireTool(KNOTD, 'knot');
  requireTool(KNOTC, 'knot');
  requireTool(KZONECHECK, 'knot-dnssecutils');
  const scope = options.scope ?? processScope;
  for (const file of options.includeFiles) if (!existsSync(file)) writeFileSync(file, '');
  const dir = scope.tempDir('zonegate-knot-', options.parent);
  mkdirSync(join(dir, 'db'));
  const port = await freePort({ udp: true });
  const conf = join(dir, 'knot.conf');
  writeFileSync(conf, renderKnotConf(dir, port, options.includeFiles));
  const child = scope.spawn(KNOTD, ['-c', conf], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  return daemonReady({
    kind: 'knot',
    scope,
    child,
    dir,
    port,
    output: pipeLog([child.stdout, child.stderr]),
    control: [KNOTC, '-s', join(dir, 'knot.sock')],
    portTaken: /address already in use|cannot bind|failed to bind/i,
  });
}

export function startKnot(options: KnotOptions): Promise<LabServer> {
  return retryOnPortTaken(() => launchKnot(options), 3);
}
