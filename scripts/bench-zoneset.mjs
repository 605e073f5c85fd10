// Benchmarks a zone-set push against the naive way, with real rsync, the built gate and real named:
//   (i)   zone set: rsync through the gate (fake-ssh transport) into the spare tree; the
//         gate validates the changed zones with named-checkzone, promotes, runs `rndc reload ZONE` for
//         each and verifies with dig; the timer stops when our own dig sees all new serials served.
//   (ii)  naive: plain rsync into the directory named loads from, a full `rndc reload`, then dig
//         until all new serials are served. Target: (i)/(ii) <= 1.0.
//   (iii) zone set with "checker", "rndc" and "verify" off: staging + diff + promote alone.
//   (iv)  plain rsync into a directory, no reload, no gate.
//   (v)   plain rsync through the gate with an ordinary (non zone-set) rule: the same transport and
//         gate as (iii) without the zone set. Target: (iii)/(v) <= 1.3, what staging + promote add
//         to a plain push. (iii)/(iv) is shown too; its extra is the gate's own start (node, sandbox),
//         which bench-gate.mjs measures against rrsync.
// plus a push where nothing changed, through the zone set, the plain gate rule and plain rsync.
// The naive and plain pushes use a direct transport (a fake ssh that runs the remote command itself);
// the gate pushes use test/fixtures/fake-ssh, which runs the gate as sshd would. Both pay the same
// rsync client, pipes and server-side rsync; only the gate's own work differs.
//
// Usage: node scripts/bench-zoneset.mjs [--sizes 1000,10000] [--runs 3] [--changed 10] [--full] [--keep]
//                                       [--gate FILE]
//   --full adds 50,000 zones to the default sizes; --keep leaves the temp dir for inspection;
//   --gate runs another gate program than bin/gate.cjs (fake-ssh starts it with node).
// Prints tables, writes .bench/zoneset-results.json. Exit 0 when it ran (targets met or not), 1 when
// a step failed: every measured push must exit 0 and its new serials must really be served (or, for
// the pushes without named, be in the live files) before its timer counts.
// Only node:* imports, so it runs without `npm install` once dist/gate.cjs is built.

import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  linkSync,
  lstatSync,
  openSync,
  closeSync,
  readSync,
} from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startNamed, RNDC, DIG } from './lib/bench-named.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let GATE = join(REPO, 'bin/gate.cjs');
const BUNDLE = join(REPO, 'dist/gate.cjs');
const FAKE_SSH = join(REPO, 'test/fixtures/fake-ssh');
const RESULTS = join(REPO, '.bench/zoneset-results.json');
const NODE = process.execPath;
const RSYNC = '/usr/bin/rsync';
const CHECKZONE = '/usr/bin/named-checkzone';
// The zone-set default checker (src/shared/policy/defaults.ts), for the isolated stage timings.
const CHECKER_ARGS = ['-k', 'fail', '-m', 'fail', '-M', 'fail', '-S', 'fail', '-n', 'fail', '-i', 'local'];

// ---------------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const options = {
    sizes: undefined,
    runs: 3,
    changed: 10,
    full: false,
    keep: false,
    gate: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const [flag, inline] = arg.split('=', 2);
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) usage(`${flag} needs a value`);
      return argv[++i];
    };
    if (arg.startsWith('--sizes'))
      options.sizes = value()
        .split(',')
        .map((s) => Number(s.trim()));
    else if (arg.startsWith('--runs')) options.runs = Number(value());
    else if (arg.startsWith('--changed')) options.changed = Number(value());
    else if (arg.startsWith('--gate')) options.gate = resolve(value());
    else if (arg === '--full') options.full = true;
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--help' || arg === '-h') usage();
    else usage(`unknown argument ${arg}`);
  }
  options.sizes ??= options.full ? [1000, 10000, 50000] : [1000, 10000];
  for (const n of options.sizes) if (!Number.isInteger(n) || n < 20) usage(`bad size ${n}`);
  if (!Number.isInteger(options.runs) || options.runs < 1) usage('--runs must be a whole number >= 1');
  if (!Number.isInteger(options.changed) || options.changed < 1 || options.changed > Math.min(...options.sizes) / 2)
    usage('--changed must be >= 1 and at most half the smallest size');
  return options;
}

function usage(problem) {
  if (problem) console.error(`bench-zoneset: ${problem}`);
  console.error(
    'usage: node scripts/bench-zoneset.mjs [--sizes 1000,10000,50000] [--runs N] [--changed N] [--full] [--keep] [--gate FILE]',
  );
  process.exit(problem ? 2 : 0);
}

// ---------------------------------------------------------------------------------------------
// Cleanup: every process we start is tracked by pid (rsync pushes and named run in their own
// process group, so a terminal Ctrl-C reaches only us); the temp dir goes at the end.

const state = {
  base: undefined,
  keep: false,
  groups: new Set(),
  nameds: new Set(),
  namedPids: new Set(),
};

function cleanup() {
  for (const pid of state.groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  state.groups.clear();
  for (const named of state.nameds) named.kill();
  state.nameds.clear();
  // A named still starting up (not yet in state.nameds): by its pid.
  for (const pid of state.namedPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  state.namedPids.clear();
  if (state.base && !state.keep) rmSync(state.base, { recursive: true, force: true });
  else if (state.base) console.error(`bench-zoneset: kept ${state.base}`);
  state.base = undefined;
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(signal, () => {
    console.error(`\nbench-zoneset: ${signal}, cleaning up`);
    cleanup();
    process.exit(code);
  });
}
process.on('exit', cleanup);

class BenchError extends Error {}
const fail = (message) => {
  throw new BenchError(message);
};

// ---------------------------------------------------------------------------------------------
// Helpers

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const now = () => performance.now();
const round = (x, places = 1) => (x === undefined || Number.isNaN(x) ? undefined : Math.round(x * 10 ** places) / 10 ** places);

/** Runs argv in its own process group; resolves with status, output and wall time (ms). */
function run(argv, { env, timeoutMs = 300_000 } = {}) {
  return new Promise((resolveRun) => {
    const started = now();
    const child = spawn(argv[0], argv.slice(1), {
      env: env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    state.groups.add(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      state.groups.delete(child.pid);
      resolveRun({
        status: null,
        stdout,
        stderr: `${stderr}${error.message}`,
        ms: now() - started,
      });
    });
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      state.groups.delete(child.pid);
      resolveRun({ status, signal, stdout, stderr, ms: now() - started });
    });
  });
}

async function mustRun(argv, options) {
  const result = await run(argv, options);
  if (result.status !== 0) fail(`${argv.join(' ')} failed (exit ${result.status ?? result.signal})\n${result.stderr}${result.stdout}`);
  return result;
}

function mustRunSync(argv) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (result.status !== 0) fail(`${argv.join(' ')} failed (exit ${result.status ?? result.signal})\n${result.stderr}`);
}

