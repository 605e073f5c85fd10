// What /proc says about live processes: tests wait on these events (a child appeared, a process group
// emptied) instead of sleeping for a guessed time.

import { readdirSync, readFileSync } from 'node:fs';

export interface Proc {
  pid: number;
  pgid: number;
  /** The argv words. */
  argv: string[];
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    // Field 2 (comm) is in parentheses and may hold spaces; the fields after the last ')' are fixed.
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (after[0] === 'Z') return undefined;
    const argv = readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8')
      .split('\0')
      .filter(Boolean);
    return { pid, pgid: Number(after[2]), argv };
  } catch {
    // Gone between readdir and read.
    return undefined;
  }
}

/** Every live (non-zombie) process. */
export function processes(): Proc[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProc(Number(name)))
    .filter((p): p is Proc => p !== undefined);
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 25));

/** Polls until `found` returns a value; the test's own timeout bounds the wait. */
export async function waitFor<T>(found: () => T | undefined): Promise<T> {
  for (;;) {
    const value = found();
    if (value !== undefined) return value;
    await tick();
  }
}

/** Resolves once no live process belongs to any of these process groups. */
export async function waitGroupsEmpty(pgids: readonly number[]): Promise<void> {
  await waitFor(() => (processes().some((p) => pgids.includes(p.pgid)) ? undefined : true));
}
