// Benchmarks `zonegate push` at fleet scale against a parallel shell loop of the same rsync calls,
// side by side in one run on one machine: 100 secondaries (one sshd on loopback, 100 keys in its
// authorized_keys, each forcing the real gate into its own zone set: test/lab/fleet.ts), 1,000 zone
// files, 1 changed zone per run, concurrency 16 for both. The loop is `xargs -P 16` over one script
// per target that execs exactly the rsync argv zonegate builds (rsync-argv.ts). Target: zonegate
// <= 1.1x the loop (`fanout100`). Also measured: the runner's peak RSS (GNU time's %M) and, from
// `zonegate push --json`, where each target's time went (median per phase over every target and run).
// The JSON also carries gateDeny and gateAllow, the gate's decision time over rrsync's, from
// bench-gate.ts's measureGateRatios in the same run.
// Prints a table; with --json, one JSON object last on stdout. The lab's scope stops every process
// it started and removes the temp dir, also on failure and on Ctrl-C.
//   npm run bench:push [-- --json] [--runs 3] [--targets 100] [--zones 1000] [--concurrency 16]
//   (after `npm run build`); ZONEGATE_BENCH_GATE=/path/to/gate-entry overrides bin/gate.cjs.

import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rsyncArgv } from '../src/admin/push/rsync-argv.js';
import { skipOptions } from '../src/admin/push/skip.js';
import { loadPolicy } from '../src/shared/policy/load.js';
import { pushSettings } from '../src/admin/push/settings.js';
import { startFleet } from '../test/lab/fleet.js';
import { projectPath } from '../test/lab/paths.js';
import { withScope, type Scope } from '../test/lab/scope.js';
import { measureGateRatios } from './bench-gate.js';
import { requireTool } from '../test/lab/tools.js';
import { zoneText } from '../test/lab/zones.js';

const GATE = process.env['ZONEGATE_BENCH_GATE'] ?? projectPath('bin/gate.cjs');
const ADMIN = projectPath('bin/admin.js');
const TIME = '/usr/bin/time';
const PHASES = ['connect', 'gate', 'transfer', 'check', 'promote', 'reload', 'verify'] as const;

const { values: flags } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    targets: { type: 'string', default: '100' },
    zones: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
  },
  strict: true,
});
const RUNS = Number(flags.runs);
const TARGETS = Number(flags.targets);
const ZONES = Number(flags.zones);
const CONCURRENCY = Number(flags.concurrency);

const zone = (i: number, serial: number): string =>
  zoneText(`zone${String(i)}.example`, serial, {
    origin: true,
    mname: 'ns1',
    rname: 'hostmaster',
    timers: [3600, 900, 604800, 300],
    nameservers: ['ns1'],
    records: ['ns1 IN A 192.0.2.1', `www IN A 192.0.2.${String(i % 250)}`],
  });

function timeIt(file: string, args: string[], options: SpawnSyncOptions = {}): { ms: number; stdout: string } {
  const started = process.hrtime.bigint();
  const r = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0)
    throw new Error(`${file} ${args.slice(0, 3).join(' ')} … exited ${String(r.status)}: ${String(r.stderr).slice(0, 2000)}`);
  return { ms, stdout: String(r.stdout) };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** A POSIX shell word. */
const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

interface PushJson {
  exitCode: number;
  targets: { target: string; kind: string; timing: { attemptMs: number; phases: Partial<Record<string, number>> } | null }[];
}

