// A real OpenSSH sshd on a free loopback port, run from a temp dir: its own host key, its own
// sshd_config, AuthorizedKeysFile inside the temp dir. The client helpers pin the host key through a
// known_hosts file written from the generated key, so StrictHostKeyChecking=yes really checks it.
// planSshd() picks the port and writes the files without starting (the demo shows its config first);
// startSshd() plans and starts, again with fresh ports while another process took the port first.

import { HANG_GUARD_MS } from './wait.js';
import { type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { makeKeyPair, type KeyPair } from './keys.js';
import { freePort, LOOPBACK, PortTakenError, retryOnPortTaken } from './ports.js';
import { run, type RunResult } from './run.js';
import { processScope, type Scope } from './scope.js';
import { requireTool, RSYNC, SSH, SSHD } from './tools.js';

export interface SshdOptions {
  scope?: Scope;
  /** Where the temp dir goes (default the OS temp dir). */
  parent?: string;
  /** Default forced-commands-only: what we recommend for a root-owned secondary. */
  permitRootLogin?: string;
  /**
   * Lines after the common ones. Default: everything the key line must switch off is allowed here,
   * so a refusal proves the line did it, and LogLevel VERBOSE for asserting on sshd's reasons.
   */
  extraConfig?: readonly string[];
}

const TEST_CONFIG = ['AllowTcpForwarding yes', 'AllowAgentForwarding yes', 'PermitTTY yes', 'PermitUserRC yes', 'LogLevel VERBOSE'];

export interface SshdPlan {
  dir: string;
  port: number;
  hostKey: KeyPair;
  authorizedKeys: string;
  knownHosts: string;
  config: string;
  start(): Promise<Sshd>;
}

export interface Sshd {
  dir: string;
  port: number;
  pid: number;
  user: string;
  hostKey: KeyPair;
  authorizedKeys: string;
  knownHosts: string;
  /** Everything sshd wrote to stderr so far (-e), for asserting on its reasons. */
  log(): string;
  /** Options that make ssh talk to this server with `key`, host key pinned, never prompting. */
  sshOptions(key: string): string[];
  ssh(key: string, args: string[], options?: { env?: Record<string, string>; input?: string }): Promise<RunResult>;
  /** rsync over ssh to this server with the same pinned options (args: rsync's options and paths). */
  rsync(key: string, args: string[]): Promise<RunResult>;
  stop(): Promise<void>;
}

export async function planSshd(options: SshdOptions = {}): Promise<SshdPlan> {
  requireTool(SSHD, 'openssh-server');
  requireTool(SSH, 'openssh-client');
  requireTool(RSYNC, 'rsync');
  const scope = options.scope ?? processScope;
  const dir = scope.tempDir('zonegate-sshd-', options.parent);
  const hostKey = await makeKeyPair(dir, 'host_ed25519', 'host');
  const port = await freePort();
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, '', { mode: 0o600 });
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${String(port)} ${hostKey.line.split(' ').slice(0, 2).join(' ')}\n`);
  const extra = options.extraConfig ?? TEST_CONFIG;
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${String(port)}`,
      ...LOOPBACK.map((address) => `ListenAddress ${address}`),
      `HostKey ${hostKey.privateKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'StrictModes no', // the temp dir's parents are not root-only
      'UsePAM no',
      `PermitRootLogin ${options.permitRootLogin ?? 'forced-commands-only'}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      ...extra,
      '',
    ].join('\n'),
  );
  const quiet = extra.some((line) => /^LogLevel (QUIET|FATAL|ERROR)$/.test(line));
  const plan = { dir, port, hostKey, authorizedKeys, knownHosts, config };
  return { ...plan, start: () => launch(scope, plan, quiet) };
}

export function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  return retryOnPortTaken(async () => (await planSshd(options)).start());
}

type Plan = Omit<SshdPlan, 'start'>;

async function launch(scope: Scope, plan: Plan, quiet: boolean): Promise<Sshd> {
  // sshd insists on its privilege-separation directory even with -D; creating it is what the
  // openssh-server package's service unit does too.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const child = scope.spawn(SSHD, ['-D', '-e', '-f', plan.config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  try {
    await waitForListening(child, plan.port, () => stderr, quiet, HANG_GUARD_MS);
  } catch (error) {
    await scope.stop(child);
    scope.removeDir(plan.dir);
    throw error;
  }
  const sshOptions = (key: string): string[] => [
    '-F',
    '/dev/null',
    '-o',
    `UserKnownHostsFile=${plan.knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'ConnectTimeout=5',
    '-i',
    key,
    '-p',
    String(plan.port),
  ];
  return {
    ...plan,
    pid: child.pid ?? 0,
    user: userInfo().username,
    log: () => stderr,
    sshOptions,
    ssh: (key, args, options = {}) => run(SSH, [...sshOptions(key), ...args], { ...options, timeout: 15_000 }),
    // rsync splits -e on whitespace; every option value here is a temp path without spaces.
    rsync: (key, args) => run(RSYNC, ['-e', [SSH, ...sshOptions(key)].join(' '), ...args], { timeout: 15_000 }),
    stop: async () => {
      await scope.stop(child);
      scope.removeDir(plan.dir);
    },
  };
}

const BIND_FAILED = /Address already in use|Cannot bind any address/;

/**
 * Resolves once sshd listens on both loopback addresses: it logs "Server listening on" for each (at
 * LogLevel INFO and up); at a quieter level the benchmark asked for, connecting is the only sign.
 */
function waitForListening(child: ChildProcess, port: number, output: () => string, quiet: boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (error?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => {
      finish(new Error(`sshd did not start within ${String(timeoutMs)} ms:\n${output()}`));
    }, timeoutMs);
    const check = (): void => {
      if (BIND_FAILED.test(output())) finish(new PortTakenError(`sshd could not bind its port:\n${output()}`));
      else if (LOOPBACK.every((address) => output().includes(`Server listening on ${address} port ${String(port)}`))) finish();
    };
    child.stderr?.on('data', check);
    child.once('exit', (code) => {
      if (BIND_FAILED.test(output())) finish(new PortTakenError(`sshd could not bind its port:\n${output()}`));
      else finish(new Error(`sshd exited with ${String(code)} before listening:\n${output()}`));
    });
    if (quiet) {
      const poll = (): void => {
        void Promise.all(LOOPBACK.map((address) => canConnect(port, address))).then((up) => {
          if (up.every(Boolean)) finish();
          else if (!done) setTimeout(poll, 50);
        });
      };
      poll();
    }
  });
}

function canConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}
