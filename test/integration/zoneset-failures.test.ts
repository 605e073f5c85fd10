// Zone sets when things go wrong mid-push: the client killed mid-transfer, the gate itself killed
// (what it left in the spare), the disk filling up while receiving (a small tmpfs), and a zone named rejects
// after promotion (rollback). Each time: live tree byte for byte as before, named's serial as before.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { FAKE_SSH, fakeSshEnv, GATE } from '../helpers/gate.js';
import { liveZones, soaZone, zoneSource } from '../lab/zones.js';
import { fakeEd25519PublicKey, makeKeyPair } from '../lab/keys.js';
import { startNamed, type Named } from '../lab/named.js';
import { startSshd } from '../lab/sshd.js';
import { until } from '../lab/wait.js';

let named: Named;
let base: string;
let config: string;
let log: string;
const roots: Record<string, string> = {};
const live = (name: string): Record<string, string> => liveZones(roots[name] ?? '');

function source(zones: Record<string, number | string>, big?: { zone: string; bytes: number }): string {
  const dir = zoneSource(zones);
  if (big) writeFileSync(join(dir, `db.${big.zone}`), `${soaZone(big.zone, 1)};${'x'.repeat(big.bytes)}\n`);
  return dir;
}

const env = (key: string): Record<string, string> => fakeSshEnv(config, key);

function push(name: string, dir: string, extra: string[] = []): { status: number | null; stderr: string } {
  const result = spawnSync('rsync', ['-e', FAKE_SSH, '-rt', '--delete', ...extra, `${dir}/`, `secondary:${roots[name] ?? ''}/`], {
    env: env(name),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr };
}

function startPush(name: string, dir: string, extra: string[]): ChildProcess {
  return spawn('rsync', ['-e', FAKE_SSH, '-rt', ...extra, `${dir}/`, `secondary:${roots[name] ?? ''}/`], {
    env: env(name),
    stdio: 'ignore',
  });
}

function records(): Record<string, unknown>[] {
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The tree `current` does not point at: where a push is received. */
function spareDir(name: string): string {
  const root = roots[name] ?? '';
  return join(root, 'trees', readlinkSync(join(root, 'current')) === 'trees/a' ? 'b' : 'a');
}

/** rsync's temp file (".db.big.example.XXXXXX") in the spare: a transfer under way or cut short. */
const partialInSpare = (name: string): boolean => readdirSync(spareDir(name)).some((file) => file.startsWith('.'));
const spareMarked = (name: string): boolean => existsSync(join(roots[name] ?? '', '.zonegate/spare-dirty'));

function finished(name: string): Record<string, unknown>[] {
  return records().filter((record) => record['zoneSet'] === name && record['event'] === 'finished');
}

/** After a push: the spare holds the live zones, nothing else, and is not marked. */
function expectSpareInStep(name: string): void {
  const spare = spareDir(name);
  expect(Object.fromEntries(readdirSync(spare).map((file) => [file, readFileSync(join(spare, file), 'utf8')]))).toEqual(live(name));
  expect(spareMarked(name)).toBe(false);
}

/** The push after a failed one: starts from a fresh copy of the spare, lands, and leaves it in step. */
async function expectPushFromFreshSpare(name: string, serial: number): Promise<void> {
  const next = push(name, source({ [`${name}.example`]: serial }));
  expect(next.status).toBe(0);
  expect(lastDecision(name)).toMatchObject({ spareRebuilt: true });
  expect(partialInSpare(name)).toBe(false);
  expect(await named.serial(`${name}.example`)).toBe(serial);
  expectSpareInStep(name);
}

function lastDecision(name: string): Record<string, unknown> | undefined {
  return records()
    .filter((record) => record['zoneSet'] === name && record['event'] === 'decision')
    .at(-1);
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else
      child.once('exit', () => {
        resolve();
      });
  });
}

