// The fleet view's verdicts (pure): serial arithmetic across the wrap, what an unreachable target
// does to the memory, a damaged state file, and the Prometheus text's shape.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTarget } from '../../src/admin/status/fleet-compare.js';
import { evaluateFleetNagios, parseFleetThresholds } from '../../src/admin/status/fleet-nagios.js';
import { renderFleetPrometheus } from '../../src/admin/status/fleet-prometheus.js';
import type { ZoneAnswer } from '../../src/shared/dns/exchange.js';
import { readFleetState } from '../../src/admin/status/fleet-state.js';
import type { FleetReport } from '../../src/admin/status/fleet.js';

const NOW = '2026-01-02T00:00:00.000Z';
const base = { target: 'ns2', server: '192.0.2.53#53' };
const primary = (serials: Record<string, number | undefined>, pushed: string[] = []) => ({
  serials: new Map(Object.entries(serials)),
  pushed,
});
const answers = (zones: Record<string, ZoneAnswer>) => ({ kind: 'answers' as const, zones: new Map(Object.entries(zones)) });
const serial = (n: number): ZoneAnswer => ({ kind: 'serial', serial: n });

describe('compareTarget', () => {
  it('reads serials with RFC 1982 arithmetic: behind across the wrap, ahead, no primary serial', () => {
    const { report } = compareTarget(
      base,
      primary({ 'wrap.example': 2, 'ahead.example': 10, 'noserial.example': undefined }),
      undefined,
      answers({ 'wrap.example': serial(0xffff_fffe), 'ahead.example': serial(11), 'noserial.example': serial(3) }),
      NOW,
    );
    expect(report.zones).toEqual([
      { zone: 'ahead.example', kind: 'ahead', primary: 10, served: 11 },
      { zone: 'noserial.example', kind: 'no-primary-serial', served: 3 },
      { zone: 'wrap.example', kind: 'behind', primary: 2, served: 0xffff_fffe, serials: 4, since: NOW },
    ]);
  });

  it('keeps a lag start, and an unanswered zone neither starts nor ends a lag', () => {
    const memory = { lagging: { 'a.example': '2026-01-01T00:00:00.000Z', 'b.example': '2026-01-01T12:00:00.000Z' }, known: [] };
    const { memory: next } = compareTarget(
      base,
      primary({ 'a.example': 5, 'b.example': 5 }),
      memory,
      answers({ 'a.example': serial(4), 'b.example': { kind: 'timeout' } }),
      NOW,
    );
    expect(next.lagging).toEqual(memory.lagging);
  });

  it('an unreachable target forgets nothing: lags keep their start, removed zones stay known', () => {
    const memory = { lagging: { 'a.example': '2026-01-01T00:00:00.000Z' }, known: ['a.example', 'gone.example'] };
    const result = compareTarget(base, primary({ 'a.example': 5 }, ['pushed.example']), memory, { kind: 'unreachable', why: 'x' }, NOW);
    expect(result.report).toMatchObject({ state: 'unreachable', zones: [] });
    expect(result.memory).toEqual({ lagging: memory.lagging, known: ['a.example', 'gone.example', 'pushed.example'] });
  });
});

describe('the state file', () => {
  it('drops what it did not write: bad zone names, bad times, non-strings; a torn file reads as empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zonegate-fleet-state-'));
    const file = join(dir, 'fleet.json');
    writeFileSync(
      file,
      JSON.stringify({
        targets: { ns2: { lagging: { 'a.example': NOW, 'b\n.example': NOW, 'c.example': 'yesterday' }, known: ['a.example', 7, '../x'] } },
      }),
    );
    expect(readFleetState(file).targets['ns2']).toEqual({ lagging: { 'a.example': NOW }, known: ['a.example'] });
    writeFileSync(file, '{"targets": {"ns2": ');
    expect(readFleetState(file)).toEqual({ version: 1, targets: {} });
  });
});

const report: FleetReport = {
  checkedAt: NOW,
  durationMs: 1500,
  notAsked: [],
  targets: [
    {
      ...base,
      state: 'up',
      held: 2,
      zones: [
        { zone: 'a.example', kind: 'in-sync', serial: 5 },
        { zone: 'b.example', kind: 'behind', primary: 9, served: 7, serials: 2, since: NOW },
      ],
    },
    { target: 'ns3', server: '192.0.2.54#53', state: 'error', why: 'TSIG key: unreadable', held: 2, zones: [] },
  ],
};

describe('the fleet forms', () => {
  it('Prometheus: every metric has HELP and TYPE, samples carry target and zone, a target not checked has no up series', () => {
    const text = renderFleetPrometheus(report, Date.parse(NOW) + 60_000);
    const names = [...text.matchAll(/^# TYPE (\S+) gauge$/gm)].map((m) => m[1]);
    for (const name of names) expect(text).toMatch(new RegExp(`^# HELP ${name ?? ''} \\S`, 'm'));
    expect(text).toMatch(/^zonegate_fleet_zone_lag_seconds\{target="ns2",zone="b\.example"\} 60$/m);
    expect(text).toMatch(/^zonegate_fleet_zone_behind_serials\{target="ns2",zone="b\.example"\} 2$/m);
    expect(text).not.toMatch(/zonegate_fleet_target_up\{target="ns3"\}/);
  });

  it('Nagios: a target not checked is UNKNOWN unless something is worse; one line', () => {
    const t = parseFleetThresholds({ warnLag: '1h', critLag: '1d', warnSerials: undefined, critSerials: 2 });
    const result = evaluateFleetNagios(report, t, Date.parse(NOW));
    expect(result.code).toBe(2);
    expect(result.output).toMatch(
      /^ZONEGATE FLEET CRITICAL - 1 target\(s\) not checked: ns3; 1 zone\(s\) lagging past the critical threshold: ns2\/b\.example \| /,
    );
    expect(result.output.split('\n')).toHaveLength(2);
    expect(() => parseFleetThresholds({ warnLag: '2d', critLag: '1d', warnSerials: undefined, critSerials: undefined })).toThrow(
      /--warn-lag/,
    );
  });
});
