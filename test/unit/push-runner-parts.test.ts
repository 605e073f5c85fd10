// Pure parts of `zonegate push`: exit-code classification, backoff, rsync output parsing, log
// retention, counters and the run's exit code.

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, PUSH_EXIT, ZONE_EXIT } from '../../src/shared/exit-codes.js';
import { runExitCode } from '../../src/admin/push/run-exit-code.js';
import { rsyncArgv, summarizeRsyncOutput } from '../../src/admin/push/rsync-argv.js';
import { logsToRemove, pruneRunLogs } from '../../src/admin/push/run-log.js';
import { emptyStatus, recordRun, recordSkip, type TargetOutcome } from '../../src/admin/push/status-file.js';
import { backoffMs, classifyExit } from '../../src/admin/push/transient.js';
import { changedFiles } from '../../src/admin/push/validate.js';
import { skipMatcher, skipOptions } from '../../src/admin/push/skip.js';
import { renderZoneListChange } from '../../src/admin/push/zone-list-change.js';
import { PUSH_DEFAULTS } from '../../src/shared/policy/defaults.js';
import type { Target } from '../../src/shared/policy/types.js';

describe('classifyExit', () => {
  it.each([
    [0, '', { kind: 'ok' }],
    [255, 'ssh: connect to host 192.0.2.1 port 22: Connection refused', { kind: 'failed', transient: true }],
    [255, 'Host key verification failed.', { kind: 'failed', transient: false }],
    [255, 'root@192.0.2.1: Permission denied (publickey).', { kind: 'failed', transient: false }],
    [12, 'rsync: connection unexpectedly closed', { kind: 'failed', transient: true }],
    // rsync reported its own 12 before ssh's 255 reached it: ssh's line says what happened.
    [
      12,
      'ssh: connect to host 127.0.0.1 port 55804: Connection refused\nrsync: connection unexpectedly closed',
      { kind: 'failed', status: 255, transient: true, reason: 'ssh connection failed' },
    ],
    [
      12,
      'root@192.0.2.1: Permission denied (publickey).\nrsync: connection unexpectedly closed',
      { kind: 'failed', status: 255, transient: false },
    ],
    [30, '', { kind: 'failed', transient: true }],
    [35, '', { kind: 'failed', transient: true }],
    [10, '', { kind: 'failed', transient: true }],
    [ZONE_EXIT['zoneset-busy'], 'zonegate: zone set ext is busy', { kind: 'failed', transient: true }],
    [EXIT.denied, 'gate: request refused', { kind: 'failed', transient: false }],
    [EXIT.request, '', { kind: 'failed', transient: false }],
    [EXIT.config, '', { kind: 'failed', transient: false }],
    [ZONE_EXIT['zone-invalid'], '', { kind: 'failed', transient: false, reason: 'gate: zone invalid' }],
    [ZONE_EXIT['serial-not-increased'], '', { kind: 'failed', transient: false, reason: 'gate: serial not increased' }],
    [ZONE_EXIT['too-many-deletions'], '', { kind: 'failed', transient: false }],
    [ZONE_EXIT['not-a-zone-file'], '', { kind: 'failed', transient: false }],
    [ZONE_EXIT['zone-not-allowed'], '', { kind: 'failed', transient: false }],
    [ZONE_EXIT['limit-exceeded'], '', { kind: 'failed', transient: false }],
    // A hold sticks until the secondary's admin releases it: retrying would only repeat the refusal.
    [ZONE_EXIT['zoneset-held'], '', { kind: 'failed', transient: false, reason: 'gate: zone set held by its admin' }],
    [ZONE_EXIT['transfer-timeout'], '', { kind: 'failed', transient: true }],
    // The rsync client may report its own 12 before it sees the gate's 91: the gate's line decides.
    [
      12,
      'zonegate: denied: zone set ext is held on this secondary since 2026-11-25T22:00:00Z: x (ref 1)\nrsync: connection unexpectedly closed',
      { kind: 'failed', transient: false, reason: 'gate: zone set held by its admin' },
    ],
    [23, '', { kind: 'failed', transient: false }],
    [42, '', { kind: 'failed', transient: false, reason: 'exit 42' }],
  ])('exit %i %j', (status, stderr, expected) => {
    expect(classifyExit(status, stderr)).toMatchObject(expected);
  });
});

