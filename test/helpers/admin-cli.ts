import { fileURLToPath } from 'node:url';
import { execa, type Result } from 'execa';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
export const ADMIN = `${ROOT}/bin/admin.js`;

/** Runs the built `zonegate` CLI (dist/ from the global setup) with a plain argv. */
export function zonegate(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Result> {
  return execa(process.execPath, [ADMIN, ...args], { reject: false, input: options.input ?? '', env: options.env ?? {}, timeout: 20_000 });
}
