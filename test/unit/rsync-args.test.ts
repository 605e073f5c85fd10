import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildRsyncArgv, parseRsyncServerArgs, type RsyncRequest } from '../../src/gate/rsync-args.js';
import { LONG_OPTIONS } from '../../src/gate/rsync-options.js';
import { tokenizeCommand } from '../../src/gate/tokenize.js';
import { clientShape, outcome } from '../helpers/outcome.js';

interface ClientCommand {
  client: string;
  argv: string[];
  command: string;
  direction: 'upload' | 'download';
  deletes: boolean;
  expect: string;
}

const FIXTURES: ClientCommand[] = JSON.parse(
  readFileSync(new URL('../fixtures/rsync-client-commands.json', import.meta.url), 'utf8'),
) as ClientCommand[];

const parse = (command: string): RsyncRequest => parseRsyncServerArgs(tokenizeCommand(command));

describe('commands recorded from the real rsync client (scripts/record-rsync-commands.sh)', () => {
  it('has both happy and hostile rows', () => {
    expect(FIXTURES.filter((f) => f.expect === 'ok').length).toBeGreaterThan(40);
    expect(FIXTURES.filter((f) => f.expect !== 'ok').length).toBeGreaterThan(30);
  });

  it.each(FIXTURES.map((f) => [f.client, f] as const))('%s', (_client, fixture) => {
    const result = outcome(() => parse(fixture.command));
    if (fixture.expect !== 'ok') {
      expect(result).toMatchObject({
        kind: 'refused',
        reason: fixture.expect,
      });
      return;
    }
    if (result.kind !== 'ok') throw new Error(`refused: ${result.reason}`);
    const request = result.value;
    expect(request.direction).toBe(fixture.direction);
    expect(request.deletes).toBe(fixture.deletes);
    // Round trip: the rebuilt argv, less the `--` only the gate adds, parses back to the same request.
    const argv = buildRsyncArgv(request, request.paths, []);
    expect(parseRsyncServerArgs(clientShape(argv))).toEqual(request);
    expect(argv.indexOf('--')).toBe(argv.indexOf('.') - 1);
  });
});

