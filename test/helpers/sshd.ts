// A real OpenSSH sshd on a free loopback port, run from a temp dir: its own host key, its own
// sshd_config, AuthorizedKeysFile inside the temp dir. The client helpers pin the host key through a
// known_hosts file written from the generated key, so StrictHostKeyChecking=yes really checks it.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { run, type RunResult } from './admin-cli.js';
import { requireTool } from './tools.js';
import { HANG_GUARD_MS } from './wait.js';

export const SSHD = '/usr/sbin/sshd';
export const SSH = '/usr/bin/ssh';
export const SSH_KEYGEN = '/usr/bin/ssh-keygen';
export const RSYNC = '/usr/bin/rsync';

export interface KeyPair {
  privateKey: string;
  publicKey: string;
  /** The .pub line. */
  line: string;
}

export interface Sshd {
  dir: string;
  port: number;
  user: string;
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

export async function makeKeyPair(dir: string, name: string, comment = `${name}@test`): Promise<KeyPair> {
  requireTool(SSH_KEYGEN, 'openssh-client');
  const privateKey = join(dir, name);
  await execa(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', privateKey]);
  const publicKey = `${privateKey}.pub`;
  return { privateKey, publicKey, line: readFileSync(publicKey, 'utf8').trim() };
}

function listenOnce(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(bound);
      });
    });
  });
}

/** A port free on both loopback addresses sshd listens on (another test may hold it on .2 only). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await listenOnce(0, '127.0.0.1');
    if (
      await listenOnce(port, '127.0.0.2').then(
        () => true,
        () => false,
      )
    )
      return port;
  }
}

function waitForListening(child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`sshd did not start within ${String(timeoutMs)} ms:\n${output()}`));
    }, timeoutMs);
    const check = (): void => {
      if (/Address already in use/.test(output())) {
        clearTimeout(timer);
        reject(new Error(`sshd could not bind its port:\n${output()}`));
      } else if (/Server listening on 127\.0\.0\.2/.test(output()) && /Server listening on 127\.0\.0\.1/.test(output())) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${String(code)} before listening:\n${output()}`));
    });
  });
}

export async function startSshd(): Promise<Sshd> {
  requireTool(SSHD, 'openssh-server');
  requireTool(SSH, 'openssh-client');
  requireTool(RSYNC, 'rsync');
  // sshd insists on its privilege-separation directory even with -D; creating it is what the
  // openssh-server package's service unit does too.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(tmpdir(), 'zonegate-sshd-'));
  const host = await makeKeyPair(dir, 'host_ed25519', 'host');
  // Ports are picked free, then bound by sshd: another process can take one in between, so retry.
  let port = 0;
  let child: ChildProcess | undefined;
  let stderr = '';
  const user = userInfo().username;
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, '', { mode: 0o600 });
  const knownHosts = join(dir, 'known_hosts');
  const config = join(dir, 'sshd_config');
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    writeFileSync(knownHosts, `[127.0.0.1]:${String(port)} ${host.line.split(' ').slice(0, 2).join(' ')}\n`);
    writeFileSync(
      config,
      [
        `Port ${String(port)}`,
        'ListenAddress 127.0.0.1',
        'ListenAddress 127.0.0.2',
        `HostKey ${host.privateKey}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${authorizedKeys}`,
        'StrictModes no',
        'UsePAM no',
        // What we recommend for a root-owned secondary: keys only, and only with a forced command.
        'PermitRootLogin forced-commands-only',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        // Everything the key line must switch off is allowed here, so a refusal proves the line did it.
        'AllowTcpForwarding yes',
        'AllowAgentForwarding yes',
        'PermitTTY yes',
        'PermitUserRC yes',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    const started = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    stderr = '';
    started.stderr.setEncoding('utf8');
    started.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    try {
      await waitForListening(started, () => stderr, HANG_GUARD_MS);
      child = started;
    } catch (error) {
      started.kill('SIGKILL');
      if (attempt >= 5 || !/Address already in use/.test(stderr)) throw error;
    }
  }
  const sshOptions = (key: string): string[] => [
    '-F',
    '/dev/null',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
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
    String(port),
  ];
  return {
    dir,
    port,
    user,
    authorizedKeys,
    knownHosts,
    log: () => stderr,
    sshOptions,
    ssh: (key, args, options = {}) => run(SSH, [...sshOptions(key), ...args], { ...options, timeout: 15_000 }),
    // rsync splits -e on whitespace; every option value here is a temp path without spaces.
    rsync: (key, args) => run(RSYNC, ['-e', [SSH, ...sshOptions(key)].join(' '), ...args], { timeout: 15_000 }),
    stop: async () => {
      if (child.exitCode === null && child.pid !== undefined) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(child.pid, 'SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
