// What the secondary's admin keeps in control whatever an allowed key pushes (DESIGN §2b), with real
// parts: the real rsync client and server through the built gate (fake-ssh transport), bwrap
// (sandbox "required"), named-checkzone under prlimit, and a real named with rndc and dig. Every
// refusal checks the exit code and the reason the client reads, that the live tree is byte for byte
// what it was, and that named serves what it served before.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { FAKE_SSH, GATE, fakeSshEnv } from '../helpers/gate.js';
import { fakeEd25519PublicKey } from '../lab/keys.js';
import { soaZone } from '../lab/zones.js';
import { startNamed, type Named } from '../lab/named.js';
import { liveZones, zoneSource } from '../lab/zones.js';

let named: Named;
let base: string;
let root: string;
let config: string;
let log: string;

const ZONES = ['a.example', 'b.example', '*.sub.example'];

/** The config with this zone set's settings (`zoneSet` merged over the defaults of this file). */
function writeConfig(zoneSet: Record<string, unknown> = {}): void {
  const settings = {
    name: 'lim',
    zones: ZONES,
    rndc: ['/usr/sbin/rndc', ...named.rndcArgs],
    verify: { server: '127.0.0.1', port: named.port, timeoutSeconds: 5 },
    maxDeleteShare: 1,
    ...zoneSet,
  };
  const rule = { direction: 'upload', root, paths: ['**'], delete: true, zoneSet: settings };
  const keys = { ns1: { publicKey: fakeEd25519PublicKey(), from: ['127.0.0.1'], rules: [rule] } };
  writeFileSync(config, JSON.stringify({ gate: { log, sandbox: 'required' }, keys }, null, 2), { mode: 0o600 });
}

function push(dir: string, extra: string[] = ['--delete']): { status: number | null; stderr: string } {
  const result = spawnSync('rsync', ['-e', FAKE_SSH, '-rt', ...extra, `${dir}/`, `secondary:${root}/`], {
    env: fakeSshEnv(config, 'ns1'),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stderr: result.stderr };
}

function lastFinished(): Record<string, unknown> {
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  return (
    lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((record) => record['event'] === 'finished')
      .at(-1) ?? {}
  );
}

/** The served serials of the zones that are live now (a.example 5, b.example 5 after setup). */
async function served(): Promise<Record<string, number | undefined>> {
  return { 'a.example': await named.serial('a.example'), 'b.example': await named.serial('b.example') };
}

/** Pushes `zones`, expects a refusal with `status` and `reason`, and that nothing changed anywhere. */
async function expectRefused(zones: Record<string, number | string>, status: number, reason: RegExp, extra?: string[]): Promise<string> {
  const before = liveZones(root);
  const servedBefore = await served();
  const result = push(zoneSource(zones), extra);
  expect(result.stderr).toMatch(reason);
  expect(result.stderr).toContain('the live zones were left as they were');
  expect(result.status).toBe(status);
  expect(liveZones(root)).toEqual(before);
  expect(await served()).toEqual(servedBefore);
  return result.stderr;
}

const current = { 'a.example': 5, 'b.example': 5 };

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'zonegate-lim-'));
  root = join(base, 'lim');
  mkdirSync(join(root, '.zonegate'), { recursive: true });
  named = await startNamed({ zones: [], includeFiles: [{ path: join(root, '.zonegate/named-zones.conf') }] });
  log = join(base, 'gate.log');
  config = join(base, 'zonegate.conf');
  writeConfig();
  const first = push(zoneSource(current));
  if (first.status !== 0) throw new Error(`first push failed: ${first.stderr}`);
});

beforeEach(() => {
  writeConfig();
  // A hold left by a failed test would make every later one fail for that reason instead.
  rmSync(join(root, '.zonegate', 'hold.json'), { force: true });
});

afterAll(async () => {
  await named.stop();
});

