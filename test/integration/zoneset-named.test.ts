// Zone sets end to end with real parts: the real rsync client and server through the built gate
// (fake-ssh transport), a real named on loopback with rndc, and dig for the served serials. Every
// refusal compares the live tree byte for byte before and after, and asks named what it serves.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { FAKE_SSH, fakeSshEnv } from '../helpers/gate.js';
import { liveZones, soaZone, zoneSource } from '../lab/zones.js';
import { fakeEd25519PublicKey } from '../lab/keys.js';
import { startNamed, type Named } from '../lab/named.js';
import { until } from '../lab/wait.js';

const VIEWS = { ext: '127.0.0.1', int: '127.0.0.2' } as const;
type View = keyof typeof VIEWS;

let named: Named;
let base: string;
let config: string;
let log: string;
const roots = {} as Record<View, string>;

const live = (view: View): Record<string, string> => liveZones(roots[view]);
const source = zoneSource;

interface Push {
  status: number | null;
  stderr: string;
}

function pushArgs(view: View, dir: string, extra: string[]): string[] {
  return ['-e', FAKE_SSH, '-rt', ...extra, `${dir}/`, `secondary:${roots[view]}/`];
}

const pushEnv = (key: string): Record<string, string> => fakeSshEnv(config, key);

function push(view: View, dir: string, extra: string[] = ['--delete'], key = `${view}-primary`): Push {
  const result = spawnSync('rsync', pushArgs(view, dir, extra), { env: pushEnv(key), encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stderr: result.stderr };
}

function pushAsync(view: View, dir: string, key: string): Promise<Push> {
  return new Promise((resolve) => {
    const child = spawn('rsync', pushArgs(view, dir, []), { env: pushEnv(key) });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => {
      resolve({ status, stderr });
    });
  });
}

/**
 * The tree `current` does not point at holds the same files, as hard links of the live ones (no
 * second copy of the data), except files the last push re-sent with other times and the same bytes,
 * which keep the inode rsync wrote (so the next push's quick check finds them up to date).
 */
function expectSpareInStep(view: View): void {
  const liveTree = readlinkSync(join(roots[view], 'current'));
  const spare = join(roots[view], 'trees', liveTree === 'trees/a' ? 'b' : 'a');
  const files = readdirSync(spare).sort();
  expect(Object.fromEntries(files.map((file) => [file, readFileSync(join(spare, file), 'utf8')]))).toEqual(live(view));
  for (const file of files) {
    const [spared, served] = [statSync(join(spare, file)), statSync(join(roots[view], 'current', file))];
    if (spared.ino !== served.ino) expect([spared.nlink, spared.mtimeMs === served.mtimeMs]).toEqual([1, false]);
  }
  expect(existsSync(join(roots[view], '.zonegate', 'spare-dirty'))).toBe(false);
}

