// Helpers for integration tests that run the built gate as sshd would.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeEd25519PublicKey } from '../lab/keys.js';
import { PROJECT } from '../lab/paths.js';
import { requireTool } from '../lab/tools.js';

export { PROJECT };
export const GATE = join(PROJECT, 'bin/gate.cjs');
export const ADMIN = join(PROJECT, 'bin/admin.js');
export const FAKE_SSH = join(PROJECT, 'test/fixtures/fake-ssh');
export const FAKE_RSYNC = join(PROJECT, 'test/fixtures/fake-rsync');

/** Fails loudly, with the install line, when a real program the tests need is missing (a bare name is looked for in /usr/bin). */
export function requireProgram(path: string, debianPackage: string): void {
  requireTool(path.startsWith('/') ? path : `/usr/bin/${path}`, debianPackage);
}

export interface GateWorld {
  dir: string;
  root: string;
  config: string;
  log: string;
  stateDir: string;
  readLog(): Record<string, unknown>[];
}

export interface WorldOptions {
  rsync?: string;
  sandbox?: 'required' | 'auto' | 'off';
  rules?: unknown[];
  from?: string[];
  publicKey?: string;
  /** keys.ns1.expiry */
  expiry?: string;
}

/** A temp dir with a zone root, a config for key "ns1" and an audit log path. */
export function makeWorld(options: WorldOptions = {}): GateWorld {
  const dir = mkdtempSync(join(tmpdir(), 'zonegate-it-'));
  const root = join(dir, 'zones');
  mkdirSync(join(root, 'external'), { recursive: true });
  mkdirSync(join(root, 'internal'), { recursive: true });
  const log = join(dir, 'gate.log');
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir, { mode: 0o700 });
  const config = join(dir, 'zonegate.conf');
  const rules = options.rules ?? [
    { direction: 'upload', root, paths: ['external/**'], delete: true },
    { direction: 'download', root, paths: ['external/**'] },
  ];
  const policy = {
    gate: { rsync: options.rsync ?? '/usr/bin/rsync', log, stateDir, sandbox: options.sandbox ?? 'required' },
    keys: {
      ns1: {
        publicKey: options.publicKey ?? fakeEd25519PublicKey(),
        from: options.from ?? ['127.0.0.1'],
        ...(options.expiry === undefined ? {} : { expiry: options.expiry }),
        rules,
      },
    },
  };
  writeFileSync(config, `// written by the test\n${JSON.stringify(policy, null, 2)}\n`, { mode: 0o600 });
  return {
    dir,
    root,
    config,
    log,
    stateDir,
    readLog: () => {
      try {
        return readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>);
      } catch {
        return [];
      }
    },
  };
}

export interface GateRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the gate once the way sshd would: bare environment, the command in SSH_ORIGINAL_COMMAND. */
export function runGateProcess(
  world: GateWorld,
  command: string | undefined,
  extra: { key?: string; client?: string; env?: Record<string, string> } = {},
): GateRun {
  const env: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    SSH_CONNECTION: `${extra.client ?? '127.0.0.1'} 50000 127.0.0.1 22`,
    ...extra.env,
  };
  if (command !== undefined) env['SSH_ORIGINAL_COMMAND'] = command;
  const result = spawnSync(process.execPath, [GATE, '--config', world.config, '--key', extra.key ?? 'ns1'], {
    env,
    encoding: 'utf8',
    input: '',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The environment test/fixtures/fake-ssh reads: which gate, config and key to run, as which client. */
export function fakeSshEnv(config: string, key: string, client = '127.0.0.1'): Record<string, string> {
  return {
    PATH: '/usr/bin:/bin',
    ZONEGATE_TEST_NODE: process.execPath,
    ZONEGATE_TEST_GATE: GATE,
    ZONEGATE_TEST_CONFIG: config,
    ZONEGATE_TEST_KEY: key,
    ZONEGATE_TEST_CLIENT: client,
  };
}

/** Runs the real rsync client through fake-ssh and the gate. */
export function rsyncThroughGate(world: GateWorld, args: string[], extra: { key?: string; client?: string } = {}): GateRun {
  const env = fakeSshEnv(world.config, extra.key ?? 'ns1', extra.client);
  const result = spawnSync('rsync', ['-e', FAKE_SSH, ...args], { env, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
