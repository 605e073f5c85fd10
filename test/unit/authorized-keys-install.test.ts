import { mkdir, mkdtemp, readFile, rm, stat, writeFile, chown } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderAuthorizedKeysLines } from '../../src/admin/keys/authorized-keys-line.js';
import { BEGIN_MARKER, END_MARKER } from '../../src/admin/keys/authorized-keys-block.js';
import { checkAuthorizedKeys, installAuthorizedKeys } from '../../src/admin/keys/authorized-keys-install.js';
import { isGateError } from '../../src/shared/errors.js';
import type { KeyPolicy } from '../../src/shared/policy/types.js';
import { KEY_A, KEY_B, KEY_C } from '../fixtures/public-keys.js';

const command = { node: '/usr/bin/node', gate: '/opt/zonegate/bin/gate.cjs', config: '/etc/zonegate/zonegate.conf' };
const rules: KeyPolicy['rules'] = [{ direction: 'upload', root: '/var/lib/bind', paths: ['zones/**'], delete: false }];
const keyA: KeyPolicy = { name: 'primary1', publicKey: KEY_A, from: ['192.0.2.10'], rules };
const keyB: KeyPolicy = { name: 'primary2', publicKey: KEY_B, from: ['192.0.2.11'], rules };
const keys = [keyA, keyB];
const lines = renderAuthorizedKeysLines(keys, command);

// A file someone else maintains: comments, CRLF endings, blank lines, an old unrestricted copy of
// one of our keys, and no final newline.
const FOREIGN =
  '# admin keys\r\n' +
  `${KEY_C}\r\n` +
  '\r\n' +
  `${KEY_A.replace('k1@example', 'old-unrestricted')}\r\n` +
  'from="10.0.0.1" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFZ4ZSXh/UDPaFoBdjYzFBHF/PTQdneAVjBBG9Mb+C2+ last line without newline';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zonegate-ak-'));
  file = join(dir, 'authorized_keys');
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isGateError(error)) return error.reason;
    throw error;
  }
  return 'no error';
}

describe('installAuthorizedKeys', () => {
  it('keeps foreign bytes, puts the block first, warns about the duplicate, and is idempotent', async () => {
    await writeFile(file, FOREIGN, { mode: 0o644 });
    await chown(file, 1234, 5678);
    const first = await installAuthorizedKeys(file, lines, keys);
    const text = await readFile(file, 'utf8');
    expect(first.changed).toBe(true);
    expect(text).toBe(`${BEGIN_MARKER}\n${lines.join('\n')}\n${END_MARKER}\n${FOREIGN}`);
    // Our block now precedes the old line, so ours wins; the old line is still reported.
    expect(first.duplicates).toEqual([{ key: 'primary1', line: 8, wins: false }]);
    const info = await stat(file);
    expect([info.mode & 0o777, info.uid, info.gid]).toEqual([0o600, 1234, 5678]);

    const second = await installAuthorizedKeys(file, lines, keys);
    expect(second.changed).toBe(false);
    expect(await readFile(file, 'utf8')).toBe(text);
    expect((await stat(file)).mtimeMs).toBe(info.mtimeMs);
  });

  it('rewrites only the block in place when it exists, keeping lines before and after', async () => {
    const before = '# first\r\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFZ4ZSXh/UDPaFoBdjYzFBHF/PTQdneAVjBBG9Mb+C2+ x\r\n';
    const after = '# after\r\n# tail without newline';
    await writeFile(file, `${before}${BEGIN_MARKER}\nstale line\n${END_MARKER}\n${after}`);
    await installAuthorizedKeys(file, lines, keys);
    expect(await readFile(file, 'utf8')).toBe(`${before}${BEGIN_MARKER}\n${lines.join('\n')}\n${END_MARKER}\n${after}`);
  });

  // Attack: an old unrestricted line for our key placed before the block wins in sshd (first match),
  // so the key logs in without the forced command while --install would have said all is well.
  it('fails with the reason when a line before the block shadows it, and writes nothing', async () => {
    const shadowed = `${KEY_B}\n${BEGIN_MARKER}\n${END_MARKER}\n`;
    await writeFile(file, shadowed);
    expect(await reason(installAuthorizedKeys(file, lines, keys))).toBe('authorized-keys-shadowed');
    expect(await readFile(file, 'utf8')).toBe(shadowed);
    await expect(installAuthorizedKeys(file, lines, keys)).rejects.toThrow(
      /:1 holds the public key of keys\.primary2 before zonegate's block/,
    );
  });

  it('refuses damaged markers and leaves the file alone', async () => {
    const damaged = `${BEGIN_MARKER}\n${KEY_C}\n`;
    await writeFile(file, damaged);
    expect(await reason(installAuthorizedKeys(file, lines, keys))).toBe('authorized-keys-markers');
    expect(await readFile(file, 'utf8')).toBe(damaged);
  });

  it('refuses a missing file instead of creating one with the wrong owner', async () => {
    expect(await reason(installAuthorizedKeys(file, lines, keys))).toBe('authorized-keys-unreadable');
  });

  // Attack on the admin: a concurrent edit (a key added by hand) lost to our rename.
  it('refuses when the file changes while it works, writing nothing', async () => {
    await writeFile(file, FOREIGN);
    const edited = `${FOREIGN}\n# added meanwhile\n`;
    const result = reason(installAuthorizedKeys(file, lines, keys, { beforeRename: () => writeFile(file, edited) }));
    expect(await result).toBe('authorized-keys-changed');
    expect(await readFile(file, 'utf8')).toBe(edited);
    expect((await import('node:fs')).readdirSync(dir)).toEqual(['authorized_keys']);
  });

  it('refuses a target that is not a regular file', async () => {
    const target = join(dir, 'sub');
    await mkdir(target);
    expect(await reason(installAuthorizedKeys(target, lines, keys))).toBe('authorized-keys-unreadable');
  });
});

describe('checkAuthorizedKeys', () => {
  it('reports drift: no block, then a changed line, then none', async () => {
    await writeFile(file, FOREIGN);
    const none = await checkAuthorizedKeys(file, lines, keys);
    expect(none).toMatchObject({ ok: false, drift: { blockFound: false, missing: lines, unexpected: [] } });
    await installAuthorizedKeys(file, lines, keys);
    const edited = (await readFile(file, 'utf8')).replace('from="192.0.2.11"', 'from="0.0.0.0/0"');
    await writeFile(file, edited);
    const drift = await checkAuthorizedKeys(file, lines, keys);
    expect(drift.ok).toBe(false);
    expect(drift.drift.missing).toEqual([lines[1]]);
    expect(drift.drift.unexpected).toEqual([lines[1]?.replace('from="192.0.2.11"', 'from="0.0.0.0/0"')]);
    await installAuthorizedKeys(file, lines, keys);
    // Still not ok: the old unrestricted copy of primary1 is in the file.
    expect(await checkAuthorizedKeys(file, lines, keys)).toMatchObject({ ok: false, drift: { missing: [], unexpected: [] } });
    await writeFile(file, (await readFile(file, 'utf8')).replace(/^ssh-ed25519 \S+ old-unrestricted\r\n/m, ''));
    expect(await checkAuthorizedKeys(file, lines, keys)).toMatchObject({ ok: true, duplicates: [] });
  });
});
