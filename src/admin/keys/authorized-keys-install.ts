// Writes our block into an existing authorized_keys file: atomically (temp file in the same
// directory, fsync, rename), mode 0600, owner and group kept, and only if nobody changed the file
// while we worked (an admin's concurrent edit must not be lost to our rename).

import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, UsageError } from '../../shared/errors.js';
import type { KeyPolicy } from '../../shared/policy/types.js';
import { diffBlock, findDuplicates, mergeBlock, renderBlock, type Drift, type Duplicate } from './authorized-keys-block.js';

export interface InstallResult {
  changed: boolean;
  duplicates: Duplicate[];
}

interface Snapshot {
  text: string;
  uid: number;
  gid: number;
  ino: number;
  mtimeMs: number;
  size: number;
}

async function snapshot(file: string, label: string): Promise<Snapshot> {
  let handle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const hint =
      code === 'ENOENT'
        ? ' (pass --create to make it for the account whose home holds it, or create it with that account as owner: install -o USER -g GROUP -m 600 /dev/null FILE; a file created by root would be unreadable for sshd acting as that user)'
        : code === 'ELOOP'
          ? ' (it is a symlink; point --install at the real file)'
          : '';
    throw new UsageError('authorized-keys-unreadable', `${label} ${file}: cannot open (${code})${hint}`, { cause: error });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new UsageError('authorized-keys-unreadable', `${label} ${file}: not a regular file`);
    const text = await handle.readFile('utf8');
    return { text, uid: stat.uid, gid: stat.gid, ino: stat.ino, mtimeMs: stat.mtimeMs, size: stat.size };
  } finally {
    await handle.close();
  }
}

function sameFile(a: Snapshot, b: Snapshot): boolean {
  return a.text === b.text && a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.size === b.size;
}

/** Test seam: runs after the temp file is written and before the changed-file check. */
export interface InstallHooks {
  beforeRename?: () => Promise<void>;
}

export async function installAuthorizedKeys(
  file: string,
  lines: readonly string[],
  keys: Iterable<KeyPolicy>,
  hooks: InstallHooks = {},
): Promise<InstallResult> {
  const before = await snapshot(file, '--install');
  const next = mergeBlock(before.text, renderBlock(lines), file);
  const duplicates = findDuplicates(next, keys, file);
  refuseShadowing(file, duplicates, 'nothing was written');
  if (next === before.text) return { changed: false, duplicates };
  const temp = join(dirname(file), `.${basename(file)}.zonegate-${randomBytes(6).toString('hex')}`);
  let handle;
  try {
    handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(
      'authorized-keys-unwritable',
      `--install ${file}: cannot write a temporary file in ${dirname(file)} (${code}); nothing was changed`,
      {
        cause: error,
      },
    );
  }
  try {
    try {
      await handle.writeFile(next, 'utf8');
      await handle.chown(before.uid, before.gid);
      await handle.chmod(0o600);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await hooks.beforeRename?.();
    const now = await snapshot(file, '--install');
    if (!sameFile(before, now)) {
      throw new ConfigError(
        'authorized-keys-changed',
        `--install ${file}: the file changed while zonegate worked on it; nothing was written, run again`,
      );
    }
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError('authorized-keys-unwritable', `--install ${file}: cannot replace the file (${code}); nothing was changed`, {
      cause: error,
    });
  }
  await syncDirectory(dirname(file));
  return { changed: true, duplicates };
}

/**
 * sshd uses the first line that carries a key: one before our block (a hand-added line without
 * restrict or command=) lets the key in unrestricted, so the block would be a lie. Refuse.
 */
function refuseShadowing(file: string, duplicates: readonly Duplicate[], consequence: string): void {
  const shadow = duplicates.find((duplicate) => duplicate.wins);
  if (shadow === undefined) return;
  throw new ConfigError(
    'authorized-keys-shadowed',
    `${file}:${String(shadow.line)} holds the public key of keys.${shadow.key} before zonegate's block, so sshd uses that line instead of the restricted one; delete it (${consequence})`,
  );
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface CheckResult {
  drift: Drift;
  duplicates: Duplicate[];
  ok: boolean;
}

export async function checkAuthorizedKeys(file: string, lines: readonly string[], keys: Iterable<KeyPolicy>): Promise<CheckResult> {
  const { text } = await snapshot(file, '--check');
  const drift = diffBlock(text, lines, file);
  const duplicates = findDuplicates(text, keys, file);
  const ok = drift.blockFound && drift.missing.length === 0 && drift.unexpected.length === 0 && duplicates.length === 0;
  return { drift, duplicates, ok };
}
