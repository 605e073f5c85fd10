// The rendered cron push script, run the way cron runs it (empty environment), really pushing zone
// files through a real sshd whose authorized_keys line was rendered by us and forces the real gate.

import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAuthorizedKeysLines } from '../../src/admin/authorized-keys.js';
import { installAuthorizedKeys } from '../../src/admin/authorized-keys-install.js';
import { generateKeyPair } from '../../src/admin/keygen.js';
import { loadPolicy } from '../../src/shared/policy.js';
import { ROOT, run, zonegate, type RunResult } from '../helpers/admin-cli.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { requireTool } from '../helpers/tools.js';

let sshd: Sshd;
let dir: string;
let script: string;
let pushLog: string;
let lock: string;
let source: string;
let secondaryZones: string;
let gateLog: string;
let primaryConfig: string;
let identity: string;

// cron's way: an empty environment and /bin/sh -c.
const runLikeCron = (): Promise<RunResult> => run('/usr/bin/env', ['-i', '/bin/sh', '-c', `'${script}'`]);

beforeAll(async () => {
  requireTool('/usr/bin/rsync', 'rsync');
  requireTool('/usr/bin/flock', 'util-linux');
  sshd = await startSshd();
  dir = sshd.dir;
  const key = await generateKeyPair({ target: 'ns2', dir: join(dir, 'keys'), force: false, host: 'ns1' });
  // The secondary: a zone root and a config whose only key is the primary's, pinned to 127.0.0.1.
  const secondaryRoot = join(dir, 'secondary');
  secondaryZones = join(secondaryRoot, 'zones');
  mkdirSync(secondaryZones, { recursive: true });
  gateLog = join(dir, 'gate.log');
  const secondaryConfig = join(dir, 'secondary.conf');
  writeFileSync(
    secondaryConfig,
    JSON.stringify({
      gate: { log: gateLog, sandbox: 'auto' },
      keys: { ns1: { publicKey: key.line, from: ['127.0.0.1'], rules: [{ direction: 'upload', root: secondaryRoot, paths: ['zones', 'zones/**'], delete: true }] } },
    }),
    { mode: 0o600 },
  );
  const keys = [...loadPolicy(secondaryConfig).keys.values()];
  const lines = renderAuthorizedKeysLines(keys, { node: process.execPath, gate: `${ROOT}/bin/gate.cjs`, config: secondaryConfig });
  await installAuthorizedKeys(sshd.authorizedKeys, lines, keys);
  // The primary: zone files and a config with one target, the sshd above.
  source = join(dir, 'primary-zones');
  mkdirSync(source);
  writeFileSync(join(source, 'example.com.zone'), '$ORIGIN example.com.\n@ 3600 IN SOA ns1 hostmaster 2024010101 3600 900 604800 300\n');
  writeFileSync(join(source, 'example.net.zone'), '$ORIGIN example.net.\n@ 3600 IN SOA ns1 hostmaster 2024010101 3600 900 604800 300\n');
  writeFileSync(join(secondaryZones, 'stale.zone'), 'gone from the primary\n');
  primaryConfig = join(dir, 'primary.conf');
  identity = key.privateKey;
  const target = { host: '127.0.0.1', port: sshd.port, user: sshd.user, identity: key.privateKey, knownHosts: sshd.knownHosts, source, destination: 'zones', delete: true };
  writeFileSync(primaryConfig, JSON.stringify({ targets: { ns2: target } }), { mode: 0o600 });
  script = join(dir, 'bin', 'zonegate-push');
  pushLog = join(dir, 'log', 'push.log');
  lock = join(dir, 'push.lock');
  const rendered = await zonegate(['cron', '--config', primaryConfig, '--write', '--script', script, '--crontab', join(dir, 'cron', 'zonegate-push'), '--log', pushLog, '--lock', lock]);
  expect(rendered.stderr).toBe('');
  expect(rendered.exitCode).toBe(0);
});
afterAll(async () => sshd?.stop());

describe('rendered cron push script against a real sshd and the real gate', () => {
  it('pushes the zones quietly, deleting what is gone from the primary', async () => {
    const result = await runLikeCron();
    expect({ exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(readFileSync(join(secondaryZones, 'example.com.zone'), 'utf8')).toBe(readFileSync(join(source, 'example.com.zone'), 'utf8'));
    expect(existsSync(join(secondaryZones, 'example.net.zone'))).toBe(true);
    expect(existsSync(join(secondaryZones, 'stale.zone'))).toBe(false);
    expect(readFileSync(pushLog, 'utf8')).toMatch(/push ns2: ok\n.*run ok\n$/);
    expect(readFileSync(gateLog, 'utf8')).toMatch(/"verdict":"allow"/);
  });

  it('fails loudly, naming the target, when the push fails', async () => {
    // A primary whose zone tree vanished (an unmounted disk): rsync fails, cron must hear of it.
    rmSync(source, { recursive: true });
    try {
      const result = await runLikeCron();
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/^zonegate-push: push to ns2 \(127\.0\.0\.1\) failed: rsync exit \d+ \(log: .*push\.log\)$/m);
      expect(readFileSync(pushLog, 'utf8')).toMatch(/run failed\n$/);
    } finally {
      mkdirSync(source);
    }
  });

  it('doctor passes the primary, and fails it once the private key is readable by others', async () => {
    const good = await zonegate(['doctor', '--config', primaryConfig]);
    expect(good.stdout).toMatch(/^\[ ok \] target ns2 \(.*\): key and pinned host key present$/m);
    expect(good.exitCode).toBe(0);
    chmodSync(identity, 0o644);
    try {
      const bad = await zonegate(['doctor', '--config', primaryConfig]);
      expect(bad.stdout).toMatch(/^\[FAIL\] target ns2 .*readable by others\n {7}fix: chmod 600 /m);
      expect(bad.exitCode).toBe(1);
    } finally {
      chmodSync(identity, 0o600);
    }
  });

  // Attack: the primary's key, stolen, used to read the secondary's files or run a command. The
  // line forces the gate, whose upload-only rule refuses both.
  it('the same key cannot download or run a command', async () => {
    const denials = (): number => (readFileSync(gateLog, 'utf8').match(/"verdict":"deny"/g) ?? []).length;
    const before = denials();
    const loot = join(dir, 'loot');
    mkdirSync(loot);
    const pull = await sshd.rsync(identity, ['-a', `${sshd.user}@127.0.0.1:zones/`, `${loot}/`]);
    expect(pull.exitCode).not.toBe(0);
    expect(readdirSync(loot)).toEqual([]);
    const shell = await sshd.ssh(identity, [`${sshd.user}@127.0.0.1`, 'id']);
    expect(shell.exitCode).not.toBe(0);
    expect(shell.stdout).toBe('');
    expect(denials() - before).toBe(2);
  });

  // Overlap: a second run while the first still holds the lock must not start another push.
  it('skips, with a message and exit 75, while another run holds the lock', async () => {
    // One process that holds the lock itself, so killing it releases the lock at once.
    const holder = execa('/bin/sh', ['-c', 'exec 9>>"$1"; flock 9; exec sleep 5', 'sh', lock], { reject: false, stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const result = await runLikeCron();
      expect(result.exitCode).toBe(75);
      expect(result.stderr).toMatch(/skipped: the previous run still holds/);
    } finally {
      holder.kill('SIGTERM');
      await holder;
    }
  });
});

