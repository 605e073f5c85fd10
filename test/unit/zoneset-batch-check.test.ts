// BIND's batch checker: the named.conf options it generates for a named-checkzone argv, hostile
// zone and file names kept out of that config, and every error read back to its own zone and file
// (real named-checkconf output; no sandbox here, the integration test runs it in bwrap).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGateError } from '../../src/shared/errors.js';
import { PUSH_DEFAULTS, ZONESET_DEFAULT_CHECKER } from '../../src/shared/policy/defaults.js';
import { batchable, mirrorCheckzone, readBatchOutput, renderBatchConf, type BatchChecker } from '../../src/zoneset/batch-conf.js';
import { checkZonesInBatches, planBatches } from '../../src/zoneset/batch-check.js';
import type { CheckJob } from '../../src/zoneset/servers/types.js';
import { serialOf } from '../../src/zoneset/servers/check-each.js';
import { namedLoadedSerial } from '../../src/zoneset/batch-check.js';
import { validateSource } from '../../src/admin/push/validate.js';
import { soaZone } from '../lab/zones.js';
import { zoneSetSettings } from '../helpers/policy.js';

const STRICT = mirrorCheckzone(ZONESET_DEFAULT_CHECKER) as BatchChecker;

/** Fifty (or `count`) zones z00…z49.example in a fresh directory; `broken` maps an index to its text. */
function fiftyZones(broken: Record<number, string> = {}, count = 50): { dir: string; jobs: CheckJob[] } {
  const dir = mkdtempSync(join(tmpdir(), 'zonegate-batch-'));
  const jobs: CheckJob[] = [];
  for (let i = 0; i < count; i++) {
    const zone = `z${String(i).padStart(2, '0')}.example`;
    writeFileSync(join(dir, `db.${zone}`), broken[i] ?? soaZone(zone, 1000 + i));
    jobs.push({ zone, file: `db.${zone}`, dir, which: 'pushed' });
  }
  return { dir, jobs };
}

function checkconf(dir: string, jobs: readonly CheckJob[]): string {
  const conf = join(mkdtempSync(join(tmpdir(), 'zonegate-batch-conf-')), 'named.conf');
  writeFileSync(conf, renderBatchConf(dir, jobs, STRICT));
  const result = spawnSync(STRICT.checkconf, ['-z', conf], { encoding: 'utf8' });
  return result.stdout + result.stderr;
}

/**
 * named-checkzone and named-checkconf stand-ins that log each run and exec the real ones, in one
 * directory (the batch finds named-checkconf beside the checker): which path ran becomes visible.
 * `killedWith`: a batch whose config lists that zone is killed, as a limit would kill it.
 */
function loggedCheckers(killedWith?: string): { checker: string[]; runs: () => string[] } {
  const bin = mkdtempSync(join(tmpdir(), 'zonegate-batch-bin-'));
  const log = join(bin, 'runs');
  writeFileSync(log, '');
  for (const name of ['named-checkzone', 'named-checkconf']) {
    const kill = name === 'named-checkconf' && killedWith !== undefined ? `grep -q 'zone "${killedWith}"' "$2" && kill -KILL $$\n` : '';
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $1" >> ${log}\n${kill}exec /usr/bin/${name} "$@"\n`, { mode: 0o755 });
  }
  const checker = [join(bin, 'named-checkzone'), ...ZONESET_DEFAULT_CHECKER.slice(1)];
  return {
    checker,
    runs: () =>
      readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .filter((line) => line !== ''),
  };
}

function failedZones(dir: string, jobs: readonly CheckJob[]): string[] {
  const verdicts = readBatchOutput(checkconf(dir, jobs), jobs, STRICT);
  return [...verdicts].filter(([, verdict]) => verdict.failed).map(([zone]) => zone);
}

async function refusal(promise: Promise<unknown>): Promise<{ reason: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isGateError(error)) return { reason: error.reason, message: error.message };
    throw error;
  }
  throw new Error('not refused');
}

