// A fleet of secondaries behind one sshd, for fan-out tests and the push benchmark: N members, each
// with its own key pair, its own gate config (one key, one zone set in its own directory) and its own
// audit log, as N real secondaries would have; one authorized_keys file holds the N forced-command
// lines zonegate renders. One sshd keeps a hundred secondaries cheap on a 2-core machine; every
// connection still gets its own sshd session, the real gate and its own zone-set lock.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installAuthorizedKeys } from '../../src/admin/keys/authorized-keys-install.js';
import { renderAuthorizedKeysLine } from '../../src/admin/keys/authorized-keys-line.js';
import { loadPolicy } from '../../src/shared/policy/load.js';
import type { KeyPolicy } from '../../src/shared/policy/types.js';
import { mapLimited } from '../../src/zoneset/run-command.js';
import { makeKeyPair } from './keys.js';
import { projectPath } from './paths.js';
import { processScope, type Scope } from './scope.js';
import { startSshd, type Sshd } from './sshd.js';

export interface FleetOptions {
  scope?: Scope;
  /** Where the fleet's files go (a dir of the caller's). */
  dir: string;
  count: number;
  /** Member names: `${prefix}${index}` (default "m"). */
  prefix?: string;
  /** The gate program sshd forces; default bin/gate.cjs. */
  gateEntry?: string;
  sandbox?: 'auto' | 'off' | 'required';
  /** Settings merged into every member's zoneSet (default: no checker, no rndc, no verify). */
  zoneSet?: Record<string, unknown>;
  /** sshd_config lines after the common ones (default: LogLevel INFO); MaxStartups is always raised. */
  sshdConfig?: readonly string[];
}

export interface FleetMember {
  name: string;
  /** The zone set root (live zones in root/current). */
  root: string;
  config: string;
  gateLog: string;
  /** The primary's private key for this member. */
  identity: string;
}

export interface Fleet {
  sshd: Sshd;
  members: FleetMember[];
  stop(): Promise<void>;
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const scope = options.scope ?? processScope;
  const { dir, count } = options;
  const prefix = options.prefix ?? 'm';
  // sshd drops new unauthenticated connections at random past 10 by default (MaxStartups 10:30:100):
  // a primary pushing to many members at once would see "Connection closed" that no real fleet of
  // separate hosts shows.
  const sshd = await startSshd({
    scope,
    parent: dir,
    extraConfig: [...(options.sshdConfig ?? ['LogLevel INFO']), `MaxStartups ${String(Math.max(100, 2 * count))}`],
  });
  const gateEntry = options.gateEntry ?? projectPath('bin/gate.cjs');
  const keysDir = join(dir, 'primary-keys');
  mkdirSync(keysDir, { recursive: true });
  const built = await mapLimited(
    Array.from({ length: count }, (_, index) => index),
    8,
    async (index): Promise<{ member: FleetMember; key: KeyPolicy; line: string }> => {
      const name = `${prefix}${String(index)}`;
      const home = join(dir, name);
      const root = join(home, 'zones');
      mkdirSync(root, { recursive: true });
      const pair = await makeKeyPair(keysDir, name);
      const config = join(home, 'gate.conf');
      const gateLog = join(home, 'gate.log');
      const rule = {
        direction: 'upload',
        root,
        paths: ['**'],
        delete: true,
        zoneSet: {
          name: `ext-${name}`,
          zones: ['*.example'],
          zoneFile: 'db.{zone}',
          checker: false,
          rndc: false,
          verify: false,
          ...options.zoneSet,
        },
      };
      writeFileSync(
        config,
        JSON.stringify({
          gate: { log: gateLog, sandbox: options.sandbox ?? 'auto' },
          keys: { primary: { publicKey: pair.line, from: ['127.0.0.1'], rules: [rule] } },
        }),
        { mode: 0o600 },
      );
      const key = [...loadPolicy(config).keys.values()][0];
      if (key === undefined) throw new Error(`${config}: no key`);
      return {
        member: { name, root, config, gateLog, identity: pair.privateKey },
        key,
        line: renderAuthorizedKeysLine(key, { node: process.execPath, gate: gateEntry, config }),
      };
    },
  );
  await installAuthorizedKeys(
    sshd.authorizedKeys,
    built.map((b) => b.line),
    built.map((b) => b.key),
  );
  return { sshd, members: built.map((b) => b.member), stop: () => sshd.stop() };
}
