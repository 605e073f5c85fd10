import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confineToRealTree, pinRoot, resolveInside } from '../../src/gate/confine.js';
import type { Decision } from '../../src/gate/rules.js';
import { outcome } from '../helpers/outcome.js';

// Real temp trees with real symlinks: root/{external,internal}, a secret outside the root.
function makeTree(): { base: string; root: string } {
  const base = mkdtempSync(join(tmpdir(), 'zonegate-confine-'));
  const root = join(base, 'root');
  mkdirSync(join(root, 'external/sub'), { recursive: true });
  mkdirSync(join(root, 'internal'), { recursive: true });
  mkdirSync(join(base, 'secret'));
  writeFileSync(join(base, 'secret/key'), 'secret');
  symlinkSync('../../secret', join(root, 'external/out'));
  symlinkSync('../internal', join(root, 'external/to-internal'));
  symlinkSync('sub', join(root, 'external/to-sub'));
  symlinkSync('/etc', join(root, 'external/abs'));
  return { base, root };
}

function decision(relative: string[]): Decision {
  return {
    rule: { direction: 'upload', root: '/unused', paths: ['external/**'], delete: false },
    ruleIndex: 0,
    paths: relative.map((path) => ({ relative: path, operand: path })),
  };
}

describe('confineToRealTree', () => {
  const { root } = makeTree();
  const pinned = pinRoot(root);

  it.each([['external'], ['external/sub'], ['external/to-sub'], ['external/new/deeper'], ['external/sub/new-file']])(
    'allows %s',
    (path) => {
      expect(
        outcome(() => {
          confineToRealTree(pinned, decision([path]));
        }).kind,
      ).toBe('ok');
    },
  );

  it.each([
    // attack: a symlink inside the tree that points outside the root (relative and absolute).
    ['external/out'],
    ['external/out/key'],
    ['external/abs/passwd'],
    // attack: a symlink from an allowed tree into a tree the rule does not allow.
    ['external/to-internal'],
    ['external/to-internal/new'],
  ])('refuses %s as symlink-escape', (path) => {
    expect(
      outcome(() => {
        confineToRealTree(pinned, decision([path]));
      }),
    ).toMatchObject({ kind: 'refused', reason: 'symlink-escape', exitCode: 77 });
  });

  it('checks extra (option) paths too', () => {
    expect(
      outcome(() => {
        confineToRealTree(pinned, decision(['external']), ['external/out/x']);
      }),
    ).toMatchObject({ reason: 'symlink-escape' });
  });
});

describe('pinRoot', () => {
  it('keeps naming the same directory after the root is renamed', () => {
    const { base, root } = makeTree();
    const pinned = pinRoot(root);
    // attack: swap the root for another directory between the check and the transfer.
    renameSync(root, join(base, 'moved'));
    mkdirSync(root);
    expect(resolveInside(pinned, 'external/sub')).toBeUndefined();
    expect(
      outcome(() => {
        confineToRealTree(pinned, decision(['external/sub']));
      }),
    ).toMatchObject({ reason: 'symlink-escape' });
  });

  it('refuses a missing root and a root that is a file', () => {
    const { base } = makeTree();
    expect(outcome(() => pinRoot(join(base, 'nope')))).toMatchObject({ reason: 'root-unavailable', exitCode: 77 });
    expect(outcome(() => pinRoot(join(base, 'secret/key')))).toMatchObject({ reason: 'root-unavailable' });
  });

  it('pins the real directory when the configured root is a symlink', () => {
    const { base, root } = makeTree();
    symlinkSync(root, join(base, 'link-root'));
    expect(pinRoot(join(base, 'link-root')).realRoot).toBe(root);
  });
});
