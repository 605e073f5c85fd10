// What the gate trusts besides its config: the rsync-capabilities cache, the directories of its log
// and state, and the log file itself. Each case runs the built gate as sshd would (fake rsync).
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_RSYNC, makeWorld, runGateProcess, type GateWorld } from '../helpers/gate.js';

const UPLOAD = 'rsync --server -logDtpre.iLsfxCIvu . external/';
const HARDENING = ['--drop-D', '--munge-links'];

/** A cache that says the installed rsync has no hardening options, keyed to the fake rsync. */
function flippedCache(world: GateWorld, mode: number): string {
  const stat = statSync(FAKE_RSYNC);
  const id = `${FAKE_RSYNC}:${String(stat.dev)}:${String(stat.ino)}:${String(stat.size)}:${String(stat.mtimeMs)}`;
  const file = join(world.stateDir, 'rsync-capabilities.json');
  writeFileSync(file, `${JSON.stringify({ id, caps: { confineRoot: false, dropD: false, mungeLinks: false } })}\n`);
  chmodSync(file, mode);
  return file;
}

function argvOf(stdout: string): string[] {
  return (JSON.parse(stdout) as { argv: string[] }).argv;
}

describe('the capabilities cache', () => {
  it('is used when root or the running account wrote it (so the cache really decides the hardening)', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    flippedCache(world, 0o600);
    const run = runGateProcess(world, UPLOAD);
    expect(run.status).toBe(0);
    expect(argvOf(run.stdout)).not.toEqual(expect.arrayContaining(['--drop-D']));
  });

  // attack: a cache others can write, flipped to switch --confine-root, --drop-D and --munge-links off.
  it.each([
    ['group/other-writable', 0o666, /is writable by group or others/],
    ['group-writable', 0o620, /is writable by group or others/],
  ])('is ignored, re-probed and logged when %s', (_name, mode, why) => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    const cache = flippedCache(world, mode);
    const run = runGateProcess(world, UPLOAD);
    expect(run.status).toBe(0);
    expect(argvOf(run.stdout)).toEqual(expect.arrayContaining([expect.stringMatching(/^--confine-root=/), ...HARDENING]));
    const decision = world.readLog().find((record) => record['event'] === 'decision');
    expect(String(decision?.['cacheUntrusted'])).toMatch(why);
    // The probe's answer replaced the planted file, owned by us and writable by no one else.
    expect(readFileSync(cache, 'utf8')).toContain('"confineRoot":true');
    expect(statSync(cache).mode & 0o022).toBe(0);
  });

  // attack: the cache replaced by a symlink to a file the attacker controls.
  it('is not followed through a symlink', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    const cache = flippedCache(world, 0o600);
    const elsewhere = join(world.dir, 'elsewhere.json');
    renameSync(cache, elsewhere);
    symlinkSync(elsewhere, cache);
    const run = runGateProcess(world, UPLOAD);
    expect(run.status).toBe(0);
    expect(argvOf(run.stdout)).toEqual(expect.arrayContaining(HARDENING));
    expect(String(world.readLog().find((record) => record['event'] === 'decision')?.['cacheUntrusted'])).toContain('is a symlink');
  });
});

describe('log and state directories', () => {
  // attack: a state directory others can write: they plant a flipped cache.
  it('refuses a group-writable state directory (exit 78, nothing run)', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    chmodSync(world.stateDir, 0o770);
    const run = runGateProcess(world, UPLOAD);
    expect(run.status).toBe(78);
    expect(run.stdout).toBe('');
    expect(world.readLog()).toEqual([]);
  });

  // attack: the state directory is a symlink into the tree a key may write (the lexical check passes).
  it('refuses a state directory that resolves inside a rule root', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    const inside = join(world.root, 'external', 'state');
    mkdirSync(inside, { mode: 0o700 });
    const config = readFileSync(world.config, 'utf8').replace(`"stateDir": "${world.stateDir}"`, `"stateDir": "${world.dir}/state-link"`);
    symlinkSync(inside, join(world.dir, 'state-link'));
    writeFileSync(world.config, config, { mode: 0o600 });
    const run = runGateProcess(world, UPLOAD);
    expect(run.status).toBe(78);
    expect(run.stdout).toBe('');
    expect(world.readLog()).toEqual([]);
  });

  // attack: gate.log swapped for a symlink to another file, so records land where the attacker wants
  // (or nowhere: /dev/null).
  it('refuses a symlinked audit log and leaves its target untouched', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    const target = join(world.dir, 'other.txt');
    writeFileSync(target, 'unchanged\n');
    symlinkSync(target, world.log);
    const run = runGateProcess(world, UPLOAD);
    expect(run.status).toBe(77);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/not logged|not in the audit log/);
    expect(readFileSync(target, 'utf8')).toBe('unchanged\n');
  });
});
