// Damaged state and release records, with the real rsync client, the built gate and a real named:
// state.json emptied or cut short, a release manifest truncated. Each is detected, kept aside,
// shown by `zonegate releases` (and the health reader `zonegate status` uses), never pruned
// silently, and the next push or rollback works from what is still on disk. The "stale serial with
// everything green" case: a gate killed after the swap but before the reload, then state.json lost,
// used to leave named serving the old serial through later pushes that all said "unchanged".
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readZoneSetHealth } from '../../src/zoneset/health.js';
import { zonegate } from '../helpers/admin-cli.js';
import { soaZone } from '../lab/zones.js';
import { startZoneSetLab, type ZoneSetLab } from '../helpers/zoneset-lab.js';
import { zoneSource } from '../lab/zones.js';

let lab: ZoneSetLab;
const stateFile = (name: string): string => join(lab.root(name), '.zonegate/state.json');

beforeAll(async () => {
  lab = await startZoneSetLab([{ name: 'dmg' }, { name: 'keep1', settings: { keep: 1 } }]);
});

afterAll(async () => {
  await lab.stop();
});

describe('a lost journal never leaves a stale zone served', () => {
  it.each([
    ['truncated to 0 bytes', '', 'empty (0 bytes)'],
    ['cut short (broken JSON)', '{"release": "2026', 'not valid JSON'],
  ])('state.json %s after a gate was killed between the swap and the reload', async (_what, damaged, problem) => {
    const base = (await lab.named.serial('a.dmg')) ?? 0;
    expect(lab.push('dmg', zoneSource({ 'a.dmg': base + 1, 'b.dmg': 1 })).status).toBe(0);
    const source = zoneSource({ 'a.dmg': base + 2, 'b.dmg': 1 });
    const killed = lab.push('dmg', source, { fault: 'kill:swapped' });
    expect(killed.status).not.toBe(0);
    // Live has the new zone, named the old one, and the journal that owed the reload is gone.
    expect(lab.live('dmg')['db.a.dmg']).toBe(soaZone('a.dmg', base + 2));
    expect(await lab.named.serial('a.dmg')).toBe(base + 1);
    writeFileSync(stateFile('dmg'), damaged);
    // Seen before any push: `releases` and the status reader say so.
    const listed = await zonegate(['releases', 'dmg', '--config', lab.config]);
    expect(listed.stdout).toContain(`! state.json is damaged (${problem}`);
    expect(readZoneSetHealth(lab.root('dmg')).stateDamage).toContain(problem);
    const nagios = await zonegate(['status', '--config', lab.config, '--nagios']);
    expect(nagios.stdout).toContain(`zone set dmg: state.json is damaged (${problem}`);
    expect(nagios.exitCode).toBeGreaterThanOrEqual(1);
    // The primary pushes the same tree again: nothing to promote, but the stale zone is found and reloaded.
    const next = lab.push('dmg', source);
    expect(next.status).toBe(0);
    expect(next.stderr).toContain(`zonegate: zone set dmg: state.json was damaged (${problem}`);
    expect(next.stderr).toContain('the server served an old serial of a.dmg; reloaded, now in step');
    expect(await lab.named.serial('a.dmg')).toBe(base + 2);
    // Kept aside, recorded, shown.
    expect(readFileSync(`${stateFile('dmg')}.damaged`, 'utf8')).toBe(damaged);
    const health = readZoneSetHealth(lab.root('dmg'));
    expect(health.stateDamage).toBeUndefined();
    expect(health.lastDamage).toMatchObject({ what: 'state.json', problem: expect.stringContaining(problem) as unknown });
    expect(health.servedCheck).toMatchObject({ reloaded: ['a.dmg'], stale: [] });
    const after = await zonegate(['releases', 'dmg', '--config', lab.config]);
    expect(after.stdout).toMatch(/! state\.json was found damaged at \S+ \(.+\): kept as .+state\.json\.damaged/);
    const status = JSON.parse((await zonegate(['status', '--config', lab.config, '--json'])).stdout) as {
      zoneSets: { name: string; damage: string[] }[];
    };
    expect(status.zoneSets.find((set) => set.name === 'dmg')?.damage).toEqual([]);
    // And the pushes after it are ordinary.
    const again = lab.push('dmg', zoneSource({ 'a.dmg': base + 3, 'b.dmg': 1 }));
    expect(again.status).toBe(0);
    expect(await lab.named.serial('a.dmg')).toBe(base + 3);
  });
});

