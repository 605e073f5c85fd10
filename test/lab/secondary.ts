// A secondary as zonegate sets one up: a real sshd whose authorized_keys line (rendered and installed
// by zonegate's own code) forces the real gate, a gate config with one key that may push into one
// zone set, and optionally a named, NSD or Knot that serves the zone set and that the gate reloads
// and verifies.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installAuthorizedKeys } from '../../src/admin/keys/authorized-keys-install.js';
import { renderAuthorizedKeysLines } from '../../src/admin/keys/authorized-keys-line.js';
import { loadPolicy } from '../../src/shared/policy/load.js';
import type { LabServer } from './dns-daemon.js';
import { startKnot } from './knot.js';
import { startNamed, type Named } from './named.js';
import { startNsd } from './nsd.js';
import { projectPath } from './paths.js';
import { processScope, type Scope } from './scope.js';
import { startSshd, type Sshd, type SshdOptions } from './sshd.js';

export interface SecondaryOptions {
  scope?: Scope;
  name: string;
  /** Where the secondary's files go (a dir of the caller's; the sshd's own temp dir goes there too). */
  dir: string;
  /** The primary's public key line; its key is called "primary" in the gate config. */
  clientKey: string;
  /** gate.rsync (a wrapper, say); default the gate's own default. */
  rsync?: string;
  sandbox?: 'auto' | 'off' | 'required';
  /** Settings merged into the rule's zoneSet (default: no checker, no rndc, no verify). */
  zoneSet?: Record<string, unknown>;
  /** Also start a named serving the zone set, reloaded and verified by the gate. */
  named?: boolean;
  /** Or an NSD or Knot serving it (zoneSet.server), reloaded and verified by the gate. */
  server?: 'nsd' | 'knot';
  /** The gate program sshd forces; default bin/gate.cjs. */
  gateEntry?: string;
  sshd?: Omit<SshdOptions, 'scope' | 'parent'>;
}

export interface Secondary {
  name: string;
  dir: string;
  /** The zone set root (live zones in root/current). */
  root: string;
  config: string;
  gateLog: string;
  sshd: Sshd;
  named: Named | undefined;
  /** The NSD or Knot when `server` was given. */
  dns: LabServer | undefined;
  stop(): Promise<void>;
}

export async function startSecondary(options: SecondaryOptions): Promise<Secondary> {
  const scope = options.scope ?? processScope;
  const { name, dir } = options;
  const root = join(dir, 'zones');
  mkdirSync(options.named === true || options.server !== undefined ? join(root, '.zonegate') : root, { recursive: true });
  const named =
    options.named === true
      ? await startNamed({ scope, parent: dir, includeFiles: [{ path: join(root, '.zonegate/named-zones.conf') }] })
      : undefined;
  const startDns = options.server === 'knot' ? startKnot : startNsd;
  const dns =
    options.server === undefined
      ? undefined
      : await startDns({ scope, parent: dir, includeFiles: [join(root, `.zonegate/${options.server}-zones.conf`)] });
  const sshd = await startSshd({ ...options.sshd, scope, parent: dir });
  const config = join(dir, 'gate.conf');
  const gateLog = join(dir, 'gate.log');
  const reload =
    dns !== undefined
      ? { server: dns.kind, control: dns.control, verify: { server: '127.0.0.1', port: dns.port } }
      : named === undefined
        ? { rndc: false, verify: false }
        : { rndc: named.rndcArgv([]), verify: { server: '127.0.0.1', port: named.port } };
  const rule = {
    direction: 'upload',
    root,
    paths: ['**'],
    delete: true,
    zoneSet: { name: `ext-${name}`, zones: ['*.example'], zoneFile: 'db.{zone}', checker: false, ...reload, ...options.zoneSet },
  };
  const gate = {
    log: gateLog,
    sandbox: options.sandbox ?? 'auto',
    ...(options.rsync === undefined ? {} : { rsync: options.rsync }),
  };
  writeFileSync(config, JSON.stringify({ gate, keys: { primary: { publicKey: options.clientKey, from: ['127.0.0.1'], rules: [rule] } } }), {
    mode: 0o600,
  });
  const keys = [...loadPolicy(config).keys.values()];
  const gateEntry = options.gateEntry ?? projectPath('bin/gate.cjs');
  await installAuthorizedKeys(
    sshd.authorizedKeys,
    renderAuthorizedKeysLines(keys, { node: process.execPath, gate: gateEntry, config }),
    keys,
  );
  return {
    name,
    dir,
    root,
    config,
    gateLog,
    sshd,
    named,
    dns,
    stop: async () => {
      await Promise.all([sshd.stop(), named?.stop(), dns?.stop()]);
    },
  };
}