function records(): Record<string, unknown>[] {
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function lastFinished(): Record<string, unknown> {
  return (
    records()
      .filter((record) => record['event'] === 'finished')
      .at(-1) ?? {}
  );
}

function zoneSetRule(view: View, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    direction: 'upload',
    root: roots[view],
    paths: ['**'],
    delete: true,
    zoneSet: {
      name: view,
      zones: ['*.example'],
      view,
      rndc: ['/usr/sbin/rndc', ...named.rndcArgs],
      verify: { server: '127.0.0.1', port: named.port, source: VIEWS[view] },
      maxDeleteShare: 0.5,
      lockWaitSeconds: 30,
      ...extra,
    },
  };
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'zonegate-zs-'));
  for (const view of Object.keys(VIEWS) as View[]) {
    roots[view] = join(base, view);
    mkdirSync(join(roots[view], '.zonegate'), { recursive: true });
  }
  named = await startNamed({
    views: (Object.keys(VIEWS) as View[]).map((view) => ({ name: view, client: VIEWS[view] })),
    zones: [],
    includeFiles: (Object.keys(VIEWS) as View[]).map((view) => ({ view, path: join(roots[view], '.zonegate/named-zones.conf') })),
  });
  log = join(base, 'gate.log');
  config = join(base, 'zonegate.conf');
  const keys: Record<string, unknown> = {};
  for (const [index, name] of ['ext-primary', 'ext-second-primary', 'int-primary'].entries()) {
    const view = name.startsWith('int') ? 'int' : 'ext';
    const rules = [zoneSetRule(view)];
    // A download rule on the same zone set: pulls read the live release (current), nothing else.
    if (name === 'ext-primary') rules.push({ ...zoneSetRule(view), direction: 'download', delete: false });
    keys[name] = { publicKey: fakeEd25519PublicKey(index + 1), from: ['127.0.0.1'], rules };
  }
  // The zone set's rndc key gone stale (named's was rotated): sent natively, and by the rndc program
  // (-q is an rndc flag the native path does not take on).
  const stale = join(base, 'stale-rndc.conf');
  writeFileSync(
    stale,
    readFileSync(named.rndcConf, 'utf8').replace(/secret "[^"]+"/, `secret "${Buffer.alloc(32, 9).toString('base64')}"`),
  );
  const staleKeys: [string, string[]][] = [
    ['ext-stale-native', []],
    ['ext-stale-program', ['-q']],
  ];
  for (const [index, [name, flags]] of staleKeys.entries()) {
    const rndc = ['/usr/sbin/rndc', ...flags, '-c', stale];
    keys[name] = { publicKey: fakeEd25519PublicKey(index + 4), from: ['127.0.0.1'], rules: [zoneSetRule('ext', { rndc })] };
  }
  writeFileSync(config, JSON.stringify({ gate: { log, sandbox: 'required' }, keys }, null, 2), { mode: 0o600 });
});

afterAll(async () => {
  await named.stop();
});

