// Waiting on events, never on time: a test waits until what it needs has happened (a file holds a
// line, a process is gone, a child printed "ready"), not for a guessed number of milliseconds. The
// only clock is a hang guard, generous enough for a loaded 2-core machine, that turns a wait which
// never ends into a failure naming what was awaited.

import { readlinkSync, realpathSync } from 'node:fs';
import type { Readable } from 'node:stream';

/**
 * How long a wait may take before it counts as a hang (a failure), not a slow machine; under
 * vitest's 60 s test timeout, so the failure names what was awaited.
 */
export const HANG_GUARD_MS = 45_000;

/** Resolves once `condition` holds (checked at once, then every few ms); rejects only on a hang. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, hangGuardMs = HANG_GUARD_MS): Promise<void> {
  const deadline = Date.now() + hangGuardMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} after ${String(hangGuardMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves with the output so far once a stream's text matches `pattern`; rejects if it ends first. */
export function lineOn(stream: Readable, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer | string): void => {
      text += chunk.toString();
      if (pattern.test(text)) {
        stream.off('data', onData);
        stream.off('end', onEnd);
        resolve(text);
      }
    };
    const onEnd = (): void => {
      reject(new Error(`the stream ended before ${what}; it said: ${text}`));
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
  });
}

/**
 * Whether a process (not necessarily our child) is still running with its working directory under
 * `dir`; the directory tells it from an unrelated process that got the same pid later. A zombie has
 * no working directory, so it counts as gone.
 */
export function runsIn(pid: number, dir: string): boolean {
  try {
    return `${readlinkSync(`/proc/${String(pid)}/cwd`)}/`.startsWith(`${realpathSync(dir)}/`);
  } catch {
    return false;
  }
}