describe('parseRsyncServerArgs', () => {
  it('splits a typical push', () => {
    const request = parse('rsync --server -vlogDtprze.iLsfxCIvu --delete --partial-dir .rsync-partial -B2048 . zones/');
    expect(request).toEqual({
      direction: 'upload',
      shortFlags: 'vlogDtprz',
      capabilities: '.iLsfxCIvu',
      longOptions: [
        { name: 'delete', value: undefined },
        { name: 'partial-dir', value: '.rsync-partial' },
        { name: 'block-size', value: '2048' },
      ],
      paths: ['zones/'],
      deletes: true,
      pathOptions: [{ name: 'partial-dir', value: '.rsync-partial' }],
    });
  });

  it.each([
    ['rsync --server -logDtpr . zones/', undefined], // --protocol=29: no -e at all
    ['rsync --server -logDtpre. . zones/', '.'],
    ['rsync --server -logDtpre.LsfxCIvu . zones/', '.LsfxCIvu'],
    ['rsync --server -logDtpre32.1iLsfxCIvu . zones/', '32.1iLsfxCIvu'], // pre-release VER.SUB
    ['rsync --server -e.iLsfxCIvu . zones/', '.iLsfxCIvu'],
  ])('capabilities of %j', (command, capabilities) => {
    expect(parse(command).capabilities).toBe(capabilities);
  });

  it.each([
    ['rsync --server --sender -logDtpre.iLsfxCIvu . a b c', 'download', ['a', 'b', 'c']],
    ['rsync --server --timeout=30 --timeout=60 . zones/', 'upload', ['zones/']], // repeated: last wins in rsync
    ['rsync --server --append --append . zones/', 'upload', ['zones/']], // --append-verify
    ['rsync --server --partial-dir=-x . zones/', 'upload', ['zones/']], // value, not an option
    ['rsync --server --backup-dir a/b/ -b . zones/', 'upload', ['zones/']],
  ])('accepts %j', (command, direction, paths) => {
    expect(parse(command)).toMatchObject({ direction, paths });
  });

  it.each([
    // attack: run another program than rsync
    ['sh -c id', 'not-rsync'],
    ['/usr/bin/rsync --server . x', 'not-rsync'],
    ['rsync.evil --server . x', 'not-rsync'],
    // attack: a client-mode rsync on the server can connect anywhere or copy anything locally
    ['rsync /etc/shadow host:', 'not-server'],
    ['rsync --sender --server . x', 'not-server'],
    ['rsync', 'not-server'],
    // attack: --sender later on, to be read differently by us and by rsync
    ['rsync --server -logDtpr --sender . x', 'misplaced-option'],
    ['rsync --server --server . x', 'misplaced-option'],
    // attack: arguments hidden inside the protocol
    ['rsync --server -slogDtpre.iLsfxCIvu', 'option-refused'],
    ['rsync --server --protect-args . x', 'option-refused'],
    // attack: programs, daemons, files written or read outside the tree
    ['rsync --server --rsh=sh . x', 'option-refused'],
    ['rsync --server --rsync-path=/tmp/x . x', 'option-refused'],
    ['rsync --server --daemon --config=/tmp/c . x', 'option-refused'],
    ['rsync --server --log-file=/root/.ssh/authorized_keys . x', 'option-refused'],
    ['rsync --server --write-batch=/tmp/b . x', 'option-refused'],
    ['rsync --server --read-batch=/tmp/b . x', 'option-refused'],
    ['rsync --server --sender --files-from=/etc/passwd . x', 'option-refused'],
    ['rsync --server --sender --files-from=- --from0 . x', 'option-refused'],
    ['rsync --server --exclude-from=/etc/shadow . x', 'option-refused'],
    ['rsync --server --filter=.\\ /etc/shadow . x', 'option-refused'],
    ['rsync --server --debug=FILTER . x', 'option-refused'],
    ['rsync --server --info=all . x', 'bad-value'], // the client upper-cases the words
    ['rsync --server --confine-root=/ . x', 'option-refused'],
    ['rsync --server --insecure-links . x', 'option-refused'],
    ['rsync --server --copy-as=root . x', 'option-refused'],
    ['rsync --server --chmod=u+s . x', 'option-refused'],
    // attack: symlink following out of the tree, device nodes, privileged attributes
    ['rsync --server --sender -lLogDtpre.iLsfxCIvu . x', 'option-refused'],
    ['rsync --server --sender -kr . x', 'option-refused'],
    ['rsync --server -Kr . x', 'option-refused'],
    ['rsync --server -Xr . x', 'option-refused'],
    ['rsync --server --sender --copy-unsafe-links . x', 'option-refused'],
    ['rsync --server --write-devices . x', 'option-refused'],
    ['rsync --server --super . x', 'option-refused'],
    ['rsync --server -f-_/x . x', 'option-refused'],
    // attack: popt accepts unique prefixes; "--rsync-p" would be --rsync-path
    ['rsync --server --rsync-p=/tmp/x . x', 'unknown-option'],
    ['rsync --server --del=x . x', 'unexpected-value'],
    ['rsync --server --dele . x', 'unknown-option'],
    ['rsync --server --DELETE . x', 'unknown-option'],
    ['rsync --server --__proto__ . x', 'unknown-option'],
    ['rsync --server --= . x', 'unknown-option'],
    ['rsync --server -Q . x', 'unknown-option'],
    ['rsync --server -lé . x', 'unknown-option'],
    // attack: values that smuggle something (a second option, a huge number, a shell word)
    ['rsync --server --timeout=30\\ --daemon . x', 'bad-value'],
    ['rsync --server --timeout= . x', 'bad-value'],
    ['rsync --server --timeout=-1 . x', 'bad-value'],
    ['rsync --server --bwlimit=1e9 . x', 'bad-value'],
    ['rsync --server --max-alloc=0 . x', 'bad-value'], // CVE-2026-53794: 0 lifts the cap
    ['rsync --server --log-format=%f%L . x', 'bad-value'],
    ['rsync --server --suffix=/../../x -b . x', 'bad-value'],
    ['rsync --server --checksum-choice=md5\\;id . x', 'bad-value'],
    ['rsync --server -B . x', 'missing-value'],
    ['rsync --server -Bx . x', 'bad-value'],
    ['rsync --server -@ . x', 'missing-value'],
    // attack: popt would give --timeout the next word ("." here) and shift the paths
    ['rsync --server --timeout . x', 'missing-value'],
    ['rsync --server --partial-dir', 'missing-value'],
    ['rsync --server --stats=1 . x', 'unexpected-value'],
    // attack: -e with nothing after it makes popt swallow the next word as its value
    ['rsync --server -logDtpre . x', 'bad-capabilities'],
    ['rsync --server -e/bin/sh . x', 'bad-capabilities'],
    ['rsync --server -e.iLsfxCIvuZ . x', 'bad-capabilities'],
    ['rsync --server -e.ii . x', 'bad-capabilities'],
    ['rsync --server -e.i -e.i . x', 'bad-cluster'],
    // attack: a lone "-" is an operand for popt (stdin/stdout in some tools)
    ['rsync --server - . x', 'bad-cluster'],
    // attack: directories rsync resolves relative to the destination, pointed elsewhere
    ['rsync --server --partial-dir=../x . x', 'path-option-outside'],
    ['rsync --server --partial-dir /tmp . x', 'path-option-outside'],
    ['rsync --server --temp-dir a/../../x . x', 'path-option-outside'],
    ['rsync --server --link-dest=.. . x', 'path-option-outside'],
    ['rsync --server -b --backup-dir=/etc . x', 'path-option-outside'],
    ['rsync --server --compare-dest=a/.. . x', 'path-option-outside'],
    ['rsync --server --copy-dest=a//b . x', 'bad-value'],
    ['rsync --server --copy-dest=./a . x', 'bad-value'],
    ['rsync --server --partial-dir . zones/', 'bad-value'], // popt would take "." as the dir
    // attack: options the real client only sends the other way round
    ['rsync --server --sender --delete . x', 'option-wrong-direction'],
    ['rsync --server --sender --partial-dir=p . x', 'option-wrong-direction'],
    ['rsync --server --ignore-missing-args . x', 'option-wrong-direction'],
    // attack: operands before the dot, or no dot at all
    ['rsync --server zones/ . x', 'missing-dot'],
    ['rsync --server -logDtpr', 'missing-dot'],
    ['rsync --server -- zones/', 'double-dash'],
    ['rsync --server -- -- . x', 'double-dash'],
    ['rsync --server .', 'no-paths'],
    // attack: option after the path, rsync would obey it
    ['rsync --server . zones/ --log-file=/tmp/x', 'too-many-paths'],
    ['rsync --server --sender . zones/ --rsync-path=x', 'option-after-dot'],
    ['rsync --server --sender . --daemon', 'option-after-dot'],
    ['rsync --server . -', 'option-after-dot'],
    // attack: two destinations for one upload (the gate confines one)
    ['rsync --server . a b', 'too-many-paths'],
  ])('%j -> %s', (command, reason) => {
    expect(outcome(() => parse(command))).toMatchObject({
      kind: 'refused',
      reason,
    });
  });

  it('refuses an empty path', () => {
    // attack: an empty operand, which rsync would read as the current directory
    expect(outcome(() => parseRsyncServerArgs(['rsync', '--server', '.', '']))).toMatchObject({ reason: 'empty-path' });
  });

  it('uses exit 77 for understood-but-dangerous options and 65 for malformed ones', () => {
    expect(outcome(() => parse('rsync --server --daemon . x'))).toMatchObject({
      exitCode: 77,
    });
    expect(outcome(() => parse('rsync --server --partial-dir=/x . x'))).toMatchObject({ exitCode: 77 });
    expect(outcome(() => parse('rsync --server --nope . x'))).toMatchObject({
      exitCode: 65,
    });
  });

  it('names the refused option in details', () => {
    try {
      parse('rsync --server -logDtpre.iLsfxCIvu --rsync-path=x . x');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        reason: 'option-refused',
        details: { option: '--rsync-path' },
      });
    }
  });

  it('has a reason for every refused option in the table', () => {
    for (const [name, entry] of LONG_OPTIONS) {
      if (entry.kind === 'refuse') expect(entry.why, name).toBeTruthy();
      if (entry.kind === 'path') expect(entry.split, name).toBe(true);
    }
  });
});

