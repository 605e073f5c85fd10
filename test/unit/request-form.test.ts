// The gate's request forms besides plain rsync: `zonegate-hello` (doctor --connect) and the
// `zonegate-dry-run` prefix (push --dry-run), and what a dry run needs from the rule that allows it.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/gate/evaluate.js';
import { renderHelloReply } from '../../src/gate/hello.js';
import { requestForm } from '../../src/gate/request-form.js';
import { parseHelloReply } from '../../src/admin/doctor/hello-reply.js';
import { oneKeyPolicy } from '../helpers/policy.js';
import { outcome } from '../helpers/outcome.js';

const policy = oneKeyPolicy(
  [
    { direction: 'upload', root: '/srv/dns', paths: ['**'], zoneSet: { zones: ['*.example'] } },
    { direction: 'upload', root: '/srv/plain', paths: ['**'] },
    { direction: 'download', root: '/srv/backup', paths: ['**'] },
  ],
  'request-form',
);
const decide = (command: string) => outcome(() => evaluate(policy, { keyName: 'ns1', client: '192.0.2.1', command }));

describe('requestForm', () => {
  it.each([
    ['zonegate-hello', { kind: 'hello' }],
    ['zonegate-hello ', { kind: 'rsync', dryRun: false }],
    ['zonegate-hello 1', { kind: 'rsync', dryRun: false }],
    ['ZONEGATE-HELLO', { kind: 'rsync', dryRun: false }],
    ['zonegate-dry-run rsync --server . x', { kind: 'rsync', dryRun: true, command: 'rsync --server . x' }],
    ['zonegate-dry-run  rsync --server . x', { kind: 'rsync', dryRun: true, command: ' rsync --server . x' }],
    ['zonegate-dry-runrsync', { kind: 'rsync', dryRun: false }],
  ])('%j', (command, expected) => {
    expect(requestForm(command)).toMatchObject(expected);
  });
});

describe('a dry run is decided by the rule that allows the upload', () => {
  it.each([
    // A zone set receives the zones into its spare: the data must come.
    ['zonegate-dry-run rsync --server -ltre.iLsfxCIvu . /srv/dns/', { kind: 'ok' }],
    ['zonegate-dry-run rsync --server -nltre.iLsfxCIvu . /srv/dns/', { kind: 'refused', reason: 'dry-run-unfit', exitCode: 77 }],
    // attack: the dry-run word on a plain upload without -n, hoping to be logged as harmless while rsync writes.
    ['zonegate-dry-run rsync --server -logDtpre.iLsfxCIvu . /srv/plain/', { kind: 'refused', reason: 'dry-run-unfit', exitCode: 77 }],
    ['zonegate-dry-run rsync --server -nlogDtpre.iLsfxCIvu . /srv/plain/', { kind: 'ok' }],
    ['zonegate-dry-run rsync --server --sender -nlogDtpre.iLsfxCIvu . /srv/backup/', { kind: 'refused', reason: 'dry-run-unfit' }],
    // attack: a dry run where no rule allows the upload is refused as the upload would be.
    ['zonegate-dry-run rsync --server -nlogDtpre.iLsfxCIvu . /etc/', { kind: 'refused', exitCode: 77 }],
    // The prefix is exact, and what follows it passes the tokenizer like any command.
    ['zonegate-dry-run  rsync --server -nlogDtpre.iLsfxCIvu . /srv/plain/', { kind: 'refused', reason: 'bad-spacing' }],
    ['zonegate-dry-run rsync --server -n . /srv/plain/;id', { kind: 'refused', reason: 'shell-metachar' }],
    ['zonegate-dry-run zonegate-dry-run rsync --server -n . /srv/plain/', { kind: 'refused', reason: 'not-rsync' }],
    // The hello is answered before any decision, never as an rsync request.
    ['zonegate-hello', { kind: 'refused', reason: 'hello-request' }],
  ])('%j', (command, expected) => {
    expect(decide(command)).toMatchObject(expected);
  });

  it('marks the evaluation as a dry run', () => {
    const decided = decide('zonegate-dry-run rsync --server -ltre.iLsfxCIvu . /srv/dns/');
    expect(decided.kind === 'ok' && decided.value.dryRun).toBe(true);
  });
});

describe('the hello reply', () => {
  it('round-trips what the gate writes', () => {
    const key = policy.keys.get('ns1');
    if (!key) throw new Error('no key');
    const text = renderHelloReply({ key, fingerprint: 'SHA256:abc', client: '192.0.2.1', ref: 'a1b2c3' }, '1.2.3');
    expect(parseHelloReply(text)).toMatchObject({
      kind: 'ok',
      reply: { gate: '1.2.3', key: 'ns1', client: '192.0.2.1', ref: 'a1b2c3', fingerprint: 'SHA256:abc' },
    });
    const parsed = parseHelloReply(text);
    expect(parsed.kind === 'ok' && parsed.reply.rules.map((rule) => [rule.root, rule.zoneSet?.name])).toEqual([
      ['/srv/dns', 'dns'],
      ['/srv/plain', undefined],
      ['/srv/backup', undefined],
    ]);
  });
});
