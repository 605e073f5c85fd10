// The zone set's bookkeeping on real temp trees, without named (rndc off): release records and the
// undo plan a rollback follows, mirroring files between the trees, pruning, and what the next push
// does with the journal a killed gate left behind (finish it, or drop it).
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ZoneSetChanges } from '../../src/zoneset/diff.js';
import { ensureLayout, layoutOf, liveTree, pointCurrentAt, releaseDir, treeDir, type ZoneSetLayout } from '../../src/zoneset/layout.js';
import { recoverInterruptedPromotion } from '../../src/zoneset/open.js';
import { completeZoneSetPush, prepareZoneSetPush } from '../../src/zoneset/pipeline.js';
import { listReleases, pruneReleases, recordRelease, undoPlan, type ReleaseManifest } from '../../src/zoneset/releases.js';
import { mirrorFiles } from '../../src/zoneset/spare.js';
import { freshenMtimes } from '../../src/zoneset/promote.js';
import { readState, writeState } from '../../src/zoneset/state.js';
import type { ZoneSetSettings } from '../../src/shared/policy/types.js';
import { oneKeyPolicy } from '../helpers/policy.js';
import { soaZone } from '../lab/zones.js';

function zoneSet(): { layout: ZoneSetLayout; settings: ZoneSetSettings } {
  const root = mkdtempSync(join(tmpdir(), 'zonegate-releases-'));
  const policy = oneKeyPolicy(
    [
      {
        direction: 'upload',
        root,
        paths: ['**'],
        zoneSet: { name: 'test', zones: ['*.example'], checker: false, rndc: false, verify: false },
      },
    ],
    'releases.conf',
  );
  const settings = policy.keys.get('ns1')?.rules[0]?.zoneSet;
  if (!settings) throw new Error('no zone set in the test policy');
  const layout = layoutOf(root);
  ensureLayout(layout);
  return { layout, settings };
}

/** What rsync does with new content: a temp file renamed over the name (a new inode, never in place). */
function replaceLikeRsync(path: string, text: string): void {
  writeFileSync(`${path}.rsync-tmp`, text);
  renameSync(`${path}.rsync-tmp`, path);
}

const files = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((file) => [file, readFileSync(join(dir, file), 'utf8')]),
  );

function manifest(id: string, changes: ZoneSetChanges, previous: string | undefined): ReleaseManifest {
  return {
    id,
    at: new Date().toISOString(),
    kind: 'push',
    previous,
    changed: changes.changed.map((z) => z.file),
    added: changes.added.map((z) => z.file),
    removed: changes.removed.map((z) => z.file),
    zones: 0,
  };
}

const zf = (file: string): { zone: string; file: string } => ({ zone: file.replace(/^db\./, ''), file });
const none: ZoneSetChanges = { added: [], changed: [], removed: [], touched: [], before: 0 };

describe('release records and the undo plan', () => {
  it('undoes later releases newest first, so the state right after the target comes back', () => {
    const { layout } = zoneSet();
    const live = treeDir(layout, 'a');
    // Release 1 adds a and b; release 2 changes a and removes b; release 3 adds c and changes a again.
    writeFileSync(join(live, 'db.a'), 'a1');
    writeFileSync(join(live, 'db.b'), 'b1');
    recordRelease(
      layout,
      live,
      { ...none, added: [zf('db.a'), zf('db.b')] },
      manifest('r1', { ...none, added: [zf('db.a'), zf('db.b')] }, undefined),
    );
    const r2: ZoneSetChanges = { ...none, changed: [zf('db.a')], removed: [zf('db.b')] };
    recordRelease(layout, live, r2, manifest('r2', r2, 'r1'));
    // What the tree holds after r2: a new file renamed over the name, as the gate always writes
    // (the record above holds the old inode).
    writeFileSync(join(live, 'db.a.new'), 'a2');
    renameSync(join(live, 'db.a.new'), join(live, 'db.a'));
    const r3: ZoneSetChanges = { ...none, changed: [zf('db.a')], added: [zf('db.c')] };
    recordRelease(layout, live, r3, manifest('r3', r3, 'r2'));
    const releases = listReleases(layout);
    expect(releases.map((r) => r.id)).toEqual(['r1', 'r2', 'r3']);

    const toR2 = undoPlan(layout, releases, 'r2', 'r3');
    expect(Object.fromEntries([...toR2].map(([file, from]) => [file, from === null ? null : readFileSync(from, 'utf8')]))).toEqual({
      'db.a': 'a2',
      'db.c': null,
    });
    const toR1 = undoPlan(layout, releases, 'r1', 'r3');
    expect(Object.fromEntries([...toR1].map(([file, from]) => [file, from === null ? null : readFileSync(from, 'utf8')]))).toEqual({
      'db.a': 'a1',
      'db.b': 'b1',
      'db.c': null,
    });
    // A release newer than the live one (an undone promotion) is never part of a plan.
    expect([...undoPlan(layout, releases, 'r1', 'r2').keys()].sort()).toEqual(['db.a', 'db.b']);
  });

  it('keeps the newest releases up to the live one and drops the rest, incomplete and undone ones too', () => {
    const { layout } = zoneSet();
    for (const id of ['r1', 'r2', 'r3', 'r4']) recordRelease(layout, treeDir(layout, 'a'), none, manifest(id, none, undefined));
    mkdirSync(releaseDir(layout, 'r0-incomplete'));
    pruneReleases(layout, 2, 'r3');
    expect(readdirSync(layout.releases).sort()).toEqual(['r2', 'r3']);
    expect(readdirSync(layout.trash)).toHaveLength(3);
  });
});

