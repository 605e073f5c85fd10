// `zonegate push` against three secondaries: a healthy sshd + gate, a dead port, and a slow gate
// (its transfer is held until the test releases it). The report names each outcome, the healthy
// one is not held up by the others, counters and `zonegate status` (text, JSON, Nagios, Prometheus)
// match what happened. Order, not duration, is asserted: timing goals live in the benchmarks.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonegate, type RunResult } from '../helpers/admin-cli.js';
import { makePushWorld, type PushWorld } from '../helpers/push-world.js';
import { until } from '../lab/wait.js';

let world: PushWorld;
let config: string;
let first: RunResult;
/** The targets reported while the slow one was still held on its secondary, in order. */
let reportedWhileSlowHeld: string[];

interface Event {
  event: string;
  target?: string;
  kind?: string;
  status?: number;
  attempts?: number;
}
/** Every event of the run logs so far; a line still being written is left for the next look. */
const events = (): Event[] =>
  readdirSync(world.logDir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) =>
      readFileSync(join(world.logDir, f), 'utf8')
        .split('\n')
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Event];
          } catch {
            return [];
          }
        }),
    );
const reported = (): string[] => events().flatMap((e) => (e.event === 'target' && e.target !== undefined ? [e.target] : []));

beforeAll(async () => {
  world = await makePushWorld();
  // The slow target's timeout must not be what ends it: the test releases it.
  config = world.writeConfig(undefined, {}, { slow: { timeoutSeconds: 600 } });
  const run = zonegate(['push', '--config', config], { timeout: 120_000 });
  await until(
    () => world.slowStarted().length === 1 && existsSync(world.logDir) && ['healthy', 'down'].every((t) => reported().includes(t)),
    'the healthy and the down target to be reported while the slow one is held',
  );
  reportedWhileSlowHeld = reported();
  world.releaseSlow();
  first = await run;
});
afterAll(async () => world?.stop());

