// `zonegate status` thresholds from the command line. Ages take seconds or one unit (90, 90s, 5m,
// 2h, 1d): a bare `2h` once became NaN, and a NaN threshold never fires. Anything else, and a
// WARNING threshold above its CRITICAL one, is a usage error.

import { UsageError } from '../../shared/errors.js';
import type { Thresholds } from './nagios.js';

const UNIT_SECONDS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

export function parseAge(option: string, value: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(value.trim());
  const unit = match === null ? undefined : UNIT_SECONDS[match[2] ?? ''];
  if (match === null || unit === undefined) {
    throw new UsageError(
      'usage',
      `--${option} ${JSON.stringify(value)}: an age is seconds, or a number with s, m, h or d (90, 90s, 5m, 2h, 1d)`,
    );
  }
  return Number(match[1]) * unit;
}

function parseCount(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new UsageError('usage', `--${option}: a whole number, 0 or more`);
  return value;
}

export interface ThresholdArgs {
  warnAge: string;
  critAge: string;
  warnFailures: number;
  critFailures: number;
  warnSkips: number;
}

export function parseThresholds(args: ThresholdArgs): Thresholds {
  const thresholds: Thresholds = {
    warnAge: parseAge('warn-age', args.warnAge),
    critAge: parseAge('crit-age', args.critAge),
    warnFailures: parseCount('warn-failures', args.warnFailures),
    critFailures: parseCount('crit-failures', args.critFailures),
    warnSkips: parseCount('warn-skips', args.warnSkips),
  };
  if (thresholds.warnAge > thresholds.critAge)
    throw new UsageError('usage', `--warn-age (${args.warnAge}) is above --crit-age (${args.critAge}): WARNING must come first`);
  if (thresholds.warnFailures > thresholds.critFailures)
    throw new UsageError('usage', `--warn-failures (${String(args.warnFailures)}) is above --crit-failures (${String(args.critFailures)})`);
  return thresholds;
}
