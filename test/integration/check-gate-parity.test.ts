// `zonegate check` predicts the gate: every benign and hostile line of both client fixtures, and five
// symlink attacks, go through the built gate (with the fake rsync) and through `check --batch`, on
// the same config and the same real tree, and must get the same verdict and reason.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, zonegate } from '../helpers/admin-cli.js';
import { GATE, makeWorld, type GateWorld } from '../helpers/gate.js';
import { readSweep } from '../helpers/option-sweep.js';

interface Verdict {
  verdict: string;
  reason?: string;
}

const UPLOAD = 'rsync --server -logDtpre.iLsfxCIvu';
const DOWNLOAD = 'rsync --server --sender -logDtpre.iLsfxCIvu';

const SYMLINK_ATTACKS = [
  // attack: push through an in-tree symlink that points out of the root (relative target).
  `${UPLOAD} . zones/out/`,
  // attack: pull a file through the same symlink.
  `${DOWNLOAD} . zones/out/key`,
  // attack: pull through an in-tree symlink with an absolute target (/etc).
  `${DOWNLOAD} . zones/abs/passwd`,
  // attack: push through a symlink from the allowed tree into a tree the rule does not allow.
  `${UPLOAD} . zones/to-internal/`,
  // attack: a path option (--backup-dir, resolved under the destination) through the escaping symlink.
  `${UPLOAD} -b --backup-dir out . zones/`,
];

/** The allowed tree root/zones with the symlinks the attacks use, a secret outside the root. */
function symlinkWorld(): GateWorld {
  // A shell stand-in for rsync (test/fixtures/fake-rsync is a second node start per allowed run, and
  // this test runs the gate a few hundred times): answers the capability probe, then exits 0.
  const probe = mkdtempSync(join(tmpdir(), 'zonegate-parity-rsync-'));
  const rsync = join(probe, 'rsync');
  writeFileSync(rsync, '#!/bin/sh\n[ "$1" = --help ] && echo \'--confine-root=DIR --drop-D --munge-links\'\nexit 0\n');
  chmodSync(rsync, 0o755);
  const world = makeWorld({ rsync, sandbox: 'off', rules: [] });
  mkdirSync(join(world.root, 'zones/sub'), { recursive: true });
  writeFileSync(join(world.root, 'zones/a'), 'a\n');
  mkdirSync(join(world.dir, 'secret'));
  writeFileSync(join(world.dir, 'secret/key'), 'secret\n');
  symlinkSync('../../secret', join(world.root, 'zones/out'));
  symlinkSync('/etc', join(world.root, 'zones/abs'));
  symlinkSync('../internal', join(world.root, 'zones/to-internal'));
  const config = JSON.parse(readFileSync(world.config, 'utf8').replace(/^\/\/.*\n/, '')) as {
    keys: { ns1: { rules: unknown[] } };
  };
  config.keys.ns1.rules = [
    { direction: 'upload', root: world.root, paths: ['zones/**'], delete: true },
    { direction: 'download', root: world.root, paths: ['zones/**'] },
  ];
  writeFileSync(world.config, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return world;
}

/** Runs the built gate once per command, as sshd would, a few at a time; verdicts from the audit log. */
async function gateVerdicts(world: GateWorld, commands: readonly string[]): Promise<Verdict[]> {
  const refs: (string | undefined)[] = new Array<string | undefined>(commands.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < commands.length; index = next++) {
      const env = { PATH: '/usr/bin:/bin', SSH_CONNECTION: '127.0.0.1 50000 127.0.0.1 22', SSH_ORIGINAL_COMMAND: commands[index] ?? '' };
      const result = await run(process.execPath, [GATE, '--config', world.config, '--key', 'ns1'], { env, timeout: 60_000 });
      // An allowed request ran the fake rsync (exit 0); a refusal names its log record's ref.
      refs[index] = result.exitCode === 0 ? undefined : (/\(ref ([0-9a-f]+)\)/.exec(result.stderr)?.[1] ?? 'missing');
    }
  };
  await Promise.all([worker(), worker()]);
  const denials = new Map(
    world
      .readLog()
      .filter((record) => record['event'] === 'decision' && record['verdict'] === 'deny')
      .map((record) => [String(record['ref']), String(record['reason'])]),
  );
  return refs.map((ref) =>
    ref === undefined ? { verdict: 'allow' } : { verdict: 'deny', reason: denials.get(ref) ?? `no record for ref ${ref}` },
  );
}

async function checkVerdicts(world: GateWorld, commands: readonly string[]): Promise<Verdict[]> {
  const input = commands.map((command) => JSON.stringify({ key: 'ns1', client: '127.0.0.1', command })).join('\n');
  const run = await zonegate(['check', '--config', world.config, '--batch'], { input });
  expect(run.exitCode).toBe(0);
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const answer = JSON.parse(line) as { verdict: string; reason?: string; filesystem?: string };
      // Every tree is on this host, so check must have run the filesystem step for every allow.
      if (answer.verdict === 'allow') expect(answer.filesystem).toBe('checked');
      return answer.verdict === 'allow' ? { verdict: 'allow' } : { verdict: 'deny', reason: String(answer.reason) };
    });
}

describe('check and the gate agree', () => {
  it('on every fixture line and every symlink attack', async () => {
    const world = symlinkWorld();
    const recorded = JSON.parse(readFileSync(new URL('../fixtures/rsync-client-commands.json', import.meta.url), 'utf8')) as {
      command: string;
    }[];
    const swept = readSweep().lines.flatMap((line) => (line.command === null ? [] : [line.command]));
    const commands = [...new Set([...SYMLINK_ATTACKS, ...recorded.map((row) => row.command), ...swept])];
    expect(commands.length).toBeGreaterThan(150);
    const fromCheck = await checkVerdicts(world, commands);
    const fromGate = await gateVerdicts(world, commands);
    const disagreements = commands
      .map((command, index) => ({ command, gate: fromGate[index], check: fromCheck[index] }))
      .filter((row) => JSON.stringify(row.gate) !== JSON.stringify(row.check));
    expect(disagreements).toEqual([]);
    // The attacks are refused by both, for the filesystem reason.
    for (const [index] of SYMLINK_ATTACKS.entries()) expect(fromGate[index]).toEqual({ verdict: 'deny', reason: 'symlink-escape' });
    // Both sides allowed and refused things: the comparison is not vacuous.
    expect(fromGate.filter((v) => v.verdict === 'allow').length).toBeGreaterThan(50);
    expect(fromGate.filter((v) => v.verdict === 'deny').length).toBeGreaterThan(30);
  }, 600_000);
});
