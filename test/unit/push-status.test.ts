// `zonegate status` renderers: Nagios plugin output and exit codes, Prometheus textfile format,
// the gate-log fallback for a secondary's last good push, the progress display, host-key pinning.

import { describe, expect, it } from 'vitest';
import { fingerprintOf, knownHostsName, parseKeyscan, replaceKnownHosts } from '../../src/admin/push/host-key.js';
import { renderProgress } from '../../src/admin/push/progress.js';
import { emptyStatus, recordRun, recordSkip, type TargetOutcome } from '../../src/admin/push/status-file.js';
import type { TargetPhase } from '../../src/admin/push/target-push.js';
import { NAGIOS_EXIT } from '../../src/shared/exit-codes.js';
import { DEFAULT_THRESHOLDS, evaluateNagios } from '../../src/admin/status/nagios.js';
import { renderPrometheus } from '../../src/admin/status/prometheus.js';
import { lastGoodFromGateLog } from '../../src/admin/status/secondary.js';

/** A zone set whose health was not looked at (the secondary's extra checks have their own tests). */
const NO_HEALTH = { lastPush: undefined, space: undefined, server: { kind: 'not-checked', why: 'unit test' } } as const;

const now = Date.parse('2024-01-01T12:00:00Z');
const at = (secondsAgo: number): Date => new Date(now - secondsAgo * 1000);
const outcome = (target: string, ok: boolean): TargetOutcome => ({
  target,
  kind: ok ? 'ok' : 'failed',
  status: ok ? 0 : 255,
  reason: ok ? 'pushed' : 'ssh connection failed',
  attempts: 1,
  durationMs: 1500,
  bytesSent: 10,
  zonesChanged: 1,
});
const runs = (...list: [number, boolean][]): ReturnType<typeof emptyStatus> =>
  list.reduce((status, [ago, ok]) => recordRun(status, [outcome('ns2', ok)], ok ? 0 : 2, at(ago), '/log'), emptyStatus());

describe('evaluateNagios', () => {
  const primary = (status: ReturnType<typeof emptyStatus> | null) => ({ primary: { status, targets: ['ns2'] }, zoneSets: [] });
  it.each([
    [
      'fresh success',
      primary(runs([60, true])),
      NAGIOS_EXIT.ok,
      /^ZONEGATE OK - 1 item\(s\) fine \| 'ns2_age'=60s;3600;10800;0 'ns2_consecutive_failures'=0;1;3;0/,
    ],
    [
      'one failure after a recent success',
      primary(runs([600, true], [60, false])),
      NAGIOS_EXIT.warning,
      /^ZONEGATE WARNING - ns2: 1 consecutive failure\(s\) \(ssh connection failed\)/,
    ],
    [
      'three failures',
      primary(runs([900, true], [600, false], [300, false], [60, false])),
      NAGIOS_EXIT.critical,
      /^ZONEGATE CRITICAL - ns2: 3 consecutive failures/,
    ],
    ['success too old', primary(runs([4000, true])), NAGIOS_EXIT.warning, /last success 4000 s ago \(>= 3600\)/],
    ['success far too old', primary(runs([20000, true])), NAGIOS_EXIT.critical, /last success 20000 s ago \(>= 10800\)/],
    ['never succeeded', primary(runs([60, false])), NAGIOS_EXIT.critical, /ns2: never pushed successfully/],
    ['no run yet', primary(emptyStatus()), NAGIOS_EXIT.unknown, /ns2: no push run recorded yet/],
    ['unreadable status file', primary(null), NAGIOS_EXIT.unknown, /unreadable/],
    ['skips in a row', primary(recordSkip(recordSkip(runs([60, true]), at(30)), at(10))), NAGIOS_EXIT.warning, /2 runs skipped in a row/],
    ['nothing configured', { primary: undefined, zoneSets: [] }, NAGIOS_EXIT.unknown, /nothing to monitor/],
    [
      'fresh zone set',
      {
        primary: undefined,
        zoneSets: [{ ...NO_HEALTH, name: 'ext', root: '/z', release: 'r1', zones: 3, lastGoodPush: at(100).toISOString() }],
      },
      NAGIOS_EXIT.ok,
      /'zoneset_ext_age'=100s/,
    ],
    [
      "stale zone set: the primary's cron is dead",
      {
        primary: undefined,
        zoneSets: [{ ...NO_HEALTH, name: 'ext', root: '/z', release: 'r1', zones: 3, lastGoodPush: at(11000).toISOString() }],
      },
      NAGIOS_EXIT.critical,
      /zone set ext: last success 11000 s ago/,
    ],
    [
      'zone set with a reload owed by a killed gate',
      {
        primary: undefined,
        zoneSets: [
          {
            ...NO_HEALTH,
            name: 'ext',
            root: '/z',
            release: 'r1',
            zones: 3,
            lastGoodPush: at(100).toISOString(),
            owed: 'reload owed by an interrupted push (a.example)',
          },
        ],
      },
      NAGIOS_EXIT.warning,
      /^ZONEGATE WARNING - zone set ext: reload owed by an interrupted push \(a\.example\); the next push finishes it/,
    ],
    [
      'zone set never pushed',
      { primary: undefined, zoneSets: [{ ...NO_HEALTH, name: 'ext', root: '/z', release: undefined, zones: 0, lastGoodPush: undefined }] },
      NAGIOS_EXIT.critical,
      /zone set ext: no good push recorded/,
    ],
  ])('%s', (_name, input, code, pattern) => {
    const result = evaluateNagios(input, DEFAULT_THRESHOLDS, now);
    expect(result.code).toBe(code);
    expect(result.output).toMatch(pattern);
  });
});

