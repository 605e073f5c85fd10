// The gate starts rsync through Node's process_wrap binding (start-child.ts) and falls back to
// node:child_process where a Node has no such binding. Both ways must give rsync exactly the same
// start: argv without a shell, the fixed environment, the pinned cwd, descriptors 0..3, and the
// same exit status, signal status and start failure. Each case runs real processes both ways.
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGateError } from '../../src/shared/errors.js';
import { startMethod, type StartMethod } from '../../src/gate/start-child.js';
import { RSYNC_ENV, spawnRsync } from '../../src/gate/spawn-rsync.js';
import { until } from '../lab/wait.js';

const METHODS: StartMethod[] = ['process-wrap', 'child-process'];
const dir = mkdtempSync(join(tmpdir(), 'zonegate-spawn-'));

function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('starting rsync', () => {
  it('uses process_wrap on this Node (the fast way the benchmark measures)', () => {
    expect(startMethod()).toBe('process-wrap');
  });

  it.each(METHODS)('%s: argv as given (no shell), the fixed env, the cwd and fd 3', async (method) => {
    const out = join(dir, `seen-${method}.txt`);
    const show = script(`show-${method}`, `{ printf '%s\\n' "$@"; echo "cwd=$(pwd)"; env | sort; echo "fd3=$(cat <&3)"; } > ${out}`);
    const extra = join(dir, 'extra.txt');
    writeFileSync(extra, 'pinned');
    const fd = openSync(extra, 'r');
    try {
      // attack: shell metacharacters in an argument run nothing; they arrive as one argv entry.
      const status = await spawnRsync({ file: show, args: ['--server', 'a b;id', '$(id)'], cwd: dir, extraFds: [fd] }, method);
      expect(status).toBe(0);
    } finally {
      closeSync(fd);
    }
    const lines = readFileSync(out, 'utf8').split('\n');
    expect(lines.slice(0, 3)).toEqual(['--server', 'a b;id', '$(id)']);
    expect(lines).toContain(`cwd=${dir}`);
    expect(lines).toContain('fd3=pinned');
    const env = lines.filter((line) => /^[A-Z_]+=/.test(line) && !line.startsWith('PWD=') && !line.startsWith('SHLVL='));
    expect(env.sort()).toEqual(
      Object.entries(RSYNC_ENV)
        .map(([name, value]) => `${name}=${value}`)
        .sort(),
    );
  });

  it.each(METHODS)('%s: passes the exit status through', async (method) => {
    expect(await spawnRsync({ file: script(`exit-${method}`, 'exit 23'), args: [], cwd: dir, extraFds: [] }, method)).toBe(23);
  });

  it.each(METHODS)('%s: a child killed by a signal gives 128+n', async (method) => {
    const status = await spawnRsync({ file: script(`kill-${method}`, 'kill -KILL $$'), args: [], cwd: dir, extraFds: [] }, method);
    expect(status).toBe(128 + 9);
  });

  it.each(METHODS)('%s: a program that cannot start is a SpawnError naming the errno', async (method) => {
    const missing = join(dir, 'no-such-rsync');
    const outcome = await spawnRsync({ file: missing, args: [], cwd: dir, extraFds: [] }, method).then(
      (status) => ({ status }),
      (error: unknown) => error,
    );
    expect(isGateError(outcome) ? { reason: outcome.reason, message: outcome.message } : outcome).toEqual({
      reason: 'spawn-failed',
      message: `cannot start ${missing} (ENOENT)`,
    });
  });

  it.each(METHODS)('%s: the abort signal stops the child (TERM)', async (method) => {
    const controller = new AbortController();
    const ready = join(dir, `ready-${method}`);
    const child = script(`wait-${method}`, `touch ${ready}; exec sleep 30`);
    const running = spawnRsync({ file: child, args: [], cwd: dir, extraFds: [], signal: controller.signal }, method);
    await until(() => existsSync(ready), `${ready} to exist`);
    controller.abort();
    expect(await running).toBe(128 + 15);
  });
});
