// Benchmarks a zone-set push against the naive way, with real rsync, the built gate and real named:
//   (i)   zone set: rsync through the gate (fake-ssh transport) into the spare tree; the gate
//         checks the changed zones (batched named-checkconf -z), promotes, reloads them (rndc commands
//         sent in-process) and asks named for the served serials itself; the timer stops when our
//         own dig sees all new serials served.
//   (ii)  naive: plain rsync into the directory named loads from, a full `rndc reload`, then dig
//         until all new serials are served. Target: (i)/(ii) <= 1.0.
//   (iii) zone set with "checker", "rndc" and "verify" off: staging + diff + promote alone.
//   (iv)  plain rsync into a directory, no reload, no gate.
//   (v)   plain rsync through the gate with an ordinary (non zone-set) rule: the same transport and
//         gate as (iii) without the zone set. Target: (iii)/(v) <= 1.3, what staging + promote add
//         to a plain push. (iii)/(iv) is shown too; its extra is the gate's own start (node, sandbox),
//         which bench-gate.ts measures against rrsync.
// plus a push where nothing changed, through the zone set, the plain gate rule and plain rsync.
// The naive and plain pushes use a direct transport (a fake ssh that runs the remote command itself);
// the gate pushes use test/fixtures/fake-ssh, which runs the gate as sshd would. Both pay the same
// rsync client, pipes and server-side rsync; only the gate's own work differs.
//
// Usage: npm run bench:zoneset -- [--sizes 1000,10000] [--runs 3] [--changed 10] [--full] [--keep]
//                                 [--gate FILE] [--json]
//   --json runs the issue-15 scenarios instead (allChanged2k, halfChanged2k, tenChanged10k,
//   tenChanged1k: zone set push against plain rsync [+ named-checkconf -z] + full reload, each
//   ratio median/median of --runs pairs), prints their table, then one JSON object as the last line.
//   --full adds 50,000 zones to the default sizes; --keep leaves the temp dir for inspection;
//   --gate runs another gate program than bin/gate.cjs (fake-ssh starts it with node).
// Prints tables, writes .bench/zoneset-results.json. Exit 0 when it ran (targets met or not), 1 when
// a step failed: every measured push must exit 0 and its new serials must really be served (or, for
// the pushes without named, be in the live files) before its timer counts. named, the temp dirs and
// every process (rsync pushes and named in their own process groups, so a terminal Ctrl-C reaches
// only us) belong to test/lab's scope, which stops and removes them on every way out.
// One file of ~1,200 lines on purpose: it is one experiment read top to bottom (variants, breakdown,
// report); splitting it is left for when a second zone-set benchmark shares parts of it.

import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fakeEd25519PublicKey } from '../test/lab/keys.js';
import { startNamed, type Named } from '../test/lab/named.js';
import { PROJECT, projectPath } from '../test/lab/paths.js';
import { withScope, type Scope } from '../test/lab/scope.js';
import { bindTool } from '../test/lab/tools.js';
import { zoneText as labZoneText } from '../test/lab/zones.js';
import { prng } from '../test/lab/prng.js';
import { ZONESET_DEFAULT_CHECKER } from '../src/shared/policy/defaults.js';
import { mirrorCheckzone, renderBatchConf } from '../src/zoneset/batch-conf.js';

const REPO = PROJECT;
let GATE = projectPath('bin/gate.cjs');
const BUNDLE = projectPath('dist/gate.cjs');
const FAKE_SSH = projectPath('test/fixtures/fake-ssh');
const RESULTS = projectPath('.bench/zoneset-results.json');
const NODE = process.execPath;
const RSYNC = '/usr/bin/rsync';
const CHECKZONE = '/usr/bin/named-checkzone';
// The zone-set default checker (src/shared/policy/defaults.ts), for the isolated stage timings.
const CHECKER_ARGS = ['-k', 'fail', '-m', 'fail', '-M', 'fail', '-S', 'fail', '-n', 'fail', '-i', 'local'];

// ---------------------------------------------------------------------------------------------
// Arguments

interface Options {
  sizes: number[];
  runs: number;
  changed: number;
  full: boolean;
  keep: boolean;
  gate: string | undefined;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  let sizes: number[] | undefined;
  const options = { runs: 3, changed: 10, full: false, keep: false, json: false, gate: undefined as string | undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const value = (): string => {
      const [flag, inline] = arg.split('=', 2);
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) usage(`${flag ?? arg} needs a value`);
      return argv[++i] ?? '';
    };
    if (arg.startsWith('--sizes'))
      sizes = value()
        .split(',')
        .map((s) => Number(s.trim()));
    else if (arg.startsWith('--runs')) options.runs = Number(value());
    else if (arg.startsWith('--changed')) options.changed = Number(value());
    else if (arg.startsWith('--gate')) options.gate = resolve(value());
    else if (arg === '--full') options.full = true;
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--help' || arg === '-h') usage();
    else usage(`unknown argument ${arg}`);
  }
  const chosen = sizes ?? (options.full ? [1000, 10000, 50000] : [1000, 10000]);
  for (const n of chosen) if (!Number.isInteger(n) || n < 20) usage(`bad size ${String(n)}`);
  if (!Number.isInteger(options.runs) || options.runs < 1) usage('--runs must be a whole number >= 1');
  if (!Number.isInteger(options.changed) || options.changed < 1 || options.changed > Math.min(...chosen) / 2)
    usage('--changed must be >= 1 and at most half the smallest size');
  return { ...options, sizes: chosen };
}

function usage(problem?: string): never {
  if (problem) console.error(`bench-zoneset: ${problem}`);
  console.error(
    'usage: npm run bench:zoneset -- [--sizes 1000,10000,50000] [--runs N] [--changed N] [--full] [--keep] [--gate FILE] [--json]',
  );
  process.exit(problem ? 2 : 0);
}

class BenchError extends Error {}
const fail = (message: string): never => {
  throw new BenchError(message);
};

// ---------------------------------------------------------------------------------------------
// Helpers

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
const now = (): number => performance.now();
const round = (x: number, places = 1): number => Math.round(x * 10 ** places) / 10 ** places;
const roundMaybe = (x: number | undefined, places = 1): number | undefined =>
  x === undefined || Number.isNaN(x) ? undefined : round(x, places);

