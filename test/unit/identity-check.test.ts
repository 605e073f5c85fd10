// The push key is checked before ssh runs, on real files: ssh itself would only say
// "Permission denied (publickey)", which reads like a refusal by the secondary.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { identityProblem, SSH_KEY_WARNING } from '../../src/admin/push/identity-check.js';

const dir = mkdtempSync(join(tmpdir(), 'zonegate-identity-'));
const key = (name: string, mode: number): string => {
  const file = join(dir, name);
  writeFileSync(file, 'not really a key\n', { mode });
  chmodSync(file, mode);
  return file;
};

describe('identityProblem', () => {
  it.each([
    ['a 0600 key', key('ok', 0o600), undefined],
    ['a 0400 key', key('ro', 0o400), undefined],
    ['a world-readable key', key('wide', 0o644), /readable by group or others \(mode 644\); ssh refuses it: chmod 600 /],
    ['a group-readable key', key('group', 0o640), /readable by group or others \(mode 640\)/],
    ['a missing key', join(dir, 'missing'), /does not exist \(zonegate keygen makes one\)/],
  ] as const)('%s', (_name, file, expected) => {
    const problem = identityProblem(file);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });

  it('a directory is not a key', () => {
    mkdirSync(join(dir, 'adir'));
    expect(identityProblem(join(dir, 'adir'))).toMatch(/not a regular file/);
  });
});

describe("ssh's own warnings about a key", () => {
  it.each([
    'Load key "/etc/zonegate/keys/ns2": bad permissions',
    "Permissions 0644 for '/etc/zonegate/keys/ns2' are too open.",
    'no such identity: /etc/zonegate/keys/ns2: No such file or directory',
  ])('%s', (line) => {
    expect(SSH_KEY_WARNING.test(line)).toBe(true);
  });

  it('not an unrelated line', () => {
    expect(SSH_KEY_WARNING.test('ssh: connect to host 192.0.2.53 port 22: Connection refused')).toBe(false);
  });
});
