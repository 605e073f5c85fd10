// One push per zone set at a time (shared/flock.ts): a push waits up to lockWaitSeconds for the
// one before it, then is refused as busy (exit 83, which the primary retries).

import { ZoneSetError } from '../shared/errors.js';
import { FLOCK, flockFile } from '../shared/flock.js';

export interface HeldLock {
  release(): void;
}

export async function acquireLock(lockFile: string, waitSeconds: number, zoneSet: string): Promise<HeldLock> {
  const result = await flockFile(lockFile, waitSeconds);
  switch (result.kind) {
    case 'held':
      return result;
    case 'busy':
      throw new ZoneSetError(
        'zoneset-busy',
        `zone set ${zoneSet} is busy with another push; gave up after ${String(waitSeconds)} s, try again later`,
      );
    case 'flock-missing':
      throw new ZoneSetError('staging-failed', `cannot run ${FLOCK} (${result.code})`);
    case 'unopenable':
      throw new ZoneSetError('staging-failed', `cannot open the zone set's lock file ${lockFile} (${result.code})`, {
        cause: result.cause,
      });
  }
}
