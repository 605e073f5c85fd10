// The lab's scope: every child it started is stopped by pid and every temp dir removed, on close(),
// when the body of withScope() throws, and (synchronously, by SIGKILL) from an exit handler.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROJECT } from '../lab/paths.js';
import { Scope, withScope } from '../lab/scope.js';

/** Whether a pid is still a process (a zombie counts as gone: it no longer runs). */
function running(pid: number): boolean {
  const state = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return state !== '' && !state.startsWith('Z');
}

/** A child that ignores SIGTERM (an ignored signal stays ignored across exec). */
function stubbornSleeper(scope: Scope): number {
  const child = scope.spawn('/bin/sh', ['-c', 'trap "" TERM; exec sleep 1000'], { stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) throw new Error('sh did not start');
  return pid;
}

describe('lab scope', () => {
  it('close() stops every child (SIGKILL after the grace for one that ignores SIGTERM) and removes every temp dir', async () => {
    const scope = new Scope();
    const dir = scope.tempDir('zonegate-scope-test-');
    writeFileSync(join(dir, 'file'), 'x');
    const polite = scope.spawn('/bin/sleep', ['1000'], { stdio: 'ignore' }).pid ?? 0;
    const stubborn = stubbornSleeper(scope);
    expect(scope.pids().sort()).toEqual([polite, stubborn].sort());
    const stops = [scope.stop(scope.spawn('/bin/true', [])), scope.close()];
    await Promise.all(stops);
    expect(running(polite)).toBe(false);
    expect(running(stubborn)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(scope.pids()).toEqual([]);
  });

  it.each([
    ['stops a detached child as a whole process group, grandchildren included', 'sleep 1000'],
    // The leader dies on SIGTERM at once; the grandchild does not, so only the group's SIGKILL ends it.
    [
      'waits out a grandchild that ignores SIGTERM after its group leader is gone (SIGKILL at the grace time)',
      '(trap "" TERM; exec sleep 1000)',
    ],
  ])('%s', async (_title, grandchildCommand) => {
    const scope = new Scope();
    const child = scope.spawn('/bin/sh', ['-c', `${grandchildCommand} & echo $!; wait`], {
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    const grandchild = await new Promise<number>((resolve) =>
      child.stdout?.once('data', (chunk: Buffer) => {
        resolve(Number(String(chunk).trim()));
      }),
    );
    expect(running(grandchild)).toBe(true);
    await scope.close();
    expect(running(grandchild)).toBe(false);
  });

  it('withScope() closes the scope when its body throws, and rethrows', async () => {
    let pid = 0;
    let dir = '';
    await expect(
      withScope('test', async (scope) => {
        pid = scope.spawn('/bin/sleep', ['1000'], { stdio: 'ignore' }).pid ?? 0;
        dir = scope.tempDir('zonegate-scope-test-');
        throw new Error('the body failed');
      }),
    ).rejects.toThrow('the body failed');
    expect(running(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('killNow() (for exit handlers, which cannot wait) kills and removes at once', async () => {
    const scope = new Scope();
    const dir = scope.tempDir('zonegate-scope-test-');
    const child = scope.spawn('/bin/sleep', ['1000'], { stdio: 'ignore' });
    const exited = new Promise((resolve) =>
      child.once('exit', (_code, signal) => {
        resolve(signal);
      }),
    );
    scope.killNow();
    expect(existsSync(dir)).toBe(false);
    expect(await exited).toBe('SIGKILL');
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('a script in withScope() that gets %s kills its children, removes its dirs and exits %i', async (signal, code) => {
    // The compiled lab (build/, from the global setup), as the demo and the benchmarks run it.
    const scope = pathToFileURL(join(PROJECT, 'build/test/lab/scope.js')).href;
    const script = `
      const { withScope } = await import(${JSON.stringify(scope)});
      await withScope('script', async (scope) => {
        const child = scope.spawn('/bin/sleep', ['1000'], { stdio: 'ignore' });
        const dir = scope.tempDir('zonegate-scope-test-');
        process.stdout.write(JSON.stringify({ pid: child.pid, dir }) + '\\n');
        await new Promise(() => {});
      });`;
    const node = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const started = await new Promise<{ pid: number; dir: string }>((resolve) => {
      node.stdout.once('data', (chunk: Buffer) => {
        resolve(JSON.parse(String(chunk)) as { pid: number; dir: string });
      });
    });
    expect(running(started.pid)).toBe(true);
    const exited = new Promise<number | null>((resolve) => node.once('exit', resolve));
    node.kill(signal);
    expect(await exited).toBe(code);
    expect(running(started.pid)).toBe(false);
    expect(existsSync(started.dir)).toBe(false);
  });
});
