// `zonegate status --nagios` is run by Nagios/NRPE, which reads one status line on stdout and an
// exit code of 0-3; anything else shows as "(null)" or "out of bounds" and hides the problem. So
// every failure (a missing or broken config, a bad threshold) must still be one UNKNOWN line.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'zonegate-nagios-'));
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

function config(text: string, mode = 0o644): string {
  const file = join(base, 'zonegate.conf');
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

describe('zonegate status --nagios when it cannot tell', () => {
  it.each([
    [
      'a missing config',
      (): string[] => ['--config', join(base, 'missing.conf')],
      /^ZONEGATE UNKNOWN - .*missing\.conf: cannot read config \(ENOENT\)$/,
    ],
    ['a config that is not JSON', (): string[] => ['--config', config('{ "keys": \n')], /^ZONEGATE UNKNOWN - .*zonegate\.conf:\d+:\d+: /],
    ['an unknown setting', (): string[] => ['--config', config('{ "bogus": 1 }')], /^ZONEGATE UNKNOWN - .*bogus/],
    ['a world-writable config', (): string[] => ['--config', config('{}', 0o666)], /^ZONEGATE UNKNOWN - .*writable by group or others/],
    [
      'an age without a known unit',
      (): string[] => ['--config', config('{}'), '--crit-age', '2x'],
      /^ZONEGATE UNKNOWN - --crit-age "2x": an age is/,
    ],
    [
      'warn above crit',
      (): string[] => ['--config', config('{}'), '--warn-age', '3h', '--crit-age', '2h'],
      /^ZONEGATE UNKNOWN - --warn-age \(3h\) is above/,
    ],
    ['an unknown option', (): string[] => ['--config', config('{}'), '--crit-agee', '2h'], /^ZONEGATE UNKNOWN - Unknown argument/],
  ])('%s: one UNKNOWN line on stdout, exit 3', async (_what, args, line) => {
    const result = await zonegate(['status', '--nagios', ...args()]);
    expect(result.stdout).toMatch(line);
    expect(result.stdout.split('\n')).toHaveLength(1);
    expect(result.stdout).not.toContain('|');
    expect(result.exitCode).toBe(3);
  });

  // The fleet check's normal line starts `ZONEGATE FLEET`: its failure line must too, so a Nagios
  // pattern (or a person) reading one service's lines sees the same prefix whatever happened.
  it.each([
    [
      'a missing config',
      (): string[] => ['--config', join(base, 'missing.conf')],
      /^ZONEGATE FLEET UNKNOWN - .*missing\.conf: cannot read config \(ENOENT\)$/,
    ],
    ['an unknown setting', (): string[] => ['--config', config('{ "bogus": 1 }')], /^ZONEGATE FLEET UNKNOWN - .*bogus/],
    [
      'a lag without a known unit',
      (): string[] => ['--config', config('{}'), '--crit-lag', '2x'],
      /^ZONEGATE FLEET UNKNOWN - --crit-lag "2x": an age is/,
    ],
    [
      'warn above crit',
      (): string[] => ['--config', config('{}'), '--warn-lag', '3d', '--crit-lag', '1d'],
      /^ZONEGATE FLEET UNKNOWN - --warn-lag \(3d\) is above --crit-lag \(1d\)/,
    ],
    [
      'a concurrency of 0',
      (): string[] => ['--config', config('{}'), '--concurrency', '0'],
      /^ZONEGATE FLEET UNKNOWN - --concurrency: a whole number/,
    ],
    ['an unknown option', (): string[] => ['--config', config('{}'), '--warn-lagg', '2h'], /^ZONEGATE FLEET UNKNOWN - Unknown argument/],
  ])('--fleet, %s: one FLEET UNKNOWN line on stdout, exit 3', async (_what, args, line) => {
    const result = await zonegate(['status', '--fleet', '--nagios', ...args()]);
    expect(result.stdout).toMatch(line);
    expect(result.stdout.split('\n')).toHaveLength(1);
    expect(result.stdout).not.toContain('|');
    expect(result.exitCode).toBe(3);
  });

  it('takes 30m and 2h as ages, and without --nagios a bad age is a usage error (64)', async () => {
    const ok = await zonegate(['status', '--nagios', '--config', config('{}'), '--warn-age', '30m', '--crit-age', '2h']);
    expect(ok.stdout).toMatch(/^ZONEGATE (OK|UNKNOWN|WARNING|CRITICAL) - /);
    expect([0, 1, 2, 3]).toContain(ok.exitCode);
    const bad = await zonegate(['status', '--config', config('{}'), '--crit-age', 'abc']);
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toMatch(/--crit-age "abc": an age is/);
  });
});
