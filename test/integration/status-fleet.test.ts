// `zonegate status --fleet` against real secondaries: every target asked over DNS for the serial it
// serves of every zone the primary holds. One in sync, one lagging (the lag's start survives between
// runs in fleet.json, and ends when the secondary catches up), one down, zones the primary removed
// and the secondaries still serve (forgotten once they stop), and views reached by a source address
// and by a TSIG key. The secondaries are rows of data (SERVERS, test/lab/fleet-secondary.ts): a
// server kind and how to start it. Views and TSIG are BIND's, so only the BIND row runs here; NSD
// and Knot rows run beside named in status-fleet-mixed.test.ts.

import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flockFile } from '../../src/shared/flock.js';
import { zonegate } from '../helpers/admin-cli.js';
import { fleetProblems as problems, fleetTargets, runFleetCli, type FleetTargetJson as TargetJson } from '../helpers/fleet-cli.js';
import { bindFleetServer, type FleetSecondary, type FleetServerKind } from '../lab/fleet-secondary.js';
import { Scope } from '../lab/scope.js';
import { tsigKey, writeTsigKeyFile } from '../lab/tsig.js';
import { writeZoneFile, zoneText } from '../lab/zones.js';

const SERVERS: FleetServerKind[] = [bindFleetServer];

const PRIMARY = { 'a.example': 10, 'b.example': 20, 'c.example': 30, 'd.example': 40 };