async function bench(scope: Scope): Promise<void> {
  for (const [tool, pkg] of [
    ['/usr/sbin/sshd', 'openssh-server'],
    ['/usr/bin/ssh', 'openssh-client'],
    ['/usr/bin/rsync', 'rsync'],
    ['/usr/bin/flock', 'util-linux'],
    ['/usr/bin/xargs', 'findutils'],
    [TIME, 'time'],
    ['/usr/bin/named-checkzone', 'bind9-utils'],
  ] as const)
    requireTool(tool, pkg);
  const dir = scope.tempDir('zonegate-bench-push-');
  const source = join(dir, 'primary', 'zones');
  mkdirSync(source, { recursive: true });
  const serials = new Array<number>(ZONES).fill(2024010100);
  for (let i = 0; i < ZONES; i++) writeFileSync(join(source, `db.zone${String(i)}.example`), zone(i, 2024010100));
  const fleet = await startFleet({ scope, dir, count: TARGETS, gateEntry: GATE, sshdConfig: ['LogLevel ERROR'] });
  const config = join(dir, 'primary.conf');
  writeFileSync(
    config,
    JSON.stringify({
      targets: Object.fromEntries(
        fleet.members.map((m) => [
          m.name,
          {
            host: '127.0.0.1',
            port: fleet.sshd.port,
            user: fleet.sshd.user,
            identity: m.identity,
            knownHosts: fleet.sshd.knownHosts,
            source,
            destination: '.',
            delete: true,
            zoneFile: 'db.{zone}',
          },
        ]),
      ),
      push: { stateDir: join(dir, 'state'), logDir: join(dir, 'log'), concurrency: CONCURRENCY },
    }),
    { mode: 0o600 },
  );

  // The loop: one script per target that execs the very argv zonegate builds, xargs running 16 at once.
  const policy = loadPolicy(config);
  const skip = skipOptions(pushSettings(policy, {}));
  const scripts = join(dir, 'loop');
  mkdirSync(scripts);
  const list = [...policy.targets.values()].map((target) => {
    const file = join(scripts, `${target.name}.sh`);
    writeFileSync(file, `exec ${rsyncArgv(target, {}, skip).map(quote).join(' ')} >/dev/null\n`);
    return file;
  });
  const listFile = join(dir, 'loop.list');
  writeFileSync(listFile, `${list.join('\n')}\n`);
  const loop = ['-c', `/usr/bin/xargs -P ${String(CONCURRENCY)} -n 1 /bin/sh < ${quote(listFile)}`];
  // The environment zonegate gives its rsync (runner.ts), as a cron job's loop would have: the two
  // sides then differ only in what runs the 100 rsync calls.
  const loopEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', HOME: process.env['HOME'] ?? '/' };

  let bump = 0;
  const changeOneZone = (): void => {
    const i = bump++ % ZONES;
    serials[i] = (serials[i] ?? 0) + 1;
    writeFileSync(join(source, `db.zone${String(i)}.example`), zone(i, serials[i]));
  };
  const checkArrived = (): void => {
    const i = (bump - 1) % ZONES;
    for (const m of fleet.members) {
      const text = readFileSync(join(m.root, 'current', `db.zone${String(i)}.example`), 'utf8');
      if (!text.includes(` ${String(serials[i])} `)) throw new Error(`${m.name} did not get zone${String(i)} serial ${String(serials[i])}`);
    }
  };

  // Seed: every secondary gets all the zones; zonegate validates all of them once (its manifest).
  const seedMs = timeIt(process.execPath, [ADMIN, 'push', '--config', config]).ms;
  const rssFile = join(dir, 'rss');
  const results = { zonegate: [] as number[], loop: [] as number[], rssKb: [] as number[] };
  const phaseSamples = new Map<string, number[]>(PHASES.map((p) => [p, []]));
  const attemptSamples: number[] = [];
  const runZonegate = (): void => {
    changeOneZone();
    const { ms, stdout } = timeIt(TIME, ['-f', '%M', '-o', rssFile, process.execPath, ADMIN, 'push', '--config', config, '--json']);
    results.zonegate.push(ms);
    results.rssKb.push(Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()));
    const doc = JSON.parse(stdout) as PushJson;
    for (const target of doc.targets) {
      if (target.timing === null) continue;
      attemptSamples.push(target.timing.attemptMs);
      for (const phase of PHASES) {
        const ms = target.timing.phases[phase];
        if (ms !== undefined) phaseSamples.get(phase)?.push(ms);
      }
    }
    checkArrived();
  };
  const runLoop = (): void => {
    changeOneZone();
    results.loop.push(timeIt('/bin/sh', loop, { env: loopEnv }).ms);
    checkArrived();
  };
  for (let run = 0; run < RUNS; run++) {
    // Alternate who goes first, so neither always meets a machine the other just warmed or loaded.
    if (run % 2 === 0) {
      runZonegate();
      runLoop();
    } else {
      runLoop();
      runZonegate();
    }
  }
  // What any `zonegate` invocation costs before it does anything: node + the admin CLI's modules.
  const startMs = median(Array.from({ length: 5 }, () => timeIt(process.execPath, [ADMIN, '--version']).ms));
  const m = { zonegate: median(results.zonegate), loop: median(results.loop) };
  const ratio = m.zonegate / m.loop;
  const peakRssMb = Math.max(...results.rssKb) / 1024;
  const phaseMedians = Object.fromEntries(PHASES.map((p) => [p, median(phaseSamples.get(p) ?? [])]));
  const row = (name: string, ms: number, note = ''): string => `${name.padEnd(28)} ${ms.toFixed(0).padStart(8)} ms  ${note}`;
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `bench-push: ${String(TARGETS)} targets x ${String(ZONES)} zones, 1 changed per run, concurrency ${String(CONCURRENCY)}, ${String(RUNS)} runs, ${String(cpus().length)} CPU(s), load ${load}, node ${process.version}`,
  );
  console.log(`(seed push of all ${String(ZONES)} zones to every target, incl. named-checkzone of each once: ${seedMs.toFixed(0)} ms)`);
  console.log(`${'method'.padEnd(28)} ${'median'.padStart(11)}`);
  console.log(
    row('zonegate push', m.zonegate, `${ratio.toFixed(2)}x the loop; runs ${results.zonegate.map((x) => x.toFixed(0)).join(', ')}`),
  );
  console.log(row(`xargs -P ${String(CONCURRENCY)} loop of rsync`, m.loop, `runs ${results.loop.map((x) => x.toFixed(0)).join(', ')}`));
  console.log(
    row('  of which CLI start', startMs, `zonegate --version; without it: ${((m.zonegate - startMs) / m.loop).toFixed(2)}x the loop`),
  );
  console.log(`runner peak RSS: ${peakRssMb.toFixed(1)} MB`);
  console.log(`per target, median over ${String(attemptSamples.length)} attempts: attempt ${median(attemptSamples).toFixed(0)} ms =`);
  console.log(`  ${PHASES.map((p) => `${p} ${String(phaseMedians[p])}`).join(', ')} ms`);
  console.log(`target fanout100 <= 1.10x the loop: ${ratio <= 1.1 ? 'met' : 'MISSED'}`);
  // The gate's decision against rrsync's, measured by the gate benchmark in this same run.
  const gate = await measureGateRatios({ scope });
  console.log(
    `gate decision over rrsync's (median of ${String(gate.runs)}): deny ${gate.gateDeny.toFixed(2)}x, allow ${gate.gateAllow.toFixed(2)}x (target <= 0.90x)`,
  );
  if (flags.json)
    console.log(
      JSON.stringify({
        bench: 'push',
        targets: TARGETS,
        zones: ZONES,
        concurrency: CONCURRENCY,
        runs: RUNS,
        cpus: cpus().length,
        zonegateMs: Math.round(m.zonegate),
        loopMs: Math.round(m.loop),
        fanout100: Math.round(ratio * 1000) / 1000,
        fanout100PeakRssMb: Math.round(peakRssMb * 10) / 10,
        phaseMedianMs: phaseMedians,
        gateDeny: gate.gateDeny,
        gateAllow: gate.gateAllow,
        gateMedianMs: gate.medianMs,
      }),
    );
}

try {
  await withScope('bench-push', bench);
} catch (error) {
  console.error(`bench-push: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
