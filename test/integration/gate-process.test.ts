// The built gate as sshd runs it, with test/fixtures/fake-rsync in place of rsync so the rebuilt
// argv, cwd and environment can be asserted exactly.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_RSYNC, GATE, makeWorld, runGateProcess } from '../helpers/gate.js';
import { lineOn } from '../lab/wait.js';

const UPLOAD = 'rsync --server -logDtpre.iLsfxCIvu . external/';

function lastRecord(world: ReturnType<typeof makeWorld>): Record<string, unknown> {
  const records = world.readLog();
  return records[records.length - 1] ?? {};
}

describe('gate process (fake rsync)', () => {
  it('rebuilds the argv with -- before . and hardening, a bare env, cwd the pinned root', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    const run = runGateProcess(world, UPLOAD, { env: { LANG: 'xx', LC_CTYPE: 'xx', RSYNC_PARTIAL_DIR: '/tmp', HOME: '/root' } });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const seen = JSON.parse(run.stdout) as { argv: string[]; cwd: string; env: Record<string, string> };
    expect(seen.argv).toEqual([
      '--server',
      '-logDtpre.iLsfxCIvu',
      `--confine-root=${world.root}`,
      '--drop-D',
      '--munge-links',
      '--chmod=ugo-s',
      '--',
      '.',
      'external/',
    ]);
    expect(seen.cwd).toBe(world.root);
    // attack: client-influenced variables (LANG/LC_* via sshd's AcceptEnv, RSYNC_*) reaching rsync; and no HOME.
    expect(
      Object.keys(seen.env)
        .filter((name) => !name.startsWith('npm_'))
        .sort(),
    ).toEqual(['LC_ALL', 'PATH']);
    const records = world.readLog();
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      event: 'decision',
      verdict: 'allow',
      key: 'ns1',
      client: '127.0.0.1',
      command: UPLOAD,
      rule: { index: 0 },
      paths: ['external'],
    });
    expect(records[1]).toMatchObject({ event: 'finished', status: 0, ref: records[0]?.['ref'] });
    expect(records[1]?.['fingerprint']).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(records[0]?.['fingerprint']).toBe(records[1]?.['fingerprint']);
  });

  it('runs rsync inside the sandbox when it is required', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'required' });
    const run = runGateProcess(world, 'rsync --server --sender -logDtpre.iLsfxCIvu . external/');
    expect(run.status).toBe(0);
    const seen = JSON.parse(run.stdout) as { argv: string[]; cwd: string };
    expect(seen.cwd).toBe('/zonegate/tree');
    expect(seen.argv).toEqual(['--server', '--sender', '-logDtpre.iLsfxCIvu', '--confine-root=/zonegate/tree', '--', '.', 'external/']);
    expect(lastRecord(world)).toMatchObject({ event: 'finished', status: 0 });
  });

  it.each([
    // attack: an interactive login to get a shell.
    ['no command', undefined, {}, 77, 'no-command'],
    // attack: running something other than rsync.
    ['another program', 'sh -c id', {}, 65, 'not-rsync'],
    // attack: shell injection after a valid rsync command.
    ['a shell metacharacter', `${UPLOAD};id`, {}, 65, 'shell-metachar'],
    // attack: a path outside the tree.
    ['a path outside the tree', 'rsync --server -logDtpre.iLsfxCIvu . /etc/', {}, 77, 'path-outside-root'],
    // attack: a 60 KB path whose prefix-by-prefix glob matching cost seconds of CPU per connection.
    ['a 60 KB path', `rsync --server -logDtpre.iLsfxCIvu . external/${'a/'.repeat(30_000)}`, {}, 77, 'path-too-long'],
    // attack: a key name that is not configured.
    ['an unknown key', UPLOAD, { key: 'nobody' }, 77, 'unknown-key'],
    // attack: a stolen key used from another address.
    ['a client outside from', UPLOAD, { client: '192.0.2.66' }, 77, 'client-not-allowed'],
  ] as const)(
    'refuses %s with one stderr line (and the status line), a log record and exit $2',
    (_name, command, extra, status, reason) => {
      const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
      const run = runGateProcess(world, command, extra);
      expect(run.status).toBe(status);
      expect(run.stdout).toBe('');
      // The closing status line lets the primary tell the refusal from a dropped link (see entry.ts).
      expect(run.stderr).toMatch(new RegExp(`^zonegate: denied: [^\\n]+ \\(ref [0-9a-f]{6}\\)\\nzonegate: exit ${String(status)}\\n$`));
      expect(world.readLog()).toEqual([expect.objectContaining({ event: 'decision', verdict: 'deny', reason })]);
    },
  );

  it('refuses an expired key with key-expired (77) even though sshd let it in, and runs nothing', () => {
    // attack: a stale authorized_keys line without expiry-time= keeps an expired key working.
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off', expiry: '20200101' });
    const run = runGateProcess(world, UPLOAD);
    expect(run.status).toBe(77);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^zonegate: denied: key ns1 expired at 20200101 /);
    expect(world.readLog()).toEqual([expect.objectContaining({ event: 'decision', verdict: 'deny', reason: 'key-expired' })]);
    // Control: the same world with a future expiry runs rsync.
    const later = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off', expiry: '20991231Z' });
    expect(runGateProcess(later, UPLOAD).status).toBe(0);
  });

  it('refuses with exit 78 when the config is invalid, and runs nothing', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC });
    writeFileSync(world.config, '{ "keys": { "ns1": 1 } }', { mode: 0o600 });
    const run = runGateProcess(world, UPLOAD);
    expect(run.status).toBe(78);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^zonegate: denied: the secondary's zonegate configuration is unusable.*(not logged|not in the audit log)/);
  });

  it('refuses with exit 77 when the audit log cannot be written, and runs nothing', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    mkdirSync(world.log);
    const run = runGateProcess(world, UPLOAD);
    expect(run.status).toBe(77);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/cannot open the audit log .*(not logged|not in the audit log)/);
  });

  it('exits 69 when rsync cannot be started', () => {
    const world = makeWorld({ rsync: join('/nonexistent', 'rsync'), sandbox: 'off' });
    const run = runGateProcess(world, UPLOAD);
    expect(run.status).toBe(69);
    expect(lastRecord(world)).toMatchObject({ verdict: 'deny', reason: 'rsync-missing' });
  });

  it('refuses with 78 when its own argv (the authorized_keys command=) is wrong', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC });
    const result = spawnSync(process.execPath, [GATE, '--config', world.config, '--keyy', 'ns1'], {
      env: { SSH_ORIGINAL_COMMAND: UPLOAD, SSH_CONNECTION: '127.0.0.1 1 127.0.0.1 22' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(78);
    expect(result.stdout).toBe('');
  });
});

