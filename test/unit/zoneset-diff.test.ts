import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffReleases, zoneOfFile } from '../../src/gate/zoneset/diff.js';
import { stageFromRelease } from '../../src/gate/zoneset/stage.js';
import { outcome } from '../helpers/outcome.js';

describe('zoneOfFile', () => {
  it.each([
    ['db.example.com', 'db.{zone}', 'example.com'],
    ['db.Example.COM', 'db.{zone}', 'example.com'],
    ['example.com.zone', '{zone}.zone', 'example.com'],
    ['db.10.in-addr.arpa', 'db.{zone}', '10.in-addr.arpa'],
    ['db._tcp.example', 'db.{zone}', '_tcp.example'],
    ['db.', 'db.{zone}', undefined],
    ['example.com', 'db.{zone}', undefined],
    // Names that would not be DNS names, or that smuggle path or shell characters into rndc's argv.
    ['db..example', 'db.{zone}', undefined],
    ['db.-example', 'db.{zone}', undefined],
    ['db.exa mple', 'db.{zone}', undefined],
    ['db.example.com.swp', '{zone}.zone', undefined],
  ])('%s with %s -> %s', (file, pattern, zone) => {
    expect(zoneOfFile(file, pattern)).toBe(zone);
  });
});

function live(): { live: string; staging: string } {
  const base = mkdtempSync(join(tmpdir(), 'zonegate-diff-'));
  const liveDir = join(base, 'live');
  mkdirSync(liveDir);
  for (const zone of ['a.example', 'b.example', 'c.example']) writeFileSync(join(liveDir, `db.${zone}`), `${zone}\n`);
  const staging = join(base, 'staging');
  stageFromRelease(liveDir, staging);
  return { live: liveDir, staging };
}

describe('diffReleases', () => {
  it('finds nothing in an untouched staging copy (hard links)', () => {
    const dirs = live();
    expect(diffReleases(dirs.live, dirs.staging, 'db.{zone}')).toEqual({ added: [], changed: [], removed: [], before: 3 });
  });

  it('finds added, changed (new inode) and removed zones', () => {
    const dirs = live();
    // What rsync does: write a temp file and rename it over the old name.
    writeFileSync(join(dirs.staging, 'tmp'), 'new b\n');
    rmSync(join(dirs.staging, 'db.b.example'));
    linkSync(join(dirs.staging, 'tmp'), join(dirs.staging, 'db.b.example'));
    rmSync(join(dirs.staging, 'tmp'));
    rmSync(join(dirs.staging, 'db.c.example'));
    writeFileSync(join(dirs.staging, 'db.d.example'), 'd\n');
    expect(diffReleases(dirs.live, dirs.staging, 'db.{zone}')).toEqual({
      added: [{ zone: 'd.example', file: 'db.d.example' }],
      changed: [{ zone: 'b.example', file: 'db.b.example' }],
      removed: [{ zone: 'c.example', file: 'db.c.example' }],
      before: 3,
    });
  });

  it.each([
    // attack: a symlink pushed into the zone set, to make named read another file.
    [
      'a symlink',
      (dir: string) => {
        symlinkSync('/etc/shadow', join(dir, 'db.evil.example'));
      },
    ],
    // attack: a directory tree inside the zone set.
    [
      'a directory',
      (dir: string) => {
        mkdirSync(join(dir, 'sub'));
      },
    ],
    [
      'a stray file',
      (dir: string) => {
        writeFileSync(join(dir, 'README'), 'x');
      },
    ],
    [
      'two files for one zone',
      (dir: string) => {
        writeFileSync(join(dir, 'db.A.example'), 'x');
      },
    ],
  ])('refuses %s as not-a-zone-file', (_name, plant) => {
    const dirs = live();
    plant(dirs.staging);
    expect(outcome(() => diffReleases(dirs.live, dirs.staging, 'db.{zone}'))).toMatchObject({
      kind: 'refused',
      reason: 'not-a-zone-file',
      exitCode: 86,
    });
  });
});
