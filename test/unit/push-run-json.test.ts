// `push --json` is read by scripts: one object, the same fields with and without --dry-run, and a
// dry run's report lines only when it was one.

import { describe, expect, it } from 'vitest';
import { renderRunJson } from '../../src/admin/push/run-json.js';
import type { TargetOutcome } from '../../src/admin/push/status-file.js';

const outcome: TargetOutcome = {
  target: 'ns2',
  kind: 'ok',
  status: undefined,
  reason: 'pushed',
  attempts: 1,
  durationMs: 412,
  bytesSent: 100,
  zonesChanged: 1,
  dryRun: ['changed example.com 1 -> 2'],
};

describe('push --json', () => {
  it('is one line of JSON with the counts and each target', () => {
    const text = renderRunJson({ exitCode: 0, outcomes: [outcome], runLog: '/var/log/zonegate/push/run.log' });
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd().includes('\n')).toBe(false);
    const run = JSON.parse(text) as Record<string, unknown>;
    expect(run).toMatchObject({ exitCode: 0, ok: 1, failed: 0, targets: [{ target: 'ns2', status: null, timing: null }] });
    expect(run).not.toHaveProperty('dryRun');
    expect((run['targets'] as Record<string, unknown>[])[0]).not.toHaveProperty('dryRun');
  });

  it('carries each target report under --dry-run', () => {
    const run = JSON.parse(
      renderRunJson({
        exitCode: 0,
        outcomes: [outcome, { ...outcome, target: 'ns3', dryRun: [] }],
        runLog: undefined,
        dryRun: true,
      }),
    ) as {
      dryRun: boolean;
      targets: { target: string; dryRun: string[] }[];
    };
    expect(run.dryRun).toBe(true);
    expect(run.targets.map((t) => [t.target, t.dryRun])).toEqual([
      ['ns2', ['changed example.com 1 -> 2']],
      ['ns3', []],
    ]);
  });
});