/** Deterministic PRNG (mulberry32), so every run of the benchmark changes the same zones. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return {
    n,
    median: round(median),
    min: round(sorted[0]),
    max: round(sorted[n - 1]),
    samples: sorted.map((x) => round(x)),
  };
}

function table(headers, rows) {
  const cells = rows.map((row) => row.map((cell) => (cell === undefined ? '-' : String(cell))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** A syntactically valid ssh-ed25519 public key from fixed bytes (the gate only parses it). */
function fakePublicKey(seed) {
  const str = (data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, data]);
  };
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from('ssh-ed25519')), str(Buffer.alloc(32, seed))]).toString('base64')} bench`;
}

// ---------------------------------------------------------------------------------------------
// Zones

const zoneName = (i) => `z${i}.example`;
const zoneFile = (i) => `db.z${i}.example`;
const FIRST_SERIAL = 2026010100;

/** A small realistic zone, about 600 bytes: SOA, two NS, two MX, SPF, A/AAAA, a CNAME. */
function zoneText(i, serial, revision) {
  const z = zoneName(i);
  const a = (i % 250) + 1;
  const b = (Math.floor(i / 250) % 250) + 1;
  return `; ${z}: generated by scripts/bench-zoneset.mjs, revision ${revision}
$TTL 3600
$ORIGIN ${z}.
@       IN SOA  ns1.${z}. hostmaster.${z}. (
                ${serial} ; serial
                7200       ; refresh
                3600       ; retry
                1209600    ; expire
                3600 )     ; negative caching TTL
        IN NS   ns1.${z}.
        IN NS   ns2.${z}.
        IN MX   10 mail.${z}.
        IN MX   20 mail2.${z}.
        IN TXT  "v=spf1 mx -all"
