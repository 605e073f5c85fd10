// One rsync attempt, in its own process group so a timeout (or our own SIGTERM) kills rsync, ssh
// and anything ssh started, not just rsync. stdout carries rsync's itemized changes and --stats;
// stderr carries ssh's and rsync's errors and the gate's `zonegate:` replies.

import { spawn } from 'node:child_process';
import { MAX_STREAM_CHARS, sanitizeRemoteText } from './remote-text.js';

export interface AttemptResult {
  status: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  /** spawn error code (ENOENT…) when rsync could not start. */
  error: string | undefined;
  stdout: string;
  stderr: string;
  durationMs: number;
}

const CAP = 1 << 20;

/** Every running attempt's process group, so the runner can kill them all on SIGINT/SIGTERM. */
export const liveGroups = new Set<number>();

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export function runAttempt(argv: readonly string[], deadlineMs: number, env: Record<string, string>): Promise<AttemptResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    const child = spawn(file ?? '', args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let error: string | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < CAP) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < CAP) stderr += chunk;
    });
    const pid = child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    let hardKill: NodeJS.Timeout | undefined;
    const timer = setTimeout(
      () => {
        timedOut = true;
        if (pid === undefined) return;
        killGroup(pid, 'SIGTERM');
        // ssh stuck in a dead TCP connection may ignore nothing, but a wedged disk may: escalate.
        hardKill = setTimeout(() => {
          killGroup(pid, 'SIGKILL');
        }, 2000);
      },
      Math.max(0, deadlineMs - started),
    );
    child.once('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      if (hardKill) clearTimeout(hardKill);
      if (pid !== undefined) {
        // Whatever the group still holds (an ssh that outlived rsync) goes with it.
        killGroup(pid, 'SIGKILL');
        liveGroups.delete(pid);
      }
      resolve({
        status: status ?? undefined,
        signal: signal ?? undefined,
        timedOut,
        error,
        // Everything downstream (run log, status, mail, Nagios) sees only the cleaned text.
        stdout: sanitizeRemoteText(stdout, { maxChars: MAX_STREAM_CHARS }),
        stderr: sanitizeRemoteText(stderr, { maxChars: MAX_STREAM_CHARS }),
        durationMs: Date.now() - started,
      });
    });
  });
}
