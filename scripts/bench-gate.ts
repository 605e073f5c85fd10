// Benchmarks zonegate-gate against its alternatives, side by side in one run on one machine:
//   1. decision time: the gate allowing and denying vs a bare `node` start vs Debian's rrsync.
//      Denying: process start to exit. Allowing (`gateAllow`): process start until the real rsync
//      server's first byte on stdout (its protocol greeting, sent at once), i.e. how long a client
//      waits until its request is served; stdin is a pipe kept open, and the gate or rrsync with its
//      rsync is killed (process group) and reaped afterwards, untimed. The whole run with stdin
//      /dev/null is still timed and reported, labelled as such: rsync then exits 12 after sleeping
//      100 ms in its error exit, so ~105 ms of it is rsync's own EOF path, not the decision;
//   2. peak RSS of the same runs (GNU time %M);
//   3. an ssh push of 1,000 unchanged zone files through a real sshd with no forced command, a bare
//      Node stub, rrsync, the gate, and the gate with its bubblewrap sandbox.
// The gate starts on every SSH connection, so its start-up is the cost that matters: targets are a
// decision in at most 0.9x rrsync's time, peak RSS <= 60 MB, and a push no slower than the same push through rrsync.
// Prints tables and ratios, writes .bench/gate-results.json. A failed step throws: a benchmark of
// failing runs is worthless, so every run checks its exit status and every push checks that the
// files arrived. The entry point (argv, --json, exit status) is bench-gate-main.ts, so that another
// benchmark can import measureGateRatios() from here without running anything.
// One file on purpose: one experiment (rows, runs, report) read top to bottom.
// The sshd, key pairs, zone text and the clean-up (every child by pid, the temp dir; also on
// SIGINT/SIGTERM/SIGHUP) come from test/lab. Run it with `npm run bench`.

import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fakeEd25519PublicKey, makeKeyPair } from '../test/lab/keys.js';
import { PROJECT, projectPath } from '../test/lab/paths.js';
import type { Scope } from '../test/lab/scope.js';
import { startSshd, type Sshd } from '../test/lab/sshd.js';
import { zoneText } from '../test/lab/zones.js';

const REPO = PROJECT;
const GATE = projectPath('bin/gate.cjs');
const BUNDLE = projectPath('dist/gate.cjs');
const RESULTS = projectPath('.bench/gate-results.json');
/** The gate the decision rows run: this checkout's, or another build's (before/after comparisons). */
let gateUnderTest = GATE;

// sshd runs the authorized_keys command= with an absolute path, so the benchmark does too.
const NODE = existsSync('/usr/bin/node') ? '/usr/bin/node' : process.execPath;
const TOOLS = {
  rsync: '/usr/bin/rsync',
  rrsync: '/usr/bin/rrsync',
  sshd: '/usr/sbin/sshd',
  ssh: '/usr/bin/ssh',
  sshKeygen: '/usr/bin/ssh-keygen',
  time: '/usr/bin/time',
  bwrap: '/usr/bin/bwrap',
};

const DECISION_RUNS = 40;
const RSS_RUNS = 5;
const PUSH_RUNS = 20;
const ZONE_FILES = 1000;
const RSS_LIMIT_MB = 60;
/** The gate decides in at most this share of rrsync's time, refusing and allowing (medians). */
const DECISION_TARGET = 0.9;
/** The rows gateDeny and gateAllow compare: the same request, refused by both / run by both. */
const DENY_ROWS = { gate: 'gate deny  . ../../etc/', rrsync: 'rrsync deny . ../../etc/' } as const;
const ALLOW_ROWS = { gate: 'gate allow -> rsync greeting', rrsync: 'rrsync allow -> rsync greeting' } as const;
/** The same allowed request timed to the end with stdin /dev/null (rsync's 100 ms EOF sleep included): reported, not a target. */
const WHOLE_RUN_ROWS = { gate: 'gate allow -> rsync (EOF, whole run)', rrsync: 'rrsync allow -> rsync (EOF, whole run)' } as const;
/** How long a greeting row may wait for rsync's first byte before the benchmark gives up. */
const GREETING_TIMEOUT_MS = 30_000;

// What the rsync 3.x client sends for `rsync -a --delete src/ host:external/`.
const UPLOAD_COMMAND = 'rsync --server -logDtpre.iLsfxCIvu --delete . external/';
// The brief's deny: an absolute path. The gate refuses it; rrsync does NOT, it re-anchors it under its
// root and runs rsync, so it cannot serve as rrsync's deny.
const DENY_ABSOLUTE = 'rsync --server -logDtpre.iLsfxCIvu . /etc/';
// A request both refuse, so the two deny rows compare the same work.
const DENY_DOTDOT = 'rsync --server -logDtpre.iLsfxCIvu . ../../etc/';
// sshd always sets this for a forced command; the gate checks the client address against from=.
const SSH_CONNECTION = '127.0.0.1 50000 127.0.0.1 22';
const PATH_ENV = '/usr/sbin:/usr/bin:/sbin:/bin';

