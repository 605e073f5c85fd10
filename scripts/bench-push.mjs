// Benchmarks `zonegate push` against plain rsync loops, side by side in one run on one machine:
// 4 secondaries (each a real sshd on loopback forcing the real gate into a zone set), 1,000 zone
// files, 1 changed zone per run. Compared: `zonegate push` (lock, local named-checkzone of the
// changed zone, 4 targets in parallel, status file, run log), a sequential shell loop of the same
// rsync calls, and a parallel shell loop (`&` + `wait`). Target: zonegate <= 1.1x the parallel loop.
// Prints a table of median wall times and the ratios. Only node:* imports; every sshd is stopped
// by its pid and the temp dir removed, also on failure.
//   node scripts/bench-push.mjs [--runs 5]   (after `npm run build`)
//   ZONEGATE_BENCH_GATE=/path/to/gate-entry overrides bin/gate.cjs.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './lib/ports.mjs';
import { tmpdir, userInfo, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const GATE = process.env.ZONEGATE_BENCH_GATE || join(REPO, 'bin/gate.cjs');
const ADMIN = join(REPO, 'bin/admin.js');
const TARGETS = 4;
const ZONES = 1000;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg === -1 ? 5 : Number(process.argv[runsArg + 1]);

for (const [tool, pkg] of [
  ['/usr/sbin/sshd', 'openssh-server'],
  ['/usr/bin/ssh', 'openssh-client'],
  ['/usr/bin/rsync', 'rsync'],
  ['/usr/bin/flock', 'util-linux'],
  ['/usr/bin/named-checkzone', 'bind9-utils'],
]) {
  if (spawnSync('test', ['-x', tool]).status !== 0) {
    console.error(`${tool} is missing: apt-get install -y ${pkg}`);
    process.exit(1);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'zonegate-bench-push-'));
const sshds = [];
// Stops every sshd we started, by its pid, waits for it, then removes the temp dir.
async function cleanup() {
  await Promise.all(
    sshds
      .filter((c) => c.exitCode === null)
      .map(
        (c) =>
          new Promise((ok) => {
            c.once('exit', ok);
            process.kill(c.pid, 'SIGTERM');
          }),
      ),
  );
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}
process.on('exit', () => {
  for (const c of sshds) if (c.exitCode === null) process.kill(c.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});
process.on('SIGINT', () => process.exit(130));

const zone = (i, serial) =>
  `$ORIGIN zone${i}.example.\n$TTL 300\n@ IN SOA ns1 hostmaster ${serial} 3600 900 604800 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\nwww IN A 192.0.2.${i % 250}\n`;

function keygen(file) {
  const r = spawnSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench', '-f', file]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

async function startSecondary(n, clientKeyLine) {
  const home = join(dir, `ns${n}`);
  const root = join(home, 'zones');
  mkdirSync(root, { recursive: true });
  const hostLine = keygen(join(home, 'host'));
  const port = await freePort();
  const config = join(home, 'gate.conf');
  const rule = {
    direction: 'upload',
    root,
    paths: ['**'],
    delete: true,
    zoneSet: { name: `ext${n}`, zones: ['*.example'], zoneFile: 'db.{zone}', rndc: false, checker: false, verify: false },
  };
  writeFileSync(
    config,
    JSON.stringify({
      gate: { log: join(home, 'gate.log'), sandbox: 'auto' },
      keys: { primary: { publicKey: clientKeyLine, from: ['127.0.0.1'], rules: [rule] } },
    }),
    { mode: 0o600 },
  );
  writeFileSync(
    join(home, 'authorized_keys'),
    `restrict,from="127.0.0.1",command="${process.execPath} ${GATE} --config ${config} --key primary" ${clientKeyLine}\n`,
    { mode: 0o600 },
  );
  writeFileSync(join(home, 'known_hosts'), `[127.0.0.1]:${port} ${hostLine.split(' ').slice(0, 2).join(' ')}\n`);
  writeFileSync(
    join(home, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(home, 'host')}`,
      `PidFile ${join(home, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(home, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin forced-commands-only',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true });
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(home, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  sshds.push(child);
  await new Promise((ok, fail) => {
    let err = '';
    const timer = setTimeout(() => fail(new Error(`sshd ${n} did not start: ${err}`)), 5000);
    child.stderr.on('data', (d) => {
      err += d;
      if (err.includes('Server listening')) {
        clearTimeout(timer);
        ok();
      }
    });
  });
  return { name: `ns${n}`, port, root, knownHosts: join(home, 'known_hosts') };
}

function timeIt(file, args, options = {}) {
  const started = process.hrtime.bigint();
  const r = spawnSync(file, args, { encoding: 'utf8', ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${file} ${args.slice(0, 3).join(' ')} … exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const source = join(dir, 'primary', 'zones');
mkdirSync(source, { recursive: true });
const serials = new Array(ZONES).fill(2024010100);
for (let i = 0; i < ZONES; i++) writeFileSync(join(source, `db.zone${i}.example`), zone(i, serials[i]));
const identity = join(dir, 'primary', 'id');
const clientLine = keygen(identity);
const secondaries = await Promise.all(Array.from({ length: TARGETS }, (_, i) => startSecondary(i + 1, clientLine)));
const user = userInfo().username;
const config = join(dir, 'primary.conf');
writeFileSync(
  config,
  JSON.stringify({
    targets: Object.fromEntries(
      secondaries.map((s) => [
        s.name,
        {
          host: '127.0.0.1',
          port: s.port,
          user,
          identity,
          knownHosts: s.knownHosts,
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
const ssh = (s) =>
  `/usr/bin/ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${s.knownHosts} -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -o ServerAliveInterval=15 -o ServerAliveCountMax=3 -i ${identity} -p ${s.port} -l ${user}`;
const rsyncLine = (s) =>
  `/usr/bin/rsync --recursive --links --times --perms --chmod=D755,F644 --delete-delay -e '${ssh(s)}' -- ${source}/ 127.0.0.1:. >/dev/null`;
const sequential = `set -e\n${secondaries.map(rsyncLine).join('\n')}\n`;
const parallel = `${secondaries.map((s) => `${rsyncLine(s)} &`).join('\n')}\nfail=0\nfor p in $(jobs -p); do wait $p || fail=1; done\nexit $fail\n`;

let bump = 0;
function changeOneZone() {
  const i = bump++ % ZONES;
  serials[i] += 1;
  writeFileSync(join(source, `db.zone${i}.example`), zone(i, serials[i]));
}
function checkArrived() {
  const i = (bump - 1) % ZONES;
  for (const s of secondaries) {
    const text = readFileSync(join(s.root, 'current', `db.zone${i}.example`), 'utf8');
    if (!text.includes(` ${serials[i]} `)) throw new Error(`${s.name} did not get zone${i} serial ${serials[i]}`);
  }
}

// Seed: every secondary gets all 1,000 zones; zonegate validates all of them once (its manifest).
const seedMs = timeIt(process.execPath, [ADMIN, 'push', '--config', config]);
const results = { zonegate: [], sequential: [], parallel: [] };
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
const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
const row = (name, ms, note = '') => `${name.padEnd(24)} ${ms.toFixed(0).padStart(8)} ms  ${note}`;
console.log(
  `bench-push: ${TARGETS} targets x ${ZONES} zones, 1 changed per run, ${RUNS} runs, ${cpus().length} CPU(s), node ${process.version}`,
);
console.log(`(seed push of all ${ZONES} zones incl. named-checkzone of each: ${seedMs.toFixed(0)} ms)`);
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
await cleanup();