ns1     IN A    192.0.2.${a}
ns2     IN A    198.51.100.${b}
mail    IN A    203.0.113.${a}
mail2   IN A    203.0.113.${b}
www     IN A    192.0.2.${b}
www     IN AAAA 2001:db8::${i.toString(16)}
ftp     IN CNAME www
rev     IN TXT  "revision ${revision}"
`;
}

// ---------------------------------------------------------------------------------------------
// One size

/** Paths, config and named instances for one zone count. */
async function setUp(n, base) {
  const dir = join(base, `n${n}`);
  const w = {
    n,
    dir,
    primary: join(dir, 'primary'),
    naive: join(dir, 'naive'),
    plain: join(dir, 'plain'),
    plainGate: join(dir, 'plain-gate'),
    zs: join(dir, 'zs'),
    zsOff: join(dir, 'zs-off'),
    config: join(dir, 'zonegate.conf'),
    log: join(dir, 'gate.log'),
    direct: join(dir, 'direct-ssh'),
    naiveInclude: join(dir, 'naive-zones.conf'),
    serials: new Array(n).fill(FIRST_SERIAL),
    revisions: new Array(n).fill(0),
    setup: {},
  };
  for (const d of [w.primary, w.naive, w.plain, w.plainGate, join(w.zs, '.zonegate'), join(w.zsOff, '.zonegate')])
    mkdirSync(d, { recursive: true });

  // The naive baseline's transport: like fake-ssh it drops ssh's options and host, then runs the
  // remote command itself (no forced command). Our own benchmark input only.
  writeFileSync(
    w.direct,
    '#!/bin/sh\nwhile [ $# -gt 0 ]; do\n  case "$1" in\n    -l|-p|-i|-o) shift 2 ;;\n    -*) shift ;;\n    *) shift; break ;;\n  esac\ndone\nexec sh -c "$*"\n',
  );
  chmodSync(w.direct, 0o755);

  let t = now();
  for (let i = 0; i < n; i++) writeFileSync(join(w.primary, zoneFile(i)), zoneText(i, FIRST_SERIAL, 0));
  writeFileSync(
    w.naiveInclude,
    Array.from({ length: n }, (_, i) => `zone "${zoneName(i)}" { type primary; file "${join(w.naive, zoneFile(i))}"; };\n`).join(''),
  );
  w.setup.generateMs = round(now() - t);
  w.setup.zoneBytes = statSync(join(w.primary, zoneFile(0))).size;

  // Prime every destination with the full tree, before named starts (named then loads it all at
  // start-up). The zone set is primed through the gate with a key whose rule switches the checker,
  // rndc and verify off: 50,000 named-checkzone runs are setup, not what is measured.
  writeConfig(w, undefined);
  t = now();
  await pushDirect(w, w.naive);
  await pushDirect(w, w.plain);
  w.setup.primeDirectMs = round(now() - t);
  t = now();
  for (const key of ['zs-prime', 'zs-off', 'plain-gate']) {
    const result = await pushGate(w, key);
    if (result.status !== 0) fail(`priming push with key ${key} failed (exit ${result.status})\n${result.stderr}`);
  }
  w.setup.primeGateMs = round(now() - t);
  for (const [root, label] of [
    [join(w.zs, 'current'), 'zone set'],
    [join(w.zsOff, 'current'), 'checker-off zone set'],
  ]) {
    const count = readdirSync(root).length;
    if (count !== n) fail(`the ${label} holds ${count} files after priming, expected ${n}`);
  }

  // Two named instances, one per configuration: both hold the same zone names, and with two views a
  // full `rndc reload` for the naive way would also re-stat and re-read the zone set's zones.
  const readyTimeoutMs = 60_000 + n * 5;
  t = now();
  const onSpawn = (pid) => state.namedPids.add(pid);
  const onExit = (pid) => state.namedPids.delete(pid);
  w.namedNaive = await startNamed({
    dir: join(dir, 'named-naive'),
    includes: [w.naiveInclude],
    readyTimeoutMs,
    onSpawn,
    onExit,
  });
  state.nameds.add(w.namedNaive);
  w.setup.namedNaiveStartMs = round(now() - t);
  t = now();
  w.namedZs = await startNamed({
    dir: join(dir, 'named-zs'),
    includes: [join(w.zs, '.zonegate/named-zones.conf')],
    readyTimeoutMs,
    onSpawn,
    onExit,
  });
  state.nameds.add(w.namedZs);
  w.setup.namedZsStartMs = round(now() - t);
  writeConfig(w, w.namedZs);

  // Everything served? All zones up to 10,000; a random sample of 50 above.
  const random = prng(n);
  const check = n <= 10_000 ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: 50 }, () => Math.floor(random() * n));
  for (const [named, label] of [
    [w.namedNaive, 'naive'],
    [w.namedZs, 'zone set'],
  ]) {
    for (let start = 0; start < check.length; start += 500) {
      const batch = check.slice(start, start + 500);
      let missing = batch;
      // A lost UDP answer (dig +tries=1) is not a missing zone: ask again for those, a few times.
      for (let attempt = 0; attempt < 5 && missing.length > 0; attempt++) {
        if (attempt > 0) await sleep(200);
        const served = await named.serials(missing.map(zoneName));
        missing = missing.filter((i) => served.get(zoneName(i)) !== FIRST_SERIAL);
      }
      if (missing.length > 0)
        fail(
          `the ${label} named does not serve ${missing.length} zones after start-up, e.g. ${zoneName(missing[0])}\n${named.logTail(3000)}`,
        );
    }
  }
  w.setup.servedChecked = check.length;
  return w;
}

function writeConfig(w, namedZs) {
  const rule = (root, zoneSet) => ({
    direction: 'upload',
    root,
    paths: ['**'],
    delete: true,
    ...(zoneSet ? { zoneSet } : {}),
  });
  const keys = {
    'zs-prime': {
      publicKey: fakePublicKey(3),
      from: ['127.0.0.1'],
      rules: [
        rule(w.zs, {
          name: 'bench',
          zones: ['*.example'],
          checker: false,
          rndc: false,
          verify: false,
          maxDeleteShare: 0.5,
        }),
      ],
    },
    'zs-off': {
      publicKey: fakePublicKey(2),
      from: ['127.0.0.1'],
      rules: [
        rule(w.zsOff, {
          name: 'bench-off',
          zones: ['*.example'],
          checker: false,
          rndc: false,
          verify: false,
          maxDeleteShare: 0.5,
        }),
      ],
    },
    'plain-gate': {
      publicKey: fakePublicKey(4),
      from: ['127.0.0.1'],
      rules: [rule(w.plainGate)],
    },
  };
  if (namedZs) {
    keys.zs = {
      publicKey: fakePublicKey(1),
      from: ['127.0.0.1'],
      rules: [
        rule(w.zs, {
          name: 'bench',
          zones: ['*.example'],
          rndc: [RNDC, '-c', namedZs.rndcConf],
          verify: {
            server: '127.0.0.1',
            port: namedZs.port,
            source: '127.0.0.1',
          },
          maxDeleteShare: 0.5,
        }),
      ],
    };
  }
  const text = `// Written by scripts/bench-zoneset.mjs for one benchmark size; removed with its temp dir.\n${JSON.stringify({ gate: { rsync: RSYNC, log: w.log, sandbox: 'auto' }, keys }, null, 2)}\n`;
  writeFileSync(w.config, text, { mode: 0o600 });
  chmodSync(w.config, 0o600);
}

const RSYNC_OPTIONS = ['-rt', '--delete'];

function pushGate(w, key) {
  const env = {
    PATH: '/usr/bin:/bin',
    ZONEGATE_TEST_NODE: NODE,
    ZONEGATE_TEST_GATE: GATE,
    ZONEGATE_TEST_CONFIG: w.config,
    ZONEGATE_TEST_KEY: key,
  };
  const root = {
    zs: w.zs,
    'zs-prime': w.zs,
    'zs-off': w.zsOff,
    'plain-gate': w.plainGate,
  }[key];
  return run([RSYNC, ...RSYNC_OPTIONS, '-e', FAKE_SSH, `${w.primary}/`, `secondary:${root}/`], { env });
}

async function pushDirect(w, target) {
  return mustRun([RSYNC, ...RSYNC_OPTIONS, '-e', w.direct, `${w.primary}/`, `secondary:${target}/`], { env: { PATH: '/usr/bin:/bin' } });
}

/** Polls named (one dig process per round, all zones in it) until every zone serves its serial. */
async function waitServed(named, expected, timeoutMs = 60_000) {
  const deadline = now() + timeoutMs;
  let rounds = 0;
  for (;;) {
    rounds++;
    const served = await named.serials(Object.keys(expected));
    const stale = Object.keys(expected).filter((zone) => served.get(zone) !== expected[zone]);
    if (stale.length === 0) return rounds;
    if (now() > deadline)
      fail(
        `named does not serve the new serial of ${stale.join(', ')} after ${timeoutMs} ms (serves ${stale.map((z) => served.get(z)).join(', ')})\n${named.logTail(3000)}`,
      );
    await sleep(5);
  }
}

/** Waits until named's log after byte offset `since` matches `pattern`. */
async function waitForLog(named, since, pattern, timeoutMs = 120_000) {
  const deadline = now() + timeoutMs;
  for (;;) {
    const size = statSync(named.logFile).size;
    const fd = openSync(named.logFile, 'r');
    const buffer = Buffer.alloc(size - since);
    readSync(fd, buffer, 0, buffer.length, since);
    closeSync(fd);
    if (pattern.test(buffer.toString('utf8'))) return;
    if (now() > deadline) fail(`named's log never matched ${pattern}:\n${named.logTail(3000)}`);
    await sleep(20);
  }
}

