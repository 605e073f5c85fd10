// Benchmarks zonegate-gate against its alternatives, side by side in one run on one machine:
//   1. decision time: the gate allowing and denying vs a bare `node` start vs Debian's rrsync;
//   2. peak RSS of the same runs (GNU time %M);
//   3. an ssh push of 1,000 unchanged zone files through a real sshd with no forced command, a bare
//      Node stub, rrsync, the gate, and the gate with its bubblewrap sandbox.
// The gate starts on every SSH connection, so its start-up is the cost that matters: targets are a
// decision below rrsync's, peak RSS <= 60 MB, and a push no slower than the same push through rrsync.
// Prints tables and ratios, writes .bench/gate-results.json. Exit 0 when it ran (even when a target is
// missed), 1 when a step failed: a benchmark of failing runs is worthless, so every run checks its exit
// status and every push checks that the files arrived.
// Only node:* imports, so it runs before and without `npm install`.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort } from './lib/ports.mjs';
import { cpus, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const GATE = join(REPO, 'bin/gate.cjs');
const BUNDLE = join(REPO, 'dist/gate.cjs');
const RESULTS = join(REPO, '.bench/gate-results.json');

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

// Everything to undo on the way out, whichever way that is.
const state = { dir: undefined, children: new Set() };

// ---------------------------------------------------------------------------------------------
// Small helpers

class BenchError extends Error {}

function fail(message) {
  throw new BenchError(message);
}

function run(file, args, options = {}) {
  return spawnSync(file, args, {
    encoding: 'utf8',
    timeout: 120_000,
    ...options,
  });
}

/** Runs a setup command and aborts with its output when it fails. */
function mustRun(file, args, options = {}) {
  const result = run(file, args, options);
  if (result.error || result.status !== 0) {
    fail(
      `${file} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})\n${result.stderr ?? ''}${result.stdout ?? ''}`,
    );
  }
  return result;
}

function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  // Nearest-rank p90: a value that was actually observed.
  const p90 = sorted[Math.ceil(0.9 * n) - 1];
  return {
    n,
    median: round(median),
    p90: round(p90),
    min: round(sorted[0]),
    max: round(sorted[n - 1]),
  };
}

/**
 * spawnSync blocks the event loop, and a signal handler only runs on the loop: yielding between runs
 * lets a SIGINT/SIGTERM sent to this process alone (not the whole terminal group) clean up at once.
 */
const yieldToSignals = () => new Promise((done) => setImmediate(done));

const round = (x, places = 1) => Math.round(x * 10 ** places) / 10 ** places;
const ratio = (a, b) => round(a / b, 2);

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Setup

function checkTools() {
  const missing = Object.values(TOOLS).filter((tool) => !existsSync(tool));
  if (missing.length) fail(`missing ${missing.join(', ')}: apt-get install rsync openssh-server openssh-client time bubblewrap`);
}

/** The gate runs from the bundle; build it when a fresh checkout has none. */
function ensureBuilt() {
  if (existsSync(BUNDLE)) return;
  console.log('dist/gate.cjs is missing: npm run build');
  const result = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: REPO,
    stdio: 'inherit',
  });
  if (result.status !== 0 || !existsSync(BUNDLE)) fail('npm run build failed; cannot benchmark the gate');
}

function makeWorkspace() {
  // Not under /tmp: the sandbox mounts a fresh tmpfs on /tmp after bind-mounting gate.rsync, which
  // hides a gate.rsync that lives under /tmp (the fake rsync here) and bwrap cannot exec it.
  const dir = mkdtempSync(join('/var/tmp', 'zonegate-bench-'));
  state.dir = dir;
  const ws = {
    dir,
    zones: join(dir, 'zones'), // the gate's rule root (decisions and the gate push)
    zonesSandbox: join(dir, 'zones-sandbox'), // the sandboxed gate push
    rrsyncRoot: join(dir, 'dest-rrsync'),
    plainDest: join(dir, 'dest-plain'),
    stubDest: join(dir, 'dest-stub'),
    source: join(dir, 'src'),
    log: join(dir, 'gate.log'),
  };
  for (const root of [ws.zones, ws.zonesSandbox, ws.rrsyncRoot, ws.plainDest, ws.stubDest])
    mkdirSync(join(root, 'external'), { recursive: true });
  writeFileSync(join(dir, 'empty.cjs'), '');
  writeFileSync(join(dir, 'empty.mjs'), '');
  return ws;
}

