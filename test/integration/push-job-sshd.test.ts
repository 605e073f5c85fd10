// The rendered push job, run the way cron runs it (empty environment), really pushing zone files
// through `zonegate push` and a real sshd whose authorized_keys line was rendered by us and forces
// the real gate. The script is only the pinned environment and `exec zonegate push`: the lock, the
// run log, the status file and the exit code it reports are zonegate push's.

import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAuthorizedKeysLines } from '../../src/admin/keys/authorized-keys-line.js';
import { installAuthorizedKeys } from '../../src/admin/keys/authorized-keys-install.js';
import { generateKeyPair } from '../../src/admin/keys/keygen.js';
import { loadPolicy } from '../../src/shared/policy/load.js';
import { ROOT, run, zonegate, type RunResult } from '../helpers/admin-cli.js';
import { startSshd, type Sshd } from '../lab/sshd.js';
import { requireTool } from '../lab/tools.js';
import { soaZone } from '../lab/zones.js';

let sshd: Sshd;
let dir: string;
/** Rendered by `zonegate cron --target ns2`: pushes to ns2 only. */
let script: string;
/** Rendered by `zonegate systemd` without --target: every target in the config, ns3 included. */
let scriptAll: string;
let stateDir: string;
let logDir: string;
let source: string;
let secondaryZones: string;
let gateLog: string;
let primaryConfig: string;
let identity: string;
let writePrimaryConfig: (push?: Record<string, unknown>) => void;

// cron's way: an empty environment and /bin/sh -c.
const runLikeCron = (file = script): Promise<RunResult> => run('/usr/bin/env', ['-i', '/bin/sh', '-c', `'${file}'`], { timeout: 60_000 });
const runLogs = (): string[] =>
  readdirSync(logDir)
    .filter((f) => f.endsWith('.log'))
    .sort();
const pushStatus = async (): Promise<{
  runs: number;
  skips: number;
  consecutiveSkips: number;
  lastRunExit: number;
  lastRun?: string;
  lastSkip?: string;
  targets: Record<string, Record<string, unknown>>;
}> => {
  const result = await zonegate(['status', '--config', primaryConfig, '--json']);
  return (JSON.parse(result.stdout) as { push: Awaited<ReturnType<typeof pushStatus>> }).push;
};

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
      gate: { log: gateLog, sandbox: 'required' },
      keys: {
        ns1: {
          publicKey: key.line,
          from: ['127.0.0.1'],
          rules: [{ direction: 'upload', root: secondaryRoot, paths: ['zones', 'zones/**'], delete: true }],
        },
      },
    }),
    { mode: 0o600 },
  );
  const keys = [...loadPolicy(secondaryConfig).keys.values()];
  const lines = renderAuthorizedKeysLines(keys, { node: process.execPath, gate: `${ROOT}/bin/gate.cjs`, config: secondaryConfig });
  await installAuthorizedKeys(sshd.authorizedKeys, lines, keys);
  // The primary: zone files and a config with two targets on the sshd above. ns2 pushes where the
  // gate allows; ns3 pushes to a directory the gate refuses, so a job that ignored --target ns2
  // (and pushed to every target) would fail.
  source = join(dir, 'primary-zones');
  mkdirSync(source);
  writeFileSync(join(source, 'example.com.zone'), soaZone('example.com', 2024010101));
  writeFileSync(join(source, 'example.net.zone'), soaZone('example.net', 2024010101));
  writeFileSync(join(secondaryZones, 'stale.zone'), 'gone from the primary\n');
  primaryConfig = join(dir, 'primary.conf');
  identity = key.privateKey;
  stateDir = join(dir, 'state');
  logDir = join(dir, 'push-logs');
  const target = {
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    identity: key.privateKey,
    knownHosts: sshd.knownHosts,
    source,
    delete: true,
    retries: 0,
  };
  writePrimaryConfig = (push = {}) => {
    const targets = { ns2: { ...target, destination: 'zones' }, ns3: { ...target, destination: 'elsewhere' } };
    writeFileSync(primaryConfig, JSON.stringify({ targets, push: { stateDir, logDir, backoffSeconds: [1], ...push } }), { mode: 0o600 });
  };
  writePrimaryConfig();
  script = join(dir, 'bin', 'zonegate-push');
  const rendered = await zonegate([
    'cron',
    '--config',
    primaryConfig,
    '--target',
    'ns2',
    '--write',
    '--script',
    script,
    '--crontab',
    join(dir, 'cron', 'zonegate-push'),
  ]);
  expect(rendered.stderr).toBe('');
  expect(rendered.exitCode).toBe(0);
  expect(readFileSync(join(dir, 'cron', 'zonegate-push'), 'utf8')).toMatch(
    new RegExp(`^MAILTO='root'\\n\\*/5 \\* \\* \\* \\* root '${script}'\\n$`, 'm'),
  );
  scriptAll = join(dir, 'bin', 'zonegate-push-all');
  const units = await zonegate(['systemd', '--config', primaryConfig, '--write', '--script', scriptAll, '--unit-dir', join(dir, 'units')]);
  expect(units.stderr).toBe('');
  expect(units.exitCode).toBe(0);
});
afterAll(async () => sshd?.stop());