describe('the named.conf options mirror named-checkzone flags one for one', () => {
  it.each([
    [
      'the zone set default (-k -m -M -S -n fail, -i local)',
      ZONESET_DEFAULT_CHECKER,
      [
        'check-names fail',
        'check-mx fail',
        'check-mx-cname fail',
        'check-srv-cname fail',
        'check-dup-records warn',
        'check-integrity yes',
        'check-sibling no',
      ],
      true,
    ],
    [
      "the primary's default (-k fail -i local; the rest named-checkzone's own defaults)",
      PUSH_DEFAULTS.checker,
      [
        'check-names fail',
        'check-mx warn',
        'check-mx-cname warn',
        'check-srv-cname warn',
        'check-dup-records warn',
        'check-integrity yes',
        'check-sibling no',
      ],
      false,
    ],
    [
      '-i local-sibling, -r fail, -n ignore',
      ['/usr/bin/named-checkzone', '-i', 'local-sibling', '-r', 'fail', '-n', 'ignore'],
      [
        'check-names warn',
        'check-mx warn',
        'check-mx-cname warn',
        'check-srv-cname warn',
        'check-dup-records fail',
        'check-integrity yes',
        'check-sibling yes',
      ],
      false,
    ],
  ])('%s', (_, checker, options, nsFatal) => {
    expect(mirrorCheckzone(checker)).toEqual({ checkconf: '/usr/bin/named-checkconf', zoneOptions: options, nsAddressFatal: nsFatal });
  });

  it.each([
    ['no -i (full: lookups a batch does not do)', ['/usr/bin/named-checkzone', '-k', 'fail']],
    ['-i full', ['/usr/bin/named-checkzone', '-i', 'full']],
    ['an unknown flag', ['/usr/bin/named-checkzone', '-i', 'local', '-q']],
    ['a flag without its value', ['/usr/bin/named-checkzone', '-i']],
    ['an unknown mode', ['/usr/bin/named-checkzone', '-i', 'local', '-k', 'maybe']],
    ['another checker', ['/usr/bin/kzonecheck']],
    ['no checker', []],
  ])('no batch for %s: every zone is checked alone, as the argv says', (_, checker) => {
    expect(mirrorCheckzone(checker)).toBeUndefined();
  });

  it('renders one primary zone per entry with the options, the directory escaped', () => {
    const conf = renderBatchConf('/srv/a "b"\\c', [{ zone: 'a.example', file: 'db.a.example' }], STRICT);
    expect(conf).toBe(
      'options { directory "/srv/a \\"b\\"\\\\c"; };\n' +
        'zone "a.example" { type primary; file "db.a.example"; check-names fail; check-mx fail; check-mx-cname fail; check-srv-cname fail; check-dup-records warn; check-integrity yes; check-sibling no; };\n',
    );
    expect(() => renderBatchConf('/srv/a\nb', [], STRICT)).toThrow(/control character/);
  });
});

describe('hostile names never reach the generated config', () => {
  it.each([
    // attack: a file name that closes the string and the zone statement to add its own options
    // (e.g. `check-names ignore`, or a second zone reading a file outside the set).
    ['db.x"; check-names ignore; };zone "y', 'x.example'],
    ['db.x y', 'x.example'],
    ['db.x\\', 'x.example'],
    ['../db.x', 'x.example'],
    ['db.x\n', 'x.example'],
    ['db.x', 'x".example'],
    ['db.x', 'x..example'],
    ['db.x', 'X.example'],
  ])('file %j, zone %j: checked alone', (file, zone) => {
    expect(batchable({ zone, file })).toBe(false);
    expect(() => renderBatchConf('/srv', [{ zone, file }], STRICT)).toThrow(/cannot be batched/);
    const jobs: CheckJob[] = [
      { zone: 'a.example', file: 'db.a.example', dir: '/d', which: 'pushed' },
      { zone, file, dir: '/d', which: 'pushed' },
      { zone: 'b.example', file: 'db.b.example', dir: '/d', which: 'pushed' },
    ];
    expect(planBatches(jobs, 1, () => 10)).toEqual({ batches: [[0, 2]], singles: [1] });
  });

  it('a zone file name named.conf would need quoted is still checked (alone) and its serial read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zonegate-batch-q-'));
    const jobs: CheckJob[] = ['a.example', 'b.example', 'c.example'].map((zone) => ({ zone, file: `db.${zone}`, dir, which: 'pushed' }));
    jobs[1] = { ...(jobs[1] as CheckJob), file: 'db "b".example' };
    for (const [i, job] of jobs.entries()) writeFileSync(join(dir, job.file), soaZone(job.zone, 7 + i));
    expect(await checkZonesInBatches(zoneSetSettings(), jobs, undefined)).toEqual([7, 8, 9]);
  });
});