describe('zoneSet.zones: the secondary decides which zones a key may serve', () => {
  it('refuses a push that adds zones outside the list (com, in-addr.arpa): exit 90, named does not serve them', async () => {
    // attack: a stolen primary key adds db.com (valid SOA, www.google IN A 6.6.6.6) and
    // db.in-addr.arpa, to become authoritative for every .com name in the view.
    const stderr = await expectRefused(
      { ...current, com: soaZone('com', 1, 'www.google IN A 6.6.6.6'), 'in-addr.arpa': 1 },
      90,
      /push refused: the push would add zone (com|in-addr\.arpa) \(and 1 more\), which zone set lim may not hold \(zoneSet\.zones on this secondary\)/,
    );
    expect(stderr).not.toMatch(/is live/);
    expect(lastFinished()).toMatchObject({ outcome: 'refused', reason: 'zone-not-allowed' });
    // The secondary's status calls it what it is: the primary's data was refused, nothing failed here.
    const state = JSON.parse(readFileSync(join(root, '.zonegate', 'state.json'), 'utf8')) as {
      lastPush?: { outcome: string; status: number };
    };
    expect(state.lastPush).toMatchObject({ outcome: 'refused', status: 90 });
    expect(await named.serial('com')).toBeUndefined();
  });

  it('"*.sub.example" takes names below sub.example, not sub.example itself', async () => {
    await expectRefused({ ...current, 'sub.example': 1 }, 90, /would add zone sub\.example, which zone set lim may not hold/);
    const result = push(zoneSource({ ...current, 'x.sub.example': 1 }));
    expect(result.stderr).toMatch(/0 changed, 1 added, 0 removed/);
    expect(result.stderr).toContain('zonegate: zones added: x.sub.example');
    expect(result.status).toBe(0);
    expect(await named.serial('x.sub.example')).toBe(1);
  });

  it('refuses to change or delete a live zone the list no longer names', async () => {
    // The admin narrowed the list: the key may neither rewrite nor drop the zone it lost.
    writeConfig({ zones: ['a.example', 'b.example'] });
    await expectRefused({ ...current, 'x.sub.example': 2 }, 90, /would change zone x\.sub\.example, which zone set lim may not hold/);
    await expectRefused(current, 90, /would delete zone x\.sub\.example, which zone set lim may not hold/);
    expect(await named.serial('x.sub.example')).toBe(1);
  });
});

