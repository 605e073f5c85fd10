// A primary and three secondaries for `zonegate push` tests: "healthy" (real sshd + real gate),
// "slow" (real sshd + real gate whose rsync is a wrapper that holds each transfer until the test
// releases it) and "down" (a loopback port that refuses every connection for as long as the world
// lives). Zone sets on the secondaries, zone files on the primary. stop() leaves no process behind.

import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Socket } from 'node:net';
import { makeKeyPair } from '../lab/keys.js';
import { startSecondary } from '../lab/secondary.js';
import type { Sshd } from '../lab/sshd.js';
import { requireTool } from '../lab/tools.js';
import { runsIn, until } from '../lab/wait.js';
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
  /** The pids of the slow secondary's transfers that have started (each waits for releaseSlow()). */
  slowStarted(): number[];
  /** Lets every held transfer of the slow secondary go on, and every later one run straight through. */
  releaseSlow(): void;
  /** Whether no transfer of the slow secondary is running (held or not). */
  slowIdle(): boolean;
  /** Holds the slow secondary's next transfers again. */
  holdSlow(): void;
  /** Writes a primary config with these targets (default all three) and push settings. */
  writeConfig(targets?: readonly Secondary[], push?: Record<string, unknown>, extra?: Record<string, Record<string, unknown>>): string;
  stop(): Promise<void>;
}

/**
 * A loopback port that refuses connections (RST, so ssh says "Connection refused") until close():
 * the local end of an open loopback connection. It stays bound and never listens, so nothing else
 * (a parallel test's sshd, say) can take the port, unlike a port that was merely free a moment ago.
 */
async function deadPort(): Promise<{ port: number; close(): Promise<void> }> {
  const accepted: Socket[] = [];
  const server = createServer((socket) => accepted.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the helper listener has no port');
  const client = connect(address.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  const port = client.localPort;
  if (port === undefined) throw new Error('the helper connection has no local port');
  return {
    port,
    close: async () => {
      client.destroy();
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function secondary(dir: string, name: string, rsync: string | undefined, lockWaitSeconds = 2): Promise<Secondary> {
  const key = await makeKeyPair(dir, `${name}_key`);
  const started = await startSecondary({
    name,
    dir: join(dir, name),
    clientKey: key.line,
    sandbox: rsync === undefined ? 'required' : 'off',
    ...(rsync === undefined ? {} : { rsync }),
    zoneSet: { lockWaitSeconds },
    gateEntry: GATE_ENTRY,
  });
  const { sshd, root } = started;
  return { name, port: sshd.port, knownHosts: sshd.knownHosts, identity: key.privateKey, root, sshd };
}

/** `slowLockWaitSeconds`: how long the slow secondary's gate waits for its zone-set lock (default 2). */
export async function makePushWorld(options: { zones?: number; slowLockWaitSeconds?: number } = {}): Promise<PushWorld> {
  requireTool('/usr/bin/flock', 'util-linux');
  requireTool('/usr/bin/named-checkzone', 'bind9-utils');
  const dir = await mkdtemp(join(tmpdir(), 'zonegate-push-'));
  const source = join(dir, 'primary', 'zones');
  mkdirSync(source, { recursive: true });
  for (let i = 0; i < (options.zones ?? 3); i++)
    writeFileSync(join(source, `db.zone${String(i)}.example`), soaZone(`zone${String(i)}.example`, 2024010100));
  // The gate's capability probe goes straight through; a transfer notes its pid (rsync keeps it
  // after exec) and waits for the release file: the test decides when it ends, not a clock.
  const started = join(dir, 'slow-started');
  const release = join(dir, 'slow-release');
  const wrapper = join(dir, 'slow-rsync');
  writeFileSync(
    wrapper,
    `#!/bin/sh\ncase "$1" in --server) ;; *) exec /usr/bin/rsync "$@" ;; esac\necho $$ >> ${started}\nwhile [ ! -e ${release} ]; do sleep 0.02; done\nexec /usr/bin/rsync "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  const slowStarted = (): number[] => (existsSync(started) ? readFileSync(started, 'utf8').split('\n').filter(Boolean).map(Number) : []);
  const slowIdle = (): boolean => !slowStarted().some((pid) => runsIn(pid, join(dir, 'slow')));
  const releaseSlow = (): void => {
    writeFileSync(release, '');
  };
  const [healthy, slow] = await Promise.all([
    secondary(dir, 'healthy', undefined),
    secondary(dir, 'slow', wrapper, options.slowLockWaitSeconds),
  ]);
  const dead = await deadPort();
  const down: Secondary = { ...healthy, name: 'down', port: dead.port, root: join(dir, 'down'), sshd: undefined };
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
    slowStarted,
    releaseSlow,
    slowIdle,
    holdSlow: () => {
      rmSync(release, { force: true });
    },
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
      // Held transfers whose client is gone see end-of-file once released, and exit.
      releaseSlow();
      await until(slowIdle, "the slow secondary's transfers to end");
      await Promise.all([healthy.sshd?.stop(), slow.sshd?.stop(), dead.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