describe('freshenMtimes', () => {
  it('gives a changed file not newer than the live one a fresh mtime, and counts the blocks the push adds', () => {
    const { layout } = zoneSet();
    const [spare, live] = [treeDir(layout, 'b'), treeDir(layout, 'a')];
    const old = new Date('2026-01-01T00:00:00Z');
    writeFileSync(join(live, 'db.a'), 'a');
    writeFileSync(join(spare, 'db.a'), 'a'.repeat(20_000));
    utimesSync(join(spare, 'db.a'), old, old);
    writeFileSync(join(live, 'db.gone'), 'g'.repeat(9000));
    writeFileSync(join(spare, 'db.new'), 'n'.repeat(5000));
    const disk = (path: string): number => statSync(path).blocks * 512;
    const expected = disk(join(spare, 'db.a')) - disk(join(live, 'db.a')) + disk(join(spare, 'db.new')) - disk(join(live, 'db.gone'));
    const now = new Date('2026-06-01T00:00:00Z');
    const changes: ZoneSetChanges = {
      added: [{ zone: 'new', file: 'db.new' }],
      changed: [{ zone: 'a', file: 'db.a' }],
      removed: [{ zone: 'gone', file: 'db.gone' }],
      touched: [],
      before: 2,
    };
    expect(freshenMtimes(spare, live, changes, now)).toBe(expected);
    expect(expected).toBeGreaterThan(0);
    expect(statSync(join(spare, 'db.a')).mtimeMs).toBeGreaterThan(statSync(join(live, 'db.a')).mtimeMs);
  });
});

describe('mirrorFiles', () => {
  it('links the named files (the same inode: no second copy), removes the ones the source lacks, and touches nothing else', () => {
    const { layout } = zoneSet();
    const [source, target] = [treeDir(layout, 'a'), treeDir(layout, 'b')];
    const old = new Date('2026-01-01T00:00:00Z');
    writeFileSync(join(source, 'db.a'), 'new a', { mode: 0o640 });
    utimesSync(join(source, 'db.a'), old, old);
    writeFileSync(join(target, 'db.a'), 'old a');
    writeFileSync(join(target, 'db.gone'), 'gone');
    writeFileSync(join(target, 'db.other'), 'other');
    mirrorFiles(source, target, ['db.a', 'db.gone', 'db.never-existed']);
    expect(files(target)).toEqual({ 'db.a': 'new a', 'db.other': 'other' });
    const copy = statSync(join(target, 'db.a'));
    expect([copy.mode & 0o777, copy.mtimeMs]).toEqual([0o640, old.getTime()]);
    expect(copy.ino).toBe(statSync(join(source, 'db.a')).ino);
    // Again, with the link already in place: nothing left behind (rename() between links of one inode is a no-op).
    mirrorFiles(source, target, ['db.a']);
    expect(readdirSync(target).sort()).toEqual(['db.a', 'db.other']);
    expect(statSync(join(target, 'db.a')).ino).toBe(statSync(join(source, 'db.a')).ino);
  });

  it('fails loudly when it cannot link a file the source has (a missing target directory), never skips it', () => {
    const { layout } = zoneSet();
    const source = treeDir(layout, 'a');
    writeFileSync(join(source, 'db.a'), 'a');
    expect(() => {
      mirrorFiles(source, join(treeDir(layout, 'b'), 'missing'), ['db.a']);
    }).toThrow(/ENOENT/);
  });
});

