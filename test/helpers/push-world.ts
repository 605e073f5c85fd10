// A primary and three secondaries for `zonegate push` tests: "healthy" (real sshd + real gate),
// "slow" (real sshd + real gate whose rsync is a wrapper that sleeps first) and "down" (a loopback
// port with nothing listening). Zone sets on the secondaries, zone files on the primary.

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { renderAuthorizedKeysLines } from '../../src/admin/keys/authorized-keys-line.js';
import { installAuthorizedKeys } from '../../src/admin/keys/authorized-keys-install.js';
import { loadPolicy } from '../../src/shared/policy/load.js';
import { ROOT } from './admin-cli.js';
import { makeKeyPair, startSshd, type Sshd } from './sshd.js';
import { requireTool } from './tools.js';

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
  /** Writes a primary config with these targets (default all three) and push settings. */
  writeConfig(targets?: readonly Secondary[], push?: Record<string, unknown>, extra?: Record<string, Record<string, unknown>>): string;
  stop(): Promise<void>;
}

export function zoneText(zone: string, serial: number, extra = ''): string {
  return `$ORIGIN ${zone}.\n$TTL 300\n@ IN SOA ns1.${zone}. hostmaster.${zone}. ${String(serial)} 3600 900 604800 300\n@ IN NS ns1.${zone}.\nns1 IN A 192.0.2.1\n${extra}`;
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

async function secondary(dir: string, name: string, rsync: string | undefined): Promise<Secondary> {
  const sshd = await startSshd();
  const key = await makeKeyPair(dir, `${name}_key`);
  const root = join(dir, name, 'zones');
  mkdirSync(root, { recursive: true });
  const config = join(dir, name, 'gate.conf');
  const rule = {
    direction: 'upload',
    root,
    paths: ['**'],
    delete: true,
    zoneSet: {
      name: `ext-${name}`,
      zones: ['*.example'],
      zoneFile: 'db.{zone}',
      rndc: false,
      checker: false,
      verify: false,
      lockWaitSeconds: 2,
    },
  };
  const gate = {
    log: join(dir, name, 'gate.log'),
    sandbox: rsync === undefined ? 'auto' : 'off',
    ...(rsync === undefined ? {} : { rsync }),
  };
  writeFileSync(config, JSON.stringify({ gate, keys: { primary: { publicKey: key.line, from: ['127.0.0.1'], rules: [rule] } } }), {
    mode: 0o600,
  });
  const keys = [...loadPolicy(config).keys.values()];
  await installAuthorizedKeys(
    sshd.authorizedKeys,
    renderAuthorizedKeysLines(keys, { node: process.execPath, gate: GATE_ENTRY, config }),
    keys,
  );
  return { name, port: sshd.port, knownHosts: sshd.knownHosts, identity: key.privateKey, root, sshd };
}

export async function makePushWorld(options: { slowSeconds?: number; zones?: number } = {}): Promise<PushWorld> {
  requireTool('/usr/bin/flock', 'util-linux');
  requireTool('/usr/bin/named-checkzone', 'bind9-utils');
  const dir = await mkdtemp(join(tmpdir(), 'zonegate-push-'));
  const source = join(dir, 'primary', 'zones');
  mkdirSync(source, { recursive: true });
  for (let i = 0; i < (options.zones ?? 3); i++)
    writeFileSync(join(source, `db.zone${String(i)}.example`), zoneText(`zone${String(i)}.example`, 2024010100));
  const wrapper = join(dir, 'slow-rsync');
  writeFileSync(wrapper, `#!/bin/sh\nsleep ${String(options.slowSeconds ?? 4)}\nexec /usr/bin/rsync "$@"\n`);
  chmodSync(wrapper, 0o755);
  const [healthy, slow] = await Promise.all([secondary(dir, 'healthy', undefined), secondary(dir, 'slow', wrapper)]);
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
    stop: async () => {
      await Promise.all([healthy.sshd?.stop(), slow.sshd?.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
