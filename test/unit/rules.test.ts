import { describe, expect, it } from 'vitest';
import type { RsyncRequest } from '../../src/gate/rsync-args.js';
import { decide, isInTrees, relativeToRoot } from '../../src/gate/rules.js';
import type { KeyPolicy } from '../../src/shared/policy/types.js';
import { fakeEd25519PublicKey } from '../lab/keys.js';
import { outcome } from '../helpers/outcome.js';

const key: KeyPolicy = {
  name: 'ns1',
  publicKey: fakeEd25519PublicKey(),
  from: ['192.0.2.1'],
  rules: [
    { direction: 'upload', root: '/srv/zones', paths: ['external/**', 'internal/**'], delete: false },
    { direction: 'download', root: '/srv/zones', paths: ['external/**'], delete: false },
    { direction: 'upload', root: '/srv/slaves', paths: ['**'], delete: true },
  ],
};

function request(direction: 'upload' | 'download', paths: string[], deletes = false): RsyncRequest {
  return { direction, shortFlags: 'logDtpr', capabilities: '.iLsfxCIvu', longOptions: [], paths, deletes, pathOptions: [] };
}

describe('decide', () => {
  it.each([
    ['upload', ['external/'], false, 0, ['external']],
    ['upload', ['/srv/zones/internal/db.example'], false, 0, ['internal/db.example']],
    ['upload', ['external/./sub/'], false, 0, ['external/sub']],
    ['download', ['external/'], false, 1, ['external']],
    ['upload', ['/srv/slaves/'], true, 2, ['']],
    ['upload', ['anything/deep'], true, 2, ['anything/deep']],
  ] as const)('allows %s %j (deletes %s) by rule %i', (direction, paths, deletes, ruleIndex, relative) => {
    const decision = decide(request(direction, [...paths], deletes), key);
    expect(decision.ruleIndex).toBe(ruleIndex);
    expect(decision.paths.map((path) => path.relative)).toEqual(relative);
  });

  it.each([
    // attack: climbing out of the tree with ..
    ['upload', ['external/../../etc'], false, 'path-dotdot'],
    ['upload', ['../etc'], false, 'path-dotdot'],
    // attack: an absolute path outside every root.
    ['upload', ['/etc/'], false, 'path-outside-root'],
    // attack: a sibling directory that shares the root's prefix.
    ['upload', ['/srv/zonesevil/x'], false, 'path-outside-root'],
    // attack: writing into the root itself, or a tree the rule does not name.
    ['upload', ['/srv/zones'], false, 'path-not-allowed'],
    ['upload', ['/srv/zones/other/'], false, 'path-not-allowed'],
    // attack: a pattern prefix that is not a path prefix.
    ['upload', ['/srv/zones/externalx/'], false, 'path-not-allowed'],
    // attack: downloading a tree only uploads may touch.
    ['download', ['internal/'], false, 'path-not-allowed'],
    // attack: downloads with --remove-source-files delete on the secondary.
    ['download', ['external/'], true, 'delete-not-allowed'],
    // attack: one good path and one bad path in the same pull.
    ['download', ['external/a', 'internal/b'], false, 'path-not-allowed'],
    ['download', ['/srv/slaves/x'], false, 'path-outside-root'],
  ] as const)('refuses %s %j (deletes %s): %s', (direction, paths, deletes, reason) => {
    expect(outcome(() => decide(request(direction, [...paths], deletes), key))).toMatchObject({ kind: 'refused', reason, exitCode: 77 });
  });

  it('resolves a relative path against the first rule whose root and trees allow it', () => {
    // Rule 0 (/srv/zones, external/** and internal/**) does not allow "other/"; rule 2 (/srv/slaves, **) does.
    expect(decide(request('upload', ['other/'], false), key)).toMatchObject({
      ruleIndex: 2,
      paths: [{ relative: 'other', operand: 'other/' }],
    });
    const zonesOnly: KeyPolicy = { ...key, rules: [key.rules[0]!] };
    expect(outcome(() => decide(request('upload', ['.']), zonesOnly))).toMatchObject({ reason: 'path-not-allowed' });
    expect(outcome(() => decide(request('upload', ['externalx/']), zonesOnly))).toMatchObject({ reason: 'path-not-allowed' });
  });

  it('refuses a direction no rule has', () => {
    const uploadOnly: KeyPolicy = { ...key, rules: [key.rules[0]!] };
    expect(outcome(() => decide(request('download', ['external/']), uploadOnly))).toMatchObject({ reason: 'wrong-direction' });
  });
});

describe('relativeToRoot', () => {
  it.each([
    ['/srv/zones', { segments: [], operand: '.' }],
    ['/srv/zones/', { segments: [], operand: '.' }],
    ['/srv/zones//a//b/', { segments: ['a', 'b'], operand: 'a//b/' }],
    ['a/b/', { segments: ['a', 'b'], operand: 'a/b/' }],
    ['/srv/zones2', 'outside-root'],
    ['a/..', 'dotdot'],
  ])('%s', (path, expected) => {
    expect(relativeToRoot(path, '/srv/zones')).toEqual(expected);
  });
});

describe('isInTrees', () => {
  it.each([
    ['external', ['external/**'], true],
    ['external/a/b', ['external/**'], true],
    ['external/.hidden', ['external/*'], true],
    ['', ['external/**'], false],
    ['', ['.'], true],
    ['x', ['**'], true],
    ['views/ext/a', ['views/*'], true],
    ['views', ['views/*'], false],
  ])('%s in %j -> %s', (relative, patterns, expected) => {
    expect(isInTrees(relative, patterns)).toBe(expected);
  });
});
