// Runs rsync (or bwrap around it) with an argv array, no shell, stdio inherited so the protocol
// stream never passes through Node, a minimal fixed environment, and signals relayed. Resolves to
// rsync's exit status, or 128+n when it was killed by signal n.

import { SpawnError } from '../shared/errors.js';
import { childStarter, signalExitStatus, type StartMethod, type StartedChild } from './start-child.js';

/** The only environment rsync gets: nothing the client could have influenced, no HOME. */
export const RSYNC_ENV = Object.freeze({ PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8' });

export interface SpawnPlan {
  file: string;
  args: string[];
  cwd: string;
  /** Descriptors passed to the child as fd 3, 4, … */
  extraFds: number[];
  /** When it aborts, the child is stopped: SIGTERM, then SIGKILL after a grace (bwrap --die-with-parent takes the sandbox too). */
  signal?: AbortSignal;
}

const RELAYED = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/** How often the gate looks whether its client is still there, and how long rsync gets to stop. */
const CLIENT_CHECK_MS = 500;
const KILL_GRACE_MS = 2000;

export async function spawnRsync(plan: SpawnPlan, method?: StartMethod): Promise<number> {
  // Whatever starting rsync needs is loaded first (start-child.ts); from here on nothing awaits.
  const start = await childStarter(method);
  return new Promise((resolve, reject) => {
    // The relay is in place before rsync exists: a signal that came between rsync's start and a
    // relay set up after the start would kill the gate by default and leave rsync running unwatched
    // (seen on a loaded machine). Signal callbacks run only after this synchronous block, by which
    // time `started.child` is set.
    const started: { child?: StartedChild } = {};
    const relay = (signal: NodeJS.Signals): void => {
      started.child?.kill(signal);
    };
    for (const signal of RELAYED) process.on(signal, relay);
    // When the client goes away (its ssh killed by the primary's timeout, a dead link), sshd's
    // session process exits and we are handed to init or a subreaper, but an rsync that is stuck
    // (a hung disk, a stalled read) never notices, and the zone set stays locked: every later push
    // is refused as busy until it ends. A changed parent means nobody is listening: stop rsync.
    const parent = process.ppid;
    let hardKill: NodeJS.Timeout | undefined;
    // TERM first: rsync's own handler then stops the receiver it forked (without the sandbox no
    // --die-with-parent would), so nothing writes into the spare after we report; KILL after a grace.
    const stop = (): void => {
      if (hardKill !== undefined) return;
      started.child?.kill('SIGTERM');
      hardKill = setTimeout(() => started.child?.kill('SIGKILL'), KILL_GRACE_MS);
    };
    const watch = setInterval(() => {
      if (process.ppid !== parent) stop();
    }, CLIENT_CHECK_MS);
    // The zone set's transfer deadline (transferTimeoutSeconds) aborts the plan's signal.
    const abort = stop;
    const cleanup = (): void => {
      for (const signal of RELAYED) process.off(signal, relay);
      clearInterval(watch);
      clearTimeout(hardKill);
      plan.signal?.removeEventListener('abort', abort);
    };
    try {
      started.child = start(
        plan.file,
        plan.args,
        { cwd: plan.cwd, env: RSYNC_ENV, fds: [0, 1, 2, ...plan.extraFds] },
        {
          error: (code) => {
            cleanup();
            reject(new SpawnError('spawn-failed', `cannot start ${plan.file} (${code})`));
          },
          exit: (code, signal) => {
            cleanup();
            if (signal !== null) resolve(signalExitStatus(signal));
            else resolve(code ?? 70);
          },
        },
      );
    } catch (error) {
      cleanup();
      throw error;
    }
    plan.signal?.addEventListener('abort', abort, { once: true });
    if (plan.signal?.aborted === true) abort();
  });
}
