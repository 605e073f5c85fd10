// `zonegate status --fleet` against a fleet of all three servers at once, each a real daemon from
// the lab's fleet rows (test/lab/fleet-secondary.ts): a named in sync, an NSD lagging (its lag's
// start kept across runs in fleet.json), a Knot in sync that keeps serving a zone the primary
// removed, and a Knot that is down (started, then stopped). The per-target, per-zone verdicts are
// asserted in --json, and --nagios and --prometheus must say the same. Views and TSIG are BIND's
// (status-fleet.test.ts); NSD and Knot have none.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetProblems as problems, fleetTargets, runFleetCli } from '../helpers/fleet-cli.js';
import { bindFleetServer, knotFleetServer, nsdFleetServer, type FleetSecondary, type FleetServerKind } from '../lab/fleet-secondary.js';
import { Scope } from '../lab/scope.js';
import { writeZoneFile, zoneText } from '../lab/zones.js';

const PRIMARY = { 'a.example': 10, 'b.example': 20, 'c.example': 30, 'd.example': 40 };
const WITHOUT_D = { 'a.example': 10, 'b.example': 20, 'c.example': 30 };

/** The fleet as data: each target's server kind and what it serves at start. */
const ROWS: { target: string; server: FleetServerKind; zones: Record<string, number> }[] = [
  { target: 'named-sync', server: bindFleetServer, zones: PRIMARY },
  { target: 'nsd-lag', server: nsdFleetServer, zones: { ...PRIMARY, 'a.example': 7 } },
  { target: 'knot-sync', server: knotFleetServer, zones: PRIMARY },
  { target: 'knot-down', server: knotFleetServer, zones: PRIMARY },
];

interface FleetState {
  targets: Record<string, { lagging: Record<string, string>; known: string[] }>;
}