/** The live files of `dir` hold the primary's bytes for these zones. */
function checkFiles(primary, dir, zones, label) {
  for (const i of zones) {
    const want = readFileSync(join(primary, zoneFile(i)), 'utf8');
    const got = readFileSync(join(dir, zoneFile(i)), 'utf8');
    if (got !== want) fail(`${label}: ${zoneFile(i)} in ${dir} is not the primary's new version`);
  }
}
function auditRecords(w) {
  if (!existsSync(w.log)) return [];
  return readFileSync(w.log, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

/** Splits the gate's last push of key `key` by its audit records: gate start -> decision -> finished. */
function gateTimeline(w, key) {
  const records = auditRecords(w).filter((r) => r.key === key);
  const finished = records.filter((r) => r.event === 'finished').at(-1);
  const decision = records.filter((r) => r.event === 'decision' && r.ref === finished?.ref).at(-1);
  if (!finished || typeof finished.durationMs !== 'number') return undefined;
  const time = (r) => (typeof r.time === 'number' ? r.time : Date.parse(r.time));
  const end = time(finished);
  const start = end - finished.durationMs;
  return {
    durationMs: finished.durationMs,
    outcome: finished.outcome,
    beforeRsyncMs: decision ? round(time(decision) - start) : undefined,
    rsyncAndAfterMs: decision ? round(end - time(decision)) : undefined,
    reload: Array.isArray(finished.reload) ? finished.reload.length : undefined,
  };
}

/** Measured variants: each returns { ms, …parts }. The timer covers exactly what the brief says. */
function variants(w) {
  const expectChanged = (result, label) => {
    if (result.status !== 0) fail(`${label}: the gate exited ${result.status}\n${result.stderr}`);
    if (!new RegExp(`: ${w.changedNow.length} changed, 0 added, 0 removed`).test(result.stderr))
      fail(`${label}: the gate did not promote ${w.changedNow.length} changed zones:\n${result.stderr}`);
  };
  return {
    zoneset: async () => {
      const t0 = now();
      const push = await pushGate(w, 'zs');
      const pushed = now();
      if (push.status !== 0) fail(`zone-set push: the gate exited ${push.status}\n${push.stderr}`);
      const rounds = await waitServed(w.namedZs, w.expected);
      const ms = now() - t0;
      expectChanged(push, 'zone-set push');
      return {
        ms,
        pushMs: pushed - t0,
        digRounds: rounds,
        gate: gateTimeline(w, 'zs'),
      };
    },
    naive: async () => {
      const logBefore = statSync(w.namedNaive.logFile).size;
      const t0 = now();
      await pushDirect(w, w.naive);
      const pushed = now();
      await mustRun(w.namedNaive.rndcArgv(['reload']));
      const reloaded = now();
      const rounds = await waitServed(w.namedNaive, w.expected);
      const ms = now() - t0;
      // Untimed: the 10 serials can be served before named has gone through every other zone of the
      // full reload; wait for it to finish so its work does not spill into the next variant.
      await waitForLog(w.namedNaive, logBefore, /\ball zones loaded\b[\s\S]*\brunning\b/);
      return {
        ms,
        rsyncMs: pushed - t0,
        rndcMs: reloaded - pushed,
        waitMs: ms - (reloaded - t0),
        digRounds: rounds,
        quietMs: now() - t0,
      };
    },
    zonesetOff: async () => {
      const t0 = now();
      const push = await pushGate(w, 'zs-off');
      const ms = now() - t0;
      expectChanged(push, 'checker-off zone-set push');
      checkFiles(w.primary, join(w.zsOff, 'current'), w.changedNow, 'checker-off zone set');
      return { ms, gate: gateTimeline(w, 'zs-off') };
    },
    plain: async () => {
      const t0 = now();
      await pushDirect(w, w.plain);
      const ms = now() - t0;
      checkFiles(w.primary, w.plain, w.changedNow, 'plain rsync');
      return { ms };
    },
    plainGate: async () => {
      const t0 = now();
      const push = await pushGate(w, 'plain-gate');
      const ms = now() - t0;
      if (push.status !== 0) fail(`plain push through the gate exited ${push.status}\n${push.stderr}`);
      checkFiles(w.primary, w.plainGate, w.changedNow, 'plain gate rule');
      return { ms, gate: gateTimeline(w, 'plain-gate') };
    },
  };
}

function noChangeVariants(w) {
  return {
    zonesetNoChange: async () => {
      const t0 = now();
      const push = await pushGate(w, 'zs');
      const ms = now() - t0;
      if (push.status !== 0) fail(`no-change zone-set push: the gate exited ${push.status}\n${push.stderr}`);
      if (!/no zone changed/.test(push.stderr)) fail(`no-change zone-set push: expected "no zone changed":\n${push.stderr}`);
      return { ms, gate: gateTimeline(w, 'zs') };
    },
    plainGateNoChange: async () => {
      const t0 = now();
      const push = await pushGate(w, 'plain-gate');
      const ms = now() - t0;
      if (push.status !== 0) fail(`no-change plain gate push exited ${push.status}\n${push.stderr}`);
      return { ms };
    },
    plainNoChange: async () => {
      const t0 = now();
      await pushDirect(w, w.plain);
      return { ms: now() - t0 };
    },
  };
}

const LABELS = {
  zoneset: '(i) zone set: push+check+reload 10+dig',
  naive: '(ii) naive: rsync + full rndc reload + dig',
  zonesetOff: '(iii) zone set, checker/rndc/verify off',
  plain: '(iv) plain rsync push, no reload',
  plainGate: '(v) plain rsync through the gate (no zone set)',
  zonesetNoChange: 'zone set, nothing changed',
  plainGateNoChange: 'plain gate rule, nothing changed',
  plainNoChange: 'plain rsync, nothing changed',
};

async function measure(w, options) {
  const random = prng(0x5eed + w.n);
  const samples = {};
  const details = {};
  const add = (name, result) => {
    (samples[name] ??= []).push(result.ms);
    (details[name] ??= []).push(Object.fromEntries(Object.entries(result).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v])));
  };
  const measured = variants(w);
  const unchanged = noChangeVariants(w);
  for (let r = 0; r < options.runs; r++) {
    // Bump serial and content of `changed` distinct random zones; writing gives them fresh mtimes.
    const chosen = new Set();
    while (chosen.size < options.changed) chosen.add(Math.floor(random() * w.n));
    w.changedNow = [...chosen];
    w.expected = {};
    for (const i of w.changedNow) {
      w.serials[i] += 1;
      w.revisions[i] += 1;
      writeFileSync(join(w.primary, zoneFile(i)), zoneText(i, w.serials[i], w.revisions[i]));
      w.expected[zoneName(i)] = w.serials[i];
    }
    // Rotate the order every run so drift (page cache, named's housekeeping) hits all alike.
    const names = Object.keys(measured);
    const order = names.map((_, k) => names[(k + r) % names.length]);
    for (const name of order) add(name, await measured[name]());
    const quiet = Object.keys(unchanged);
    for (const name of quiet.map((_, k) => quiet[(k + r) % quiet.length])) add(name, await unchanged[name]());
    process.stderr.write(
      `  n=${w.n} run ${r + 1}/${options.runs}: ${order.map((name) => `${name} ${Math.round(samples[name].at(-1))} ms`).join(', ')}\n`,
    );
  }
  return { samples, details };
}

