// The batch checker with real parts: named-checkconf -z in bwrap under prlimit, through the built
// gate with the real rsync client, and a real named. A broken zone in a large batch is refused and
// named, a zone that blows the memory limit inside a batch is still stopped, and in both cases the
// live tree and what named serves stay as they were. The batch's verdicts match named-checkzone's,
// zone by zone, for every check the strict flags turn on.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGateError } from '../../src/shared/errors.js';
import { PUSH_DEFAULTS, ZONESET_DEFAULT_CHECKER } from '../../src/shared/policy/defaults.js';
import { checkZonesInBatches } from '../../src/zoneset/batch-check.js';
import type { CheckJob } from '../../src/zoneset/servers/types.js';
import { serialOf } from '../../src/zoneset/servers/check-each.js';
import { namedLoadedSerial } from '../../src/zoneset/batch-check.js';
import { zoneSetSettings } from '../helpers/policy.js';
import { startZoneSetLab, type ZoneSetLab } from '../helpers/zoneset-lab.js';
import { soaZone, zoneSource } from '../lab/zones.js';

const SANDBOX = { bwrap: '/usr/bin/bwrap' };
const COUNT = 120;

let lab: ZoneSetLab;

/** COUNT zones of set `name` (z000.name …), each with `serial`, `broken` replacing some texts. */
function zones(name: string, serial: number, broken: Record<number, string> = {}): Record<string, number | string> {
  return Object.fromEntries(
    Array.from({ length: COUNT }, (_, i) => {
      const zone = `z${String(i).padStart(3, '0')}.${name}`;
      return [zone, broken[i] ?? serial];
    }),
  );
}

async function servedSerials(name: string, picks: readonly number[]): Promise<(number | undefined)[]> {
  return Promise.all(picks.map((i) => lab.named.serial(`z${String(i).padStart(3, '0')}.${name}`)));
}

beforeAll(async () => {
  lab = await startZoneSetLab(
    [
      { name: 'bz', settings: { limits: { checkerConcurrency: 2 } } },
      { name: 'mz', settings: { limits: { generateRange: 1_000_000, checkerMemoryMB: 64 } } },
    ],
    { sandbox: 'required' },
  );
  for (const name of ['bz', 'mz']) {
    const first = lab.push(name, zoneSource(zones(name, 5)));
    if (first.status !== 0) throw new Error(`first push of ${name} failed: ${first.stderr}`);
  }
}, 240_000);

afterAll(async () => {
  await lab.stop();
});

describe('a large batch through the gate', () => {
  it('all 120 zones changed: one push, one full reload, every new serial served', async () => {
    const result = lab.push('bz', zoneSource(zones('bz', 6)));
    expect(result.stderr).toMatch(/120 changed, 0 added, 0 removed/);
    // 120 of 120 changed: one full reload rather than 120 `rndc reload ZONE`; dig proves it took.
    expect(result.stderr).toContain('zonegate: rndc reload, new serials verified');
    expect(result.status).toBe(0);
    expect(await servedSerials('bz', [0, 60, 119])).toEqual([6, 6, 6]);
    // The audit record says where the push's time went after rsync.
    const finished = lab.records().filter((record) => record['event'] === 'finished' && record['zoneSet'] === 'bz');
    expect(Object.keys(finished.at(-1)?.['stagesMs'] ?? {})).toEqual(['gate', 'transfer', 'check', 'promote', 'reload', 'verify']);
  });

  it('refuses a broken zone in the middle of the batch and names it; live and named unchanged', async () => {
    // attack: one bad zone hidden among many good ones, hoping a batch waves it through.
    const before = lab.live('bz');
    const served = await servedSerials('bz', [0, 59, 60, 61, 119]);
    const result = lab.push('bz', zoneSource(zones('bz', 7, { 60: soaZone('z060.bz', 7, 'bad_name IN A 192.0.2.1') })));
    expect(result.stderr).toMatch(/zone z060\.bz \(db\.z060\.bz\) is invalid: .*bad owner name \(check-names\)/);
    expect(result.stderr).toContain('the live zones were left as they were');
    expect(result.status).toBe(80);
    expect(lab.live('bz')).toEqual(before);
    expect(await servedSerials('bz', [0, 59, 60, 61, 119])).toEqual(served);
  });

  it('stops a zone that blows the memory limit inside a batch, and names it; live and named unchanged', async () => {
    // attack: a zone the pre-scan lets through (300,000 generated names) but that costs the checker
    // more than checkerMemoryMB 64, sent among 119 small zones so that it runs in a batch.
    const before = lab.live('mz');
    const served = await servedSerials('mz', [0, 33, 119]);
    const hostile = soaZone('z033.mz', 6, '$GENERATE 1-300000 h$ A 10.0.0.1');
    const result = lab.push('mz', zoneSource(zones('mz', 6, { 33: hostile })));
    expect(result.stderr).toMatch(
      /zone z033\.mz \(db\.z033\.mz\) is invalid: .*\(the checker was stopped: zoneSet\.limits\.checkerCpuSeconds 60, checkerMemoryMB 64\)/,
    );
    expect(result.status).toBe(80);
    expect(lab.live('mz')).toEqual(before);
    expect(await servedSerials('mz', [0, 33, 119])).toEqual(served);
  });
});