describe('renderPrometheus', () => {
  it('renders counters and gauges with labels and HELP/TYPE lines', () => {
    const text = renderPrometheus(runs([60, true]), [
      { ...NO_HEALTH, name: 'ext"x', root: '/z', release: 'r', zones: 1, lastGoodPush: '2024-01-01T00:00:00.000Z' },
    ]);
    expect(text).toContain('# TYPE zonegate_push_runs_total counter\nzonegate_push_runs_total 1\n');
    expect(text).toContain(`zonegate_push_target_last_success_timestamp_seconds{target="ns2"} ${String((now - 60_000) / 1000)}\n`);
    expect(text).toContain('zonegate_push_target_last_duration_seconds{target="ns2"} 1.5\n');
    expect(text).toContain('zonegate_zoneset_last_good_push_timestamp_seconds{zoneset="ext\\"x"} 1704067200\n');
    expect(text).toContain('zonegate_zoneset_reload_owed{zoneset="ext\\"x"} 0\n');
    expect(text).not.toContain('undefined');
  });
});

describe('lastGoodFromGateLog', () => {
  it('takes the newest successful finished record per zone set, skipping failures and torn lines', () => {
    const log = [
      '{"level":30,"time":"2024-01-01T10:00:00.000Z","event":"finished","zoneSet":"ext","status":0,"outcome":"promoted"}',
      '{"level":30,"time":"2024-01-01T11:00:00.000Z","event":"finished","zoneSet":"ext","status":0,"outcome":"unchanged"}',
      '{"level":50,"time":"2024-01-01T11:30:00.000Z","event":"finished","zoneSet":"ext","status":80}',
      '{"level":30,"time":"2024-01-01T09:00:00.000Z","event":"finished","zoneSet":"int","status":0}',
      '{"level":30,"time":"2024-01-01T11:45:00.000Z","event":"decision","zoneSet":"ext"}',
      '{"level":30,"time":"2024-01-01T11:50:00.000Z","event":"finis',
    ].join('\n');
    expect(Object.fromEntries(lastGoodFromGateLog(log))).toEqual({ ext: '2024-01-01T11:00:00.000Z', int: '2024-01-01T09:00:00.000Z' });
  });
});

describe('renderProgress', () => {
  it("shows each target's phase", () => {
    const phases = new Map<string, TargetPhase>([
      ['ns2', { kind: 'running', attempt: 1 }],
      ['ns3', { kind: 'backoff', attempt: 1, untilMs: 5000 }],
      ['ns4', { kind: 'done', outcome: outcome('ns4', true) }],
      ['ns5', { kind: 'done', outcome: outcome('ns5', false) }],
      ['ns6', { kind: 'waiting' }],
    ]);
    expect(renderProgress(phases, 2000, 0, 1)).toEqual([
      '/ ns2     pushing  2.0s',
      '~ ns3     retry 2 in 3.0s',
      '✓ ns4     ok      1.5s  1 zone file(s) changed, 10 B sent',
      '✗ ns5     failed  1.5s  ssh connection failed',
      '  ns6     waiting',
    ]);
  });

  it('past the terminal height, counts and the targets worth watching only', () => {
    const phases = new Map<string, TargetPhase>([
      ...Array.from({ length: 90 }, (_, i): [string, TargetPhase] => [
        `ok${String(i)}`,
        { kind: 'done', outcome: outcome(`ok${String(i)}`, true) },
      ]),
      ['ns2', { kind: 'running', attempt: 1 }],
      ['ns5', { kind: 'done', outcome: outcome('ns5', false) }],
      ...Array.from({ length: 8 }, (_, i): [string, TargetPhase] => [`w${String(i)}`, { kind: 'waiting' }]),
    ]);
    expect(renderProgress(phases, 2000, 0, 1, 3)).toEqual([
      '  100 targets: 90 ok, 1 failed, 1 running, 8 waiting',
      '/ ns2     pushing  2.0s',
      '✗ ns5     failed  1.5s  ssh connection failed',
    ]);
    expect(renderProgress(phases, 2000, 0, 1, 2)).toHaveLength(2);
  });
});

describe('host keys', () => {
  const body = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
  it('fingerprints like ssh-keygen -l', () => {
    expect(fingerprintOf(body)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
  it.each([
    ['ns2.example.net', 22, 'ns2.example.net'],
    ['192.0.2.2', 2222, '[192.0.2.2]:2222'],
  ])('known_hosts name of %s port %i', (host, port, name) => {
    expect(knownHostsName(host, port)).toBe(name);
  });
  it('parses ssh-keyscan output, ignoring comments and junk', () => {
    expect(parseKeyscan(`# ns2:22 SSH-2.0-OpenSSH\nns2 ssh-ed25519 ${body}\nns2 ssh-rsa not;base64\n`).map((k) => k.type)).toEqual([
      'ssh-ed25519',
    ]);
  });
  it('replaces only the lines for that host', () => {
    const before = `[ns2]:2222 ssh-ed25519 OLD\nns3 ssh-ed25519 KEEP\n`;
    expect(replaceKnownHosts(before, '[ns2]:2222', [{ type: 'ssh-ed25519', body, fingerprint: '' }])).toBe(
      `ns3 ssh-ed25519 KEEP\n[ns2]:2222 ssh-ed25519 ${body}\n`,
    );
  });
});
