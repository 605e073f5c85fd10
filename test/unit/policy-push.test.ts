// The config's `push` section and the push-related target settings: defaults, and refusals that
// name file:line:col and the JSON path.

import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/shared/policy/load.js';
import { PUSH_DEFAULTS } from '../../src/shared/policy/defaults.js';
import { outcome } from '../helpers/outcome.js';

const target = (extra: Record<string, unknown>): string =>
  JSON.stringify(
    {
      targets: { ns2: { host: 'ns2', user: 'zonegate', identity: '/k/id', knownHosts: '/k/kh', source: '/z', destination: '.', ...extra } },
    },
    null,
    1,
  );

describe('push settings', () => {
  it('fills defaults', () => {
    const policy = parsePolicy(target({}), 'c.conf');
    expect(policy.push).toEqual(PUSH_DEFAULTS);
    expect(policy.targets.get('ns2')).toMatchObject({ zoneFile: undefined, rsyncOptions: [], timeoutSeconds: 300, retries: 2 });
  });

  it.each([
    [
      '{"push": {"stateDir": "/s", "concurrency": 8, "backoffSeconds": [1, 2], "hook": ["/usr/local/bin/alert", "x"], "pingUrl": "https://hc-ping.com/abc", "mailTo": "hostmaster@example.net"}}',
      {
        stateDir: '/s',
        concurrency: 8,
        backoffSeconds: [1, 2],
        hook: ['/usr/local/bin/alert', 'x'],
        pingUrl: 'https://hc-ping.com/abc',
        mailTo: 'hostmaster@example.net',
      },
    ],
    ['{"push": {"checker": false}}', { checker: [] }],
    ['{"push": {"skipPatterns": []}}', { skipPatterns: [] }],
    ['{"push": {"skipPatterns": ["*~", "*.tmp", "[#]*"]}}', { skipPatterns: ['*~', '*.tmp', '[#]*'] }],
  ])('accepts %s', (text, expected) => {
    expect(parsePolicy(text, 'c.conf').push).toMatchObject(expected);
  });

  it.each([
    ['{"push": {"stateDir": "relative"}}', 'c.conf:1:11: push.stateDir: must be an absolute path'],
    ['{"push": {"concurrency": 0}}', 'c.conf:1:11: push.concurrency: must be a whole number from 1 to 64'],
    ['{"push": {"lockfile": "/x"}}', 'c.conf:1:11: push.lockfile: unknown setting'],
    ['{"push": {"pingUrl": "file:///etc/passwd"}}', 'push.pingUrl: must be an http:// or https:// URL'],
    ['{"push": {"mailTo": "a@b; rm -rf /"}}', 'push.mailTo: must be one mail address'],
    ['{"push": {"backoffSeconds": []}}', 'push.backoffSeconds: must be a non-empty list'],
    ['{"push": {"hook": ["alert"]}}', 'push.hook[0]: must be an absolute path'],
    // rsync does not expand braces, and a pattern with / is a path, not a file name.
    ['{"push": {"skipPatterns": ["*.{bak,orig}"]}}', 'c.conf:1:28: push.skipPatterns[0]: must be a file-name glob'],
    ['{"push": {"skipPatterns": ["a/*"]}}', 'push.skipPatterns[0]: must be a file-name glob'],
    ['{"push": {"skipPatterns": "*~"}}', 'push.skipPatterns: must be a list of file-name patterns'],
  ])('refuses %s', (text, message) => {
    expect(outcome(() => parsePolicy(text, 'c.conf'))).toMatchObject({ kind: 'refused', reason: 'config-invalid' });
    expect(() => parsePolicy(text, 'c.conf')).toThrow(message);
  });
});

describe('push target settings', () => {
  it('accepts allowed rsync options and a zone file pattern', () => {
    expect(
      parsePolicy(
        target({
          rsyncOptions: ['--bwlimit=500', '--checksum', '--exclude=*~', '--exclude=#*#'],
          zoneFile: 'db.{zone}',
          timeoutSeconds: 60,
          retries: 0,
        }),
        'c',
      ).targets.get('ns2'),
    ).toMatchObject({
      rsyncOptions: ['--bwlimit=500', '--checksum', '--exclude=*~', '--exclude=#*#'],
      zoneFile: 'db.{zone}',
      timeoutSeconds: 60,
      retries: 0,
    });
  });

  it.each([
    // attack: --rsh would replace the pinned ssh options (and run any program).
    [{ rsyncOptions: ['--rsh=sh -c id'] }, 'targets.ns2.rsyncOptions[0]: rsync option "--rsh=sh -c id" is not allowed'],
    // accident: --inplace writes into the live inode; the gate refuses it for zone sets anyway.
    [{ rsyncOptions: ['--inplace'] }, 'targets.ns2.rsyncOptions[0]: rsync option "--inplace" is not allowed'],
    [{ rsyncOptions: ['--bwlimit=1', '--rsync-path=/bin/sh'] }, 'targets.ns2.rsyncOptions[1]'],
    // accident: the client refuses --contimeout over ssh, so every push of the target would fail.
    [{ rsyncOptions: ['--contimeout=5'] }, 'targets.ns2.rsyncOptions[0]: rsync option "--contimeout=5" is not allowed'],
    [{ rsyncOptions: '--bwlimit=1' }, 'targets.ns2.rsyncOptions: must be a list'],
    [{ zoneFile: 'db.zone' }, 'targets.ns2.zoneFile: must be a file name with exactly one {zone} placeholder'],
    [{ zoneFile: '../{zone}' }, 'targets.ns2.zoneFile'],
    [{ timeoutSeconds: 0 }, 'targets.ns2.timeoutSeconds: must be a whole number from 1 to 86400'],
    [{ retries: 11 }, 'targets.ns2.retries: must be a whole number from 0 to 10'],
    [{ retry: 1 }, 'targets.ns2.retry: unknown setting'],
  ])('refuses %j', (extra, message) => {
    expect(() => parsePolicy(target(extra), 'c.conf')).toThrow(message);
    expect(() => parsePolicy(target(extra), 'c.conf')).toThrow(/^c\.conf:\d+:\d+: /);
  });
});