// ---------------------------------------------------------------------------------------------
// Where the time goes: the zone-set pipeline's file-system steps in isolation, on a scratch copy of
// the live release (same file system), plus the helper programs the gate runs for 10 zones.

async function loadDist() {
  const load = async (file) => {
    try {
      return await import(pathToFileURL(join(REPO, 'dist/zoneset', file)).href);
    } catch {
      return {};
    }
  };
  return {
    diff: await load('diff.js'),
    transferLog: await load('transfer-log.js'),
    spare: await load('spare.js'),
    releases: await load('releases.js'),
    promote: await load('promote.js'),
    layout: await load('layout.js'),
  };
}

/**
 * One more zone-set push (untimed) with named's query log on: how many SOA queries the gate's verify
 * step sent for the changed zones, i.e. its dig rounds (the first one goes out right after rndc).
 */
async function verifyRounds(w, changedCount, random) {
  const zones = bump(w, changedCount, random);
  await mustRun(w.namedZs.rndcArgv(['querylog', 'on']));
  const since = statSync(w.namedZs.logFile).size;
  const push = await pushGate(w, 'zs');
  const until = statSync(w.namedZs.logFile).size;
  await mustRun(w.namedZs.rndcArgv(['querylog', 'off']));
  if (push.status !== 0) fail(`diagnostic zone-set push: the gate exited ${push.status}\n${push.stderr}`);
  const fd = openSync(w.namedZs.logFile, 'r');
  const buffer = Buffer.alloc(until - since);
  readSync(fd, buffer, 0, buffer.length, since);
  closeSync(fd);
  const names = new Set(zones.map(zoneName));
  const queries = [...buffer.toString('utf8').matchAll(/query: (\S+) IN SOA/g)].filter((m) => names.has(m[1].toLowerCase())).length;
  return round(queries / zones.length, 2);
}

/** Bumps `count` random zones on the primary; returns their indexes. */
function bump(w, count, random) {
  const chosen = new Set();
  while (chosen.size < count) chosen.add(Math.floor(random() * w.n));
  for (const i of chosen) {
    w.serials[i] += 1;
    w.revisions[i] += 1;
    writeFileSync(join(w.primary, zoneFile(i)), zoneText(i, w.serials[i], w.revisions[i]));
  }
  return [...chosen];
}

/**
 * One more zone-set push (untimed) with the gate under `strace -f`, tracing only execve, exit_group
 * and rename (seccomp-bpf: the thousands of link/lstat calls run untraced, at full speed). The
 * helper programs the gate starts and the rename of `current` mark its stages on one clock.
 * Returns undefined when strace is missing.
 */
async function straceTimeline(w, changedCount, random) {
  const STRACE = '/usr/bin/strace';
  if (!existsSync(STRACE)) return undefined;
  bump(w, changedCount, random);
  const trace = join(w.dir, 'gate.strace');
  const wrapper = join(w.dir, 'node-under-strace');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec ${STRACE} -f --seccomp-bpf -qq -tt -o ${trace} -e trace=execve,exit_group,rename,renameat,renameat2 ${NODE} "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  const env = {
    PATH: '/usr/bin:/bin',
    ZONEGATE_TEST_NODE: wrapper,
    ZONEGATE_TEST_GATE: GATE,
    ZONEGATE_TEST_CONFIG: w.config,
    ZONEGATE_TEST_KEY: 'zs',
  };
  const push = await run([RSYNC, ...RSYNC_OPTIONS, '-e', FAKE_SSH, `${w.primary}/`, `secondary:${w.zs}/`], { env });
  if (push.status !== 0) fail(`traced zone-set push: the gate exited ${push.status}\n${push.stderr}`);
  const seconds = (stamp) => {
    const [h, m, sec] = stamp.split(':');
    return (Number(h) * 60 + Number(m)) * 60 + Number(sec);
  };
  const programOf = new Map();
  const events = [];
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    const match = /^(\d+)\s+(\d\d:\d\d:\d\d\.\d+) (\w+)\((.*)$/.exec(line);
    if (!match) continue;
    const [, pid, stamp, call, rest] = match;
    const t = seconds(stamp) * 1000;
    if (call === 'execve') {
      if (/\) = -1 /.test(rest)) continue;
      const program = /^"([^"]+)"/.exec(rest)?.[1].split('/').pop();
      programOf.set(pid, program);
      events.push({ t, pid, what: `start ${program}` });
    } else if (call === 'exit_group') {
      if (programOf.has(pid)) events.push({ t, pid, what: `exit ${programOf.get(pid)}` });
    } else if (/"[^"]*current\.[0-9a-f]+\.tmp"/.test(rest)) {
      events.push({ t, pid, what: 'rename current (promote)' });
    }
  }
  const first = (what) => events.find((e) => e.what === what)?.t;
  const last = (what) => events.filter((e) => e.what === what).at(-1)?.t;
  const t0 = first('start node');
  // rsync's own process (bwrap around it when sandboxed): the checker runs in a bwrap of its own too.
  const rsyncEvent =
    events.find((e) => e.what === 'start bwrap') ?? events.find((e) => e.what === 'start rsync' && e.t > (first('start flock') ?? 0));
  const rsyncStart = rsyncEvent?.t;
  const rsyncEnd = events.find((e) => e.pid === rsyncEvent?.pid && e.what.startsWith('exit '))?.t;
  // The checker runs in a bwrap of its own when the sandbox is on: its start is the checker's start.
  const checkerStart =
    events.find((e) => e.what === 'start bwrap' && rsyncEnd !== undefined && e.t > rsyncEnd && e.t <= (first('start named-checkzone') ?? 0))
      ?.t ?? first('start named-checkzone');
  const marks = [
    ['node + gate start, config, key, rule (to flock)', t0, first('start flock')],
    ['lock, spare check, confine, probe (to rsync start)', first('start flock'), rsyncStart],
    ['rsync transfer (server side, sandboxed)', rsyncStart, rsyncEnd],
    ['transfer log + diff (to the first checker, or its sandbox)', rsyncEnd, checkerStart],
    [`named-checkzone x${changedCount} (with its sandbox)`, checkerStart, last('exit named-checkzone')],
    ['promote: release record, journal, rename (to current)', last('exit named-checkzone'), first('rename current (promote)')],
    ['after rename (to first rndc)', first('rename current (promote)'), first('start rndc')],
    [`rndc reload ZONE x${changedCount}`, first('start rndc'), last('exit rndc')],
    ['verify: dig', first('start dig'), last('exit dig')],
    ['state, settle the spare, prune, log, exit (after last dig)', last('exit dig'), last('exit node')],
    ['total, gate node start to exit (under strace)', t0, last('exit node')],
  ];
  return Object.fromEntries(marks.map(([label, a, b]) => [label, a !== undefined && b !== undefined ? round(b - a) : undefined]));
}