describe('rendered cron push script against a real sshd and the real gate', () => {
  it('pushes the zones quietly through zonegate push, deleting what is gone from the primary', async () => {
    const result = await runLikeCron();
    expect({ exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(readFileSync(join(secondaryZones, 'example.com.zone'), 'utf8')).toBe(readFileSync(join(source, 'example.com.zone'), 'utf8'));
    expect(existsSync(join(secondaryZones, 'example.net.zone'))).toBe(true);
    expect(existsSync(join(secondaryZones, 'stale.zone'))).toBe(false);
    expect(readFileSync(gateLog, 'utf8')).toMatch(/"verdict":"allow"/);
    expect(readFileSync(gateLog, 'utf8')).not.toMatch(/"verdict":"deny"/);
    // zonegate push's own records, in the config's push.logDir and push.stateDir: ns2 only.
    expect(runLogs()).toHaveLength(1);
    expect(readFileSync(join(logDir, runLogs()[0] ?? ''), 'utf8')).toMatch(
      /run start: pid \d+, targets ns2;[^\n]*\n(.*\n)*.*run end: exit 0\n/,
    );
    const status = await pushStatus();
    expect(status).toMatchObject({ runs: 1, lastRunExit: 0 });
    expect(status.targets['ns2']).toMatchObject({ lastOutcome: 'ok' });
    expect(status.targets).not.toHaveProperty('ns3');
  });

  it("without --target pushes to every target, and passes zonegate push's exit 1 and summary on", async () => {
    const result = await runLikeCron(scriptAll);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    // The whole summary: what cron mails (the run helper drops the last newline); only the failed target is listed.
    expect(result.stderr).toMatch(
      /^zonegate push: 1 of 2 target\(s\) ok\n {2}ns3: failed \(exit \d+\): .*denied: path is outside the allowed tree.*\n {2}log: \S+$/,
    );
    expect(existsSync(/ {2}log: (\S+)$/.exec(result.stderr)?.[1] ?? '')).toBe(true);
    expect(readFileSync(gateLog, 'utf8')).toMatch(/"verdict":"deny"/);
  });

  it('fails loudly, naming the target, when the push fails', async () => {
    // A primary whose zone tree vanished (an unmounted disk): the push fails, cron must hear of it.
    rmSync(source, { recursive: true });
    try {
      const result = await runLikeCron();
      expect(result.exitCode).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        /^zonegate push: 0 of 1 target\(s\) ok\n {2}ns2: failed \(exit 23\): rsync partial transfer.*\n {2}log: .*\/push-logs\/\S+\.log$/,
      );
      expect((await pushStatus()).targets['ns2']).toMatchObject({ consecutiveFailures: 1 });
    } finally {
      mkdirSync(source);
    }
  });

  it('doctor passes the primary, and fails it once the private key is readable by others', async () => {
    const good = await zonegate(['doctor', '--config', primaryConfig]);
    expect(good.stdout).toMatch(/^\[ ok \] target ns2 \(.*\): key, pinned host key and source present$/m);
    expect(good.exitCode).toBe(0);
    // A primary whose zone tree is gone (an unmounted disk) fails before any push does.
    renameSync(source, `${source}.away`);
    try {
      const gone = await zonegate(['doctor', '--config', primaryConfig]);
      expect(gone.stdout).toMatch(/^\[FAIL\] target ns2 .*: source .* does not exist$/m);
      expect(gone.exitCode).toBe(1);
    } finally {
      renameSync(`${source}.away`, source);
    }
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

  // Overlap: a second run of the job while the first is still going must not start another push.
  it('a second run while the first is still going exits 75 and pushes nothing', async () => {
    // The first run reports its start to a ping URL that answers only when the test says so: until
    // then the run is in progress and holds zonegate push's lock.
    let answerStart: (() => void) | undefined;
    const started = new Promise<void>((resolve) => {
      answerStart = resolve;
    });
    let startSeen: () => void = () => undefined;
    const startRequested = new Promise<void>((resolve) => {
      startSeen = resolve;
    });
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      request.resume();
      if (request.url === '/check/start') {
        startSeen();
        void started.then(() => response.end('ok'));
      } else {
        response.end('ok');
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    writePrimaryConfig({ pingUrl: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/check` });
    let first: Promise<RunResult> | undefined;
    try {
      const before = await pushStatus();
      first = runLikeCron();
      const ended = first.then((result) => {
        throw new Error(`the first run ended before it reported its start: ${JSON.stringify(result)}`);
      });
      await Promise.race([startRequested, ended]);
      const logsBefore = runLogs();
      const second = await runLikeCron();
      expect(second).toEqual({ exitCode: 75, stdout: '', stderr: '' });
      // It opened no run log: it pushed nothing. The held ping keeps the first run (and its lock)
      // alive, not its push: that goes on in parallel and may already have counted its run and
      // reset the skip streak, so runs and the streak are checked once the first run has ended
      // (push-lock.test.ts holds a run's transfer itself and checks the streak while it is held).
      expect(runLogs()).toEqual(logsBefore);
      expect(await pushStatus()).toMatchObject({ skips: before.skips + 1 });
      answerStart?.();
      expect(await first).toEqual({ exitCode: 0, stdout: '', stderr: '' });
      const after = await pushStatus();
      expect(after).toMatchObject({ runs: before.runs + 1, skips: before.skips + 1 });
      // The streak counts skips since the run last recorded: 1 when the skip was written after the
      // first run's record (its push had finished while its start ping was held), else 0.
      const lastSkip = after.lastSkip ?? '';
      const lastRun = after.lastRun ?? '';
      expect([lastSkip, lastRun].map((at) => Number.isNaN(Date.parse(at)))).toEqual([false, false]);
      if (after.consecutiveSkips === 1) expect(lastSkip >= lastRun).toBe(true);
      else
        expect({ consecutiveSkips: after.consecutiveSkips, runRecordedLast: lastRun >= lastSkip }).toEqual({
          consecutiveSkips: 0,
          runRecordedLast: true,
        });
    } finally {
      answerStart?.();
      await first;
      server.close();
      writePrimaryConfig();
    }
  });
});
