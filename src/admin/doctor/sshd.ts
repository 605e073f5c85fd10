// What sshd itself will do for the login account, from `sshd -T` (its effective settings): where
// it looks for authorized_keys, whether root may log in, and which directories StrictModes walks.

import { dirname, isAbsolute, join } from 'node:path';
import type { CheckItem } from './checks.js';

/** `sshd -T` lines ("keyword value…", keywords lower-case) as a map of keyword to value. */
export function parseSshdT(text: string | undefined): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of (text ?? '').split('\n')) {
    const match = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined && !settings.has(match[1])) settings.set(match[1], match[2]);
  }
  return settings;
}

/** sshd's first AuthorizedKeysFile for the account (%h, %u, %% expanded; relative to the home). */
export function authorizedKeysFile(settings: Map<string, string>, user: string, home: string): string {
  const first = (settings.get('authorizedkeysfile') ?? '.ssh/authorized_keys').split(/\s+/)[0] ?? '.ssh/authorized_keys';
  const expanded = first.replace(/%([%hu])/g, (_m, code: string) => (code === 'h' ? home : code === 'u' ? user : '%'));
  return isAbsolute(expanded) ? expanded : join(home, expanded);
}

/**
 * The directories StrictModes checks above the file, as OpenSSH's auth_secure_path() walks them:
 * each parent in turn, stopping after the home directory when the file is inside it, else at "/".
 */
export function strictModesDirectories(file: string, home: string): string[] {
  const dirs: string[] = [];
  let dir = file;
  for (;;) {
    dir = dirname(dir);
    dirs.push(dir);
    if (dir === home || dir === '/') return dirs;
  }
}

export function judgePermitRootLogin(settings: Map<string, string>, user: string): CheckItem | undefined {
  if (user !== 'root') return undefined;
  const value = settings.get('permitrootlogin');
  const title = `PermitRootLogin ${value ?? '(unknown)'}`;
  if (value === undefined) return { status: 'warn', title, detail: 'could not read it from `sshd -T`' };
  if (value === 'no')
    return {
      status: 'fail',
      title,
      detail: 'the keys log in as root, which sshd refuses',
      fix: 'PermitRootLogin forced-commands-only in sshd_config, or use a dedicated account',
    };
  if (value === 'yes')
    return {
      status: 'warn',
      title,
      detail: 'root may also log in with a password',
      fix: 'PermitRootLogin forced-commands-only (or a dedicated account)',
    };
  return { status: 'ok', title };
}

/**
 * A locked account ("!" before its password hash): sshd refuses it outright with UsePAM no, even
 * for keys; with UsePAM yes it lets keys in, until someone turns PAM off.
 */
export function judgeLockedAccount(settings: Map<string, string>, user: string, passwordField: string | undefined): CheckItem | undefined {
  if (passwordField === undefined || !passwordField.startsWith('!')) return undefined;
  const fix = `usermod -p '*' ${user} (no password, not locked)`;
  if (settings.get('usepam') === 'no')
    return { status: 'fail', title: `account ${user} is locked`, detail: 'sshd (UsePAM no) refuses locked accounts, keys included', fix };
  return { status: 'warn', title: `account ${user} is locked`, detail: 'keys work only while sshd runs with UsePAM yes', fix };
}