describe('a journal lost without a trace', () => {
  it('state.json deleted after a kill between swap and reload: the recent releases check finds the stale zone', async () => {
    const base = (await lab.named.serial('a.dmg')) ?? 0;
    const source = zoneSource({ 'a.dmg': base + 1, 'b.dmg': 1 });
    expect(lab.push('dmg', source, { fault: 'kill:swapped' }).status).not.toBe(0);
    expect(await lab.named.serial('a.dmg')).toBe(base);
    rmSync(stateFile('dmg'));
    // A missing state file is a new zone set, not damage: only the served check can notice.
    const next = lab.push('dmg', source);
    expect(next.status).toBe(0);
    expect(next.stderr).toContain('the server served an old serial of a.dmg; reloaded, now in step');
    expect(await lab.named.serial('a.dmg')).toBe(base + 1);
  });

  it('a push that changes another zone still finds it, and does not ask again for the zone it just verified', async () => {
    const [a, b] = [(await lab.named.serial('a.dmg')) ?? 0, (await lab.named.serial('b.dmg')) ?? 0];
    expect(lab.push('dmg', zoneSource({ 'a.dmg': a + 1, 'b.dmg': b }), { fault: 'kill:swapped' }).status).not.toBe(0);
    expect(await lab.named.serial('a.dmg')).toBe(a);
    rmSync(stateFile('dmg'));
    // Only b.dmg changes: verify proves it served; the served check samples the releases before
    // this one (the killed push's among them) and finds a.dmg stale.
    const next = lab.push('dmg', zoneSource({ 'a.dmg': a + 1, 'b.dmg': b + 1 }));
    expect(next.status).toBe(0);
    expect(next.stderr).toMatch(/release \S+ is live: 1 changed, 0 added, 0 removed/);
    expect(next.stderr).toContain('the server served an old serial of a.dmg; reloaded, now in step');
    expect([await lab.named.serial('a.dmg'), await lab.named.serial('b.dmg')]).toEqual([a + 1, b + 1]);
    const finished = lab.records().filter((record) => record['event'] === 'finished' && record['outcome'] === 'promoted');
    // Compared: a.dmg alone, not b.dmg, which this push's verify had just seen served at b + 1.
    expect(finished.at(-1)?.['servedCheck']).toMatchObject({ checked: 1, reloaded: ['a.dmg'], stale: [] });
  });
});

describe('a damaged release manifest', () => {
  it('is listed as damaged, never pruned, and the rollback works from its previous/', async () => {
    expect(lab.push('keep1', zoneSource({ 'a.keep1': 1, 'b.keep1': 1 })).status).toBe(0);
    expect(lab.push('keep1', zoneSource({ 'a.keep1': 2, 'b.keep1': 1 })).status).toBe(0);
    const releases = join(lab.root('keep1'), 'releases');
    // keep: 1, so only the live release is left; its manifest is then truncated.
    const [live] = readdirSync(releases);
    expect(readdirSync(releases)).toHaveLength(1);
    writeFileSync(join(releases, live ?? '', 'manifest.json'), '');
    const listed = await zonegate(['releases', 'keep1', '--config', lab.config]);
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout).toContain(`! ${live ?? ''}  damaged: manifest.json is empty (0 bytes)`);
    const json = await zonegate(['releases', 'keep1', '--config', lab.config, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ zoneSets: [{ damaged: [{ id: live, problem: 'manifest.json is empty (0 bytes)' }] }] });
    expect(readZoneSetHealth(lab.root('keep1')).damagedReleases).toEqual([{ id: live, problem: 'manifest.json is empty (0 bytes)' }]);
    // A rollback to "before the live release" uses what its previous/ holds.
    const rollback = await zonegate(['rollback', 'keep1', '--config', lab.config]);
    expect(rollback.stderr).toBe('');
    expect(rollback.exitCode).toBe(0);
    expect(await lab.named.serial('a.keep1')).toBe(1);
    // Pushes after it prune complete releases beyond keep, never the damaged one.
    expect(lab.push('keep1', zoneSource({ 'a.keep1': 3, 'b.keep1': 1 })).status).toBe(0);
    expect(lab.push('keep1', zoneSource({ 'a.keep1': 4, 'b.keep1': 1 })).status).toBe(0);
    expect(await lab.named.serial('a.keep1')).toBe(4);
    expect(existsSync(join(releases, live ?? ''))).toBe(true);
  });
});