/** What a check says: the serial, or the refusal's reason and message. */
async function verdict(promise: Promise<unknown>): Promise<unknown> {
  try {
    return await promise;
  } catch (error) {
    if (isGateError(error)) return { reason: error.reason, message: error.message };
    throw error;
  }
}

describe('the batch clears exactly what named-checkzone clears, check by check (in bwrap, under prlimit)', () => {
  const FIXTURES: [string, string][] = [
    ['a clean zone', ''],
    ['check-names (-k): an owner with _', 'bad_name IN A 192.0.2.1'],
    ['check-mx (-m): an MX to an address', '@ IN MX 10 192.0.2.1'],
    ['check-mx-cname (-M): an MX to a CNAME', '@ IN MX 10 mail\nmail IN CNAME www'],
    ['check-srv-cname (-S): an SRV to a CNAME', '_sip._udp IN SRV 0 0 5060 sip\nsip IN CNAME www'],
    ['-n: an NS that is an address', '@ IN NS 192.0.2.9\n192.0.2.9 IN A 127.0.0.1'],
    ['integrity (-i local): an in-zone NS without an address', '@ IN NS ns2'],
    ['duplicate records (a warning under both)', 'www IN A 192.0.2.1\nwww IN A 192.0.2.1'],
    ['a syntax error', 'x IN BOGUS 1'],
    ['a record out of zone', 'www.other.test. IN A 192.0.2.1'],
  ];
  for (const checker of [ZONESET_DEFAULT_CHECKER, PUSH_DEFAULTS.checker]) {
    it.each(FIXTURES)(`${checker.slice(1).join(' ')}: %s`, async (_, extra) => {
      const dir = mkdtempSync(join(tmpdir(), 'zonegate-parity-'));
      const jobs: CheckJob[] = ['a', 'b', 'c', 'd', 'e'].map((label) => ({
        zone: `${label}.example`,
        file: `db.${label}.example`,
        dir,
        which: 'pushed',
      }));
      for (const job of jobs) writeFileSync(join(dir, job.file), soaZone(job.zone, 3, job.zone === 'c.example' ? extra : ''));
      const settings = zoneSetSettings({ checker, limits: { checkerConcurrency: 1 } });
      const alone = await verdict(serialOf(settings, { ...(jobs[2] as CheckJob), dir, which: 'pushed' }, SANDBOX, namedLoadedSerial));
      const batch = await verdict(checkZonesInBatches(settings, jobs, SANDBOX));
      expect(batch).toEqual(typeof alone === 'number' ? [3, 3, alone, 3, 3] : alone);
    });
  }
});
