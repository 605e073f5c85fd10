// A long random history through the real rsync and the built gate (checker, rndc and verify off, so
// only the zone set's own machinery is under test): zones added, changed, removed, touched (new
// mtime, same bytes) and re-moded, pushed with --delete. After every push the live tree must be the
// primary's tree byte for byte and the spare must match it; afterwards rolling back to any kept
// release must bring back exactly the zones that release made live.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { FAKE_SSH, fakeSshEnv } from '../helpers/gate.js';
import { fakeEd25519PublicKey } from '../helpers/keys.js';
import { soaZone } from '../helpers/named.js';

let base: string;
let root: string;
let source: string;
let config: string;
let log: string;

/** Deterministic, so a failure replays the same history. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const contents = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((file) => [file, readFileSync(join(dir, file), 'utf8')]),
  );

function spareDir(): string {
  return join(root, 'trees', readlinkSync(join(root, 'current')) === 'trees/a' ? 'b' : 'a');
}

function push(): { status: number | null; stderr: string } {
  const result = spawnSync('rsync', ['-e', FAKE_SSH, '-rtp', '--delete', `${source}/`, `secondary:${root}/`], {
    env: fakeSshEnv(config, 'ns1'),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr };
}

function lastFinished(): Record<string, unknown> {
  const records = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return records.filter((record) => record['event'] === 'finished').at(-1) ?? {};
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'zonegate-seq-'));
  root = join(base, 'zones');
  source = join(base, 'primary');
  mkdirSync(root);
  mkdirSync(source);
  log = join(base, 'gate.log');
  config = join(base, 'zonegate.conf');
  const zoneSet = { name: 'seq', checker: false, rndc: false, verify: false, keep: 50, maxDeleteShare: 1 };
  const keys = {
    ns1: {
      publicKey: fakeEd25519PublicKey(),
      from: ['127.0.0.1'],
      rules: [{ direction: 'upload', root, paths: ['**'], delete: true, zoneSet }],
    },
  };
  writeFileSync(config, JSON.stringify({ gate: { log, sandbox: 'auto' }, keys }, null, 2), { mode: 0o600 });
});

describe('a random history of pushes, then rollbacks', () => {
  it('keeps live = primary and spare = live after every push, and rolls back to any release exactly', async () => {
    const random = prng(20261123);
    const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
    const serials = new Map<string, number>();
    // Each step's files get their own second: rsync's quick check compares whole seconds.
    let clock = Math.floor(Date.now() / 1000) - 7200;
    const snapshots = new Map<string, Record<string, string>>();
    for (let step = 0; step < 14; step++) {
      clock += 2;
      const zones = [...serials.keys()];
      const actions =
        step === 0
          ? ['add', 'add', 'add', 'add']
          : Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(['add', 'change', 'change', 'remove', 'touch', 'mode']));
      for (const action of actions) {
        const zone = action === 'add' ? `z${String(step)}-${String(Math.floor(random() * 1e6))}.example` : pick(zones);
        if (zone === undefined) continue;
        const file = join(source, `db.${zone}`);
        if (action === 'remove') {
          rmSync(file, { force: true });
          serials.delete(zone);
        } else if (action === 'touch') {
          if (serials.has(zone)) utimesSync(file, clock, clock);
        } else if (action === 'mode') {
          if (serials.has(zone)) chmodSync(file, random() < 0.5 ? 0o600 : 0o640);
        } else {
          const serial = (serials.get(zone) ?? 0) + 1;
          serials.set(zone, serial);
          writeFileSync(file, soaZone(zone, serial));
          utimesSync(file, clock, clock);
        }
      }
      const result = push();
      expect(result.stderr, `step ${String(step)}: ${actions.join(', ')}`).not.toMatch(/refused|denied/);
      expect(result.status).toBe(0);
      expect(contents(join(root, 'current'))).toEqual(contents(source));
      expect(contents(spareDir())).toEqual(contents(source));
      // Modes pushed with -p reach the live tree with the release they belong to.
      const finished = lastFinished();
      if (finished['outcome'] === 'promoted') {
        for (const file of readdirSync(source))
          expect(statSync(join(root, 'current', file)).mode & 0o777).toBe(statSync(join(source, file)).mode & 0o777);
        snapshots.set(String(finished['release']), contents(source));
      }
    }
    expect(snapshots.size).toBeGreaterThan(5);
    const ids = [...snapshots.keys()];
    for (const target of [ids[0], ids[Math.floor(ids.length / 2)], ids.at(-2), ids[1]]) {
      if (target === undefined) continue;
      const rolled = await zonegate(['rollback', 'seq', '--to', target, '--config', config]);
      expect(rolled.stderr).toBe('');
      expect(rolled.exitCode).toBe(0);
      expect(contents(join(root, 'current'))).toEqual(snapshots.get(target));
      expect(contents(spareDir())).toEqual(snapshots.get(target));
    }
  });
});
