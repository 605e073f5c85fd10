// Issue 12: what a real rsync client sends must pass, and the shapes no client produces must not.
// Each command below is the whole decision (evaluate: tokenizer, parser, rule), as the gate and
// `zonegate check` run it; the false refusals were recorded from the real client (rsync 3.5.0,
// scripts/sweep-rsync-options.ts).
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/gate/evaluate.js';
import { oneKeyPolicy } from '../helpers/policy.js';
import { outcome } from '../helpers/outcome.js';

const ROOT = '/srv/zones';
// Pushes may not delete: the rule the max-delete oddity is about.
const policy = oneKeyPolicy(
  [
    { direction: 'upload', root: ROOT, paths: ['zones/**'], delete: false },
    { direction: 'download', root: ROOT, paths: ['zones/**'] },
  ],
  'client-shapes',
);
const decide = (command: string) => outcome(() => evaluate(policy, { keyName: 'ns1', client: '192.0.2.1', command }).request);

describe('false refusals: what the real client sends is allowed', () => {
  it.each([
    // rsync -aq src/ h:zones/ (cron jobs run quiet)
    ['rsync --server -qlogDtpre.iLsfxCIvu . zones/', 'upload'],
    // rsync -aq h:zones/ dst/
    ['rsync --server --sender -qlogDtpre.iLsfxCIvu . zones/', 'download'],
    // rsync -a --info=stats2,name src/ h:zones/
    ['rsync --server -logDtpre.iLsfxCIvu --log-format=X --info=NAME,STATS2 . zones/', 'upload'],
    // rsync -a --info=name h:zones/ dst/
    ['rsync --server --sender -logDtpre.iLsfxCIvu --info=NAME . zones/', 'download'],
    // rsync -avv --info=all9 src/ h:zones/ (the client caps ALL at 4)
    ['rsync --server -vvlogDtpre.iLsfxCIvu --log-format=X --info=ALL4 . zones/', 'upload'],
    // rsync -a --info=stats3,misc2,symsafe h:zones/ dst/
    ['rsync --server --sender -logDtpre.iLsfxCIvu --info=MISC2,STATS3,SYMSAFE . zones/', 'download'],
    // rsync -a --info=nonreg0 src/ h:zones/ (level 0 silences a word)
    ['rsync --server -logDtpre.iLsfxCIvu --info=NONREG0 . zones/', 'upload'],
  ])('allows %j', (command, direction) => {
    expect(decide(command)).toMatchObject({ kind: 'ok', value: { direction } });
  });
});

describe('oddities no client produces are refused', () => {
  it.each([
    // attack: a first word that only becomes "rsync" after unescaping (a different program to a shell with aliases/functions)
    ['\\rsync --server -logDtpre.iLsfxCIvu . zones/', 'not-rsync'],
    ['r\\sync --server -logDtpre.iLsfxCIvu . zones/', 'not-rsync'],
    // attack: spacing ssh never produces from the client's words
    [' rsync --server -logDtpre.iLsfxCIvu . zones/', 'bad-spacing'],
    ['rsync  --server -logDtpre.iLsfxCIvu . zones/', 'bad-spacing'],
    ['rsync --server -logDtpre.iLsfxCIvu .  zones/', 'bad-spacing'],
    ['rsync --server -logDtpre.iLsfxCIvu . zones/ ', 'bad-spacing'],
    // attack: "--" before "." (the client ends its options with "." and never sends "--")
    ['rsync --server -logDtpre.iLsfxCIvu -- . zones/', 'double-dash'],
    ['rsync --server --sender -logDtpre.iLsfxCIvu -- . zones/', 'double-dash'],
    // attack: a delete limit on a key that may not delete (it only means something with deletes)
    ['rsync --server -logDtpre.iLsfxCIvu --max-delete=-1 . zones/', 'delete-not-allowed'],
    ['rsync --server -logDtpre.iLsfxCIvu --max-delete=5 . zones/', 'delete-not-allowed'],
    // attack: values rsync would clamp or reject: refused, never reinterpreted
    ['rsync --server -logDtprze.iLsfxCIvu --compress-level=99 . zones/', 'bad-value'],
    ['rsync --server -logDtprze.iLsfxCIvu --compress-level=12 --old-compress . zones/', 'bad-value'],
    ['rsync --server -logDtpre.iLsfxCIvu --compress-level=-131073 --compress-choice=zstd . zones/', 'bad-value'],
    ['rsync --server -logDtpre.iLsfxCIvu --compress-choice=brotli . zones/', 'bad-value'],
    ['rsync --server -logDtpre.iLsfxCIvu -B131073 . zones/', 'bad-value'],
    // attack: --list-only on a push, where it means nothing (the client only lists from a sender)
    ['rsync --server -logDtpre.iLsfxCIvu --list-only . zones/', 'option-wrong-direction'],
    // attack: flag words rsync does not have, or levels above the word's own
    ['rsync --server -logDtpre.iLsfxCIvu --info=SHELL . zones/', 'bad-value'],
    ['rsync --server -logDtpre.iLsfxCIvu --info=STATS4 . zones/', 'bad-value'],
    ['rsync --server -logDtpre.iLsfxCIvu --info=ALL5 . zones/', 'bad-value'],
    ['rsync --server -logDtpre.iLsfxCIvu --info=NAME,,STATS . zones/', 'bad-value'],
    ['rsync --server -logDtpre.iLsfxCIvu --info= . zones/', 'bad-value'],
    ['rsync --server -logDtpre.iLsfxCIvu --debug=NOSUCH . zones/', 'bad-value'],
    // --debug is well-formed here but never sent by the client: refused by policy
    ['rsync --server -logDtpre.iLsfxCIvu --debug=FILTER3 . zones/', 'option-refused'],
  ])('refuses %j as %s', (command, reason) => {
    expect(decide(command)).toMatchObject({ kind: 'refused', reason });
  });

  it.each([
    // The boundaries of the same values, as the client sends them: accepted.
    ['rsync --server -logDtprze.iLsfxCIvu --compress-level=9 --old-compress . zones/'],
    ['rsync --server -logDtpre.iLsfxCIvu --compress-level=22 --compress-choice=zstd . zones/'],
    ['rsync --server -logDtpre.iLsfxCIvu --compress-level=-131072 --compress-choice=zstd . zones/'],
    ['rsync --server -logDtpre.iLsfxCIvu -B131072 . zones/'],
    ['rsync --server --sender -logDtpre.iLsfxCIvu --list-only . zones/'],
  ])('allows the boundary %j', (command) => {
    expect(decide(command).kind).toBe('ok');
  });

  it('allows --max-delete where deletes are allowed', () => {
    const deleting = oneKeyPolicy([{ direction: 'upload', root: ROOT, paths: ['zones/**'], delete: true }], 'client-shapes');
    for (const value of ['-1', '0', '5', '2147483647']) {
      const command = `rsync --server -logDtpre.iLsfxCIvu --max-delete=${value} --delete . zones/`;
      expect(outcome(() => evaluate(deleting, { keyName: 'ns1', client: '192.0.2.1', command })).kind).toBe('ok');
    }
    const tooMany = 'rsync --server -logDtpre.iLsfxCIvu --max-delete=2147483648 --delete . zones/';
    expect(outcome(() => evaluate(deleting, { keyName: 'ns1', client: '192.0.2.1', command: tooMany }))).toMatchObject({
      reason: 'bad-value',
    });
  });
});