describe('backoffMs', () => {
  it.each([
    [1, [5, 15], 0, 5000],
    [2, [5, 15], 0, 15000],
    [3, [5, 15], 0, 15000],
    [1, [5, 15], 0.999999, 6250],
    [1, [0], 0.5, 0],
  ])('retry %i of %j (random %f) waits %i ms', (n, schedule, random, expected) => {
    expect(backoffMs(n, schedule, () => random)).toBe(expected);
  });
});

describe('summarizeRsyncOutput', () => {
  it.each([
    [
      '<f+++++++++ db.a\n<f.st...... db.b\n.f...p..... db.c\ncd+++++++++ sub/\n*deleting   db.old\nTotal bytes sent: 1,234\n',
      { filesChanged: 2, deleted: 1, bytesSent: 1234 },
    ],
    ['', { filesChanged: 0, deleted: 0, bytesSent: 0 }],
    ['Total bytes sent: 98\n', { filesChanged: 0, deleted: 0, bytesSent: 98 }],
  ])('%j', (stdout, expected) => {
    expect(summarizeRsyncOutput(stdout)).toEqual(expected);
  });
});

describe('rsyncArgv', () => {
  const target: Target = {
    name: 'ns2',
    host: '2001:db8::2',
    port: 2222,
    user: 'zonegate',
    identity: '/k/id',
    knownHosts: '/k/kh',
    source: '/z',
    destination: '.',
    delete: true,
    rsyncOptions: ['--bwlimit=100'],
  };
  it('pins the host key, never prompts, and brackets IPv6', () => {
    const argv = rsyncArgv(target);
    const ssh = argv[argv.indexOf('-e') + 1] ?? '';
    for (const option of [
      'BatchMode=yes',
      'IdentitiesOnly=yes',
      'StrictHostKeyChecking=yes',
      'UserKnownHostsFile=/k/kh',
      'ConnectTimeout=10',
      'ServerAliveInterval=15',
    ])
      expect(ssh).toContain(`-o ${option}`);
    expect(ssh).toMatch(/-i \/k\/id -p 2222 -l zonegate$/);
    expect(argv.slice(-3)).toEqual(['--', '/z/', '[2001:db8::2]:.']);
    expect(argv).toContain('--delete-delay');
    expect(argv).toContain('--bwlimit=100');
    expect(argv).not.toContain('--inplace');
  });
});

describe('logsToRemove', () => {
  const day = 86_400_000;
  const now = 100 * day;
  const run = (stamp: string, ageDays: number): { name: string; mtimeMs: number }[] => [
    { name: `push-${stamp}-1.log`, mtimeMs: now - ageDays * day },
    { name: `push-${stamp}-1.jsonl`, mtimeMs: now - ageDays * day },
  ];
  const entries = [
    ...run('20240105T000000000Z', 1),
    ...run('20240104T000000000Z', 2),
    ...run('20240103T000000000Z', 3),
    ...run('20240101T000000000Z', 40),
    { name: 'notes.txt', mtimeMs: 0 },
    { name: 'push-manual.log', mtimeMs: 0 },
  ];
  it.each([
    [
      'count: keep 2 of 4 (one too old anyway)',
      2,
      30,
      undefined,
      [
        'push-20240101T000000000Z-1.jsonl',
        'push-20240101T000000000Z-1.log',
        'push-20240103T000000000Z-1.jsonl',
        'push-20240103T000000000Z-1.log',
      ],
    ],
    ['age only', 10, 30, undefined, ['push-20240101T000000000Z-1.jsonl', 'push-20240101T000000000Z-1.log']],
    [
      'current run counts towards keep and is never removed',
      2,
      30,
      'push-20240105T000000000Z-1',
      [
        'push-20240101T000000000Z-1.jsonl',
        'push-20240101T000000000Z-1.log',
        'push-20240103T000000000Z-1.jsonl',
        'push-20240103T000000000Z-1.log',
      ],
    ],
    ['nothing beyond the limits', 10, 60, undefined, []],
  ])('%s', (_name, keep, days, current, expected) => {
    expect(logsToRemove(entries, keep, days, now, current)).toEqual(expected);
  });

  // At */5, a cap of 30 runs is 2.5 hours: last night's failure must not be gone by morning because
  // of the no-change runs after it.
  it('keeps a failed run for maxDays whatever the count cap, and newer successful runs do not evict it', () => {
    const failed = run('20240102T000000000Z', 2).map((entry) => ({ ...entry, failed: entry.name.endsWith('.jsonl') }));
    const all = [...entries, ...failed];
    expect(logsToRemove(all, 2, 30, now)).toEqual([
      'push-20240101T000000000Z-1.jsonl',
      'push-20240101T000000000Z-1.log',
      'push-20240103T000000000Z-1.jsonl',
      'push-20240103T000000000Z-1.log',
    ]);
    expect(logsToRemove(all, 2, 1, now)).toEqual([
      'push-20240101T000000000Z-1.jsonl',
      'push-20240101T000000000Z-1.log',
      'push-20240102T000000000Z-1.jsonl',
      'push-20240102T000000000Z-1.log',
      'push-20240103T000000000Z-1.jsonl',
      'push-20240103T000000000Z-1.log',
      'push-20240104T000000000Z-1.jsonl',
      'push-20240104T000000000Z-1.log',
    ]);
  });
});

