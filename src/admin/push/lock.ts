// No overlapping runs: flock(1) -n on a descriptor we pass it. flock locks belong to the open file
// description, which the child shares with us, so the lock stays held after flock exits, until our
// process closes the fd or dies: the kernel frees a dead run's lock, with no stale-pid guessing.
// Chosen over an npm lock library (proper-lockfile: mtime-refreshed lock dirs that a stopped
// process keeps "fresh" or a busy one can lose) and over a home-made pid file (pid reuse races):
// flock(1) is in util-linux on every target system and the gate already uses it the same way.

import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ConfigError } from '../../shared/errors.js';

export const FLOCK = '/usr/bin/flock';

export type LockAttempt = { kind: 'held'; release(): void } | { kind: 'busy'; holder: string | undefined };

export function tryLock(lockFile: string, flock = FLOCK): LockAttempt {
  let fd: number;
  try {
    // Node opens with O_CLOEXEC, so rsync and ssh children never inherit (and never keep) the lock.
    mkdirSync(dirname(lockFile), { recursive: true, mode: 0o755 });
    fd = openSync(lockFile, 'a', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError('lock-unwritable', `cannot open the lock file ${lockFile} (${code})`, { cause: error });
  }
  const result = spawnSync(flock, ['--exclusive', '--nonblock', '3'], { stdio: ['ignore', 'ignore', 'pipe', fd], env: {} });
  if (result.error) {
    closeSync(fd);
    throw new ConfigError(
      'flock-missing',
      `cannot run ${flock} (${(result.error as NodeJS.ErrnoException).code ?? 'error'}): apt-get install -y util-linux`,
    );
  }
  if (result.status !== 0) {
    closeSync(fd);
    return { kind: 'busy', holder: readHolder(lockFile) };
  }
  // The pid is only for the message a skipped run prints; the lock itself is the flock.
  ftruncateSync(fd, 0);
  writeSync(fd, `${String(process.pid)} ${new Date().toISOString()}\n`);
  return {
    kind: 'held',
    release: () => {
      closeSync(fd);
    },
  };
}

function readHolder(lockFile: string): string | undefined {
  try {
    const text = readFileSync(lockFile, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}
