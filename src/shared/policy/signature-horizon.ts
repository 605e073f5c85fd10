// `signatureHorizon` (a zone set's, and a target's on the primary): how long every RRSIG of a
// signed zone must stay valid after the push. A whole number of seconds, as the *Seconds settings
// take, or one number with s, m, h or d ("3d", "72h"), as `zonegate status --warn-age` takes.

import type { JsonValue } from '../jsonc.js';
import type { Validator } from './validator.js';

/** Three days: long enough for a resolver's cache and a weekend without the signer. */
export const SIGNATURE_HORIZON_DEFAULT_SECONDS = 3 * 86_400;
/** Above the validity most signers give (30 days), every signed zone would be refused. */
const MAX_SECONDS = 90 * 86_400;
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds, or undefined when the text is not one of the accepted forms. */
export function parseHorizon(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= MAX_SECONDS ? value : undefined;
  const match = /^(\d{1,7})([smhd])$/.exec(value);
  if (match === null) return undefined;
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] ?? ''] ?? Number.NaN);
  return seconds <= MAX_SECONDS ? seconds : undefined;
}

export function validateHorizon(v: Validator, value: JsonValue | undefined, path: string): number {
  if (value === undefined) return SIGNATURE_HORIZON_DEFAULT_SECONDS;
  const seconds = typeof value === 'number' || typeof value === 'string' ? parseHorizon(value) : undefined;
  if (seconds === undefined) v.fail(path, 'must be whole seconds (259200) or a number with s, m, h or d ("3d", "72h"), at most 90 days');
  return seconds;
}

/** How a horizon is shown in messages: the largest whole unit ("3d", "36h", "0s"). */
export function renderHorizon(seconds: number): string {
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const)
    if (seconds > 0 && seconds % size === 0) return `${String(seconds / size)}${unit}`;
  return `${String(seconds)}s`;
}
