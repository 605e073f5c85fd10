// An unwritable log directory on the primary: before, `zonegate push` died with a stack trace
// (exit 70) and the run was not counted, so `status` and Nagios stayed OK. Now the run fails
// (nothing is pushed: a push must never go unrecorded), is counted, and every view says why.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { makePushWorld, type PushWorld } from '../helpers/push-world.js';

let world: PushWorld;

beforeAll(async () => {
  world = await makePushWorld();
});
afterAll(async () => world?.stop());

interface PushStatus {
  runs: number;
  failedRuns: number;
  lastRunExit: number;
  lastRunProblem?: string;
}
const status = async (config: string): Promise<PushStatus> =>
  (JSON.parse((await zonegate(['status', '--config', config, '--json'])).stdout) as { push: PushStatus }).push;

async function expectCountedFailure(config: string, logDir: string, why: RegExp): Promise<void> {
  const before = await status(config);
  const result = await zonegate(['push', '--config', config, 'healthy']);
  expect(result.exitCode).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).not.toMatch(/internal error|    at /);
  expect(result.stderr).toMatch(
    new RegExp(`^zonegate push: run failed, nothing pushed: cannot write the run log in ${logDir}: ${why.source}$`),
  );
  // Nothing left the primary.
  expect(existsSync(join(world.healthy.root, 'current'))).toBe(false);
  expect(await status(config)).toMatchObject({ runs: before.runs + 1, failedRuns: before.failedRuns + 1, lastRunExit: 2 });
  const text = await zonegate(['status', '--config', config]);
  expect(text.stdout).toMatch(new RegExp(`^last run failed: cannot write the run log in ${logDir}`, 'm'));
  const nagios = await zonegate(['status', '--config', config, '--nagios']);
  expect(nagios.exitCode).toBe(2);
  expect(nagios.stdout).toMatch(/^ZONEGATE CRITICAL - last run failed: cannot write the run log in /);
  expect((await zonegate(['status', '--config', config, '--prometheus'])).stdout).toMatch(/^zonegate_push_last_run_problem 1$/m);
}

describe('an unwritable log directory', () => {
  it('a file where the directory should be: the run fails, is counted, and status says why', async () => {
    const logDir = join(world.dir, 'log-is-a-file');
    writeFileSync(logDir, 'not a directory\n');
    const config = world.writeConfig([world.healthy], { logDir });
    await expectCountedFailure(config, logDir, /EEXIST|ENOTDIR/);
    // Once the directory is usable again, the next run pushes and the problem is gone from every view.
    rmSync(logDir);
    expect((await zonegate(['push', '--config', config, 'healthy'])).exitCode).toBe(0);
    expect((await status(config)).lastRunProblem).toBeUndefined();
    expect((await zonegate(['status', '--config', config, '--nagios'])).exitCode).toBe(0);
    expect((await zonegate(['status', '--config', config, '--prometheus'])).stdout).toMatch(/^zonegate_push_last_run_problem 0$/m);
  });

  it('a read-only mount (as root: chmod alone does not stop root): the same', async () => {
    // The healthy secondary took a push above; start it afresh so "nothing pushed" is visible.
    rmSync(world.healthy.root, { recursive: true, force: true });
    mkdirSync(world.healthy.root);
    const logDir = join(world.dir, 'log-read-only');
    mkdirSync(logDir);
    const mount = (...args: string[]): void => {
      const result = spawnSync('mount', args, { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`mount ${args.join(' ')} failed (this test runs as root): ${result.stderr}`);
    };
    mount('--bind', logDir, logDir);
    try {
      mount('-o', 'remount,ro,bind', logDir);
      const config = world.writeConfig([world.healthy], { logDir });
      await expectCountedFailure(config, logDir, /EROFS/);
    } finally {
      spawnSync('umount', [logDir]);
    }
  });
});
