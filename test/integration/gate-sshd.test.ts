// The gate behind a real OpenSSH sshd (loopback port, temp dir) with the real ssh and rsync
// clients: what an admin deploys, end to end.
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATE, makeWorld, requireProgram, type GateWorld } from '../helpers/gate.js';
import { makeKeyPair, type KeyPair } from '../lab/keys.js';
import { startSshd, type Sshd } from '../lab/sshd.js';

let sshd: Sshd;
let key: KeyPair;
let world: GateWorld;

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'zonegate-tree-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

function read(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      out[join(entry.parentPath, entry.name).slice(dir.length + 1)] = readFileSync(join(entry.parentPath, entry.name), 'utf8');
  }
  return out;
}

function rsync(args: string[]) {
  const rsh = ['ssh', ...sshd.sshOptions(key.privateKey)].join(' ');
  return execa('rsync', ['-e', rsh, ...args], { reject: false, env: { PATH: '/usr/bin:/bin' }, timeout: 30_000 });
}

const remote = (path: string): string => `${sshd.user}@127.0.0.1:${path}`;

beforeAll(async () => {
  requireProgram('rsync', 'rsync');
  sshd = await startSshd();
  key = await makeKeyPair(sshd.dir, 'primary');
  world = makeWorld({ publicKey: key.line, sandbox: 'required' });
  writeFileSync(
    sshd.authorizedKeys,
    `restrict,from="127.0.0.1",command="${process.execPath} ${GATE} --config ${world.config} --key ns1" ${key.line}\n`,
    { mode: 0o600 },
  );
});

afterAll(async () => {
  await sshd.stop();
});

