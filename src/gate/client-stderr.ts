// The gate's lines for the client (refusals, zone-set progress, the exit status line) go straight to
// fd 2 with writeSync. process.stderr would load Node's whole stream stack first (node:stream,
// net or tty, about 1.6 ms of CPU on every refusal, measured by scripts/bench-gate.ts), and the
// gate only ever writes a few short lines, after rsync has exited or before it starts.

import { writeSync } from 'node:fs';

/** How long a full, non-blocking stderr (rsync sets O_NONBLOCK on a shared pipe) may hold a line. */
const RETRY_LIMIT_MS = 2000;
const RETRY_SLEEP_MS = 1;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Where the lines go: fd 2, except while scripts/build-gate-cache.cjs warms the gate up. */
export const clientStderr = { fd: 2 };

/**
 * Writes `text` to fd 2 in full. A client that went away (EPIPE, EBADF) or a pipe still full after
 * RETRY_LIMIT_MS loses the line: it is a courtesy, the audit log holds every decision.
 */
export function writeClientStderr(text: string, fd = clientStderr.fd): void {
  let rest = Buffer.from(text, 'utf8');
  let waited = 0;
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || waited >= RETRY_LIMIT_MS) return;
      // The event loop is not running here; a short blocking wait lets the reader drain the pipe.
      Atomics.wait(sleeper, 0, 0, RETRY_SLEEP_MS);
      waited += RETRY_SLEEP_MS;
    }
  }
}
