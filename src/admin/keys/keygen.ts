// One ed25519 key pair per primary→secondary pair. ssh-keygen writes into temp names in the key
// directory and the pair is renamed into place, so a crash never leaves half a pair behind and
// ssh-keygen never stops to ask "Overwrite (y/n)?".

import { constants, promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { UsageError } from '../../shared/errors.js';
import { KEY_NAME_PATTERN } from '../../shared/policy/types.js';

export { DEFAULT_KEY_DIR } from './defaults.js';

export interface KeygenOptions {
  target: string;
  dir: string;
  force: boolean;
  sshKeygen?: string;
  /** For the comment; defaults to this host's name. */
  host?: string;
}

export interface GeneratedKey {
  privateKey: string;
  publicKey: string;
  line: string;
  fingerprint: string;
}

export function keyComment(target: string, host: string): string {
  // The comment is only a label, but keep it to a safe set so it can be pasted anywhere.
  const safeHost = host.replace(/[^A-Za-z0-9.-]/g, '_');
  return `zonegate:${target}@${safeHost}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function prepareDirectory(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const stat = await fs.lstat(dir);
    if (!stat.isDirectory()) throw new UsageError('keygen-dir', `--dir ${dir}: not a directory`);
    // Private keys live here: nobody else may list, add or swap files in it.
    await fs.chmod(dir, 0o700);
    await fs.access(dir, constants.W_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError('keygen-dir', `--dir ${dir}: cannot use it as the key directory (${code})`, { cause: error });
  }
}

export async function generateKeyPair(options: KeygenOptions): Promise<GeneratedKey> {
  const { target, dir } = options;
  if (!KEY_NAME_PATTERN.test(target)) {
    throw new UsageError(
      'keygen-target',
      `TARGET ${JSON.stringify(target)}: target names are 1–64 letters, digits, dot, underscore or dash, starting with a letter or digit`,
    );
  }
  const privateKey = join(dir, target);
  const publicKey = `${privateKey}.pub`;
  for (const path of [privateKey, publicKey]) {
    if (!options.force && (await exists(path))) {
      throw new UsageError(
        'keygen-exists',
        `${path} already exists; pass --force to replace the key pair (the old key then stops working on the secondary)`,
      );
    }
  }
  await prepareDirectory(dir);
  const temp = join(dir, `.${target}.tmp-${randomBytes(6).toString('hex')}`);
  const sshKeygen = options.sshKeygen ?? '/usr/bin/ssh-keygen';
  const comment = keyComment(target, options.host ?? hostname());
  try {
    const made = await execa(sshKeygen, ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', temp], { reject: false, stdin: 'ignore' });
    if (made.exitCode !== 0) {
      throw new UsageError(
        'keygen-failed',
        `ssh-keygen failed (${made.failed && made.exitCode === undefined ? made.shortMessage : `exit ${String(made.exitCode)}`}): ${made.stderr.trim()}`,
      );
    }
    await fs.chmod(temp, 0o600);
    await fs.chmod(`${temp}.pub`, 0o644);
    // Public half last: a .pub without its private key would be confusing, the reverse is recoverable.
    await fs.rename(temp, privateKey);
    await fs.rename(`${temp}.pub`, publicKey);
  } finally {
    await fs.rm(temp, { force: true });
    await fs.rm(`${temp}.pub`, { force: true });
  }
  const line = (await fs.readFile(publicKey, 'utf8')).trim();
  const listed = await execa(sshKeygen, ['-l', '-f', publicKey], { reject: false, stdin: 'ignore' });
  const fingerprint = listed.exitCode === 0 ? (listed.stdout.split(' ')[1] ?? listed.stdout.trim()) : 'unknown';
  return { privateKey, publicKey, line, fingerprint };
}
