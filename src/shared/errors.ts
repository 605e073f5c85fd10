// Error classes and the exit-code table. Every failure the gate or the admin CLI expects is one of
// these; anything else is a bug and exits 70. The 64–78 band never collides with rsync's 0–35.

export const EXIT = {
  ok: 0,
  usage: 64,
  request: 65,
  internal: 70,
  spawn: 69,
  denied: 77,
  config: 78,
} as const;

export abstract class GateError extends Error {
  abstract readonly exitCode: number;
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

/** Exit codes of zone-set pushes that rsync itself completed (DESIGN §2); 80–89, beside rsync's 0–35. */
export const ZONE_EXIT = {
  'zone-invalid': 80,
  'serial-not-increased': 81,
  'too-many-deletions': 82,
  'zoneset-busy': 83,
  'reload-failed': 84,
  'staging-failed': 85,
  'not-a-zone-file': 86,
  'promote-failed': 87,
  'option-refused-zoneset': 88,
} as const;

export type ZoneSetReason = keyof typeof ZONE_EXIT;

/** A zone-set push refused after or around the transfer; the live zones are left as they were. */
export class ZoneSetError extends GateError {
  readonly exitCode: number;
  constructor(reason: ZoneSetReason, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(reason, message, options);
    this.exitCode = ZONE_EXIT[reason];
  }
}

export function isGateError(error: unknown): error is GateError {
  return error instanceof GateError;
}
