// The live serial record (.zonegate/live-serials.json) with real parts: the built gate in bwrap,
// the real rsync client, named-checkconf/named-checkzone and a real named. A live copy the checker
// read when it was pushed is not checked again while its identity (dev, inode, size, mtime) holds;
// an edit by hand, a hostile record or a rollback brings back today's check, and a backwards serial
// is refused every time.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZONESET_DEFAULT_CHECKER } from '../../src/shared/policy/defaults.js';
import { identityOf } from '../../src/zoneset/file-identity.js';
import {
  LIVE_SERIALS_MAX_BYTES,
  liveSerialsFile,
  readLiveSerials,
  serialReader,
  trustedLiveSerials,
} from '../../src/zoneset/live-serials.js';
import { layoutOf } from '../../src/zoneset/layout.js';
import { validateZones } from '../../src/zoneset/validate.js';
import { zonegate } from '../helpers/admin-cli.js';
import { zoneSetSettings } from '../helpers/policy.js';
import { startZoneSetLab, type ZoneSetLab } from '../helpers/zoneset-lab.js';
import { soaZone, zoneSource } from '../lab/zones.js';

const COUNT = 20;
/** The lab's zone sets all use bind and the default checker. */
const READER = serialReader(zoneSetSettings());
let lab: ZoneSetLab;

const zoneName = (i: number, set: string): string => `z${String(i).padStart(2, '0')}.${set}`;
/** Every zone of `set` with `serial` (serials of one test keep their digit count: same sizes). */
const zones = (set: string, serial: number, except: Record<number, number> = {}): Record<string, number> =>
  Object.fromEntries(Array.from({ length: COUNT }, (_, i) => [zoneName(i, set), except[i] ?? serial]));

const finished = (set: string): Record<string, unknown> | undefined =>
  lab
    .records()
    .filter((record) => record['event'] === 'finished' && record['zoneSet'] === set)
    .at(-1);

function pushOk(set: string, serial: number): void {
  const result = lab.push(set, zoneSource(zones(set, serial)));
  if (result.status !== 0) throw new Error(`push of ${set} at ${String(serial)} failed: ${result.stderr}`);
}

beforeAll(async () => {
  lab = await startZoneSetLab([{ name: 'ls' }, { name: 'lh' }, { name: 'lr' }], { sandbox: 'required' });
  for (const set of ['ls', 'lh', 'lr']) pushOk(set, 10);
}, 240_000);

afterAll(async () => {
  await lab.stop();
});

describe('live copies checked when they were pushed', () => {
  it('a second push of every zone checks only the pushed copies; every new serial is served', async () => {
    const result = lab.push('ls', zoneSource(zones('ls', 11)));
    expect(result.stderr).toMatch(/20 changed, 0 added, 0 removed/);
    expect(result.status).toBe(0);
    expect(finished('ls')?.['liveChecked']).toBe(0);
    expect(await lab.named.serial(zoneName(7, 'ls'))).toBe(11);
    const record = readLiveSerials(layoutOf(lab.root('ls')), READER);
    expect(record[zoneName(7, 'ls')]?.serial).toBe(11);
  });

  it('an out-of-band edit of a live file (same size, new mtime) is checked again: its higher serial refuses a push', async () => {
    // attack: the live copy was rewritten in place (serial 11 -> 19, same size) after it was recorded;
    // a push of 12 must be compared with 19, not with the recorded 11.
    const file = join(lab.root('ls'), 'current', `db.${zoneName(3, 'ls')}`);
    const before = lstatSync(file);
    writeFileSync(file, readFileSync(file, 'utf8').replace('( 11 ', '( 19 '));
    utimesSync(file, before.atime, new Date(before.mtimeMs + 5000));
    expect(lstatSync(file).size).toBe(before.size);
    const live = lab.live('ls');
    const result = lab.push('ls', zoneSource(zones('ls', 12)));
    expect(result.stderr).toMatch(/zone z03\.ls: serial 12 is not greater than the live 19/);
    expect(result.status).toBe(81);
    expect(lab.live('ls')).toEqual(live);
    // Above it: the other 19 live copies matched the record; the edited one was checked and passed.
    const ok = lab.push('ls', zoneSource(zones('ls', 13, { 3: 20 })));
    expect(ok.status).toBe(0);
    expect(finished('ls')?.['liveChecked']).toBe(1);
    expect(await lab.named.serial(zoneName(3, 'ls'))).toBe(20);
  });
});

