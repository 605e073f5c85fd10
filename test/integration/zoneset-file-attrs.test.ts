// How live zone files look, with the real rsync client, the built gate and a real named: owner,
// group and mode come from the zone set (`files`), never from the client, and a push that changes
// only attributes on the primary never bypasses validation or reload, and never writes into the
// inode named reads, although the spare shares that inode (hard links, no second copy).
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { soaZone } from '../lab/zones.js';
import { inodeFacts, startZoneSetLab, type ZoneSetLab } from '../helpers/zoneset-lab.js';
import { zoneSource } from '../lab/zones.js';

let lab: ZoneSetLab;
const BIND_GID = Number(/^bind:x:(\d+):/m.exec(readFileSync('/etc/group', 'utf8'))?.[1] ?? Number.NaN);

/** A copy of `dir` whose files keep their bytes and mtimes: what the primary has after a chmod only. */
function sameTree(dir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'zonegate-same-'));
  cpSync(dir, copy, { recursive: true, preserveTimestamps: true });
  return copy;
}

const liveFile = (name: string, file: string): string => join(lab.root(name), 'current', file);
const facts = (name: string, file: string): ReturnType<typeof inodeFacts> & { ctimeMs: number } => ({
  ...inodeFacts(liveFile(name, file)),
  ctimeMs: statSync(liveFile(name, file)).ctimeMs,
});

beforeAll(async () => {
  lab = await startZoneSetLab([
    { name: 'plain' },
    { name: 'grouped', settings: { files: { owner: 'root', group: 'bind', mode: '0640' } } },
  ]);
});

afterAll(async () => {
  await lab.stop();
});

/** The primary's tree as last pushed to "plain". */
let source: string;

describe('live zone files get the zone set owner, group and mode', () => {
  it('a first push lands with the zone set attributes whatever the primary modes', async () => {
    source = zoneSource({ 'a.plain': 1, 'b.plain': 1, 'c.plain': 1 });
    chmodSync(join(source, 'db.a.plain'), 0o600);
    chmodSync(join(source, 'db.b.plain'), 0o666);
    expect(lab.push('plain', source, { extra: ['-p'] }).status).toBe(0);
    for (const file of readdirSync(join(lab.root('plain'), 'current')))
      expect(facts('plain', file)).toMatchObject({ mode: 0o644, uid: 0, gid: 0 });
    expect(await lab.named.serial('b.plain')).toBe(1);
    const grouped = zoneSource({ 'a.grouped': 1 });
    expect(lab.push('grouped', grouped, { extra: ['-p'] }).status).toBe(0);
    expect(facts('grouped', 'db.a.grouped')).toMatchObject({ mode: 0o640, uid: 0, gid: BIND_GID });
    expect(await lab.named.serial('a.grouped')).toBe(1);
  });

  it('chmod 000 on the primary (same bytes, same mtime) changes nothing live: not the mode, not the inode', async () => {
    // attack/accident: issue 11 item 4: a mode-only change was promoted unchecked and named failed at its next restart.
    const primary = sameTree(source);
    chmodSync(join(primary, 'db.b.plain'), 0o000);
    const before = facts('plain', 'db.b.plain');
    const result = lab.push('plain', primary, { extra: ['-p'] });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('no zone changed');
    // rsync found the file up to date; with -p it would chmod that inode in place, which the spare shares.
    expect(facts('plain', 'db.b.plain')).toEqual(before);
    expect(await lab.named.serial('b.plain')).toBe(1);
  });

  it('chmod 666 on the primary: the live file stays 0644, and no local user can rewrite it', () => {
    // attack: a world-writable live zone lets any local account change what named serves, unchecked.
    const primary = sameTree(source);
    for (const file of readdirSync(primary)) chmodSync(join(primary, file), 0o666);
    const before = facts('plain', 'db.c.plain');
    const result = lab.push('plain', primary, { extra: ['-p'] });
    expect(result.status).toBe(0);
    expect(facts('plain', 'db.c.plain')).toEqual(before);
    for (const file of readdirSync(join(lab.root('plain'), 'current'))) expect(facts('plain', file).mode).toBe(0o644);
  });

  it('a content change pushed with mode 666 is validated, reloaded, and goes live 0644', async () => {
    const primary = zoneSource({ 'a.plain': 1, 'b.plain': 2, 'c.plain': 1 });
    for (const file of readdirSync(primary)) chmodSync(join(primary, file), 0o666);
    const result = lab.push('plain', primary, { extra: ['-p'] });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('1 changed, 0 added, 0 removed');
    expect(facts('plain', 'db.b.plain')).toMatchObject({ mode: 0o644, uid: 0 });
    expect(await lab.named.serial('b.plain')).toBe(2);
    source = primary;
  });

  it('a broken zone sent with a mode change only on the other files is still checked', async () => {
    const primary = sameTree(source);
    chmodSync(join(primary, 'db.a.plain'), 0o000);
    writeFileSync(join(primary, 'db.c.plain'), `${soaZone('c.plain', 2)}broken line here\n`);
    const before = lab.live('plain');
    const result = lab.push('plain', primary, { extra: ['-p'] });
    expect(result.status).toBe(80);
    expect(lab.live('plain')).toEqual(before);
    expect(await lab.named.serial('c.plain')).toBe(1);
  });

  it('the grouped zone set: a changed zone goes live root:bind 0640 and named serves it', async () => {
    const primary = zoneSource({ 'a.grouped': 2 });
    chmodSync(join(primary, 'db.a.grouped'), 0o644);
    expect(lab.push('grouped', primary, { extra: ['-p'] }).status).toBe(0);
    expect(facts('grouped', 'db.a.grouped')).toMatchObject({ mode: 0o640, uid: 0, gid: BIND_GID });
    expect(await lab.named.serial('a.grouped')).toBe(2);
  });
});