// ---------------------------------------------------------------------------------------------
// Small helpers

export class BenchError extends Error {}

/** Where the human report goes: stdout, or stderr when stdout is kept for the JSON (--json). */
let say: (text: string) => void = (text) => {
  console.log(text);
};

function fail(message: string): never {
  throw new BenchError(message);
}

function run(file: string, args: string[], options: { cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(file, args, {
    encoding: 'utf8',
    timeout: 120_000,
    ...options,
  });
}

interface Summary {
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const at = (i: number): number => sorted[i] ?? Number.NaN;
  const median = n % 2 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
  // Nearest-rank p90: a value that was actually observed.
  const p90 = at(Math.ceil(0.9 * n) - 1);
  return {
    n,
    median: round(median),
    p90: round(p90),
    min: round(at(0)),
    max: round(at(n - 1)),
  };
}

/**
 * spawnSync blocks the event loop, and a signal handler only runs on the loop: yielding between runs
 * lets a SIGINT/SIGTERM sent to this process alone (not the whole terminal group) clean up at once.
 */
const yieldToSignals = (): Promise<void> => new Promise((done) => setImmediate(done));

const round = (x: number, places = 1): number => Math.round(x * 10 ** places) / 10 ** places;
const ratio = (a: number, b: number): number => round(a / b, 2);

function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: readonly (string | number)[]): string =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Setup

function checkTools(): void {
  const missing = Object.values(TOOLS).filter((tool) => !existsSync(tool));
  if (missing.length) fail(`missing ${missing.join(', ')}: apt-get install rsync openssh-server openssh-client time bubblewrap`);
}

/** The gate runs from the bundle; build it when a fresh checkout has none. */
function ensureBuilt(): void {
  if (existsSync(BUNDLE)) return;
  say('dist/gate.cjs is missing: npm run build');
  const result = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0 || !existsSync(BUNDLE)) fail('npm run build failed; cannot benchmark the gate');
}

interface Workspace {
  dir: string;
  zones: string;
  zonesSandbox: string;
  rrsyncRoot: string;
  plainDest: string;
  stubDest: string;
  source: string;
  log: string;
  /**
   * Parent of each policy's gate.stateDir: the gate caches what its rsync supports there, as a
   * deployed gate does. One per policy: the cache holds one rsync's answer, and policies that
   * alternate the real and the stand-in rsync in one directory would make every run probe again.
   */
  state: string;
}

function makeWorkspace(scope: Scope): Workspace {
  // Not under /tmp: the sandbox mounts a fresh tmpfs on /tmp after bind-mounting gate.rsync, which
  // hides a gate.rsync that lives under /tmp (the fake rsync here) and bwrap cannot exec it.
  const dir = scope.tempDir('zonegate-bench-', '/var/tmp');
  const ws = {
    dir,
    zones: join(dir, 'zones'), // the gate's rule root (decisions and the gate push)
    zonesSandbox: join(dir, 'zones-sandbox'), // the sandboxed gate push
    rrsyncRoot: join(dir, 'dest-rrsync'),
    plainDest: join(dir, 'dest-plain'),
    stubDest: join(dir, 'dest-stub'),
    source: join(dir, 'src'),
    log: join(dir, 'gate.log'),
    state: join(dir, 'state'),
  };
  mkdirSync(ws.state, { mode: 0o700 });
  for (const root of [ws.zones, ws.zonesSandbox, ws.rrsyncRoot, ws.plainDest, ws.stubDest])
    mkdirSync(join(root, 'external'), { recursive: true });
  writeFileSync(join(dir, 'empty.cjs'), '');
  writeFileSync(join(dir, 'empty.mjs'), '');
  return ws;
}

interface Key {
  file: string;
  pub: string;
}

/** A fresh ed25519 key pair; returns the private key path and the public key line. */
async function keygen(ws: Workspace, name: string): Promise<Key> {
  const pair = await makeKeyPair(ws.dir, `key-${name}`, `bench-${name}`);
  return { file: pair.privateKey, pub: pair.line };
}

/** A zonegate policy with one key, "bench", that may push to and pull from <root>/external. */
function writeConfig(
  ws: Workspace,
  name: string,
  { rsync, sandbox, publicKey, root }: { rsync: string; sandbox: string; publicKey: string; root: string },
): string {
  const file = join(ws.dir, `${name}.json`);
  const stateDir = join(ws.state, name);
  mkdirSync(stateDir, { mode: 0o700 });
  const rules = [
    { direction: 'upload', root, paths: ['external/**'], delete: true },
    { direction: 'download', root, paths: ['external/**'] },
  ];
  const policy = {
    gate: { rsync, log: ws.log, stateDir, sandbox },
    keys: { bench: { publicKey, from: ['127.0.0.1'], rules } },
  };
  writeFileSync(file, `// zonegate bench policy (${name})\n${JSON.stringify(policy, null, 2)}\n`);
  // The gate refuses a policy that others could write, as sshd does.
  chmodSync(file, 0o600);
  return file;
}