describe('zone sets with a real named', () => {
  it('a first push adds the zones: reconfig, and named serves them', async () => {
    const result = push('ext', source({ 'a.example': 1, 'b.example': 1, 'c.example': 1, 'd.example': 1 }));
    expect(result.stderr).toMatch(/zonegate: zone set ext: release \S+ is live: 0 changed, 4 added, 0 removed/);
    expect(result.status).toBe(0);
    expect(await named.serial('a.example', { view: 'ext' })).toBe(1);
    expect(lastFinished()).toMatchObject({
      outcome: 'promoted',
      added: ['a.example', 'b.example', 'c.example', 'd.example'],
      reload: ['reconfig'],
    });
  });

  it('a push of changed zones reloads only those, with the view named, and named serves the new serials', async () => {
    const since = named.log().length;
    const result = push('ext', source({ 'a.example': 2, 'b.example': 1, 'c.example': 5, 'd.example': 1 }));
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('2 changed, 0 added, 0 removed');
    expect(result.stderr).toMatch(/new serials verified/);
    expect(lastFinished()).toMatchObject({ changed: ['a.example', 'c.example'] });
    expect([...(lastFinished()['reload'] as string[])].sort()).toEqual(['reload a.example IN ext', 'reload c.example IN ext']);
    expect(await named.serial('a.example', { view: 'ext' })).toBe(2);
    expect(await named.serial('c.example', { view: 'ext' })).toBe(5);
    expect(named.log().slice(since)).not.toMatch(/zone b\.example\/IN\/ext: loaded/);
  });

  it('refuses a broken zone: the client sees named-checkzone, named keeps the old serial, live is untouched', async () => {
    const before = live('ext');
    const broken = `${soaZone('a.example', 3)}www IN A 999.0.0.1\n`;
    const result = push('ext', source({ 'a.example': broken, 'b.example': 1, 'c.example': 5, 'd.example': 1 }));
    expect(result.status).toBe(80);
    expect(result.stderr).toMatch(/zone set ext: push refused: zone a\.example \(db\.a\.example\) is invalid: .*bad dotted quad/);
    expect(result.stderr).toContain('the live zones were left as they were');
    expect(live('ext')).toEqual(before);
    expect(await named.serial('a.example', { view: 'ext' })).toBe(2);
    // The spare took back the live version of what rsync wrote: the next push starts from it.
    expectSpareInStep('ext');
  });

  it.each([
    ['the same serial', 2],
    ['a backwards serial', 1],
  ])('refuses %s with exit 81', async (_name, serial) => {
    const before = live('ext');
    const changed = soaZone('a.example', serial).replace('192.0.2', '198.51.100');
    const result = push('ext', source({ 'a.example': changed, 'b.example': 1, 'c.example': 5, 'd.example': 1 }));
    expect(result.status).toBe(81);
    expect(result.stderr).toMatch(/zone a\.example: serial \d+ is not greater than the live 2/);
    expect(live('ext')).toEqual(before);
    expect(await named.serial('a.example', { view: 'ext' })).toBe(2);
  });

  it('refuses a push that would delete most zones (an empty source)', async () => {
    const before = live('ext');
    // attack/accident: the primary's zone directory is empty or unmounted; --delete would wipe us.
    const result = push('ext', source({ 'a.example': 2 }));
    expect(result.status).toBe(82);
    expect(result.stderr).toMatch(/would delete 3 of 4 zones \(75%, limit 50%\)/);
    expect(live('ext')).toEqual(before);
    expect(await named.serial('d.example', { view: 'ext' })).toBe(1);
  });

  it('refuses a $INCLUDE that would read files outside the zone set', async () => {
    // attack: $INCLUDE /etc/shadow, to have the checker echo its lines back in an error message.
    const evil = `${soaZone('a.example', 9)}$INCLUDE /etc/shadow\n`;
    const result = push('ext', source({ 'a.example': evil, 'b.example': 1, 'c.example': 5, 'd.example': 1 }));
    expect(result.status).toBe(80);
    expect(result.stderr).toContain('uses $INCLUDE');
    expect(result.stderr).not.toMatch(/root:/);
  });

  it('refuses --inplace, which would write into the files named reads', async () => {
    const before = live('ext');
    const result = push('ext', source({ 'a.example': 7, 'b.example': 1, 'c.example': 5, 'd.example': 1 }), ['--inplace']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('--inplace is refused for zone sets');
    expect(live('ext')).toEqual(before);
  });

  it('after every push the spare holds the live zones as hard links of the live files', async () => {
    const tree = source({ 'a.example': 2, 'b.example': 1, 'c.example': 5, 'd.example': 1 });
    const unchanged = push('ext', tree);
    expect(unchanged.status).toBe(0);
    expect(unchanged.stderr).toContain('no zone changed');
    expectSpareInStep('ext');
    const changed = push('ext', source({ 'a.example': 2, 'b.example': 1, 'c.example': 6, 'd.example': 1 }));
    expect(changed.status).toBe(0);
    expect(changed.stderr).toContain('1 changed, 0 added, 0 removed');
    expect(await named.serial('c.example', { view: 'ext' })).toBe(6);
    expectSpareInStep('ext');
    // Releases beyond `keep` (5) are dropped; their files go through .trash, emptied in the background.
    const releases = readdirSync(join(roots.ext, 'releases'));
    expect(releases.length).toBeGreaterThan(0);
    expect(releases.length).toBeLessThanOrEqual(5);
    await until(() => readdirSync(join(roots.ext, '.trash')).length === 0, '.trash to be emptied');
  });

  it('a mode-only change on the primary never reaches the inode named reads (the spare shares it, and the gate drops -p)', () => {
    const dir = source({ 'a.example': 2, 'b.example': 1, 'c.example': 6, 'd.example': 1 });
    chmodSync(join(dir, 'db.a.example'), 0o600);
    const liveFile = join(roots.ext, 'current', 'db.a.example');
    const before = statSync(liveFile);
    const result = push('ext', dir, ['-p', '--delete']);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('no zone changed');
    const after = statSync(liveFile);
    // Not ctime: the re-sent files replace the spare's links, which changes the live inode's link count.
    // zoneset-file-attrs.test.ts pushes a mode-only change with equal times, where ctime must hold too.
    expect([after.ino, after.mode & 0o777, after.mtimeMs, after.uid]).toEqual([
      before.ino,
      before.mode & 0o777,
      before.mtimeMs,
      before.uid,
    ]);
  });

  it('refuses -H: zone files are never hard links of each other', async () => {
    const before = live('ext');
    const dir = source({ 'a.example': 2, 'b.example': 1, 'c.example': 5, 'd.example': 1 });
    const result = push('ext', dir, ['-H']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('-H is refused for zone sets');
    expect(live('ext')).toEqual(before);
  });

  it('views: the same zone in two zone sets is reloaded in its own view only', async () => {
    expect(push('int', source({ 'a.example': 100 })).status).toBe(0);
    expect(await named.serial('a.example', { view: 'int' })).toBe(100);
    const result = push('int', source({ 'a.example': 101 }));
    expect(result.status).toBe(0);
    expect(lastFinished()).toMatchObject({ zoneSet: 'int', reload: ['reload a.example IN int'] });
    expect(await named.serial('a.example', { view: 'int' })).toBe(101);
    expect(await named.serial('a.example', { view: 'ext' })).toBe(2);
  });

  it('two primaries pushing at once: one waits for the other, no interleaving, both land', async () => {
    // Each primary pushes only its own zone, without --delete, so either order is valid.
    const first = source({ 'b.example': 20 });
    const second = source({ 'd.example': 40 });
    const [ra, rb] = await Promise.all([pushAsync('ext', first, 'ext-primary'), pushAsync('ext', second, 'ext-second-primary')]);
    expect([ra.status, rb.status]).toEqual([0, 0]);
    const promoted = records()
      .filter((record) => record['event'] === 'finished' && record['outcome'] === 'promoted')
      .slice(-2);
    // Sequential: the later push was staged from the release the earlier one made live.
    expect(promoted[1]?.['previous']).toBe(promoted[0]?.['release']);
    expect(await named.serial('b.example', { view: 'ext' })).toBe(20);
    expect(await named.serial('d.example', { view: 'ext' })).toBe(40);
    expect(Object.keys(live('ext')).sort()).toEqual(['db.a.example', 'db.b.example', 'db.c.example', 'db.d.example']);
  });

  it('rollback: named serves the older serial again', async () => {
    const releases = await zonegate(['releases', 'ext', '--config', config, '--json']);
    expect(releases.exitCode).toBe(0);
    const before =
      (JSON.parse(releases.stdout) as { zoneSets: { releases: { id: string; live: boolean }[] }[] }).zoneSets[0]?.releases ?? [];
    expect(before.filter((release) => release.live)).toHaveLength(1);
    const result = await zonegate(['rollback', 'ext', '--config', config]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/zone set ext: release \S+ is live again as \S+/);
    // The release before the last one: one of the two concurrent pushes is undone.
    const served = [await named.serial('b.example', { view: 'ext' }), await named.serial('d.example', { view: 'ext' })];
    expect(served.filter((serial, index) => serial === [20, 40][index])).toHaveLength(1);
    // The rollback is a release of its own: listed as such, and undone the same way.
    const listed = await zonegate(['releases', 'ext', '--config', config]);
    expect(listed.stdout).toMatch(/^\* \S+ +4 zones +rollback to \S+ +\(live\)$/m);
    const undo = await zonegate(['rollback', 'ext', '--config', config]);
    expect(undo.exitCode).toBe(0);
    expect([await named.serial('b.example', { view: 'ext' }), await named.serial('d.example', { view: 'ext' })]).toEqual([20, 40]);
    expectSpareInStep('ext');
  });

  it('releases without a name lists every zone set with its zones and their serials, the same in text and JSON', async () => {
    const text = await zonegate(['releases', '--config', config]);
    const json = await zonegate(['releases', '--config', config, '--json']);
    expect([text.exitCode, json.exitCode]).toEqual([0, 0]);
    const sets = (
      JSON.parse(json.stdout) as {
        zoneSets: { name: string; zones: { zone: string; serial: number | null }[]; releases: { id: string; changed: string[] }[] }[];
      }
    ).zoneSets;
    expect(sets.map((set) => set.name)).toEqual(['ext', 'int']);
    // The text shows the same zone sets, zones, serials and releases, in the same order.
    const expected = sets.flatMap((set) => [
      `zone set ${set.name} `,
      ...set.zones.map(({ zone, serial }) => `  ${zone} ${String(serial)}`),
      ...set.releases.map((release) => ` ${release.id}  `),
    ]);
    const lines = text.stdout.split('\n');
    let at = -1;
    for (const piece of expected) {
      const found = lines.findIndex((line, index) => index > at && line.includes(piece));
      expect(found, piece).toBeGreaterThan(at);
      at = found;
    }
    const ext = sets[0];
    expect(ext?.zones.map((zone) => zone.zone)).toEqual(
      Object.keys(live('ext'))
        .map((file) => file.replace(/^db\./, ''))
        .sort(),
    );
    for (const { zone, serial } of ext?.zones ?? []) expect(serial).toBe(await named.serial(zone, { view: 'ext' }));
    expect(ext?.releases.some((release) => release.changed.length > 0)).toBe(true);
  });

  // Attack/accident: the rndc key of the zone set is stale. named refuses the reload: the push must be
  // rolled back with exit 84 whether the command went natively or through the rndc program, and
  // named must keep serving what it served.
  it('a stale rndc key: named refuses, the push is rolled back with exit 84, natively as with the rndc program', async () => {
    const before = live('ext');
    const served = await named.serial('a.example', { view: 'ext' });
    const zones = Object.fromEntries(Object.entries(before).map(([file, text]) => [file.replace(/^db\./, ''), text]));
    const outcomes: [number | null, string][] = [];
    const natively: boolean[] = [];
    for (const key of ['ext-stale-native', 'ext-stale-program']) {
      const result = push('ext', source({ ...zones, 'a.example': soaZone('a.example', (served ?? 0) + 100) }), ['--delete'], key);
      // What rndc and the native client say differ (and the ref and timings): the rest must not.
      const said = result.stderr.replace(/ failed: .*; rolled back/, ' failed: …; rolled back').replace(/\(ref \w+\)/, '(ref)');
      outcomes.push([result.status, said.replace(/^.*timing.*\n/m, '')]);
      natively.push(result.stderr.includes('sent natively'));
      expect(live('ext')).toEqual(before);
      expect(await named.serial('a.example', { view: 'ext' })).toBe(served);
    }
    expect(outcomes[0]?.[0]).toBe(84);
    expect(outcomes[0]?.[1]).toMatch(
      /push refused: rndc (reconfig|reload a\.example IN ext) failed: …; rolled back to (the zones before it|release \S+)$/m,
    );
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(natively).toEqual([true, false]);
  });

  it('a pull from a zone set reads the live release only', () => {
    const back = mkdtempSync(join(tmpdir(), 'zonegate-back-'));
    const result = spawnSync('rsync', ['-e', FAKE_SSH, '-rt', `secondary:${roots.ext}/`, `${back}/`], {
      env: pushEnv('ext-primary'),
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(Object.fromEntries(readdirSync(back).map((file) => [file, readFileSync(join(back, file), 'utf8')]))).toEqual(live('ext'));
  });
});
