// applyToWritten on real files: what the zone set's `files` setting says is what the spare's new
// inodes end with, whether or not they already had part of it (what matches is not set again).
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyToWritten } from '../../src/zoneset/file-attrs.js';
import { outcome } from '../helpers/outcome.js';

function trees(): { spare: string; live: string } {
  const base = mkdtempSync(join(tmpdir(), 'zonegate-attrs-'));
  const spare = join(base, 'spare');
  const live = join(base, 'live');
  mkdirSync(spare);
  mkdirSync(live);
  return { spare, live };
}

const attrsOf = (path: string): { mode: number; uid: number; gid: number } => {
  const stat = lstatSync(path);
  return { mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid };
};

describe('applyToWritten', () => {
  it.each([
    ['a mode already right', 0o644, 0o644],
    ['another mode', 0o600, 0o644],
    ['a set-id bit beside the right permission bits', 0o4644, 0o644],
    ['group-writable', 0o664, 0o640],
  ])('%s ends as the setting says', (_, before, mode) => {
    const { spare, live } = trees();
    writeFileSync(join(spare, 'db.a'), 'a');
    chmodSync(join(spare, 'db.a'), before);
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    applyToWritten(spare, live, ['db.a'], { uid: undefined, gid: undefined, mode });
    expect(attrsOf(join(spare, 'db.a'))).toEqual({ mode, uid, gid });
  });

  it('a new owner and group (as root), and the mode set after the chown cleared the set-id bits', () => {
    if (process.getuid?.() !== 0) throw new Error('this test runs as root, as scripts/test.sh does (chown to another user)');
    const { spare, live } = trees();
    writeFileSync(join(spare, 'db.a'), 'a');
    chownSync(join(spare, 'db.a'), 0, 0);
    chmodSync(join(spare, 'db.a'), 0o2644);
    applyToWritten(spare, live, ['db.a'], { uid: 1, gid: 1, mode: 0o2644 });
    expect(attrsOf(join(spare, 'db.a'))).toEqual({ mode: 0o2644, uid: 1, gid: 1 });
  });

  it('refuses an inode the live tree shares (rsync changed a live file in place), and sets nothing', () => {
    const { spare, live } = trees();
    writeFileSync(join(live, 'db.a'), 'a');
    chmodSync(join(live, 'db.a'), 0o600);
    linkSync(join(live, 'db.a'), join(spare, 'db.a'));
    expect(
      outcome(() => {
        applyToWritten(spare, live, ['db.a'], { uid: undefined, gid: undefined, mode: 0o644 });
      }),
    ).toMatchObject({ kind: 'refused', reason: 'staging-failed' });
    expect(attrsOf(join(live, 'db.a')).mode).toBe(0o600);
  });
});