describe('cost limits', () => {
  it('refuses the 2e9-name $GENERATE by default, before any checker runs', async () => {
    // attack: one line that made four named-checkzone processes take 5 GB of memory.
    await expectRefused(
      { ...current, 'x.sub.example': 1, 'a.example': soaZone('a.example', 6, '$GENERATE 1-2000000000 h$ A 10.0.0.1') },
      91,
      /zone a\.example \(db\.a\.example\) uses \$GENERATE, which this zone set refuses \(zoneSet\.limits\.generateRange 0 on this secondary\)/,
    );
    expect(lastFinished()).toMatchObject({ reason: 'limit-exceeded', limit: 'zoneSet.limits.generateRange 0' });
  });

  it('with $GENERATE allowed, refuses a range over the cap, and a 3,000,000-name one over recordsPerZone', async () => {
    writeConfig({ limits: { generateRange: 65_536 } });
    await expectRefused(
      { ...current, 'x.sub.example': 1, 'a.example': soaZone('a.example', 6, '$GENERATE 1-2000000000 h$ A 10.0.0.1') },
      91,
      /has a \$GENERATE of 2000000000 names \(zoneSet\.limits\.generateRange 65536/,
    );
    writeConfig({ limits: { generateRange: 5_000_000 } });
    await expectRefused(
      { ...current, 'x.sub.example': 1, 'a.example': soaZone('a.example', 6, '$GENERATE 1-3000000 h$ A 10.0.0.1') },
      91,
      /zone a\.example \(db\.a\.example\) has more than 1000000 records \(zoneSet\.limits\.recordsPerZone 1000000/,
    );
  });

  it('stops a checker that outgrows its memory limit (prlimit), and says so', async () => {
    // attack: a zone the pre-scan lets through but that costs the checker more memory than allowed.
    writeConfig({ limits: { generateRange: 1_000_000, checkerMemoryMB: 64 } });
    await expectRefused(
      { ...current, 'x.sub.example': 1, 'a.example': soaZone('a.example', 6, '$GENERATE 1-300000 h$ A 10.0.0.1') },
      80,
      /zone a\.example \(db\.a\.example\) is invalid: .*\(the checker was stopped: zoneSet\.limits\.checkerCpuSeconds 60, checkerMemoryMB 64\)/,
    );
  });

  it('refuses a zone file over zoneBytes: the server-side rsync skips it (--max-size), the push is refused', async () => {
    writeConfig({ limits: { zoneBytes: 4096 } });
    const big = soaZone('a.example', 6, `txt IN TXT "${'x'.repeat(200)}"\n`.repeat(40));
    await expectRefused(
      { ...current, 'x.sub.example': 1, 'a.example': big },
      91,
      /"db\.a\.example" is larger than 4096 bytes \(zoneSet\.limits\.zoneBytes on this secondary\)/,
    );
  });

  it('refuses a push of more files than filesPerPush', async () => {
    writeConfig({ limits: { filesPerPush: 2 } });
    await expectRefused(
      { ...current, 'x.sub.example': 1, 'c.sub.example': 1, 'd.sub.example': 1, 'e.sub.example': 1 },
      91,
      /the push writes or deletes \d+ files, more than 2 \(zoneSet\.limits\.filesPerPush on this secondary\)/,
    );
  });
});

describe('serials: the live serial is read the way the new one is, and never skipped', () => {
  // The live zone is made of one of these, then a push goes from serial 41 back to 3.
  // A TXT record whose text says SOA, before the real SOA: the old reader took it for the SOA.
  const decoy = (serial: number): string => soaZone('b.example', serial).replace('$TTL 300\n', '$TTL 300\naaa IN TXT SOA x y z\n');
  // RFC 3597's generic form of the SOA, which named and named-checkzone read like any SOA.
  const generic = (serial: number): string =>
    soaZone('b.example', serial).replace(
      /@ IN SOA .*\n/,
      `@ IN TYPE6 \\# 57 036e73310162076578616d706c6500 0a686f73746d61737465720162076578616d706c6500 ${serial.toString(16).padStart(8, '0')} 00000e10 00000258 00015180 0000012c\n`,
    );

  it.each([
    ['decoy', 'the checker'],
    ['generic', 'the checker'],
    ['decoy', 'no checker'],
    ['generic', 'no checker'],
  ])('refuses serial 41 -> 3 when the live zone has the %s SOA form (%s)', async (formName, checker) => {
    // attack: a parse differential made the live serial unreadable, so "the serial must go up" was
    // skipped and 41 -> 3 went live (named logs "has gone backwards" and serves 3).
    const form = formName === 'generic' ? generic : decoy;
    if (checker === 'no checker') writeConfig({ checker: false });
    const serial = 41 + (checker === 'no checker' ? 100 : 0) + (formName === 'generic' ? 10 : 0);
    const first = push(zoneSource({ ...current, 'x.sub.example': 1, 'b.example': form(serial) }));
    expect(first.stderr).toMatch(/1 changed, 0 added, 0 removed/);
    expect(first.status).toBe(0);
    expect(await named.serial('b.example')).toBe(serial);
    current['b.example'] = serial;
    const servedBefore = await named.serial('b.example');
    const before = liveZones(root);
    const result = push(zoneSource({ ...current, 'x.sub.example': 1, 'b.example': form(3) }));
    expect(result.stderr).toMatch(new RegExp(`zone b\\.example: serial 3 is not greater than the live ${String(serial)} \\(RFC 1982\\)`));
    expect(result.status).toBe(81);
    expect(liveZones(root)).toEqual(before);
    expect(await named.serial('b.example')).toBe(servedBefore);
    // Back to the plain form, one serial up, for the tests that follow.
    const plain = push(zoneSource({ ...current, 'x.sub.example': 1, 'b.example': serial + 1 }));
    expect(plain.status).toBe(0);
    current['b.example'] = serial + 1;
  });
});

describe('hold: a rollback sticks until the secondary releases the zone set', () => {
  it('a held set refuses pushes (exit 92, the reason on the client side), status shows it, unhold lets them in', async () => {
    const bumped = { ...current, 'x.sub.example': 1, 'a.example': 6 };
    const pushed = push(zoneSource(bumped));
    expect(pushed.status).toBe(0);
    expect(await named.serial('a.example')).toBe(6);
    const back = await zonegate(['rollback', 'lim', '--config', config]);
    expect(back.exitCode).toBe(0);
    expect(await named.serial('a.example')).toBe(5);
    const held = await zonegate(['hold', 'lim', '--config', config, '--reason', 'bad MX in a.example | ask hostmaster\u001b[2J']);
    expect(held.stdout).toMatch(/^zone set lim: held since \S+: bad MX in a\.example \| ask hostmaster \[2J$/);
    expect(held.exitCode).toBe(0);

    // The primary's next cron run pushes the same zones again: refused, and the rollback stays.
    const before = liveZones(root);
    const again = push(zoneSource({ ...bumped, 'a.example': 7 }));
    expect(again.stderr).toMatch(
      /zonegate: denied: zone set lim is held on this secondary since \S+: bad MX in a\.example \| ask hostmaster \[2J; no push is taken until its admin runs `zonegate unhold lim`/,
    );
    // The rsync client reports the gate's 91, or its own 12 when it sees the closed connection
    // first (the gate refuses before the protocol starts); the gate itself exits 91:
    expect(again.status).not.toBe(0);
    const gate = spawnSync(process.execPath, [GATE, '--config', config, '--key', 'ns1'], {
      env: {
        PATH: '/usr/bin:/bin',
        SSH_CONNECTION: '127.0.0.1 50000 127.0.0.1 22',
        SSH_ORIGINAL_COMMAND: `rsync --server -lDtpre.iLsfxCIvu . ${root}/`,
      },
      encoding: 'utf8',
      input: '',
    });
    expect(gate.stderr).toMatch(/^zonegate: denied: zone set lim is held on this secondary since /);
    expect(gate.status).toBe(92);
    expect(liveZones(root)).toEqual(before);
    expect(await named.serial('a.example')).toBe(5);

    const text = await zonegate(['status', '--config', config]);
    expect(text.stdout).toMatch(
      /^ {4}HELD since \S+: bad MX in a\.example ¦ ask hostmaster \[2J \(pushes refused; zonegate unhold lim\)$/m,
    );
    const json = JSON.parse((await zonegate(['status', '--config', config, '--json'])).stdout) as {
      zoneSets: { held?: { reason: string } }[];
    };
    expect(json.zoneSets[0]?.held?.reason).toBe('bad MX in a.example | ask hostmaster [2J');
    const nagios = await zonegate(['status', '--config', config, '--nagios']);
    expect(nagios.stdout.split('\n')[0]).toMatch(
      /^ZONEGATE WARNING - .*zone set lim held: bad MX in a\.example ¦ ask hostmaster \[2J.* \| /,
    );
    expect(nagios.exitCode).toBe(1);
    expect((await zonegate(['status', '--config', config, '--prometheus'])).stdout).toContain('zonegate_zoneset_held{zoneset="lim"} 1');

    const released = await zonegate(['unhold', 'lim', '--config', config]);
    expect(released.stdout).toBe('zone set lim: hold released (was: bad MX in a.example | ask hostmaster [2J)');
    const after = push(zoneSource({ ...bumped, 'a.example': 8 }));
    expect(after.status).toBe(0);
    expect(await named.serial('a.example')).toBe(8);
    current['a.example'] = 8;
    expect((await zonegate(['status', '--config', config, '--prometheus'])).stdout).toContain('zonegate_zoneset_held{zoneset="lim"} 0');
  });

  it('refuses hold without a reason, and an unknown zone set', async () => {
    expect(await zonegate(['hold', 'lim', '--config', config])).toMatchObject({
      exitCode: 64,
      stderr: expect.stringContaining('--reason TEXT is required') as unknown,
    });
    expect(await zonegate(['hold', 'nope', '--config', config, '--reason', 'x'])).toMatchObject({
      exitCode: 64,
      stderr: expect.stringContaining('no zone set named "nope"') as unknown,
    });
  });
});

describe('a deadline on the transfer', () => {
  it('kills a slow sender at transferTimeoutSeconds: refused (exit 93), lock released, spare rebuilt, live untouched', async () => {
    // attack: one key sends slowly (--bwlimit) to hold the zone set's lock, so the other key of the
    // set is refused as busy; rsync's --timeout alone never fires while bytes still trickle in.
    writeConfig({ transferTimeoutSeconds: 2 });
    const before = liveZones(root);
    const servedBefore = await served();
    const big = soaZone('a.example', current['a.example'] + 1, `txt IN TXT "${'x'.repeat(200)}"\n`.repeat(3000));
    const dir = zoneSource({ ...current, 'x.sub.example': 1, 'a.example': big });
    const child = spawn('rsync', ['-e', FAKE_SSH, '-rt', '--delete', '--bwlimit=20', `${dir}/`, `secondary:${root}/`], {
      env: fakeSshEnv(config, 'ns1'),
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve) =>
      child.on('close', () => {
        resolve();
      }),
    );
    expect(stderr).toMatch(
      /zonegate: zone set lim: push refused: the transfer took longer than 2 s \(zoneSet\.transferTimeoutSeconds on this secondary\); rsync was stopped and nothing was promoted/,
    );
    expect(lastFinished()).toMatchObject({ outcome: 'refused', reason: 'transfer-timeout', status: 93 });
    expect(liveZones(root)).toEqual(before);
    expect(await served()).toEqual(servedBefore);
    // The spare is marked: rsync may have left anything in it.
    expect(existsSync(join(root, '.zonegate', 'spare-dirty'))).toBe(true);
    // The server argv had an idle timeout too, and the size limit.
    const decision = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event?: string; argv?: string[] })
      .filter((record) => record.event === 'decision')
      .at(-1);
    expect(decision?.argv).toEqual(expect.arrayContaining(['--timeout=2', `--max-size=${String(64 * 1024 * 1024)}`]));
    // The lock is free: the next push goes through at once, from a fresh spare.
    writeConfig({ lockWaitSeconds: 0 });
    const next = push(zoneSource({ ...current, 'x.sub.example': 1, 'a.example': current['a.example'] + 1 }));
    expect(next.stderr).toMatch(/1 changed, 0 added, 0 removed/);
    expect(next.status).toBe(0);
    current['a.example'] += 1;
    expect(await named.serial('a.example')).toBe(current['a.example']);
    expect(existsSync(join(root, '.zonegate', 'spare-dirty'))).toBe(false);
  });
});