async function stageBreakdown(w, dist, changed) {
  const live = join(w.zs, 'current');
  const scratch = join(w.dir, 'scratch');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch);
  const out = {};
  const time = (label, fn) => {
    const t = now();
    const value = fn();
    out[label] = round(now() - t);
    return value;
  };
  const files = readdirSync(live);
  const needs = (module, name) => {
    if (typeof module[name] !== 'function') fail(`stage breakdown: dist has no ${name}(); run npm run build`);
  };
  for (const [module, name] of [
    [dist.transferLog, 'parseTransferLog'],
    [dist.diff, 'changesFromLog'],
    [dist.spare, 'mirrorFiles'],
    [dist.releases, 'recordRelease'],
    [dist.promote, 'renderNamedInclude'],
    [dist.layout, 'layoutOf'],
  ])
    needs(module, name);

  // The per-push steps, on a copy of the live tree standing in for the spare.
  const spare = join(scratch, 'spare');
  time('cp -a N files (rebuild the spare: only after a failed push)', () =>
    mustRunSync(['/bin/cp', '-a', '--reflink=auto', '--', `${live}/.`, spare]),
  );
  // What rsync does for the changed files: a new file renamed over the old one, and a log line.
  const stamp = '2026/11/23 12:00:00 [1] ';
  const logLines = [`${stamp}receiving file list`];
  for (const i of changed) {
    const target = join(spare, zoneFile(i));
    writeFileSync(`${target}.tmp`, `${readFileSync(target, 'utf8')}; changed\n`);
    renameSync(`${target}.tmp`, target);
    logLines.push(`${stamp}>f.st...... ${zoneFile(i)}`);
  }
  logLines.push(`${stamp}sent 1 bytes  received 2 bytes  total size 3`);
  const log = time(`parseTransferLog (${changed.length} items)`, () => dist.transferLog.parseTransferLog(logLines.join('\n')));
  const changes = time(`changesFromLog (lstat + compare ${changed.length})`, () => dist.diff.changesFromLog(live, spare, log, 'db.{zone}'));
  if (changes.changed.length !== changed.length)
    fail(`stage breakdown: changesFromLog found ${changes.changed.length} changed, expected ${changed.length}`);
  const layout = dist.layout.layoutOf(scratch);
  mkdirSync(join(scratch, 'releases'));
  time(`recordRelease (link ${changed.length} previous versions)`, () =>
    dist.releases.recordRelease(layout, live, changes, {
      id: 'bench',
      at: new Date().toISOString(),
      kind: 'push',
      previous: undefined,
      changed: changes.changed.map((zone) => zone.file),
      added: [],
      removed: [],
      zones: files.length,
    }),
  );
  const settled = join(scratch, 'settled');
  mustRunSync(['/bin/cp', '-a', '--', `${live}/.`, settled]);
  time(`mirrorFiles (settle: copy ${changed.length} into the other tree)`, () =>
    dist.spare.mirrorFiles(
      spare,
      settled,
      changes.changed.map((zone) => zone.file),
    ),
  );
  // Only when zones come or go.
  time('renderNamedInclude + write (N lines; only when zones come or go)', () =>
    writeFileSync(
      join(scratch, 'include.conf'),
      dist.promote.renderNamedInclude(dist.layout.layoutOf(w.zs), readdirSync(spare), 'db.{zone}'),
    ),
  );
  // What the earlier design paid on every push, for comparison: a hard-linked copy and a stat of N.
  const linked = join(scratch, 'linked');
  time('for comparison: link N files (a hard-linked staging copy)', () => {
    mkdirSync(linked);
    for (const f of readdirSync(live, { withFileTypes: true })) if (f.isFile()) linkSync(join(live, f.name), join(linked, f.name));
  });
  time('for comparison: readdir+lstat N (one tree)', () => {
    for (const f of readdirSync(spare)) lstatSync(join(spare, f));
  });
  // 5. The lock: flock(1) is a process spawn.
  const lockFd = openSync(join(scratch, 'lock'), 'a');
  time('flock spawn', () =>
    spawnSync('/usr/bin/flock', ['--exclusive', '--wait', '5', '3'], {
      stdio: ['ignore', 'ignore', 'pipe', lockFd],
    }),
  );
  closeSync(lockFd);
  // 6. Helper programs for `changed` zones, as many at a time as the gate runs them (checker and
  //    rndc 4, dig 8 per verify round), and one dig process asking for all of them.
  const limited = async (limit, items, task) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(limit, items.length) }, async () => {
        while (next < items.length) await task(items[next++]);
      }),
    );
  };
  const timeAsync = async (label, fn) => {
    const t = now();
    await fn();
    out[label] = round(now() - t);
  };
  const k = changed.length;
  await timeAsync(`named-checkzone x${k} (4 at a time)`, () =>
    limited(4, changed, (i) => mustRun([CHECKZONE, ...CHECKER_ARGS, zoneName(i), join(live, zoneFile(i))])),
  );
  await timeAsync(`rndc reload ZONE x${k} (4 at a time)`, () =>
    limited(4, changed, (i) => mustRun(w.namedZs.rndcArgv(['reload', zoneName(i)]))),
  );
  const digArgv = (i) => [
    DIG,
    '+short',
    '+norecurse',
    '+time=1',
    '+tries=1',
    '-p',
    String(w.namedZs.port),
    '-b',
    '127.0.0.1',
    '@127.0.0.1',
    zoneName(i),
    'SOA',
  ];
  await timeAsync(`dig SOA x${k} (8 at a time, one verify round)`, () => limited(8, changed, (i) => mustRun(digArgv(i))));
  await timeAsync(`one dig process, ${k} SOA queries`, () => w.namedZs.serials(changed.map(zoneName)));
  // 7. Gate start: node + bundle with a request the gate refuses before any work (no rule for it).
  const env = {
    PATH: '/usr/bin:/bin',
    SSH_ORIGINAL_COMMAND: 'true',
    SSH_CONNECTION: '127.0.0.1 50000 127.0.0.1 22',
  };
  const starts = [];
  for (let k = 0; k < 5; k++) starts.push((await run([NODE, GATE, '--config', w.config, '--key', 'zs'], { env })).ms);
  out['gate start + refuse (node, config), median of 5'] = stats(starts).median;
  rmSync(scratch, { recursive: true, force: true });
  return { files: files.length, steps: out };
}

