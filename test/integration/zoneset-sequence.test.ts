// A long random history through the real rsync and the built gate (checker, rndc and verify off, so
// only the zone set's own machinery is under test): zones added, changed, removed, touched (new
// mtime, same bytes) and re-moded, pushed with -p --delete. After every push the live tree must be the
// primary's tree byte for byte with the zone set's own mode, and the spare must match it; afterwards rolling back to any kept
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
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { FAKE_SSH, fakeSshEnv } from '../helpers/gate.js';
import { fakeEd25519PublicKey } from '../lab/keys.js';
import { soaZone } from '../lab/zones.js';

let base: string;
let root: string;
let source: string;
let config: string;
let log: string;

/** One primary edit: `pick` chooses among the zones that exist at that step. */
interface Edit {
  action: 'add' | 'change' | 'remove' | 'touch' | 'mode';
  pick: number;
  mode: number;
}

const edit: fc.Arbitrary<Edit> = fc.record({
  action: fc.constantFrom('add', 'change', 'change', 'remove', 'touch', 'mode'),
  pick: fc.nat(),
  mode: fc.constantFrom(0o600, 0o640),
});

/** Four zones first, then 13 steps of 1–4 edits; seeded, so a failure replays the same history. */
const HISTORY: Edit[][] = [
  Array.from({ length: 4 }, (_, pick) => ({ action: 'add' as const, pick, mode: 0o644 })),
  ...(fc.sample(fc.array(fc.array(edit, { minLength: 1, maxLength: 4 }), { minLength: 13, maxLength: 13 }), {
    seed: 20261123,
    numRuns: 1,
  })[0] ?? []),
];

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
  const zoneSet = { name: 'seq', zones: ['*.example'], checker: false, rndc: false, verify: false, keep: 50, maxDeleteShare: 1 };
  const keys = {
    ns1: {
      publicKey: fakeEd25519PublicKey(),
      from: ['127.0.0.1'],
      rules: [{ direction: 'upload', root, paths: ['**'], delete: true, zoneSet }],
    },
  };
  writeFileSync(config, JSON.stringify({ gate: { log, sandbox: 'required' }, keys }, null, 2), { mode: 0o600 });
});

describe('a random history of pushes, then rollbacks', () => {
  it('keeps live = primary and spare = live after every push, and rolls back to any release exactly', async () => {
    const serials = new Map<string, number>();
    // Each step's files get their own second: rsync's quick check compares whole seconds.
    let clock = Math.floor(Date.now() / 1000) - 7200;
    const snapshots = new Map<string, Record<string, string>>();
    for (const [step, edits] of HISTORY.entries()) {
      clock += 2;
      const zones = [...serials.keys()];
      for (const { action, pick, mode } of edits) {
        const zone = action === 'add' ? `z${String(step)}-${String(pick)}.example` : zones[pick % Math.max(1, zones.length)];
        if (zone === undefined) continue;
        const file = join(source, `db.${zone}`);
        if (action === 'remove') {
          rmSync(file, { force: true });
          serials.delete(zone);
        } else if (action === 'touch') {
          if (serials.has(zone)) utimesSync(file, clock, clock);
        } else if (action === 'mode') {
          if (serials.has(zone)) chmodSync(file, mode);
        } else {
          const serial = (serials.get(zone) ?? 0) + 1;
          serials.set(zone, serial);
          writeFileSync(file, soaZone(zone, serial));
          utimesSync(file, clock, clock);
        }
      }
      const result = push();
      expect(result.stderr, `step ${String(step)}: ${edits.map((e) => e.action).join(', ')}`).not.toMatch(/refused|denied/);
      expect(result.status).toBe(0);
      expect(contents(join(root, 'current'))).toEqual(contents(source));
      expect(contents(spareDir())).toEqual(contents(source));
      // Modes pushed with -p never reach the live tree: every live file has the zone set's (0644).
      for (const file of readdirSync(join(root, 'current'))) expect(statSync(join(root, 'current', file)).mode & 0o777).toBe(0o644);
      const finished = lastFinished();
      if (finished['outcome'] === 'promoted') {
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