describe('a hostile or damaged record is ignored; the push is still judged', () => {
  const recordPath = (): string => liveSerialsFile(layoutOf(lab.root('lh')));
  /** Entries with high serials for every zone, with identities from `identity` (or none that match). */
  function entries(serial: number, identity: (file: string) => object): Record<string, unknown> {
    return Object.fromEntries(
      Array.from({ length: COUNT }, (_, i) => {
        const file = `db.${zoneName(i, 'lh')}`;
        return [zoneName(i, 'lh'), { file, serial, ...identity(file) }];
      }),
    );
  }
  const liveIdentity = (file: string): object => identityOf(lstatSync(join(lab.root('lh'), 'current', file)));
  const hostile: [string, () => void][] = [
    [
      'wrong serials for files that are not live',
      () => {
        writeFileSync(recordPath(), JSON.stringify({ reader: READER, zones: entries(5, () => ({ dev: 1, ino: 2, size: 3, mtimeMs: 4 })) }));
      },
    ],
    [
      'garbage',
      () => {
        writeFileSync(recordPath(), '{"z00.lh": {"file": "db.z00.lh", "serial": 5, ');
      },
    ],
    [
      'one malformed entry among entries that match',
      () => {
        writeFileSync(
          recordPath(),
          JSON.stringify({ reader: READER, zones: { ...entries(5, liveIdentity), 'z19.lh': { file: 'db.z19.lh', serial: -1 } } }),
        );
      },
    ],
    [
      'a serial beyond 32 bits',
      () => {
        writeFileSync(recordPath(), JSON.stringify({ reader: READER, zones: entries(2 ** 40, liveIdentity) }));
      },
    ],
    [
      'matching entries read by another checker (checker: false)',
      () => {
        writeFileSync(
          recordPath(),
          JSON.stringify({ reader: serialReader({ server: 'bind', checker: [] }), zones: entries(5, liveIdentity) }),
        );
      },
    ],
    [
      'an array',
      () => {
        writeFileSync(recordPath(), '[]');
      },
    ],
    [
      'huge',
      () => {
        writeFileSync(recordPath(), `{"pad": "${'x'.repeat(LIVE_SERIALS_MAX_BYTES)}"}`);
      },
    ],
    [
      'a symlink to a file of matching entries',
      () => {
        const elsewhere = join(mkdtempSync(join(tmpdir(), 'zonegate-ls-')), 'record.json');
        writeFileSync(elsewhere, JSON.stringify({ reader: READER, zones: entries(5, liveIdentity) }));
        rmSync(recordPath(), { force: true });
        symlinkSync(elsewhere, recordPath());
      },
    ],
  ];
  it.each(hostile)('%s: a backwards serial is refused, live and named unchanged', async (_, plant) => {
    // attack: a record that claims low live serials, so that a push of 9 over the live 10 passes.
    plant();
    expect(
      trustedLiveSerials(readLiveSerials(layoutOf(lab.root('lh')), READER), join(lab.root('lh'), 'current'), {
        added: [],
        removed: [],
        touched: [],
        before: COUNT,
        changed: [{ zone: 'z00.lh', file: 'db.z00.lh' }],
      }).size,
    ).toBe(0);
    const live = lab.live('lh');
    const result = lab.push('lh', zoneSource(zones('lh', 10, { 0: 9 })));
    expect(result.stderr).toMatch(/zone z00\.lh: serial 9 is not greater than the live 10/);
    expect(result.status).toBe(81);
    expect(lab.live('lh')).toEqual(live);
    expect(await lab.named.serial(zoneName(0, 'lh'))).toBe(10);
  });
});

describe('rollback', () => {
  it('after a rollback from 20 to 10 the live copies are checked: 15 goes through, 9 is refused', async () => {
    pushOk('lr', 20);
    const rolled = await zonegate(['rollback', 'lr', '--config', lab.config]);
    expect(rolled.exitCode).toBe(0);
    expect(await lab.named.serial(zoneName(0, 'lr'))).toBe(10);
    // The rollback dropped its zones' entries; even kept, none would match the files it put back.
    expect(readLiveSerials(layoutOf(lab.root('lr')), READER)[zoneName(0, 'lr')]).toBeUndefined();
    // attack: a record left saying 20 would refuse 15, one saying an older file's serial would take 9.
    const live = lab.live('lr');
    const back = lab.push('lr', zoneSource(zones('lr', 10, { 0: 9 })));
    expect(back.stderr).toMatch(/zone z00\.lr: serial 9 is not greater than the live 10/);
    expect(back.status).toBe(81);
    expect(lab.live('lr')).toEqual(live);
    const up = lab.push('lr', zoneSource(zones('lr', 15)));
    expect(up.status).toBe(0);
    expect(finished('lr')?.['liveChecked']).toBe(COUNT);
    expect(await lab.named.serial(zoneName(0, 'lr'))).toBe(15);
  });
});

describe('the checker runs on the pushed copies only (a counting checker)', () => {
  it('with the record: one run per pushed zone; without it: a run per live copy too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zonegate-count-'));
    const [spare, liveDir] = [join(dir, 'spare'), join(dir, 'live')];
    mkdirSync(spare);
    mkdirSync(liveDir);
    const calls = join(dir, 'calls');
    const wrapper = join(dir, 'count-checker');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nfor arg; do file=$arg; done\necho "$file" >> ${calls}\nexec ${ZONESET_DEFAULT_CHECKER[0] ?? ''} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    const changed = ['a.example', 'b.example', 'c.example'].map((zone) => ({ zone, file: `db.${zone}` }));
    for (const { zone, file } of changed) {
      writeFileSync(join(liveDir, file), soaZone(zone, 1));
      writeFileSync(join(spare, file), soaZone(zone, 2));
    }
    const settings = zoneSetSettings({ checker: [wrapper, ...ZONESET_DEFAULT_CHECKER.slice(1)] });
    const changes = { added: [], removed: [], touched: [], before: 3, changed };
    const run = async (recorded: Map<string, number>): Promise<string[]> => {
      writeFileSync(calls, '');
      expect(await validateZones(settings, spare, liveDir, changes, undefined, recorded)).toEqual({
        'a.example': 2,
        'b.example': 2,
        'c.example': 2,
      });
      return readFileSync(calls, 'utf8').trim().split('\n').sort();
    };
    const pushed = changed.map(({ file }) => join(spare, file));
    expect(await run(new Map(changed.map(({ zone }) => [zone, 1])))).toEqual(pushed);
    expect(await run(new Map())).toEqual([...changed.map(({ file }) => join(liveDir, file)), ...pushed].sort());
    // A recorded serial is still compared: 2 over a recorded 3 is refused.
    await expect(validateZones(settings, spare, liveDir, changes, undefined, new Map([['a.example', 3]]))).rejects.toMatchObject({
      reason: 'serial-not-increased',
    });
  });
});