// ---------------------------------------------------------------------------------------------
// Main

function gitState() {
  const stale = [];
  if (existsSync(BUNDLE)) {
    const built = statSync(BUNDLE).mtimeMs;
    const walk = (dir) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (statSync(path).mtimeMs > built) stale.push(path.slice(REPO.length + 1));
      }
    };
    walk(join(REPO, 'src/gate'));
    walk(join(REPO, 'src/shared'));
  }
  return stale;
}

function version(argv) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`.split('\n')[0].trim();
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  state.keep = options.keep;
  if (options.gate) GATE = options.gate;
  for (const tool of [RSYNC, RNDC, DIG, CHECKZONE, '/usr/sbin/named', '/usr/bin/flock', FAKE_SSH])
    if (!existsSync(tool)) fail(`${tool} is missing (apt-get install -y bind9 bind9-utils bind9-dnsutils rsync)`);
  if (!existsSync(BUNDLE)) {
    console.error('bench-zoneset: dist/gate.cjs is missing, running npm run build');
    const build = spawnSync('npm', ['run', 'build'], {
      cwd: REPO,
      stdio: 'inherit',
    });
    if (build.status !== 0) fail('npm run build failed');
  }
  const stale = gitState();
  if (stale.length > 0)
    console.error(
      `bench-zoneset: note: dist/gate.cjs is older than ${stale.length} source file(s) (${stale.slice(0, 4).join(', ')}${stale.length > 4 ? ', …' : ''}); measuring the built bundle`,
    );

  state.base = mkdtempSync(join(tmpdir(), 'zonegate-bench-zs-'));
  const dist = await loadDist();
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGb: round(totalmem() / 2 ** 30),
    named: version(['/usr/sbin/named', '-v']),
    rsync: version([RSYNC, '--version']),
    bundleBuilt: existsSync(BUNDLE) ? statSync(BUNDLE).mtime.toISOString() : undefined,
    sourcesNewerThanBundle: stale,
    sizes: options.sizes,
    runs: options.runs,
    changed: options.changed,
    gate: GATE,
    tmp: state.base,
  };
  console.log(
    `zone-set benchmark: sizes ${options.sizes.join(', ')}, ${options.runs} run(s) each, ${options.changed} changed zones per push; ${meta.cpus} CPUs, ${meta.named}, ${meta.rsync}`,
  );

  const results = [];
  for (const n of options.sizes) {
    const t = now();
    process.stderr.write(`n=${n}: generating zones, priming, starting named…\n`);
    const w = await setUp(n, state.base);
    process.stderr.write(
      `n=${n}: ready in ${Math.round(now() - t)} ms (named start: naive ${w.setup.namedNaiveStartMs} ms, zone set ${w.setup.namedZsStartMs} ms)\n`,
    );
    const { samples, details } = await measure(w, options);
    const breakdown = await stageBreakdown(w, dist, w.changedNow);
    breakdown.gateVerifyRounds = await verifyRounds(w, options.changed, prng(0xd1a9 + n));
    breakdown.straceTimeline = await straceTimeline(w, options.changed, prng(0x57ace + n));
    const summary = Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, stats(s)]));
    results.push({
      n,
      setup: w.setup,
      summary,
      details,
      breakdown,
      wallMs: round(now() - t),
    });
    await w.namedNaive.stop();
    await w.namedZs.stop();
    for (const named of [w.namedNaive, w.namedZs]) {
      state.nameds.delete(named);
      state.namedPids.delete(named.pid);
    }
    if (!options.keep) rmSync(w.dir, { recursive: true, force: true });
    report(results.at(-1), options);
  }
  const ratios = summarize(results, options);
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify({ meta, results, ratios }, null, 2)}\n`);
  console.log(`\nresults written to ${RESULTS.slice(REPO.length + 1)}`);
}

function ratioOf(a, b) {
  return a && b ? round(a / b, 2) : undefined;
}

