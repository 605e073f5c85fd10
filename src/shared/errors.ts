// Error classes. Every failure the gate or the admin CLI expects is one of these; anything else is a
// bug and exits 70. The codes themselves are in exit-codes.ts.

import { EXIT, ZONE_EXIT } from './exit-codes.js';

/**
 * Marks every GateError. The gate is two bundles (dist/gate.cjs and, loaded only for a zone-set
 * upload, dist/gate-zoneset.cjs), each with its own copy of these classes, so a ZoneSetError thrown
 * in the second is no `instanceof GateError` of the first. A registered symbol is one value in the
 * whole process, so the brand holds across both copies.
 */
const GATE_ERROR = Symbol.for('zonegate.GateError');

export abstract class GateError extends Error {
  abstract readonly exitCode: number;
  readonly [GATE_ERROR] = true;
  /** Stable, machine-readable reason code (tests and logs use this, never the message). */
  readonly reason: string;
  /** Extra fields for the audit log (never client-controlled keys). */
  readonly details: Record<string, unknown>;

  constructor(reason: string, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.details = options?.details ?? {};
    this.name = new.target.name;
  }
}

/** Admin CLI usage error. */
export class UsageError extends GateError {
  readonly exitCode = EXIT.usage;
}

/** Not a well-formed `rsync --server` invocation (tokenizer or parser). */
export class RequestError extends GateError {
  readonly exitCode = EXIT.request;
}

/** rsync (or the sandbox) could not be started. */
export class SpawnError extends GateError {
  readonly exitCode = EXIT.spawn;
}

/** Well-formed but refused by policy (rules, confinement, client address, log unwritable). */
export class DeniedError extends GateError {
  readonly exitCode = EXIT.denied;
}

/** Policy missing, unreadable, unsafely owned or invalid. */
export class ConfigError extends GateError {
  readonly exitCode = EXIT.config;
}

export type ZoneSetReason = keyof typeof ZONE_EXIT;

/** A zone-set push refused after or around the transfer; the live zones are left as they were. */
export class ZoneSetError extends GateError {
  readonly exitCode: number;
  constructor(reason: ZoneSetReason, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(reason, message, options);
    this.exitCode = ZONE_EXIT[reason];
  }
}

/** By brand, not class identity (see GATE_ERROR): true for a GateError from either bundle. */
export function isGateError(error: unknown): error is GateError {
  return typeof error === 'object' && error !== null && (error as { [GATE_ERROR]?: unknown })[GATE_ERROR] === true;
}

/** A ConfigError from either bundle (by brand and exit code, as isGateError). */
export function isConfigError(error: unknown): error is ConfigError {
  return isGateError(error) && error.exitCode === EXIT.config;
}
