// The secondary's status verdicts beyond age (pure): last push outcome, server answer, free space;
// Nagios levels and perfdata, Prometheus names, and a hostile reason kept on one escaped line.

import { describe, expect, it } from 'vitest';
import { evaluateNagios, DEFAULT_THRESHOLDS } from '../../src/admin/status/nagios.js';
import { renderPrometheus } from '../../src/admin/status/prometheus.js';
import type { ZoneSetStatus } from '../../src/admin/status/secondary.js';
import { NAGIOS_EXIT } from '../../src/shared/exit-codes.js';
import type { LastPush } from '../../src/zoneset/state.js';

const now = Date.parse('2026-01-01T12:00:00.000Z');
const GiB = 1 << 30;

function zoneSet(extra: Partial<ZoneSetStatus>): ZoneSetStatus {
  return {
    name: 'ext',
    root: '/z',
    release: 'r1',
    zones: 2,
    lastGoodPush: new Date(now - 60_000).toISOString(),
    lastPush: {
      time: new Date(now - 60_000).toISOString(),
      outcome: 'promoted',
      status: 0,
      reason: 'zone set ext: release r1 is live',
      ref: 'abc123',
    },
    space: { availBytes: 5 * GiB, sizeBytes: 10 * GiB, availInodes: 500, totalInodes: 1000 },
    server: { kind: 'answers', server: '127.0.0.1#53', zone: 'a.example', serial: 7 },
    ...extra,
  };
}
const refused = (reason: string): LastPush => ({
  time: new Date(now).toISOString(),
  outcome: 'refused',
  status: 80,
  reason,
  ref: 'abc123',
});

describe('zone set health in Nagios', () => {
  it.each([
    [
      'healthy',
      {},
      NAGIOS_EXIT.ok,
      /^ZONEGATE OK - 1 item\(s\) fine \| .*'zoneset_ext_server_up'=1;;1:;0;1 'zoneset_ext_free'=5368709120B;1073741824:;536870912:;0;10737418240 'zoneset_ext_inodes_free'=500;100:;50:;0;1000/,
    ],
    // One refused push of a broken zone is the primary's data problem, served zones are intact: WARNING.
    [
      'refused',
      { lastPush: refused('zone a.example (db.a.example) is invalid: bad owner') },
      NAGIOS_EXIT.warning,
      /^ZONEGATE WARNING - zone set ext: last push refused \(exit 80\): zone a\.example/,
    ],
    [
      'rolled back',
      { lastPush: { ...refused('x'), outcome: 'rolled-back', status: 84 } },
      NAGIOS_EXIT.warning,
      /last push rolled-back \(exit 84\)/,
    ],
    ['unchanged is fine', { lastPush: { ...refused('no zone changed'), outcome: 'unchanged', status: 0 } }, NAGIOS_EXIT.ok, /^ZONEGATE OK/],
    [
      'server silent',
      { server: { kind: 'silent', server: '127.0.0.1#53', zone: 'a.example' } },
      NAGIOS_EXIT.critical,
      /^ZONEGATE CRITICAL - zone set ext: 127\.0\.0\.1#53 does not answer for a\.example \|.*'zoneset_ext_server_up'=0/,
    ],
    ['not checked: no perfdata', { server: { kind: 'not-checked', why: 'verify is off' } }, NAGIOS_EXIT.ok, /^(?!.*server_up)/s],
    [
      'space under 10 %',
      { space: { availBytes: GiB * 0.9, sizeBytes: 10 * GiB, availInodes: 500, totalInodes: 1000 } },
      NAGIOS_EXIT.warning,
      /zone set ext: free space 9\.0 % \(< 10 %\)/,
    ],
    [
      'space under 5 %',
      { space: { availBytes: GiB * 0.4, sizeBytes: 10 * GiB, availInodes: 500, totalInodes: 1000 } },
      NAGIOS_EXIT.critical,
      /zone set ext: free space 4\.0 % \(< 5 %\)/,
    ],
    [
      'inodes under 5 %',
      { space: { availBytes: 5 * GiB, sizeBytes: 10 * GiB, availInodes: 10, totalInodes: 1000 } },
      NAGIOS_EXIT.critical,
      /free inodes 1\.0 %/,
    ],
    // Served zones are intact and the next push repairs state.json: worth a look, not a page.
    [
      'damaged state',
      { damage: ['state.json is damaged (empty (0 bytes)); the next push repairs it'] },
      NAGIOS_EXIT.warning,
      /^ZONEGATE WARNING - zone set ext: state\.json is damaged \(empty \(0 bytes\)\)/,
    ],
    // Less room than the engine needs means the next push is refused (89): the primary's changes stop.
    [
      'less room than a push needs',
      { spaceNeeded: { bytes: 6 * GiB, inodes: 10 } },
      NAGIOS_EXIT.critical,
      /^ZONEGATE CRITICAL - zone set ext: less room than a push needs \(6442450944 B and 10 inodes\): pushes are refused \(exit 89\)/,
    ],
    ['room enough for a push', { spaceNeeded: { bytes: GiB, inodes: 10 } }, NAGIOS_EXIT.ok, /^ZONEGATE OK/],
    [
      'no inode limit',
      { space: { availBytes: 5 * GiB, sizeBytes: 10 * GiB, availInodes: 0, totalInodes: 0 } },
      NAGIOS_EXIT.ok,
      /^(?!.*inodes_free)/s,
    ],
  ] as const)('%s', (_name, extra, code, pattern) => {
    const result = evaluateNagios({ primary: undefined, zoneSets: [zoneSet(extra)] }, DEFAULT_THRESHOLDS, now);
    expect(result.code).toBe(code);
    expect(result.output).toMatch(pattern);
  });

  it('keeps a hostile reason on the status line: no newline, no early perfdata bar, no escapes', () => {
    // Attack: the reason carries a client-chosen file name that forges a Nagios line and perfdata.
    const result = evaluateNagios(
      { primary: undefined, zoneSets: [zoneSet({ lastPush: refused('zone x\nZONEGATE OK - fine | forged=1\u001b[2J') })] },
      DEFAULT_THRESHOLDS,
      now,
    );
    const [first = ''] = result.output.split('\n');
    expect(first.split('|')).toHaveLength(2);
    expect(first).toMatch(/^ZONEGATE WARNING - zone set ext: last push refused \(exit 80\): zone x ZONEGATE OK - fine ¦ forged=1 \| /);
  });
});

describe('zone set health in Prometheus', () => {
  it('names units and keeps HELP/TYPE beside every metric', () => {
    const text = renderPrometheus(undefined, [zoneSet({ lastPush: refused('bad') })]);
    expect(text).toContain('# TYPE zonegate_zoneset_last_push_ok gauge\nzonegate_zoneset_last_push_ok{zoneset="ext"} 0\n');
    expect(text).toContain('zonegate_zoneset_last_push_exit_code{zoneset="ext"} 80\n');
    expect(text).toContain(`zonegate_zoneset_filesystem_avail_bytes{zoneset="ext"} ${String(5 * GiB)}\n`);
    expect(text).toContain('zonegate_zoneset_filesystem_files_free{zoneset="ext"} 500\n');
    expect(text).toContain('zonegate_zoneset_server_up{zoneset="ext"} 1\n');
    expect(text).toContain('zonegate_zoneset_damage{zoneset="ext"} 0\n');
    for (const name of text.match(/^zonegate_\w+/gm) ?? []) {
      expect(text).toContain(`# HELP ${name} `);
      expect(text).toContain(`# TYPE ${name} `);
    }
  });
});