/** A fresh ed25519 key pair; returns the private key path and the public key line. */
function keygen(ws, name) {
  const file = join(ws.dir, `key-${name}`);
  mustRun(TOOLS.sshKeygen, ['-q', '-t', 'ed25519', '-N', '', '-C', `bench-${name}`, '-f', file]);
  return { file, pub: readFileSync(`${file}.pub`, 'utf8').trim() };
}

/** A zonegate policy with one key, "bench", that may push to and pull from <root>/external. */
function writeConfig(ws, name, { rsync, sandbox, publicKey, root }) {
  const file = join(ws.dir, `${name}.json`);
  const rules = [
    { direction: 'upload', root, paths: ['external/**'], delete: true },
    { direction: 'download', root, paths: ['external/**'] },
  ];
  const policy = {
    gate: { rsync, log: ws.log, sandbox },
    keys: { bench: { publicKey, from: ['127.0.0.1'], rules } },
  };
  writeFileSync(file, `// zonegate bench policy (${name})\n${JSON.stringify(policy, null, 2)}\n`);
  // The gate refuses a policy that others could write, as sshd does.
  chmodSync(file, 0o600);
  return file;
}

/** Stands in for rsync so the allow path times the decision and the spawn, not a transfer. */
function writeFakeRsync(ws) {
  const file = join(ws.dir, 'fake-rsync');
  // The gate probes --help for the hardening options it may add; anything else just succeeds.
  writeFileSync(file, '#!/bin/sh\nif [ "$1" = --help ]; then echo "--confine-root --drop-D --munge-links"; fi\nexit 0\n');
  chmodSync(file, 0o755);
  return file;
}

