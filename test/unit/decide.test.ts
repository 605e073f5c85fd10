// decideRequest: the one decision the gate and `zonegate check` share, on real temp trees.
import { closeSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideRequest } from '../../src/gate/decide.js';
import { oneKeyPolicy } from '../helpers/policy.js';
import { outcome } from '../helpers/outcome.js';

const UPLOAD = 'rsync --server -logDtpre.iLsfxCIvu . zones/';
const input = (command: string) => ({ keyName: 'ns1', client: '192.0.2.1', command });

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'zonegate-decide-'));
  mkdirSync(join(root, 'zones'));
  return root;
}

describe('decideRequest', () => {
  it('pins the rule root and confines in it; the caller closes the descriptor', () => {
    const root = tree();
    const policy = oneKeyPolicy([{ direction: 'upload', root, paths: ['zones/**'] }], 'decide');
    const decided = decideRequest(policy, input(UPLOAD), 'refuse');
    expect(decided).toMatchObject({ filesystem: 'checked', tree: root });
    if (decided.pinned) closeSync(decided.pinned.fd);
  });

  it('refuses a symlink escape whichever the caller', () => {
    const root = tree();
    // attack: an in-tree symlink to /etc, allowed by every lexical check.
    symlinkSync('/etc', join(root, 'zones/etc'));
    const policy = oneKeyPolicy([{ direction: 'upload', root, paths: ['zones/**'] }], 'decide');
    for (const missing of ['refuse', 'skip'] as const) {
      expect(outcome(() => decideRequest(policy, input(`${UPLOAD}etc/`), missing))).toMatchObject({ reason: 'symlink-escape' });
    }
  });

  it('a missing tree: the gate refuses, check reports the step as not run', () => {
    const root = join(tree(), 'elsewhere');
    const policy = oneKeyPolicy([{ direction: 'upload', root, paths: ['zones/**'] }], 'decide');
    expect(outcome(() => decideRequest(policy, input(UPLOAD), 'refuse'))).toMatchObject({ reason: 'root-unavailable', exitCode: 77 });
    expect(decideRequest(policy, input(UPLOAD), 'skip')).toMatchObject({ filesystem: 'not-run', pinned: undefined, tree: root });
  });

  it('a zone set never pushed has no live tree: its first upload is not refused for it', () => {
    const root = tree();
    const policy = oneKeyPolicy([{ direction: 'upload', root, paths: ['**'], zoneSet: { name: 'ext', zones: ['*.example'] } }], 'decide');
    expect(decideRequest(policy, input('rsync --server -lDtpre.iLsfxCIvu . .'), 'refuse')).toMatchObject({
      filesystem: 'not-run',
      tree: `${root}/current`,
    });
  });

  it('a lexical refusal comes first and needs no tree', () => {
    const policy = oneKeyPolicy([{ direction: 'upload', root: '/nonexistent', paths: ['zones/**'] }], 'decide');
    expect(outcome(() => decideRequest(policy, input('rsync --server . /etc/'), 'skip'))).toMatchObject({ reason: 'path-outside-root' });
  });
});
