// Runs rsync (or bwrap around it) with an argv array, no shell, stdio inherited so the protocol
// stream never passes through Node, a minimal fixed environment, and signals relayed. Resolves to
// rsync's exit status, or 128+n when it was killed by signal n.

import { constants } from 'node:os';
import { SpawnError } from '../shared/errors.js';

/** The only environment rsync gets: nothing the client could have influenced, no HOME. */
export const RSYNC_ENV = Object.freeze({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8' });

export interface SpawnPlan {
  file: string;
  args: string[];
  cwd: string;
  /** Descriptors passed to the child as fd 3, 4, … */
  extraFds: number[];
  /** When it aborts, the child is killed (SIGKILL: bwrap's --die-with-parent takes the sandbox too). */
  signal?: AbortSignal;
}

const RELAYED = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export async function spawnRsync(plan: SpawnPlan): Promise<number> {
  // Loaded here, not at start-up: node:child_process costs ~1.8 ms that a refusal never needs.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(plan.file, plan.args, {
      cwd: plan.cwd,
      env: { ...RSYNC_ENV },
      stdio: ['inherit', 'inherit', 'inherit', ...plan.extraFds],
      shell: false,
    });
    const relay = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    for (const signal of RELAYED) process.on(signal, relay);
    const abort = (): void => {
      child.kill('SIGKILL');
    };
    plan.signal?.addEventListener('abort', abort, { once: true });
    if (plan.signal?.aborted === true) abort();
    const cleanup = (): void => {
      for (const signal of RELAYED) process.off(signal, relay);
      plan.signal?.removeEventListener('abort', abort);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      reject(new SpawnError('spawn-failed', `cannot start ${plan.file} (${error.code ?? error.message})`, { cause: error }));
    });
    child.once('exit', (code, signal) => {
      cleanup();
      if (signal !== null) resolve(128 + (constants.signals[signal] ?? 0));
      else resolve(code ?? 70);
    });
  });
}
