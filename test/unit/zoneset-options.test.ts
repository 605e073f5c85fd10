// Zone-set uploads refuse the options that write into files in place, hard-link or borrow files
// from other trees, or leave files rsync's transfer log does not name (backups, a partial dir).
// Part of evaluate(), so `zonegate check` sees it too.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/gate/evaluate.js';
import { oneKeyPolicy } from '../helpers/policy.js';
import { outcome } from '../helpers/outcome.js';

const policy = oneKeyPolicy(
  [
    { direction: 'upload', root: '/srv/ext', paths: ['**'], delete: true, zoneSet: { name: 'ext', zones: ['*.example'] } },
    { direction: 'download', root: '/srv/ext', paths: ['**'], zoneSet: { name: 'ext', zones: ['*.example'] } },
    { direction: 'upload', root: '/srv/plain', paths: ['**'] },
  ],
  'zoneset-options.conf',
);

const decideOn = (command: string) => outcome(() => evaluate(policy, { keyName: 'ns1', client: '192.0.2.1', command }));

describe('zone-set option refusals', () => {
  it.each([
    // attack: --inplace writes into a zone file in place instead of a new file renamed over it.
    ['rsync --server -logDtpre.iLsfxCIvu --inplace . /srv/ext/'],
    ['rsync --server -logDtpre.iLsfxCIvu --append --append . /srv/ext/'],
    // attack: hard links (-H, or a *-dest dir, in either spelling) would tie zone files to other trees.
    ['rsync --server -HlogDtpre.iLsfxCIvu . /srv/ext/'],
    ['rsync --server -logDtpHre.iLsfxCIvu . /srv/ext/'],
    ['rsync --server -logDtpre.iLsfxCIvu --link-dest=prev . /srv/ext/'],
    ['rsync --server -logDtpre.iLsfxCIvu --link-dest prev . /srv/ext/'],
    ['rsync --server -logDtpre.iLsfxCIvu --copy-dest=prev . /srv/ext/'],
    ['rsync --server -logDtpre.iLsfxCIvu --compare-dest=prev . /srv/ext/'],
    // attack: files the transfer log never names would go live unvalidated with the next promotion.
    ['rsync --server -blogDtpre.iLsfxCIvu . /srv/ext/'],
    ['rsync --server -logDtpbre.iLsfxCIvu --suffix=.old . /srv/ext/'],
    ['rsync --server -blogDtpre.iLsfxCIvu --backup-dir=old . /srv/ext/'],
    ['rsync --server -logDtpre.iLsfxCIvu --partial-dir=.rsync-partial . /srv/ext/'],
    ['rsync --server -blogDtpre.iLsfxCIvu --backup-dir old . /srv/ext/'],
    ['rsync --server -logDtpre.iLsfxCIvu --partial-dir .rsync-partial . /srv/ext/'],
  ])('refuses %s with exit 88', (command) => {
    expect(decideOn(command)).toMatchObject({ kind: 'refused', reason: 'option-refused-zoneset', exitCode: 88 });
  });

  it.each([
    // Without -o/-g: those are refused for zone sets too (test/unit/zoneset-state.test.ts).
    ['a zone-set upload without them', 'rsync --server -lDtpre.iLsfxCIvu --delete . /srv/ext/'],
    ['a zone-set download with -H', 'rsync --server --sender -HlogDtpre.iLsfxCIvu . /srv/ext/'],
    ['a plain rule with --inplace and -H', 'rsync --server -HlogDtpre.iLsfxCIvu --inplace . /srv/plain/'],
  ])('allows %s', (_name, command) => {
    expect(decideOn(command).kind).toBe('ok');
  });
});