describe('options that would make rsync write attributes into a shared inode are refused', () => {
  it.each([
    ['-a (sends -o -g: as root rsync chowns an up-to-date file in place)', ['-a'], '-o (--owner) is refused for zone sets'],
    ['-g alone', ['-g'], '-g (--group) is refused for zone sets'],
  ])('%s', async (_what, extra, message) => {
    // attack: a client option that makes the receiver chown/chmod/utime the inode named serves.
    const primary = sameTree(zoneSource({ 'a.plain': 1, 'b.plain': 2, 'c.plain': 1 }));
    const live = lab.live('plain');
    const before = facts('plain', 'db.a.plain');
    const result = lab.push('plain', primary, { extra });
    // Refused before rsync starts: the client reports the closed connection (12), with the gate's line.
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(message);
    expect(lab.live('plain')).toEqual(live);
    expect(facts('plain', 'db.a.plain')).toEqual(before);
    expect(await lab.named.serial('b.plain')).toBe(2);
  });
});

describe('-c and --size-only: the gate drops -t on the receiver', () => {
  it.each([['-c'], ['--size-only']])('%s with the same bytes and other times leaves the live inode alone', async (option) => {
    // rsync would count the file up to date and, with -t, set the client's mtime on the shared inode.
    const primary = sameTree(source);
    utimesSync(join(primary, 'db.a.plain'), 1_000_000, 1_000_000);
    const before = facts('plain', 'db.a.plain');
    const result = lab.push('plain', primary, { extra: [option, '-p'] });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('no zone changed');
    expect(facts('plain', 'db.a.plain')).toEqual(before);
    expect(await lab.named.serial('a.plain')).toBe(1);
  });

  it('-c with new content: validated, promoted, reloaded', async () => {
    const primary = zoneSource({ 'a.plain': 2, 'b.plain': 2, 'c.plain': 1 });
    const result = lab.push('plain', primary, { extra: ['-c'] });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('1 changed, 0 added, 0 removed');
    expect(await lab.named.serial('a.plain')).toBe(2);
    // And again: the checksums match, nothing is sent or promoted.
    const again = lab.push('plain', sameTree(primary), { extra: ['-c'] });
    expect(again.stderr).toContain('no zone changed');
    source = primary;
  });
});

describe('the spare costs no second copy', () => {
  it('after a push changing one zone of three, every spare file is a link of the live file', () => {
    const primary = zoneSource({ 'a.plain': 2, 'b.plain': 3, 'c.plain': 1 });
    // The unchanged zones keep the times the live files have, so rsync leaves them alone.
    for (const zone of ['a.plain', 'c.plain']) {
      const { mtimeMs } = statSync(liveFile('plain', `db.${zone}`));
      utimesSync(join(primary, `db.${zone}`), mtimeMs / 1000, mtimeMs / 1000);
    }
    expect(lab.push('plain', primary).status).toBe(0);
    const spare = lab.spareDir('plain');
    for (const file of readdirSync(spare)) {
      expect(statSync(join(spare, file)).ino).toBe(statSync(liveFile('plain', file)).ino);
      expect(statSync(join(spare, file)).nlink).toBeGreaterThanOrEqual(2);
    }
  });
});