describe('planning batches', () => {
  const jobs = (n: number, dir = '/d'): CheckJob[] =>
    Array.from({ length: n }, (_, i) => ({
      zone: `z${String(i)}.example`,
      file: `db.z${String(i)}.example`,
      dir,
      which: 'pushed' as const,
    }));
  it('one directory per batch, spread over the concurrency, 50 to 2,000 zones and at most 32 MiB each', () => {
    expect(planBatches([...jobs(3, '/spare'), ...jobs(3, '/live')], 1, () => 1).batches).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    // Ten zones stay one batch (at least 50 a batch); 120 spread over two.
    expect(planBatches(jobs(10), 2, () => 1).batches).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    expect(planBatches(jobs(120), 2, () => 1).batches.map((b) => b.length)).toEqual([60, 60]);
    // Two batches for 2,000 zones on two cores (each batch costs a process in bwrap); never above 2,000.
    expect(planBatches(jobs(2000), 2, () => 1).batches.map((b) => b.length)).toEqual([1000, 1000]);
    expect(planBatches(jobs(5000), 2, () => 1).batches.map((b) => b.length)).toEqual([2000, 2000, 1000]);
    const big = planBatches(jobs(5), 1, (job) => (job.zone === 'z2.example' ? 40 * 1024 * 1024 : 1024));
    expect(big.batches).toEqual([
      [0, 1],
      [3, 4],
    ]);
    expect(big.singles).toEqual([2]);
  });
  it('a file that cannot be read is checked alone (the per-zone checker says why)', () => {
    expect(planBatches(jobs(3), 1, (job) => (job.zone === 'z1.example' ? undefined : 1))).toEqual({ batches: [[0, 2]], singles: [1] });
  });
});

describe('each error is attributed to its zone and file', () => {
  it('a bad zone in the middle of a batch of 50 is the one named', () => {
    const { dir, jobs } = fiftyZones({ 25: soaZone('z25.example', 1, 'bad_name IN A 192.0.2.1') });
    expect(failedZones(dir, jobs)).toEqual(['z25.example']);
    const verdicts = readBatchOutput(checkconf(dir, jobs), jobs, STRICT);
    expect(verdicts.get('z25.example')?.lines.join('\n')).toMatch(/db\.z25\.example:\d+: bad_name\.z25\.example: bad owner name/);
    expect(verdicts.get('z24.example')).toEqual({ serial: 1024, failed: false, lines: ['zone z24.example/IN: loaded serial 1024'] });
  });

  it('two bad zones, each with its own reason; the others keep their serials', () => {
    const { dir, jobs } = fiftyZones({
      3: soaZone('z03.example', 1, 'x IN BOGUS 1'),
      40: soaZone('z40.example', 1, '@ IN MX 10 mail\nmail IN CNAME www'),
    });
    expect(failedZones(dir, jobs)).toEqual(['z03.example', 'z40.example']);
    const verdicts = readBatchOutput(checkconf(dir, jobs), jobs, STRICT);
    expect(verdicts.get('z03.example')?.lines.join('\n')).toMatch(/unknown RR type 'BOGUS'/);
    expect(verdicts.get('z40.example')?.lines.join('\n')).toMatch(/is a CNAME \(illegal\)/);
    expect(jobs.map((job) => verdicts.get(job.zone)?.serial).filter((s) => s !== undefined)).toHaveLength(48);
  });

  it('-n fail: an NS that is an address fails its zone, though named-checkconf only warns', () => {
    const { dir, jobs } = fiftyZones({ 10: soaZone('z10.example', 1, '@ IN NS 192.0.2.9\n192.0.2.9 IN A 127.0.0.1') });
    expect(checkconf(dir, jobs)).toMatch(/zone z10\.example\/IN: loaded serial 1/);
    expect(failedZones(dir, jobs)).toEqual(['z10.example']);
  });

  it('a serial line seen twice for one zone (echoed by another) clears neither', () => {
    const entries = [{ zone: 'a.example', file: 'db.a' }];
    const output = 'zone a.example/IN: loaded serial 5\nzone a.example/IN: loaded serial 9\n';
    expect(readBatchOutput(output, entries, STRICT).get('a.example')?.failed).toBe(true);
  });

  it('the refusal names the bad zone with the per-zone checker message and code', async () => {
    const bad = soaZone('z25.example', 1, 'bad_name IN A 192.0.2.1');
    const { dir, jobs } = fiftyZones({ 25: bad });
    const { checker, runs } = loggedCheckers();
    const settings = zoneSetSettings({ checker, limits: { checkerConcurrency: 1 } });
    const batch = await refusal(checkZonesInBatches(settings, jobs, undefined));
    // One batch, then the zone it blamed alone: the per-zone checker ran once, on that zone.
    expect(runs()).toEqual(['named-checkconf -z', 'named-checkzone -k']);
    const alone = await refusal(serialOf(settings, { ...(jobs[25] as CheckJob), dir, which: 'pushed' }, undefined, namedLoadedSerial));
    expect(batch).toEqual(alone);
    expect(batch.reason).toBe('zone-invalid');
    expect(batch.message).toMatch(/^zone z25\.example \(db\.z25\.example\) is invalid: .*bad owner name/);
  });

  it('a batch killed as a whole is split into batches of 50, and only the part killed again goes zone by zone', async () => {
    // attack: one zone that gets its whole batch killed (a limit), hoping the fallback costs
    // thousands of single checks, or that some zone of the batch slips through unchecked.
    const { dir, jobs } = fiftyZones({ 57: soaZone('z57.example', 1, 'bad_name IN A 192.0.2.1') }, 120);
    const { checker, runs } = loggedCheckers('z57.example');
    const settings = zoneSetSettings({ checker, limits: { checkerConcurrency: 1 } });
    const batch = await refusal(checkZonesInBatches(settings, jobs, undefined));
    // 120 zones (killed), 0-49 (clean), 50-99 (killed again): 50…57 alone, stopping at the bad one.
    expect(runs()).toEqual([...Array<string>(3).fill('named-checkconf -z'), ...Array<string>(8).fill('named-checkzone -k')]);
    const alone = await refusal(serialOf(settings, { ...(jobs[57] as CheckJob), dir, which: 'pushed' }, undefined, namedLoadedSerial));
    expect(batch).toEqual(alone);
    expect(batch.message).toMatch(/^zone z57\.example \(db\.z57\.example\) is invalid: .*bad owner name/);
  });

  it('a batch killed as a whole still gives every serial when each part passes', async () => {
    const { jobs } = fiftyZones({}, 120);
    const { checker, runs } = loggedCheckers('z57.example');
    const settings = zoneSetSettings({ checker, limits: { checkerConcurrency: 1 } });
    expect(await checkZonesInBatches(settings, jobs, undefined)).toEqual(jobs.map((_, i) => 1000 + i));
    // The whole (killed), 0-49, 50-99 (killed), its 50 zones alone, then 100-119.
    expect(runs()).toEqual([
      ...Array<string>(3).fill('named-checkconf -z'),
      ...Array<string>(50).fill('named-checkzone -k'),
      'named-checkconf -z',
    ]);
  });

  it('a clean batch gives every serial, the live copies read the same way', async () => {
    const { dir, jobs } = fiftyZones();
    const live = join(dir, 'live');
    mkdirSync(live);
    for (const job of jobs.slice(0, 5)) writeFileSync(join(live, job.file), soaZone(job.zone, 7));
    const all = [...jobs, ...jobs.slice(0, 5).map((job) => ({ ...job, dir: live, which: 'live' as const }))];
    const { checker, runs } = loggedCheckers();
    expect(await checkZonesInBatches(zoneSetSettings({ checker }), all, undefined)).toEqual([
      ...jobs.map((_, i) => 1000 + i),
      7,
      7,
      7,
      7,
      7,
    ]);
    // One batch of the pushed copies and one of the live ones; no zone alone.
    expect(runs()).toEqual(Array<string>(2).fill('named-checkconf -z'));
  });
});

