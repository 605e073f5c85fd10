// The fault matrix: a push killed at every step of the engine, and a write failing with ENOSPC at
// every step (src/zoneset/fault.ts, ZONEGATE_FAULT, which only fake-ssh passes on), against the
// real rsync client, the built gate and a real named. After each fault: the live tree is one whole
// release (the old one or the new one, never a mix), named serves the old or the new serial, and
// the next ordinary push, with no manual step, lands: named serves its serial, the spare matches
// the live tree and is not marked, and .trash is empty.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { soaZone } from '../lab/zones.js';
import { spareMatchesLive, startZoneSetLab, type ZoneSetLab } from '../helpers/zoneset-lab.js';
import { zoneSource } from '../lab/zones.js';

let lab: ZoneSetLab;
let serial = 1;

/** Every fault point in the order a promoting push reaches it (spare-link: only when relinking). */
const POINTS = [
  'locked',
  'spare-link',
  'opened',
  'prepared',
  'received',
  'validated',
  'release-recording',
  'journaling',
  'journaled',
  'swapped',
  'promoted',
  'reloaded',
  'verified',
  // Between the spare's unlink and link of a name (spare.ts mirrorFiles): the name is missing
  // from a spare still marked dirty, which the next push relinks whole.
  'mirror-unlinked',
  'mirror-link',
  'settled',
  'served-checked',
];

const zones = (n: number): Record<string, number> => ({ 'a.fault': n, 'b.fault': 1, 'c.fault': n });

async function expectWhole(before: number, after: number): Promise<void> {
  const live = lab.live('fault');
  const served = await lab.named.serial('a.fault');
  // One release or the other, never a mix of the two: a.fault and c.fault always move together.
  expect([live['db.a.fault'], live['db.c.fault']]).toSatisfy(
    (pair: (string | undefined)[]) =>
      (pair[0] === soaZone('a.fault', before) && pair[1] === soaZone('c.fault', before)) ||
      (pair[0] === soaZone('a.fault', after) && pair[1] === soaZone('c.fault', after)),
  );
  expect([before, after]).toContain(served);
}

async function expectNextPushLands(): Promise<void> {
  serial += 1;
  const result = lab.push('fault', zoneSource(zones(serial)));
  expect(result.stderr).not.toMatch(/refused|failed/);
  expect(result.status).toBe(0);
  expect(await lab.named.serial('a.fault')).toBe(serial);
  expect(await lab.named.serial('c.fault')).toBe(serial);
  expect(lab.live('fault')['db.a.fault']).toBe(soaZone('a.fault', serial));
  expect(spareMatchesLive(lab, 'fault')).toBe(true);
  expect(existsSync(join(lab.root('fault'), '.zonegate/spare-dirty'))).toBe(false);
  const trash = join(lab.root('fault'), '.trash');
  // Emptied in the background after each push, and at the latest before the next one writes.
  const next = lab.push('fault', zoneSource(zones(serial)));
  expect(next.status).toBe(0);
  expect(readdirSync(trash).length).toBeLessThanOrEqual(2);
}

beforeAll(async () => {
  lab = await startZoneSetLab([{ name: 'fault' }, { name: 'full', tmpfs: 'size=2m,nr_inodes=400' }]);
  expect(lab.push('fault', zoneSource(zones(serial))).status).toBe(0);
});

afterAll(async () => {
  await lab.stop();
});

describe('a gate killed at every step', () => {
  it.each(POINTS)('kill at %s: the live tree is whole, and the next push recovers by itself', async (point) => {
    if (point === 'spare-link') writeFileSync(join(lab.root('fault'), '.zonegate/spare-dirty'), 'test: relink\n');
    const before = serial;
    const killed = lab.push('fault', zoneSource(zones(serial + 1)), { fault: `kill:${point}` });
    expect(killed.status).not.toBe(0);
    await expectWhole(before, before + 1);
    serial += 1; // the next push must move past whatever the killed one may have made live
    await expectNextPushLands();
  });
});

describe('ENOSPC at every step', () => {
  it.each(POINTS)('ENOSPC at %s: refused or finished, never half-done; the next push recovers by itself', async (point) => {
    if (point === 'spare-link') writeFileSync(join(lab.root('fault'), '.zonegate/spare-dirty'), 'test: relink\n');
    const before = serial;
    const result = lab.push('fault', zoneSource(zones(serial + 1)), { fault: `enospc:${point}` });
    // Never a crash (70): a refusal with its reason, or a push that still landed (a tidy-up step failed).
    expect(result.status).not.toBe(70);
    if (result.status !== 0) expect(result.stderr).toMatch(/zonegate: (?:zone set fault: |denied: ).*(?:ENOSPC|no space)/i);
    await expectWhole(before, before + 1);
    serial += 1;
    await expectNextPushLands();
  });
});

