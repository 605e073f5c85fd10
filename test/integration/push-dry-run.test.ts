// `zonegate push --dry-run` through a real sshd, the real gate, rsync and named: the secondary
// receives the push into its spare, checks it as a real push and reports what it would promote,
// then discards it. The live tree, the zone set's state, what named serves and the primary's status
// file stay as they were; a refusal comes back with the exit code a real push gets; a real push
// afterwards reuses the spare. A plain tree (no zone set) gets rsync's own -n.

import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { makeKeyPair } from '../lab/keys.js';
import { startSecondary, type Secondary } from '../lab/secondary.js';
import { bindTool } from '../lab/tools.js';
import { soaZone, writeZoneFile } from '../lab/zones.js';

let dir: string;
let source: string;
let plainSource: string;
let plainRoot: string;
let secondary: Secondary;
let config: string;

const named = (): NonNullable<Secondary['named']> => {
  if (secondary.named === undefined) throw new Error('the secondary has no named');
  return secondary.named;
};

/** What a dry run must leave alone: the live tree's files and bytes, the current link, state and the primary's status. */
function snapshot(): string {
  const current = join(secondary.root, 'current');
  const files = readdirSync(current)
    .sort()
    .map((name) => `${name}:${readFileSync(join(current, name), 'utf8')}`);
  const status = readdirSync(join(dir, 'state')).filter((name) => name.endsWith('.json'));
  return JSON.stringify({
    link: readlinkSync(current),
    files,
    state: readFileSync(join(secondary.root, '.zonegate', 'state.json'), 'utf8'),
    status: status.map((name) => readFileSync(join(dir, 'state', name), 'utf8')),
  });
}

