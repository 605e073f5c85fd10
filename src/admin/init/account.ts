// The login account the keys use on a secondary, by name: its uid, and its primary group's gid
// and name, from the system's databases (getent, so NSS sources count as sshd sees them).

import { execFileSync } from 'node:child_process';
import { UsageError } from '../../shared/errors.js';

export interface Account {
  user: string;
  uid: number;
  group: string;
  gid: number;
}

const ACCOUNT_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

export function lookupAccount(user: string): Account {
  if (!ACCOUNT_NAME.test(user)) throw new UsageError('bad-user', `--user ${JSON.stringify(user)}: not an account name`);
  const passwd = getent('passwd', user);
  const fields = passwd?.split(':');
  const uid = Number(fields?.[2]);
  const gid = Number(fields?.[3]);
  if (fields === undefined || !Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new UsageError('unknown-user', `--user ${user}: no such account (create it first, e.g. adduser --system --group ${user})`);
  }
  const group = getent('group', String(gid))?.split(':')[0];
  if (group === undefined || !ACCOUNT_NAME.test(group))
    throw new UsageError('unknown-user', `--user ${user}: its group ${String(gid)} has no plain name`);
  return { user, uid, group, gid };
}

function getent(database: string, key: string): string | undefined {
  try {
    return execFileSync('getent', [database, key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0];
  } catch {
    return undefined;
  }
}
