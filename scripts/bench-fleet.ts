// Benchmarks `zonegate status --fleet`: 100 targets x 1,000 zones (100,000 SOA queries) answered
// within a minute on the 2-core dev machine. The 100 secondaries are one real named (test/lab)
// listening on 100 loopback ports, each port a target: every query crosses a real socket to a real
// server, and one named with 1,000 zones starts in seconds where 100 would take minutes and GBs.
// 5 zones are one serial ahead on the primary, so every target reports 5 behind (500 problem lines).
// Also measured, for the choice of client: `dig -f BATCHFILE` (one dig process per target, the
// same 1,000 queries) for the first --dig-targets targets, 2 at a time, extrapolated to 100.
// Prints a table; with --json, ONE JSON object last.
//   npm run bench:fleet [-- --runs 3 --targets 100 --zones 1000 --dig-targets 10 --json]   (after `npm run build`)

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { mapLimited } from '../src/zoneset/run-command.js';
import { planNamed } from '../test/lab/named.js';
import { projectPath } from '../test/lab/paths.js';
import { withScope, type Scope } from '../test/lab/scope.js';
import { bindTool, requireTool } from '../test/lab/tools.js';
import { zoneText } from '../test/lab/zones.js';

const ADMIN = projectPath('bin/admin.js');
const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}: a whole number, 1 or more`);
  return value;
};
const TARGETS = arg('targets', 100);
const ZONES = arg('zones', 1000);
const RUNS = arg('runs', 3);
const DIG_TARGETS = Math.min(TARGETS, arg('dig-targets', 10));
const JSON_OUT = process.argv.includes('--json');
const AHEAD = 5;
const SERIAL = 2024010100;
const GOAL_MS = 60_000;

interface Timed {
  wallMs: number;
  userS: number;
  sysS: number;
  maxRssKb: number;
  stdout: string;
}

/** Runs argv under /usr/bin/time: wall, CPU and peak memory of the whole process. */
function timed(argv: string[]): Timed {
  const time = requireTool('/usr/bin/time', 'time');
  const started = process.hrtime.bigint();
  const r = spawnSync(time, ['-f', 'ZGTIME %U %S %M', ...argv], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const m = /ZGTIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (m === null) throw new Error(`${argv.join(' ').slice(0, 80)}: no timing (exit ${String(r.status)}): ${r.stderr.slice(-500)}`);
  return { wallMs, userS: Number(m[1]), sysS: Number(m[2]), maxRssKb: Number(m[3]), stdout: r.stdout };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const zoneName = (i: number): string => `zone${String(i)}.example`;

async function bench(scope: Scope): Promise<Record<string, unknown>> {
  const dir = scope.tempDir('zonegate-bench-fleet-');
  const served = join(dir, 'served');
  const source = join(dir, 'source');
  mkdirSync(served);
  mkdirSync(source);
  const zones = Array.from({ length: ZONES }, (_, i) => zoneName(i));
  zones.forEach((zone, i) => {
    writeFileSync(join(served, `db.${zone}`), zoneText(zone, SERIAL));
    writeFileSync(join(source, `db.${zone}`), zoneText(zone, i < AHEAD ? SERIAL + 1 : SERIAL));
  });
  const include = join(dir, 'zones.conf');
  writeFileSync(include, zones.map((zone) => `zone "${zone}" { type primary; file "${join(served, `db.${zone}`)}"; };`).join('\n'));
  const startedNamed = Date.now();
  const plan = await planNamed({
    scope,
    parent: dir,
    includeFiles: [{ path: include }],
    extraPorts: TARGETS - 1,
    logToFile: true,
    readyTimeoutMs: 120_000,
  });
  const named = await plan.start();
  const namedMs = Date.now() - startedNamed;
  const ports = [named.port, ...named.extraPorts];
  const config = join(dir, 'primary.conf');
  const target = (port: number): Record<string, unknown> => ({
    host: '127.0.0.1',
    user: 'zonegate',
    identity: join(dir, 'key'),
    knownHosts: join(dir, 'known_hosts'),
    source,
    destination: 'zones/',
    zoneFile: 'db.{zone}',
    verify: { port },
  });
  writeFileSync(
    config,
    JSON.stringify({
      targets: Object.fromEntries(ports.map((port, i) => [`ns${String(i + 1)}`, target(port)])),
      push: { stateDir: join(dir, 'state') },
    }),
    { mode: 0o600 },
  );

  const runs: Timed[] = [];
  for (let run = 0; run < RUNS; run++) {
    const result = timed([process.execPath, ADMIN, 'status', '--fleet', '--json', '--config', config]);
    const counts = (JSON.parse(result.stdout) as { fleet: { counts: Record<string, number> } }).fleet.counts;
    const want = {
      targets: TARGETS,
      unreachable: 0,
      zones: TARGETS * ZONES,
      inSync: TARGETS * (ZONES - AHEAD),
      behind: TARGETS * AHEAD,
      unanswered: 0,
    };
    for (const [key, value] of Object.entries(want))
      if (counts[key] !== value)
        throw new Error(`run ${String(run + 1)}: ${key} is ${String(counts[key])}, expected ${String(value)}: ${JSON.stringify(counts)}`);
    runs.push(result);
  }
  const nagios = timed([process.execPath, ADMIN, 'status', '--fleet', '--nagios', '--config', config]);

  // The alternative: dig -f, one process per target, 2 at a time (2 cores), same queries.
  const batch = join(dir, 'batch');
  writeFileSync(batch, zones.map((zone) => `${zone} SOA\n`).join(''));
  const dig = bindTool('dig');
  const digStarted = Date.now();
  const digCpu: number[] = [];
  await mapLimited(ports.slice(0, DIG_TARGETS), 2, (port) => {
    const r = timed([dig, '+noall', '+answer', '+norecurse', '+time=2', '+tries=2', '-p', String(port), '@127.0.0.1', '-f', batch]);
    const answers = r.stdout.split('\n').filter((line) => /\sSOA\s/.test(line)).length;
    if (answers !== ZONES) throw new Error(`dig -f on port ${String(port)}: ${String(answers)} answers of ${String(ZONES)}`);
    digCpu.push(r.userS + r.sysS);
    return Promise.resolve();
  });
  const digMs = Date.now() - digStarted;
  const digPerTarget = digMs / DIG_TARGETS;

  const wall = median(runs.map((r) => r.wallMs));
  const cpu = median(runs.map((r) => r.userS + r.sysS));
  const rss = Math.max(...runs.map((r) => r.maxRssKb));
  const queries = TARGETS * ZONES;
  const result = {
    bench: 'fleet',
    targets: TARGETS,
    zones: ZONES,
    queries,
    runs: RUNS,
    cpus: cpus().length,
    node: process.version,
    namedStartMs: namedMs,
    fleetWallMsMedian: Math.round(wall),
    fleetWallMsAll: runs.map((r) => Math.round(r.wallMs)),
    fleetCpuSecondsMedian: Number(cpu.toFixed(2)),
    fleetMaxRssMb: Math.round(rss / 1024),
    queriesPerSecond: Math.round(queries / (wall / 1000)),
    nagiosWallMs: Math.round(nagios.wallMs),
    nagiosLine: nagios.stdout.split('\n')[0]?.slice(0, 160),
    digTargetsMeasured: DIG_TARGETS,
    digWallMs: digMs,
    digCpuSecondsPerTarget: Number((digCpu.reduce((a, b) => a + b, 0) / DIG_TARGETS).toFixed(2)),
    digExtrapolatedWallMs: Math.round(digPerTarget * TARGETS),
    goalMs: GOAL_MS,
    goalMet: wall <= GOAL_MS,
  };
  const row = (name: string, value: string, note = ''): string => `${name.padEnd(34)} ${value.padStart(12)}  ${note}`;
  console.log(
    `bench-fleet: ${String(TARGETS)} targets x ${String(ZONES)} zones = ${String(queries)} SOA queries, ${String(RUNS)} runs, ${String(cpus().length)} CPU(s), node ${process.version}`,
  );
  console.log(
    `(one named, ${String(ZONES)} zones on ${String(TARGETS)} ports, started in ${String(namedMs)} ms; ${String(AHEAD)} zones behind on every target)`,
  );
  console.log(
    row(
      'status --fleet --json, median',
      `${wall.toFixed(0)} ms`,
      `runs: ${result.fleetWallMsAll.join(', ')} ms; ${String(result.queriesPerSecond)} queries/s`,
    ),
  );
  console.log(row('  CPU (user+sys), peak RSS', `${cpu.toFixed(2)} s`, `${String(result.fleetMaxRssMb)} MB`));
  console.log(row('status --fleet --nagios', `${nagios.wallMs.toFixed(0)} ms`, result.nagiosLine ?? ''));
  console.log(
    row(
      `dig -f, ${String(DIG_TARGETS)} targets, 2 at a time`,
      `${String(digMs)} ms`,
      `${String(result.digCpuSecondsPerTarget)} s CPU per target; x${String(TARGETS / DIG_TARGETS)} = ${String(result.digExtrapolatedWallMs)} ms`,
    ),
  );
  console.log(`goal: ${String(TARGETS)} x ${String(ZONES)} within ${String(GOAL_MS / 1000)} s: ${result.goalMet ? 'met' : 'MISSED'}`);
  return result;
}

try {
  const result = await withScope('bench-fleet', bench);
  if (JSON_OUT) console.log(JSON.stringify(result));
} catch (error) {
  console.error(`bench-fleet: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
