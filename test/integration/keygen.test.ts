import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPair, keyComment } from '../../src/admin/keys/keygen.js';
import { isGateError } from '../../src/shared/errors.js';
import { validatePublicKey } from '../../src/shared/public-key.js';
import { requireTool } from '../lab/tools.js';

let base: string;
beforeEach(async () => {
  requireTool('/usr/bin/ssh-keygen', 'openssh-client');
  base = await mkdtemp(join(tmpdir(), 'zonegate-keygen-'));
});
afterEach(async () => rm(base, { recursive: true, force: true }));

async function failure(promise: Promise<unknown>): Promise<{ reason: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isGateError(error)) return { reason: error.reason, message: error.message };
    throw error;
  }
  return { reason: 'no error', message: '' };
}

describe('generateKeyPair (real ssh-keygen)', () => {
  it('writes an ed25519 pair with safe modes and a zonegate comment', async () => {
    const dir = join(base, 'keys');
    const key = await generateKeyPair({ target: 'ns2', dir, force: false, host: 'ns1.example' });
    expect(key.privateKey).toBe(join(dir, 'ns2'));
    expect(key.line).toMatch(/^ssh-ed25519 \S+ zonegate:ns2@ns1\.example$/);
    expect(validatePublicKey(key.line)).toBeUndefined();
    expect(key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(key.privateKey)).mode & 0o777).toBe(0o600);
    expect((await stat(key.publicKey)).mode & 0o777).toBe(0o644);
    expect(await readFile(key.privateKey, 'utf8')).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    expect((await readdir(dir)).sort()).toEqual(['ns2', 'ns2.pub']);
  });

  it('refuses to overwrite without --force, and replaces with it', async () => {
    const first = await generateKeyPair({ target: 'ns2', dir: base, force: false });
    const refused = await failure(generateKeyPair({ target: 'ns2', dir: base, force: false }));
    expect(refused.reason).toBe('keygen-exists');
    expect(await readFile(first.publicKey, 'utf8')).toBe(`${first.line}\n`);
    const second = await generateKeyPair({ target: 'ns2', dir: base, force: true });
    expect(second.line).not.toBe(first.line);
    expect((await readdir(base)).sort()).toEqual(['ns2', 'ns2.pub']);
  });

  // Attack: a target name that escapes the key directory or smuggles text into the comment.
  it.each(['../etc/x', 'a"b', 'a\nb', '', '-rf'])('refuses target %j, writing nothing', async (target) => {
    const dir = join(base, 'keys');
    expect((await failure(generateKeyPair({ target, dir, force: false }))).reason).toBe('keygen-target');
    expect(await readdir(base)).toEqual([]);
  });

  it('names --dir when the key directory cannot be used', async () => {
    await writeFile(join(base, 'file'), '');
    const result = await failure(generateKeyPair({ target: 'ns2', dir: join(base, 'file', 'keys'), force: false }));
    expect(result.reason).toBe('keygen-dir');
    expect(result.message).toMatch(/^--dir /);
  });

  it('keeps the comment to a safe set whatever the host name is', () => {
    expect(keyComment('ns2', 'bad host"name\n')).toBe('zonegate:ns2@bad_host_name_');
  });
});
