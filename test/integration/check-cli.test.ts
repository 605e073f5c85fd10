// `zonegate check`: the gate's decision code, run without running anything.
import { renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { FAKE_RSYNC, makeWorld, runGateProcess } from '../helpers/gate.js';

const UPLOAD = 'rsync --server -logDtpre.iLsfxCIvu . external/';

describe('zonegate check', () => {
  const world = makeWorld();

  it('prints allow, the rule and the argv it would run; exit 0', async () => {
    const run = await zonegate(['check', '--config', world.config, '--key', 'ns1', '--client', '127.0.0.1', '--', UPLOAD]);
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('allow');
    expect(lines[1]).toBe(`rule: keys.ns1.rules[0] (upload under ${world.root}, deletes allowed)`);
    expect(run.stdout).toContain('would run: "rsync" "--server" "-logDtpre.iLsfxCIvu" "--" "." "external/"');
  });

  it('names the zone set and the zones it may hold, and shows the limits the gate adds', async () => {
    const zoneWorld = makeWorld({
      rules: [
        {
          direction: 'upload',
          root: '/srv/ext',
          paths: ['**'],
          delete: true,
          zoneSet: { name: 'ext', zones: ['example.com', '*.example.net'] },
        },
      ],
    });
    const run = await zonegate([
      'check',
      '--config',
      zoneWorld.config,
      '--key',
      'ns1',
      '--',
      // A zone set takes no -o/-g (owners come from the zone set): the client pushes with -rlpt.
      'rsync --server -lDtpre.iLsfxCIvu . /srv/ext/',
    ]);
    // Allowed as far as check can tell; /srv/ext is not on this host, so the filesystem step did not run.
    expect(run.exitCode).toBe(3);
    expect(run.stdout).toContain('zone set: ext, may hold: example.com *.example.net\nserved by: bind\n');
    expect(run.stdout).toContain('"--max-size=67108864" "--info=skip1" "--timeout=60" "--"');
  });

  it.each([
    [
      'a path outside the tree',
      ['--client', '127.0.0.1', '--', 'rsync --server . /etc/'],
      'deny: path is outside the allowed tree: "/etc/"',
      'path-outside-root',
    ],
    [
      'a client outside from',
      ['--client', '192.0.2.9', '--', UPLOAD],
      'deny: client address 192.0.2.9 is not allowed for key ns1',
      'client-not-allowed',
    ],
    ['shell injection', ['--', `${UPLOAD};id`], 'deny: unescaped shell character ";" in command', 'shell-metachar'],
    ['no command', [], 'deny: interactive logins are refused: this key may only run rsync', 'no-command'],
  ])('explains %s as deny: <reason>; exit 1', async (_name, args, first, reason) => {
    const run = await zonegate(['check', '--config', world.config, '--key', 'ns1', ...args]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout.split('\n')[0]).toBe(first);
    const json = await zonegate(['check', '--config', world.config, '--key', 'ns1', '--json', ...args]);
    expect(json.exitCode).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ verdict: 'deny', reason });
  });

  it('exits 2 on a usage or config error', async () => {
    expect((await zonegate(['check', '--config', world.config, '--', UPLOAD])).exitCode).toBe(2);
    expect((await zonegate(['check', '--config', join(world.dir, 'missing.conf'), '--key', 'ns1', '--', UPLOAD])).exitCode).toBe(2);
    expect((await zonegate(['check', '--config', world.config, '--key', 'ns1', '--bogus', '--', UPLOAD])).exitCode).toBe(2);
  });

  it('--batch answers one JSON line per request; exit 2 when a line is bad', async () => {
    const input = [
      JSON.stringify({ key: 'ns1', client: '127.0.0.1', command: UPLOAD }),
      JSON.stringify({ key: 'ns1', client: '127.0.0.1', command: 'rsync --server . /etc' }),
      JSON.stringify({ key: 'ghost', command: UPLOAD }),
    ].join('\n');
    const run = await zonegate(['check', '--config', world.config, '--batch'], { input });
    expect(run.exitCode).toBe(0);
    const answers = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(answers.map((answer) => answer['verdict'])).toEqual(['allow', 'deny', 'deny']);
    expect(answers[2]).toMatchObject({ reason: 'unknown-key' });
    const bad = await zonegate(['check', '--config', world.config, '--batch'], { input: `${input}\nnot json\n` });
    expect(bad.exitCode).toBe(2);
    expect(bad.stdout.trim().split('\n').at(-1)).toBe(JSON.stringify({ line: 4, error: 'not a JSON object' }));
  });

  it('--replay re-decides a real gate log against an edited config and lists what would change', async () => {
    const replayWorld = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    expect(runGateProcess(replayWorld, UPLOAD).status).toBe(0);
    expect(runGateProcess(replayWorld, 'rsync --server -logDtpre.iLsfxCIvu . internal/').status).toBe(77);
    const same = await zonegate(['check', '--config', replayWorld.config, '--replay', replayWorld.log]);
    expect(same.stdout).toContain('2 requests replayed, 0 would change');
    expect(same.exitCode).toBe(0);
    // The edit under test: the upload rule moves from external/** to internal/**.
    const edited = join(replayWorld.dir, 'edited.conf');
    const config = (await import('node:fs')).readFileSync(replayWorld.config, 'utf8').replace('"external/**"', '"internal/**"');
    writeFileSync(edited, config, { mode: 0o600 });
    const changed = await zonegate(['check', '--config', edited, '--replay', replayWorld.log]);
    expect(changed.exitCode).toBe(1);
    expect(changed.stdout).toMatch(
      /key ns1 from 127\.0\.0\.1: allow -> deny \(path-not-allowed\): "rsync --server -logDtpre\.iLsfxCIvu \. external\/"/,
    );
    expect(changed.stdout).toMatch(/deny \(path-not-allowed\) -> allow: .*internal\//);
    expect(changed.stdout).toContain('2 requests replayed, 2 would change');
  });

  it('resolves symlinks in the tree as the gate does: an escaping symlink is a deny; exit 1', async () => {
    const linked = makeWorld();
    // attack: an in-tree symlink pointing at /etc, which the lexical checks alone would allow.
    symlinkSync('/etc', `${linked.root}/external/etc`);
    const run = await zonegate(['check', '--config', linked.config, '--key', 'ns1', '--json', '--', 'rsync --server . external/etc/']);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ verdict: 'deny', reason: 'symlink-escape' });
  });

  it('says the filesystem step was not run when the tree is not on this host; exit 3', async () => {
    const remote = makeWorld();
    renameSync(remote.root, `${remote.root}.elsewhere`);
    const text = await zonegate(['check', '--config', remote.config, '--key', 'ns1', '--client', '127.0.0.1', '--', UPLOAD]);
    expect(text.exitCode).toBe(3);
    expect(text.stdout.split('\n')[0]).toBe('allow');
    expect(text.stdout).toContain(`filesystem: NOT RUN: ${remote.root} does not exist on this host`);
    const json = await zonegate(['check', '--config', remote.config, '--key', 'ns1', '--json', '--', UPLOAD]);
    expect(json.exitCode).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ verdict: 'allow', filesystem: 'not-run', tree: remote.root });
    // A lexical refusal needs no tree: still a plain deny.
    const denied = await zonegate(['check', '--config', remote.config, '--key', 'ns1', '--', 'rsync --server . /etc/']);
    expect(denied.exitCode).toBe(1);
  });

  it('prints where it checked the filesystem when the tree is here', async () => {
    const run = await zonegate(['check', '--config', world.config, '--key', 'ns1', '--', UPLOAD]);
    expect(run.stdout).toContain(`filesystem: checked in ${world.root} (symlinks resolved as the gate resolves them)`);
  });
});