/** Stands in for rsync so the allow path times the decision and the spawn, not a transfer. */
function writeFakeRsync(ws: Workspace): string {
  const file = join(ws.dir, 'fake-rsync');
  // The gate probes --help for the hardening options it may add; anything else just succeeds.
  writeFileSync(file, '#!/bin/sh\nif [ "$1" = --help ]; then echo "--confine-root --drop-D --munge-links"; fi\nexit 0\n');
  chmodSync(file, 0o755);
  return file;
}

/** A forced command with no checks at all: the cost floor of "start Node, then exec rsync". */
function writeStub(ws: Workspace): string {
  const file = join(ws.dir, 'stub.cjs');
  writeFileSync(
    file,
    [
      "'use strict';",
      '// Benchmark baseline only: runs whatever rsync the client asked for. Never deploy this.',
      "const { spawn } = require('node:child_process');",
      "const [, ...args] = (process.env.SSH_ORIGINAL_COMMAND || '').split(' ');",
      `const child = spawn('${TOOLS.rsync}', args, { stdio: 'inherit' });`,
      "child.on('exit', (code) => { process.exitCode = code ?? 1; });",
      '',
    ].join('\n'),
  );
  return file;
}

/** Deterministic zone files of about 1-3 KB: SOA, NS, MX, TXT and a varying number of hosts. */
function writeZones(dir: string, count: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const zone = `zone${String(i).padStart(4, '0')}.example.net`;
    const records = [
      '@ IN MX 10 mail',
      `@ IN TXT "v=spf1 mx ip4:192.0.2.${String(i % 250)} -all"`,
      `@ IN A 192.0.2.${String(i % 250)}`,
      `@ IN AAAA 2001:db8:${(i % 65535).toString(16)}::1`,
      `mail IN A 198.51.100.${String(i % 250)}`,
    ];
    for (let h = 0; h < 20 + (i % 50); h++)
      records.push(`host${String(h)} 300 IN A 203.0.113.${String((i * 7 + h) % 250)} ; rack ${String(h % 8)}`);
    const text = zoneText(zone, 2026010100 + i, {
      origin: true,
      ttl: 3600,
      mname: 'ns1.example.net.',
      rname: 'hostmaster.example.net.',
      timers: [7200, 3600, 1209600, 3600],
      nameservers: ['ns1.example.net.', 'ns2.example.org.'],
      records,
    });
    writeFileSync(join(dir, `${zone}.zone`), text);
  }
}

// ---------------------------------------------------------------------------------------------
// Decision time and peak RSS

interface Row {
  label: string;
  file: string;
  args: string[];
  env: Record<string, string>;
  /** The exit status the run must have, or 'greeting': timed until rsync's first byte, then killed. */
  expect: number | 'greeting';
}

interface Configs {
  real: string;
  fake: string;
  fakeSandbox: string;
  realSandbox: string;
  push: string;
  pushSandbox: string;
}

type SandboxProbe = { ok: true } | { ok: false; reason: string };

/**
 * The rows to time: each one process start, run with exactly the variables sshd would give a forced
 * command (what `env -i VAR=… cmd` does, without timing env's own exec), stdin /dev/null (rsync then
 * sees EOF and exits with 12), and the exit status it must have, so no row times a failure; or, for
 * the allow rows the targets use, timed until rsync greets with stdin open (timeUntilGreeting).
 */
function decisionRows(ws: Workspace, configs: Configs, sandbox: SandboxProbe): Row[] {
  const ssh = (command: string): Record<string, string> => ({ SSH_ORIGINAL_COMMAND: command, SSH_CONNECTION });
  const gate = (config: string, command: string, expect: Row['expect'], label: string): Row => ({
    label,
    file: NODE,
    args: [gateUnderTest, '--config', config, '--key', 'bench'],
    env: ssh(command),
    expect,
  });
  const rrsync = (command: string, expect: Row['expect'], label: string): Row => ({
    label,
    file: TOOLS.rrsync,
    args: [ws.zones],
    env: ssh(command),
    expect,
  });
  const rows: Row[] = [
    {
      label: 'node empty.cjs (bare start)',
      file: NODE,
      args: [join(ws.dir, 'empty.cjs')],
      env: {},
      expect: 0,
    },
    {
      label: 'node empty.mjs (bare start)',
      file: NODE,
      args: [join(ws.dir, 'empty.mjs')],
      env: {},
      expect: 0,
    },
    gate(configs.real, DENY_ABSOLUTE, 77, 'gate deny  . /etc/'),
    gate(configs.real, DENY_DOTDOT, 77, 'gate deny  . ../../etc/'),
    rrsync(DENY_DOTDOT, 1, 'rrsync deny . ../../etc/'),
    gate(configs.fake, UPLOAD_COMMAND, 0, 'gate allow -> fake rsync'),
    {
      label: 'rsync --server alone (EOF)',
      file: TOOLS.rsync,
      args: ['--server', '-logDtpre.iLsfxCIvu', '--delete', '.', join(ws.zones, 'external/')],
      env: {},
      expect: 12,
    },
    gate(configs.real, UPLOAD_COMMAND, 'greeting', ALLOW_ROWS.gate),
    rrsync(UPLOAD_COMMAND, 'greeting', ALLOW_ROWS.rrsync),
    gate(configs.real, UPLOAD_COMMAND, 12, WHOLE_RUN_ROWS.gate),
    rrsync(UPLOAD_COMMAND, 12, WHOLE_RUN_ROWS.rrsync),
  ];
  if (sandbox.ok) {
    rows.push(gate(configs.fakeSandbox, UPLOAD_COMMAND, 0, 'gate allow -> bwrap -> fake rsync'));
    rows.push(gate(configs.realSandbox, UPLOAD_COMMAND, 12, 'gate allow -> bwrap -> rsync (EOF)'));
  }
  return rows;
}