describe('recoverInterruptedPromotion (the journal a killed gate left)', () => {
  it('drops a promotion whose swap never happened: state as before, release record gone', async () => {
    const { layout, settings } = zoneSet();
    writeState(layout.stateFile, {
      release: 'r2',
      zones: 5,
      lastGoodPush: '2026-11-01T00:00:00.000Z',
      pending: {
        release: 'r2',
        tree: 'b',
        reload: ['a.example'],
        reconfig: false,
        serials: {},
        before: { release: 'r1', zones: 4 },
        dropOnAbort: 'r2',
      },
    });
    recordRelease(layout, treeDir(layout, 'a'), none, manifest('r2', none, 'r1'));
    expect(liveTree(layout)).toBe('a');
    const said = await recoverInterruptedPromotion(layout, settings);
    expect(said).toContain('dropped the promotion an interrupted push had not made');
    expect(readState(layout.stateFile)).toEqual({ release: 'r1', zones: 4, lastGoodPush: '2026-11-01T00:00:00.000Z' });
    expect(existsSync(releaseDir(layout, 'r2'))).toBe(false);
    expect(existsSync(layout.spareDirty)).toBe(true);
  });

  it('finishes a promotion whose swap happened: the reload is owed, the include rewritten, the journal cleared', async () => {
    const { layout, settings } = zoneSet();
    writeFileSync(join(treeDir(layout, 'b'), 'db.a.example'), 'zone');
    pointCurrentAt(layout, 'b');
    writeState(layout.stateFile, {
      release: 'r2',
      zones: 1,
      lastGoodPush: undefined,
      pending: {
        release: 'r2',
        tree: 'b',
        reload: [],
        reconfig: true,
        serials: {},
        before: { release: 'r1', zones: 0 },
        dropOnAbort: 'r2',
      },
    });
    const said = await recoverInterruptedPromotion(layout, settings);
    expect(said).toContain('finished the reload an interrupted push left pending (reconfig)');
    const state = readState(layout.stateFile);
    expect(state.pending).toBeUndefined();
    expect(state.release).toBe('r2');
    expect(state.lastGoodPush).toMatch(/^\d{4}-/);
    expect(readFileSync(join(layout.meta, 'named-zones.conf'), 'utf8')).toContain(
      `zone "a.example" { type primary; file "${join(layout.current, 'db.a.example')}"; };`,
    );
  });

  it('does nothing without a journal', async () => {
    const { layout, settings } = zoneSet();
    expect(await recoverInterruptedPromotion(layout, settings)).toBeUndefined();
    expect(existsSync(layout.spareDirty)).toBe(false);
  });
});

describe('after rsync: the transfer log decides', () => {
  const summary = '2026/11/23 12:00:00 [7] sent 10 bytes  received 20 bytes  total size 30\n';

  function withLiveZone(): ReturnType<typeof zoneSet> {
    const world = zoneSet();
    for (const tree of ['a', 'b'] as const) writeFileSync(join(treeDir(world.layout, tree), 'db.a.example'), soaZone('a.example', 1));
    return world;
  }

  it("refuses to promote when the log lacks rsync's summary (rsync could not open it): exit 85, spare left marked", async () => {
    const { layout, settings } = withLiveZone();
    const push = await prepareZoneSetPush(layout.root, settings, undefined);
    try {
      // attack/accident: rsync wrote a zone but no log: without the log the change would go unseen.
      replaceLikeRsync(join(push.spareDir, 'db.a.example'), soaZone('a.example', 2));
      await expect(completeZoneSetPush(push)).rejects.toMatchObject({ reason: 'staging-failed', exitCode: 85 });
    } finally {
      push.finish();
    }
    expect(liveTree(layout)).toBe('a');
    expect(readFileSync(join(treeDir(layout, 'a'), 'db.a.example'), 'utf8')).toBe(soaZone('a.example', 1));
    expect(existsSync(layout.spareDirty)).toBe(true);
  });

  it('puts the spare back after a refused push, from the names in the log', async () => {
    const { layout, settings } = withLiveZone();
    const push = await prepareZoneSetPush(layout.root, settings, undefined);
    try {
      replaceLikeRsync(join(push.spareDir, 'db.a.example'), 'not a zone\n');
      writeFileSync(layout.transferLog, `2026/11/23 12:00:00 [7] >f.st...... db.a.example\n${summary}`);
      await expect(completeZoneSetPush(push)).rejects.toMatchObject({ reason: 'zone-invalid', exitCode: 80 });
    } finally {
      push.finish();
    }
    expect(files(treeDir(layout, 'b'))).toEqual(files(treeDir(layout, 'a')));
    expect(existsSync(layout.spareDirty)).toBe(false);
  });

  it('leaves the spare marked after a refusal it cannot undo by name (an escaped name in the log)', async () => {
    const { layout, settings } = withLiveZone();
    const push = await prepareZoneSetPush(layout.root, settings, undefined);
    try {
      // attack: the file rsync wrote is "db.evil\n.example"; the log can only name it escaped.
      replaceLikeRsync(join(push.spareDir, 'db.evil\n.example'), 'x');
      writeFileSync(layout.transferLog, `2026/11/23 12:00:00 [7] >f+++++++++ db.evil\\#012.example\n${summary}`);
      await expect(completeZoneSetPush(push)).rejects.toMatchObject({ reason: 'not-a-zone-file', exitCode: 86 });
    } finally {
      push.finish();
    }
    expect(existsSync(layout.spareDirty)).toBe(true);
    // The next push starts from a fresh copy, without the stray file.
    const next = await prepareZoneSetPush(layout.root, settings, undefined);
    next.finish();
    expect(next.spareRebuilt).toBe(true);
    expect(files(next.spareDir)).toEqual(files(treeDir(layout, 'a')));
  });

  it('promotes what the log names, and nothing it does not', async () => {
    const { layout, settings } = withLiveZone();
    const push = await prepareZoneSetPush(layout.root, settings, undefined);
    try {
      replaceLikeRsync(join(push.spareDir, 'db.a.example'), soaZone('a.example', 2));
      writeFileSync(layout.transferLog, `2026/11/23 12:00:00 [7] >f.st...... db.a.example\n${summary}`);
      const outcome = await completeZoneSetPush(push);
      expect(outcome.record).toMatchObject({ outcome: 'promoted', changed: ['a.example'], added: [], removed: [] });
    } finally {
      push.finish();
    }
    expect(liveTree(layout)).toBe('b');
    expect(files(treeDir(layout, 'a'))).toEqual(files(treeDir(layout, 'b')));
    expect(readState(layout.stateFile)).toMatchObject({ zones: 1, pending: undefined });
    expect(listReleases(layout).map((release) => release.changed)).toEqual([['db.a.example']]);
  });
});

