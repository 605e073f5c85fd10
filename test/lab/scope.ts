// What the lab starts, it stops: a Scope remembers every child process by pid (and whether it leads
// its own process group) and every temp dir, and undoes them all on close(), on an error in
// withScope(), on SIGINT/SIGTERM/SIGHUP, and (synchronously, by SIGKILL) when the process exits
// without closing it, e.g. a crashed test worker. Tests that pass no scope get the process-wide one.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './wait.js';

const SIGNALS = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const;

interface Tracked {
  child: ChildProcess;
  /** Spawned detached: signals go to the whole group (-pid), so its own children stop too. */
  group: boolean;
  exited: Promise<void>;
}

export class Scope {
  private readonly children = new Map<number, Tracked>();
  private readonly dirs = new Set<string>();
  /** When set, close() leaves the temp dirs (for inspection) and says where they are. */
  keepDirs = false;

  /** Spawns a child this scope will stop; `detached` children are stopped as a process group. */
  spawn(file: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn(file, args, options);
    const pid = child.pid;
    if (pid === undefined) return child; // spawn failed: 'error' follows, nothing to track
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        this.children.delete(pid);
        resolve();
      });
    });
    this.children.set(pid, { child, group: options.detached === true, exited });
    return child;
  }

  /** A fresh temp dir (under `parent`, default the OS temp dir) that close() removes. */
  tempDir(prefix: string, parent = tmpdir()): string {
    const dir = mkdtempSync(join(parent, prefix));
    this.dirs.add(dir);
    return dir;
  }

  /** Stops one child: SIGTERM, then SIGKILL if it is still there after `graceMs`; resolves once it is gone. */
  async stop(child: ChildProcess, graceMs = 5000): Promise<void> {
    const tracked = child.pid === undefined ? undefined : this.children.get(child.pid);
    if (tracked === undefined) return;
    signal(tracked, 'SIGTERM');
    const timer = setTimeout(() => {
      signal(tracked, 'SIGKILL');
    }, graceMs);
    await tracked.exited;
    // A group's leader can be gone while the members it started are still dying (or ignore
    // SIGTERM): "stopped" means the whole group, so wait for it, SIGKILL still due at graceMs.
    if (tracked.group && child.pid !== undefined) await until(groupGone(child.pid), `process group ${String(child.pid)} to end`);
    clearTimeout(timer);
  }

  /** Removes one temp dir now and forgets it (with keepDirs, leaves it for close() to report). */
  removeDir(dir: string): void {
    if (this.keepDirs) return;
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    this.dirs.delete(dir);
  }

  /** Stops every child (in parallel, SIGTERM then SIGKILL) and removes every temp dir. */
  async close(): Promise<void> {
    await Promise.all([...this.children.values()].map((tracked) => this.stop(tracked.child)));
    this.removeDirs();
  }

  /** For exit and signal handlers, which cannot wait: SIGKILL every child, remove the dirs. */
  killNow(): void {
    for (const tracked of this.children.values()) signal(tracked, 'SIGKILL');
    this.children.clear();
    this.removeDirs();
  }

  /** The pids still running, for messages and tests. */
  pids(): number[] {
    return [...this.children.keys()];
  }

  private removeDirs(): void {
    for (const dir of this.dirs) {
      if (this.keepDirs) process.stderr.write(`kept ${dir}\n`);
      else rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    }
    this.dirs.clear();
  }
}

/** Whether no process of group `pgid` still runs (zombies do not run; /proc stat field 5 is the group). */
function groupGone(pgid: number): () => boolean {
  return () => {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so read after the last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (pgrp === String(pgid) && state !== 'Z') return false;
    }
    return true;
  };
}

function signal(tracked: Tracked, name: NodeJS.Signals): void {
  const pid = tracked.child.pid;
  if (pid === undefined) return;
  try {
    process.kill(tracked.group ? -pid : pid, name);
  } catch {
    // already gone
  }
}

/** The scope of lab parts started without one (tests): killed when the process exits. */
export const processScope = new Scope();
process.once('exit', () => {
  processScope.killNow();
});

/**
 * Runs `body` in a fresh scope and closes it afterwards, whether `body` returns or throws; while it
 * runs, SIGINT/SIGTERM/SIGHUP kill everything in it and exit 128+n. For the demo and the benchmarks.
 */
export async function withScope<T>(name: string, body: (scope: Scope) => Promise<T>): Promise<T> {
  const scope = new Scope();
  const onExit = (): void => {
    scope.killNow();
  };
  const handlers = SIGNALS.map(([sig, code]) => {
    const handler = (): void => {
      process.stderr.write(`\n${name}: ${sig}, cleaning up\n`);
      scope.killNow();
      process.exit(code);
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  process.on('exit', onExit);
  try {
    return await body(scope);
  } finally {
    await scope.close();
    process.removeListener('exit', onExit);
    for (const [sig, handler] of handlers) process.removeListener(sig, handler);
  }
}
