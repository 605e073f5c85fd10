// Benchmarks `zonegate push` against plain rsync loops, side by side in one run on one machine:
// 4 secondaries (each a real sshd on loopback forcing the real gate into a zone set), 1,000 zone
// files, 1 changed zone per run. Compared: `zonegate push` (lock, local named-checkzone of the
// changed zone, 4 targets in parallel, status file, run log), a sequential shell loop of the same
// rsync calls, and a parallel shell loop (`&` + `wait`). Target: zonegate <= 1.1x the parallel loop.
// Prints a table of median wall times and the ratios. The secondaries come from test/lab; its scope
// stops every sshd by pid and removes the temp dir, also on failure and on Ctrl-C.
//   npm run bench:push [-- --runs 5]   (after `npm run build`)
//   ZONEGATE_BENCH_GATE=/path/to/gate-entry overrides bin/gate.cjs.

import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { makeKeyPair } from '../test/lab/keys.js';
import { projectPath } from '../test/lab/paths.js';
import { withScope, type Scope } from '../test/lab/scope.js';
import { startSecondary, type Secondary } from '../test/lab/secondary.js';
import { requireTool } from '../test/lab/tools.js';
import { zoneText } from '../test/lab/zones.js';

const GATE = process.env['ZONEGATE_BENCH_GATE'] ?? projectPath('bin/gate.cjs');
const ADMIN = projectPath('bin/admin.js');
const TARGETS = 4;
const ZONES = 1000;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg === -1 ? 5 : Number(process.argv[runsArg + 1]);

const zone = (i: number, serial: number): string =>
  zoneText(`zone${String(i)}.example`, serial, {
    origin: true,
    mname: 'ns1',
    rname: 'hostmaster',
    timers: [3600, 900, 604800, 300],
    nameservers: ['ns1'],
    records: ['ns1 IN A 192.0.2.1', `www IN A 192.0.2.${String(i % 250)}`],
  });

