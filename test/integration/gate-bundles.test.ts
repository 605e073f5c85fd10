// The gate is two bundles: dist/gate.cjs decides every request, and dist/gate-zoneset.cjs (the
// zone-set engine) is loaded only for an allowed zone-set upload. Each bundle has its own copy of
// the error classes, so these pushes through the built gate (real rsync, fake-ssh, a real named)
// check that a refusal raised in the second bundle keeps its own exit code, client line and audit
// record in the first, instead of becoming an internal error (exit 70).
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonegate } from '../helpers/admin-cli.js';
import { GATE } from '../helpers/gate.js';
import { startZoneSetLab, type ZoneSetLab } from '../helpers/zoneset-lab.js';
import { soaZone, zoneSource } from '../lab/zones.js';

let lab: ZoneSetLab;
const ZONES = { 'a.bun': 5, 'b.bun': 5 };

beforeAll(async () => {
  lab = await startZoneSetLab([{ name: 'bun' }]);
  const first = lab.push('bun', zoneSource(ZONES));
  expect(first.stderr).toMatch(/zone set bun: release \S+ is live: 0 changed, 2 added/);
  expect(first.status).toBe(0);
  expect(await lab.named.serial('a.bun')).toBe(5);
}, 120_000);

afterAll(async () => {
  await lab.stop();
});

/** The built gate run as sshd runs it, for a zone-set upload into the lab's set (stdin at EOF). */
function runGate(): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [GATE, '--config', lab.config, '--key', 'bun'], {
    env: {
      PATH: '/usr/bin:/bin',
      SSH_CONNECTION: '127.0.0.1 50000 127.0.0.1 22',
      SSH_ORIGINAL_COMMAND: `rsync --server -lDtpre.iLsfxCIvu --delete . ${lab.root('bun')}/`,
    },
    encoding: 'utf8',
    input: '',
  });
  return { status: result.status, stderr: result.stderr };
}

describe('a zone-set refusal raised in dist/gate-zoneset.cjs', () => {
  it('thrown across into dist/gate.cjs (a held set): exit 92, its own client line and deny record', async () => {
    const held = await zonegate(['hold', 'bun', '--config', lab.config, '--reason', 'bundle test']);
    expect(held.exitCode).toBe(0);
    const before = lab.live('bun');
    try {
      const run = runGate();
      expect(run.stderr).toMatch(/^zonegate: denied: zone set bun is held on this secondary since \S+: bundle test; /);
      expect(run.stderr).toMatch(/\nzonegate: exit 92\n$/);
      expect(run.status).toBe(92);
      const record = lab.records().at(-1);
      expect(record).toMatchObject({ event: 'decision', verdict: 'deny', key: 'bun', reason: 'zoneset-held' });
      // Nothing changed: the live tree and what named serves.
      expect(lab.live('bun')).toEqual(before);
      expect(await lab.named.serial('a.bun')).toBe(5);
    } finally {
      expect((await zonegate(['unhold', 'bun', '--config', lab.config])).exitCode).toBe(0);
    }
  });

  it('caught inside it (a zone outside the set): exit 90 on the exit line, its refused record', async () => {
    // attack: the pushing key adds a zone its set may not hold (zoneSet.zones), to serve example.com.
    const before = lab.live('bun');
    const pushed = lab.push('bun', zoneSource({ ...ZONES, 'a.bun': 6, 'example.com': soaZone('example.com', 1) }));
    expect(pushed.stderr).toMatch(/zonegate: zone set bun: push refused: the push would add zone example\.com/);
    expect(pushed.stderr).toMatch(/\nzonegate: exit 90\n/);
    expect(pushed.status).not.toBe(0);
    const finished = lab.records().filter((record) => record['event'] === 'finished');
    expect(finished.at(-1)).toMatchObject({ zoneSet: 'bun', status: 90, outcome: 'refused', reason: 'zone-not-allowed' });
    expect(lab.live('bun')).toEqual(before);
    expect(await lab.named.serial('a.bun')).toBe(5);
    expect(await lab.named.serial('example.com')).toBeUndefined();
  });

  it('and an allowed push through both bundles goes live', async () => {
    const pushed = lab.push('bun', zoneSource({ ...ZONES, 'a.bun': 7 }));
    expect(pushed.status).toBe(0);
    expect(await lab.named.serial('a.bun')).toBe(7);
  });
});
