// runCommand's time limit, with real processes: the checker, the verifier, dig and the server's
// control program (rndc, nsd-control, knotc) all run through it while the gate holds the zone
// set's lock, so a helper that hangs must end at its limit whatever it does with signals and pipes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/zoneset/run-command.js';
import { HANG_GUARD_MS } from '../lab/wait.js';

/** Fails the test (instead of hanging it) when runCommand never returns. */
async function settles<T>(work: Promise<T>): Promise<T> {
  let guard: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    guard = setTimeout(() => {
      reject(new Error(`runCommand did not return within ${String(HANG_GUARD_MS / 1000)} s`));
    }, HANG_GUARD_MS);
  });
  try {
    return await Promise.race([work, hang]);
  } finally {
    clearTimeout(guard);
  }
}

describe('runCommand time limit', () => {
  it('ends a control program that ignores SIGTERM', async () => {
    // attack/accident: a wedged control client (or a wrapper script) that ignores SIGTERM would hold
    // the gate, and the zone set's lock, for as long as it likes.
    const result = await settles(runCommand(['/bin/sh', '-c', 'trap "" TERM; echo waiting; exec sleep 600'], 200));
    expect(result.status).toBeNull();
    expect(result.error).toMatch(/^timed out after 0\.2 s/);
    expect(result.timedOut).toBe(true);
    expect(result.output).toBe('waiting\n');
  });

  it('does not wait for a child the program left behind holding its output', async () => {
    // accident: a wrapper that starts the real client in the background exits at once; its child
    // keeps the pipe open, and waiting for the pipe to close waited for the child.
    const result = await settles(runCommand(['/bin/sh', '-c', 'sleep 600 & echo "started $!"'], 200));
    const left = /^started (\d+)\n$/.exec(result.output);
    // The child it left behind is its own business (as before); the test does not leave it running.
    if (left?.[1] !== undefined) process.kill(Number(left[1]), 'SIGKILL');
    expect(left).not.toBeNull();
    expect(result.timedOut).toBe(true);
  });

  it("stays in the caller's process group, so what ends the gate's group ends its helpers", async () => {
    // accident: a helper in a group of its own outlived a gate killed with its group (a checker
    // left running for as long as it liked after the client was gone).
    const group = (stat: string): string => stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2] ?? '';
    const result = await settles(runCommand(['/bin/sh', '-c', 'cat /proc/$$/stat'], HANG_GUARD_MS));
    expect(group(result.output)).toBe(group(readFileSync('/proc/self/stat', 'utf8')));
  });

  it('a program that ends in time keeps its status and output', async () => {
    const result = await settles(runCommand(['/bin/sh', '-c', 'echo out; echo err >&2; exit 3'], HANG_GUARD_MS));
    expect(result).toEqual({ status: 3, output: 'err\nout\n', error: undefined, timedOut: false });
  });
});
