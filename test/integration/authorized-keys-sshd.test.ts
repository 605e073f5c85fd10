// The rendered authorized_keys, used by a real sshd on loopback. A control key with only a forced
// command (no restrict, no from=) runs beside ours, so each refusal is shown to come from our line.

import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKeyPair, type KeyPair } from '../lab/keys.js';
import { startSshd, type Sshd } from '../lab/sshd.js';
import { ROOT } from '../helpers/admin-cli.js';
import { renderAuthorizedKeysLines } from '../../src/admin/keys/authorized-keys-line.js';
import { installAuthorizedKeys } from '../../src/admin/keys/authorized-keys-install.js';
import { loadPolicy } from '../../src/shared/policy/load.js';
import { until } from '../lab/wait.js';

const ECHO_GATE = `${ROOT}/test/fixtures/echo-gate.cjs`;
let sshd: Sshd;
let ours: KeyPair;
let control: KeyPair;
let expired: KeyPair;
let config: string;
const target = (): string => `${sshd.user}@127.0.0.1`;
const parse = (stdout: string): Record<string, unknown> => JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;

beforeAll(async () => {
  sshd = await startSshd();
  ours = await makeKeyPair(sshd.dir, 'ours');
  control = await makeKeyPair(sshd.dir, 'control');
  expired = await makeKeyPair(sshd.dir, 'expired');
  config = join(sshd.dir, 'zonegate.conf');
  const policy = {
    keys: {
      primary1: { publicKey: ours.line, from: ['127.0.0.1'], rules: [{ direction: 'upload', root: '/srv/zones', paths: ['**'] }] },
      old: {
        publicKey: expired.line,
        from: ['127.0.0.1'],
        expiry: '20200101',
        rules: [{ direction: 'upload', root: '/srv/zones', paths: ['**'] }],
      },
    },
  };
  writeFileSync(config, JSON.stringify(policy), { mode: 0o600 });
  // The library, not the CLI: this suite is about what sshd does with the line (the CLI has its own).
  const keys = [...loadPolicy(config).keys.values()];
  const lines = renderAuthorizedKeysLines(keys, { node: process.execPath, gate: ECHO_GATE, config });
  expect((await installAuthorizedKeys(sshd.authorizedKeys, lines, keys)).changed).toBe(true);
  appendFileSync(sshd.authorizedKeys, `command="${process.execPath} ${ECHO_GATE} control" ${control.line}\n`);
});
afterAll(async () => sshd?.stop());

describe('rendered authorized_keys under a real sshd', () => {
  it('connects from 127.0.0.1 and runs the gate by absolute paths with --config and --key', async () => {
    const result = await sshd.ssh(ours.privateKey, [target(), 'rsync --server -logDtpre.iLsfxCIvu . zones/']);
    expect(result.exitCode).toBe(0);
    const seen = parse(result.stdout);
    expect(seen).toMatchObject({
      argv: ['--config', config, '--key', 'primary1'],
      original: 'rsync --server -logDtpre.iLsfxCIvu . zones/',
    });
    expect(String(seen['connection'])).toMatch(/^127\.0\.0\.1 /);
  });

  // Attack: the private key is copied off the primary and used from another address.
  it('refuses our key from 127.0.0.2, while the control key connects from there', async () => {
    const refused = await sshd.ssh(ours.privateKey, ['-b', '127.0.0.2', target(), 'true']);
    expect(refused.exitCode).toBe(255);
    expect(refused.stderr).toMatch(/Permission denied/);
    expect(sshd.log()).toMatch(/not from a permitted host|Authentication tried for \S+ with correct key but not from a permitted host/);
    const allowed = await sshd.ssh(control.privateKey, ['-b', '127.0.0.2', target(), 'true']);
    expect(allowed.exitCode).toBe(0);
    expect(String(parse(allowed.stdout)['connection'])).toMatch(/^127\.0\.0\.2 /);
  });

  // Attack: a retired key (its laptop was lost) keeps working because nobody removed the line.
  it('refuses a key past its expiry-time', async () => {
    const result = await sshd.ssh(expired.privateKey, [target(), 'true']);
    expect(result.exitCode).toBe(255);
    expect(result.stdout).toBe('');
    expect(readFileSync(sshd.authorizedKeys, 'utf8')).toContain('expiry-time="20200101"');
    // Control: the same line with a future date lets the key in, so the date is what refused it.
    const original = readFileSync(sshd.authorizedKeys, 'utf8');
    try {
      writeFileSync(sshd.authorizedKeys, original.replace('expiry-time="20200101"', 'expiry-time="20991231Z"'));
      const later = await sshd.ssh(expired.privateKey, [target(), 'true']);
      expect(later.exitCode).toBe(0);
      expect(parse(later.stdout)['argv']).toEqual(['--config', config, '--key', 'old']);
    } finally {
      writeFileSync(sshd.authorizedKeys, original);
    }
  });

  // Attack: an interactive shell through a pty instead of the gate's rsync.
  it('refuses a pty', async () => {
    const result = await sshd.ssh(ours.privateKey, ['-tt', target(), 'bash -i']);
    expect(result.stderr).toMatch(/PTY allocation request failed/);
    // ssh -tt (pty required) gives up when sshd refuses the pty: nothing ran.
    expect(result.exitCode).toBe(255);
    expect(result.stdout).toBe('');
    const controlResult = await sshd.ssh(control.privateKey, ['-tt', target(), 'bash -i']);
    expect(parse(controlResult.stdout)['sshTty']).toMatch(/^\/dev\/pts\//);
  });

  // Attack: using the secondary as a pivot into its network (remote or local port forwarding).
  it('refuses remote and local port forwarding', async () => {
    const remote = ['-o', 'ExitOnForwardFailure=yes', '-R', `127.0.0.1:0:127.0.0.1:${String(sshd.port)}`, target(), 'true'];
    const refused = await sshd.ssh(ours.privateKey, remote);
    expect(refused.stderr).toMatch(/remote port forwarding failed/);
    expect(refused.exitCode).toBe(255);
    const controlResult = await sshd.ssh(control.privateKey, remote);
    expect(controlResult.stderr).not.toMatch(/port forwarding failed/);
    expect(controlResult.exitCode).toBe(0);
    const local = await sshd.ssh(ours.privateKey, ['-W', `127.0.0.1:${String(sshd.port)}`, target()]);
    expect(local.stderr).toMatch(/administratively prohibited/);
    expect(local.exitCode).toBe(255);
  });

  // Attack: a compromised secondary using the primary's forwarded agent to log in elsewhere.
  it('refuses agent forwarding', async () => {
    const socket = join(sshd.dir, 'agent.sock');
    const agent: ChildProcess = spawn('/usr/bin/ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      await until(() => existsSync(socket), "ssh-agent's socket");
      const env = { SSH_AUTH_SOCK: socket };
      const result = await sshd.ssh(ours.privateKey, ['-A', target(), 'true'], { env });
      expect(result.exitCode).toBe(0);
      expect(parse(result.stdout)['authSock']).toBeNull();
      const controlResult = await sshd.ssh(control.privateKey, ['-A', target(), 'true'], { env });
      expect(parse(controlResult.stdout)['authSock']).toMatch(/agent/);
    } finally {
      if (agent.pid !== undefined) process.kill(agent.pid, 'SIGTERM');
    }
  });
});
