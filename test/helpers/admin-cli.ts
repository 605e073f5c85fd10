import { PROJECT } from '../lab/paths.js';
import { run, type RunResult } from '../lab/run.js';

export const ROOT = PROJECT;
export const ADMIN = `${ROOT}/bin/admin.js`;

// run() moved to the lab (the lab's sshd uses it); re-exported so the tests keep one import.
export { run, type RunResult };

/** Runs the built `zonegate` CLI (dist/ from the global setup). */
export function zonegate(
  args: string[],
  options: { input?: string; env?: Record<string, string>; timeout?: number } = {},
): Promise<RunResult> {
  return run(process.execPath, [ADMIN, ...args], options);
}