describe('buildRsyncArgv', () => {
  const push = parse('rsync --server -vlogDtpre.iLsfxCIvu --delete --backup-dir .bak -b -B2048 . zones/');

  it('rebuilds a canonical argv with -- before . and the hardening before --', () => {
    expect(buildRsyncArgv(push, ['/srv/zones/'], ['--confine-root=/srv', '--drop-D', '--munge-links'])).toEqual([
      '--server',
      '-vlogDtprbe.iLsfxCIvu',
      '--delete',
      '--backup-dir=.bak',
      '--block-size=2048',
      '--confine-root=/srv',
      '--drop-D',
      '--munge-links',
      '--',
      '.',
      '/srv/zones/',
    ]);
  });

  it('keeps --sender for a download and omits an empty cluster', () => {
    const pull = parse('rsync --server --sender . zones/ other/');
    expect(buildRsyncArgv(pull, ['/srv/zones/', '/srv/other/'], [])).toEqual([
      '--server',
      '--sender',
      '--',
      '.',
      '/srv/zones/',
      '/srv/other/',
    ]);
  });

  it.each([
    // attack: a confined path that still looks like an option to whoever reads the argv
    [['-L'], 'option-after-dot'],
    [[''], 'empty-path'],
    [[], 'no-paths'],
    [['/a', '/b'], 'too-many-paths'],
  ])('refuses paths %j', (paths, reason) => {
    expect(outcome(() => buildRsyncArgv(push, paths, []))).toMatchObject({
      kind: 'refused',
      reason,
    });
  });

  it('throws a plain Error (a bug) for a hardening entry that is not a long option', () => {
    expect(() => buildRsyncArgv(push, ['/srv/zones/'], ['x'])).toThrow(/not a long option/);
    expect(() => buildRsyncArgv(push, ['/srv/zones/'], ['--'])).toThrow(/not a long option/);
  });
});
