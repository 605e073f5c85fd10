// What the gate loads on its way to a decision. It starts on every SSH connection, and the Node
// modules below each cost milliseconds of CPU that rrsync (Python, exec'ing rsync) never spends:
// node:crypto ~3 ms, node:child_process with node:net and the stream stack ~5 ms, process.stderr
// (streams) ~1.6 ms (scripts/bench-gate.ts). The checks read Node's own list of loaded modules
// rather than time anything, so they hold on a busy machine and fail when a change pulls one back.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_RSYNC, GATE, makeWorld, type GateWorld } from '../helpers/gate.js';
import { makeKeyPair } from '../lab/keys.js';
import { SSH_KEYGEN } from '../lab/tools.js';

const UPLOAD = 'rsync --server -logDtpre.iLsfxCIvu . external/';
const REFUSED = 'rsync --server -logDtpre.iLsfxCIvu . ../../etc/';
const EXPENSIVE = ['crypto', 'child_process', 'net', 'stream'];
// Smaller, and not needed to refuse: node:module with the ESM loader (createRequire, ~0.4 ms),
// node:util's parseArgs (its internal modules, ~0.7 ms; gate-argv.ts parses by hand), node:os
// (~0.13 ms; only a run needs its signal numbers, start-child.ts).
const NOT_TO_REFUSE = ['module', 'internal/modules/esm/loader', 'internal/util/parse_args/parse_args', 'os'];

/** Runs the built gate as sshd would and returns its exit status and the Node modules it loaded. */
function loadedModules(
  world: GateWorld,
  command: string,
  gateArgs = ['--config', world.config, '--key', 'ns1'],
): { status: number | null; stderr: string; modules: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'zonegate-startup-'));
  const out = join(dir, 'modules.json');
  const preload = join(dir, 'record-modules.cjs');
  writeFileSync(
    preload,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.moduleLoadList)));\n`,
  );
  const result = spawnSync(process.execPath, ['--require', preload, GATE, ...gateArgs], {
    env: { PATH: '/usr/bin:/bin', SSH_CONNECTION: '127.0.0.1 50000 127.0.0.1 22', SSH_ORIGINAL_COMMAND: command },
    encoding: 'utf8',
    input: '',
  });
  const list = JSON.parse(readFileSync(out, 'utf8')) as string[];
  const modules = list.filter((entry) => entry.startsWith('NativeModule ')).map((entry) => entry.slice('NativeModule '.length));
  return { status: result.status, stderr: result.stderr, modules };
}

describe('gate start-up', () => {
  it('refuses without loading crypto, child_process, net or streams', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    const run = loadedModules(world, REFUSED);
    expect(run.status).toBe(77);
    expect(run.stderr).toMatch(/^zonegate: denied: /);
    expect(run.modules.filter((name) => EXPENSIVE.includes(name))).toEqual([]);
    expect(run.modules.filter((name) => NOT_TO_REFUSE.includes(name))).toEqual([]);
  });

  it('refuses a bad command= argv (78) without parseArgs either', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    const run = loadedModules(world, REFUSED, ['--key', 'ns1', '--bogus']);
    expect(run.status).toBe(78);
    expect(run.modules.filter((name) => NOT_TO_REFUSE.includes(name))).toEqual([]);
    expect(world.readLog()).toEqual([]);
  });

  it('runs an allowed upload without loading them either, once it knows what rsync supports', () => {
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off' });
    // The first connection probes `rsync --help` (child_process) and caches the answer in the state dir.
    expect(loadedModules(world, UPLOAD).modules).toContain('child_process');
    const run = loadedModules(world, UPLOAD);
    expect(run.status).toBe(0);
    expect(run.modules.filter((name) => EXPENSIVE.includes(name))).toEqual([]);
    // The check can fail: the list it reads does name modules the gate loads (a run needs node:os).
    expect(run.modules).toContain('fs');
    expect(run.modules).toContain('os');
  });

  it('logs the key fingerprint ssh-keygen -l prints, hashed without node:crypto', async () => {
    const pair = await makeKeyPair(mkdtempSync(join(tmpdir(), 'zonegate-fp-')), 'fp');
    const printed = execFileSync(SSH_KEYGEN, ['-l', '-E', 'sha256', '-f', pair.publicKey], { encoding: 'utf8' }).split(' ')[1];
    expect(printed).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const world = makeWorld({ rsync: FAKE_RSYNC, sandbox: 'off', publicKey: pair.line });
    expect(loadedModules(world, UPLOAD).status).toBe(0);
    expect(world.readLog().find((record) => record['event'] === 'decision')?.['fingerprint']).toBe(printed);
  });
});