describe('the gate behind a real sshd', () => {
  it('lets an allowed push and pull through, byte-identical, and logs both', async () => {
    const source = tree({
      'db.example.com': '@ SOA ns1 host 2026112301 1 2 3 4\n',
      'views/internal/db.corp': 'corp\n',
      'db.é x': 'unicode and space\n',
    });
    const push = await rsync(['-az', '--delete', `${source}/`, remote('external/')]);
    expect(push.stderr).toBe('');
    expect(push.exitCode).toBe(0);
    expect(read(join(world.root, 'external'))).toEqual(read(source));
    const back = mkdtempSync(join(tmpdir(), 'zonegate-back-'));
    const pull = await rsync(['-a', remote(`${world.root}/external/`), `${back}/`]);
    expect(pull.exitCode).toBe(0);
    expect(read(back)).toEqual(read(source));
    const finished = world.readLog().filter((record) => record['event'] === 'finished');
    expect(finished.map((record) => record['status'])).toEqual([0, 0]);
  });

  it.each([
    // attack: push into a tree the key may not write.
    [['SRC/', 'internal/'], 'path is outside the allowed tree'],
  ])('refuses %j with the one-line reason at the client and the tree untouched', async (args, text) => {
    const source = tree({ a: 'a\n' });
    const before = read(world.root);
    const run = await rsync([args[0]!.replace('SRC', source), remote(args[1]!)]);
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toMatch(/zonegate: denied: .*\(ref [0-9a-f]{6}\)/);
    if (text !== '') expect(run.stderr).toContain(text);
    expect(read(world.root)).toEqual(before);
  });

  it('treats shell characters in an escaped remote path as a literal name: nothing runs', async () => {
    // attack: shell injection through the remote path; the rsync client backslash-escapes it and the
    // gate runs no shell, so it can only ever be a (here nonexistent) directory name.
    const source = tree({ a: 'a\n' });
    const before = read(world.root);
    const run = await rsync([`${source}/`, remote('external/x;touch${IFS}/tmp/zonegate-pwned;')]);
    expect(run.exitCode).not.toBe(0);
    expect(() => readFileSync('/tmp/zonegate-pwned')).toThrow();
    expect(read(world.root)).toEqual(before);
    const record = world.readLog().find((entry) => String(entry['command']).includes('zonegate-pwned'));
    expect(record).toMatchObject({ verdict: 'allow', paths: ['external/x;touch${IFS}/tmp/zonegate-pwned;'] });
  });

  it('refuses raw shell commands, interactive logins and port forwarding', async () => {
    // attack: a command that is not rsync, sent as ssh would send any command.
    const raw = await sshd.ssh(key.privateKey, ['127.0.0.1', 'id; cat /etc/shadow']);
    expect(raw.exitCode).toBe(65);
    expect(raw.stderr).toMatch(/^zonegate: denied: /m);
    expect(raw.stdout).toBe('');
    // attack: an interactive login (no command at all).
    const login = await sshd.ssh(key.privateKey, ['-T', '127.0.0.1']);
    expect(login.exitCode).toBe(77);
    expect(login.stderr).toContain('interactive logins are refused');
    // attack: rsync --server with a trailing command substitution, escaped or not.
    const subst = await sshd.ssh(key.privateKey, ['127.0.0.1', 'rsync --server . external/$(id)']);
    expect(subst.exitCode).toBe(65);
    const denials = world
      .readLog()
      .filter((record) => record['verdict'] === 'deny')
      .map((record) => record['reason']);
    expect(denials).toEqual(expect.arrayContaining(['shell-metachar', 'no-command']));
  });

  it('refuses a pull through a symlink planted in the tree that points outside it', async () => {
    // attack: a symlink inside the allowed tree pointing at /etc, used to read the secondary's files.
    symlinkSync('/etc', join(world.root, 'external/etc-link'));
    const back = mkdtempSync(join(tmpdir(), 'zonegate-back-'));
    const pull = await rsync(['-a', remote('external/etc-link/hostname'), `${back}/`]);
    // The gate exits 77; the rsync client reports the dropped stream with its own code.
    expect(pull.exitCode).not.toBe(0);
    expect(pull.stderr).toContain('resolves outside the allowed tree');
    expect(world.readLog().at(-1)).toMatchObject({ verdict: 'deny', reason: 'symlink-escape' });
    expect(readdirSync(back)).toEqual([]);
  });

  it('refuses an expired key itself when a stale authorized_keys line lacks expiry-time=', async () => {
    // attack: a retired key whose authorized_keys line predates its expiry (no expiry-time=) keeps pushing.
    const retired = await makeKeyPair(sshd.dir, 'retired');
    const old = makeWorld({ publicKey: retired.line, sandbox: 'auto', expiry: '20200101Z' });
    const command = `${process.execPath} ${GATE} --config ${old.config} --key ns1`;
    appendFileSync(sshd.authorizedKeys, `restrict,from="127.0.0.1",command="${command}" ${retired.line}\n`);
    const source = tree({ 'db.example.com': '@ SOA ns1 host 2026112301 1 2 3 4\n' });
    const before = read(old.root);
    const rsh = ['ssh', ...sshd.sshOptions(retired.privateKey)].join(' ');
    const run = await execa('rsync', ['-e', rsh, '-a', `${source}/`, remote('external/')], {
      reject: false,
      env: { PATH: '/usr/bin:/bin' },
      timeout: 30_000,
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toMatch(/zonegate: denied: key ns1 expired at 20200101Z .*\(ref [0-9a-f]{6}\)/);
    expect(read(old.root)).toEqual(before);
    expect(old.readLog()).toEqual([expect.objectContaining({ event: 'decision', verdict: 'deny', reason: 'key-expired' })]);
  });

  it('refuses the key from an address outside from= (sshd) ', async () => {
    // attack: the stolen key used from another host; sshd's from= refuses it before the gate runs.
    const run = await execa('ssh', [...sshd.sshOptions(key.privateKey), '-b', '127.0.0.2', '127.0.0.2', 'rsync --server . external/'], {
      reject: false,
      timeout: 15_000,
    });
    expect(run.exitCode).toBe(255);
    expect(sshd.log()).toMatch(/not allowed|from=|Authentication refused|Connection closed/i);
  });
});