/**
 * Process start until rsync's protocol greeting (4 bytes, its protocol version, little-endian) on
 * stdout; stdin stays open meanwhile, so rsync waits for the client. Then, untimed, the whole
 * process group (the gate or rrsync, and the rsync it started) is killed and reaped. Aborts when
 * the run ends without a greeting (a refusal) or the bytes are not one.
 */
function timeUntilGreeting(ws: Workspace, row: Row): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(row.file, row.args, { cwd: ws.dir, env: row.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let elapsed: number | undefined;
    let stderr = '';
    let greeting = '';
    const stop = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone: 'close' reports it.
      }
    };
    const guard = setTimeout(stop, GREETING_TIMEOUT_MS);
    child.stdout.once('data', (chunk: Buffer) => {
      elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      const version = chunk.length >= 4 ? chunk.readInt32LE(0) : -1;
      greeting = version >= 20 && version <= 40 ? '' : `not an rsync greeting: ${chunk.subarray(0, 16).toString('hex')}`;
      stop();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (elapsed === undefined) reject(new BenchError(`${row.label}: exit ${String(code ?? signal)} before rsync's greeting\n${stderr}`));
      else if (greeting !== '') reject(new BenchError(`${row.label}: ${greeting}\n${stderr}`));
      else resolve(elapsed);
    });
  });
}

/** One timed run; aborts when the exit status is not the one the row is about. */
async function timeRow(ws: Workspace, row: Row): Promise<number> {
  return row.expect === 'greeting' ? timeUntilGreeting(ws, row) : timeOnce(ws, row);
}

function timeOnce(ws: Workspace, row: Row): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(row.file, row.args, {
    cwd: ws.dir,
    env: row.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 30_000,
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== row.expect) {
    fail(
      `${row.label}: exit ${String(result.status ?? result.signal ?? result.error?.message)}, expected ${String(row.expect)}\n${result.stderr}`,
    );
  }
  return elapsed;
}

interface DecisionResult extends Summary {
  label: string;
  exit: number | 'greeting';
}

/** Round-robin over the rows, so drift (thermal, other load) hits every row alike. */
async function benchDecisions(ws: Workspace, rows: readonly Row[], runs = DECISION_RUNS): Promise<DecisionResult[]> {
  // Warm the page cache and let the gate fill its rsync capabilities cache; not counted.
  for (const row of rows) await timeRow(ws, row);
  const samples = rows.map((): number[] => []);
  for (let i = 0; i < runs; i++) {
    for (const [r, row] of rows.entries()) {
      samples[r]?.push(await timeRow(ws, row));
      await yieldToSignals();
    }
  }
  return rows.map((row, r) => ({
    label: row.label,
    exit: row.expect,
    ...summarize(samples[r] ?? []),
  }));
}

interface RssResult {
  label: string;
  peakMB: number;
  overLimit: boolean;
}

/** Peak RSS in MB under GNU time. For the allow rows this includes rsync: wait4 reports the max over descendants. */
async function measureRss(ws: Workspace, rows: readonly Row[]): Promise<RssResult[]> {
  const results: RssResult[] = [];
  for (const row of rows) {
    const out = join(ws.dir, 'rss.txt');
    let peakKiB = 0;
    for (let i = 0; i < RSS_RUNS; i++) {
      await yieldToSignals();
      const result = spawnSync(TOOLS.time, ['-f', '%M', '-o', out, row.file, ...row.args], {
        cwd: ws.dir,
        env: row.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
        timeout: 30_000,
      });
      if (result.status !== row.expect)
        fail(`${row.label} under ${TOOLS.time}: exit ${String(result.status)}, expected ${String(row.expect)}\n${result.stderr}`);
      peakKiB = Math.max(peakKiB, Number(readFileSync(out, 'utf8').trim().split('\n').pop()));
    }
    const mb = round(peakKiB / 1024);
    results.push({
      label: row.label,
      peakMB: mb,
      overLimit: row.label.startsWith('gate') && mb > RSS_LIMIT_MB,
    });
  }
  return results;
}