describe('push to healthy, down and slow targets', () => {
  it('exits 1 (partial failure) and names the failed target on stderr, not the ones that succeeded; nothing on stdout', () => {
    expect(first.exitCode).toBe(1);
    expect(first.stdout).toBe('');
    expect(first.stderr).toMatch(/2 of 3 target\(s\) ok/);
    expect(first.stderr).toMatch(/^ {2}down: failed \(exit 255\): ssh connection failed: .*Connection refused$/m);
    expect(first.stderr).not.toMatch(/^ {2}(healthy|slow): /m);
  });

  it('delivers the zones to the live release of the healthy and the slow secondary', () => {
    for (const root of [world.healthy.root, world.slow.root]) {
      expect(readdirSync(join(root, 'current')).sort()).toEqual(['db.zone0.example', 'db.zone1.example', 'db.zone2.example']);
    }
  });

  it('reports the healthy target as soon as it is done, not after the slow or the dead one', () => {
    // Parallel, and nobody waits for the slow one: both others ended while its transfer was held.
    expect([...reportedWhileSlowHeld].sort()).toEqual(['down', 'healthy']);
    expect(reported()).toEqual([...reportedWhileSlowHeld, 'slow']);
    // The dead one was retried (transient: connection refused) twice with backoff.
    const down = events().find((e) => e.event === 'target' && e.target === 'down');
    expect(down?.attempts).toBe(3);
  });

  it('writes the itemized changes and the gate replies into the run log', () => {
    const log = readFileSync(
      readdirSync(world.logDir)
        .filter((f) => f.endsWith('.log'))
        .map((f) => join(world.logDir, f))[0] as string,
      'utf8',
    );
    expect(log).toMatch(/^healthy rsync\| <f\+{9} db\.zone0\.example$/m);
    expect(log).toMatch(/^healthy stderr\| zonegate: zone set ext-healthy: release/m);
    expect(log).toMatch(/^down stderr\| ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused$/m);
  });

  it('keeps counters in the status file and prints them as JSON', async () => {
    const status = await zonegate(['status', '--config', config, '--json']);
    expect(status.exitCode).toBe(0);
    const { push } = JSON.parse(status.stdout) as {
      push: { runs: number; failedRuns: number; targets: Record<string, Record<string, unknown>> };
    };
    expect(push).toMatchObject({ runs: 1, failedRuns: 1 });
    expect(push.targets['healthy']).toMatchObject({ runs: 1, failures: 0, consecutiveFailures: 0, lastOutcome: 'ok', lastZonesChanged: 3 });
    expect(push.targets['healthy']?.['lastBytesSent']).toBeGreaterThan(400);
    expect(push.targets['down']).toMatchObject({ runs: 1, failures: 1, consecutiveFailures: 1, lastOutcome: 'failed' });
    expect(push.targets['down']).not.toHaveProperty('lastSuccess');
    expect(push.targets['slow']).toMatchObject({ runs: 1, failures: 0, lastOutcome: 'ok' });
  });

  it('is CRITICAL for Nagios while a target never succeeded, OK for the healthy ones alone, WARNING on age', async () => {
    const all = await zonegate(['status', '--config', config, '--nagios']);
    expect(all.exitCode).toBe(2);
    expect(all.stdout).toMatch(/^ZONEGATE CRITICAL - down: never pushed successfully; down: 1 consecutive failure\(s\)/);
    expect(all.stdout).toMatch(/\| .*'healthy_age'=\d+s;3600;10800;0 'healthy_consecutive_failures'=0;1;3;0/);
    const healthyOnly = world.writeConfig([world.healthy, world.slow]);
    const ok = await zonegate(['status', '--config', healthyOnly, '--nagios']);
    expect({ code: ok.exitCode, line: ok.stdout.split('\n')[0]?.split(' | ')[0] }).toEqual({
      code: 0,
      line: 'ZONEGATE OK - 2 item(s) fine',
    });
    const old = await zonegate(['status', '--config', healthyOnly, '--nagios', '--warn-age', '0', '--crit-age', '99999']);
    expect(old.exitCode).toBe(1);
    expect(old.stdout).toMatch(/^ZONEGATE WARNING - healthy: last success \d+ s ago/);
  });

  it('exports node_exporter metrics', async () => {
    const metrics = await zonegate(['status', '--config', config, '--prometheus']);
    expect(metrics.exitCode).toBe(0);
    expect(metrics.stdout).toMatch(/^zonegate_push_runs_total 1$/m);
    expect(metrics.stdout).toMatch(/^zonegate_push_target_consecutive_failures\{target="down"\} 1$/m);
    expect(metrics.stdout).toMatch(
      /^# TYPE zonegate_push_target_last_success_timestamp_seconds gauge\nzonegate_push_target_last_success_timestamp_seconds\{target="healthy"\} \d+/m,
    );
  });

  it('a second run with nothing changed is quiet and exits 0 (only the healthy targets)', async () => {
    const again = await zonegate(['push', '--config', config, 'healthy', 'slow']);
    expect(again).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    const status = JSON.parse((await zonegate(['status', '--config', config, '--json'])).stdout) as {
      push: { targets: Record<string, Record<string, unknown>> };
    };
    expect(status.push.targets['healthy']).toMatchObject({ runs: 2, lastZonesChanged: 0 });
    expect(status.push.targets['down']).toMatchObject({ runs: 1 });
  });

  it("on the secondary, status reads the zone set's last good push and goes CRITICAL when it is too old", async () => {
    const secondaryConfig = join(world.healthy.root, '..', 'gate.conf');
    const fresh = await zonegate(['status', '--config', secondaryConfig, '--nagios']);
    expect(fresh.exitCode).toBe(0);
    expect(fresh.stdout).toMatch(/zone set ext-healthy: last good push \d+ s ago/);
    const stale = await zonegate(['status', '--config', secondaryConfig, '--nagios', '--warn-age', '0', '--crit-age', '0']);
    expect(stale.exitCode).toBe(2);
    expect(stale.stdout).toMatch(/^ZONEGATE CRITICAL - zone set ext-healthy: last success/);
  });
});