describe.each(SERVERS)('zonegate status --fleet with $kind secondaries', (server) => {
  const scope = new Scope();
  let base: string;
  let source: string;
  let config: string;
  let stateDir: string;
  let sync: FleetSecondary;
  let lag: FleetSecondary;
  let views: FleetSecondary;
  let downPort: number;

  const fleet = (args: string[] = [], file = config): ReturnType<typeof runFleetCli> => runFleetCli(file, args);
  const targets = (): ReturnType<typeof fleetTargets> => fleetTargets(config);

  const target = (port: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    host: '127.0.0.1',
    user: 'zonegate',
    identity: join(base, 'key'),
    knownHosts: join(base, 'known_hosts'),
    source,
    destination: 'zones/',
    zoneFile: 'db.{zone}',
    // Generous for a loaded machine: only a silent server waits it out, and a stopped one answers
    // at once with ICMP port unreachable.
    verify: { port, timeoutSeconds: 5, ...extra },
  });

  beforeAll(async () => {
    base = scope.tempDir('zonegate-fleet-');
    source = join(base, 'source');
    stateDir = join(base, 'state');
    mkdirSync(source);
    for (const [zone, serial] of Object.entries(PRIMARY)) writeZoneFile(source, `db.${zone}`, zoneText(zone, serial));
    const started = await Promise.all([
      server.start(scope, join(base, 'sync'), [{ name: 'all', select: { by: 'any' }, zones: PRIMARY }]),
      server.start(scope, join(base, 'lag'), [{ name: 'all', select: { by: 'any' }, zones: { ...PRIMARY, 'a.example': 7 } }]),
      server.start(scope, join(base, 'views'), [
        // The views serve different serials: only the right view is in sync.
        { name: 'inside', select: { by: 'source', source: '127.0.0.3' }, zones: PRIMARY },
        { name: 'keyed', select: { by: 'key', key: tsigKey('fleet-key') }, zones: PRIMARY },
        { name: 'outside', select: { by: 'source', source: '127.0.0.1' }, zones: { 'a.example': 1, 'b.example': 1 } },
      ]),
      server.start(scope, join(base, 'down'), [{ name: 'all', select: { by: 'any' }, zones: PRIMARY }]),
    ]);
    const [first, second, third, down] = started;
    [sync, lag, views] = [first, second, third];
    downPort = down.port;
    await down.stop();
    config = join(base, 'zonegate.conf');
    const policy = {
      targets: {
        sync: target(sync.port),
        lag: target(lag.port),
        down: target(downPort),
        inside: target(views.port, views.verify('inside')),
        keyed: target(views.port, views.verify('keyed')),
        outside: target(views.port),
        // The keyed view's key name with another secret: a stale or wrong key file on the primary.
        'wrong-key': target(views.port, { tsigKeyFile: writeTsigKeyFile(base, { name: 'fleet-key', secret: tsigKey('x').secret }) }),
        unasked: { ...target(sync.port), verify: false },
      },
      push: { stateDir, logDir: join(base, 'logs') },
    };
    for (const name of ['key', 'known_hosts']) writeFileSync(join(base, name), '', { mode: 0o600 });
    writeFileSync(config, JSON.stringify(policy), { mode: 0o600 });
  });
  afterAll(() => scope.close());

  it('in sync, behind, down, and each view reached by its source address or TSIG key', async () => {
    const t = await targets();
    expect(t['sync']).toMatchObject({
      state: 'up',
      zones: expect.arrayContaining([{ zone: 'a.example', kind: 'in-sync', serial: 10 }]) as unknown,
    });
    expect(problems(t['sync'])).toEqual([]);
    expect(problems(t['lag'])).toEqual([
      expect.objectContaining({ zone: 'a.example', kind: 'behind', served: 7, serials: 3, since: expect.any(String) as string }),
    ]);
    expect(t['down']).toMatchObject({ state: 'unreachable', zones: [] });
    expect(problems(t['inside'])).toEqual([]);
    expect(problems(t['keyed'])).toEqual([]);
    expect(t['keyed']?.server).toMatch(/ key fleet-key$/);
    // The unsigned query from 127.0.0.1 lands in the other view, which serves older serials and lacks c and d.
    expect(problems(t['outside']).map((z) => `${z.zone}:${z.kind}`)).toEqual([
      'a.example:behind',
      'b.example:behind',
      'c.example:missing',
      'd.example:missing',
    ]);
    // attack: answers signed with another secret are never read as serials; the server's refusal is the reason.
    expect(t['wrong-key']?.zones.map((z) => `${z.zone}:${z.kind}:${z.why ?? ''}`)).toEqual(
      ['a', 'b', 'c', 'd'].map((z) => `${z}.example:unanswered:the server refused our TSIG: BADSIG`),
    );
    expect(t['unasked']).toBeUndefined();
    const text = (await fleet()).stdout;
    expect(text).toMatch(
      /^fleet: 7 target\(s\), 28 zone\(s\) on the primary: 15 in sync, 3 behind, 2 not served, 4 unanswered, 1 target\(s\) unreachable \(/,
    );
    expect(text).toMatch(/^lag: a\.example behind by 3 serial\(s\): serves 7, primary has 10, since \S+ \(\d+ s\)$/m);
    expect(text).toMatch(/^down: UNREACHABLE \(127\.0\.0\.1#\d+\): /m);
    expect(text).toMatch(/^not asked \("verify": false\): unasked$/m);
  });

  it('a lag keeps its start across runs, and is forgotten once the secondary catches up', async () => {
    const first = problems((await targets())['lag'])[0]?.since;
    const second = problems((await targets())['lag'])[0]?.since;
    expect(first).toBeDefined();
    expect(second).toBe(first);
    const state = JSON.parse(readFileSync(join(stateDir, 'fleet.json'), 'utf8')) as {
      targets: Record<string, { lagging: Record<string, string> }>;
    };
    expect(state.targets['lag']?.lagging).toEqual({ 'a.example': first });
    await lag.serve('all', PRIMARY);
    expect(problems((await targets())['lag'])).toEqual([]);
    await lag.serve('all', { ...PRIMARY, 'a.example': 8 });
    const again = problems((await targets())['lag'])[0];
    expect(again).toMatchObject({ kind: 'behind', serials: 2 });
    expect(Date.parse(again?.since ?? '')).toBeGreaterThanOrEqual(Date.parse(first ?? ''));
  });

  it('a second run while one holds fleet.lock reports all the same but leaves fleet.json alone', async () => {
    const file = join(stateDir, 'fleet.json');
    const before = readFileSync(file, 'utf8');
    const lock = await flockFile(join(stateDir, 'fleet.lock'), 0);
    try {
      expect(lock.kind).toBe('held');
      const result = await fleet(['--json']);
      const parsed = JSON.parse(result.stdout) as { fleet: { stateNotSaved: string | null; counts: { targets: number } } };
      expect(parsed.fleet).toMatchObject({ stateNotSaved: 'another fleet run holds fleet.lock', counts: { targets: 7 } });
      expect(readFileSync(file, 'utf8')).toBe(before);
    } finally {
      if (lock.kind === 'held') lock.release();
    }
    expect(JSON.parse((await fleet(['--json'])).stdout)).toMatchObject({ fleet: { stateNotSaved: null } });
  });

  it('doctor fails a TSIG key file others can read, or one that is not a key', async () => {
    const keyFile = views.verify('keyed').tsigKeyFile ?? '';
    // Other items fail here too (this primary pins no host keys): only the TSIG lines count.
    const tsigLine = (out: string): string | undefined => out.split('\n').find((l) => /^\[FAIL\] target keyed .*: TSIG key /.test(l));
    expect((await zonegate(['doctor', '--config', config])).stdout).not.toMatch(/target keyed .*TSIG key/);
    chmodSync(keyFile, 0o644);
    try {
      expect(tsigLine((await zonegate(['doctor', '--config', config])).stdout)).toMatch(/: TSIG key \S+ readable by others$/);
    } finally {
      chmodSync(keyFile, 0o600);
    }
    const broken = join(base, 'broken.key');
    writeFileSync(broken, 'key "k" { algorithm hmac-md5; secret "AAAAAAAAAAAAAAAAAAAAAA=="; };', { mode: 0o600 });
    const policy = JSON.parse(readFileSync(config, 'utf8')) as { targets: Record<string, { verify: Record<string, unknown> }> };
    const keyed = policy.targets['keyed'];
    if (keyed) keyed.verify['tsigKeyFile'] = broken;
    const brokenConfig = join(base, 'broken.conf');
    writeFileSync(brokenConfig, JSON.stringify(policy), { mode: 0o600 });
    expect(tsigLine((await zonegate(['doctor', '--config', brokenConfig])).stdout)).toMatch(
      /: TSIG key \S+ unusable: .*algorithm must be one of/,
    );
    const fleetRun = JSON.parse((await fleet(['--json'], brokenConfig)).stdout) as { fleet: { targets: TargetJson[] } };
    expect(fleetRun.fleet.targets.find((t) => t.target === 'keyed')).toMatchObject({
      state: 'error',
      why: expect.stringMatching(/^TSIG key: /) as string,
    });
  });

  it('Nagios: CRITICAL for a target down; lag thresholds by age (from the state file) and by serials; Prometheus series', async () => {
    const check = await fleet(['--nagios']);
    expect(check.exitCode).toBe(2);
    expect(check.stdout).toMatch(
      /^ZONEGATE FLEET CRITICAL - 1 target\(s\) unreachable: down; 4 zone\(s\) unanswered: wrong-key\/a\.example, wrong-key\/b\.example, wrong-key\/c\.example, … \| 'targets'=7;;;0 /,
    );
    expect(check.stdout.trim().split('\n')).toHaveLength(1);
    // Without the down target (and the mismatched view): WARNING by serials, then CRITICAL by age.
    const policy = JSON.parse(readFileSync(config, 'utf8')) as { targets: Record<string, { verify: unknown }> };
    for (const name of ['down', 'outside', 'wrong-key']) if (policy.targets[name]) policy.targets[name].verify = false;
    const quiet = join(base, 'quiet.conf');
    writeFileSync(quiet, JSON.stringify(policy), { mode: 0o600 });
    expect((await fleet(['--nagios'], quiet)).stdout).toMatch(
      /^ZONEGATE FLEET OK - 4 target\(s\), 15 of 16 zone\(s\) in sync, 1 lagging under the thresholds/,
    );
    const bySerials = await fleet(['--nagios', '--warn-serials', '2'], quiet);
    expect(bySerials.exitCode).toBe(1);
    expect(bySerials.stdout).toMatch(/^ZONEGATE FLEET WARNING - 1 zone\(s\) lagging past the warning threshold: lag\/a\.example \|/);
    const file = join(stateDir, 'fleet.json');
    const state = JSON.parse(readFileSync(file, 'utf8')) as { targets: Record<string, { lagging: Record<string, string> }> };
    const lagging = state.targets['lag']?.lagging;
    if (lagging) lagging['a.example'] = new Date(Date.now() - 2 * 86_400_000).toISOString();
    writeFileSync(file, JSON.stringify(state));
    const byAge = await fleet(['--nagios', '--warn-lag', '1h', '--crit-lag', '1d'], quiet);
    expect(byAge.exitCode).toBe(2);
    expect(byAge.stdout).toMatch(/lagging past the critical threshold: lag\/a\.example .*'max_lag'=17\d{4}s;3600;86400;0/);
    const metrics = (await fleet(['--prometheus'])).stdout;
    expect(metrics).toMatch(/^# TYPE zonegate_fleet_zone_serial gauge$/m);
    expect(metrics).toMatch(/^zonegate_fleet_target_up\{target="down"\} 0$/m);
    expect(metrics).toMatch(/^zonegate_fleet_target_up\{target="keyed"\} 1$/m);
    expect(metrics).toMatch(/^zonegate_fleet_zone_serial\{target="lag",zone="a\.example"\} 8$/m);
    expect(metrics).toMatch(/^zonegate_fleet_zone_behind_serials\{target="lag",zone="a\.example"\} 2$/m);
    expect(metrics).toMatch(/^zonegate_fleet_zone_lag_seconds\{target="sync",zone="b\.example"\} 0$/m);
  });

  it('a zone the primary removed: reported while a secondary still serves it, forgotten once it stops', async () => {
    rmSync(join(source, 'db.d.example'));
    const t = await targets();
    expect(problems(t['sync'])).toEqual([{ zone: 'd.example', kind: 'removed-but-served', served: 40 }]);
    expect(problems(t['keyed'])).toEqual([{ zone: 'd.example', kind: 'removed-but-served', served: 40 }]);
    expect((await fleet()).stdout).toMatch(/^sync: d\.example still served \(serial 40\) though the primary no longer has it$/m);
    await sync.serve('all', { 'a.example': 10, 'b.example': 20, 'c.example': 30 });
    expect(problems((await targets())['sync'])).toEqual([]);
    const state = JSON.parse(readFileSync(join(stateDir, 'fleet.json'), 'utf8')) as { targets: Record<string, { known: string[] }> };
    expect(state.targets['sync']?.known).not.toContain('d.example');
    expect(state.targets['keyed']?.known).toContain('d.example');
  });
});
