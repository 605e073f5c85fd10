// A primary and three secondaries for `zonegate push` tests: "healthy" (real sshd + real gate),
// "slow" (real sshd + real gate whose rsync is a wrapper that sleeps first) and "down" (a loopback
// port with nothing listening). Zone sets on the secondaries, zone files on the primary.

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { makeKeyPair } from '../lab/keys.js';
import { startSecondary } from '../lab/secondary.js';
import type { Sshd } from '../lab/sshd.js';
import { requireTool } from '../lab/tools.js';
import { soaZone } from '../lab/zones.js';
import { ROOT } from './admin-cli.js';
import { processes } from './procs.js';

/** The real gate entry; ZONEGATE_TEST_GATE_ENTRY may name another build of it (e.g. while bin/ is being reworked). */
const GATE_ENTRY = process.env['ZONEGATE_TEST_GATE_ENTRY'] ?? `${ROOT}/bin/gate.cjs`;

export interface Secondary {
  name: string;
  port: number;
  knownHosts: string;
  identity: string;
  /** The zone set root on the secondary (live zones in root/current). */
  root: string;
  sshd: Sshd | undefined;
}

export interface PushWorld {
  dir: string;
  source: string;
  stateDir: string;
  logDir: string;
  healthy: Secondary;
  slow: Secondary;
  down: Secondary;
  /** Ends every sshd session (the gate and what it started) on this secondary: its process groups, by id. */
  endSessions(secondary: Secondary): void;
  /** Writes a primary config with these targets (default all three) and push settings. */
  writeConfig(targets?: readonly Secondary[], push?: Record<string, unknown>, extra?: Record<string, Record<string, unknown>>): string;
  stop(): Promise<void>;
}

async function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 1);
      });
    });
  });
}

async function secondary(dir: string, name: string, rsync: string | undefined, lockWaitSeconds = 2): Promise<Secondary> {
  const key = await makeKeyPair(dir, `${name}_key`);
  const started = await startSecondary({
    name,
    dir: join(dir, name),
    clientKey: key.line,
    sandbox: rsync === undefined ? 'auto' : 'off',
    ...(rsync === undefined ? {} : { rsync }),
    zoneSet: { lockWaitSeconds },
    gateEntry: GATE_ENTRY,
  });
  const { sshd, root } = started;
  return { name, port: sshd.port, knownHosts: sshd.knownHosts, identity: key.privateKey, root, sshd };
}

/** `slowLockWaitSeconds`: how long the slow secondary's gate waits for its zone-set lock (default 2). */
export async function makePushWorld(
  options: { slowSeconds?: number; zones?: number; slowLockWaitSeconds?: number } = {},
): Promise<PushWorld> {
  requireTool('/usr/bin/flock', 'util-linux');
  requireTool('/usr/bin/named-checkzone', 'bind9-utils');
  const dir = await mkdtemp(join(tmpdir(), 'zonegate-push-'));
  const source = join(dir, 'primary', 'zones');
  mkdirSync(source, { recursive: true });
  for (let i = 0; i < (options.zones ?? 3); i++)
    writeFileSync(join(source, `db.zone${String(i)}.example`), soaZone(`zone${String(i)}.example`, 2024010100));
  const wrapper = join(dir, 'slow-rsync');
  writeFileSync(wrapper, `#!/bin/sh\nsleep ${String(options.slowSeconds ?? 4)}\nexec /usr/bin/rsync "$@"\n`);
  chmodSync(wrapper, 0o755);
  const [healthy, slow] = await Promise.all([
    secondary(dir, 'healthy', undefined),
    secondary(dir, 'slow', wrapper, options.slowLockWaitSeconds),
  ]);
  const down: Secondary = { ...healthy, name: 'down', port: await deadPort(), root: join(dir, 'down'), sshd: undefined };
  const stateDir = join(dir, 'state');
  const logDir = join(dir, 'log');
  return {
    dir,
    source,
    stateDir,
    logDir,
    healthy,
    slow,
    down,
    writeConfig: (targets = [healthy, down, slow], push = {}, extra = {}) => {
      const file = join(dir, `primary-${String(Math.random()).slice(2, 8)}.conf`);
      const entries = Object.fromEntries(
        targets.map((t) => [
          t.name,
          {
            host: '127.0.0.1',
            port: t.port,
            user: (t.sshd ?? healthy.sshd)?.user,
            identity: t.identity,
            knownHosts: t.knownHosts,
            source,
            destination: '.',
            delete: true,
            zoneFile: 'db.{zone}',
            timeoutSeconds: 30,
            retries: 2,
            ...extra[t.name],
          },
        ]),
      );
      const settings = { stateDir, logDir, backoffSeconds: [1], concurrency: 4, ...push };
      writeFileSync(file, `// test primary\n${JSON.stringify({ targets: entries, push: settings }, null, 2)}\n`, { mode: 0o600 });
      return file;
    },
    endSessions: (target) => {
      const conf = join(target.root, '..', 'gate.conf');
      for (const pgid of new Set(
        processes()
          .filter((p) => p.argv.includes(conf))
          .map((p) => p.pgid),
      )) {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    },
    stop: async () => {
      await Promise.all([healthy.sshd?.stop(), slow.sshd?.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