function timeIt(file: string, args: string[], options: SpawnSyncOptions = {}): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(file, args, { encoding: 'utf8', ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${file} ${args.slice(0, 3).join(' ')} … exited ${String(r.status)}: ${String(r.stderr)}`);
  return ms;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

async function bench(scope: Scope): Promise<void> {
  for (const [tool, pkg] of [
    ['/usr/sbin/sshd', 'openssh-server'],
    ['/usr/bin/ssh', 'openssh-client'],
    ['/usr/bin/rsync', 'rsync'],
    ['/usr/bin/flock', 'util-linux'],
    ['/usr/bin/named-checkzone', 'bind9-utils'],
  ] as const)
    requireTool(tool, pkg);
  const dir = scope.tempDir('zonegate-bench-push-');
  const source = join(dir, 'primary', 'zones');
  mkdirSync(source, { recursive: true });
  const serials = new Array<number>(ZONES).fill(2024010100);
  for (let i = 0; i < ZONES; i++) writeFileSync(join(source, `db.zone${String(i)}.example`), zone(i, 2024010100));
  const client = await makeKeyPair(join(dir, 'primary'), 'id', 'bench');
  const identity = client.privateKey;
  const secondaries: Secondary[] = await Promise.all(
    Array.from({ length: TARGETS }, (_, i) =>
      startSecondary({
        scope,
        name: `ns${String(i + 1)}`,
        dir: join(dir, `ns${String(i + 1)}`),
        clientKey: client.line,
        gateEntry: GATE,
        sshd: { extraConfig: [] },
      }),
    ),
  );
  const user = secondaries[0]?.sshd.user ?? 'root';
  const config = join(dir, 'primary.conf');
  writeFileSync(
    config,
    JSON.stringify({
      targets: Object.fromEntries(
        secondaries.map((s) => [
          s.name,
          {
            host: '127.0.0.1',
            port: s.sshd.port,
            user,
            identity,
            knownHosts: s.sshd.knownHosts,
            source,
            destination: '.',
            delete: true,
            zoneFile: 'db.{zone}',
          },
        ]),
      ),
      push: { stateDir: join(dir, 'state'), logDir: join(dir, 'log'), concurrency: TARGETS },
    }),
    { mode: 0o600 },
  );

  // The same rsync call zonegate makes, as a shell loop would write it.
  const ssh = (s: Secondary): string =>
    `/usr/bin/ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${s.sshd.knownHosts} -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -o ServerAliveInterval=15 -o ServerAliveCountMax=3 -i ${identity} -p ${String(s.sshd.port)} -l ${user}`;
  const rsyncLine = (s: Secondary): string =>
    `/usr/bin/rsync --recursive --links --times --perms --chmod=D755,F644 --delete-delay -e '${ssh(s)}' -- ${source}/ 127.0.0.1:. >/dev/null`;
  const sequential = `set -e\n${secondaries.map(rsyncLine).join('\n')}\n`;
  const parallel = `${secondaries.map((s) => `${rsyncLine(s)} &`).join('\n')}\nfail=0\nfor p in $(jobs -p); do wait $p || fail=1; done\nexit $fail\n`;

  let bump = 0;
  const changeOneZone = (): void => {
    const i = bump++ % ZONES;
    serials[i] = (serials[i] ?? 0) + 1;
    writeFileSync(join(source, `db.zone${String(i)}.example`), zone(i, serials[i]));
  };
  const checkArrived = (): void => {
    const i = (bump - 1) % ZONES;
    for (const s of secondaries) {
      const text = readFileSync(join(s.root, 'current', `db.zone${String(i)}.example`), 'utf8');
      if (!text.includes(` ${String(serials[i])} `)) throw new Error(`${s.name} did not get zone${String(i)} serial ${String(serials[i])}`);
    }
  };

  // Seed: every secondary gets all 1,000 zones; zonegate validates all of them once (its manifest).
  const seedMs = timeIt(process.execPath, [ADMIN, 'push', '--config', config]);
  const results: Record<'zonegate' | 'sequential' | 'parallel', number[]> = { zonegate: [], sequential: [], parallel: [] };
  for (let run = 0; run < RUNS; run++) {
    changeOneZone();
    results.zonegate.push(timeIt(process.execPath, [ADMIN, 'push', '--config', config]));
    checkArrived();
    changeOneZone();
    results.sequential.push(timeIt('/bin/sh', ['-c', sequential]));
    checkArrived();
    changeOneZone();
    results.parallel.push(timeIt('/bin/sh', ['-c', parallel]));
    checkArrived();
  }
  // What any `zonegate` invocation costs before it does anything: node + the admin CLI's modules.
  const startMs = median(Array.from({ length: 5 }, () => timeIt(process.execPath, [ADMIN, '--version'])));
  const m = { zonegate: median(results.zonegate), sequential: median(results.sequential), parallel: median(results.parallel) };
  const row = (name: string, ms: number, note = ''): string => `${name.padEnd(24)} ${ms.toFixed(0).padStart(8)} ms  ${note}`;
  console.log(
    `bench-push: ${String(TARGETS)} targets x ${String(ZONES)} zones, 1 changed per run, ${String(RUNS)} runs, ${String(cpus().length)} CPU(s), node ${process.version}`,
  );
  console.log(`(seed push of all ${String(ZONES)} zones incl. named-checkzone of each: ${seedMs.toFixed(0)} ms)`);
  console.log(row('method', 0, 'median wall time').replace(/ +0 ms/, '          '));
  console.log(
    row(
      'zonegate push',
      m.zonegate,
      `${(m.zonegate / m.parallel).toFixed(2)}x parallel loop, ${(m.zonegate / m.sequential).toFixed(2)}x sequential loop`,
    ),
  );
  console.log(row('shell loop, parallel', m.parallel));
  console.log(row('shell loop, sequential', m.sequential));
  console.log(
    row(
      '  of which CLI start',
      startMs,
      `zonegate --version; without it: ${((m.zonegate - startMs) / m.parallel).toFixed(2)}x parallel loop`,
    ),
  );
  console.log(`target <= 1.10x parallel: ${m.zonegate / m.parallel <= 1.1 ? 'met' : 'MISSED'}`);
}

try {
  await withScope('bench-push', bench);
} catch (error) {
  console.error(`bench-push: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
