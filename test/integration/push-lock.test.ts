// No overlap: a second run while the first holds the lock exits 75 and records the skip; repeated
// skips run the failure hook; a run killed with SIGKILL leaves no lock behind (the kernel drops a
// dead process's flock), so the next run goes ahead. The slow secondary holds each transfer until
// the test releases it, so "the first run is still going" is a fact, not a guess about seconds.
// Each test starts from a held slow secondary and leaves no process behind: any order works.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, zonegate } from '../helpers/admin-cli.js';
import { makePushWorld, type PushWorld } from '../helpers/push-world.js';
import { until } from '../lab/wait.js';

let world: PushWorld;
let config: string;
let hookOut: string;

const status = async (): Promise<{ skips: number; consecutiveSkips: number; runs: number }> =>
  (
    JSON.parse((await zonegate(['status', '--config', config, '--json'])).stdout) as {
      push: { skips: number; consecutiveSkips: number; runs: number };
    }
  ).push;

/** The primary-side processes of pushes to the slow target (rsync and ssh carry its key's path). */
const slowClients = (): string => spawnSync('pgrep', ['-f', world.slow.identity], { encoding: 'utf8' }).stdout;

/** Starts a push of the slow target in the background; resolves once it holds the lock and its transfer is held. */
async function startSlowRun(): Promise<ReturnType<typeof spawn>> {
  const held = world.slowStarted().length;
  const child = spawn(process.execPath, [ADMIN, 'push', '--config', config, 'slow'], { stdio: 'ignore', env: {} });
  const lockFile = join(world.stateDir, 'push.lock');
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  await until(
    () =>
      exited !== undefined ||
      (world.slowStarted().length > held && existsSync(lockFile) && readFileSync(lockFile, 'utf8').startsWith(`${String(child.pid)} `)),
    'the background run to hold the lock and reach the slow secondary',
  );
  if (exited !== undefined) throw new Error(`the background run ended (exit ${String(exited)}) before it held the lock`);
  return child;
}

beforeAll(async () => {
  world = await makePushWorld();
  hookOut = join(world.dir, 'hook.out');
  const hook = join(world.dir, 'hook.sh');
  writeFileSync(hook, `#!/bin/sh\n{ echo "outcome=$ZONEGATE_OUTCOME exit=$ZONEGATE_EXIT"; cat; } >> ${hookOut}\n`);
  chmodSync(hook, 0o755);
  config = world.writeConfig([world.healthy, world.slow], { skipAlertAfter: 2, hook: [hook] });
});
beforeEach(() => {
  world.holdSlow();
});
afterAll(async () => world?.stop());

describe('the per-target timeout', () => {
  it('kills the whole process tree of a target that overruns, and reports it as a timeout', async () => {
    // The slow secondary never answers until released: only the timeout can end this push.
    const tight = world.writeConfig([world.slow], {}, { slow: { timeoutSeconds: 1, retries: 0 } });
    const result = await zonegate(['push', '--config', tight]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/slow: timeout: timed out after 1 s; process group killed/);
    // Neither rsync nor the ssh it started survive: with the transfer still held, only the group
    // kill can end them (a survivor would keep this wait, and the test, from ending).
    await until(() => slowClients() === '', 'the killed rsync and ssh to be gone');
    // The secondary's side sees the connection gone once released, and ends.
    world.releaseSlow();
    await until(() => world.slowIdle(), "the slow secondary's transfer to end");
  });
});

describe('the no-overlap lock', () => {
  it('skips a run that finds the previous one still running, with exit 75, and alerts on the second skip in a row', async () => {
    const before = await status();
    const first = await startSlowRun();
    const done = new Promise<number | null>((resolve) => first.once('exit', resolve));
    const skipped = await zonegate(['push', '--config', config, 'healthy']);
    expect(skipped).toEqual({ exitCode: 75, stdout: '', stderr: '' });
    expect(existsSync(hookOut)).toBe(false);
    const again = await zonegate(['push', '--config', config, 'healthy']);
    expect(again.exitCode).toBe(75);
    expect(again.stderr).toMatch(
      new RegExp(`skipped 2 runs in a row: the previous run still holds .*push\\.lock \\(${String(first.pid)} `),
    );
    expect(readFileSync(hookOut, 'utf8')).toMatch(/^outcome=skipped exit=75\n\{"outcome":"skipped"/);
    expect(await status()).toMatchObject({ skips: before.skips + 2, consecutiveSkips: 2 });
    world.releaseSlow();
    expect(await done).toBe(0);
    // The next real run resets the streak.
    expect((await zonegate(['push', '--config', config, 'healthy'])).exitCode).toBe(0);
    expect(await status()).toMatchObject({ skips: before.skips + 2, consecutiveSkips: 0 });
  });

  it('recovers the lock of a run killed with SIGKILL', async () => {
    const before = await status();
    const victim = await startSlowRun();
    const gone = new Promise((resolve) => victim.once('exit', resolve));
    process.kill(victim.pid as number, 'SIGKILL');
    await gone;
    const next = await zonegate(['push', '--config', config, 'healthy']);
    expect(next).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(await status()).toMatchObject({ skips: before.skips, runs: before.runs + 1 });
    // SIGKILL left the victim's rsync and ssh behind (their own process group): let their transfer
    // finish, so nothing outlives the test.
    world.releaseSlow();
    await until(() => slowClients() === '' && world.slowIdle(), "the killed run's transfer to finish");
  });
});