function report(result, options) {
  const { n, summary, details, breakdown } = result;
  console.log(`\n=== ${n.toLocaleString('en')} zones, ${options.changed} changed per push, ${options.runs} run(s) (ms) ===`);
  console.log(
    table(
      ['variant', 'median', 'min', 'max'],
      Object.keys(LABELS)
        .filter((k) => summary[k])
        .map((k) => [LABELS[k], summary[k].median, summary[k].min, summary[k].max]),
    ),
  );
  const s = (k, f = 'median') => summary[k]?.[f];
  console.log(
    table(
      ['ratio', 'median', 'min', 'target'],
      [
        ['(i)/(ii) zone set vs naive', ratioOf(s('zoneset'), s('naive')), ratioOf(s('zoneset', 'min'), s('naive', 'min')), '<= 1.0'],
        [
          '(iii)/(v) staging+promote vs plain push, same gate',
          ratioOf(s('zonesetOff'), s('plainGate')),
          ratioOf(s('zonesetOff', 'min'), s('plainGate', 'min')),
          '<= 1.3',
        ],
        [
          '(iii)/(iv) staging+promote vs rsync without the gate',
          ratioOf(s('zonesetOff'), s('plain')),
          ratioOf(s('zonesetOff', 'min'), s('plain', 'min')),
          '-',
        ],
        [
          'no change: zone set / plain rsync',
          ratioOf(s('zonesetNoChange'), s('plainNoChange')),
          ratioOf(s('zonesetNoChange', 'min'), s('plainNoChange', 'min')),
          'near 1',
        ],
      ],
    ),
  );
  const med = (list, key) => stats(list.map((d) => d[key]).filter((x) => typeof x === 'number')).median;
  const naive = details.naive;
  const zs = details.zoneset;
  const gateOf = (list, key) =>
    med(
      list.map((d) => d.gate ?? {}),
      key,
    );
  console.log(
    table(
      ['split (median ms)', 'value'],
      [
        ['naive: rsync', med(naive, 'rsyncMs')],
        ['naive: rndc reload (full)', med(naive, 'rndcMs')],
        ['naive: dig until served', med(naive, 'waitMs')],
        ['naive: until named logged the full reload done (untimed)', med(naive, 'quietMs')],
        ['zone set: rsync client wall (gate returns)', med(zs, 'pushMs')],
        ['zone set: gate durationMs (audit log)', gateOf(zs, 'durationMs')],
        ['zone set: gate start -> decision (lock, stage, confine)', gateOf(zs, 'beforeRsyncMs')],
        ['zone set: decision -> finished (rsync, diff, check, promote, reload, verify)', gateOf(zs, 'rsyncAndAfterMs')],
        [
          'zone set: outside durationMs (ssh stand-in, node start, config, rsync client)',
          round(med(zs, 'pushMs') - gateOf(zs, 'durationMs')),
        ],
        ['zone set: our dig rounds after the gate returned', med(zs, 'digRounds')],
        ['checker-off: gate start -> decision', gateOf(details.zonesetOff, 'beforeRsyncMs')],
        ['checker-off: decision -> finished', gateOf(details.zonesetOff, 'rsyncAndAfterMs')],
        ['no change: gate start -> decision', gateOf(details.zonesetNoChange, 'beforeRsyncMs')],
        ['no change: decision -> finished', gateOf(details.zonesetNoChange, 'rsyncAndAfterMs')],
      ],
    ),
  );
  console.log(table([`isolated steps on the ${breakdown.files}-file release`, 'ms'], Object.entries(breakdown.steps)));
  if (breakdown.straceTimeline)
    console.log(table(['one zone-set push under strace (execve/rename marks)', 'ms'], Object.entries(breakdown.straceTimeline)));
  console.log(
    `gate verify: ${breakdown.gateVerifyRounds} dig round(s) per push (SOA queries per changed zone, named query log, one extra push)`,
  );
}

function summarize(results, options) {
  const sizes = results.map((r) => r.n);
  const rows = Object.keys(LABELS).map((k) => [LABELS[k], ...results.map((r) => r.summary[k]?.median)]);
  const slope = (k) => {
    if (results.length < 2) return undefined;
    const first = results[0];
    const last = results.at(-1);
    const a = first.summary[k]?.median;
    const b = last.summary[k]?.median;
    return a === undefined || b === undefined ? undefined : round(((b - a) / (last.n - first.n)) * 1000, 2);
  };
  console.log(`\n=== scaling: median ms per push vs zone count (${options.changed} changed) ===`);
  console.log(
    table(
      ['variant', ...sizes.map((n) => `${n.toLocaleString('en')}`), 'µs per extra zone'],
      rows.map((row, index) => [...row, slope(Object.keys(LABELS)[index])]),
    ),
  );
  const ratioRows = results.map((r) => {
    const m = (k) => r.summary[k]?.median;
    return [
      r.n.toLocaleString('en'),
      ratioOf(m('zoneset'), m('naive')),
      ratioOf(m('zonesetOff'), m('plainGate')),
      ratioOf(m('zonesetOff'), m('plain')),
      round(m('zonesetOff') - m('plainGate')),
      ratioOf(m('zonesetNoChange'), m('plainGateNoChange')),
    ];
  });
  console.log(table(['zones', '(i)/(ii) <= 1.0', '(iii)/(v) <= 1.3', '(iii)/(iv)', '(iii)-(v) ms', 'no change zs/plain gate'], ratioRows));
  return {
    bySize: results.map((r, index) => ({
      n: r.n,
      zonesetVsNaive: ratioRows[index][1],
      stagingVsPlainGate: ratioRows[index][2],
      stagingVsPlainRsync: ratioRows[index][3],
      stagingExtraMs: ratioRows[index][4],
      noChangeVsPlainGate: ratioRows[index][5],
    })),
    usPerExtraZone: Object.fromEntries(Object.keys(LABELS).map((k) => [k, slope(k)])),
  };
}

try {
  await main();
  cleanup();
} catch (error) {
  console.error(`\nbench-zoneset: ${error instanceof BenchError ? error.message : (error?.stack ?? String(error))}`);
  cleanup();
  process.exit(1);
}