/** The gate process serving a zone set (its command line names the config and the key). */
function gatePids(name: string): number[] {
  const result = spawnSync('pgrep', ['-f', `gate.cjs --config ${config} --key ${name}$`], { encoding: 'utf8' });
  return result.stdout.trim().split('\n').filter(Boolean).map(Number);
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'zonegate-zsf-'));
  for (const name of ['kill', 'full', 'reject', 'crash']) {
    roots[name] = join(base, name);
    mkdirSync(join(roots[name], '.zonegate'), { recursive: true });
  }
  // The disk-full zone set lives on a 3 MiB tmpfs, mounted for this test (we run as root).
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', roots['full'] ?? ''], { encoding: 'utf8' });
  if (mounted.status !== 0) throw new Error(`cannot mount a tmpfs for the disk-full test (needs root): ${mounted.stderr}`);
  mkdirSync(join(roots['full'] ?? '', '.zonegate'), { recursive: true });
  named = await startNamed({
    zones: [],
    includeFiles: Object.values(roots).map((root) => ({ path: join(root, '.zonegate/named-zones.conf') })),
  });
  log = join(base, 'gate.log');
  config = join(base, 'zonegate.conf');
  const keys: Record<string, unknown> = {};
  for (const [index, name] of Object.keys(roots).entries()) {
    const zoneSet: Record<string, unknown> = {
      name,
      zones: ['*.example'],
      rndc: ['/usr/sbin/rndc', ...named.rndcArgs],
      verify: { server: '127.0.0.1', port: named.port, timeoutSeconds: 2 },
    };
    // A zone set without a checker: only named itself can reject a zone, after promotion.
    if (name === 'reject') zoneSet['checker'] = false;
    // An rndc that hangs while a flag file exists: the window between promotion and reload.
    if (name === 'crash') {
      const wrapper = join(base, 'slow-rndc');
      // It waits on the flag, not on a clock: killed, it leaves at most a 20 ms sleep behind.
      writeFileSync(wrapper, `#!/bin/sh\nwhile [ -e ${join(base, 'hang')} ]; do sleep 0.02; done\nexec /usr/sbin/rndc "$@"\n`, {
        mode: 0o755,
      });
      zoneSet['rndc'] = [wrapper, ...named.rndcArgs];
    }
    keys[name] = {
      publicKey: fakeEd25519PublicKey(index + 1),
      from: ['127.0.0.1'],
      rules: [{ direction: 'upload', root: roots[name], paths: ['**'], delete: true, zoneSet }],
    };
  }
  writeFileSync(config, JSON.stringify({ gate: { log, sandbox: 'required' }, keys }, null, 2), { mode: 0o600 });
  for (const name of Object.keys(roots)) {
    const first = push(name, source({ [`${name}.example`]: 1 }));
    if (first.status !== 0) throw new Error(`first push to ${name} failed: ${first.stderr}`);
  }
});

afterAll(async () => {
  await named.stop();
  spawnSync('umount', [roots['full'] ?? '']);
});