describe('pruneRunLogs', () => {
  it('reads a run as failed from its events (run-end exit code not 0, or no run-end: killed)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zonegate-runlogs-'));
    try {
      const write = (stem: string, events: object[]): void => {
        writeFileSync(join(dir, `${stem}.log`), 'text\n');
        writeFileSync(join(dir, `${stem}.jsonl`), events.map((event) => `${JSON.stringify(event)}\n`).join(''));
      };
      write('push-20240101T000000000Z-1', [{ event: 'run-start' }, { event: 'run-end', exitCode: 2 }]);
      write('push-20240102T000000000Z-1', [{ event: 'run-start' }]);
      write('push-20240103T000000000Z-1', [{ event: 'run-start' }, { event: 'run-end', exitCode: 0 }]);
      write('push-20240104T000000000Z-1', [{ event: 'run-start' }, { event: 'run-end', exitCode: 0 }]);
      expect(pruneRunLogs(dir, 1, 30)).toEqual(['push-20240103T000000000Z-1.jsonl', 'push-20240103T000000000Z-1.log']);
      expect(readdirSync(dir).filter((name) => name.endsWith('.log'))).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const outcome = (target: string, kind: TargetOutcome['kind'], extra: Partial<TargetOutcome> = {}): TargetOutcome => ({
  target,
  kind,
  status: kind === 'ok' ? 0 : 255,
  reason: kind,
  attempts: 1,
  durationMs: 10,
  bytesSent: 0,
  zonesChanged: 0,
  ...extra,
});

describe('counters', () => {
  it('counts runs, failures, consecutive failures and resets them on success', () => {
    const t1 = new Date('2024-01-01T00:00:00Z');
    const t2 = new Date('2024-01-01T00:05:00Z');
    const t3 = new Date('2024-01-01T00:10:00Z');
    let status = recordRun(emptyStatus(), [outcome('a', 'ok', { bytesSent: 100, zonesChanged: 2 }), outcome('b', 'failed')], 1, t1, '/l/1');
    status = recordSkip(status, t2);
    status = recordRun(status, [outcome('a', 'ok', { bytesSent: 50, zonesChanged: 1 }), outcome('b', 'timeout')], 1, t3, '/l/2');
    expect(status).toMatchObject({ runs: 2, failedRuns: 2, skips: 1, consecutiveSkips: 0, lastSkip: t2.toISOString(), lastRunLog: '/l/2' });
    expect(status.targets['a']).toMatchObject({
      runs: 2,
      failures: 0,
      lastSuccess: t3.toISOString(),
      bytesSentTotal: 150,
      zonesChangedTotal: 3,
      lastZonesChanged: 1,
    });
    expect(status.targets['b']).toMatchObject({
      runs: 2,
      failures: 2,
      consecutiveFailures: 2,
      lastSuccess: undefined,
      lastOutcome: 'timeout',
    });
    status = recordRun(status, [outcome('b', 'ok')], 0, t3, '/l/3');
    expect(status.targets['b']).toMatchObject({ consecutiveFailures: 0, failures: 2, lastSuccess: t3.toISOString() });
  });

  it('counts skips in a row', () => {
    const status = recordSkip(recordSkip(emptyStatus(), new Date(0)), new Date(1));
    expect(status).toMatchObject({ skips: 2, consecutiveSkips: 2, runs: 0 });
  });
});

describe('runExitCode', () => {
  it.each([
    [[outcome('a', 'ok'), outcome('b', 'ok')], PUSH_EXIT.ok],
    [[outcome('a', 'ok'), outcome('b', 'failed')], PUSH_EXIT.partial],
    [[outcome('a', 'invalid'), outcome('b', 'timeout')], PUSH_EXIT.failed],
    [[outcome('a', 'invalid')], PUSH_EXIT.failed],
  ])('%#', (outcomes, code) => {
    expect(runExitCode(outcomes)).toBe(code);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ] as const)('a run stopped by %s exits %i, even when every target had finished', (signal, code) => {
    expect(runExitCode([outcome('a', 'ok'), outcome('b', 'interrupted')], signal)).toBe(code);
  });
});

describe('changedFiles', () => {
  const manifest = { 'db.a': { size: 10, mtimeMs: 1, sha256: 'A', serial: 1 }, 'db.b': { size: 10, mtimeMs: 1, sha256: 'B', serial: 1 } };
  it.each([
    ['unchanged stat: not even hashed', { 'db.a': { size: 10, mtimeMs: 1 } }, [], []],
    ['touched, same content: not changed', { 'db.a': { size: 10, mtimeMs: 2 } }, [], ['db.a']],
    ['new content', { 'db.b': { size: 11, mtimeMs: 2 } }, ['db.b'], ['db.b']],
    ['new file', { 'db.c': { size: 1, mtimeMs: 1 } }, ['db.c'], ['db.c']],
  ])('%s', (_name, current, expected, hashed) => {
    const seen: string[] = [];
    const hashes: Record<string, string> = { 'db.a': 'A', 'db.b': 'B2', 'db.c': 'C' };
    const result = changedFiles(current, manifest, (file) => {
      seen.push(file);
      return hashes[file] ?? '';
    });
    expect(result.map((r) => r.file)).toEqual(expected);
    expect(seen).toEqual(hashed);
  });
});

describe('renderZoneListChange (text from a secondary is hostile)', () => {
  it.each([
    [
      "the gate's lines",
      'zonegate: zones added: a.example b.example\nzonegate: zones removed: c.example (and 3 more)\n',
      [
        'zonegate push: ns2: zones added on the secondary: a.example b.example',
        'zonegate push: ns2: zones removed on the secondary: c.example (and 3 more)',
      ],
    ],
    // attack: a compromised secondary forges perfdata, terminal escapes or extra lines in cron mail.
    ['an escape sequence', 'zonegate: zones added: a.example \u001b]0;pwned\u0007\n', []],
    ['a pipe (Nagios perfdata)', 'zonegate: zones added: a.example|fake_perf=0;1;2\n', []],
    ['a name that is not a DNS name', 'zonegate: zones added: ../etc\n', []],
    [
      'more names than the gate ever lists',
      `zonegate: zones added: ${Array.from({ length: 51 }, (_, i) => `z${String(i)}.example`).join(' ')}\n`,
      [],
    ],
    ['a line not at the start', 'x zonegate: zones added: a.example\n', []],
  ])('%s', (_name, stderr, lines) => {
    expect(renderZoneListChange('ns2', stderr)).toEqual(lines);
  });
});

describe('skip patterns', () => {
  it('match the editor and backup files rsync leaves out, and nothing else', () => {
    const skipped = skipMatcher(PUSH_DEFAULTS.skipPatterns);
    for (const name of ['db.a~', 'db.a.bak', '.db.a.swp', 'db.a.swp', 'db.a.orig', '.#db.a', '#db.a#'])
      expect(skipped(name), name).toBe(true);
    for (const name of ['db.a', 'db.bak.example', 'db.a#', 'db.example.orig.net']) expect(skipped(name), name).toBe(false);
  });

  it("become --exclude options before the target's own", () => {
    const argv = rsyncArgv(
      {
        name: 'ns2',
        host: 'h',
        port: 22,
        user: 'u',
        identity: '/i',
        knownHosts: '/k',
        source: '/z',
        destination: '.',
        delete: false,
        rsyncOptions: ['--exclude=*.old~'],
      },
      {},
      skipOptions(PUSH_DEFAULTS),
    );
    expect(argv.filter((a) => a.startsWith('--exclude='))).toEqual([
      ...PUSH_DEFAULTS.skipPatterns.map((p) => `--exclude=${p}`),
      '--exclude=*.old~',
    ]);
  });
});
