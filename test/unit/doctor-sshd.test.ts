import { describe, expect, it } from 'vitest';
import {
  authorizedKeysFile,
  judgeLockedAccount,
  judgePermitRootLogin,
  parseSshdT,
  strictModesDirectories,
} from '../../src/admin/doctor/sshd.js';

describe('strictModesDirectories (as OpenSSH auth_secure_path walks them)', () => {
  it.each([
    ['/var/lib/zonegate/.ssh/authorized_keys', '/var/lib/zonegate', ['/var/lib/zonegate/.ssh', '/var/lib/zonegate']],
    ['/home/z/.ssh/authorized_keys', '/home/z', ['/home/z/.ssh', '/home/z']],
    // Outside the home: every directory up to /, so a world-writable /tmp on the way fails it.
    ['/tmp/keys/authorized_keys', '/home/z', ['/tmp/keys', '/tmp', '/']],
    ['/etc/ssh/keys/z', '/', ['/etc/ssh/keys', '/etc/ssh', '/etc', '/']],
  ])('%s with home %s', (file, home, expected) => {
    expect(strictModesDirectories(file, home)).toEqual(expected);
  });
});

describe('authorizedKeysFile', () => {
  it.each([
    ['authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2', '/var/lib/zonegate/.ssh/authorized_keys'],
    ['authorizedkeysfile /etc/ssh/keys/%u', '/etc/ssh/keys/zonegate'],
    ['authorizedkeysfile %h/.ssh/k%%', '/var/lib/zonegate/.ssh/k%'],
    ['', '/var/lib/zonegate/.ssh/authorized_keys'],
  ])('%j', (sshdT, expected) => {
    expect(authorizedKeysFile(parseSshdT(sshdT), 'zonegate', '/var/lib/zonegate')).toBe(expected);
  });
});

describe('judgePermitRootLogin', () => {
  it.each([
    ['permitrootlogin no', 'root', 'fail'],
    ['permitrootlogin yes', 'root', 'warn'],
    ['permitrootlogin forced-commands-only', 'root', 'ok'],
    ['permitrootlogin without-password', 'root', 'ok'],
    ['', 'root', 'warn'],
  ])('%j as %s: %s', (sshdT, user, status) => {
    expect(judgePermitRootLogin(parseSshdT(sshdT), user)?.status).toBe(status);
  });

  it('says nothing for another account', () => {
    expect(judgePermitRootLogin(parseSshdT('permitrootlogin no'), 'zonegate')).toBeUndefined();
  });
});

describe('judgeLockedAccount', () => {
  it.each([
    ['usepam no', '!', 'fail'],
    ['usepam no', '!$6$hash', 'fail'],
    ['usepam yes', '!', 'warn'],
    ['usepam no', '*', undefined],
    ['usepam no', '$6$hash', undefined],
    ['usepam no', undefined, undefined],
  ])('%j with password field %j: %s', (sshdT, field, status) => {
    expect(judgeLockedAccount(parseSshdT(sshdT), 'zonegate', field)?.status).toBe(status);
  });
});