describe('gate sandbox', () => {
  it('runs an rsync installed under /tmp inside the sandbox (mount order)', () => {
    const world = makeWorld({ sandbox: 'required' });
    const rsync = join(world.dir, 'rsync');
    writeFileSync(rsync, readFileSync(FAKE_RSYNC));
    chmodSync(rsync, 0o755);
    const config = readFileSync(world.config, 'utf8').replace('"/usr/bin/rsync"', JSON.stringify(rsync));
    writeFileSync(world.config, config, { mode: 0o600 });
    const run = runGateProcess(world, 'rsync --server --sender -logDtpre.iLsfxCIvu . external/');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ cwd: '/zonegate/tree' });
  });
});

/** Runs an upload through the gate with a stand-in rsync that reports which host paths it can see. */
function lookAround(sandbox: 'required' | 'off'): { seen: string; world: ReturnType<typeof makeWorld> } {
  const world = makeWorld({ sandbox });
  writeFileSync(join(world.dir, 'outside'), 'beside the tree');
  writeFileSync(join(world.root, 'external/inside'), 'in the tree');
  const looker = join(world.dir, 'looking-rsync');
  const paths = [
    join(world.dir, 'outside'),
    world.config,
    join(world.root, 'external/inside'),
    'external/inside',
    '/etc/hostname',
    '/root',
  ];
  writeFileSync(
    looker,
    [
      '#!/bin/sh',
      '[ "$1" = --help ] && { echo --confine-root --drop-D --munge-links; exit 0; }',
      ...paths.map((path) => `[ -e '${path}' ] && echo 'sees ${path}' || echo 'hides ${path}'`),
      `echo planted > '${join(world.dir, 'planted')}' 2>/dev/null`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  writeFileSync(world.config, readFileSync(world.config, 'utf8').replace('"/usr/bin/rsync"', JSON.stringify(looker)), { mode: 0o600 });
  const run = runGateProcess(world, UPLOAD);
  expect(run.status).toBe(0);
  return { seen: run.stdout, world };
}

describe('the sandbox is in force where this suite runs', () => {
  it('rsync sees its tree and nothing beside it, and cannot write beside it', () => {
    // attack: an rsync exploited through the protocol reads the gate's config or writes next to
    // the tree; in the sandbox the only host files it can reach are the tree's.
    const { seen, world } = lookAround('required');
    expect(seen.split('\n').filter(Boolean)).toEqual([
      `hides ${join(world.dir, 'outside')}`,
      `hides ${world.config}`,
      `hides ${join(world.root, 'external/inside')}`,
      'sees external/inside',
      'hides /etc/hostname',
      'hides /root',
    ]);
    expect(existsSync(join(world.dir, 'planted'))).toBe(false);
  });

  it('the same stand-in without the sandbox sees the host (so the test above can fail)', () => {
    const { seen, world } = lookAround('off');
    expect(seen).toContain(`sees ${join(world.dir, 'outside')}`);
    expect(seen).toContain(`sees ${world.config}`);
    expect(existsSync(join(world.dir, 'planted'))).toBe(true);
  });
});

describe('gate process: signals and missing SSH variables', () => {
  it('refuses when sshd did not set SSH_CONNECTION (no client address to check)', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    const result = spawnSync(process.execPath, [GATE, '--config', world.config, '--key', 'ns1'], {
      env: { SSH_ORIGINAL_COMMAND: UPLOAD },
      encoding: 'utf8',
    });
    expect(result.status).toBe(77);
    expect(world.readLog()).toEqual([expect.objectContaining({ verdict: 'deny', reason: 'client-not-allowed' })]);
  });

  it('relays SIGTERM to rsync and exits 128+15 when rsync dies of it', async () => {
    const world = makeWorld({ sandbox: 'off' });
    const marker = join(world.dir, 'got-term');
    const slow = join(world.dir, 'slow-rsync');
    // A stand-in rsync that answers the probe, then says "ready" once its TERM trap is set and
    // waits; on SIGTERM it notes it, stops its sleep (so nothing outlives the test) and dies of it.
    writeFileSync(
      slow,
      `#!/bin/sh\n[ "$1" = --help ] && { echo --confine-root --drop-D --munge-links; exit 0; }\ntrap 'echo term > ${marker}; kill $pid; trap - TERM; kill -TERM $$' TERM\nsleep 600 & pid=$!\necho ready\nwait\n`,
      { mode: 0o755 },
    );
    writeFileSync(world.config, readFileSync(world.config, 'utf8').replace('"/usr/bin/rsync"', JSON.stringify(slow)), { mode: 0o600 });
    const child = spawn(process.execPath, [GATE, '--config', world.config, '--key', 'ns1'], {
      env: { SSH_ORIGINAL_COMMAND: UPLOAD, SSH_CONNECTION: '127.0.0.1 1 127.0.0.1 22' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const exit = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        resolve(code);
      }),
    );
    // The gate hands rsync its stdout: "ready" means the trap is in place.
    await lineOn(child.stdout, /^ready$/m, 'the stand-in rsync to be ready');
    child.kill('SIGTERM');
    const status = await exit;
    expect(readFileSync(marker, 'utf8')).toBe('term\n');
    expect(status).toBe(128 + 15);
    expect(world.readLog().at(-1)).toMatchObject({ event: 'finished', status: 143 });
  });
});
