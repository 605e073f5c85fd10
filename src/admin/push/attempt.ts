// One rsync attempt, in its own process group so a timeout (or our own SIGTERM) kills rsync, ssh
// and anything ssh started, not just rsync. stdout carries rsync's itemized changes and --stats;
// stderr carries ssh's and rsync's errors and the gate's `zonegate:` replies.

import { spawn } from 'node:child_process';
import { GATE_TIMING_PREFIX } from '../../shared/exit-codes.js';
import { MAX_TIMING_LINE } from '../../shared/phase-timing.js';
import { MAX_STREAM_CHARS, sanitizeRemoteText } from './remote-text.js';
import { makeCapture } from './capture.js';

export interface AttemptResult {
  status: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  /** spawn error code (ENOENT…) when rsync could not start. */
  error: string | undefined;
  stdout: string;
  stderr: string;
  /** From spawn to close, in whole ms rounded up. */
  durationMs: number;
  /** When the gate's timing line arrived, in whole ms since spawn rounded up (shared/phase-timing.ts). */
  timingAtMs: number | undefined;
}

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
  const started = performance.now();
  const sinceStart = (): number => Math.ceil(performance.now() - started);
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    const child = spawn(file ?? '', args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
    // Each stream keeps its head and its tail, never more: with a hundred targets, a secondary
    // flooding its output must cost the primary a fixed amount of memory. The tail keeps what comes
    // last and matters most: rsync's --stats, the gate's timing and exit lines.
    const stdout = makeCapture(MAX_STREAM_CHARS);
    const stderr = makeCapture(MAX_STREAM_CHARS);
    let timedOut = false;
    let error: string | undefined;
    let timingAtMs: number | undefined;
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout.add(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr.add(chunk);
      // Notes when a line starting with the timing prefix is complete; a longer partial line than
      // any timing line is never one, so only a short carry is kept.
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      if (partial.length > MAX_TIMING_LINE) partial = 'x';
      if (lines.some((line) => line.startsWith(GATE_TIMING_PREFIX))) timingAtMs = sinceStart();
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
      Math.max(0, deadlineMs - Date.now()),
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
        stdout: sanitizeRemoteText(stdout.text(), { maxChars: MAX_STREAM_CHARS }),
        stderr: sanitizeRemoteText(stderr.text(), { maxChars: MAX_STREAM_CHARS }),
        durationMs: sinceStart(),
        timingAtMs,
      });
    });
  });
}
