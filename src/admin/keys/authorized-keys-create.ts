// `authorized-keys --install FILE --create`: a missing authorized_keys made the way sshd wants it.
// sshd reads the file as its account, and StrictModes refuses one that others can write, so it
// must belong to the account whose home holds it; made by root, it would be unreadable (0600).
// The account is the one whose home is FILE's ../.. (the default AuthorizedKeysFile): any other
// path cannot say whose it is, and is refused.

import { execFileSync } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../../shared/errors.js';

interface Owner {
  user: string;
  uid: number;
  gid: number;
}

function ownerByHome(file: string): Owner | undefined {
  const home = dirname(dirname(file));
  if (!file.endsWith('/.ssh/authorized_keys')) return undefined;
  let passwd: string;
  try {
    passwd = execFileSync('getent', ['passwd'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 * 1024 * 1024 });
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid, , dir] = line.split(':');
    if (user !== undefined && dir === home && uid !== undefined && gid !== undefined) return { user, uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/** Creates FILE (and its .ssh directory) for the account whose home holds it; returns false when it existed. */
export async function createAuthorizedKeys(file: string): Promise<{ created: boolean; user: string | undefined }> {
  const exists = await fs.lstat(file).then(
    () => true,
    () => false,
  );
  if (exists) return { created: false, user: undefined };
  const owner = ownerByHome(file);
  if (owner === undefined) {
    throw new UsageError(
      'authorized-keys-owner-unknown',
      `--create ${file}: no account has ${dirname(dirname(file))} as its home, so whose file it is cannot be told; create it as that account (install -o USER -g GROUP -m 600 /dev/null ${file})`,
    );
  }
  const sshDir = dirname(file);
  try {
    await fs.mkdir(sshDir, { mode: 0o700 });
    await fs.chown(sshDir, owner.uid, owner.gid);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw asUsage(file, error);
  }
  try {
    const handle = await fs.open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      await handle.chown(owner.uid, owner.gid);
      await handle.chmod(0o600);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw asUsage(file, error);
  }
  return { created: true, user: owner.user };
}

function asUsage(file: string, error: unknown): UsageError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new UsageError('authorized-keys-unwritable', `--create ${file}: cannot create it (${code})`, { cause: error });
}
