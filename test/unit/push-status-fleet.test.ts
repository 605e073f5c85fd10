// The monitoring of a primary with a hundred targets: the status file, the Nagios line and the
// Prometheus text stay right and bounded when many fail at once. The Nagios status line names the
// worst few problems and counts the rest (each follows on a line of its own), so it stays far below
// what Nagios keeps of a plugin's output; the perfdata counts the failing targets.

import { describe, expect, it } from 'vitest';
import { emptyStatus, recordRun, type TargetOutcome } from '../../src/admin/push/status-file.js';
import { renderSummary } from '../../src/admin/push/runner.js';
import { runExitCode } from '../../src/admin/push/run-exit-code.js';
import { DEFAULT_THRESHOLDS, evaluateNagios } from '../../src/admin/status/nagios.js';
import { renderPrometheus } from '../../src/admin/status/prometheus.js';
import { NAGIOS_EXIT, PUSH_EXIT } from '../../src/shared/exit-codes.js';

const names = Array.from({ length: 100 }, (_, i) => `ns${String(i)}`);
const outcome = (target: string, ok: boolean): TargetOutcome => ({
  target,
  kind: ok ? 'ok' : 'failed',
  status: ok ? 0 : 255,
  reason: ok ? 'pushed' : `ssh connection failed: ssh: connect to host ${target} port 22: Connection refused ${'x'.repeat(200)}`,
  attempts: ok ? 1 : 3,
  durationMs: 100,
  bytesSent: 10,
  zonesChanged: 1,
});
const now = Date.parse('2026-11-26T00:00:00Z');

function fleetRun(failing: number): { outcomes: TargetOutcome[]; status: ReturnType<typeof recordRun> } {
  const outcomes = names.map((name, i) => outcome(name, i >= failing));
  const status = recordRun(emptyStatus(), outcomes, runExitCode(outcomes), new Date(now - 60_000), '/var/log/zonegate/push/x.log');
  return { outcomes, status };
}

describe('a hundred targets', () => {
  it('two failing: exit 1, a summary of the two, Nagios CRITICAL naming both', () => {
    const { outcomes, status } = fleetRun(2);
    expect(runExitCode(outcomes)).toBe(PUSH_EXIT.partial);
    const summary = renderSummary(outcomes, '/var/log/zonegate/push/x.log');
    expect(summary.split('\n').filter((l) => /^ {2}ns\d+: /.test(l))).toHaveLength(2);
    expect(summary).toMatch(/^zonegate push: 98 of 100 target\(s\) ok\n {2}ns0: failed \(exit 255\): /);
    const nagios = evaluateNagios({ primary: { status, targets: names }, zoneSets: [] }, DEFAULT_THRESHOLDS, now);
    expect(nagios.code).toBe(NAGIOS_EXIT.critical);
    const first = nagios.output.split('\n')[0] ?? '';
    expect(first).toMatch(/^ZONEGATE CRITICAL - ns0: never pushed successfully; ns0: 1 consecutive failure\(s\) .*; ns1: never/);
    expect(first).toContain("'targets_failing'=2;;;0;100");
  });

  it('sixty failing: the status line names the worst five and counts the rest, each listed below', () => {
    const { status } = fleetRun(60);
    const nagios = evaluateNagios({ primary: { status, targets: names }, zoneSets: [] }, DEFAULT_THRESHOLDS, now);
    expect(nagios.code).toBe(NAGIOS_EXIT.critical);
    const [first = '', ...rest] = nagios.output.split('\n');
    const headline = first.split(' | ')[0] ?? '';
    expect(headline.length).toBeLessThan(2500);
    // Each failing target raises two problems (never succeeded: CRITICAL; one failure: WARNING).
    expect(headline).toMatch(/; and 115 more problem\(s\), listed below$/);
    expect(headline).not.toContain('consecutive failure');
    expect(rest.filter((l) => l.startsWith('problem: '))).toHaveLength(120);
    expect(first).toContain("'targets_failing'=60;;;0;100");
    // Prometheus: one series per target and metric, no more.
    const metrics = renderPrometheus(status, []);
    expect(metrics.split('\n').filter((l) => l.startsWith('zonegate_push_target_consecutive_failures{'))).toHaveLength(100);
  });

  it('all fine: OK, quiet', () => {
    const { status } = fleetRun(0);
    const nagios = evaluateNagios({ primary: { status, targets: names }, zoneSets: [] }, DEFAULT_THRESHOLDS, now);
    expect(nagios.code).toBe(NAGIOS_EXIT.ok);
    expect(nagios.output).toMatch(/^ZONEGATE OK - 100 item\(s\) fine \| /);
    expect(nagios.output).not.toContain('problem: ');
  });
});