/** A forced command with no checks at all: the cost floor of "start Node, then exec rsync". */
function writeStub(ws) {
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
function writeZones(dir, count) {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const zone = `zone${String(i).padStart(4, '0')}.example.net`;
    const lines = [
      `$ORIGIN ${zone}.`,
      '$TTL 3600',
      `@ IN SOA ns1.example.net. hostmaster.example.net. ( ${2026010100 + i} 7200 3600 1209600 3600 )`,
      '@ IN NS ns1.example.net.',
      '@ IN NS ns2.example.org.',
      '@ IN MX 10 mail',
      `@ IN TXT "v=spf1 mx ip4:192.0.2.${i % 250} -all"`,
      `@ IN A 192.0.2.${i % 250}`,
      `@ IN AAAA 2001:db8:${(i % 65535).toString(16)}::1`,
      `mail IN A 198.51.100.${i % 250}`,
    ];
    for (let h = 0; h < 20 + (i % 50); h++) lines.push(`host${h} 300 IN A 203.0.113.${(i * 7 + h) % 250} ; rack ${h % 8}`);
    writeFileSync(join(dir, `${zone}.zone`), `${lines.join('\n')}\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// Decision time and peak RSS

/**
 * The rows to time: each one process start, run with exactly the variables sshd would give a forced
 * command (what `env -i VAR=… cmd` does, without timing env's own exec), stdin /dev/null (rsync then
 * sees EOF and exits at once with 12), and the exit status it must have, so no row times a failure.
 */
function decisionRows(ws, configs, sandbox) {
  const ssh = (command) => ({ SSH_ORIGINAL_COMMAND: command, SSH_CONNECTION });
  const gate = (config, command, expect, label) => ({
    label,
    file: NODE,
    args: [GATE, '--config', config, '--key', 'bench'],
    env: ssh(command),
    expect,
  });
  const rrsync = (command, expect, label) => ({
    label,
    file: TOOLS.rrsync,
    args: [ws.zones],
    env: ssh(command),
    expect,
  });
  const rows = [
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
    gate(configs.real, UPLOAD_COMMAND, 12, 'gate allow -> rsync (EOF)'),
    rrsync(UPLOAD_COMMAND, 12, 'rrsync allow -> rsync (EOF)'),
  ];
  if (sandbox.ok) {
    rows.push(gate(configs.fakeSandbox, UPLOAD_COMMAND, 0, 'gate allow -> bwrap -> fake rsync'));
    rows.push(gate(configs.realSandbox, UPLOAD_COMMAND, 12, 'gate allow -> bwrap -> rsync (EOF)'));
  }
  return rows;
}

/** One timed run; aborts when the exit status is not the one the row is about. */
function timeOnce(ws, row) {
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
    fail(`${row.label}: exit ${result.status ?? result.signal ?? result.error?.message}, expected ${row.expect}\n${result.stderr}`);
  }
  return elapsed;
}

/** Round-robin over the rows, so drift (thermal, other load) hits every row alike. */
async function benchDecisions(ws, rows) {
  for (const row of rows) timeOnce(ws, row); // warm the page cache; not counted
  const samples = rows.map(() => []);
  for (let i = 0; i < DECISION_RUNS; i++) {
    for (const [r, row] of rows.entries()) {
      samples[r].push(timeOnce(ws, row));
      await yieldToSignals();
    }
  }
  return rows.map((row, r) => ({
    label: row.label,
    exit: row.expect,
    ...summarize(samples[r]),
  }));
}

/** Peak RSS in MB under GNU time. For the allow rows this includes rsync: wait4 reports the max over descendants. */
async function measureRss(ws, rows) {
  const results = [];
  for (const row of rows) {
    const out = join(ws.dir, 'rss.txt');
    let peakKiB = 0;
    for (let i = 0; i < RSS_RUNS; i++) {
      await yieldToSignals();
      const result = spawnSync(TOOLS.time, ['-f', '%M', '-o', out, row.file, ...row.args], {
        cwd: ws.dir,
        env: row.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      });
      if (result.status !== row.expect)
        fail(`${row.label} under ${TOOLS.time}: exit ${result.status}, expected ${row.expect}\n${result.stderr}`);
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
function probeSandbox(ws, config) {
  const result = spawnSync(NODE, [GATE, '--config', config, '--key', 'bench'], {
    cwd: ws.dir,
    env: { SSH_ORIGINAL_COMMAND: UPLOAD_COMMAND, SSH_CONNECTION },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  return result.status === 0 ? { ok: true } : { ok: false, reason: `exit ${result.status}: ${result.stderr.trim()}` };
}

// ---------------------------------------------------------------------------------------------
// sshd and pushes

function canConnect(port) {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** A private sshd on a loopback port: own host key, own config, authorized_keys in the temp dir. */
async function startSshd(ws, authorizedKeys) {
  mkdirSync('/run/sshd', { recursive: true }); // privilege separation directory sshd insists on
  const hostKey = join(ws.dir, 'ssh_host_ed25519_key');
  mustRun(TOOLS.sshKeygen, ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const port = await freePort();
  writeFileSync(join(ws.dir, 'authorized_keys'), `${authorizedKeys.join('\n')}\n`);
  const config = join(ws.dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(ws.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(ws.dir, 'authorized_keys')}`,
      'StrictModes no', // the temp dir's parents are not root-only
      'UsePAM no',
      // The no-forced-command variant needs a plain root login; the others rely on command= per line.
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PrintMotd no',
      'UseDNS no',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const child = spawn(TOOLS.sshd, ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  state.children.add(child.pid);
  let log = '';
  child.stderr.on('data', (chunk) => (log += chunk));
  child.once('exit', () => state.children.delete(child.pid));
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) fail(`sshd exited at start (${child.exitCode}):\n${log}`);
    if (await canConnect(port)) break;
    if (i === 99) fail(`sshd did not listen on 127.0.0.1:${port}:\n${log}`);
    await new Promise((done) => setTimeout(done, 50));
  }
  writeFileSync(join(ws.dir, 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8').trim()}\n`);
  return { port, child, log: () => log };
}

/** The variants, each with its own key (sshd uses the first authorized_keys line the key matches). */
function pushVariants(ws, keys, configs, stub, sandbox) {
  const gateCommand = (config) => `${NODE} ${GATE} --config ${config} --key bench`;
  const variants = [
    {
      name: 'no forced command',
      key: keys.plain,
      line: keys.plain.pub,
      dest: join(ws.plainDest, 'external/'),
      root: ws.plainDest,
    },
    // restrict on the stub too, so the baseline differs from the others only in what the command does.
    {
      name: 'node stub',
      key: keys.stub,
      line: `restrict,command="${NODE} ${stub}" ${keys.stub.pub}`,
      dest: join(ws.stubDest, 'external/'),
      root: ws.stubDest,
    },
    {
      name: 'rrsync',
      key: keys.rrsync,
      line: `restrict,command="${TOOLS.rrsync} ${ws.rrsyncRoot}" ${keys.rrsync.pub}`,
      dest: 'external/',
      root: ws.rrsyncRoot,
    },
    {
      name: 'gate',
      key: keys.gate,
      line: `restrict,command="${gateCommand(configs.push)}" ${keys.gate.pub}`,
      dest: 'external/',
      root: ws.zones,
    },
  ];
  if (sandbox.ok) {
    variants.push({
      name: 'gate + sandbox',
      key: keys.sandbox,
      line: `restrict,command="${gateCommand(configs.pushSandbox)}" ${keys.sandbox.pub}`,
      dest: 'external/',
      root: ws.zonesSandbox,
    });
  }
  return variants;
}

function pushOnce(ws, sshd, variant) {
  const ssh = [
    TOOLS.ssh,
    '-F',
    '/dev/null',
    '-o',
    `UserKnownHostsFile=${join(ws.dir, 'known_hosts')}`,
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
    fail(`push via ${variant.name} failed: exit ${result.status ?? result.signal}\n${result.stderr}\nsshd: ${sshd.log()}`);
  return elapsed;
}

/** The pushed tree must equal the source, file for file and byte for byte. */
function verifyArrived(ws, variant) {
  const dest = join(variant.root, 'external');
  const expected = readdirSync(ws.source).sort();
  const actual = readdirSync(dest).sort();
  if (expected.join('\n') !== actual.join('\n'))
    fail(`push via ${variant.name}: ${dest} has ${actual.length} entries, expected ${expected.length}`);
  for (const name of expected) {
    if (!readFileSync(join(ws.source, name)).equals(readFileSync(join(dest, name)))) fail(`push via ${variant.name}: ${name} differs`);
  }
}

async function benchPushes(ws, sshd, variants) {
  for (const variant of variants) {
    pushOnce(ws, sshd, variant); // prime: the real transfer
    verifyArrived(ws, variant);
    pushOnce(ws, sshd, variant); // warm-up of the unchanged push; not counted
  }
  const samples = variants.map(() => []);
  for (let i = 0; i < PUSH_RUNS; i++) {
    for (const [v, variant] of variants.entries()) {
      samples[v].push(pushOnce(ws, sshd, variant));
      await yieldToSignals();
    }
  }
  for (const variant of variants) verifyArrived(ws, variant);
  return variants.map((variant, v) => ({
    label: variant.name,
    ...summarize(samples[v]),
  }));
}

// ---------------------------------------------------------------------------------------------
// Report

function byLabel(rows, label) {
  const row = rows.find((r) => r.label === label);
  if (!row) fail(`no result row ${label}`);
  return row;
}

function computeRatios(decisions, rss, pushes) {
  const d = (label) => byLabel(decisions, label).median;
  const p = (label) => byLabel(pushes, label).median;
  const ratios = {
    'gate deny / rrsync deny (same ../ request)': ratio(d('gate deny  . ../../etc/'), d('rrsync deny . ../../etc/')),
    'gate allow / rrsync allow (both start real rsync)': ratio(d('gate allow -> rsync (EOF)'), d('rrsync allow -> rsync (EOF)')),
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
      met:
        d('gate deny  . ../../etc/') < d('rrsync deny . ../../etc/') && d('gate allow -> rsync (EOF)') < d('rrsync allow -> rsync (EOF)'),
      detail: `deny ${d('gate deny  . ../../etc/')} vs ${d('rrsync deny . ../../etc/')} ms, allow ${d('gate allow -> rsync (EOF)')} vs ${d('rrsync allow -> rsync (EOF)')} ms`,
    },
    rssWithinLimit: {
      met: gateRss <= RSS_LIMIT_MB,
      detail: `gate peak ${gateRss} MB`,
    },
    pushNoSlowerThanRrsync: {
      met: p('gate') <= p('rrsync'),
      detail: `gate ${p('gate')} vs rrsync ${p('rrsync')} ms`,
    },
  };
  return { ratios, targets };
}

function printReport(results) {
  const { decisions, rss, pushes, ratios, targets, sandbox } = results;
  console.log(`\nDecision time, ms (${DECISION_RUNS} runs each, interleaved; clean env like sshd's; stdin /dev/null)`);
  console.log(
    table(
      ['row', 'median', 'p90', 'min', 'exit'],
      decisions.map((r) => [r.label, r.median.toFixed(1), r.p90.toFixed(1), r.min.toFixed(1), r.exit]),
    ),
  );
  console.log(`\nPeak RSS, MB (max of ${RSS_RUNS} runs under ${TOOLS.time} -f %M; limit for the gate ${RSS_LIMIT_MB} MB)`);
  console.log(
    table(
      ['row', 'peak MB', 'flag'],
      rss.map((r) => [r.label, r.peakMB.toFixed(1), r.overLimit ? 'OVER LIMIT' : '']),
    ),
  );
  console.log(`\nssh push of ${ZONE_FILES} unchanged zone files, ms (${PUSH_RUNS} runs each, interleaved; rsync -a --delete)`);
  console.log(
    table(
      ['variant', 'median', 'p90', 'min'],
      pushes.map((r) => [r.label, r.median.toFixed(1), r.p90.toFixed(1), r.min.toFixed(1)]),
    ),
  );
  if (!sandbox.ok) console.log(`\n(sandbox rows skipped: ${sandbox.reason})`);
  console.log('\nRatios of medians');
  console.log(
    table(
      ['ratio', 'x'],
      Object.entries(ratios).map(([k, v]) => [k, v.toFixed(2)]),
    ),
  );
  console.log('\nTargets');
  const verdict = ({ met }) => (met ? 'yes' : 'NO');
  console.log(
    table(
      ['target', 'met', 'medians'],
      [
        ['gate decision below rrsync (deny and allow)', verdict(targets.decisionBelowRrsync), targets.decisionBelowRrsync.detail],
        [`gate peak RSS <= ${RSS_LIMIT_MB} MB`, verdict(targets.rssWithinLimit), targets.rssWithinLimit.detail],
        ['gate push no slower than rrsync push', verdict(targets.pushNoSlowerThanRrsync), targets.pushNoSlowerThanRrsync.detail],
      ],
    ),
  );
}

/** dist/ is shared with whoever else builds in this checkout: note which bundle was measured. */
function bundleVersion() {
  const stat = statSync(BUNDLE);
  return { bytes: stat.size, mtime: stat.mtime.toISOString() };
}

function environment(bundle) {
  const version = (file, args) => run(file, args).stdout?.split('\n')[0]?.trim();
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

function writeResults(results) {
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${RESULTS}`);
}

// ---------------------------------------------------------------------------------------------
// Main

function cleanup() {
  for (const pid of state.children) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  state.children.clear();
  if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  state.dir = undefined;
}

async function main() {
  checkTools();
  ensureBuilt();
  const bundle = bundleVersion();
  const ws = makeWorkspace();
  const fakeRsync = writeFakeRsync(ws);
  const stub = writeStub(ws);
  const keys = Object.fromEntries(['plain', 'stub', 'rrsync', 'gate', 'sandbox'].map((name) => [name, keygen(ws, name)]));
  const base = { publicKey: keys.gate.pub, root: ws.zones };
  const configs = {
    real: writeConfig(ws, 'real', {
      ...base,
      rsync: TOOLS.rsync,
      sandbox: 'off',
    }),
    fake: writeConfig(ws, 'fake', {
      ...base,
      rsync: fakeRsync,
      sandbox: 'off',
    }),
    fakeSandbox: writeConfig(ws, 'fake-sandbox', {
      ...base,
      rsync: fakeRsync,
      sandbox: 'required',
    }),
    realSandbox: writeConfig(ws, 'real-sandbox', {
      ...base,
      rsync: TOOLS.rsync,
      sandbox: 'required',
    }),
    push: writeConfig(ws, 'push', {
      ...base,
      rsync: TOOLS.rsync,
      sandbox: 'off',
    }),
    pushSandbox: writeConfig(ws, 'push-sandbox', {
      publicKey: keys.sandbox.pub,
      root: ws.zonesSandbox,
      rsync: TOOLS.rsync,
      sandbox: 'required',
    }),
  };
  const sandbox = probeSandbox(ws, configs.fakeSandbox);

  console.log(`zonegate gate benchmark: ${GATE} (node ${process.version}, ${cpus().length} cpus)`);
  console.log('timing decisions...');
  const rows = decisionRows(ws, configs, sandbox);
  const decisions = await benchDecisions(ws, rows);
  console.log('measuring peak RSS...');
  const rssRows = rows.filter((r) => !r.label.startsWith('rsync --server'));
  const rss = await measureRss(ws, rssRows);

  console.log(`pushing ${ZONE_FILES} zone files over ssh...`);
  writeZones(ws.source, ZONE_FILES);
  const variants = pushVariants(ws, keys, configs, stub, sandbox);
  const sshd = await startSshd(
    ws,
    variants.map((v) => v.line),
  );
  const pushes = await benchPushes(ws, sshd, variants);

  const rebuilt = bundleVersion().mtime !== bundle.mtime;
  const results = {
    environment: environment({ ...bundle, rebuiltDuringRun: rebuilt }),
    sandbox,
    decisions,
    rss,
    pushes,
    ...computeRatios(decisions, rss, pushes),
  };
  printReport(results);
  if (rebuilt) console.log('\nWARNING: dist/gate.cjs was rebuilt during the run; the rows may mix two bundles. Run again.');
  writeResults(results);
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(signal, () => {
    console.error(`bench-gate: ${signal}, cleaning up`);
    cleanup();
    process.exit(code);
  });
}
process.on('exit', cleanup);

try {
  await main();
} catch (error) {
  console.error(`bench-gate: ${error instanceof BenchError ? error.message : (error?.stack ?? error)}`);
  process.exitCode = 1;
} finally {
  cleanup();
}