const gateRecords = (): Record<string, unknown>[] =>
  readFileSync(secondary.gateLog, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zonegate-dry-run-'));
  source = join(dir, 'primary', 'zones');
  plainSource = join(dir, 'primary', 'plain');
  mkdirSync(source, { recursive: true });
  mkdirSync(plainSource, { recursive: true });
  for (const zone of ['zone0.example', 'zone1.example']) writeZoneFile(source, `db.${zone}`, soaZone(zone, 2024010100));
  writeFileSync(join(plainSource, 'notes.txt'), 'plain tree\n');
  const key = await makeKeyPair(dir, 'primary_key');
  secondary = await startSecondary({
    name: 'ns2',
    dir: join(dir, 'ns2'),
    clientKey: key.line,
    named: true,
    zoneSet: { checker: [bindTool('named-checkzone')] },
  });
  // A second rule of the same key: a plain tree, where a dry run is rsync's own -n.
  plainRoot = join(dir, 'ns2', 'plain');
  mkdirSync(plainRoot);
  const gateConfig = JSON.parse(readFileSync(secondary.config, 'utf8')) as { keys: { primary: { rules: unknown[] } } };
  gateConfig.keys.primary.rules.push({ direction: 'upload', root: plainRoot, paths: ['**'], delete: false });
  writeFileSync(secondary.config, JSON.stringify(gateConfig), { mode: 0o600 });
  const target = {
    host: '127.0.0.1',
    port: secondary.sshd.port,
    user: secondary.sshd.user,
    identity: key.privateKey,
    knownHosts: secondary.sshd.knownHosts,
    delete: true,
    timeoutSeconds: 60,
    retries: 0,
  };
  config = join(dir, 'primary.conf');
  writeFileSync(
    config,
    JSON.stringify({
      targets: {
        ns2: { ...target, source, destination: `${secondary.root}/`, zoneFile: 'db.{zone}' },
        plain: { ...target, source: plainSource, destination: `${plainRoot}/`, delete: false },
      },
      // Serials only on the primary: the secondary's named-checkzone is the one that refuses.
      push: { stateDir: join(dir, 'state'), logDir: join(dir, 'log'), checker: [] },
    }),
    { mode: 0o600 },
  );
  const first = await zonegate(['push', '--config', config, 'ns2'], { timeout: 120_000 });
  expect(first.exitCode, first.stderr).toBe(0);
  await named().waitForSerial('zone1.example', 2024010100);
});
afterAll(async () => {
  await secondary?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('push --dry-run', () => {
  it('reports a good change with its serials and changes nothing live, in state, in named or in the status file', async () => {
    writeZoneFile(source, 'db.zone1.example', soaZone('zone1.example', 2024010101));
    writeZoneFile(source, 'db.zone2.example', soaZone('zone2.example', 2024010100));
    const before = snapshot();
    const run = await zonegate(['push', '--dry-run', '--config', config, 'ns2'], { timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe(
      [
        'ns2: dry run ok',
        '  zone set ext-ns2: would promote 1 changed, 1 added, 0 removed; nothing was promoted',
        '  changed zone1.example 2024010100 -> 2024010101',
        '  added zone2.example 2024010100',
      ].join('\n'),
    );
    expect(snapshot()).toBe(before);
    expect(await named().serial('zone1.example')).toBe(2024010100);
    expect(await named().serial('zone2.example')).toBeUndefined();
    const records = gateRecords().slice(-2);
    expect(records[0]).toMatchObject({ event: 'decision', verdict: 'allow', dryRun: true, spareRebuilt: false });
    expect(records[1]).toMatchObject({
      event: 'finished',
      outcome: 'dry-run',
      dryRun: true,
      changed: ['zone1.example'],
      added: ['zone2.example'],
    });
  });

  it('a zone the secondary refuses: the dry run reports the refusal with the exit code the real push gets, and nothing changes', async () => {
    // named-checkzone refuses a CNAME beside other data at the apex; the primary checks serials only.
    writeZoneFile(source, 'db.zone3.example', soaZone('zone3.example', 2024010100, '@ IN CNAME zone0.example.'));
    const before = snapshot();
    const dry = await zonegate(['push', '--dry-run', '--config', config, 'ns2'], { timeout: 120_000 });
    expect(dry.exitCode).toBe(2);
    expect(dry.stdout).toMatch(/^ns2: dry run failed \(exit 80\): gate: zone invalid: zone set ext-ns2: push refused: .*zone3\.example/);
    expect(snapshot()).toBe(before);
    const real = await zonegate(['push', '--config', config, 'ns2'], { timeout: 120_000 });
    expect(real.exitCode).toBe(2);
    expect(real.stderr).toMatch(/ns2: failed \(exit 80\): gate: zone invalid/);
    expect(readdirSync(join(secondary.root, 'current'))).not.toContain('db.zone3.example');
    expect(await named().serial('zone1.example')).toBe(2024010100);
  });

  it('a real push afterwards promotes what the dry run reported, into the reused spare', async () => {
    rmSync(join(source, 'db.zone3.example'));
    const run = await zonegate(['push', '--config', config, 'ns2'], { timeout: 120_000 });
    expect(run.exitCode, run.stderr).toBe(0);
    await named().waitForSerial('zone1.example', 2024010101);
    expect(await named().serial('zone2.example')).toBe(2024010100);
    const decision = gateRecords()
      .filter((r) => r['event'] === 'decision')
      .at(-1);
    expect(decision).toMatchObject({ verdict: 'allow', spareRebuilt: false });
    expect(decision?.['dryRun']).toBeUndefined();
  });

  it("a plain tree: rsync's own -n lists what would be sent and nothing is written", async () => {
    const run = await zonegate(['push', '--dry-run', '--config', config, 'plain'], { timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^plain: dry run ok\n/);
    expect(run.stdout).toMatch(/^ {2}<f\+{9} notes\.txt$/m);
    expect(readdirSync(plainRoot)).toEqual([]);
    expect(gateRecords().at(-2)).toMatchObject({ event: 'decision', verdict: 'allow', dryRun: true });
  });
});
