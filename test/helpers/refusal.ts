import { isGateError } from '../../src/shared/errors.js';

export type Refusal<T> = { kind: 'ok'; value: T } | { kind: 'refused'; reason: string; message: string };

/** Runs `fn`, turning a thrown GateError into `{ kind: 'refused', reason, message }` (message for field-naming checks). */
export function refusal<T>(fn: () => T): Refusal<T> {
  try {
    return { kind: 'ok', value: fn() };
  } catch (error) {
    if (isGateError(error)) return { kind: 'refused', reason: error.reason, message: error.message };
    throw error;
  }
}
