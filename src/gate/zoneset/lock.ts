// One push per zone set at a time. flock(1) takes the lock on a descriptor we pass it: flock locks
// belong to the open file description, which the child shares with us, so the lock stays held after
// flock exits and is released by the kernel when the gate exits, however it dies.

import { closeSync, openSync } from 'node:fs';
import { ZoneSetError } from '../../shared/errors.js';

export const FLOCK = '/usr/bin/flock';

export interface HeldLock {
  release(): void;
}

export async function acquireLock(lockFile: string, waitSeconds: number, zoneSet: string): Promise<HeldLock> {
  const { spawnSync } = await import('node:child_process');
  const fd = openSync(lockFile, 'a', 0o600);
  const result = spawnSync(FLOCK, ['--exclusive', '--wait', String(waitSeconds), '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
    env: {},
  });
  if (result.status !== 0) {
    closeSync(fd);
    if (result.error)
      throw new ZoneSetError('staging-failed', `cannot run ${FLOCK} (${(result.error as NodeJS.ErrnoException).code ?? 'error'})`);
    throw new ZoneSetError(
      'zoneset-busy',
      `zone set ${zoneSet} is busy with another push; gave up after ${String(waitSeconds)} s, try again later`,
    );
  }
  return {
    release: () => {
      closeSync(fd);
    },
  };
}
