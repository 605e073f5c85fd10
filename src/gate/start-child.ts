// Starts rsync (or bwrap) for spawn-rsync.ts. node:child_process is the documented way, but
// loading it pulls in node:net and the whole stream stack, about 5 ms of CPU on every allowed
// connection (scripts/bench-gate.ts; rrsync, in Python, simply execs rsync). The gate needs none
// of that: no pipes, only inherited descriptors and an exit status. So it asks Node's own
// process_wrap binding, which child_process uses underneath, for exactly that: file and argv
// array (no shell), cwd, a fixed environment, descriptors 0..n inherited. When a Node version
// offers no such binding (process.binding is deprecated), it falls back to child_process, with the
// same options; test/integration/gate-spawn.test.ts runs both.

// node:util is loaded by Node's own start anyway; node:os is not (below).
import { getSystemErrorName } from 'node:util';

export interface ChildOptions {
  cwd: string;
  env: Readonly<Record<string, string>>;
  /** Descriptors the child gets as 0, 1, 2, 3, …: the gate's own stdio, then any extra ones. */
  fds: readonly number[];
}

export interface StartedChild {
  kill(signal: NodeJS.Signals): void;
}

export interface ChildEvents {
  /** Called once: the exit status, or the signal that killed it. */
  exit(code: number | null, signal: NodeJS.Signals | null): void;
  /** Called once instead of exit when the child could not be started (ENOENT, EACCES, …). */
  error(code: string): void;
}

export type StartMethod = 'process-wrap' | 'child-process';

/** The shape of process_wrap's Process handle that the gate relies on; anything else means fall back. */
interface ProcessHandle {
  pid?: number;
  onexit?: (status: number, signal: string) => void;
  spawn(options: Record<string, unknown>): number;
  kill(signal: number): number;
  close(): void;
}

type ProcessHandleClass = new () => ProcessHandle;

function processWrap(): ProcessHandleClass | undefined {
  const binding = (process as unknown as { binding?: (name: string) => unknown }).binding;
  if (typeof binding !== 'function') return undefined;
  try {
    const wrap = binding.call(process, 'process_wrap') as { Process?: unknown } | undefined;
    const Process = wrap?.Process;
    if (typeof Process !== 'function') return undefined;
    const proto = (Process as { prototype?: Record<string, unknown> }).prototype;
    if (typeof proto?.['spawn'] !== 'function' || typeof proto['kill'] !== 'function' || typeof proto['close'] !== 'function')
      return undefined;
    return Process as ProcessHandleClass;
  } catch {
    return undefined;
  }
}

/** Which way startChild() will take on this Node. */
export function startMethod(): StartMethod {
  return processWrap() === undefined ? 'child-process' : 'process-wrap';
}

function startWithProcessWrap(
  Process: ProcessHandleClass,
  file: string,
  args: readonly string[],
  options: ChildOptions,
  events: ChildEvents,
): StartedChild {
  const handle = new Process();
  // Signals go only to a child that started and has not been reaped: a handle without a pid
  // would signal pid 0, the gate's whole process group (child_process guards this the same way).
  let running = false;
  handle.onexit = (status, signal) => {
    running = false;
    handle.close();
    // The binding names the signal ('SIGTERM'), or gives '' for a normal exit.
    if (signal === '') events.exit(status, null);
    else events.exit(null, signal as NodeJS.Signals);
  };
  const error = handle.spawn({
    file,
    args: [file, ...args],
    cwd: options.cwd,
    envPairs: Object.entries(options.env).map(([name, value]) => `${name}=${value}`),
    stdio: options.fds.map((fd) => ({ type: 'fd', fd })),
    detached: false,
    windowsHide: false,
    windowsVerbatimArguments: false,
  });
  if (error === 0 && typeof handle.pid === 'number' && handle.pid > 0) {
    running = true;
  } else {
    handle.close();
    // Reported after this call returns, as child_process does, so callers see one order of events.
    process.nextTick(() => {
      events.error(error === 0 ? 'no pid' : getSystemErrorName(error));
    });
  }
  return {
    kill(signal) {
      if (running) handle.kill(signalNumber(signal));
    },
  };
}

function startWithChildProcess(
  spawn: typeof import('node:child_process').spawn,
  file: string,
  args: readonly string[],
  options: ChildOptions,
  events: ChildEvents,
): StartedChild {
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: { ...options.env },
    stdio: options.fds.map((fd) => (fd <= 2 ? 'inherit' : fd)),
    shell: false,
  });
  child.once('error', (error: NodeJS.ErrnoException) => {
    events.error(error.code ?? error.message);
  });
  child.once('exit', (code, signal) => {
    events.exit(code, signal);
  });
  return {
    kill(signal) {
      child.kill(signal);
    },
  };
}

/**
 * Signal numbers from node:os, loaded by childStarter(): only a run needs them, and loading node:os
 * at the top would cost every refusal about 0.13 ms of its start. Empty until then: no child exists
 * before childStarter() has resolved, so nothing is killed or reaped before.
 */
let osSignals: Partial<Record<NodeJS.Signals, number>> = {};

function signalNumber(signal: NodeJS.Signals): number {
  // Only the three relayed signals, TERM and KILL are ever sent; all exist on Linux (TERM is 15).
  return osSignals[signal] ?? osSignals.SIGTERM ?? 15;
}

/** 128 + n for a child killed by signal n, as a shell reports it (0 for a name this Node does not know). */
export function signalExitStatus(signal: NodeJS.Signals): number {
  return 128 + (osSignals[signal] ?? 0);
}

/** Starts `file` with `args` (no shell) and reports its end through `events`; synchronous. */
export type ChildStarter = (file: string, args: readonly string[], options: ChildOptions, events: ChildEvents) => StartedChild;

/**
 * The way to start children on this Node: process_wrap when it has it (`method` forces one, for
 * tests). Anything that must be loaded is loaded here, so that the caller can set up its signal
 * relay and start the child with no await in between (spawn-rsync.ts).
 */
export async function childStarter(method: StartMethod = startMethod()): Promise<ChildStarter> {
  osSignals = (await import('node:os')).constants.signals;
  const Process = method === 'process-wrap' ? processWrap() : undefined;
  if (Process !== undefined) return (file, args, options, events) => startWithProcessWrap(Process, file, args, options, events);
  const { spawn } = await import('node:child_process');
  return (file, args, options, events) => startWithChildProcess(spawn, file, args, options, events);
}