describe('a zone set in the releases/ layout of the earlier zonegate', () => {
  it('is converted by the next push: same live zones behind current, a spare, old releases gone, an owed reload finished', async () => {
    const { layout, settings } = zoneSet();
    // What that zonegate left: current -> releases/<id>, full-tree releases, a spare staging copy.
    rmSync(layout.trees, { recursive: true });
    rmSync(layout.current);
    for (const [id, serial] of [
      ['20261101T000000000Z-aaaa', 1],
      ['20261102T000000000Z-bbbb', 2],
    ] as const) {
      mkdirSync(releaseDir(layout, id));
      writeFileSync(join(releaseDir(layout, id), 'db.a.example'), soaZone('a.example', serial));
    }
    symlinkSync('releases/20261102T000000000Z-bbbb', layout.current);
    mkdirSync(join(layout.root, '.staging', 'spare-20261102T000000000Z-bbbb'), { recursive: true });
    writeFileSync(
      layout.stateFile,
      JSON.stringify({
        release: '20261102T000000000Z-bbbb',
        previous: '20261101T000000000Z-aaaa',
        lastGoodPush: '2026-11-02T00:00:00.000Z',
        serials: { 'a.example': 2 },
        pending: { reload: ['a.example'], reconfig: false },
      }),
    );
    const push = await prepareZoneSetPush(layout.root, settings, undefined);
    try {
      expect(push.recovered).toEqual([
        'zonegate: zone set test: converted from the releases/ layout of an earlier zonegate (its old releases cannot be rolled back to)',
        'zonegate: zone set test: finished the reload an interrupted push left pending (a.example)',
      ]);
      expect(push.spareRebuilt).toBe(true);
      expect(readlinkSync(layout.current)).toBe('trees/a');
      expect(files(layout.current)).toEqual({ 'db.a.example': soaZone('a.example', 2) });
      expect(files(push.spareDir)).toEqual(files(layout.current));
      expect(readdirSync(layout.releases)).toEqual([]);
      expect(existsSync(join(layout.root, '.staging'))).toBe(false);
      expect(readState(layout.stateFile)).toMatchObject({ release: undefined, zones: 1, lastGoodPush: '2026-11-02T00:00:00.000Z' });
      // And the push itself goes through as usual.
      replaceLikeRsync(join(push.spareDir, 'db.a.example'), soaZone('a.example', 3));
      writeFileSync(
        layout.transferLog,
        '2026/11/23 12:00:00 [7] >f.st...... db.a.example\n2026/11/23 12:00:00 [7] sent 1 bytes  received 2 bytes  total size 3\n',
      );
      expect((await completeZoneSetPush(push)).record).toMatchObject({ outcome: 'promoted', changed: ['a.example'] });
    } finally {
      push.finish();
    }
    expect(files(layout.current)).toEqual({ 'db.a.example': soaZone('a.example', 3) });
    expect(listReleases(layout)).toHaveLength(1);
  });
});
