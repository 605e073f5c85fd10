// Locks by flock(1) on a descriptor we pass it. flock locks belong to the open file description,
// which the child shares with us, so the lock stays held after flock exits, until our process
// closes the fd or dies: the kernel frees a dead holder's lock, with no stale-pid guessing.
// Chosen over an npm lock library (proper-lockfile: mtime-refreshed lock dirs that a stopped process
// keeps "fresh" or a busy one can lose) and over a pid file (pid reuse races); flock(1) is in
// util-linux on every target system. Node opens with O_CLOEXEC, so children never keep the lock.

import { closeSync, openSync } from 'node:fs';

export const FLOCK = '/usr/bin/flock';

export type FlockResult =
  | { kind: 'held'; fd: number; release: () => void }
  | { kind: 'busy' }
  | { kind: 'flock-missing'; code: string }
  | { kind: 'unopenable'; code: string; cause: unknown };

/** Takes an exclusive lock on `lockFile`, waiting up to `waitSeconds` (0: don't wait). */
export async function flockFile(lockFile: string, waitSeconds: number, flock = FLOCK): Promise<FlockResult> {
  let fd: number;
  try {
    fd = openSync(lockFile, 'a', 0o600);
  } catch (error) {
    return { kind: 'unopenable', code: (error as NodeJS.ErrnoException).code ?? 'error', cause: error };
  }
  // Loaded here: the gate reaches this only on a zone-set push, never on its decision path.
  const { spawnSync } = await import('node:child_process');
  const wait = waitSeconds > 0 ? ['--wait', String(waitSeconds)] : ['--nonblock'];
  const result = spawnSync(flock, ['--exclusive', ...wait, '3'], { stdio: ['ignore', 'ignore', 'pipe', fd], env: {} });
  if (result.error) {
    closeSync(fd);
    return { kind: 'flock-missing', code: (result.error as NodeJS.ErrnoException).code ?? 'error' };
  }
  if (result.status !== 0) {
    closeSync(fd);
    return { kind: 'busy' };
  }
  return {
    kind: 'held',
    fd,
    release: () => {
      closeSync(fd);
    },
  };
}