describe("the primary's pre-send validation batches too", () => {
  it('names the one bad file among 50 with the message a check of it alone gives; the batch ran, then that zone alone', async () => {
    const { dir, jobs } = fiftyZones({ 17: soaZone('z17.example', 1, 'bad_name IN A 192.0.2.1') });
    const { checker, runs } = loggedCheckers();
    const primaryChecker = [checker[0] ?? '', ...PUSH_DEFAULTS.checker.slice(1)];
    const state = mkdtempSync(join(tmpdir(), 'zonegate-batch-state-'));
    const result = await validateSource(dir, 'db.{zone}', primaryChecker, state, 2);
    expect(result.changed).toHaveLength(jobs.length);
    expect(result.problems.map((p) => p.file)).toEqual(['db.z17.example']);
    expect(runs()).toEqual(['named-checkconf -z', 'named-checkzone -k']);
    const alone = mkdtempSync(join(tmpdir(), 'zonegate-batch-alone-'));
    writeFileSync(join(alone, 'db.z17.example'), soaZone('z17.example', 1, 'bad_name IN A 192.0.2.1'));
    const single = await validateSource(alone, 'db.{zone}', primaryChecker, mkdtempSync(join(tmpdir(), 'zonegate-batch-state-')), 2);
    const unplaced = (problems: typeof result.problems, where: string): unknown =>
      problems.map((p) => ({ ...p, message: p.message.split(`${where}/`).join('') }));
    expect(unplaced(result.problems, dir)).toEqual(unplaced(single.problems, alone));
    expect(single.problems[0]?.message).toMatch(/named-checkzone failed: .*bad owner name/);
  });
});