interface RunResult {
  status: number | null;
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs argv in its own process group (the scope stops the group); resolves with status, output and wall time (ms). */
function run(scope: Scope, argv: readonly string[], { env, timeoutMs = 300_000 }: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  return new Promise<RunResult>((resolveRun) => {
    const started = now();
    const child = scope.spawn(argv[0] ?? '', argv.slice(1), {
      env: env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      void scope.stop(child, 0);
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolveRun({ status: null, stdout, stderr: `${stderr}${error.message}`, ms: now() - started });
    });
    child.once('close', (status, signal) => {
      clearTimeout(timer);
      resolveRun({ status, signal, stdout, stderr, ms: now() - started });
    });
  });
}

async function mustRun(scope: Scope, argv: readonly string[], options?: { env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  const result = await run(scope, argv, options);
  if (result.status !== 0)
    fail(`${argv.join(' ')} failed (exit ${String(result.status ?? result.signal)})\n${result.stderr}${result.stdout}`);
  return result;
}

function mustRunSync(argv: readonly string[]): void {
  const result = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8' });
  if (result.status !== 0) fail(`${argv.join(' ')} failed (exit ${String(result.status ?? result.signal)})\n${result.stderr}`);
}

interface Stats {
  n: number;
  median: number | undefined;
  min: number | undefined;
  max: number | undefined;
  samples: (number | undefined)[];
}

function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const at = (i: number): number => sorted[i] ?? Number.NaN;
  const median = n % 2 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
  return {
    n,
    median: roundMaybe(median),
    min: roundMaybe(at(0)),
    max: roundMaybe(at(n - 1)),
    samples: sorted.map((x) => roundMaybe(x)),
  };
}

type Cell = string | number | undefined;

function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = rows.map((row) => row.map((cell) => (cell === undefined ? '-' : String(cell))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Zones

const zoneName = (i: number): string => `z${String(i)}.example`;
const zoneFile = (i: number): string => `db.z${String(i)}.example`;
const FIRST_SERIAL = 2026010100;

/** A small realistic zone, about 550 bytes: SOA, two NS, two MX, SPF, A/AAAA, a CNAME. */
function zoneText(i: number, serial: number, revision: number): string {
  const z = zoneName(i);
  const a = String((i % 250) + 1);
  const b = String((Math.floor(i / 250) % 250) + 1);
  return labZoneText(z, serial, {
    origin: true,
    ttl: 3600,
    timers: [7200, 3600, 1209600, 3600],
    nameservers: [`ns1.${z}.`, `ns2.${z}.`],
    records: [
      `        IN MX   10 mail.${z}.`,
      `        IN MX   20 mail2.${z}.`,
      '        IN TXT  "v=spf1 mx -all"',
      `ns1     IN A    192.0.2.${a}`,
      `ns2     IN A    198.51.100.${b}`,
      `mail    IN A    203.0.113.${a}`,
      `mail2   IN A    203.0.113.${b}`,
      `www     IN A    192.0.2.${b}`,
      `www     IN AAAA 2001:db8::${i.toString(16)}`,
      'ftp     IN CNAME www',
      `rev     IN TXT  "revision ${String(revision)}"`,
      `; ${z}: generated by scripts/bench-zoneset.ts, revision ${String(revision)}`,
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// One size

interface Paths {
  n: number;
  dir: string;
  primary: string;
  naive: string;
  plain: string;
  plainGate: string;
  zs: string;
  zsOff: string;
  config: string;
  log: string;
  direct: string;
  naiveInclude: string;
  serials: number[];
  revisions: number[];
  setup: Record<string, number | undefined>;
}

interface World extends Paths {
  namedNaive: Named;
  namedZs: Named;
  changedNow: number[];
  expected: Record<string, number>;
}

/** Paths, config and named instances for one zone count. */
async function setUp(scope: Scope, n: number, base: string): Promise<World> {
  const dir = join(base, `n${String(n)}`);
  const w: Paths = {
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
    serials: new Array<number>(n).fill(FIRST_SERIAL),
    revisions: new Array<number>(n).fill(0),
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
  w.setup['generateMs'] = round(now() - t);
  w.setup['zoneBytes'] = statSync(join(w.primary, zoneFile(0))).size;

  // Prime every destination with the full tree, before named starts (named then loads it all at
  // start-up). The zone set is primed through the gate with a key whose rule switches the checker,
  // rndc and verify off: 50,000 named-checkzone runs are setup, not what is measured.
  writeConfig(w, undefined);
  t = now();
  await pushDirect(scope, w, w.naive);
  await pushDirect(scope, w, w.plain);
  w.setup['primeDirectMs'] = round(now() - t);
  t = now();
  for (const key of ['zs-prime', 'zs-off', 'plain-gate']) {
    const result = await pushGate(scope, w, key);
    if (result.status !== 0) fail(`priming push with key ${key} failed (exit ${String(result.status)})\n${result.stderr}`);
  }
  w.setup['primeGateMs'] = round(now() - t);
  for (const [root, label] of [
    [join(w.zs, 'current'), 'zone set'],
    [join(w.zsOff, 'current'), 'checker-off zone set'],
  ] as const) {
    const count = readdirSync(root).length;
    if (count !== n) fail(`the ${label} holds ${String(count)} files after priming, expected ${String(n)}`);
  }

  // Two named instances, one per configuration: both hold the same zone names, and with two views a
  // full `rndc reload` for the naive way would also re-stat and re-read the zone set's zones. Their
  // output goes to a file and they run in their own process group (see test/lab/named-log.ts).
  const readyTimeoutMs = 60_000 + n * 5;
  const named = (include: string): Promise<Named> =>
    startNamed({ scope, parent: dir, includeFiles: [{ path: include }], logToFile: true, detached: true, readyTimeoutMs });
  t = now();
  const namedNaive = await named(w.naiveInclude);
  w.setup['namedNaiveStartMs'] = round(now() - t);
  t = now();
  const namedZs = await named(join(w.zs, '.zonegate/named-zones.conf'));
  w.setup['namedZsStartMs'] = round(now() - t);
  writeConfig(w, namedZs);

  // Everything served? All zones up to 10,000; a random sample of 50 above.
  const random = prng(n);
  const check = n <= 10_000 ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: 50 }, () => Math.floor(random() * n));
  for (const [server, label] of [
    [namedNaive, 'naive'],
    [namedZs, 'zone set'],
  ] as const) {
    for (let start = 0; start < check.length; start += 500) {
      const batch = check.slice(start, start + 500);
      let missing = batch;
      // A lost UDP answer (dig +tries=1) is not a missing zone: ask again for those, a few times.
      for (let attempt = 0; attempt < 5 && missing.length > 0; attempt++) {
        if (attempt > 0) await sleep(200);
        const served = await server.serials(missing.map(zoneName));
        missing = missing.filter((i) => served.get(zoneName(i)) !== FIRST_SERIAL);
      }
      if (missing.length > 0)
        fail(
          `the ${label} named does not serve ${String(missing.length)} zones after start-up, e.g. ${zoneName(missing[0] ?? 0)}\n${server.output.tail(3000)}`,
        );
    }
  }
  w.setup['servedChecked'] = check.length;
  return { ...w, namedNaive, namedZs, changedNow: [], expected: {} };
}

function writeConfig(w: Paths, namedZs: Named | undefined): void {
  const rule = (root: string, zoneSet?: Record<string, unknown>): Record<string, unknown> => ({
    direction: 'upload',
    root,
    paths: ['**'],
    delete: true,
    ...(zoneSet ? { zoneSet } : {}),
  });
  const keys: Record<string, unknown> = {
    'zs-prime': {
      publicKey: fakeEd25519PublicKey(3, 'bench'),
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
      publicKey: fakeEd25519PublicKey(2, 'bench'),
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
      publicKey: fakeEd25519PublicKey(4, 'bench'),
      from: ['127.0.0.1'],
      rules: [rule(w.plainGate)],
    },
  };
  if (namedZs) {
    keys['zs'] = {
      publicKey: fakeEd25519PublicKey(1, 'bench'),
      from: ['127.0.0.1'],
      rules: [
        rule(w.zs, {
          name: 'bench',
          zones: ['*.example'],
          rndc: namedZs.rndcArgv([]),
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
  // As on an installed secondary (the package and `zonegate init` make gate.stateDir): the gate
  // caches rsync's capabilities there; without it every push would probe `rsync --help` again.
  const stateDir = join(dirname(w.config), 'gate-state');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const gate = { rsync: RSYNC, log: w.log, sandbox: 'auto', stateDir };
  const text = `// Written by scripts/bench-zoneset.ts for one benchmark size; removed with its temp dir.\n${JSON.stringify({ gate, keys }, null, 2)}\n`;
  writeFileSync(w.config, text, { mode: 0o600 });
  chmodSync(w.config, 0o600);
}

const RSYNC_OPTIONS = ['-rt', '--delete'];

function pushGate(scope: Scope, w: Paths, key: string): Promise<RunResult> {
  const env = {
    PATH: '/usr/bin:/bin',
    ZONEGATE_TEST_NODE: NODE,
    ZONEGATE_TEST_GATE: GATE,
    ZONEGATE_TEST_CONFIG: w.config,
    ZONEGATE_TEST_KEY: key,
  };
  const roots: Record<string, string> = {
    zs: w.zs,
    'zs-prime': w.zs,
    'zs-off': w.zsOff,
    'plain-gate': w.plainGate,
  };
  const root = roots[key] ?? fail(`no root for key ${key}`);
  return run(scope, [RSYNC, ...RSYNC_OPTIONS, '-e', FAKE_SSH, `${w.primary}/`, `secondary:${root}/`], { env });
}

async function pushDirect(scope: Scope, w: Paths, target: string): Promise<RunResult> {
  return mustRun(scope, [RSYNC, ...RSYNC_OPTIONS, '-e', w.direct, `${w.primary}/`, `secondary:${target}/`], {
    env: { PATH: '/usr/bin:/bin' },
  });
}

/** Polls named (one dig process per round, all zones in it) until every zone serves its serial. */
async function waitServed(named: Named, expected: Record<string, number>, timeoutMs = 60_000): Promise<number> {
  const deadline = now() + timeoutMs;
  let rounds = 0;
  for (;;) {
    rounds++;
    const served = await named.serials(Object.keys(expected));
    const stale = Object.keys(expected).filter((zone) => served.get(zone) !== expected[zone]);
    if (stale.length === 0) return rounds;
    if (now() > deadline)
      fail(
        `named does not serve the new serial of ${stale.join(', ')} after ${String(timeoutMs)} ms (serves ${stale.map((z) => String(served.get(z))).join(', ')})\n${named.output.tail(3000)}`,
      );
    await sleep(5);
  }
}

/** Waits until named's log after byte offset `since` matches `pattern`. */
async function waitForLog(named: Named, since: number, pattern: RegExp, timeoutMs = 120_000): Promise<void> {
  const deadline = now() + timeoutMs;
  for (;;) {
    if (pattern.test(named.output.since(since))) return;
    if (now() > deadline) fail(`named's log never matched ${String(pattern)}:\n${named.output.tail(3000)}`);
    await sleep(20);
  }
}

/** The live files of `dir` hold the primary's bytes for these zones. */
function checkFiles(primary: string, dir: string, zones: readonly number[], label: string): void {
  for (const i of zones) {
    const want = readFileSync(join(primary, zoneFile(i)), 'utf8');
    const got = readFileSync(join(dir, zoneFile(i)), 'utf8');
    if (got !== want) fail(`${label}: ${zoneFile(i)} in ${dir} is not the primary's new version`);
  }
}

type AuditRecord = Record<string, unknown>;

function auditRecords(w: Paths): AuditRecord[] {
  if (!existsSync(w.log)) return [];
  return readFileSync(w.log, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditRecord);
}

interface GateTimeline {
  durationMs: number;
  outcome: unknown;
  beforeRsyncMs: number | undefined;
  rsyncAndAfterMs: number | undefined;
  reload: number | undefined;
  /** The pipeline's own split after rsync (diff, check, promote, reloadVerify, servedCheck). */
  stagesMs: unknown;
}

/** Splits the gate's last push of key `key` by its audit records: gate start -> decision -> finished. */
function gateTimeline(w: Paths, key: string): GateTimeline | undefined {
  const records = auditRecords(w).filter((r) => r['key'] === key);
  const finished = records.filter((r) => r['event'] === 'finished').at(-1);
  const decision = records.filter((r) => r['event'] === 'decision' && r['ref'] === finished?.['ref']).at(-1);
  const durationMs = finished?.['durationMs'];
  if (!finished || typeof durationMs !== 'number') return undefined;
  const time = (r: AuditRecord): number => {
    const value = r['time'];
    return typeof value === 'number' ? value : Date.parse(String(value));
  };
  const end = time(finished);
  const start = end - durationMs;
  const reload = finished['reload'];
  return {
    durationMs,
    outcome: finished['outcome'],
    beforeRsyncMs: decision ? round(time(decision) - start) : undefined,
    rsyncAndAfterMs: decision ? round(end - time(decision)) : undefined,
    reload: Array.isArray(reload) ? reload.length : undefined,
    stagesMs: finished['stagesMs'],
  };
}

interface Sample {
  ms: number;
  [part: string]: unknown;
}

type Variant = () => Promise<Sample>;

/** Measured variants: each returns { ms, …parts }. The timer covers exactly what the brief says. */
function variants(scope: Scope, w: World): Record<string, Variant> {
  const expectChanged = (result: RunResult, label: string): void => {
    if (result.status !== 0) fail(`${label}: the gate exited ${String(result.status)}\n${result.stderr}`);
    if (!new RegExp(`: ${String(w.changedNow.length)} changed, 0 added, 0 removed`).test(result.stderr))
      fail(`${label}: the gate did not promote ${String(w.changedNow.length)} changed zones:\n${result.stderr}`);
  };
  return {
    zoneset: async () => {
      const t0 = now();
      const push = await pushGate(scope, w, 'zs');
      const pushed = now();
      if (push.status !== 0) fail(`zone-set push: the gate exited ${String(push.status)}\n${push.stderr}`);
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
      const logBefore = w.namedNaive.output.size();
      const t0 = now();
      await pushDirect(scope, w, w.naive);
      const pushed = now();
      await mustRun(scope, w.namedNaive.rndcArgv(['reload']));
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
      const push = await pushGate(scope, w, 'zs-off');
      const ms = now() - t0;
      expectChanged(push, 'checker-off zone-set push');
      checkFiles(w.primary, join(w.zsOff, 'current'), w.changedNow, 'checker-off zone set');
      return { ms, gate: gateTimeline(w, 'zs-off') };
    },
    plain: async () => {
      const t0 = now();
      await pushDirect(scope, w, w.plain);
      const ms = now() - t0;
      checkFiles(w.primary, w.plain, w.changedNow, 'plain rsync');
      return { ms };
    },
    plainGate: async () => {
      const t0 = now();
      const push = await pushGate(scope, w, 'plain-gate');
      const ms = now() - t0;
      if (push.status !== 0) fail(`plain push through the gate exited ${String(push.status)}\n${push.stderr}`);
      checkFiles(w.primary, w.plainGate, w.changedNow, 'plain gate rule');
      return { ms, gate: gateTimeline(w, 'plain-gate') };
    },
  };
}

function noChangeVariants(scope: Scope, w: World): Record<string, Variant> {
  return {
    zonesetNoChange: async () => {
      const t0 = now();
      const push = await pushGate(scope, w, 'zs');
      const ms = now() - t0;
      if (push.status !== 0) fail(`no-change zone-set push: the gate exited ${String(push.status)}\n${push.stderr}`);
      if (!/no zone changed/.test(push.stderr)) fail(`no-change zone-set push: expected "no zone changed":\n${push.stderr}`);
      return { ms, gate: gateTimeline(w, 'zs') };
    },
    plainGateNoChange: async () => {
      const t0 = now();
      const push = await pushGate(scope, w, 'plain-gate');
      const ms = now() - t0;
      if (push.status !== 0) fail(`no-change plain gate push exited ${String(push.status)}\n${push.stderr}`);
      return { ms };
    },
    plainNoChange: async () => {
      const t0 = now();
      await pushDirect(scope, w, w.plain);
      return { ms: now() - t0 };
    },
  };
}

const LABELS: Record<string, string> = {
  zoneset: '(i) zone set: push+check+reload 10+dig',
  naive: '(ii) naive: rsync + full rndc reload + dig',
  zonesetOff: '(iii) zone set, checker/rndc/verify off',
  plain: '(iv) plain rsync push, no reload',
  plainGate: '(v) plain rsync through the gate (no zone set)',
  zonesetNoChange: 'zone set, nothing changed',
  plainGateNoChange: 'plain gate rule, nothing changed',
  plainNoChange: 'plain rsync, nothing changed',
};

type Details = Record<string, Record<string, unknown>[]>;

async function measure(scope: Scope, w: World, options: Options): Promise<{ samples: Record<string, number[]>; details: Details }> {
  const random = prng(0x5eed + w.n);
  const samples: Record<string, number[]> = {};
  const details: Details = {};
  const add = (name: string, result: Sample): void => {
    (samples[name] ??= []).push(result.ms);
    (details[name] ??= []).push(Object.fromEntries(Object.entries(result).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v])));
  };
  const measured = variants(scope, w);
  const unchanged = noChangeVariants(scope, w);
  for (let r = 0; r < options.runs; r++) {
    // Bump serial and content of `changed` distinct random zones; writing gives them fresh mtimes.
    const chosen = new Set<number>();
    while (chosen.size < options.changed) chosen.add(Math.floor(random() * w.n));
    w.changedNow = [...chosen];
    w.expected = {};
    for (const i of w.changedNow) {
      const serial = (w.serials[i] ?? FIRST_SERIAL) + 1;
      const revision = (w.revisions[i] ?? 0) + 1;
      w.serials[i] = serial;
      w.revisions[i] = revision;
      writeFileSync(join(w.primary, zoneFile(i)), zoneText(i, serial, revision));
      w.expected[zoneName(i)] = serial;
    }
    // Rotate the order every run so drift (page cache, named's housekeeping) hits all alike.
    const rotate = (names: readonly string[]): string[] => names.map((_, k) => names[(k + r) % names.length] ?? '');
    const order = rotate(Object.keys(measured));
    for (const name of order) add(name, await (measured[name] ?? fail(`no variant ${name}`))());
    for (const name of rotate(Object.keys(unchanged))) add(name, await (unchanged[name] ?? fail(`no variant ${name}`))());
    process.stderr.write(
      `  n=${String(w.n)} run ${String(r + 1)}/${String(options.runs)}: ${order.map((name) => `${name} ${String(Math.round(samples[name]?.at(-1) ?? Number.NaN))} ms`).join(', ')}\n`,
    );
  }
  return { samples, details };
}

// ---------------------------------------------------------------------------------------------
// Where the time goes: the zone-set pipeline's file-system steps in isolation, on a scratch copy of
// the live release (same file system), plus the helper programs the gate runs for 10 zones.
// The modules are loaded from dist/ (what the gate runs), typed by their sources.

interface Dist {
  diff: Partial<typeof import('../src/zoneset/diff.js')>;
  transferLog: Partial<typeof import('../src/zoneset/transfer-log.js')>;
  spare: Partial<typeof import('../src/zoneset/spare.js')>;
  releases: Partial<typeof import('../src/zoneset/releases.js')>;
  zoneList: Partial<typeof import('../src/zoneset/servers/zone-list.js')>;
  layout: Partial<typeof import('../src/zoneset/layout.js')>;
}

async function loadDist(): Promise<Dist> {
  const load = async <T>(file: string): Promise<Partial<T>> => {
    try {
      return (await import(pathToFileURL(join(REPO, 'dist/zoneset', file)).href)) as Partial<T>;
    } catch {
      return {};
    }
  };
  return {
    diff: await load('diff.js'),
    transferLog: await load('transfer-log.js'),
    spare: await load('spare.js'),
    releases: await load('releases.js'),
    zoneList: await load('servers/zone-list.js'),
    layout: await load('layout.js'),
  };
}

/**
 * One more zone-set push (untimed) with named's query log on: how many SOA queries the gate's verify
 * step sent for the changed zones, i.e. its dig rounds (the first one goes out right after rndc).
 */
async function verifyRounds(scope: Scope, w: World, changedCount: number, random: () => number): Promise<number> {
  const zones = bump(w, changedCount, random);
  await mustRun(scope, w.namedZs.rndcArgv(['querylog', 'on']));
  const since = w.namedZs.output.size();
  const push = await pushGate(scope, w, 'zs');
  const queried = w.namedZs.output.since(since);
  await mustRun(scope, w.namedZs.rndcArgv(['querylog', 'off']));
  if (push.status !== 0) fail(`diagnostic zone-set push: the gate exited ${String(push.status)}\n${push.stderr}`);
  const names = new Set(zones.map(zoneName));
  const queries = [...queried.matchAll(/query: (\S+) IN SOA/g)].filter((m) => names.has((m[1] ?? '').toLowerCase())).length;
  return round(queries / zones.length, 2);
}

/** Bumps `count` random zones on the primary; returns their indexes. */
function bump(w: World, count: number, random: () => number): number[] {
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(Math.floor(random() * w.n));
  for (const i of chosen) {
    const serial = (w.serials[i] ?? FIRST_SERIAL) + 1;
    const revision = (w.revisions[i] ?? 0) + 1;
    w.serials[i] = serial;
    w.revisions[i] = revision;
    writeFileSync(join(w.primary, zoneFile(i)), zoneText(i, serial, revision));
  }
  return [...chosen];
}

interface TraceEvent {
  t: number;
  pid: string;
  what: string;
}

/**
 * One more zone-set push (untimed) with the gate under `strace -f`, tracing only execve, exit_group
 * and rename (seccomp-bpf: the thousands of link/lstat calls run untraced, at full speed). The
 * helper programs the gate starts and the rename of `current` mark its stages on one clock.
 * Returns undefined when strace is missing.
 */
async function straceTimeline(
  scope: Scope,
  w: World,
  changedCount: number,
  random: () => number,
): Promise<Record<string, number | undefined> | undefined> {
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
  const push = await run(scope, [RSYNC, ...RSYNC_OPTIONS, '-e', FAKE_SSH, `${w.primary}/`, `secondary:${w.zs}/`], { env });
  if (push.status !== 0) fail(`traced zone-set push: the gate exited ${String(push.status)}\n${push.stderr}`);
  const seconds = (stamp: string): number => {
    const [h, m, sec] = stamp.split(':');
    return (Number(h) * 60 + Number(m)) * 60 + Number(sec);
  };
  const programOf = new Map<string, string | undefined>();
  const events: TraceEvent[] = [];
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    const match = /^(\d+)\s+(\d\d:\d\d:\d\d\.\d+) (\w+)\((.*)$/.exec(line);
    if (!match) continue;
    const [, pid = '', stamp = '', call = '', rest = ''] = match;
    const t = seconds(stamp) * 1000;
    if (call === 'execve') {
      if (/\) = -1 /.test(rest)) continue;
      const program = /^"([^"]+)"/.exec(rest)?.[1]?.split('/').pop();
      programOf.set(pid, program);
      events.push({ t, pid, what: `start ${String(program)}` });
    } else if (call === 'exit_group') {
      if (programOf.has(pid)) events.push({ t, pid, what: `exit ${String(programOf.get(pid))}` });
    } else if (/"[^"]*current\.[0-9a-f]+\.tmp"/.test(rest)) {
      events.push({ t, pid, what: 'rename current (promote)' });
    }
  }
  const first = (what: string): number | undefined => events.find((e) => e.what === what)?.t;
  const last = (what: string): number | undefined => events.filter((e) => e.what === what).at(-1)?.t;
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
  const marks: [string, number | undefined, number | undefined][] = [
    ['node + gate start, config, key, rule (to flock)', t0, first('start flock')],
    ['lock, spare check, confine, probe (to rsync start)', first('start flock'), rsyncStart],
    ['rsync transfer (server side, sandboxed)', rsyncStart, rsyncEnd],
    ['transfer log + diff (to the first checker, or its sandbox)', rsyncEnd, checkerStart],
    [`named-checkzone x${String(changedCount)} (with its sandbox)`, checkerStart, last('exit named-checkzone')],
    ['promote: release record, journal, rename (to current)', last('exit named-checkzone'), first('rename current (promote)')],
    ['after rename (to first rndc)', first('rename current (promote)'), first('start rndc')],
    [`rndc reload ZONE x${String(changedCount)}`, first('start rndc'), last('exit rndc')],
    ['verify: dig', first('start dig'), last('exit dig')],
    ['state, settle the spare, prune, log, exit (after last dig)', last('exit dig'), last('exit node')],
    ['total, gate node start to exit (under strace)', t0, last('exit node')],
  ];
  return Object.fromEntries(marks.map(([label, a, b]) => [label, a !== undefined && b !== undefined ? round(b - a) : undefined]));
}

async function stageBreakdown(
  scope: Scope,
  w: World,
  dist: Dist,
  changed: readonly number[],
): Promise<{ files: number; steps: Record<string, number> }> {
  const live = join(w.zs, 'current');
  const scratch = join(w.dir, 'scratch');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch);
  const out: Record<string, number> = {};
  const time = <T>(label: string, fn: () => T): T => {
    const t = now();
    const value = fn();
    out[label] = round(now() - t);
    return value;
  };
  const files = readdirSync(live);
  const need = <F>(fn: F | undefined, name: string): F => fn ?? fail(`stage breakdown: dist has no ${name}(); run npm run build`);
  const parseTransferLog = need(dist.transferLog.parseTransferLog, 'parseTransferLog');
  const changesFromLog = need(dist.diff.changesFromLog, 'changesFromLog');
  const mirrorFiles = need(dist.spare.mirrorFiles, 'mirrorFiles');
  const recordRelease = need(dist.releases.recordRelease, 'recordRelease');
  const renderZoneList = need(dist.zoneList.renderZoneList, 'renderZoneList');
  const layoutOf = need(dist.layout.layoutOf, 'layoutOf');

  // The per-push steps, on a copy of the live tree standing in for the spare.
  const spare = join(scratch, 'spare');
  time('cp -a N files (rebuild the spare: only after a failed push)', () => {
    mustRunSync(['/bin/cp', '-a', '--reflink=auto', '--', `${live}/.`, spare]);
  });
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
  const log =
    time(`parseTransferLog (${String(changed.length)} items)`, () => parseTransferLog(logLines.join('\n'))) ??
    fail('stage breakdown: the transfer log did not parse');
  const changes = time(`changesFromLog (lstat + compare ${String(changed.length)})`, () => changesFromLog(live, spare, log, 'db.{zone}'));
  if (changes.changed.length !== changed.length)
    fail(`stage breakdown: changesFromLog found ${String(changes.changed.length)} changed, expected ${String(changed.length)}`);
  const layout = layoutOf(scratch);
  mkdirSync(join(scratch, 'releases'));
  time(`recordRelease (link ${String(changed.length)} previous versions)`, () => {
    recordRelease(layout, live, changes, {
      id: 'bench',
      at: new Date().toISOString(),
      kind: 'push',
      previous: undefined,
      changed: changes.changed.map((zone) => zone.file),
      added: [],
      removed: [],
      zones: files.length,
    });
  });
  const settled = join(scratch, 'settled');
  mustRunSync(['/bin/cp', '-a', '--', `${live}/.`, settled]);
  time(`mirrorFiles (settle: copy ${String(changed.length)} into the other tree)`, () => {
    mirrorFiles(
      spare,
      settled,
      changes.changed.map((zone) => zone.file),
    );
  });
  // Only when zones come or go.
  time('renderZoneList (bind) + write (N lines; only when zones come or go)', () => {
    writeFileSync(
      join(scratch, 'include.conf'),
      renderZoneList(layoutOf(w.zs), { server: 'bind', zoneFile: 'db.{zone}' }, readdirSync(spare)),
    );
  });
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
  const limited = async (limit: number, items: readonly number[], task: (i: number) => Promise<unknown>): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(limit, items.length) }, async () => {
        while (next < items.length) await task(items[next++] ?? 0);
      }),
    );
  };
  const timeAsync = async (label: string, fn: () => Promise<unknown>): Promise<void> => {
    const t = now();
    await fn();
    out[label] = round(now() - t);
  };
  const k = String(changed.length);
  await timeAsync(`named-checkzone x${k} (4 at a time)`, () =>
    limited(4, changed, (i) => mustRun(scope, [CHECKZONE, ...CHECKER_ARGS, zoneName(i), join(live, zoneFile(i))])),
  );
  await timeAsync(`rndc reload ZONE x${k} (4 at a time)`, () =>
    limited(4, changed, (i) => mustRun(scope, w.namedZs.rndcArgv(['reload', zoneName(i)]))),
  );
  const digArgv = (i: number): string[] => [
    bindTool('dig'),
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
  await timeAsync(`dig SOA x${k} (8 at a time, one verify round)`, () => limited(8, changed, (i) => mustRun(scope, digArgv(i))));
  await timeAsync(`one dig process, ${k} SOA queries`, () => w.namedZs.serials(changed.map(zoneName)));
  // 7. Gate start: node + bundle with a request the gate refuses before any work (no rule for it).
  const env = {
    PATH: '/usr/bin:/bin',
    SSH_ORIGINAL_COMMAND: 'true',
    SSH_CONNECTION: '127.0.0.1 50000 127.0.0.1 22',
  };
  const starts: number[] = [];
  for (let s = 0; s < 5; s++) starts.push((await run(scope, [NODE, GATE, '--config', w.config, '--key', 'zs'], { env })).ms);
  out['gate start + refuse (node, config), median of 5'] = stats(starts).median ?? Number.NaN;
  rmSync(scratch, { recursive: true, force: true });
  return { files: files.length, steps: out };
}

// ---------------------------------------------------------------------------------------------
// Main

function gitState(): string[] {
  const stale: string[] = [];
  if (existsSync(BUNDLE)) {
    const built = statSync(BUNDLE).mtimeMs;
    const walk = (dir: string): void => {
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

function version(argv: readonly string[]): string {
  const result = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8' });
  return (`${result.stdout}${result.stderr}`.split('\n')[0] ?? '').trim();
}

interface SizeResult {
  n: number;
  setup: Record<string, number | undefined>;
  summary: Record<string, Stats>;
  details: Details;
  breakdown: {
    files: number;
    steps: Record<string, number>;
    gateVerifyRounds: number;
    straceTimeline: Record<string, number | undefined> | undefined;
  };
  wallMs: number;
}

async function main(scope: Scope): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  scope.keepDirs = options.keep;
  if (options.gate) GATE = options.gate;
  for (const tool of [RSYNC, CHECKZONE, '/usr/bin/flock', FAKE_SSH])
    if (!existsSync(tool)) fail(`${tool} is missing (apt-get install -y bind9 bind9-utils bind9-dnsutils rsync)`);
  for (const tool of ['named', 'rndc', 'dig']) bindTool(tool);
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
      `bench-zoneset: note: dist/gate.cjs is older than ${String(stale.length)} source file(s) (${stale.slice(0, 4).join(', ')}${stale.length > 4 ? ', …' : ''}); measuring the built bundle`,
    );

  const base = scope.tempDir('zonegate-bench-zs-');
  const dist = await loadDist();
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGb: round(totalmem() / 2 ** 30),
    named: version([bindTool('named'), '-v']),
    rsync: version([RSYNC, '--version']),
    bundleBuilt: existsSync(BUNDLE) ? statSync(BUNDLE).mtime.toISOString() : undefined,
    sourcesNewerThanBundle: stale,
    sizes: options.sizes,
    runs: options.runs,
    changed: options.changed,
    gate: GATE,
    tmp: base,
  };
  if (options.json) {
    await runScenarios(scope, base, options, meta);
    return;
  }
  console.log(
    `zone-set benchmark: sizes ${options.sizes.join(', ')}, ${String(options.runs)} run(s) each, ${String(options.changed)} changed zones per push; ${String(meta.cpus)} CPUs, ${meta.named}, ${meta.rsync}`,
  );

  const results: SizeResult[] = [];
  for (const n of options.sizes) {
    const t = now();
    process.stderr.write(`n=${String(n)}: generating zones, priming, starting named…\n`);
    const w = await setUp(scope, n, base);
    process.stderr.write(
      `n=${String(n)}: ready in ${String(Math.round(now() - t))} ms (named start: naive ${String(w.setup['namedNaiveStartMs'])} ms, zone set ${String(w.setup['namedZsStartMs'])} ms)\n`,
    );
    const { samples, details } = await measure(scope, w, options);
    const steps = await stageBreakdown(scope, w, dist, w.changedNow);
    const breakdown = {
      ...steps,
      gateVerifyRounds: await verifyRounds(scope, w, options.changed, prng(0xd1a9 + n)),
      straceTimeline: await straceTimeline(scope, w, options.changed, prng(0x57ace + n)),
    };
    const summary = Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, stats(s)]));
    const result: SizeResult = { n, setup: w.setup, summary, details, breakdown, wallMs: round(now() - t) };
    results.push(result);
    await w.namedNaive.stop();
    await w.namedZs.stop();
    if (!options.keep) rmSync(w.dir, { recursive: true, force: true });
    report(result, options);
  }
  const ratios = summarize(results, options);
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify({ meta, results, ratios }, null, 2)}\n`);
  console.log(`\nresults written to ${RESULTS.slice(REPO.length + 1)}`);
}

function ratioOf(a: number | undefined, b: number | undefined): number | undefined {
  return a && b ? round(a / b, 2) : undefined;
}

function report(result: SizeResult, options: Options): void {
  const { n, summary, details, breakdown } = result;
  console.log(
    `\n=== ${n.toLocaleString('en')} zones, ${String(options.changed)} changed per push, ${String(options.runs)} run(s) (ms) ===`,
  );
  console.log(
    table(
      ['variant', 'median', 'min', 'max'],
      Object.keys(LABELS)
        .filter((k) => summary[k])
        .map((k) => [LABELS[k], summary[k]?.median, summary[k]?.min, summary[k]?.max]),
    ),
  );
  const s = (k: string, f: 'median' | 'min' = 'median'): number | undefined => summary[k]?.[f];
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
  const numbers = (list: readonly Record<string, unknown>[], key: string): number[] =>
    list.map((d) => d[key]).filter((x): x is number => typeof x === 'number');
  const med = (list: readonly Record<string, unknown>[] | undefined, key: string): number | undefined =>
    stats(numbers(list ?? [], key)).median;
  const naive = details['naive'];
  const zs = details['zoneset'];
  const gateOf = (list: readonly Record<string, unknown>[] | undefined, key: string): number | undefined =>
    med(
      (list ?? []).map((d) => (d['gate'] ?? {}) as Record<string, unknown>),
      key,
    );
  const outside = med(zs, 'pushMs');
  const inside = gateOf(zs, 'durationMs');
  console.log(
    table(
      ['split (median ms)', 'value'],
      [
        ['naive: rsync', med(naive, 'rsyncMs')],
        ['naive: rndc reload (full)', med(naive, 'rndcMs')],
        ['naive: dig until served', med(naive, 'waitMs')],
        ['naive: until named logged the full reload done (untimed)', med(naive, 'quietMs')],
        ['zone set: rsync client wall (gate returns)', outside],
        ['zone set: gate durationMs (audit log)', inside],
        ['zone set: gate start -> decision (lock, stage, confine)', gateOf(zs, 'beforeRsyncMs')],
        ['zone set: decision -> finished (rsync, diff, check, promote, reload, verify)', gateOf(zs, 'rsyncAndAfterMs')],
        [
          'zone set: outside durationMs (ssh stand-in, node start, config, rsync client)',
          outside === undefined || inside === undefined ? undefined : round(outside - inside),
        ],
        ['zone set: our dig rounds after the gate returned', med(zs, 'digRounds')],
        ['checker-off: gate start -> decision', gateOf(details['zonesetOff'], 'beforeRsyncMs')],
        ['checker-off: decision -> finished', gateOf(details['zonesetOff'], 'rsyncAndAfterMs')],
        ['no change: gate start -> decision', gateOf(details['zonesetNoChange'], 'beforeRsyncMs')],
        ['no change: decision -> finished', gateOf(details['zonesetNoChange'], 'rsyncAndAfterMs')],
      ],
    ),
  );
  console.log(table([`isolated steps on the ${String(breakdown.files)}-file release`, 'ms'], Object.entries(breakdown.steps)));
  if (breakdown.straceTimeline)
    console.log(table(['one zone-set push under strace (execve/rename marks)', 'ms'], Object.entries(breakdown.straceTimeline)));
  console.log(
    `gate verify: ${String(breakdown.gateVerifyRounds)} dig round(s) per push (SOA queries per changed zone, named query log, one extra push)`,
  );
}

function summarize(results: readonly SizeResult[], options: Options): Record<string, unknown> {
  const sizes = results.map((r) => r.n);
  const keys = Object.keys(LABELS);
  const rows = keys.map((k) => [LABELS[k], ...results.map((r) => r.summary[k]?.median)]);
  const slope = (k: string): number | undefined => {
    const first = results[0];
    const last = results.at(-1);
    if (results.length < 2 || first === undefined || last === undefined) return undefined;
    const a = first.summary[k]?.median;
    const b = last.summary[k]?.median;
    return a === undefined || b === undefined ? undefined : round(((b - a) / (last.n - first.n)) * 1000, 2);
  };
  console.log(`\n=== scaling: median ms per push vs zone count (${String(options.changed)} changed) ===`);
  console.log(
    table(
      ['variant', ...sizes.map((n) => n.toLocaleString('en')), 'µs per extra zone'],
      rows.map((row, index) => [...row, slope(keys[index] ?? '')]),
    ),
  );
  const ratioRows = results.map((r) => {
    const m = (k: string): number | undefined => r.summary[k]?.median;
    const off = m('zonesetOff');
    const plainGate = m('plainGate');
    return [
      r.n.toLocaleString('en'),
      ratioOf(m('zoneset'), m('naive')),
      ratioOf(off, plainGate),
      ratioOf(off, m('plain')),
      off === undefined || plainGate === undefined ? undefined : round(off - plainGate),
      ratioOf(m('zonesetNoChange'), m('plainGateNoChange')),
    ] as const;
  });
  console.log(table(['zones', '(i)/(ii) <= 1.0', '(iii)/(v) <= 1.3', '(iii)/(iv)', '(iii)-(v) ms', 'no change zs/plain gate'], ratioRows));
  return {
    bySize: results.map((r, index) => ({
      n: r.n,
      zonesetVsNaive: ratioRows[index]?.[1],
      stagingVsPlainGate: ratioRows[index]?.[2],
      stagingVsPlainRsync: ratioRows[index]?.[3],
      stagingExtraMs: ratioRows[index]?.[4],
      noChangeVsPlainGate: ratioRows[index]?.[5],
    })),
    usPerExtraZone: Object.fromEntries(keys.map((k) => [k, slope(k)])),
  };
}

// ---------------------------------------------------------------------------------------------
// --json: the issue-15 scenarios, each zone set push against its baseline side by side in one run
// (alternating order per run), then ONE JSON object as the last line of stdout.

interface Scenario {
  key: string;
  n: number;
  /** Zones changed per push (all of them when equal to n). */
  changed: number;
  /** The baseline also runs named-checkconf -z over the changed zones (issue 15: "the same zones"). */
  checked: boolean;
  target: number;
}

const SCENARIOS: readonly Scenario[] = [
  { key: 'allChanged2k', n: 2000, changed: 2000, checked: true, target: 1.3 },
  { key: 'halfChanged2k', n: 2000, changed: 1000, checked: true, target: 1.3 },
  { key: 'tenChanged10k', n: 10_000, changed: 10, checked: false, target: 0.9 },
  { key: 'tenChanged1k', n: 1000, changed: 10, checked: false, target: 1.2 },
];

/**
 * Bumps serial and content of `count` distinct zones (all of them when count is n), in a new
 * second: named skips a file whose mtime is not after its last load, and rsync may carry the
 * mtime in whole seconds, so a zone bumped twice within a second would stay unloaded on the naive
 * side (zonegate freshens mtimes itself).
 */
async function bumpForScenario(w: World, count: number, random: () => number): Promise<void> {
  await sleep(1010 - (Date.now() % 1000));
  const chosen = new Set<number>();
  if (count >= w.n) for (let i = 0; i < w.n; i++) chosen.add(i);
  while (chosen.size < count) chosen.add(Math.floor(random() * w.n));
  w.changedNow = [...chosen];
  w.expected = {};
  for (const i of w.changedNow) {
    const serial = (w.serials[i] ?? FIRST_SERIAL) + 1;
    const revision = (w.revisions[i] ?? 0) + 1;
    w.serials[i] = serial;
    w.revisions[i] = revision;
    writeFileSync(join(w.primary, zoneFile(i)), zoneText(i, serial, revision));
    w.expected[zoneName(i)] = serial;
  }
}

/**
 * The checked baseline: plain rsync, one named-checkconf -z over a config listing the changed zones
 * with the zone set's strict checks (the generated config zonegate's batches use), a full reload,
 * dig until served. One checker process for all of them: the cheapest honest way to check.
 */
function checkedNaive(scope: Scope, w: World): Variant {
  return async () => {
    const checker = mirrorCheckzone(ZONESET_DEFAULT_CHECKER) ?? fail('the default checker cannot be batched');
    const conf = join(w.dir, 'naive-check.conf');
    const logBefore = w.namedNaive.output.size();
    const t0 = now();
    await pushDirect(scope, w, w.naive);
    const pushed = now();
    const entries = w.changedNow.map((i) => ({ zone: zoneName(i), file: zoneFile(i) }));
    writeFileSync(conf, renderBatchConf(w.naive, entries, checker));
    await mustRun(scope, [checker.checkconf, '-z', conf]);
    const checked = now();
    await mustRun(scope, w.namedNaive.rndcArgv(['reload']));
    await waitServed(w.namedNaive, w.expected);
    const ms = now() - t0;
    await waitForLog(w.namedNaive, logBefore, /\ball zones loaded\b[\s\S]*\brunning\b/);
    return { ms, rsyncMs: pushed - t0, checkMs: checked - pushed };
  };
}

async function runScenarios(scope: Scope, base: string, options: Options, meta: Record<string, unknown>): Promise<void> {
  const runs = Math.max(options.runs, 1);
  const out: Record<string, unknown> = {};
  const rows: Cell[][] = [];
  for (const n of [...new Set(SCENARIOS.map((sc) => sc.n))]) {
    process.stderr.write(`n=${String(n)}: generating zones, priming, starting named…\n`);
    const w = await setUp(scope, n, base);
    const v = variants(scope, w);
    for (const scenario of SCENARIOS.filter((sc) => sc.n === n)) {
      const random = prng(0x15 + n + scenario.changed);
      const baseline = scenario.checked ? checkedNaive(scope, w) : (v['naive'] ?? fail('no naive variant'));
      const zoneset = v['zoneset'] ?? fail('no zoneset variant');
      const samples: Record<'zoneset' | 'baseline', number[]> = { zoneset: [], baseline: [] };
      const parts: Record<string, unknown>[] = [];
      for (let r = 0; r < runs; r++) {
        await bumpForScenario(w, scenario.changed, random);
        const order = r % 2 === 0 ? (['zoneset', 'baseline'] as const) : (['baseline', 'zoneset'] as const);
        for (const name of order) {
          const result = await (name === 'zoneset' ? zoneset : baseline)();
          samples[name].push(result.ms);
          if (name === 'zoneset') parts.push({ pushMs: round(Number(result['pushMs'])), gate: result['gate'] });
          else
            parts.push({ baseline: Object.fromEntries(Object.entries(result).map(([k, x]) => [k, typeof x === 'number' ? round(x) : x])) });
        }
        process.stderr.write(
          `  ${scenario.key} run ${String(r + 1)}/${String(runs)}: zoneset ${String(Math.round(samples.zoneset.at(-1) ?? 0))} ms, baseline ${String(Math.round(samples.baseline.at(-1) ?? 0))} ms\n`,
        );
      }
      const zs = stats(samples.zoneset);
      const bl = stats(samples.baseline);
      const ratio = ratioOf(zs.median, bl.median);
      out[scenario.key] = ratio;
      out[`${scenario.key}Ms`] = {
        zoneset: zs.median,
        baseline: bl.median,
        zonesetSamples: zs.samples,
        baselineSamples: bl.samples,
        parts,
      };
      rows.push([
        scenario.key,
        n,
        scenario.changed,
        scenario.checked ? 'rsync+checkconf+reload' : 'rsync+reload',
        zs.median,
        bl.median,
        ratio,
        `<= ${String(scenario.target)}`,
      ]);
    }
    await w.namedNaive.stop();
    await w.namedZs.stop();
    if (!options.keep) rmSync(w.dir, { recursive: true, force: true });
  }
  console.log(table(['scenario', 'zones', 'changed', 'baseline', 'zone set ms', 'baseline ms', 'ratio', 'target'], rows));
  console.log(JSON.stringify({ ...out, runs, meta }));
}

try {
  await withScope('bench-zoneset', main);
} catch (error) {
  console.error(
    `\nbench-zoneset: ${error instanceof BenchError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 1;
}
