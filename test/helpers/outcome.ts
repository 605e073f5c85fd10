import { isGateError } from '../../src/shared/errors.js';

export type Outcome<T> = { kind: 'ok'; value: T } | { kind: 'refused'; reason: string; exitCode: number; message: string };

/**
 * Runs fn and turns a thrown GateError into `{ kind: 'refused', reason, exitCode, message }` (the
 * message for checks on the field or text it names); anything else rethrows.
 */
export function outcome<T>(fn: () => T): Outcome<T> {
  try {
    return { kind: 'ok', value: fn() };
  } catch (error) {
    if (isGateError(error)) return { kind: 'refused', reason: error.reason, exitCode: error.exitCode, message: error.message };
    throw error;
  }
}

/** A rebuilt server argv as the client would send it: `rsync` first, without the `--` only the gate adds. */
export function clientShape(argv: readonly string[]): string[] {
  return ['rsync', ...argv.filter((word) => word !== '--')];
}