describe('a real full disk (tmpfs)', () => {
  const root = (): string => lab.root('full');
  let full = 1;
  const small = (n: number): Record<string, number> => ({ 'a.full': n, 'b.full': 1 });

  it('first push lands', async () => {
    expect(lab.push('full', zoneSource(small(full))).status).toBe(0);
    expect(await lab.named.serial('a.full')).toBe(1);
  });

  it('too little room before the push: refused up front with exit 89 and why; the push after the disk is freed lands', async () => {
    const ballast = join(root(), 'ballast');
    writeFileSync(ballast, Buffer.alloc(1024 * 1024 + 512 * 1024));
    const before = lab.live('full');
    const result = lab.push('full', zoneSource(small(full + 1)));
    expect(result.stderr).toMatch(/not enough room for a push to zone set full \([\d.]+ MiB free, [\d.]+ MiB needed\)/);
    expect(lab.live('full')).toEqual(before);
    expect(await lab.named.serial('a.full')).toBe(full);
    const { rmSync } = await import('node:fs');
    rmSync(ballast);
    full += 1;
    expect(lab.push('full', zoneSource(small(full))).status).toBe(0);
    expect(await lab.named.serial('a.full')).toBe(full);
  });

  it('the disk fills during rsync: refused, nothing left behind, and the next push (without the big zone) lands', async () => {
    const source = zoneSource(small(full + 1));
    writeFileSync(join(source, 'db.big.full'), `${soaZone('big.full', 1)};${'x'.repeat(3 * 1024 * 1024)}\n`);
    const before = lab.live('full');
    const result = lab.push('full', source);
    expect(result.status).not.toBe(0);
    expect(lab.live('full')).toEqual(before);
    expect(await lab.named.serial('a.full')).toBe(full);
    full += 1;
    const next = lab.push('full', zoneSource(small(full)));
    expect(next.stderr).not.toMatch(/refused|failed/);
    expect(next.status).toBe(0);
    expect(await lab.named.serial('a.full')).toBe(full);
    expect(spareMatchesLive(lab, 'full')).toBe(true);
    expect(readdirSync(join(root(), '.trash')).length).toBeLessThanOrEqual(1);
  });

  it('no inodes left before the push: refused with exit 89; after they are freed the push lands', async () => {
    const ballast = join(root(), 'inodes');
    const { mkdirSync, rmSync, statfsSync } = await import('node:fs');
    mkdirSync(ballast);
    for (let index = 0; statfsSync(root()).ffree > 20; index++) writeFileSync(join(ballast, String(index)), '');
    const before = lab.live('full');
    const result = lab.push('full', zoneSource(small(full + 1)));
    expect(result.stderr).toMatch(/not enough room for a push to zone set full \(\d+ inodes free, \d+ needed\)/);
    expect(lab.live('full')).toEqual(before);
    rmSync(ballast, { recursive: true });
    full += 1;
    expect(lab.push('full', zoneSource(small(full))).status).toBe(0);
    expect(await lab.named.serial('a.full')).toBe(full);
  });

  it('the inodes run out during rsync (many new zones): refused, and the next push lands', async () => {
    const { statfsSync } = await import('node:fs');
    const many: Record<string, number> = small(full + 1);
    for (let index = 0; index < statfsSync(root()).ffree + 10; index++) many[`z${String(index)}.full`] = 1;
    const before = lab.live('full');
    const result = lab.push('full', zoneSource(many));
    expect(result.status).not.toBe(0);
    expect(lab.live('full')).toEqual(before);
    // What rsync managed to write is gone with the failed push: the inodes are free again at once.
    expect(statfsSync(root()).ffree).toBeGreaterThan(100);
    full += 1;
    const next = lab.push('full', zoneSource(small(full)));
    expect(next.stderr).not.toMatch(/refused|failed/);
    expect(next.status).toBe(0);
    expect(await lab.named.serial('a.full')).toBe(full);
    expect(readFileSync(join(root(), 'current', 'db.a.full'), 'utf8')).toBe(soaZone('a.full', full));
  });
});