describe('zonegate status --fleet against named, NSD and Knot secondaries at once', () => {
  const scope = new Scope();
  let base: string;
  let source: string;
  let config: string;
  let stateDir: string;
  const live = new Map<string, FleetSecondary>();
  const fleet = (args: string[] = [], file = config): ReturnType<typeof runFleetCli> => runFleetCli(file, args);
  const targets = (): ReturnType<typeof fleetTargets> => fleetTargets(config);
  const state = (): FleetState => JSON.parse(readFileSync(join(stateDir, 'fleet.json'), 'utf8')) as FleetState;
  const secondary = (name: string): FleetSecondary => {
    const found = live.get(name);
    if (found === undefined) throw new Error(`no secondary ${name}`);
    return found;
  };

  beforeAll(async () => {
    base = scope.tempDir('zonegate-fleet-mixed-');
    source = join(base, 'source');
    stateDir = join(base, 'state');
    mkdirSync(source);
    for (const [zone, serial] of Object.entries(PRIMARY)) writeZoneFile(source, `db.${zone}`, zoneText(zone, serial));
    const started = await Promise.all(
      ROWS.map((row) => row.server.start(scope, join(base, row.target), [{ name: 'all', select: { by: 'any' }, zones: row.zones }])),
    );
    ROWS.forEach((row, index) => {
      const s = started[index];
      if (s !== undefined) live.set(row.target, s);
    });
    await secondary('knot-down').stop();
    const target = (name: string): Record<string, unknown> => ({
      host: '127.0.0.1',
      user: 'zonegate',
      identity: join(base, 'key'),
      knownHosts: join(base, 'known_hosts'),
      source,
      destination: 'zones/',
      zoneFile: 'db.{zone}',
      // Generous for a loaded machine: only a silent server waits it out, and a stopped one answers
      // at once with ICMP port unreachable.
      verify: { port: secondary(name).port, timeoutSeconds: 5 },
    });
    for (const name of ['key', 'known_hosts']) writeFileSync(join(base, name), '', { mode: 0o600 });
    config = join(base, 'zonegate.conf');
    const policy = {
      targets: Object.fromEntries(ROWS.map((row) => [row.target, target(row.target)])),
      push: { stateDir, logDir: join(base, 'logs') },
    };
    writeFileSync(config, JSON.stringify(policy), { mode: 0o600 });
  });
  afterAll(() => scope.close());

  it('per target and zone: named and Knot in sync, NSD behind, the stopped Knot unreachable', async () => {
    const t = await targets();
    const inSync = (zones: Record<string, number>): unknown[] =>
      Object.entries(zones).map(([zone, serial]) => ({ zone, kind: 'in-sync', serial }));
    expect(t['named-sync']).toMatchObject({ state: 'up', zones: inSync(PRIMARY) });
    expect(t['knot-sync']).toMatchObject({ state: 'up', zones: inSync(PRIMARY) });
    expect(t['nsd-lag']).toMatchObject({ state: 'up' });
    expect(t['nsd-lag']?.zones).toEqual([
      expect.objectContaining({ zone: 'a.example', kind: 'behind', served: 7, serials: 3, since: expect.any(String) as string }),
      ...inSync({ 'b.example': 20, 'c.example': 30, 'd.example': 40 }),
    ]);
    expect(t['knot-down']).toMatchObject({ state: 'unreachable', zones: [] });
    const text = (await fleet()).stdout;
    expect(text).toMatch(/^fleet: 4 target\(s\), 16 zone\(s\) on the primary: 11 in sync, 1 behind, 1 target\(s\) unreachable \(/);
    expect(text).toMatch(/^nsd-lag: a\.example behind by 3 serial\(s\): serves 7, primary has 10, since \S+ \(\d+ s\)$/m);
    expect(text).toMatch(/^knot-down: UNREACHABLE \(127\.0\.0\.1#\d+\): /m);
  });

  it("NSD's lag keeps its start across runs, ends when NSD catches up, and starts afresh when it falls behind again", async () => {
    const first = problems((await targets())['nsd-lag'])[0]?.since;
    expect(first).toBeDefined();
    expect(problems((await targets())['nsd-lag'])[0]?.since).toBe(first);
    expect(state().targets['nsd-lag']?.lagging).toEqual({ 'a.example': first });
    await secondary('nsd-lag').serve('all', PRIMARY);
    expect(problems((await targets())['nsd-lag'])).toEqual([]);
    expect(state().targets['nsd-lag']?.lagging).toEqual({});
    await secondary('nsd-lag').serve('all', { ...PRIMARY, 'a.example': 8 });
    const again = problems((await targets())['nsd-lag'])[0];
    expect(again).toMatchObject({ zone: 'a.example', kind: 'behind', served: 8, serials: 2 });
    expect(Date.parse(again?.since ?? '')).toBeGreaterThanOrEqual(Date.parse(first ?? ''));
  });

  it('Nagios and Prometheus say the same: CRITICAL for the stopped Knot, the NSD lag judged by its serials', async () => {
    const check = await fleet(['--nagios']);
    expect(check.exitCode).toBe(2);
    expect(check.stdout).toMatch(
      /^ZONEGATE FLEET CRITICAL - 1 target\(s\) unreachable: knot-down \| 'targets'=4;;;0 'targets_unreachable'=1;;1;0;4 'zones_in_sync'=11;;;0;16 'zones_behind'=1;;;0 /,
    );
    expect(check.stdout.trim().split('\n')).toHaveLength(1);
    const bySerials = await fleet(['--nagios', '--warn-serials', '2']);
    expect(bySerials.stdout).toMatch(
      /^ZONEGATE FLEET CRITICAL - 1 target\(s\) unreachable: knot-down; 1 zone\(s\) lagging past the warning threshold: nsd-lag\/a\.example \|/,
    );
    // Without the stopped Knot: OK, then CRITICAL by the NSD lag's serials alone.
    const policy = JSON.parse(readFileSync(config, 'utf8')) as { targets: Record<string, { verify: unknown }> };
    const down = policy.targets['knot-down'];
    if (down) down.verify = false;
    const quiet = join(base, 'quiet.conf');
    writeFileSync(quiet, JSON.stringify(policy), { mode: 0o600 });
    const ok = await fleet(['--nagios'], quiet);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/^ZONEGATE FLEET OK - 3 target\(s\), 11 of 12 zone\(s\) in sync, 1 lagging under the thresholds/);
    const crit = await fleet(['--nagios', '--crit-serials', '2'], quiet);
    expect(crit.exitCode).toBe(2);
    expect(crit.stdout).toMatch(/^ZONEGATE FLEET CRITICAL - 1 zone\(s\) lagging past the critical threshold: nsd-lag\/a\.example \|/);
    const metrics = (await fleet(['--prometheus'])).stdout;
    for (const [name, up] of [
      ['named-sync', 1],
      ['nsd-lag', 1],
      ['knot-sync', 1],
      ['knot-down', 0],
    ] as const)
      expect(metrics).toMatch(new RegExp(`^zonegate_fleet_target_up\\{target="${name}"\\} ${String(up)}$`, 'm'));
    expect(metrics).toMatch(/^zonegate_fleet_zone_serial\{target="nsd-lag",zone="a\.example"\} 8$/m);
    expect(metrics).toMatch(/^zonegate_fleet_zone_behind\{target="nsd-lag",zone="a\.example"\} 1$/m);
    expect(metrics).toMatch(/^zonegate_fleet_zone_behind_serials\{target="nsd-lag",zone="a\.example"\} 2$/m);
    expect(metrics).toMatch(/^zonegate_fleet_zone_serial\{target="knot-sync",zone="d\.example"\} 40$/m);
    expect(metrics).toMatch(/^zonegate_fleet_zone_behind\{target="named-sync",zone="b\.example"\} 0$/m);
    expect(metrics).not.toMatch(/^zonegate_fleet_zone_\w+\{target="knot-down"/m);
  });

  it('a zone the primary removed: named and NSD drop it and it is forgotten, Knot keeps serving it and is reported until it stops', async () => {
    rmSync(join(source, 'db.d.example'));
    await Promise.all([
      secondary('named-sync').serve('all', WITHOUT_D),
      secondary('nsd-lag').serve('all', { ...WITHOUT_D, 'a.example': 8 }),
    ]);
    const t = await targets();
    expect(problems(t['knot-sync'])).toEqual([{ zone: 'd.example', kind: 'removed-but-served', served: 40 }]);
    expect(problems(t['named-sync'])).toEqual([]);
    expect(problems(t['nsd-lag']).map((z) => `${z.zone}:${z.kind}`)).toEqual(['a.example:behind']);
    const known = (name: string): string[] | undefined => state().targets[name]?.known;
    expect(known('named-sync')).not.toContain('d.example');
    expect(known('nsd-lag')).not.toContain('d.example');
    expect(known('knot-sync')).toContain('d.example');
    // Nothing learnt from a target that answers nothing: the stopped Knot's zones stay remembered.
    expect(known('knot-down')).toContain('d.example');
    expect((await fleet()).stdout).toMatch(/^knot-sync: d\.example still served \(serial 40\) though the primary no longer has it$/m);
    expect((await fleet(['--nagios'])).stdout).toMatch(/; 1 zone\(s\) served after removal from the primary: knot-sync\/d\.example \|/);
    expect((await fleet(['--prometheus'])).stdout).toMatch(
      /^zonegate_fleet_zone_removed_but_served\{target="knot-sync",zone="d\.example"\} 1$/m,
    );
    await secondary('knot-sync').serve('all', WITHOUT_D);
    expect(problems((await targets())['knot-sync'])).toEqual([]);
    expect(known('knot-sync')).not.toContain('d.example');
  });
});
