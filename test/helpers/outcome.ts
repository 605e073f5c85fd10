import { isGateError } from '../../src/shared/errors.js';

export type Outcome<T> = { kind: 'ok'; value: T } | { kind: 'refused'; reason: string; exitCode: number };

/** Runs fn and turns a thrown GateError into `{ kind: 'refused', reason }`; anything else rethrows. */
export function outcome<T>(fn: () => T): Outcome<T> {
  try {
    return { kind: 'ok', value: fn() };
  } catch (error) {
    if (isGateError(error)) return { kind: 'refused', reason: error.reason, exitCode: error.exitCode };
    throw error;
  }
}
