// The fast end-to-end suite: the real rsync client and server, through the built gate, with
// test/fixtures/fake-ssh standing in for ssh/sshd (the real-sshd suite is gate-sshd.test.ts).
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, requireProgram, rsyncThroughGate, type GateWorld } from '../helpers/gate.js';

function sourceTree(): string {
  const source = mkdtempSync(join(tmpdir(), 'zonegate-src-'));
  writeFileSync(join(source, 'db.example.com'), '$ORIGIN example.com.\n@ SOA ns1 host 1 2 3 4 5\n');
  writeFileSync(join(source, 'db.ex ample é'), 'zone with a space and unicode\n');
  mkdirSync(join(source, 'sub'));
  writeFileSync(join(source, 'sub/db.10.in-addr.arpa'), Buffer.from([0, 1, 2, 255, 10]));
  return source;
}

/** Every file under a directory, relative path -> contents, for byte-for-byte comparisons. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string): void => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isSymbolicLink()) out[rel] = `-> ${readlinkSync(join(dir, rel))}`;
      else out[rel] = readFileSync(join(dir, rel)).toString('base64');
    }
  };
  walk('');
  return out;
}

describe.each(['off', 'required'] as const)('real rsync through the gate (sandbox %s)', (sandbox) => {
  let world: GateWorld;
  beforeAll(() => {
    requireProgram('rsync', 'rsync');
    requireProgram('bwrap', 'bubblewrap');
  });

  it('serves the options cron jobs and operators use: -q, --info=stats2,name, -i (issue 12)', () => {
    const quiet = makeWorld({ sandbox });
    const source = sourceTree();
    const push = rsyncThroughGate(quiet, ['-aq', '--info=stats2,name', `${source}/`, 'secondary:external/']);
    expect(push.stderr).toBe('');
    expect(push.status).toBe(0);
    expect(snapshot(join(quiet.root, 'external'))).toEqual(snapshot(source));
    const back = mkdtempSync(join(tmpdir(), 'zonegate-back-'));
    const pull = rsyncThroughGate(quiet, ['-ai', '--info=stats3,misc2', 'secondary:external/', `${back}/`]);
    expect(pull.stderr).toBe('');
    expect(pull.status).toBe(0);
    expect(snapshot(back)).toEqual(snapshot(source));
  });

  it('pushes a tree that arrives byte-identical, and pulls it back identical', () => {
    world = makeWorld({ sandbox });
    const source = sourceTree();
    const push = rsyncThroughGate(world, ['-a', '--delete', `${source}/`, 'secondary:external/']);
    expect(push.stderr).toBe('');
    expect(push.status).toBe(0);
    expect(snapshot(join(world.root, 'external'))).toEqual(snapshot(source));
    const back = mkdtempSync(join(tmpdir(), 'zonegate-back-'));
    const pull = rsyncThroughGate(world, ['-a', 'secondary:external/', `${back}/`]);
    expect(pull.status).toBe(0);
    expect(snapshot(back)).toEqual(snapshot(source));
    expect(world.readLog().filter((record) => record['event'] === 'finished')).toHaveLength(2);
  });

  it.each([
    // attack: writing outside the allowed tree (another tree under the same root).
    [['SRC/', 'secondary:internal/'], 'path is outside the allowed tree'],
    // attack: climbing out with ..
    [['SRC/', 'secondary:external/../../'], 'paths with ".." are refused'],
    // attack: an absolute path elsewhere on the secondary.
    [['SRC/', 'secondary:/etc/'], 'path is outside the allowed tree'],
    // attack: an rsync option that runs a program on the server.
    [['--rsync-path=touch /tmp/pwned; rsync', 'SRC/', 'secondary:external/'], ''],
  ])('refuses %j, leaves the trees untouched and tells the client one line', (args, text) => {
    world = makeWorld({ sandbox });
    writeFileSync(join(world.root, 'internal/keep'), 'keep');
    const before = snapshot(world.root);
    const source = sourceTree();
    const run = rsyncThroughGate(
      world,
      args.map((arg) => arg.replace('SRC', source)),
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^zonegate: denied: .*\(ref [0-9a-f]{6}\)$/m);
    if (text !== '') expect(run.stderr).toContain(text);
    expect(snapshot(world.root)).toEqual(before);
    expect(world.readLog()).toEqual([expect.objectContaining({ verdict: 'deny' })]);
  });

  it('a symlink pushed in one transfer cannot be used to escape in the next', () => {
    world = makeWorld({ sandbox });
    const source = mkdtempSync(join(tmpdir(), 'zonegate-src-'));
    // attack, step 1: push a symlink that points at /etc.
    symlinkSync('/etc', join(source, 'evil'));
    const push = rsyncThroughGate(world, ['-a', `${source}/`, 'secondary:external/']);
    expect(push.status).toBe(0);
    // The receiver stored it munged, so it no longer points at /etc.
    expect(lstatSync(join(world.root, 'external/evil')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(world.root, 'external/evil'))).not.toBe('/etc');
    // attack, step 2: pull /etc/passwd through it, and push a file through it.
    const back = mkdtempSync(join(tmpdir(), 'zonegate-back-'));
    const pull = rsyncThroughGate(world, ['-a', 'secondary:external/evil/passwd', `${back}/`]);
    expect(pull.status).not.toBe(0);
    expect(readdirSync(back)).toEqual([]);
    // A name of its own, so a file left by some earlier run cannot hide (or fake) an escape.
    const name = `zonegate-payload-${randomBytes(6).toString('hex')}`;
    const file = join(source, name);
    writeFileSync(file, 'x');
    const through = rsyncThroughGate(world, [file, 'secondary:external/evil/']);
    expect(through.status).not.toBe(0);
    // The suite runs as root: an escape would have written /etc/<name>.
    expect(existsSync(join('/etc', name))).toBe(false);
    expect(readlinkSync(join(world.root, 'external/evil'))).not.toBe('/etc');
  });

  it('refuses to follow a symlink planted in the tree that points outside it', () => {
    world = makeWorld({ sandbox });
    // attack: a symlink to / placed in the tree by some other means.
    symlinkSync('/', join(world.root, 'external/planted'));
    const back = mkdtempSync(join(tmpdir(), 'zonegate-back-'));
    const pull = rsyncThroughGate(world, ['-a', 'secondary:external/planted/etc/hostname', `${back}/`]);
    expect(pull.status).not.toBe(0);
    expect(pull.stderr).toContain('resolves outside the allowed tree');
    expect(readdirSync(back)).toEqual([]);
    expect(world.readLog()).toEqual([expect.objectContaining({ verdict: 'deny', reason: 'symlink-escape' })]);
  });
});

describe('real rsync through the gate: file modes', () => {
  it('strips setuid and setgid bits from pushed files', () => {
    const world = makeWorld({ sandbox: 'required' });
    const source = mkdtempSync(join(tmpdir(), 'zonegate-src-'));
    // attack: as root with -p, push a setuid-root binary into the secondary's tree.
    copyFileSync('/bin/true', join(source, 'suid'));
    chmodSync(join(source, 'suid'), 0o6755);
    const push = rsyncThroughGate(world, ['-a', `${source}/`, 'secondary:external/']);
    expect(push.status).toBe(0);
    expect(statSync(join(world.root, 'external/suid')).mode & 0o7777).toBe(0o755);
  });
});
