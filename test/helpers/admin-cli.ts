import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
export const ADMIN = `${ROOT}/bin/admin.js`;

export interface RunResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argv array (never a shell) and collects text output; never throws on exit codes. */
export async function run(
  file: string,
  args: string[],
  options: { input?: string; env?: Record<string, string>; timeout?: number } = {},
): Promise<RunResult> {
  const result = await execa(file, args, {
    reject: false,
    input: options.input ?? '',
    env: options.env ?? {},
    timeout: options.timeout ?? 20_000,
  });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the built `zonegate` CLI (dist/ from the global setup). */
export function zonegate(
  args: string[],
  options: { input?: string; env?: Record<string, string>; timeout?: number } = {},
): Promise<RunResult> {
  return run(process.execPath, [ADMIN, ...args], options);
}