describe('zone sets under failure', () => {
  it('the client killed mid-transfer: live untouched, the spare marked, the next push copies it afresh and works', async () => {
    const before = live('kill');
    const done = finished('kill').length;
    const child = startPush('kill', source({ 'kill.example': 2 }, { zone: 'big.example', bytes: 4_000_000 }), [
      '--delete',
      '--bwlimit=200',
    ]);
    await until(() => partialInSpare('kill'), 'a partial file in the spare');
    // attack/accident: the pushing side dies (SIGKILL the client) in the middle of the transfer.
    child.kill('SIGKILL');
    await exited(child);
    await until(() => finished('kill').length > done, 'the gate to finish');
    expect(finished('kill').at(-1)).toMatchObject({ outcome: 'rsync-failed' });
    expect(live('kill')).toEqual(before);
    expect(spareMarked('kill')).toBe(true);
    expect(await named.serial('kill.example')).toBe(1);
    await expectPushFromFreshSpare('kill', 3);
  });

  it('the gate itself killed mid-transfer: what it left in the spare is never promoted, the next push starts from a fresh copy', async () => {
    const before = live('kill');
    const child = startPush('kill', source({ 'kill.example': 4 }, { zone: 'big.example', bytes: 4_000_000 }), [
      '--delete',
      '--bwlimit=200',
    ]);
    await until(() => partialInSpare('kill') && gatePids('kill').length > 0, 'the gate to start receiving');
    // attack/accident: the gate is killed (OOM killer, reboot): nothing runs its cleanup.
    for (const pid of gatePids('kill')) process.kill(pid, 'SIGKILL');
    child.kill('SIGKILL');
    await exited(child);
    await until(() => gatePids('kill').length === 0, 'the gate to be gone');
    expect(spareMarked('kill')).toBe(true);
    expect(live('kill')).toEqual(before);
    expect(await named.serial('kill.example')).toBe(3);
    await expectPushFromFreshSpare('kill', 5);
  });

  it('the disk fills up while receiving: a clear error, live untouched, named unchanged', async () => {
    const before = live('full');
    // 4 MB does not fit on the 3 MiB tmpfs.
    const result = push('full', source({ 'full.example': 2 }, { zone: 'huge.example', bytes: 4_000_000 }));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/No space left on device/);
    expect(result.stderr).toMatch(/zonegate: zone set full: rsync failed \(exit \d+\); nothing was promoted, the live zones are unchanged/);
    expect(live('full')).toEqual(before);
    expect(spareMarked('full')).toBe(true);
    expect(await named.serial('full.example')).toBe(1);
    // And once there is room again, a push goes through.
    await expectPushFromFreshSpare('full', 2);
  });

  it('named rejects a promoted zone: zonegate rolls back, says so, exit 84, the old serial is still served', async () => {
    const before = live('reject');
    const broken = `${soaZone('reject.example', 2)}www IN A 999.0.0.1\n`;
    const result = push('reject', source({ 'reject.example': broken }));
    expect(result.status).toBe(84);
    expect(result.stderr).toMatch(
      /the server does not serve the new serial of reject\.example after the reload; rolled back to release \S+/,
    );
    expect(live('reject')).toEqual(before);
    expect(await named.serial('reject.example')).toBe(1);
    expectSpareInStep('reject');
    // The verify window is measured: from the swap to the rollback's reload (docs/configuration.md).
    expect(finished('reject').at(-1)?.['exposedMs']).toEqual(expect.any(Number));
  });

  it('the gate killed after promotion but before the reload: the next push finishes the reload', async () => {
    writeFileSync(join(base, 'hang'), '');
    const child = startPush('crash', source({ 'crash.example': 2 }), ['--delete']);
    await until(
      () =>
        readFileSync(join(roots['crash'] ?? '', '.zonegate/state.json'), 'utf8').includes('"pending"') &&
        readFileSync(join(roots['crash'] ?? '', 'current/db.crash.example'), 'utf8').includes(' 2 3600'),
      'the promotion',
    );
    // attack/accident: the gate dies while rndc runs (the release is live, named still serves 1).
    for (const pid of gatePids('crash')) process.kill(pid, 'SIGKILL');
    child.kill('SIGKILL');
    await exited(child);
    spawnSync('pkill', ['-f', join(base, 'slow-rndc')]);
    expect(await named.serial('crash.example')).toBe(1);
    // Monitoring sees the owed reload until a push finishes it.
    const status = await zonegate(['status', '--config', config, '--nagios']);
    expect(status.stdout).toMatch(/zone set crash: reload owed by an interrupted push \(crash\.example\); the next push finishes it/);
    rmSync(join(base, 'hang'));
    // A push that changes nothing still finishes the owed reload.
    const next = push('crash', source({ 'crash.example': 2 }));
    expect(next.stderr).toContain('finished the reload an interrupted push left pending (crash.example)');
    expect(next.status).toBe(0);
    expect(await named.serial('crash.example')).toBe(2);
    expect(readFileSync(join(roots['crash'] ?? '', '.zonegate/state.json'), 'utf8')).not.toContain('"pending"');
  });

  it('through a real sshd: SIGKILL the ssh client mid-transfer, live untouched, the next push works', async () => {
    const sshd = await startSshd();
    try {
      const key = await makeKeyPair(sshd.dir, 'primary');
      writeFileSync(
        sshd.authorizedKeys,
        `restrict,from="127.0.0.1",command="${process.execPath} ${GATE} --config ${config} --key kill" ${key.line}\n`,
      );
      const rsh = ['ssh', ...sshd.sshOptions(key.privateKey)].join(' ');
      const target = `${sshd.user}@127.0.0.1:${roots['kill'] ?? ''}/`;
      const before = live('kill');
      const done = finished('kill').length;
      const child = spawn(
        'rsync',
        ['-e', rsh, '-rt', '--bwlimit=200', `${source({ 'kill.example': 6 }, { zone: 'big.example', bytes: 4_000_000 })}/`, target],
        { stdio: 'ignore' },
      );
      await until(() => partialInSpare('kill'), 'a partial file in the spare');
      // attack/accident: the ssh connection dies (SIGKILL the ssh process, not rsync).
      const ssh = spawnSync('pgrep', ['-P', String(child.pid), '-x', 'ssh'], { encoding: 'utf8' }).stdout.trim();
      expect(ssh).toMatch(/^\d+$/);
      process.kill(Number(ssh), 'SIGKILL');
      await exited(child);
      await until(() => finished('kill').length > done, 'the gate to finish');
      expect(finished('kill').at(-1)).toMatchObject({ outcome: 'rsync-failed' });
      expect(live('kill')).toEqual(before);
      expect(await named.serial('kill.example')).toBe(5);
      const next = spawnSync('rsync', ['-e', rsh, '-rt', `${source({ 'kill.example': 7 })}/`, target], { encoding: 'utf8' });
      expect(next.stderr).toMatch(/zone set kill: release \S+ is live: 1 changed/);
      expect(next.status).toBe(0);
      expect(await named.serial('kill.example')).toBe(7);
    } finally {
      await sshd.stop();
    }
  });
});
