// Killing `zonegate push` (cron's own timeout, an operator's Ctrl-C, a closed terminal) takes every
// attempt's rsync and ssh down with it: before, the children lived on in their own process groups
// and finished the push unseen. The run is recorded as interrupted, its lock is free, and its exit
// code is 128 + the signal's number, the shell's convention for "killed by".

import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, zonegate } from '../helpers/admin-cli.js';
import { processes, waitFor, waitGroupsEmpty, type Proc } from '../helpers/procs.js';
import { makePushWorld, type PushWorld } from '../helpers/push-world.js';

let world: PushWorld;

beforeAll(async () => {
  // The slow secondary's rsync sleeps long enough that only a kill ends the attempt.
  world = await makePushWorld();
});
const running: ChildProcess[] = [];
afterEach(() => {
  // A failed assertion must not leave a run behind (it would sleep through the next tests).
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  // The secondary's side (the gate and its sleeping rsync wrapper) is ours too: end it, so the
  // next test finds the zone set free.
  world.endSessions(world.slow);
});
afterAll(async () => world?.stop());

interface Status {
  lastRunExit: number;
  failedRuns: number;
  targets: Record<string, { lastOutcome: string; lastReason: string; attempts?: number }>;
}
const status = async (config: string): Promise<Status> =>
  (JSON.parse((await zonegate(['status', '--config', config, '--json'])).stdout) as { push: Status }).push;

function startPush(config: string, targets: string[]): { child: ChildProcess; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [ADMIN, 'push', '--config', config, ...targets], { stdio: 'ignore', env: {} });
  running.push(child);
  return { child, exit: new Promise((resolve) => child.once('exit', resolve)) };
}

/** The local rsync and ssh of the slow target's attempt, once both run. */
async function attemptChildren(): Promise<Proc[]> {
  return waitFor(() => {
    const mine = processes().filter((p) => p.argv.some((a) => a.includes(world.slow.identity)));
    const rsync = mine.find((p) => p.argv[0]?.endsWith('rsync') === true);
    const ssh = mine.find((p) => p.argv[0]?.endsWith('ssh') === true);
    return rsync !== undefined && ssh !== undefined ? [rsync, ssh] : undefined;
  });
}

describe('a signal to zonegate push', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    '%s kills every attempt, records the run as interrupted and frees the lock',
    async (signal) => {
      const config = world.writeConfig([world.healthy, world.slow], {}, { slow: { timeoutSeconds: 3600 } });
      const run = startPush(config, ['slow']);
      const children = await attemptChildren();
      // rsync leads its own group and ssh is in it: the group, not the one pid, is what must go.
      expect(new Set(children.map((p) => p.pgid)).size).toBe(1);
      run.child.kill(signal);
      expect(await run.exit).toBe(128 + constants.signals[signal]);
      await waitGroupsEmpty(children.map((p) => p.pgid));
      const after = await status(config);
      expect(after).toMatchObject({ lastRunExit: 128 + constants.signals[signal], failedRuns: expect.any(Number) as number });
      expect(after.targets['slow']).toMatchObject({ lastOutcome: 'interrupted', lastReason: `interrupted by ${signal}` });
      // The lock went with the run: the next one is not skipped (75).
      expect((await zonegate(['push', '--config', config, 'healthy'])).exitCode).toBe(0);
    },
  );

  it('during a backoff wait, ends the run at once without another attempt', async () => {
    // A dead port is retried (transient) after a wait far longer than this test's own timeout.
    const config = world.writeConfig([world.down], { backoffSeconds: [3600] }, { down: { retries: 5, timeoutSeconds: 7200 } });
    const run = startPush(config, ['down']);
    const logDir = world.logDir;
    await waitFor(() =>
      existsSync(logDir) &&
      readdirSync(logDir).some(
        (f) => f.endsWith('.log') && /down: transient failure .* retry in/.test(readFileSync(join(logDir, f), 'utf8')),
      )
        ? true
        : undefined,
    );
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(128 + constants.signals.SIGTERM);
    const journal = readdirSync(logDir)
      .filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) => readFileSync(join(logDir, f), 'utf8').trim().split('\n'))
      .map((l) => JSON.parse(l) as { event: string; target?: string; kind?: string; attempts?: number });
    expect(journal.filter((e) => e.event === 'target' && e.target === 'down').pop()).toMatchObject({ kind: 'interrupted', attempts: 1 });
  });
});
