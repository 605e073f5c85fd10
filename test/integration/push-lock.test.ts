// No overlap: a second run while the first holds the lock exits 75 and records the skip; repeated
// skips run the failure hook; a run killed with SIGKILL leaves no lock behind (the kernel drops a
// dead process's flock), so the next run goes ahead.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, zonegate } from '../helpers/admin-cli.js';
import { makePushWorld, type PushWorld } from '../helpers/push-world.js';

let world: PushWorld;
let config: string;
let hookOut: string;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const status = async (): Promise<{ skips: number; consecutiveSkips: number; runs: number }> =>
  (
    JSON.parse((await zonegate(['status', '--config', config, '--json'])).stdout) as {
      push: { skips: number; consecutiveSkips: number; runs: number };
    }
  ).push;

/** Starts a push of the slow target in the background; resolves once it holds the lock. */
async function startSlowRun(): Promise<ReturnType<typeof spawn>> {
  const child = spawn(process.execPath, [ADMIN, 'push', '--config', config, 'slow'], { stdio: 'ignore', env: {} });
  const lockFile = join(world.stateDir, 'push.lock');
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  for (let i = 0; i < 100 && exited === undefined; i++) {
    if (existsSync(lockFile) && readFileSync(lockFile, 'utf8').startsWith(`${String(child.pid)} `)) return child;
    await sleep(50);
  }
  throw new Error(
    `the background run never held the lock (exit ${String(exited)}; lock file: ${existsSync(lockFile) ? readFileSync(lockFile, 'utf8') : 'missing'})`,
  );
}

beforeAll(async () => {
  world = await makePushWorld({ slowSeconds: 2 });
  hookOut = join(world.dir, 'hook.out');
  const hook = join(world.dir, 'hook.sh');
  writeFileSync(hook, `#!/bin/sh\n{ echo "outcome=$ZONEGATE_OUTCOME exit=$ZONEGATE_EXIT"; cat; } >> ${hookOut}\n`);
  chmodSync(hook, 0o755);
  config = world.writeConfig([world.healthy, world.slow], { skipAlertAfter: 2, hook: [hook] });
});
afterAll(async () => world?.stop());

describe('the per-target timeout', () => {
  // Runs first: the SIGKILL test below orphans a slow rsync that would still be around.
  it('kills the whole process tree of a target that overruns, and reports it as a timeout', async () => {
    const tight = world.writeConfig([world.slow], {}, { slow: { timeoutSeconds: 1, retries: 0 } });
    const started = Date.now();
    const result = await zonegate(['push', '--config', tight]);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/slow: timeout: timed out after 1 s; process group killed/);
    // Neither rsync nor the ssh it started survive (both carry the slow key's path in argv).
    const left = spawnSync('pgrep', ['-f', world.slow.identity], { encoding: 'utf8' });
    expect(left.stdout).toBe('');
  });
});

describe('the no-overlap lock', () => {
  it('skips a run that finds the previous one still running, with exit 75, and alerts on the second skip in a row', async () => {
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
    expect(await status()).toMatchObject({ skips: 2, consecutiveSkips: 2 });
    expect(await done).toBe(0);
    // The next real run resets the streak.
    expect((await zonegate(['push', '--config', config, 'healthy'])).exitCode).toBe(0);
    expect(await status()).toMatchObject({ skips: 2, consecutiveSkips: 0 });
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
  });
});