/** Whether `sandbox: required` works on this host; a one-off gate run tells, with the reason. */
function probeSandbox(ws: Workspace, config: string): SandboxProbe {
  const result = spawnSync(NODE, [GATE, '--config', config, '--key', 'bench'], {
    cwd: ws.dir,
    env: { SSH_ORIGINAL_COMMAND: UPLOAD_COMMAND, SSH_CONNECTION },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  return result.status === 0 ? { ok: true } : { ok: false, reason: `exit ${String(result.status)}: ${result.stderr.trim()}` };
}

// ---------------------------------------------------------------------------------------------
// sshd and pushes

interface Variant {
  name: string;
  key: Key;
  line: string;
  dest: string;
  root: string;
}

/** The variants, each with its own key (sshd uses the first authorized_keys line the key matches). */
function pushVariants(ws: Workspace, keys: Record<string, Key>, configs: Configs, stub: string, sandbox: SandboxProbe): Variant[] {
  const key = (name: string): Key => keys[name] ?? fail(`no key ${name}`);
  const gateCommand = (config: string): string => `${NODE} ${GATE} --config ${config} --key bench`;
  const variants: Variant[] = [
    {
      name: 'no forced command',
      key: key('plain'),
      line: key('plain').pub,
      dest: join(ws.plainDest, 'external/'),
      root: ws.plainDest,
    },
    // restrict on the stub too, so the baseline differs from the others only in what the command does.
    {
      name: 'node stub',
      key: key('stub'),
      line: `restrict,command="${NODE} ${stub}" ${key('stub').pub}`,
      dest: join(ws.stubDest, 'external/'),
      root: ws.stubDest,
    },
    {
      name: 'rrsync',
      key: key('rrsync'),
      line: `restrict,command="${TOOLS.rrsync} ${ws.rrsyncRoot}" ${key('rrsync').pub}`,
      dest: 'external/',
      root: ws.rrsyncRoot,
    },
    {
      name: 'gate',
      key: key('gate'),
      line: `restrict,command="${gateCommand(configs.push)}" ${key('gate').pub}`,
      dest: 'external/',
      root: ws.zones,
    },
  ];
  if (sandbox.ok) {
    variants.push({
      name: 'gate + sandbox',
      key: key('sandbox'),
      line: `restrict,command="${gateCommand(configs.pushSandbox)}" ${key('sandbox').pub}`,
      dest: 'external/',
      root: ws.zonesSandbox,
    });
  }
  return variants;
}

function pushOnce(ws: Workspace, sshd: Sshd, variant: Variant): number {
  const ssh = [
    TOOLS.ssh,
    '-F',
    '/dev/null',
    '-o',
    `UserKnownHostsFile=${sshd.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-i',
    variant.key.file,
    '-p',
    String(sshd.port),
  ];
  const started = process.hrtime.bigint();
  const result = spawnSync(TOOLS.rsync, ['-a', '--delete', '-e', ssh.join(' '), `${ws.source}/`, `root@127.0.0.1:${variant.dest}`], {
    env: { PATH: PATH_ENV, LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 60_000,
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0)
    fail(`push via ${variant.name} failed: exit ${String(result.status ?? result.signal)}\n${result.stderr}\nsshd: ${sshd.log()}`);
  return elapsed;
}

/** The pushed tree must equal the source, file for file and byte for byte. */
function verifyArrived(ws: Workspace, variant: Variant): void {
  const dest = join(variant.root, 'external');
  const expected = readdirSync(ws.source).sort();
  const actual = readdirSync(dest).sort();
  if (expected.join('\n') !== actual.join('\n'))
    fail(`push via ${variant.name}: ${dest} has ${String(actual.length)} entries, expected ${String(expected.length)}`);
  for (const name of expected) {
    if (!readFileSync(join(ws.source, name)).equals(readFileSync(join(dest, name)))) fail(`push via ${variant.name}: ${name} differs`);
  }
}

interface PushResult extends Summary {
  label: string;
}

async function benchPushes(ws: Workspace, sshd: Sshd, variants: readonly Variant[]): Promise<PushResult[]> {
  for (const variant of variants) {
    pushOnce(ws, sshd, variant); // prime: the real transfer
    verifyArrived(ws, variant);
    pushOnce(ws, sshd, variant); // warm-up of the unchanged push; not counted
  }
  const samples = variants.map((): number[] => []);
  for (let i = 0; i < PUSH_RUNS; i++) {
    for (const [v, variant] of variants.entries()) {
      samples[v]?.push(pushOnce(ws, sshd, variant));
      await yieldToSignals();
    }
  }
  for (const variant of variants) verifyArrived(ws, variant);
  return variants.map((variant, v) => ({
    label: variant.name,
    ...summarize(samples[v] ?? []),
  }));
}

// ---------------------------------------------------------------------------------------------
// Report

interface Target {
  met: boolean;
  detail: string;
}

interface Targets {
  decisionBelowRrsync: Target;
  rssWithinLimit: Target;
  pushNoSlowerThanRrsync: Target;
}

function byLabel<T extends { label: string }>(rows: readonly T[], label: string): T {
  return rows.find((r) => r.label === label) ?? fail(`no result row ${label}`);
}

function computeRatios(
  decisions: readonly DecisionResult[],
  rss: readonly RssResult[],
  pushes: readonly PushResult[],
): { ratios: Record<string, number>; targets: Targets } {
  const d = (label: string): number => byLabel(decisions, label).median;
  const p = (label: string): number => byLabel(pushes, label).median;
  const ratios: Record<string, number> = {
    'gate deny / rrsync deny (same ../ request)': ratio(d('gate deny  . ../../etc/'), d('rrsync deny . ../../etc/')),
    'gate allow / rrsync allow (until rsync greets)': ratio(d(ALLOW_ROWS.gate), d(ALLOW_ROWS.rrsync)),
    'gate allow / rrsync allow (whole run, rsync EOF exit)': ratio(d(WHOLE_RUN_ROWS.gate), d(WHOLE_RUN_ROWS.rrsync)),
    'gate deny / bare node (cjs)': ratio(d('gate deny  . ../../etc/'), d('node empty.cjs (bare start)')),
    'gate allow fake rsync / bare node (cjs)': ratio(d('gate allow -> fake rsync'), d('node empty.cjs (bare start)')),
    'rrsync deny / bare node (cjs)': ratio(d('rrsync deny . ../../etc/'), d('node empty.cjs (bare start)')),
    'push: node stub / no forced command': ratio(p('node stub'), p('no forced command')),
    'push: rrsync / no forced command': ratio(p('rrsync'), p('no forced command')),
    'push: gate / no forced command': ratio(p('gate'), p('no forced command')),
    'push: gate / rrsync': ratio(p('gate'), p('rrsync')),
    'push: gate / node stub': ratio(p('gate'), p('node stub')),
  };
  if (pushes.some((r) => r.label === 'gate + sandbox')) ratios['push: gate + sandbox / rrsync'] = ratio(p('gate + sandbox'), p('rrsync'));
  const gateRss = Math.max(...rss.filter((r) => r.label.startsWith('gate')).map((r) => r.peakMB));
  const targets = {
    decisionBelowRrsync: {
      met: d(DENY_ROWS.gate) <= DECISION_TARGET * d(DENY_ROWS.rrsync) && d(ALLOW_ROWS.gate) <= DECISION_TARGET * d(ALLOW_ROWS.rrsync),
      detail: `deny ${String(d(DENY_ROWS.gate))} vs ${String(d(DENY_ROWS.rrsync))} ms, allow ${String(d(ALLOW_ROWS.gate))} vs ${String(d(ALLOW_ROWS.rrsync))} ms`,
    },
    rssWithinLimit: {
      met: gateRss <= RSS_LIMIT_MB,
      detail: `gate peak ${String(gateRss)} MB`,
    },
    pushNoSlowerThanRrsync: {
      met: p('gate') <= p('rrsync'),
      detail: `gate ${String(p('gate'))} vs rrsync ${String(p('rrsync'))} ms`,
    },
  };
  return { ratios, targets };
}

interface Results {
  environment: Record<string, unknown>;
  sandbox: SandboxProbe;
  decisions: DecisionResult[];
  rss: RssResult[];
  pushes: PushResult[];
  ratios: Record<string, number>;
  targets: Targets;
}

function printReport(results: Results): void {
  const { decisions, rss, pushes, ratios, targets, sandbox } = results;
  say(
    `\nDecision time, ms (${String(DECISION_RUNS)} runs each, interleaved; clean env like sshd's; to exit with stdin /dev/null, or, exit "greeting", until rsync's first byte with stdin open)`,
  );
  say(
    table(
      ['row', 'median', 'p90', 'min', 'exit'],
      decisions.map((r) => [r.label, r.median.toFixed(1), r.p90.toFixed(1), r.min.toFixed(1), r.exit]),
    ),
  );
  say(`\nPeak RSS, MB (max of ${String(RSS_RUNS)} runs under ${TOOLS.time} -f %M; limit for the gate ${String(RSS_LIMIT_MB)} MB)`);
  say(
    table(
      ['row', 'peak MB', 'flag'],
      rss.map((r) => [r.label, r.peakMB.toFixed(1), r.overLimit ? 'OVER LIMIT' : '']),
    ),
  );
  say(`\nssh push of ${String(ZONE_FILES)} unchanged zone files, ms (${String(PUSH_RUNS)} runs each, interleaved; rsync -a --delete)`);
  say(
    table(
      ['variant', 'median', 'p90', 'min'],
      pushes.map((r) => [r.label, r.median.toFixed(1), r.p90.toFixed(1), r.min.toFixed(1)]),
    ),
  );
  if (!sandbox.ok) say(`\n(sandbox rows skipped: ${sandbox.reason})`);
  say('\nRatios of medians');
  say(
    table(
      ['ratio', 'x'],
      Object.entries(ratios).map(([k, v]) => [k, v.toFixed(2)]),
    ),
  );
  say('\nTargets');
  const verdict = ({ met }: Target): string => (met ? 'yes' : 'NO');
  say(
    table(
      ['target', 'met', 'medians'],
      [
        [
          `gate decision <= ${String(DECISION_TARGET)} x rrsync (deny and allow)`,
          verdict(targets.decisionBelowRrsync),
          targets.decisionBelowRrsync.detail,
        ],
        [`gate peak RSS <= ${String(RSS_LIMIT_MB)} MB`, verdict(targets.rssWithinLimit), targets.rssWithinLimit.detail],
        ['gate push no slower than rrsync push', verdict(targets.pushNoSlowerThanRrsync), targets.pushNoSlowerThanRrsync.detail],
      ],
    ),
  );
}

/** dist/ is shared with whoever else builds in this checkout: note which bundle was measured. */
function bundleVersion(): { bytes: number; mtime: string } {
  const stat = statSync(BUNDLE);
  return { bytes: stat.size, mtime: stat.mtime.toISOString() };
}

function environment(bundle: Record<string, unknown>): Record<string, unknown> {
  const version = (file: string, args: string[]): string | undefined => run(file, args).stdout.split('\n')[0]?.trim();
  return {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    kernel: release(),
    node: version(NODE, ['--version']),
    rsync: version(TOOLS.rsync, ['--version']),
    bundle,
  };
}

function writeResults(results: Results): void {
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  say(`\nwrote ${RESULTS}`);
}

// ---------------------------------------------------------------------------------------------
// Entry points (called by bench-gate-main.ts and by other benchmarks)

/** The gate's median decision time over rrsync's for the same request (lower is better), with the raw medians and minima. */
export interface GateRatios {
  gateDeny: number;
  gateAllow: number;
  /** Milliseconds, per row: the gate's and rrsync's deny and allow. */
  medianMs: { gateDeny: number; rrsyncDeny: number; gateAllow: number; rrsyncAllow: number };
  minMs: { gateDeny: number; rrsyncDeny: number; gateAllow: number; rrsyncAllow: number };
  /** The allowed request to its end with stdin /dev/null (rsync's 100 ms EOF exit included), medians; not a target. */
  wholeRunMedianMs: { gateAllow: number; rrsyncAllow: number };
  runs: number;
}

function gateRatios(decisions: readonly DecisionResult[], runs: number): GateRatios {
  const row = (label: string): DecisionResult => byLabel(decisions, label);
  const pick = (field: 'median' | 'min'): GateRatios['medianMs'] => ({
    gateDeny: row(DENY_ROWS.gate)[field],
    rrsyncDeny: row(DENY_ROWS.rrsync)[field],
    gateAllow: row(ALLOW_ROWS.gate)[field],
    rrsyncAllow: row(ALLOW_ROWS.rrsync)[field],
  });
  const medianMs = pick('median');
  return {
    gateDeny: ratio(medianMs.gateDeny, medianMs.rrsyncDeny),
    gateAllow: ratio(medianMs.gateAllow, medianMs.rrsyncAllow),
    medianMs,
    minMs: pick('min'),
    wholeRunMedianMs: { gateAllow: row(WHOLE_RUN_ROWS.gate).median, rrsyncAllow: row(WHOLE_RUN_ROWS.rrsync).median },
    runs,
  };
}

/** The policies the decision rows run under: real and stand-in rsync, with and without the sandbox. */
function decisionConfigs(ws: Workspace, publicKey: string, pushKey: string, sandboxKey: string): Configs {
  const fakeRsync = writeFakeRsync(ws);
  const base = { publicKey, root: ws.zones };
  return {
    real: writeConfig(ws, 'real', { ...base, rsync: TOOLS.rsync, sandbox: 'off' }),
    fake: writeConfig(ws, 'fake', { ...base, rsync: fakeRsync, sandbox: 'off' }),
    fakeSandbox: writeConfig(ws, 'fake-sandbox', { ...base, rsync: fakeRsync, sandbox: 'required' }),
    realSandbox: writeConfig(ws, 'real-sandbox', { ...base, rsync: TOOLS.rsync, sandbox: 'required' }),
    push: writeConfig(ws, 'push', { publicKey: pushKey, root: ws.zones, rsync: TOOLS.rsync, sandbox: 'off' }),
    pushSandbox: writeConfig(ws, 'push-sandbox', { publicKey: sandboxKey, root: ws.zonesSandbox, rsync: TOOLS.rsync, sandbox: 'required' }),
  };
}

/**
 * Only the decision rows (no RSS, no pushes): the gate and rrsync deciding the same requests,
 * interleaved. Nothing logs in, so the key is a syntactically valid stand-in. Runs in `scope`'s
 * temp dir and leaves nothing behind once the scope closes.
 */
export async function measureGateRatios(options: {
  scope: Scope;
  runs?: number;
  gate?: string;
  /** Another build's bin/gate.cjs, timed in the same interleaved loop (before/after). */
  baseline?: string;
}): Promise<GateRatios & { baseline?: GateRatios }> {
  const runs = options.runs ?? DECISION_RUNS;
  checkTools();
  if (options.gate === undefined) ensureBuilt();
  gateUnderTest = options.gate ?? GATE;
  const ws = makeWorkspace(options.scope);
  const key = fakeEd25519PublicKey(7, 'bench-gate');
  const configs = decisionConfigs(ws, key, key, key);
  const rows = decisionRows(ws, configs, { ok: false, reason: 'not measured by measureGateRatios' });
  const baseline = options.baseline;
  // The baseline's rows run the same requests under the same policies, only another gate file.
  const baselineRows =
    baseline === undefined
      ? []
      : rows
          .filter((row) => [DENY_ROWS.gate, ALLOW_ROWS.gate, WHOLE_RUN_ROWS.gate].some((label) => label === row.label))
          .map((row) => ({ ...row, label: `baseline ${row.label}`, args: [baseline, ...row.args.slice(1)] }));
  const decisions = await benchDecisions(ws, [...rows, ...baselineRows], runs);
  const ours = gateRatios(decisions, runs);
  if (baseline === undefined) return ours;
  const other = (label: string): DecisionResult => ({ ...byLabel(decisions, `baseline ${label}`), label });
  return {
    ...ours,
    baseline: gateRatios(
      [...decisions.filter((d) => !d.label.startsWith('gate ')), other(DENY_ROWS.gate), other(ALLOW_ROWS.gate), other(WHOLE_RUN_ROWS.gate)],
      runs,
    ),
  };
}

/** The whole benchmark: decisions, peak RSS, ssh pushes; prints the report and writes RESULTS. */
export async function runGateBenchmark(scope: Scope, options: { json?: boolean } = {}): Promise<Results & GateRatios> {
  if (options.json === true)
    say = (text) => {
      console.error(text);
    };
  checkTools();
  ensureBuilt();
  const bundle = bundleVersion();
  const ws = makeWorkspace(scope);
  const stub = writeStub(ws);
  const keys: Record<string, Key> = {};
  for (const name of ['plain', 'stub', 'rrsync', 'gate', 'sandbox']) keys[name] = await keygen(ws, name);
  const gateKey = keys['gate'] ?? fail('no gate key');
  const sandboxKey = keys['sandbox'] ?? fail('no sandbox key');
  const configs = decisionConfigs(ws, gateKey.pub, gateKey.pub, sandboxKey.pub);
  const sandbox = probeSandbox(ws, configs.fakeSandbox);

  say(`zonegate gate benchmark: ${GATE} (node ${process.version}, ${String(cpus().length)} cpus)`);
  say('timing decisions...');
  const rows = decisionRows(ws, configs, sandbox);
  const decisions = await benchDecisions(ws, rows);
  say('measuring peak RSS...');
  // The greeting rows are killed mid-run; their processes are the whole-run rows' own.
  const rssRows = rows.filter((r) => !r.label.startsWith('rsync --server') && r.expect !== 'greeting');
  const rss = await measureRss(ws, rssRows);

  say(`pushing ${String(ZONE_FILES)} zone files over ssh...`);
  writeZones(ws.source, ZONE_FILES);
  const variants = pushVariants(ws, keys, configs, stub, sandbox);
  // The no-forced-command variant needs a plain root login; the others rely on command= per line.
  const sshd = await startSshd({
    scope,
    parent: ws.dir,
    permitRootLogin: 'prohibit-password',
    extraConfig: ['PrintMotd no', 'UseDNS no', 'LogLevel ERROR'],
  });
  writeFileSync(sshd.authorizedKeys, `${variants.map((v) => v.line).join('\n')}\n`);
  const pushes = await benchPushes(ws, sshd, variants);

  const rebuilt = bundleVersion().mtime !== bundle.mtime;
  const results: Results = {
    environment: environment({ ...bundle, rebuiltDuringRun: rebuilt }),
    sandbox,
    decisions,
    rss,
    pushes,
    ...computeRatios(decisions, rss, pushes),
  };
  printReport(results);
  if (rebuilt) say('\nWARNING: dist/gate.cjs was rebuilt during the run; the rows may mix two bundles. Run again.');
  writeResults(results);
  return { ...gateRatios(decisions, DECISION_RUNS), ...results };
}
