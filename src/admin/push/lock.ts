// No overlapping runs (shared/flock.ts, without waiting): a run that finds the lock held is skipped
// and says who holds it.

import { ftruncateSync, mkdirSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../../shared/errors.js';
import { FLOCK, flockFile } from '../../shared/flock.js';

export type LockAttempt = { kind: 'held'; release(): void } | { kind: 'busy'; holder: string | undefined };

export async function tryLock(lockFile: string, flock = FLOCK): Promise<LockAttempt> {
  try {
    mkdirSync(dirname(lockFile), { recursive: true, mode: 0o755 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError('lock-unwritable', `cannot create the lock file's directory ${dirname(lockFile)} (${code})`, { cause: error });
  }
  const result = await flockFile(lockFile, 0, flock);
  switch (result.kind) {
    case 'unopenable':
      throw new ConfigError('lock-unwritable', `cannot open the lock file ${lockFile} (${result.code})`, { cause: result.cause });
    case 'flock-missing':
      throw new ConfigError('flock-missing', `cannot run ${flock} (${result.code}): apt-get install -y util-linux`);
    case 'busy':
      return { kind: 'busy', holder: readHolder(lockFile) };
    case 'held':
      // The pid is only for the message a skipped run prints; the lock itself is the flock.
      ftruncateSync(result.fd, 0);
      writeSync(result.fd, `${String(process.pid)} ${new Date().toISOString()}\n`);
      return { kind: 'held', release: result.release };
  }
}

function readHolder(lockFile: string): string | undefined {
  try {
    const text = readFileSync(lockFile, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}
